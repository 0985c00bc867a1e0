#!/usr/bin/env bash
# Proves a third party can build a plugin from the installed SDK alone: install the SDK into a
# temporary prefix, build the installed examples out of tree against it — the C++ hello-plugin
# (and run its fake-host unit test) and the strict C99 hello-c-plugin (-std=c99 -pedantic
# -Werror) — and the four platform plugins from their source folders, check that each exports
# only the negotiation entry, drop them into temporary plugin folders, and have the host load
# them (and call every operation of the hello plugin).
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
check_exports_only_entry() {
  local exported
  exported=$(nm -D --defined-only "$1" | awk '{print $3}' | sort -u)
  if [ "$exported" != "meterbridge_plugin_negotiate" ]; then
    echo "$1 exports more than its entry point:" >&2
    echo "$exported" | head -20 >&2
    exit 1
  fi
}
for so in "$work/build/plugins/libmeterbridge-hello.so" "$work/build-c/plugins/libmeterbridge-hello-c.so"; do
  check_exports_only_entry "$so"
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

# The platform plugins of this repository build the same way from their source folders against
# the installed SDK alone: each folder's own CMakeLists.txt, under one configure of a wrapper
# project. A unity build compiles each plugin's sources as one unit, which cuts the compile time
# to about 40% (the SDK's and Boost.JSON's headers are parsed once per plugin, not per file); the
# price is that two files of one plugin cannot both define the same name in an anonymous
# namespace, which the in-tree build would not notice.
platform_plugins="autotask connectwise gradient external"
mkdir "$work/platforms"
{
  echo "cmake_minimum_required(VERSION 3.25)"
  echo "project(meterbridge-platform-plugins LANGUAGES CXX)"
  echo "find_package(meterbridge-sdk 1.1 REQUIRED)"
  echo "find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json url)"
  for plugin in $platform_plugins; do
    echo "add_subdirectory(\"$source_dir/plugins/$plugin\" $plugin)"
  done
} >"$work/platforms/CMakeLists.txt"
cmake -S "$work/platforms" -B "$work/build-platforms" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$work/build-platforms" >"$work/platforms.log" 2>&1 || { grep -B2 -A12 "error" "$work/platforms.log" | head -60 >&2; exit 1; }
mkdir -m 0755 "$work/platform-plugins"
for plugin in $platform_plugins; do
  so="$work/build-platforms/plugins/libmeterbridge-$plugin.so"
  check_exports_only_entry "$so"
  install -m 0755 "$so" "$work/platform-plugins/"
  install -m 0644 "$work/build-platforms/plugins/$plugin.plugin.json" "$work/platform-plugins/"
done
listing=$("$build_dir/bin/meterbridge" --plugins "$work/platform-plugins" plugins list)
for plugin in $platform_plugins; do
  if ! echo "$listing" | grep -q "^$plugin .*loaded"; then
    echo "the host did not load the out-of-tree $plugin plugin:" >&2
    echo "$listing" >&2
    exit 1
  fi
done

echo "SDK install, out-of-tree C++ and C99 builds, the platform plugins, exported symbols and host load: ok"
