#!/bin/bash
# Builds the example project (example/: its own XDP program and a host
# checker, with find_package(ovsxdp) and ovsxdp_add_bpf_object) against an
# installed ovsxdp and runs the checker, which attaches the program to a veth
# in a private network namespace and checks what it did to frames.
# Usage: test_installed_example.sh EXAMPLE_DIR PREFIX|--system
#   --system: the ovsxdp installed under /usr (the Debian package), searched
#             before /usr/local (where a `cmake --install` may have put one).
set -euo pipefail
example=$1 where=$2
source "$(dirname "$0")/../support/require_root.sh" "the example attaches XDP in a network namespace"
work=$(mktemp -d /tmp/ovsxdp-example-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$where
[ "$where" = --system ] && prefix=/usr
cmake -S "$example" -B "$work/build" -G Ninja "-DCMAKE_PREFIX_PATH=$prefix" >"$work/configure.log" 2>&1 ||
  { echo "FAIL: configuring the example against $where:"; cat "$work/configure.log"; exit 1; }
found=$(sed -n 's/^ovsxdp_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case $found in "$prefix"/*) ;; *) echo "FAIL: find_package(ovsxdp) found $found, not the one under $prefix"; exit 1 ;; esac
echo "example: find_package(ovsxdp) found $found"
cmake --build "$work/build" >"$work/build.log" 2>&1 || { echo "FAIL: building the example:"; cat "$work/build.log"; exit 1; }
"$work/build/rewriter_check"
