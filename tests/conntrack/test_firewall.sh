#!/bin/bash
# A stateful firewall in XDP with real traffic: host "in" (port 1) may open
# connections to host "out" (port 2); from out only what belongs to those
# connections gets back in (+est, and +rel for ICMP errors). Datapath flows
# written with ovsxdp-dpctl, native XDP on both ports:
#   - TCP from in: 1 MiB each way, checked end to end by SHA-256;
#   - UDP from in: a datagram and its echo;
#   - ping from in passes, ping from out does not;
#   - TCP and UDP opened from out get nothing through;
#   - a datagram from in to a closed port of out: out's port unreachable is
#     +rel, so in's connected socket sees ECONNREFUSED (counted ct_related);
#   - dump-conntrack shows the connections in zone 7 with their states.
# Runs in a network and mount namespace of its own; removes what it made.
# Usage: test_firewall.sh DPCTL XDP_PASS_OBJECT
set -euo pipefail
dpctl=$1 xdp_pass=$2
source "$(dirname "$0")/../support/require_root.sh" "namespaces, XDP"
exec unshare --net --mount /bin/bash -s "$dpctl" "$xdp_pass" <<'INNER'
set -euo pipefail
dpctl=$1 xdp_pass=$2
mount --make-rprivate /
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /run
p=oxfw
py=/usr/bin/python3
cleanup() {
  set +e
  trap - EXIT
  [ -n "${servers:-}" ] && kill $servers 2>/dev/null
  "$dpctl" del-dp $p 2>/dev/null
  for h in in out; do ip netns del $p-$h 2>/dev/null; done
}
servers=
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; cat /run/$p-*.log 2>/dev/null; "$dpctl" show -s $p 2>/dev/null; "$dpctl" dump-flows $p 2>/dev/null; exit 1; }
in_ns() { nsenter --net=/run/netns/$p-in "$@"; }
out_ns() { nsenter --net=/run/netns/$p-out "$@"; }

for h in in out; do
  ip netns add $p-$h
  ip link add $p-p$h type veth peer name $p-h$h netns $p-$h
  ip link set $p-p$h up
  ip -n $p-$h link set lo up
  ip -n $p-$h link set $p-h$h up
  ip netns exec $p-$h sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
  # A veth takes redirected frames only when its peer runs XDP.
  ip -n $p-$h link set $p-h$h xdpdrv obj "$xdp_pass" sec xdp.frags
done
ip -n $p-in addr add 10.8.0.1/24 dev $p-hin
ip -n $p-out addr add 10.8.0.2/24 dev $p-hout
out=$("$dpctl" add-dp $p $p-pin,port_no=1 $p-pout,port_no=2 2>&1) || fail "add-dp: $out"
echo "$out"

ip4="eth(),eth_type(0x0800),ipv4(frag=no)"
"$dpctl" add-flow $p "in_port(1),eth(),eth_type(0x0806),arp()" 2
"$dpctl" add-flow $p "in_port(2),eth(),eth_type(0x0806),arp()" 1
"$dpctl" add-flow $p "recirc_id(0),in_port(1),$ip4" "ct(commit,zone=7),2"
"$dpctl" add-flow $p "recirc_id(0),in_port(2),$ip4" "ct(zone=7),recirc(1)"
"$dpctl" add-flow $p "recirc_id(1),in_port(2),ct_state(+est+trk),$ip4" 1
"$dpctl" add-flow $p "recirc_id(1),in_port(2),ct_state(+rel+trk),$ip4" 1
"$dpctl" add-flow $p "recirc_id(1),in_port(2),ct_state(-est-rel+trk),$ip4" drop

# Servers: on out, a TCP sink that answers with the SHA-256 of what it got
# and then sends 1 MiB back, and a UDP echo; on in, a TCP listener that no
# connection from out may reach.
# Started without the helper function: $! is then nsenter, which execs python.
nsenter --net=/run/netns/$p-out $py - >/run/$p-out-servers.log 2>&1 <<'PY' &
import hashlib, socket, threading
def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.8.0.2", 5001)); s.listen(4)
    while True:
        c, _ = s.accept()
        h, n = hashlib.sha256(), 0
        while n < 1 << 20:
            b = c.recv(65536)
            if not b: break
            h.update(b); n += len(b)
        c.sendall(h.hexdigest().encode() + b"\n" + bytes(range(256)) * 4096)
        c.close()
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.8.0.2", 5002))
    while True:
        d, a = u.recvfrom(2048); u.sendto(d[::-1], a)
threading.Thread(target=udp, daemon=True).start()
tcp()
PY
servers="$!"
nsenter --net=/run/netns/$p-in $py - >/run/$p-in-server.log 2>&1 <<'PY' &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.8.0.1", 6001)); s.listen(4)
while True:
    c, _ = s.accept(); c.sendall(b"should never get here\n"); c.close()
PY
servers="$servers $!"
sleep 0.5

in_ns ping -c 3 -i 0.2 -W 2 10.8.0.2 >/dev/null || fail "ping from in did not get its replies back"
if out_ns ping -c 2 -i 0.2 -W 1 10.8.0.1 >/dev/null; then fail "ping from out got through"; fi

in_ns $py - <<'PY' || fail "TCP from in"
import hashlib, os, socket, sys
data = os.urandom(1 << 20)
c = socket.create_connection(("10.8.0.2", 5001), timeout=5)
c.sendall(data)
got = b""
while True:
    b = c.recv(65536)
    if not b: break
    got += b
digest, _, back = got.partition(b"\n")
if digest.decode() != hashlib.sha256(data).hexdigest(): sys.exit("the server got other bytes than were sent")
if back != bytes(range(256)) * 4096: sys.exit(f"{len(back)} bytes came back, not the 1 MiB sent")
print("TCP from in: 1 MiB each way, intact")
PY

in_ns $py - <<'PY' || fail "UDP from in"
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.sendto(b"ovsxdp firewall", ("10.8.0.2", 5002))
d, a = u.recvfrom(2048)
if d != b"llawerif pdxsvo": sys.exit(f"echo {d!r}")
print("UDP from in: echoed")
PY

# ICMP errors are related: a datagram to a closed port on out comes back as
# port unreachable, which the firewall lets in, so the socket is refused.
related_before=$("$dpctl" show -s $p | sed -n 's/.*ct_related:\([0-9]*\).*/\1/p')
in_ns $py - <<'PY' || fail "port unreachable from out did not reach in (+rel)"
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.connect(("10.8.0.2", 5999)); u.send(b"anyone?")
try:
    u.recv(100)
    sys.exit("an answer from a closed port")
except ConnectionRefusedError:
    print("UDP to a closed port on out: refused (the ICMP error got in as related)")
except socket.timeout:
    sys.exit("no ICMP error arrived within 3 s")
PY
related_after=$("$dpctl" show -s $p | sed -n 's/.*ct_related:\([0-9]*\).*/\1/p')
[ "${related_after:-0}" -gt "${related_before:-0}" ] || fail "ct_related did not count the port unreachable (${related_before:-?} -> ${related_after:-?})"

out_ns $py - <<'PY' || fail "a connection from out got through"
import socket, sys
try:
    socket.create_connection(("10.8.0.1", 6001), timeout=2)
    sys.exit("TCP from out was accepted")
except (socket.timeout, TimeoutError):
    print("TCP from out: no answer (the SYN is +new from port 2: dropped)")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
u.sendto(b"hello?", ("10.8.0.1", 6002))
try:
    u.recvfrom(100)
    sys.exit("UDP from out got an answer")
except socket.timeout:
    print("UDP from out: nothing came back")
PY

conns=$("$dpctl" dump-conntrack $p zone=7)
echo "$conns"
echo "$conns" | grep -q '^tcp,orig=(src=10.8.0.1,dst=10.8.0.2,sport=[0-9]*,dport=5001),reply=(src=10.8.0.2,dst=10.8.0.1,sport=5001,dport=[0-9]*),zone=7,protoinfo=(state=\(TIME_WAIT\|FIN_WAIT_2\|CLOSING\|LAST_ACK\|CLOSE_WAIT\|FIN_WAIT_1\|CLOSED\))' ||
  fail "no closed-down TCP connection from in to 5001 in zone 7"
echo "$conns" | grep -q '^udp,orig=(src=10.8.0.1,dst=10.8.0.2,sport=[0-9]*,dport=5002),reply=(src=10.8.0.2,dst=10.8.0.1,sport=5002,dport=[0-9]*),zone=7' ||
  fail "no UDP connection from in to 5002 in zone 7"
echo "$conns" | grep -q '^icmp,orig=(src=10.8.0.1,dst=10.8.0.2,id=[0-9]*,type=8,code=0)' || fail "no ping connection in zone 7"
if echo "$conns" | grep -q 'src=10.8.0.2,dst=10.8.0.1,sport=[0-9]*,dport=600[12]),reply'; then fail "a connection opened from out was stored"; fi
"$dpctl" show -s $p | tr ' ' '\n' | grep -E '^ct_' | tr '\n' ' '
echo
echo "PASS: the firewall let in only what in opened, real TCP and UDP intact, ICMP errors related"
INNER
