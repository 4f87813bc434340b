#!/bin/bash
# `cmake --install` into a temporary prefix gives a complete, relocatable
# package: every file docs/library.md lists is there, no installed text file
# names this source or build tree, and an out-of-tree project (example/) that
# knows only the prefix builds its own XDP program from the installed headers
# and checks it on a veth (test_installed_example.sh).
# Usage: test_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
here=$(dirname "$0")
source "$here/../support/require_root.sh" "the example attaches XDP in a network namespace"
work=$(mktemp -d /tmp/ovsxdp-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
failed=0
fail() { echo "FAIL: $*"; failed=1; }

for f in bin/ovsxdp-dpctl bin/ovsxdp-bench bin/ovsxdp-trafgen bin/ovsxdp-demo \
         share/ovsxdp/forwarding-demo.sh "$libdir/ovsxdp/bpf/xdp_pass.bpf.o" \
         include/ovsxdp/flow/extract.h include/ovsxdp/bpf/program.h include/ovsxdp/actions/vlan.h \
         include/ovsxdp-bpf/ovsxdp_generated/bpf_helpers.h \
         include/ovsxdp-host/datapath/datapath.hpp include/ovsxdp-host/runtime/skeleton.hpp \
         "$libdir/libovsxdp_host.a" \
         "$libdir/cmake/ovsxdp/ovsxdpConfig.cmake" "$libdir/cmake/ovsxdp/ovsxdpConfigVersion.cmake" \
         "$libdir/cmake/ovsxdp/ovsxdpTargets.cmake" "$libdir/cmake/ovsxdp/OvsxdpBpf.cmake" \
         "$libdir/cmake/ovsxdp/check_btf_names.py" \
         "$libdir/pkgconfig/ovsxdp.pc" "$libdir/pkgconfig/ovsxdp-bpf.pc"; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
# The tools' own headers stay out (bench/, dpctl/, and capi/: the C API is
# linked only by the Open vSwitch this build makes); the library's are all there.
[ ! -e "$prefix/include/ovsxdp-host/bench" ] || fail "include/ovsxdp-host/bench/ installed (the benchmark's own headers)"
for h in $(cd "$src/host" && ls */*.hpp | grep -v -e '^bench/' -e '^dpctl/' -e '^capi/'); do
  [ -e "$prefix/include/ovsxdp-host/$h" ] || fail "host header $h not installed"
done
for h in $(cd "$src/include" && find ovsxdp -name '*.h'); do
  [ -e "$prefix/include/$h" ] || fail "library header $h not installed"
done

# Relocatable: nothing but compiled code (whose debug info names sources) may
# name the trees it came from.
if grep -rlF -e "$src" -e "$build" "$prefix" --exclude='*.a' --exclude='*.o' --exclude-dir=bin >"$work/leaks"; then
  fail "installed files name the source or build tree:"; sed 's/^/    /' "$work/leaks"
fi
grep -qF -e "$src" -e "$build" "$prefix/bin/ovsxdp-demo" && fail "bin/ovsxdp-demo names the source or build tree"

# Every installed host header compiles on its own against the installed tree.
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
for h in $(cd "$prefix/include/ovsxdp-host" && find . -name '*.hpp' | sort); do
  echo "#include \"${h#./}\"" >"$work/one.cpp"
  c++ -std=c++20 -fsyntax-only $(pkg-config --cflags ovsxdp) "$work/one.cpp" 2>"$work/header.err" ||
    { fail "installed header ${h#./} does not compile on its own:"; head -5 "$work/header.err"; }
done

((failed == 0)) || exit 1
echo "ok: install layout, relocatable, headers self-contained"
# The example is copied out of the source tree, so it can only find the prefix.
cp -r "$src/tests/package/example" "$work/example"
exec "$here/test_installed_example.sh" "$work/example" "$prefix"
