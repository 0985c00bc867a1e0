#!/bin/sh
# The host's layering: host/app is the application; host/cli (the command line) and host/server
# (the daemon) are its two front ends and never include each other, and host/app includes
# neither. Only the binary's main (host/main.cc) sees both. The link graph is checked when CMake
# configures (host/CMakeLists.txt).
set -u
src="${1:?usage: host_layering_test.sh SOURCE_DIR}"
failed=0
check() {  # check FOLDER FORBIDDEN_INCLUDE_PREFIX
  hits=$(grep -rn "#include \"$2" "$src/$1" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "$1 must not include $2:"
    echo "$hits"
    failed=1
  fi
}
check host/server host/cli/
check host/cli host/server/
check host/app host/cli/
check host/app host/server/
[ "$failed" -eq 0 ] && echo "host layering: ok"
exit "$failed"
