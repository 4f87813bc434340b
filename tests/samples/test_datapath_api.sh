#!/bin/bash
# Runs samples/host/datapath_api between two hosts in network namespaces and
# checks that ping crosses it: ARP through the example's slow path, ICMP
# through its IPv4 flows. Everything lives in a private network and mount
# namespace (own bpffs, own /run): nothing outlives the test.
set -euo pipefail
example=$1 xdp_pass_obj=$2
source "$(dirname "$0")/../support/require_root.sh" "network namespaces, XDP"

exec unshare --net --mount /bin/bash -s "$example" "$xdp_pass_obj" <<'INNER'
set -euo pipefail
example=$1 xdp_pass_obj=$2
mount --make-rprivate /
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /run
out=$(mktemp -d /tmp/ovsxdp-sample-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  ip netns del oxsa 2>/dev/null || true
  ip netns del oxsb 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
ip link set lo up
for h in a b; do
  ip netns add oxs$h
  ip link add oxsp$h type veth peer name oxsh$h netns oxs$h
  ip link set oxsp$h up
  ip -n oxs$h link set lo up
  ip -n oxs$h link set oxsh$h up
  # A veth delivers frames redirected into it only when its peer runs XDP.
  ip -n oxs$h link set oxsh$h xdpdrv obj "$xdp_pass_obj" sec xdp.frags
done
ip -n oxsa addr add 10.77.0.1/24 dev oxsha
ip -n oxsb addr add 10.77.0.2/24 dev oxshb

"$example" oxspa oxspb 6 >"$out/stdout" 2>"$out/stderr" &
pid=$!
# Ping once the ports forward: an ARP request sent earlier is lost, and its
# retry a second later would leave the echo replies past ping's deadline.
for _ in $(seq 50); do
  grep -q '^ready' "$out/stdout" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^ready' "$out/stdout" || { cat "$out/stdout" "$out/stderr"; echo "FAIL: the example did not get ready within 5 s"; exit 1; }
ping_ok=0
ip netns exec oxsa ping -c 3 -i 0.2 -W 1 10.77.0.2 >"$out/ping" && ping_ok=1
wait "$pid" && status=0 || status=$?
pid=
echo "--- example output"; cat "$out/stdout" "$out/stderr"
echo "--- ping"; cat "$out/ping"
fail() { echo "FAIL: $*"; exit 1; }
[ "$status" = 0 ] || fail "the example exited with $status"
[ "$ping_ok" = 1 ] || fail "ping did not cross the datapath"
grep -q "eth_type(0x0806)" "$out/stdout" || fail "no ARP flow was installed by the slow path"
hits=$(sed -n 's/^hit:\([0-9]*\) .*/\1/p' "$out/stdout")
[ -n "$hits" ] && [ "$hits" -ge 6 ] || fail "expected at least 6 megaflow hits (3 echo requests and 3 replies), got '${hits}'"
# destroy() detaches the ports: no XDP program is left on the switch's veths.
for dev in oxspa oxspb; do
  ip link show dev "$dev" >"$out/link" || fail "veth $dev is gone"
  ! grep -q 'prog/xdp' "$out/link" || fail "the example left an XDP program on $dev: $(grep 'prog/xdp' "$out/link")"
done
[ ! -e /sys/fs/bpf/ovsxdp/example ] || fail "the example left its pins behind"
echo "PASS"
INNER
