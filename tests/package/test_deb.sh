#!/bin/bash
# The Debian packages, as on a fresh Debian 12 machine: cpack builds ovsxdp
# and ovsxdp-dev from BUILD_DIR, apt-get installs them (dependencies from
# the archive), the installed ovsxdp-demo forwards ping and TCP, the example
# project and the documented pkg-config commands build against /usr, and the
# packages are removed again, also when a step fails. On a machine that
# already has either package installed it does nothing (skip; under CI a
# failure), so it never replaces or removes a package it did not install.
# Usage: test_deb.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/require_root.sh" "installs Debian packages"
packages=(ovsxdp ovsxdp-dev)
for p in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    echo "SKIP: package $p is already installed here; this test installs and removes its own (remove it first: apt-get remove ${packages[*]})"
    [ "${CI:-}" = true ] && exit 1
    exit 77
  fi
done
work=$(mktemp -d /tmp/ovsxdp-deb-XXXXXX)
installed=0
cleanup() {
  if ((installed)); then dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export DEBIAN_FRONTEND=noninteractive

cpack --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
debs=("$work"/ovsxdp_*.deb "$work"/ovsxdp-dev_*.deb)
for d in "${debs[@]}"; do [ -f "$d" ] || { echo "FAIL: cpack made no $d:"; cat "$work/cpack.log"; exit 1; }; done
for d in "${debs[@]}"; do echo "$(basename "$d"): $(dpkg-deb -f "$d" Depends)"; done
dpkg-deb -f "$work"/ovsxdp_*.deb Depends | grep -q "libbpf1" || { echo "FAIL: ovsxdp does not depend on libbpf1"; exit 1; }

installed=1
apt-get install -y -q --no-install-recommends "${debs[@]}" >"$work/apt.log" 2>&1 || { echo "FAIL: apt-get install:"; cat "$work/apt.log"; exit 1; }
for f in /usr/bin/ovsxdp-dpctl /usr/bin/ovsxdp-demo /usr/include/ovsxdp/flow/extract.h /usr/lib/*/libovsxdp_host.a \
         /usr/lib/*/cmake/ovsxdp/ovsxdpConfig.cmake /usr/lib/*/pkgconfig/ovsxdp-bpf.pc /usr/lib/*/ovsxdp/bpf/xdp_pass.bpf.o; do
  [ -e "$f" ] || { echo "FAIL: $f not installed by the packages"; exit 1; }
done
echo "ok: installed" $(dpkg-query -W -f='${Package}=${Version}\n' "${packages[@]}")

# The demo as a user runs it, in namespaces of its own so that it cannot meet
# one run by hand (fresh bpffs and /run, as tests/cli/test_forwarding_demo.sh).
unshare --net --mount /bin/bash -c '
  set -euo pipefail
  mount --make-rprivate /
  mount -t bpf bpf /sys/fs/bpf
  mount -t tmpfs tmpfs /run
  /usr/bin/ovsxdp-demo oxpkg
' >"$work/demo.log" 2>&1 || { echo "FAIL: ovsxdp-demo:"; tail -40 "$work/demo.log"; exit 1; }
grep -q "^demo passed" "$work/demo.log" || { echo "FAIL: ovsxdp-demo did not pass:"; tail -20 "$work/demo.log"; exit 1; }
echo "ok: $(grep '^demo passed' "$work/demo.log")"

cp -r "$src/tests/package/example" "$work/example"
"$here/test_installed_example.sh" "$work/example" --system
"$here/test_doc_commands.sh" "$src" --system

installed=0
dpkg --purge "${packages[@]}" >"$work/purge.log" 2>&1 || { echo "FAIL: removing the packages:"; cat "$work/purge.log"; exit 1; }
for f in /usr/bin/ovsxdp-dpctl /usr/include/ovsxdp /usr/lib/x86_64-linux-gnu/cmake/ovsxdp; do
  [ ! -e "$f" ] || { echo "FAIL: $f left behind after removing the packages"; exit 1; }
done
echo "ok: the packages are removed again"
