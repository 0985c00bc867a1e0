#!/usr/bin/env bash
# Installs the Debian 12 packages meterbridge builds and runs with, only those missing.
# Idempotent and quiet: when everything is present it prints nothing and touches nothing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config make
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libvalijson-dev
  libsqlite3-dev libpq-dev libsodium-dev libssl-dev libcurl4-openssl-dev libsystemd-dev
  libgtest-dev libgmock-dev openssl ca-certificates tzdata curl jq
  python3 python3-prometheus-client
  # bench/cli_bench.py measures each command's peak resident set through GNU time
  time
  clang-16 libclang-rt-16-dev
  # the PostgreSQL store's tests start a throwaway cluster (initdb, postgres) of their own
  postgresql
  # make package (dpkg-shlibdeps) and the systemd unit's test (systemd-analyze)
  dpkg-dev systemd
  # the web console's browser test: headless Chromium driven through Selenium
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
else
  sudo_cmd=()
fi
echo "meterbridge: installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null || true
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
