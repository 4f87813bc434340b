#!/bin/bash
# The BTF name lint must reject an object with names the kernel refuses, and
# accept a shipped one. Usage: test_btf_lint.sh CLANG BPFTOOL SOURCE_DIR GENERATED_INCLUDE GOOD_OBJECT
set -euo pipefail
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
clang=$1 bpftool=$2 src=$3 generated=$4 good=$5
work=$(mktemp -d /tmp/ovsxdp-btf-lint-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$clang" -x c++ -std=gnu++20 --target=bpf -mcpu=v3 -O2 -g -fno-exceptions -fno-rtti \
  -I"$src/include" -I"$generated" -idirafter /usr/include/$(gcc -dumpmachine) \
  -c "$src/tests/bpf-src/bad_btf_names.bpf.cpp" -o "$work/bad.o"
if /usr/bin/python3 "$src/cmake/check_btf_names.py" "$bpftool" "$work/bad.o" 2>"$work/err"; then
  echo "FAIL: the lint accepted an object with a templated BTF name"; exit 1
fi
for expected in 'templated_value<2>'; do
  grep -qF "$expected" "$work/err" || { echo "FAIL: lint did not name '$expected':"; cat "$work/err"; exit 1; }
done
# The kernel agrees with the lint: it refuses the BTF (libbpf then loads the
# program without BTF, losing line info and global-function verification).
"$bpftool" -d prog load "$work/bad.o" /sys/fs/bpf/ovsxdp-btf-lint-check >"$work/load" 2>&1 || true
rm -f /sys/fs/bpf/ovsxdp-btf-lint-check
if ! grep -q "Error loading .BTF into kernel" "$work/load"; then
  echo "FAIL: the kernel accepted BTF the lint rejects (the lint is stricter than the kernel):"; cat "$work/load"; exit 1
fi
/usr/bin/python3 "$src/cmake/check_btf_names.py" "$bpftool" "$good"
echo "ok: lint rejects bad BTF names:"; sed 's/^/    /' "$work/err"
