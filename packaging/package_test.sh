#!/usr/bin/env bash
# The Debian packages end to end, on this machine: build them from the build tree with CPack,
# install them with dpkg, check the files, modes and service user, run the installed binary as
# the service user the way the systemd unit does (there is no systemd PID 1 here) with the
# config the package installed, probe its health and its token-protected API, stop it, purge,
# and check that nothing is left. The packages are never left installed: they are purged first
# (after an aborted run) and on every exit.
# Usage: package_test.sh BUILD_DIR. Needs root and dpkg; exit 77 (skipped) otherwise.
set -euo pipefail
build_dir=$(cd "$1" && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the package test installs a .deb and needs root"
  exit 77
fi
for tool in dpkg dpkg-deb cpack setpriv curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed"
    exit 77
  fi
done

scratch=$(mktemp -d)
daemon=""
purge() { dpkg --purge meterbridge-dev meterbridge >/dev/null 2>&1 || true; }
cleanup() {
  if [ -n "$daemon" ]; then kill -KILL "$daemon" 2>/dev/null || true; fi
  purge
  rm -rf "$scratch"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

# A previous run that was killed may have left the packages installed.
purge

echo "== cpack"
(cd "$scratch" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$scratch/out" \
  >"$scratch/cpack.log" 2>&1) || { cat "$scratch/cpack.log"; fail "cpack failed"; }
server_deb=$(ls "$scratch"/out/meterbridge_*.deb)
sdk_deb=$(ls "$scratch"/out/meterbridge-dev_*.deb)

echo "== package contents"
contents=$(dpkg-deb --contents "$server_deb")
for path in ./usr/bin/meterbridge ./usr/lib/systemd/system/meterbridge.service \
  ./usr/share/meterbridge/meterbridge.schema.json ./usr/share/doc/meterbridge/examples/config.json \
  ./usr/share/meterbridge/console/index.html ./usr/share/meterbridge/console/app.js; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
for plugin in autotask connectwise gradient external; do
  grep -q " ./usr/lib/meterbridge/plugins/libmeterbridge-$plugin.so\$" <<<"$contents" ||
    fail "plugin $plugin is not in the package"
  grep -q " ./usr/lib/meterbridge/plugins/$plugin.plugin.json\$" <<<"$contents" ||
    fail "the manifest of $plugin is not in the package"
done
if grep -Eq 'ledger|good|thrower|hello|meterbridge-sim|_test' <<<"$contents"; then
  fail "test plugins, fixtures or the simulator are in the package"
fi
# Captured first: with pipefail, grep -q closing the pipe early would fail the producer.
depends=$(dpkg-deb --field "$server_deb" Depends)
grep -q 'libsystemd0' <<<"$depends" ||
  fail "the package does not depend on the shared libraries it links (Depends: $depends)"
sdk_contents=$(dpkg-deb --contents "$sdk_deb")
grep -q ' ./usr/include/meterbridge/abi.h$' <<<"$sdk_contents" || fail "the SDK package lacks abi.h"

echo "== install"
dpkg -i "$server_deb" "$sdk_deb" >"$scratch/dpkg.log" 2>&1 || { cat "$scratch/dpkg.log"; fail "dpkg -i failed"; }

mode_of() { stat -c '%a %U:%G' "$1"; }
expect_mode() {
  local got
  got=$(mode_of "$1")
  [ "$got" = "$2" ] || fail "$1 is $got, expected $2"
}
getent passwd meterbridge >/dev/null || fail "no meterbridge user"
IFS=: read -r _ _ _ _ _ home shell <<<"$(getent passwd meterbridge)"
[ "$home" = /var/lib/meterbridge ] || fail "the service user's home is $home"
[ "$shell" = /usr/sbin/nologin ] || fail "the service user's shell is $shell"
expect_mode /etc/meterbridge "750 root:meterbridge"
expect_mode /etc/meterbridge/config.json "640 root:meterbridge"
expect_mode /etc/meterbridge/api-token "640 root:meterbridge"
expect_mode /var/lib/meterbridge "700 meterbridge:meterbridge"
expect_mode /usr/lib/meterbridge/plugins "755 root:root"
# Enabling needs deb-systemd-helper (init-system-helpers), which a minimal container may lack.
if command -v deb-systemd-helper >/dev/null; then
  [ -L /etc/systemd/system/multi-user.target.wants/meterbridge.service ] ||
    fail "the unit is not enabled"
fi
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify --man=no /usr/lib/systemd/system/meterbridge.service ||
    fail "the installed unit does not verify"
fi

# As the unit runs it: the service user and group, no new privileges, umask 0077.
echo "== an upgrade keeps the operator's config and token"
sed -i 's|"connectors": \[\]|"connectors": [], "serve": {"shutdown_grace_seconds": 5}|' /etc/meterbridge/config.json
config_before=$(sha256sum /etc/meterbridge/config.json /etc/meterbridge/api-token)
dpkg -i "$server_deb" >"$scratch/upgrade.log" 2>&1 || { cat "$scratch/upgrade.log"; fail "reinstalling failed"; }
[ "$(sha256sum /etc/meterbridge/config.json /etc/meterbridge/api-token)" = "$config_before" ] ||
  fail "reinstalling changed /etc/meterbridge"
expect_mode /etc/meterbridge/config.json "640 root:meterbridge"

as_service() {
  (umask 0077 && cd / &&
    exec setpriv --reuid=meterbridge --regid=meterbridge --init-groups --no-new-privs "$@")
}
echo "== the installed binary finds its plugins with no flag"
as_service /usr/bin/meterbridge --config /etc/meterbridge/config.json --json plugins list \
  >"$scratch/plugins.json" 2>"$scratch/plugins.err" ||
  { cat "$scratch/plugins.err"; fail "plugins list failed"; }
for plugin in autotask connectwise gradient external; do
  grep -q "\"$plugin\"" "$scratch/plugins.json" || fail "plugins list lacks $plugin: $(cat "$scratch/plugins.json")"
done
as_service /usr/bin/meterbridge --config /etc/meterbridge/config.json config check \
  >"$scratch/check.log" 2>&1 || { cat "$scratch/check.log"; fail "the installed config does not check"; }

echo "== serve as the unit runs it"
(umask 0077 && cd / &&
  exec setpriv --reuid=meterbridge --regid=meterbridge --init-groups --no-new-privs \
    /usr/bin/meterbridge --config /etc/meterbridge/config.json --log-level info serve \
    --listen 127.0.0.1:0 >"$scratch/serve.out" 2>"$scratch/serve.err") &
daemon=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's|^admin API listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$scratch/serve.out")
  [ -n "$port" ] && break
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || { cat "$scratch/serve.err"; fail "serve did not start"; }
curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null || fail "health did not answer"
curl -fsS "http://127.0.0.1:$port/v1/ready" >/dev/null || fail "ready did not answer"
curl -fsS "http://127.0.0.1:$port/" | grep -q "/console/app.js" ||
  fail "the web console is not served from the installed files"
token=$(cat /etc/meterbridge/api-token)
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/connectors" >/dev/null ||
  fail "the API does not accept the token the package made"
expect_mode /var/lib/meterbridge/meterbridge.db "600 meterbridge:meterbridge"
kill -TERM "$daemon"
for _ in $(seq 1 100); do
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$daemon" 2>/dev/null; then fail "serve still runs 5 s after SIGTERM"; fi
wait "$daemon" || fail "serve exited with $?: $(cat "$scratch/serve.err")"
daemon=""
if grep -q "$token" "$scratch/serve.err" "$scratch/serve.out"; then fail "the log shows the token"; fi

echo "== remove keeps config, state and user"
dpkg --remove meterbridge-dev meterbridge >"$scratch/remove.log" 2>&1 || { cat "$scratch/remove.log"; fail "dpkg --remove failed"; }
[ ! -e /usr/bin/meterbridge ] || fail "/usr/bin/meterbridge is left after remove"
for path in /etc/meterbridge/config.json /etc/meterbridge/api-token /var/lib/meterbridge/meterbridge.db; do
  [ -e "$path" ] || fail "remove deleted $path"
done
getent passwd meterbridge >/dev/null || fail "remove deleted the meterbridge user"

echo "== purge"
dpkg --purge meterbridge-dev meterbridge >"$scratch/purge.log" 2>&1 || { cat "$scratch/purge.log"; fail "dpkg --purge failed"; }
for path in /usr/bin/meterbridge /usr/lib/meterbridge /usr/share/meterbridge /usr/share/doc/meterbridge \
  /usr/lib/systemd/system/meterbridge.service /etc/meterbridge /var/lib/meterbridge \
  /etc/systemd/system/multi-user.target.wants/meterbridge.service /usr/include/meterbridge; do
  [ ! -e "$path" ] && [ ! -L "$path" ] || fail "$path is left after purge"
done
if getent passwd meterbridge >/dev/null; then fail "the meterbridge user is left after purge"; fi
if getent group meterbridge >/dev/null; then fail "the meterbridge group is left after purge"; fi
echo "package installs, serves and purges cleanly"
