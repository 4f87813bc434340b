#!/bin/bash
# The forwarding demo: three hosts in network namespaces, one ovsxdp
# datapath between them, configured with ovsxdp-dpctl only.
#
#   host a  10.0.0.1 ---- port 1 +----------------------+ port 3 ---- host b  10.0.0.2
#                                |  ovsxdp datapath     |
#                                |  "oxdemo"            | port 5 ---- host c  10.0.0.3
#                                +--port 2------port 4--+
#                                     \__ trunk __/        VLAN 10 on the trunk only
#
#  - a <-> b crosses a trunk link (a veth pair whose two ends are ports 2 and
#    4): the datapath pushes VLAN tag 10 onto the trunk and pops it off;
#  - a -> 10.0.0.100 is a service address: the datapath rewrites it to c
#    (set-field, checksums updated in XDP) and c's replies back.
#
# It pings and sends bounded TCP transfers through the datapath, traces a
# packet to show the tag, prints dump-flows as the counters grow, checks every
# step (exit 1 on failure), and removes everything it made, also when
# interrupted.
#
# The hosts keep the kernel's default offloads and run no XDP program:
# add-dp prepares each host's veth end (TX checksum and VLAN offload off, GRO
# on, so that it takes the frames XDP redirects to it) and del-dp restores it.
#
#   forwarding-demo.sh [BUILD_DIR] [PREFIX]
#   forwarding-demo.sh --dpctl FILE [PREFIX]
# The tool comes from BUILD_DIR (default build/), or is named (the installed
# ovsxdp-demo names its own). PREFIX names namespaces, links and the datapath
# (default oxdemo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} == --dpctl ]]; then
  [[ $# -ge 2 ]] || { echo "usage: forwarding-demo.sh --dpctl FILE [PREFIX]" >&2; exit 2; }
  dpctl=$2
  shift 2
  missing_hint="reinstall the ovsxdp package"
else
  build=${1:-${OVSXDP_BUILD_DIR:-$root/build}}
  dpctl=$build/host/ovsxdp-dpctl
  shift $(($# > 0 ? 1 : 0))
  missing_hint="build first (scripts/build.sh)"
fi
p=${1:-oxdemo}
python=/usr/bin/python3
transfer_bytes=$((4 * 1024 * 1024))

[ -e "$dpctl" ] || { echo "forwarding-demo: $dpctl is missing; $missing_hint" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "forwarding-demo: run as root (namespaces, XDP)" >&2; exit 1; }

servers=()
cleanup() {
  set +e
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null; done
  "$dpctl" del-dp "$p" 2>/dev/null
  for h in a b c; do ip netns del "$p-$h" 2>/dev/null; ip link del "$p-p$h" 2>/dev/null; done
  ip link del "$p-tx" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
in_ns() { local h=$1; shift; ip netns exec "$p-$h" "$@"; }

vmac=02:00:00:00:01:00  # the service address's MAC, answered by the datapath's flows
declare -A mac=([a]=02:00:00:00:0a:01 [b]=02:00:00:00:0b:01 [c]=02:00:00:00:0c:01)

step "three hosts in network namespaces, each on a veth whose other end will be a datapath port"
for h in a b c; do
  ip netns add "$p-$h"
  ip link add "$p-p$h" type veth peer name "$p-h$h" netns "$p-$h"
  sysctl -qw "net.ipv6.conf.$p-p$h.disable_ipv6=1"  # no IPv6 chatter from our side
  ip link set "$p-p$h" up
  in_ns $h sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  in_ns $h ip link set lo up
  in_ns $h ip link set "$p-h$h" address "${mac[$h]}" up
done
in_ns a ip addr add 10.0.0.1/24 dev "$p-ha"
in_ns a ip neigh add 10.0.0.100 lladdr $vmac dev "$p-ha"
in_ns b ip addr add 10.0.0.2/24 dev "$p-hb"
in_ns c ip addr add 10.0.0.3/24 dev "$p-hc"
in_ns c ip neigh add 10.0.0.1 lladdr "${mac[a]}" dev "$p-hc"
ip link add "$p-tx" type veth peer name "$p-ty"
sysctl -qw "net.ipv6.conf.$p-tx.disable_ipv6=1" "net.ipv6.conf.$p-ty.disable_ipv6=1"
ip link set "$p-tx" up
ip link set "$p-ty" up
echo "a: 10.0.0.1   b: 10.0.0.2   c: 10.0.0.3, reached from a as 10.0.0.100   trunk: $p-tx <-> $p-ty"

step "the datapath, with ovsxdp-dpctl only"
run "$dpctl" add-dp "$p" "$p-pa,port_no=1" "$p-tx,port_no=2" "$p-pb,port_no=3" "$p-ty,port_no=4" "$p-pc,port_no=5"
run "$dpctl" show "$p"

step "flows: a VLAN push/pop pair over the trunk (a <-> b), a set-field rewrite (a <-> c)"
flow() { run "$dpctl" add-flow "$p" "$1" "$2"; }
# a <-> b: tag onto the trunk, untag off it.
flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()" "push_vlan(vid=10,pcp=0),2"
flow "recirc_id(0),in_port(1),eth(dst=${mac[b]}),eth_type(0x0800),ipv4(frag=no)" "push_vlan(vid=10,pcp=0),2"
flow "recirc_id(0),in_port(3),eth(),eth_type(0x0806),arp()" "push_vlan(vid=10,pcp=0),4"
flow "recirc_id(0),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no)" "push_vlan(vid=10,pcp=0),4"
for inner in "eth_type(0x0806),arp()" "eth_type(0x0800),ipv4(frag=no)"; do
  flow "recirc_id(0),in_port(4),eth(),eth_type(0x8100),vlan(vid=10),encap($inner)" "pop_vlan,3"
  flow "recirc_id(0),in_port(2),eth(),eth_type(0x8100),vlan(vid=10),encap($inner)" "pop_vlan,1"
done
# a <-> c: the service address 10.0.0.100 is c, rewritten both ways.
flow "recirc_id(0),in_port(1),eth(dst=$vmac),eth_type(0x0800),ipv4(dst=10.0.0.100,frag=no)" \
     "set(eth(dst=${mac[c]})),set(ipv4(dst=10.0.0.3)),5"
flow "recirc_id(0),in_port(5),eth(),eth_type(0x0800),ipv4(src=10.0.0.3,frag=no)" \
     "set(eth(src=$vmac)),set(ipv4(src=10.0.0.100)),1"
run "$dpctl" dump-flows "$p"

step "trace: what the datapath sends for a's ping to b (the VLAN tag 8100000a follows the MAC addresses)"
icmp=$($python - "${mac[a]}" "${mac[b]}" <<'PY'
import sys, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ovsxdp"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0x4000, 64, 1, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
print((mac(sys.argv[2]) + mac(sys.argv[1]) + b"\x08\x00" + ip + icmp).hex())
PY
)
run "$dpctl" trace "$p" 1 "$icmp"

step "ping a -> b across the trunk"
run in_ns a ping -c 3 -i 0.2 -W 2 10.0.0.2 || fail "ping a -> b"
step "ping a -> 10.0.0.100, rewritten to c and back"
run in_ns a ping -c 3 -i 0.2 -W 2 10.0.0.100 || fail "ping a -> 10.0.0.100"
run "$dpctl" dump-flows "$p"

# A TCP sink that answers with the number of bytes it read.
sink='import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind((sys.argv[1],5001)); s.listen(1); s.settimeout(20)
c,_=s.accept(); c.settimeout(20); n=0
while True:
    d=c.recv(65536)
    if not d: break
    n+=len(d)
c.sendall(str(n).encode()); c.close()'
send='import socket,sys
n=int(sys.argv[2]); s=socket.create_connection((sys.argv[1],5001),timeout=20); chunk=b"x"*65536; left=n
while left: k=min(left,len(chunk)); s.sendall(chunk[:k]); left-=k
s.shutdown(socket.SHUT_WR); print(s.recv(64).decode())'
tcp() {  # tcp SERVER_HOST SERVER_ADDR DIAL_ADDR
  in_ns "$1" $python -c "$sink" "$2" & servers+=($!)
  sleep 0.5
  local got
  got=$(in_ns a timeout 30 $python -c "$send" "$3" $transfer_bytes) || fail "TCP transfer to $3"
  [ "$got" = "$transfer_bytes" ] || fail "TCP to $3: the server read $got bytes, expected $transfer_bytes"
  echo "sent $transfer_bytes bytes from a to $3 over TCP; the server read $got"
}
step "TCP a -> b ($transfer_bytes bytes)"
tcp b 10.0.0.2 10.0.0.2
step "TCP a -> 10.0.0.100 ($transfer_bytes bytes, addresses rewritten in XDP with checksums updated)"
tcp c 10.0.0.3 10.0.0.100
run "$dpctl" dump-flows "$p"
run "$dpctl" show -s "$p"

# The counters must show the traffic went through the datapath's flows.
packets() { "$dpctl" dump-flows "$p" "$1" | sed -n 's/.*packets:\([0-9]*\),.*/\1/p' | head -1; }
rewritten=$(packets "in_port(1),eth(dst=$vmac)")
[ "${rewritten:-0}" -ge 100 ] || fail "the rewrite flow counted ${rewritten:-0} packets (expected at least 100)"
tagged=$(packets "in_port(4),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800))")
[ "${tagged:-0}" -ge 100 ] || fail "the pop_vlan flow on the trunk counted ${tagged:-0} packets (expected at least 100)"
missed=$("$dpctl" show "$p" | sed -n 's/.*missed:\([0-9]*\).*/\1/p')
[ "$missed" = 0 ] || fail "$missed packets missed every flow (the flows should cover all traffic here)"
# Per port: every port received and sent, and the kernel dropped nothing the datapath sent.
stats=$("$dpctl" show -s "$p")
quiet=$(awk '/^  port /{port=$2} /RX packets:0 /{print port}' <<<"$stats")
[ -z "$quiet" ] || fail "ports ${quiet//$'\n'/ } received nothing"
dropped=$(awk '/^  port /{port=$2} /TX packets:/ && !/dropped:0 /{print port}' <<<"$stats")
[ -z "$dropped" ] || fail "the kernel dropped frames sent to ports ${dropped//$'\n'/ } (see TX drops)"
echo
echo "demo passed: ping and TCP crossed the XDP datapath; cleaning up"
