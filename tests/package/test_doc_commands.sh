#!/bin/bash
# The pkg-config commands of docs/library.md work exactly as written: each
# block after a `<!-- command: NAME -->` line runs in a directory holding the
# samples it names, against an installed ovsxdp. Then what they built is run:
# the XDP program under BPF_PROG_TEST_RUN (bpftool prog run) must tag and
# TTL-decrement a frame byte for byte, its skeleton must compile, and the host
# program must forward ping between two namespaces (tests/samples/test_datapath_api.sh).
# Usage: test_doc_commands.sh SOURCE_DIR BUILD_DIR   (installs BUILD_DIR into a temporary prefix)
#        test_doc_commands.sh SOURCE_DIR --system    (the ovsxdp under /usr: the Debian package)
set -euo pipefail
src=$(cd "$1" && pwd) where=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/require_root.sh" "loads BPF programs, network namespaces"
work=$(mktemp -d /tmp/ovsxdp-doc-commands-XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ "$where" = --system ]; then
  xdp_pass=$(ls /usr/lib/*/ovsxdp/bpf/xdp_pass.bpf.o)
  # Before /usr/local, where a `cmake --install` may have put another one.
  pc=$(ls /usr/lib/*/pkgconfig/ovsxdp-bpf.pc) || { echo "FAIL: no ovsxdp-bpf.pc under /usr/lib"; exit 1; }
  export PKG_CONFIG_PATH=${pc%/*}
  pcdir=$(pkg-config --variable=pcfiledir ovsxdp-bpf)
  case $pcdir in /usr/lib/*) ;; *) echo "FAIL: pkg-config finds ovsxdp-bpf in $pcdir, not under /usr/lib"; exit 1 ;; esac
else
  cmake --install "$where" --prefix "$work/prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }
  libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$where/CMakeCache.txt")
  export PKG_CONFIG_PATH=$work/prefix/$libdir/pkgconfig
  xdp_pass=$work/prefix/$libdir/ovsxdp/bpf/xdp_pass.bpf.o
fi

# The blocks, as the document shows them.
/usr/bin/python3 - "$src/docs/library.md" "$work" <<'PY'
import pathlib, re, sys
lines = pathlib.Path(sys.argv[1]).read_text().splitlines()
found = {}
for i, line in enumerate(lines):
    m = re.fullmatch(r"<!-- command: (\w+) -->", line.strip())
    if m:
        if not lines[i + 1].startswith("```"):
            sys.exit(f"docs/library.md:{i + 1}: command {m.group(1)} has no fenced block after it")
        end = next(k for k in range(i + 2, len(lines)) if lines[k].startswith("```"))
        found[m.group(1)] = lines[i + 2:end]
for name in ("bpf", "host"):
    if name not in found:
        sys.exit(f"docs/library.md has no '<!-- command: {name} -->' block")
    pathlib.Path(sys.argv[2], name + ".sh").write_text("set -ex\n" + "\n".join(found[name]) + "\n")
PY
mkdir "$work/run"
cp "$src/samples/library/vlan_tagger.bpf.cpp" "$src/samples/host/datapath_api.cpp" "$work/run/"
(cd "$work/run" && bash "$work/bpf.sh") || { echo "FAIL: the documented BPF commands failed"; exit 1; }
(cd "$work/run" && bash "$work/host.sh") || { echo "FAIL: the documented host command failed"; exit 1; }

# The object runs: an IPv4 frame comes back tagged with VLAN 10 (the
# program's default) and its TTL decremented, checksum updated.
/usr/bin/python3 - "$work" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def frame(ttl, tag):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, ttl, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    macs = bytes.fromhex("020000000002020000000001")
    return macs + (bytes.fromhex("8100000a") if tag else b"") + b"\x08\x00" + ip + struct.pack("!HHHH", 1, 2, 8, 0)
open(sys.argv[1] + "/in.bin", "wb").write(frame(9, False))
open(sys.argv[1] + "/expected.bin", "wb").write(frame(8, True))
PY
mkdir "$work/bpffs"
unshare --mount /bin/bash -c '
  set -euo pipefail
  mount --make-rprivate /
  mount -t bpf bpf "$1/bpffs"
  bpftool prog load "$1/run/vlan_tagger.bpf.o" "$1/bpffs/tagger"
  bpftool prog run pinned "$1/bpffs/tagger" data_in "$1/in.bin" data_out "$1/out.bin" >"$1/run.txt" 2>&1
' run "$work" || { echo "FAIL: loading or running vlan_tagger.bpf.o:"; cat "$work/run.txt" 2>/dev/null; exit 1; }
grep -q "Return value: 3," "$work/run.txt" || { echo "FAIL: vlan_tagger did not return XDP_TX (3):"; cat "$work/run.txt"; exit 1; }
cmp -s "$work/out.bin" "$work/expected.bin" ||
  { echo "FAIL: vlan_tagger's frame differs:"; xxd "$work/out.bin"; echo "expected:"; xxd "$work/expected.bin"; exit 1; }
echo "ok: the documented BPF commands build an object that tags and TTL-decrements a frame"
echo '#include "vlan_tagger.skel.h"' >"$work/run/skel.cpp"
c++ -std=c++20 -fsyntax-only $(pkg-config --cflags libbpf) "$work/run/skel.cpp" || { echo "FAIL: vlan_tagger.skel.h does not compile"; exit 1; }
echo "ok: the skeleton compiles"

"$src/tests/samples/test_datapath_api.sh" "$work/run/datapath_api" "$xdp_pass"
echo "ok: the documented host command builds a datapath_api that forwards ping"
