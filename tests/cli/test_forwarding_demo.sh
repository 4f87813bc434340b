#!/bin/bash
# The README's demo as an integration test: only ovsxdp-dpctl configures the
# datapath; ping and bounded TCP transfers must cross it and its flow
# statistics must count them (scripts/forwarding-demo.sh checks each step).
# Runs in a network and mount namespace of its own (own bpffs and /run), under its own
# prefix, so it cannot meet a demo someone runs by hand.
# Usage: test_forwarding_demo.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
source "$(dirname "$0")/../support/require_root.sh" "namespaces, XDP"
exec unshare --net --mount /bin/bash -c '
  set -euo pipefail
  mount --make-rprivate /
  mount -t bpf bpf /sys/fs/bpf
  mount -t tmpfs tmpfs /run
  "$1/scripts/forwarding-demo.sh" "$2" oxtst
  for ns in oxtst-a oxtst-b oxtst-c; do
    [ ! -e /run/netns/$ns ] || { echo "FAIL: namespace $ns left behind"; exit 1; }
  done
  ! ip link show oxtst-tx >/dev/null 2>&1 || { echo "FAIL: trunk veth left behind"; exit 1; }
  [ ! -e /sys/fs/bpf/ovsxdp ] || { echo "FAIL: pins left behind"; exit 1; }
  echo "PASS: nothing left behind"
' demo "$src" "$build"
