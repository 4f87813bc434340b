#!/bin/bash
# Smoke test of the ovsxdp dpif provider under the patched ovs-vswitchd:
#   provider-smoke.sh OVS_BUILD_DIR
# A bridge br0 with datapath_type=ovsxdp and two veth ports whose far ends
# live in two namespaces; the NORMAL action; ping both ways; the megaflows in
# dpctl/dump-flows with packets; ovs-vswitchd killed (-9) while a ping runs:
# forwarding goes on from the pins, the next ovs-vswitchd adopts the flows;
# del-br leaves no pins and no devices.
#
# Needs root. Runs in its own mount and network namespaces (unshare): a bpffs
# of its own at /sys/fs/bpf, its own /run/ovsxdp and /run/netns, its devices
# invisible to the host; ovsdb-server and ovs-vswitchd with every directory
# (OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR, OVS_SYSCONFDIR) under a mktemp
# directory. Nothing of the system's Open vSwitch is touched.
# Exit 77 (skip) when not root.
set -euo pipefail
if (($# != 1)); then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "provider-smoke.sh: needs root (namespaces, XDP, bpffs): skipped"
  exit 77
fi
ovs_build=$(cd "$1" && pwd)

if [[ -z ${OVSXDP_SMOKE_INSIDE:-} ]]; then
  exec env OVSXDP_SMOKE_INSIDE=1 unshare --mount --net --propagation private bash "$0" "$ovs_build"
fi

# ---- inside the private namespaces ----
prefix=oxsm
work=$(mktemp -d /tmp/ovsxdp-smoke.XXXXXX)
export OVS_RUNDIR=$work/run OVS_DBDIR=$work/db OVS_LOGDIR=$work/log OVS_SYSCONFDIR=$work/etc
export OVS_PKGDATADIR=$ovs_build/../openvswitch/vswitchd
mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR" "$OVS_SYSCONFDIR" /run/ovsxdp
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
mount -t tmpfs tmpfs /run/ovsxdp
mount -t tmpfs tmpfs /run/netns 2>/dev/null || { mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns; }
ip link set lo up

PATH=$ovs_build/utilities:$ovs_build/vswitchd:$ovs_build/ovsdb:$PATH
schema=$OVS_PKGDATADIR/vswitch.ovsschema

step() { echo "== $*"; }
fail() {
  echo "provider-smoke.sh: FAILED: $*" >&2
  for f in "$OVS_LOGDIR"/*.log; do
    [[ -f $f ]] && { echo "--- $f (last 40 lines)" >&2; tail -40 "$f" >&2; }
  done
  exit 1
}
cleanup() {
  set +e
  [[ -f $OVS_RUNDIR/ovs-vswitchd.pid ]] && kill "$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")" 2>/dev/null
  [[ -f $OVS_RUNDIR/ovsdb-server.pid ]] && kill "$(cat "$OVS_RUNDIR/ovsdb-server.pid")" 2>/dev/null
  [[ -n ${ping_pid:-} ]] && kill "$ping_pid" 2>/dev/null
  sleep 0.5
  ip netns del ${prefix}a 2>/dev/null
  ip netns del ${prefix}b 2>/dev/null
  # The namespaces (and with them the bpffs, its pins and the devices) go
  # when this process ends.
  rm -rf "$work"
}
trap cleanup EXIT

start_vswitchd() {
  ovs-vswitchd --detach --no-chdir --pidfile --log-file -vfile:dpif_ovsxdp:dbg \
    --disable-system unix:"$OVS_RUNDIR/db.sock" || fail "ovs-vswitchd did not start"
}

step "ovsdb-server and ovs-vswitchd in $work"
ovsdb-tool create "$OVS_DBDIR/conf.db" "$schema"
ovsdb-server --detach --no-chdir --pidfile --log-file --remote=punix:"$OVS_RUNDIR/db.sock" "$OVS_DBDIR/conf.db"
ovs-vsctl --no-wait init
start_vswitchd

step "bridge br0 on ovsxdp, ports from two namespaces"
for side in a b; do
  ip netns add ${prefix}$side
  ip link add ${prefix}-$side type veth peer name ${prefix}-${side}h
  ip link set ${prefix}-${side}h netns ${prefix}$side
  ip link set ${prefix}-$side up
done
ip -n ${prefix}a addr add 10.77.0.1/24 dev ${prefix}-ah
ip -n ${prefix}b addr add 10.77.0.2/24 dev ${prefix}-bh
declare -A mac=([a]=02:77:00:00:00:01 [b]=02:77:00:00:00:02)
for side in a b; do
  ip -n ${prefix}$side link set ${prefix}-${side}h address "${mac[$side]}"
  ip -n ${prefix}$side link set ${prefix}-${side}h up
  ip -n ${prefix}$side link set lo up
done
ovs-vsctl --timeout=30 add-br br0 -- set bridge br0 datapath_type=ovsxdp \
  -- add-port br0 ${prefix}-a -- add-port br0 ${prefix}-b || fail "add-br/add-port"
ovs-ofctl del-flows br0
ovs-ofctl add-flow br0 "priority=0,actions=NORMAL"
ovs-appctl dpctl/show || fail "dpctl/show"

step "ping both ways"
ip netns exec ${prefix}a ping -c 3 -i 0.2 -W 2 10.77.0.2 || fail "ping a -> b"
ip netns exec ${prefix}b ping -c 3 -i 0.2 -W 2 10.77.0.1 || fail "ping b -> a"

step "megaflows with packets"
flows=$(ovs-appctl dpctl/dump-flows)
echo "$flows"
grep -Eq 'packets:[1-9]' <<<"$flows" || fail "no datapath flow has packets"
n_before=$(grep -c 'actions:' <<<"$flows")

step "ovs-vswitchd killed (-9) during a ping: forwarding goes on from the pins"
ip netns exec ${prefix}a ping -i 0.1 -c 60 -W 1 10.77.0.2 >"$work/ping.txt" 2>&1 &
ping_pid=$!
sleep 1
kill -9 "$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")"
sleep 2
ip netns exec ${prefix}b ping -c 3 -i 0.2 -W 2 10.77.0.1 || fail "no forwarding while ovs-vswitchd is down"
start_vswitchd
wait "$ping_pid" || true
ping_pid=
tail -3 "$work/ping.txt"
loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' "$work/ping.txt")
[[ -n $loss ]] && awk -v l="$loss" 'BEGIN { exit !(l <= 5) }' || fail "ping across the restart lost ${loss:-?}%"
grep -q 'adopted the ovsxdp datapath' "$OVS_LOGDIR/ovs-vswitchd.log" || fail "the new ovs-vswitchd did not adopt the datapath"
ovs-vsctl --timeout=30 wait-until bridge br0 datapath_type=ovsxdp
ip netns exec ${prefix}a ping -c 3 -i 0.2 -W 2 10.77.0.2 || fail "ping a -> b after the restart"
flows=$(ovs-appctl dpctl/dump-flows)
echo "$flows"
grep -Eq 'packets:[1-9]' <<<"$flows" || fail "no flow with packets after the restart"
echo "flows before the restart: $n_before; after: $(grep -c 'actions:' <<<"$flows")"

step "del-br removes everything"
ovs-vsctl --timeout=30 del-br br0 || fail "del-br"
sleep 1
# maps.debug and progs.debug are bpffs's own (the kernel's bpf_preload).
left=$(find /sys/fs/bpf -mindepth 1 ! -name maps.debug ! -name progs.debug 2>/dev/null | head -20)
[[ -z $left ]] || fail "pins left under bpffs: $left"
ip link show br0 >/dev/null 2>&1 && fail "device br0 left"
for side in a b; do
  ip link show ${prefix}-$side >/dev/null 2>&1 || fail "veth ${prefix}-$side gone (it is not the datapath's)"
  ip -d link show ${prefix}-$side | grep -q 'prog/xdp' && fail "XDP program left on ${prefix}-$side"
done
# Ignored as OVS's own check_logs (tests/ofproto-macros.at) ignores them: timing
# reports of a slow main-loop iteration (loading the datapath's programs spends
# about a second in the verifier) are load, not faults.
log_noise='ovs-vswitchd exited|Generic Netlink family|kernel module is probably not loaded|obtaining netdev stats via vport failed'
log_noise+='|timeval.*Unreasonably long [0-9]+ms poll interval|timeval.*faults: [0-9]+ minor, [0-9]+ major'
log_noise+='|timeval.*disk: [0-9]+ reads, [0-9]+ writes|timeval.*context switches: [0-9]+ voluntary, [0-9]+ involuntary'
log_noise+='|ovs_rcu.*blocked [0-9]+ ms waiting for .* to quiesce|Dropped [0-9]+ log messages'
if grep -E '\|(WARN|ERR|EMER)\|' "$OVS_LOGDIR/ovs-vswitchd.log" | grep -Ev "$log_noise"; then
  fail "warnings in ovs-vswitchd.log"
fi
echo "provider-smoke.sh: passed"
