#!/usr/bin/env bash
# Proves a third party can build a plugin from the installed SDK alone: install the SDK into a
# temporary prefix, build the installed examples out of tree against it — the C++ hello-plugin
# (and run its fake-host unit test) and the strict C99 hello-c-plugin (-std=c99 -pedantic
# -Werror) —, check that each exports only the negotiation entry, drop them into a temporary
# plugin folder, and have the host load them and call every operation.
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
test -f "$work/prefix/include/meterbridge/documents.h"
test -f "$work/prefix/include/meterbridge/json.h"
examples="$work/prefix/share/meterbridge-sdk/examples"
test -f "$examples/hello-plugin/CMakeLists.txt"
test -f "$examples/hello-c-plugin/CMakeLists.txt"

# The examples are built from their installed copies: what the docs tell an author to copy.
cmake -S "$examples/hello-plugin" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DHELLO_PLUGIN_TESTS=ON >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/hello_plugin_test" --gtest_brief=1

cmake -S "$examples/hello-c-plugin" -B "$work/build-c" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_FLAGS="-std=c99 -pedantic -Wall -Wextra -Werror" >/dev/null
cmake --build "$work/build-c" >/dev/null

# The dynamic symbol table of each plugin holds the negotiation entry and nothing else.
for so in "$work/build/plugins/libmeterbridge-hello.so" "$work/build-c/plugins/libmeterbridge-hello-c.so"; do
  exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
  if [ "$exported" != "meterbridge_plugin_negotiate" ]; then
    echo "$so exports more than its entry point:" >&2
    echo "$exported" | head -20 >&2
    exit 1
  fi
done

mkdir -m 0755 "$work/plugins"
install -m 0755 "$work/build/plugins/libmeterbridge-hello.so" "$work/plugins/"
install -m 0644 "$work/build/plugins/hello.plugin.json" "$work/plugins/"
MB_EXTERNAL_PLUGIN_DIR="$work/plugins" "$build_dir/tests/external_plugin_test" --gtest_brief=1
install -m 0755 "$work/build-c/plugins/libmeterbridge-hello-c.so" "$work/plugins/"
install -m 0644 "$work/build-c/plugins/hello-c.plugin.json" "$work/plugins/"
MB_EXTERNAL_PLUGIN_DIR="$work/plugins" "$build_dir/tests/external_plugin_test" --gtest_brief=1 \
  --gtest_filter='*CPlugin*'
listing=$("$build_dir/bin/meterbridge" --plugins "$work/plugins" plugins list)
echo "$listing" | grep -q "hello .*loaded"
echo "$listing" | grep -q "hello-c .*loaded"
echo "SDK install, out-of-tree C++ and C99 builds, exported symbols and host load: ok"
