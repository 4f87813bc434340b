#!/bin/bash
# The main demo: Open vSwitch's ovs-vswitchd drives ovsxdp. Two bridges with
# datapath_type=ovsxdp, joined by a VLAN trunk, four hosts in network
# namespaces, OpenFlow rules installed with ovs-ofctl:
#
#   host a 10.0.10.1 (VLAN 10) --+                          +-- host b 10.0.10.2 (VLAN 10)
#                                 br-west ==== trunk ==== br-east
#   host c 10.0.20.1 (VLAN 20) --+   (tags 10 and 20)       +-- host d 10.0.20.2 (VLAN 20)
#
#  - NORMAL (MAC learning with access and trunk ports): a <-> b and c <-> d
#    cross the trunk tagged; a cannot reach d (another VLAN);
#  - an L3 rewrite on br-west: 10.0.10.100 is a virtual address served by b;
#    OpenFlow rewrites it to b on the way in and back on the way out.
# ovs-vswitchd installs the megaflows ovsxdp executes in XDP (dpctl/dump-flows
# shows them with their counters). Everything it creates is removed when it
# ends, also on failure or Ctrl-C.
#
#   ovs-demo.sh [BUILD_DIR] [PREFIX]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-${OVSXDP_BUILD_DIR:-$root/build}}" && pwd)
p=${2:-oxovs}
python=/usr/bin/python3
transfer_bytes=$((4 * 1024 * 1024))
# shellcheck source=/dev/null
source "$build/ovsxdp-ovs-paths.sh"  # OVSXDP_OVS_BIN_DIR, OVSXDP_OVS_SCHEMA (written by the build)
source "$root/scripts/ovs-sandbox.sh"

[ "$(id -u)" = 0 ] || { echo "ovs-demo: run as root (namespaces, XDP)" >&2; exit 1; }

servers=()
cleanup() {
  set +e
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null; done
  if [[ -n $ovs_sandbox ]]; then
    ovs-vsctl --timeout=10 --if-exists del-br br-west -- --if-exists del-br br-east 2>/dev/null
    ovs_sandbox_stop
  fi
  for h in a b c d; do ip netns del "$p-$h" 2>/dev/null; ip link del "$p-p$h" 2>/dev/null; done
  ip link del "$p-tw" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "FAILED: $*" >&2; [[ -n $ovs_sandbox ]] && tail -20 "$ovs_sandbox/ovs-vswitchd.log" >&2; exit 1; }
in_ns() { local h=$1; shift; ip netns exec "$p-$h" "$@"; }

vmac=02:00:00:00:10:64  # the virtual address's MAC (a static neighbour on a)
declare -A mac=([a]=02:00:00:00:0a:01 [b]=02:00:00:00:0b:01 [c]=02:00:00:00:0c:01 [d]=02:00:00:00:0d:01)
declare -A addr=([a]=10.0.10.1 [b]=10.0.10.2 [c]=10.0.20.1 [d]=10.0.20.2)

step "four hosts in network namespaces, each on a veth; a veth pair as the trunk"
for h in a b c d; do
  ip netns add "$p-$h"
  ip link add "$p-p$h" type veth peer name "$p-h$h" netns "$p-$h"
  sysctl -qw "net.ipv6.conf.$p-p$h.disable_ipv6=1"
  ip link set "$p-p$h" up
  in_ns $h sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  in_ns $h ip link set lo up
  in_ns $h ip link set "$p-h$h" address "${mac[$h]}" up
  in_ns $h ip addr add "${addr[$h]}/16" dev "$p-h$h"
done
in_ns a ip neigh add 10.0.10.100 lladdr $vmac dev "$p-ha"
ip link add "$p-tw" type veth peer name "$p-te"
sysctl -qw "net.ipv6.conf.$p-tw.disable_ipv6=1" "net.ipv6.conf.$p-te.disable_ipv6=1"
ip link set "$p-tw" up
ip link set "$p-te" up

step "a private ovsdb-server and ovs-vswitchd (built with the ovsxdp provider)"
ovs_sandbox_start "$OVSXDP_OVS_BIN_DIR" "$OVSXDP_OVS_SCHEMA"
echo "$(ovs-vswitchd --version | sed -n 1p), datapath types: $(ovs-vsctl get Open_vSwitch . datapath_types)"

step "two bridges on ovsxdp: access ports (VLAN 10, 20) and a trunk, forwarding with NORMAL"
run ovs-vsctl add-br br-west -- set bridge br-west datapath_type=ovsxdp fail-mode=secure \
  -- add-port br-west "$p-pa" tag=10 -- add-port br-west "$p-pc" tag=20 \
  -- add-port br-west "$p-tw" trunks=10,20
run ovs-vsctl add-br br-east -- set bridge br-east datapath_type=ovsxdp fail-mode=secure \
  -- add-port br-east "$p-pb" tag=10 -- add-port br-east "$p-pd" tag=20 \
  -- add-port br-east "$p-te" trunks=10,20
for br in br-west br-east; do run ovs-ofctl add-flow $br "priority=0,actions=NORMAL"; done
run ovs-appctl dpif/show

step "ping a -> b and c -> d across the trunk (VLAN 10 and 20), TCP a -> b"
run in_ns a ping -c 3 -i 0.2 -W 2 "${addr[b]}" || fail "ping a -> b"
run in_ns c ping -c 3 -i 0.2 -W 2 "${addr[d]}" || fail "ping c -> d"
step "a cannot reach d: another VLAN"
if in_ns a ping -c 2 -i 0.2 -W 1 "${addr[d]}" >/dev/null; then fail "a reached d across VLANs"; fi
echo "a -> d: no reply, as it should be"

# A TCP sink that answers with the number of bytes it read.
sink='import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind((sys.argv[1],int(sys.argv[2]))); s.listen(1); s.settimeout(20)
c,_=s.accept(); c.settimeout(20); n=0
while True:
    d=c.recv(65536)
    if not d: break
    n+=len(d)
c.sendall(str(n).encode()); c.close()'
send='import socket,sys
n=int(sys.argv[3]); s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=20); chunk=b"x"*65536; left=n
while left: k=min(left,len(chunk)); s.sendall(chunk[:k]); left-=k
s.shutdown(socket.SHUT_WR); print(s.recv(64).decode())'
tcp() {  # tcp SERVER_HOST LISTEN_PORT DIAL_ADDR DIAL_PORT
  in_ns "$1" $python -c "$sink" "${addr[$1]}" "$2" & servers+=($!)
  sleep 0.5
  local got
  got=$(in_ns a timeout 30 $python -c "$send" "$3" "$4" $transfer_bytes) || fail "TCP transfer to $3:$4"
  [ "$got" = "$transfer_bytes" ] || fail "TCP to $3:$4: the server read $got bytes, expected $transfer_bytes"
  echo "sent $transfer_bytes bytes from a to $3:$4 over TCP; the server read $got"
}
tcp b 5001 "${addr[b]}" 5001

step "an L3 rewrite on br-west: 10.0.10.100 (port 80) is served by b (port 5001)"
of() { run ovs-ofctl add-flow br-west "$1"; }
of "priority=100,icmp,in_port=$p-pa,nw_dst=10.0.10.100,actions=mod_dl_dst:${mac[b]},mod_nw_dst:${addr[b]},NORMAL"
of "priority=100,icmp,in_port=$p-tw,dl_vlan=10,nw_src=${addr[b]},nw_dst=${addr[a]},icmp_type=0,actions=mod_dl_src:$vmac,mod_nw_src:10.0.10.100,NORMAL"
of "priority=100,tcp,in_port=$p-pa,nw_dst=10.0.10.100,tp_dst=80,actions=mod_dl_dst:${mac[b]},mod_nw_dst:${addr[b]},mod_tp_dst:5001,NORMAL"
of "priority=100,tcp,in_port=$p-tw,dl_vlan=10,nw_src=${addr[b]},tp_src=5001,actions=mod_dl_src:$vmac,mod_nw_src:10.0.10.100,mod_tp_src:80,NORMAL"
run ovs-ofctl dump-flows br-west
run in_ns a ping -c 3 -i 0.2 -W 2 10.0.10.100 || fail "ping a -> 10.0.10.100"
tcp b 5001 10.0.10.100 80

step "the megaflows ovs-vswitchd installed in ovsxdp, with their counters"
flows=$(ovs-appctl dpctl/dump-flows)
echo "$flows"
run ovs-appctl dpctl/show -s

# The counters must show the traffic went through ovsxdp's flows.
packets() { grep -F -- "$1" <<<"$flows" | sed -n 's/.*packets:\([0-9]*\),.*/\1/p' | sort -n | tail -1; }
rewritten=$(packets "set(ipv4(")
[ "${rewritten:-0}" -ge 100 ] || fail "no rewrite megaflow counted 100 packets (largest: ${rewritten:-0})"
tagged=$(packets "vlan(vid=10")
[ "${tagged:-0}" -ge 100 ] || fail "no megaflow matching VLAN 10 on the trunk counted 100 packets (largest: ${tagged:-0})"
grep -q "^ovsxdp@" <<<"$(ovs-appctl dpif/show)" || fail "dpif/show names no ovsxdp datapath"
echo
echo "demo passed: OpenFlow and NORMAL on ovs-vswitchd, forwarded by ovsxdp in XDP; cleaning up"
