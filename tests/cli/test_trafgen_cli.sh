#!/bin/bash
# ovsxdp-trafgen as a user meets it: a receiver counting in one namespace,
# the generator sending from another, exact counts; and the exit codes (1
# runtime failure, 2 usage) with their messages for bad input.
# Usage: test_trafgen_cli.sh TRAFGEN
set -uo pipefail
trafgen=$1
tag=ovsxdp-tgcli-$$
work=$(mktemp -d /tmp/$tag-XXXXXX)
cleanup() {
  [[ -n "${counter:-}" ]] && kill "$counter" 2>/dev/null
  ip netns del "$tag-a" 2>/dev/null
  ip netns del "$tag-b" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0

tool=$trafgen
source "$(dirname "$0")/expect.sh"

ip netns add "$tag-a" && ip netns add "$tag-b" || { echo "FAIL: cannot create namespaces (run as root)"; exit 1; }
# No IPv6 router solicitations: every frame on the wire is the generator's.
for ns in "$tag-a" "$tag-b"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1; done
ip link add tgc0 netns "$tag-a" type veth peer name tgc1 netns "$tag-b"
ip -n "$tag-a" link set tgc0 up && ip -n "$tag-b" link set tgc1 up

"$trafgen" count tgc1 --seconds 4 --netns "/run/netns/$tag-b" >"$work/count" 2>&1 &
counter=$!
sleep 1
expect 0 "sent 20000 frames (1280000 bytes)" -- send tgc0 --count 20000 --flows 100 --netns "/run/netns/$tag-a"
expect 0 "sent 500 frames (750000 bytes)" -- send tgc0 --count 500 --size 1500 --proto tcp --netns "/run/netns/$tag-a"
wait "$counter"
counter=
if grep -q "received 20500 frames (2030000 bytes) on tgc1, 0 foreign" "$work/count"; then
  echo "ok: the receiver counted every frame: $(cat "$work/count")"
else
  echo "FAIL: the receiver did not count 20500 frames of ours:"; cat "$work/count"; failures=$((failures + 1))
fi

expect 1 "find device 'nosuchdev'" -- send nosuchdev --count 10
expect 1 "open network namespace '/nonexistent'" -- send tgc0 --netns /nonexistent
expect 1 "frame_size=10" -- send tgc0 --size 10 --netns "/run/netns/$tag-a"
expect 1 "dst_ip=10.2.255.250" -- send tgc0 --flows 100 --dst-ip 10.2.255.250 --netns "/run/netns/$tag-a"
expect 2 "--count: '0' is not a number" -- send tgc0 --count 0
expect 2 "unknown option '--reflect' for send" -- send tgc0 --reflect
expect 2 "--proto: 'sctp' is not udp or tcp" -- send tgc0 --proto sctp
expect 2 "unknown command 'blast'" -- blast tgc0
expect 2 "need a command and a device" -- send

if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "all ovsxdp-trafgen checks passed"
