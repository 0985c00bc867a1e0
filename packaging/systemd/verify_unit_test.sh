#!/usr/bin/env bash
# The systemd unit as systemd itself reads it: `systemd-analyze verify` on the unit rendered the
# way the install renders it, with ExecStart naming the binary of this build tree (verify checks
# that the binary exists and is executable). Works offline; no running systemd needed.
# Usage: verify_unit_test.sh BUILD_DIR SOURCE_DIR. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
build_dir=$1
source_dir=$2

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed"
  exit 77
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed -e "s|@MB_BINDIR@|$build_dir/bin|g" -e "s|@MB_DOCDIR@|$source_dir/docs|g" \
  "$source_dir/packaging/systemd/meterbridge.service.in" >"$scratch/meterbridge.service"
if grep -n '@[A-Z_]*@' "$scratch/meterbridge.service"; then
  echo "FAIL: placeholders left in the rendered unit"
  exit 1
fi

# verify prints problems (unknown keys, bad values, a missing binary) on stderr and may still
# exit 0 for some of them, so any output about our unit is a failure.
output=$(cd "$scratch" && SYSTEMD_LOG_LEVEL=info systemd-analyze verify --man=no \
  "$scratch/meterbridge.service" 2>&1) || {
  echo "FAIL: systemd-analyze verify exited non-zero:"
  echo "$output"
  exit 1
}
if echo "$output" | grep -q 'meterbridge.service'; then
  echo "FAIL: systemd-analyze verify reports:"
  echo "$output"
  exit 1
fi

# The settings the service's readiness, watchdog and confinement depend on.
for setting in Type=notify NotifyAccess=main WatchdogSec= User=meterbridge ProtectSystem=strict \
  ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes StateDirectory=meterbridge \
  'ExecStart=.*--config /etc/meterbridge/config.json .*serve'; do
  if ! grep -Eq "^$setting" "$scratch/meterbridge.service"; then
    echo "FAIL: the unit lacks $setting"
    exit 1
  fi
done
echo "meterbridge.service verifies"
