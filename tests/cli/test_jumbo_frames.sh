#!/bin/bash
# Jumbo frames through native XDP: two hosts on veths with a 9000-byte MTU,
# one datapath between them configured with ovsxdp-dpctl; 8972-byte pings
# (9014-byte frames, larger than a page) must cross it both ways without
# fragmentation (-M do), and the flows must count every byte.
# Runs in a network and mount namespace of its own; removes what it made.
# Usage: test_jumbo_frames.sh DPCTL XDP_PASS_OBJECT
set -euo pipefail
dpctl=$1 xdp_pass=$2
source "$(dirname "$0")/../support/require_root.sh" "namespaces, XDP"
exec unshare --net --mount /bin/bash -s "$dpctl" "$xdp_pass" <<'INNER'
set -euo pipefail
dpctl=$1 xdp_pass=$2
mount --make-rprivate /
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /run
p=oxjumbo
cleanup() {
  set +e
  "$dpctl" del-dp $p 2>/dev/null
  for h in a b; do ip netns del $p-$h 2>/dev/null; done
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
for h in a b; do
  ip netns add $p-$h
  ip link add $p-p$h type veth peer name $p-h$h netns $p-$h
  ip link set $p-p$h mtu 9000 up
  ip -n $p-$h link set lo up
  ip -n $p-$h link set $p-h$h mtu 9000 up
  # The far end must run XDP to receive redirected frames; multi-buffer aware to take 9000 bytes.
  ip -n $p-$h link set $p-h$h xdpdrv obj "$xdp_pass" sec xdp.frags
done
ip -n $p-a addr add 10.9.0.1/24 dev $p-ha
ip -n $p-b addr add 10.9.0.2/24 dev $p-hb
out=$("$dpctl" add-dp $p $p-pa,port_no=1 $p-pb,port_no=2 2>&1) || fail "add-dp on 9000-byte-MTU veths: $out"
echo "$out"
"$dpctl" show $p | grep -q "port 1: $p-pa (xdp: native)" || fail "port 1 is not attached natively"
"$dpctl" show $p | grep -q "port 2: $p-pb (xdp: native)" || fail "port 2 is not attached natively"
for dir in "1 2" "2 1"; do
  set -- $dir
  "$dpctl" add-flow $p "in_port($1),eth(),eth_type(0x0806),arp()" "$2"
  "$dpctl" add-flow $p "in_port($1),eth(),eth_type(0x0800),ipv4(frag=no)" "$2"
done
ip netns exec $p-a ping -c 5 -i 0.2 -W 2 -M do -s 8972 10.9.0.2 || fail "8972-byte pings did not cross the datapath"
ip netns exec $p-b ping -c 5 -i 0.2 -W 2 -M do -s 8972 10.9.0.1 || fail "8972-byte pings did not cross back"
flows=$("$dpctl" dump-flows $p)
echo "$flows"
# 10 echo requests and 10 replies of 9014 bytes each way, at least.
for port in 1 2; do
  bytes=$(echo "$flows" | grep "in_port($port),eth(),eth_type(0x0800)" | sed -n 's/.*bytes:\([0-9]*\).*/\1/p')
  [ "${bytes:-0}" -ge $((10 * 9014)) ] || fail "port $port's IPv4 flow counted ${bytes:-0} bytes, expected at least $((10 * 9014))"
done
echo "PASS: 8972-byte pings crossed native XDP both ways"
INNER
