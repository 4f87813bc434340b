#!/bin/sh
# Compiles tests/capi/c_api_check.c as C11 with warnings as errors against
# ovsxdp_capi.h; with "link", links it with exactly the flags the build
# wrote to ovsxdp_capi.libs (what Open vSwitch's build reads) and runs it.
# usage: test_c_api.sh SOURCE_DIR BUILD_DIR compile|link
set -eu
src=$1 build=$2 mode=$3
out=$(mktemp -d /tmp/ovsxdp-capi-c.XXXXXX)
trap 'rm -rf "$out"' EXIT
cflags=$(cat "$build/ovsxdp_capi.cflags")
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Wextra -Werror $cflags -c "$src/tests/capi/c_api_check.c" -o "$out/check.o"
echo "compiled as C11: $src/tests/capi/c_api_check.c"
[ "$mode" = link ] || exit 0
libs=$(cat "$build/ovsxdp_capi.libs")
linker=$(cat "$build/ovsxdp_capi.linker")
echo "linking with: $linker ... $libs"
# shellcheck disable=SC2086
"$linker" "$out/check.o" $libs -o "$out/check"
"$out/check"
