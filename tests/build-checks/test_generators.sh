#!/bin/bash
# Every CMake generator Debian's cmake offers for this project builds it: a
# fresh tree per generator builds the helper-header generation and BPF
# objects in three other directories (bpf-src/, samples/, tests/), the case
# that needs a target-level dependency under Unix Makefiles. scripts/test.sh
# also builds the whole tree with Unix Makefiles.
# Usage: test_generators.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d /tmp/ovsxdp-generators-XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for generator in "Unix Makefiles" Ninja; do
  dir=$work/${generator// /-}
  if ! cmake -S "$src" -B "$dir" -G "$generator" >"$dir.log" 2>&1 ||
     ! cmake --build "$dir" --target xdp_pass_bpf vlan_tagger_bpf kfunc_probe_bpf >>"$dir.log" 2>&1; then
    echo "FAIL: $generator:"; tail -20 "$dir.log"; status=1
    continue
  fi
  for o in xdp_pass vlan_tagger kfunc_probe; do
    [ -s "$dir/bpf/$o.bpf.o" ] && [ -s "$dir/skel/$o.skel.h" ] || { echo "FAIL: $generator: $o.bpf.o or its skeleton missing"; status=1; }
  done
  ((status)) || echo "ok: $generator builds the helper header and BPF objects from three directories"
done
exit $status
