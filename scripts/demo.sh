#!/usr/bin/env bash
# The main job end to end on embedded defaults: SQLite state in build/demo/, one simulator per
# platform on loopback, seeded with a small vendor world (examples/demo/). It imports usage,
# tests every connector, maps (automatically, then what the config declares), shows a dry-run
# diff, syncs, approves what was held, syncs again to prove nothing is written twice, and reads
# every quantity back from the platforms. Any difference makes it exit non-zero. Then it starts
# `meterbridge serve` and prints the web console's URL and a demo sign-in; on a terminal the
# console keeps running until Ctrl-C, otherwise (the test suite) the script ends there.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
mb="$build/bin/meterbridge"
sim="$build/bin/meterbridge-sim"
config=config/examples/demo.json
work="$build/demo"
rm -rf "$work"
mkdir -p "$work"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Starts a simulator and sets sim_url to its base URL (its first line of output). Not called in
# a subshell, so the cleanup trap knows every simulator's pid.
start_sim() {
  local platform=$1 seed=$2
  shift 2
  "$sim" "$platform" --seed "$seed" "$@" > "$work/$platform.out" 2> "$work/$platform.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    if [ -s "$work/$platform.out" ]; then sim_url=$(head -n 1 "$work/$platform.out"); return 0; fi
    sleep 0.1
  done
  echo "meterbridge-sim $platform did not start:" >&2
  cat "$work/$platform.log" >&2
  return 1
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Progress: a status line on a terminal; off one (a log, the test suite) none, rather than the
# NDJSON events a script would follow.
progress=()
[ -t 2 ] || progress=(--no-progress)
MB() { "$mb" --config "$config" --plugins "$build/plugins" --state "$work/meterbridge.db" "$@"; }

export MB_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MB_DEMO_API_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MB_DEMO_AUTOTASK_SECRET=demo-autotask-secret MB_DEMO_AUTOTASK_CODE=DEMOVENDORCODE
export MB_DEMO_CONNECTWISE_PRIVATE_KEY=demo-cw-private-key
export MB_DEMO_CONNECTWISE_CLIENT_ID=5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b
export MB_DEMO_GRADIENT_VENDOR_KEY=vk_demo_coro_vendor MB_DEMO_GRADIENT_PARTNER_KEY=pk_demo_fabrikam
export MB_DEMO_EXTERNAL_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

start_sim autotask examples/demo/autotask.seed.json
autotask_url=$sim_url
start_sim connectwise examples/demo/connectwise.seed.json
connectwise_url=$sim_url
start_sim gradient examples/demo/gradient.seed.json
gradient_url=$sim_url
start_sim external examples/demo/external.seed.json --settings "{\"api_key\":\"$MB_DEMO_EXTERNAL_KEY\"}"
external_url=$sim_url
export MB_DEMO_AUTOTASK_URL="$autotask_url/atservicesrest/"
export MB_DEMO_CONNECTWISE_URL="$connectwise_url"
export MB_DEMO_GRADIENT_URL="$gradient_url"
export MB_DEMO_EXTERNAL_URL="$external_url"
connectors=(northwind-autotask contoso-connectwise fabrikam-gradient tailspin-external)

step "Plugins"
MB plugins list
step "Configuration"
MB config check
step "Vendor usage"
MB usage import examples/demo/usage.json
step "Vendor alerts: pushed whole, each with its history (docs/alerts.md)"
MB alerts push examples/demo/alerts.json
jq '.alerts[0] | .status = "resolved" | .time = "2026-12-05T10:30:00Z"' examples/demo/alerts.json \
  | MB alerts push -
MB alerts push examples/demo/alerts.json  # again: nothing changes (demo-al-1 is resolved since)
MB alerts list
step "Connect: test each connector's credentials against its platform"
for c in "${connectors[@]}"; do MB connectors test "$c"; done
step "Map workspaces by exact name (Gradient: its accounts were created and mapped by identity when it connected)"
for c in "${connectors[@]}"; do MB map auto "$c"; echo; done
step "Apply the mappings the config declares (near-duplicate names, services)"
MB map apply
step "Dry run: current / new / delta, nothing written"
MB sync --dry-run "${progress[@]}" || true
step "Sync"
MB sync "${progress[@]}" || true
step "On Gradient, the MSP maps the new accounts and services to its PSA (what it does in Synthesize)"
curl -fsS -X POST -H 'Content-Type: application/json' \
  -d "{\"partnerKey\":\"$MB_DEMO_GRADIENT_PARTNER_KEY\"}" "$gradient_url/_sim/gradient/auto-map" \
  | jq -r '"the MSP mapped \(.accountMappings | length) accounts to PSA clients and \(.serviceMappings | length) services to PSA products"' || true
MB sync fabrikam-gradient "${progress[@]}" || true

# --- Alerts to PSA tickets: Gradient (docs/platforms/gradient.md, "Alerts") -------------------
step "Gradient: alerts become PSA tickets through its alerting API (Gradient chooses the board)"
MB alerts push examples/demo/gradient.alerts.json
MB alerts check --connector fabrikam-gradient
MB alerts sync --connector fabrikam-gradient
jq '.alerts[0] | .status = "resolved" | .time = "2026-12-05T11:30:00Z"' \
  examples/demo/gradient.alerts.json | MB alerts push -
MB alerts sync --connector fabrikam-gradient
MB alerts sync --connector fabrikam-gradient  # again: nothing left to send
echo "What the Gradient simulator received (one PSA ticket per alert at or above medium):"
gradient_tickets=$(curl -fsS "$gradient_url/_sim/state" | jq -c '.partners[0].alertTickets')
jq -r '.[] | "  \(.ticketId)  \(.accountId)  priority \(.priority)  status \(.status)\(if .closed then " (closed)" else "" end)  \(.alertId)  \(.title)"' \
  <<< "$gradient_tickets"
if [ "$(jq length <<< "$gradient_tickets")" != 3 ] ||
   [ "$(jq '[.[] | select(.closed)] | length' <<< "$gradient_tickets")" != 1 ]; then
  echo "demo: Gradient should hold 3 alert tickets, 1 of them closed" >&2
  exit 1
fi
# --- end of Gradient alerts -----------------------------------------------------------------
step "Approve decreases held for approval"
for c in "${connectors[@]}"; do
  run=$(MB runs list "$c" --limit 1 --json | jq -r '.[0].id')
  held=$(MB runs show "$run" --json | jq '[.lines[] | select(.action == "hold")] | length')
  if [ "$held" -gt 0 ]; then MB runs approve "$run" "${progress[@]}"; fi
done
step "Sync again: nothing left to write"
second=$(MB sync --json --no-progress || true)
writes=$(jq '[.[] | .counts.updated // 0] | add' <<< "$second")
jq -r '.[] | "\(.connector): \(.state) — \(.message)"' <<< "$second"
step "Reconcile: read every quantity back from the platforms"
ok=1
if [ "$writes" != "0" ]; then echo "second sync wrote $writes lines; expected none"; ok=0; fi
MB reconcile "${progress[@]}" || ok=0
# Gradient cannot report counts back through its API; read what it holds from its simulator.
run=$(MB runs list fabrikam-gradient --limit 10 --json | jq -r '[.[] | select(.dry_run | not)][0].id')
expected=$(MB runs show "$run" --json | jq -c '[.lines[] | select(.outcome == "updated" or .outcome == "unchanged") | {a: .account_id, s: .psa_service_id, q: .target}] | sort')
held=$(curl -fsS "$gradient_url/_sim/state" | jq -c '[.partners[0].counts[] | {a: .accountId, s: .serviceId, q: .unitCount}]')
missing=$(jq -n --argjson want "$expected" --argjson have "$held" '[$want[] | select(. as $w | $have | index($w) | not)] | length')
echo "fabrikam-gradient: $(jq length <<< "$expected") pushed counts checked on Gradient, $missing missing or different"
[ "$missing" = "0" ] || ok=0

# ---- Alerts to ConnectWise tickets (docs/alerts.md) -------------------------------------------
step "Alerts to ConnectWise tickets: check permissions, route Contoso's alerts, close a resolved one"
MB alerts check --connector contoso-connectwise || ok=0
MB alerts push examples/demo/connectwise-alerts.json
MB alerts sync --connector contoso-connectwise || ok=0
jq '.alerts[0] | .status = "resolved" | .time = "2026-12-05T11:00:00Z"' \
  examples/demo/connectwise-alerts.json | MB alerts push -
MB alerts sync --connector contoso-connectwise || ok=0
MB alerts sync --connector contoso-connectwise || ok=0  # again: every ticket is up to date
echo "Tickets on the ConnectWise simulator (read from its state):"
cw_state=$(curl -fsS "$connectwise_url/_sim/state")
jq -r '.tickets[] | "  #\(.id)  \(.board.name // .board.id)  \(.company.name // .company.id)  \(.priority.name // .priority.id)  \(.status.name // .status.id)\(if .closedFlag then " (closed)" else "" end)  \(.externalXRef)  \(.summary)"' <<< "$cw_state"
cw_tickets=$(jq '[.tickets[] | select(.externalXRef | startswith("mb-alert:demo-cw-"))] | length' <<< "$cw_state")
cw_closed=$(jq '[.tickets[] | select(.externalXRef == "mb-alert:demo-cw-al-1" and .closedFlag)] | length' <<< "$cw_state")
echo "contoso-connectwise: $cw_tickets tickets for 3 alerts, $cw_closed closed for the 1 resolved"
[ "$cw_tickets" = 3 ] && [ "$cw_closed" = 1 ] || ok=0
# ---- end of alerts to ConnectWise tickets -----------------------------------------------------

# ---- Alerts to Autotask tickets (docs/alerts.md, docs/platforms/autotask.md#tickets) ----------
step "Alerts to Autotask tickets: check permissions, route the pushed alerts, read the tickets back"
MB alerts check --connector northwind-autotask || ok=0
MB alerts sync --connector northwind-autotask || ok=0
again=$(MB alerts sync --connector northwind-autotask --json || true)
if [ "$(jq '.lines | length' <<< "$again")" != "0" ]; then
  echo "northwind-autotask: the second alerts run did something; expected nothing"; ok=0
fi
at_tickets=$(curl -fsS "$autotask_url/_sim/state" | jq -c '.tickets')
jq -r '.[] | "\(.ticketNumber)  company \(.companyID)  queue \(.queueID)  priority \(.priority)  status \(.status)  \(.externalID)  \(.title)"' \
  <<< "$at_tickets"
# demo-al-1 was resolved before it was ever routed: only demo-al-2 and demo-al-3 open tickets.
[ "$(jq length <<< "$at_tickets")" = "2" ] || { echo "northwind-autotask: expected 2 tickets on Autotask"; ok=0; }
# ---- end of the Autotask alerts block --------------------------------------------------------

step "Summary"
MB runs list --limit 8
if [ "$ok" = 1 ]; then
  echo "demo: every billed quantity matches the vendor's usage on every platform; the rerun wrote nothing."
else
  echo "demo: FAILED — see the reports above." >&2
  exit 1
fi

step "Web console"
# A vendor admin for this run only: a fresh password each run, printed once, never stored in
# clear (the store keeps its Argon2id hash). This is a local demo on loopback.
password=$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" | MB users add demo --role vendor_admin > /dev/null
MB serve --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.log" &
pids+=($!)
console_url=
for _ in $(seq 1 100); do
  console_url=$(grep -o 'http://[0-9.:]*' "$work/serve.out" 2>/dev/null | head -n 1 || true)
  [ -n "$console_url" ] && break
  sleep 0.1
done
if [ -z "$console_url" ] || ! curl -fsS "$console_url/v1/health" > /dev/null; then
  echo "demo: meterbridge serve did not start; see $work/serve.log" >&2
  exit 1
fi
# The sign-in printed below works (and the console page is served).
if ! curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"name\":\"demo\",\"password\":\"$password\"}" \
    "$console_url/v1/session" > /dev/null || ! curl -fsS "$console_url/" > /dev/null; then
  echo "demo: the console or its demo sign-in does not answer; see $work/serve.log" >&2
  exit 1
fi
echo "Console:  $console_url/"
echo "Sign in:  demo / $password   (a vendor admin made for this demo run)"
if [ -t 0 ] && [ -t 1 ]; then
  echo "The console, the simulators and the scheduler run until Ctrl-C."
  wait "${pids[-1]}" || true
fi
