#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (`cmake --preset fuzz`) for a fixed time each, one
# after the other, and prints a table: executions (this run, and all runs of the build folder in
# build-fuzz/fuzz-totals), coverage, corpus size and crashes. Each target's working corpus
# (build-fuzz/fuzz-corpus/<target>) grows across runs, seeded from fuzz/corpus/<target>;
# crashing inputs are written to build-fuzz/fuzz-artifacts/. Exits 1 when a
# target crashed, leaked or timed out. docs/reliability.md ("Fuzzing") says what to do then.
#
#   scripts/fuzz.sh build-fuzz 60            # every target for 60 s
#   scripts/fuzz.sh build-fuzz 300 usage     # one target
set -uo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
only=${3:-}
cd "$(dirname "$0")/.."
work="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
mkdir -p "$work" "$artifacts"

# Executions per target across every run of this build folder: the figure the goal is about.
totals="$build/fuzz-totals"
touch "$totals"

printf '%-20s %12s %10s %8s %8s %8s %14s\n' target execs exec/s cov corpus crashes 'all runs'
failed=0
for binary in "$build"/bin/fuzz_*; do
  name=${binary##*/fuzz_}
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  mkdir -p "$work/$name"
  log="$build/fuzz-$name.log"
  before=$(ls "$artifacts" | grep -c "^$name-" || true)
  # -timeout: an input taking longer is a hang; -rss_limit_mb: a leak or blow-up is a finding.
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "$work/$name" "fuzz/corpus/$name" > "$log" 2>&1
  code=$?
  after=$(ls "$artifacts" | grep -c "^$name-" || true)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  corpus=$(ls "$work/$name" | wc -l)
  crashes=$((after - before))
  if [ "$code" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  total=$(( $(awk -v t="$name" '$1 == t { print $2 }' "$totals" | tail -1) + 0 + ${execs:-0} ))
  { grep -v "^$name " "$totals"; echo "$name $total"; } > "$totals.new" && mv "$totals.new" "$totals"
  printf '%-20s %12s %10s %8s %8s %8s %14s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" "$crashes" "$total"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "  $name: see $log and $artifacts/$name-*" >&2
  fi
done
exit $failed
