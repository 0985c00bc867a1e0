#!/usr/bin/env bash
# Packs the plugin and the SDK into one executable zip application, items_plugin.pyz, so that a
# sha256 pin (plugins.pins) covers all of the plugin's own code, not just its entry script
# (docs/plugin-protocol.md, "What the pin covers"). Install the .pyz with a manifest whose
# "command" is "items_plugin.pyz", and no meterbridge_plugin/ folder beside it.
#   ./pack.sh OUTPUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: pack.sh OUTPUT_DIR}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp "$here/items_plugin.py" "$build/"
cp -r "$here/../../sdk/python/meterbridge_plugin" "$build/"
find "$build" -name __pycache__ -prune -exec rm -rf {} +
# run_name "__main__": the script's own `if __name__ == "__main__"` block starts the plugin.
printf 'import runpy\nrunpy.run_module("items_plugin", run_name="__main__")\n' > "$build/__main__.py"
python3 -m zipapp "$build" -p '/usr/bin/env python3' -o "$out/items_plugin.pyz"
chmod 0755 "$out/items_plugin.pyz"
