#!/usr/bin/env bash
# Proves a third party can build a plugin from the installed SDK alone: install the SDK into a
# temporary prefix, build examples/hello-plugin out of tree against it (and run its fake-host
# unit test), drop the result into a temporary plugin folder, and have the host load it and
# call every operation.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --component sdk --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/meterbridge/abi.h"
test -f "$work/prefix/include/meterbridge/plugin.hpp"
test -f "$work/prefix/include/meterbridge/documents.hpp"
test -f "$work/prefix/include/meterbridge/documents_json.hpp"
test -f "$work/prefix/include/meterbridge/typed_session.hpp"
test -f "$work/prefix/include/meterbridge/http.hpp"
test -f "$work/prefix/include/meterbridge/testing/fake_host.hpp"
test -f "$work/prefix/include/meterbridge/testing/scripted_platform.hpp"

cmake -S "$source_dir/examples/hello-plugin" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DHELLO_PLUGIN_TESTS=ON >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/hello_plugin_test" --gtest_brief=1

mkdir -m 0755 "$work/plugins"
install -m 0755 "$work/build/plugins/libmeterbridge-hello.so" "$work/plugins/"
install -m 0644 "$work/build/plugins/hello.plugin.json" "$work/plugins/"
MB_EXTERNAL_PLUGIN_DIR="$work/plugins" "$build_dir/tests/external_plugin_test" --gtest_brief=1
"$build_dir/bin/meterbridge" --plugins "$work/plugins" plugins list | grep -q "hello .*loaded"
echo "SDK install, out-of-tree build and host load: ok"
