#!/usr/bin/env bash
# The Python example plugin (examples/python-plugin) through the whole flow against the
# simulator's "test" platform, driven by the meterbridge CLI: connect, map, dry run, sync,
# reconcile. The plugin runs as a process plugin from a plugin folder holding its script, its
# manifest and a copy of the Python SDK; then packed into one zip application (pack.sh), pinned
# by its sha256, it loads and connects, and a wrong pin refuses it.
#   tests/python_example_flow_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
mb="$build/bin/meterbridge"
work=$(mktemp -d)
chmod 0755 "$work"
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "python example flow: $*" >&2; exit 1; }

plugins="$work/plugins"
mkdir -m 0755 "$plugins"
install -m 0644 "$src/examples/python-plugin/items_plugin.py" "$src/examples/python-plugin/items.plugin.json" "$plugins/"
cp -r "$src/sdk/python/meterbridge_plugin" "$plugins/"
chmod -R go-w "$plugins"

cat > "$work/seed.json" <<'JSON'
{"items": [{"id": 1, "name": "acme/backup", "quantity": 3},
           {"id": 2, "name": "acme/edr", "quantity": 7},
           {"id": 3, "name": "globex/backup", "quantity": 1}]}
JSON
"$build/bin/meterbridge-sim" test --seed "$work/seed.json" > "$work/sim.out" 2> "$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim.out" ] && break; sleep 0.05; done
url=$(head -n 1 "$work/sim.out")
[ -n "$url" ] || fail "the simulator did not start: $(cat "$work/sim.log")"

cat > "$work/usage.json" <<'JSON'
{"as_of": "2026-11-21",
 "workspaces": [{"id": "w-acme", "name": "acme"}, {"id": "w-globex", "name": "globex"}],
 "services": [{"id": "backup", "name": "backup"}, {"id": "edr", "name": "edr"}],
 "usage": [{"workspace_id": "w-acme", "service_id": "backup", "users": 5, "devices": 0},
           {"workspace_id": "w-acme", "service_id": "edr", "users": 7, "devices": 0},
           {"workspace_id": "w-globex", "service_id": "backup", "users": 2, "devices": 0}]}
JSON
cat > "$work/mb.json" <<JSON
{"state": {"path": "$work/mb.db"}, "plugins": {"dir": "$plugins"},
 "connectors": [{"id": "items-demo", "plugin": "items",
   "config": {"base_url": "$url", "token": "test-token"},
   "policies": {"decreases": "auto", "effective_date": "today"},
   "mappings": {"services": {"backup": {"psa_service_id": "backup", "metric": "users"},
                             "edr": {"psa_service_id": "edr", "metric": "users"}}}}]}
JSON
export MB_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
MB() { "$mb" --config "$work/mb.json" "$@"; }

MB plugins list | grep -q "items.*loaded" || fail "the plugin did not load: $(MB plugins list)"
MB usage import "$work/usage.json" > /dev/null
MB connectors test items-demo | grep -q "ok" || fail "connect: $(MB connectors test items-demo)"
MB map auto items-demo > /dev/null
MB map apply > /dev/null
MB sync --dry-run --no-progress > /dev/null
[ "$(curl -fsS "$url/api/items/1" -H 'Authorization: Bearer test-token' | jq .quantity)" = 3 ] ||
  fail "the dry run wrote"
MB sync --json --no-progress > "$work/sync.json" || fail "sync: $(cat "$work/sync.json")"
[ "$(jq -r '.[0].counts.updated' "$work/sync.json")" = 2 ] || fail "sync: $(cat "$work/sync.json")"
for pair in "1 5" "2 7" "3 2"; do
  set -- $pair
  got=$(curl -fsS "$url/api/items/$1" -H 'Authorization: Bearer test-token' | jq .quantity)
  [ "$got" = "$2" ] || fail "item $1 is $got, expected $2"
done
MB reconcile --no-progress > "$work/reconcile.txt" || fail "reconcile: $(cat "$work/reconcile.txt")"

# Packed: one file, so the pin covers the plugin and the SDK it runs.
rm -rf "$plugins"/*
"$src/examples/python-plugin/pack.sh" "$plugins"
sed 's/"items_plugin.py"/"items_plugin.pyz"/' "$src/examples/python-plugin/items.plugin.json" > "$plugins/items.plugin.json"
chmod -R go-w "$plugins"
pin=$(sha256sum "$plugins/items_plugin.pyz" | cut -d' ' -f1)
pinned() { sed "s|\"plugins\": {\"dir\": \"$plugins\"}|\"plugins\": {\"dir\": \"$plugins\", \"pins\": {\"items\": \"$1\"}}|" "$work/mb.json" > "$work/pinned.json"; }
pinned "$pin"
"$mb" --config "$work/pinned.json" plugins list | grep -q "items.*loaded" ||
  fail "the packed plugin did not load: $("$mb" --config "$work/pinned.json" plugins list)"
"$mb" --config "$work/pinned.json" connectors test items-demo | grep -q "ok" || fail "packed connect"
pinned "$(printf '0%.0s' $(seq 64))"
{ "$mb" --config "$work/pinned.json" plugins list || true; } | grep -q "sha256 pin mismatch" ||
  fail "a wrong pin did not refuse the packed plugin"
echo "python example flow: connected, mapped, dry run, 2 updated, reconciled; packed and pinned"
