#!/usr/bin/env bash
# The main job end to end on embedded defaults: load the plugins, check the config, connect
# and test every connector, list them. State lives in build/demo/ and starts fresh each run.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
mb="$build/bin/meterbridge"
config=config/examples/demo.json
rm -rf "$build/demo"
export MB_DEMO_HELLO_KEY=hello-demo-key-0001   # the toy platform accepts keys starting hello-
export MB_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

step() { printf '\n== %s\n' "$*"; }
step "Plugins"
"$mb" --config "$config" plugins list
step "Config check"
"$mb" --config "$config" config check
step "Test every connector"
"$mb" --config "$config" connectors test hello-demo
step "Connectors"
"$mb" --config "$config" connectors list
