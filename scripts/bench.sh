#!/usr/bin/env bash
# The benchmarks `make bench` runs, on an optimised build: the HTTP engine, linking on the
# push protocol, the sync benchmark (every platform's simulator, then the host alone at 100k, 1M
# and 5M lines), usage import at the same sizes, the CLI itself (import, dry run, sync)
# through the external simulator at the same sizes, then the scale benchmark: worker processes
# on one throwaway PostgreSQL, 300 connectors over every platform's simulator (also alone:
# `make bench-scale`).
# Arguments after the build folder go to meterbridge-bench-sync, e.g. `scripts/bench.sh
# build-release --platforms autotask --companies 200`. bench/README.md explains every figure.
set -euo pipefail
build=${1:-build-release}
shift || true
cd "$(dirname "$0")/.."

for binary in meterbridge-bench-http meterbridge-bench-link meterbridge-bench-sync meterbridge-bench-import \
  meterbridge-bench-scale meterbridge-sim meterbridge; do
  if [ ! -x "$build/bin/$binary" ]; then
    echo "bench: $build/bin/$binary is missing; build the release preset first (make bench)" >&2
    exit 1
  fi
done

printf '\n\033[1m== HTTP engine (meterbridge-bench-http)\033[0m\n'
"$build/bin/meterbridge-bench-http"

printf '\n\033[1m== Linking (meterbridge-bench-link)\033[0m\n'
"$build/bin/meterbridge-bench-link" --sim "$build/bin/meterbridge-sim" --plugins "$build/plugins"
"$build/bin/meterbridge-bench-link" --sim "$build/bin/meterbridge-sim" --plugins "$build/plugins" \
  --latency-ms 50 --batches-only

printf '\n\033[1m== Sync (meterbridge-bench-sync)\033[0m\n'
"$build/bin/meterbridge-bench-sync" --sim "$build/bin/meterbridge-sim" --plugins "$build/plugins" "$@"

printf '\n\033[1m== Usage import (meterbridge-bench-import)\033[0m\n'
"$build/bin/meterbridge-bench-import" --meterbridge "$build/bin/meterbridge" \
  --rows 100000,1000000,5000000

printf '\n\033[1m== The CLI through the external simulator (bench/cli_bench.py)\033[0m\n'
python3 bench/cli_bench.py --build "$build" --lines 100000,1000000,5000000

printf '\n\033[1m== Scale-out: workers on one PostgreSQL (meterbridge-bench-scale)\033[0m\n'
"$build/bin/meterbridge-bench-scale" --sim "$build/bin/meterbridge-sim" \
  --meterbridge "$build/bin/meterbridge" --plugins "$build/plugins"
