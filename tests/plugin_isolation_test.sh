#!/usr/bin/env bash
# "isolation": "process" changes where a plugin runs, not what it does: the Autotask plugin on
# the demo data, once in the host and once in meterbridge-plugin-runner (each against a fresh
# simulator with the same seed), connects, maps, dry-runs, syncs and reconciles to line-for-line
# the same run.
#   tests/plugin_isolation_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
mb="$build/bin/meterbridge"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export MB_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MB_DEMO_AUTOTASK_SECRET=demo-autotask-secret MB_DEMO_AUTOTASK_CODE=DEMOVENDORCODE

start_sim() {
  local out="$work/sim-$1.out"
  "$build/bin/meterbridge-sim" autotask --seed "$src/examples/demo/autotask.seed.json" \
    > "$out" 2> "$work/sim-$1.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    if [ -s "$out" ]; then head -n 1 "$out"; return 0; fi
    sleep 0.05
  done
  echo "meterbridge-sim did not start" >&2
  cat "$work/sim-$1.log" >&2
  return 1
}

# One whole flow; prints the sync run's lines, without ids and times.
flow() {
  local isolation=$1 url
  url=$(start_sim "$isolation")
  cat > "$work/$isolation.json" <<JSON
{
  "state": {"path": "$work/$isolation.db"},
  "plugins": {"dir": "$build/plugins"},
  "connectors": [{
    "id": "northwind-autotask", "plugin": "autotask", "partner_id": "northwind",
    "isolation": "$isolation",
    "config": {"username": "meterbridge@northwind-it.example",
               "secret": "\${env:MB_DEMO_AUTOTASK_SECRET}",
               "integration_code": "\${env:MB_DEMO_AUTOTASK_CODE}",
               "discovery_url": "$url/atservicesrest/"},
    "policies": {"decreases": "auto", "effective_date": "today"},
    "mappings": {
      "accounts": {"ws-nw-04": "104", "ws-nw-08": "108"},
      "services": {"endpoint": {"psa_service_id": "31", "metric": "devices"},
                   "email": {"psa_service_id": "32", "metric": "users"},
                   "cloud": {"psa_service_id": "33", "metric": "users"},
                   "edr": {"psa_service_id": "34", "metric": "devices"}}}
  }]
}
JSON
  MB() { "$mb" --config "$work/$isolation.json" "$@"; }
  MB usage import "$src/examples/demo/usage.json" > /dev/null
  MB connectors test northwind-autotask > /dev/null
  MB map auto northwind-autotask > /dev/null
  MB map apply > /dev/null
  MB sync --dry-run --no-progress > /dev/null || true
  MB --log-level debug sync --no-progress > /dev/null 2> "$work/$isolation.sync.log" || true
  # Lines held for approval differ from usage: reconcile says so, the same way in both.
  MB reconcile --no-progress > "$work/$isolation.reconcile" || true
  local run
  run=$(MB runs list northwind-autotask --limit 5 --json | jq -r '[.[] | select(.dry_run | not)][0].id')
  MB runs show "$run" --json |
    jq -c '.state, (.lines[] | {account_id, psa_service_id, metric, current, target, delta, action, outcome, error_class, message})'
  grep -v "run [0-9]" "$work/$isolation.reconcile"
}

flow none > "$work/none.lines"
flow process > "$work/process.lines"

lines=$(wc -l < "$work/none.lines")
if [ "$lines" -lt 5 ]; then
  echo "the in-process run has only $lines lines:" >&2
  cat "$work/none.lines" >&2
  exit 1
fi
if ! grep -q "updated" "$work/none.lines"; then
  echo "the in-process run wrote nothing:" >&2
  cat "$work/none.lines" >&2
  exit 1
fi
if ! grep -q "started plugin process .*meterbridge-plugin-runner" "$work/process.sync.log"; then
  echo "the isolated connector did not run in meterbridge-plugin-runner:" >&2
  cat "$work/process.sync.log" >&2
  exit 1
fi
if grep -q "started plugin process" "$work/none.sync.log"; then
  echo "the in-process connector started a plugin process" >&2
  exit 1
fi
diff -u "$work/none.lines" "$work/process.lines"
echo "isolation: $lines lines, the same in process and in meterbridge-plugin-runner"
