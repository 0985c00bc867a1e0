#!/usr/bin/env bash
# Guard rails of the layering, checked on the source tree:
#   1. host/ never names a platform (each folder of plugins/ is one; "external" is an ordinary
#      word, so for it only the plugin's identifiers and the quoted id count);
#   2. a plugin includes only the SDK (<meterbridge/...>), the standard library, Boost,
#      GoogleTest in its tests, and files of its own folder;
#   3. sim/ and plugins/ never include each other.
# Usage: layering_guard_test.sh <source dir>    checks the tree, naming every violation
#        layering_guard_test.sh --self-test     proves each rule fires on a planted violation
set -uo pipefail

source_files() { find "$@" -type f \( -name '*.cc' -o -name '*.h' -o -name '*.hpp' -o -name '*.c' \) 2>/dev/null; }

# Prints "file:line: include" for every #include directive under the given folders.
includes() {
  source_files "$@" | xargs -r grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' |
    sed -E 's/^([^:]*:[0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*/\1: /'
}

check_tree() {
  local root=$1 failures=0 platform hits
  # 1. The host names no platform.
  for dir in "$root"/plugins/*/; do
    platform=$(basename "$dir")
    if [ "$platform" = external ]; then
      hits=$(source_files "$root/host" | xargs -r grep -HnE \
        '"external"|[^a-z_]external_(plugin|session|platform|push)|External(Plugin|Session|Platform|Push)|(plugins|sim)/external')
    else
      hits=$(source_files "$root/host" | xargs -r grep -HniwE "$platform")
    fi
    if [ -n "$hits" ]; then
      echo "host/ names the platform '$platform' (the host knows plugins only through the ABI):"
      echo "$hits"
      failures=$((failures + 1))
    fi
  done
  # 2. A plugin includes only the SDK, the standard library, Boost, GoogleTest and its own files.
  for dir in "$root"/plugins/*/; do
    platform=$(basename "$dir")
    hits=$(includes "$dir" | grep -vE \
      ": (<meterbridge/[^>]+>|<boost/[^>]+>|<gtest/[^>]+>|<gmock/[^>]+>|<[a-z_0-9]+>|<(assert|ctype|errno|float|inttypes|limits|math|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|time)\.h>|\"plugins/$platform/[^\"]+\"|\"meterbridge_plugin_manifest\.inc\")" |
      grep -vE ': "([a-z_0-9]+/)*[a-z_0-9]+\.(h|hpp|inc)"' ;
      includes "$dir" | grep -E ': "(\.\./|(host|sim|sdk|tests|bench|fuzz|plugins)/)' | grep -vE ": \"plugins/$platform/")
    if [ -n "$hits" ]; then
      echo "plugins/$platform includes what is neither the SDK, the standard library, Boost nor its own folder:"
      echo "$hits" | sort -u
      failures=$((failures + 1))
    fi
  done
  # 3. Simulators and plugins stay apart.
  hits=$(includes "$root/sim" | grep -E ': "(\.\./)*plugins/')
  if [ -n "$hits" ]; then
    echo "sim/ includes plugin code (a simulator models the platform, never our client of it):"
    echo "$hits"
    failures=$((failures + 1))
  fi
  hits=$(includes "$root/plugins" | grep -E ': "(\.\./)*sim/')
  if [ -n "$hits" ]; then
    echo "plugins/ includes simulator code (a plugin knows only the real platform's API):"
    echo "$hits"
    failures=$((failures + 1))
  fi
  return $((failures > 0))
}

self_test() {
  local work status=0
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  plant() {  # plant <file> <line>: a fresh clean tree plus one violation; the check must fail
    rm -rf "$work/t" && mkdir -p "$work/t/host" "$work/t/sim/acme" "$work/t/plugins/acme/internal" "$work/t/plugins/external"
    printf '#include <string>\n#include "host/core/x.h"\n// the connector talks to its plugin\n' >"$work/t/host/a.cc"
    printf '#include <meterbridge/abi.h>\n#include <boost/json.hpp>\n#include "plugins/acme/internal/wire.h"\n#include "meterbridge_plugin_manifest.inc"\n' >"$work/t/plugins/acme/acme_plugin.cc"
    printf '#include "sim/core/model.h"\n' >"$work/t/sim/acme/routes.cc"
    if ! check_tree "$work/t" >/dev/null; then echo "self-test: the clean tree was refused"; status=1; fi
    printf '%s\n' "$2" >>"$work/t/$1"
    if check_tree "$work/t" >/dev/null; then echo "self-test: not caught: $1 <- $2"; status=1; fi
  }
  plant host/b.cc '// Acme needs this'
  plant host/b.cc 'const char* kId = "external";'
  plant host/b.cc '#include "plugins/external/external_session.h"'
  plant plugins/acme/internal/x.cc '#include "host/http/http_client.h"'
  plant plugins/acme/internal/x.cc '#include "plugins/external/internal/wire.h"'
  plant plugins/acme/internal/x.cc '#include "../../sdk/include/meterbridge/abi.h"'
  plant plugins/acme/internal/x.cc '#include <openssl/ssl.h>'
  plant plugins/acme/internal/x.cc '#include "sim/acme/model.h"'
  plant sim/acme/routes.cc '#include "plugins/acme/internal/wire.h"'
  [ $status -eq 0 ] && echo "layering guard self-test: every planted violation caught"
  return $status
}

if [ "${1:-}" = --self-test ]; then
  self_test
else
  check_tree "${1:?usage: layering_guard_test.sh <source dir> | --self-test}" &&
    echo "layering guard: host names no platform; plugins include only the SDK, std, Boost and their own folder; sim and plugins apart"
fi
