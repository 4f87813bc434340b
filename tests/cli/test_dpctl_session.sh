#!/bin/bash
# ovsxdp-dpctl against a real datapath, as an operator drives it: a scripted
# session whose whole transcript (commands, output, exit codes) must equal
# tests/cli/golden/dpctl_session.txt, and the trace of one packet per action
# through both trace forms, which must print the same lines, equal to
# tests/cli/golden/trace_every_action.txt.
# Runs in a network and mount namespace of its own (own bpffs, own /run).
# UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
# Usage: test_dpctl_session.sh DPCTL SOURCE_DIR
set -euo pipefail
dpctl=$(realpath "$1") src=$(realpath "$2")
source "$(dirname "$0")/../support/require_root.sh" "namespaces, BPF"
if [ -z "${OVSXDP_IN_SESSION_NS:-}" ]; then
  OVSXDP_IN_SESSION_NS=1 exec unshare --net --mount "$0" "$@"
fi
mount --make-rprivate /
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /run
work=$(mktemp -d /tmp/ovsxdp-session-XXXXXX)
trap 'rm -rf "$work"' EXIT
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link set lo up
for i in 1 2 3 4; do ip link add sp$i type veth peer name sp${i}x; done  # peers stay down: no traffic
ip link add sp-5 type veth peer name sp-5x    # a name with a dash
ip link add spgone type veth peer name spgonex  # deleted while it is a port
ip link add busy type veth peer name busyx
ip link set busy xdpdrv obj "$(dirname "$dpctl")/../bpf/xdp_pass.bpf.o" sec xdp.frags

transcript=$work/session.txt
# t ARGS...: run ovsxdp-dpctl, record the command line (an argument over 160
# characters as its start and length), its output and a non-zero exit status.
t() {
  {
    printf '$ ovsxdp-dpctl'
    local a
    for a in "$@"; do
      if [ ${#a} -gt 160 ]; then printf ' %q...[%d characters]' "${a:0:60}" ${#a}; else printf ' %q' "$a"; fi
    done
    printf '\n'
  } >>"$transcript"
  local rc
  set +e
  # Kernel-assigned program ids vary from run to run.
  "$dpctl" "$@" 2>&1 | sed -E 's/program id [0-9]+/program id N/; s/duration:[0-9.]+s/duration:Ns/' >>"$transcript"
  rc=${PIPESTATUS[0]}
  set -e
  [ $rc = 0 ] || echo "[exit $rc]" >>"$transcript"
}
note() { printf '\n# %s\n' "$*" >>"$transcript"; }

note "no datapath yet"
t show
t dump-flows
t del-dp nosuch
note "datapaths and ports"
t add-dp --max-flows 1000 --cache mask lab sp1 sp2,port_no=7
t add-if lab sp3,mode=generic
t add-if lab busy
t add-if lab busy,port_no=9 --force
t add-if lab sp3
t add-if lab nosuchif
t add-if lab sp4,port_no=7
t add-if lab sp4,mode=fast
t show lab
t del-if lab busy
t del-if lab 99
note "flows"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.0/255.255.255.0,frag=no)" "push_vlan(vid=10,pcp=0),7"
t add-flow lab "ufid:11111111-2222-3333-4444-555555555555,recirc_id(0),in_port(sp2),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))" "pop_vlan,sp1"
t add-flow "recirc_id(0),in_port(1),eth(src=50:54:00:00:00:01),eth_type(0x0800),ipv4(src=10.1.1.1,proto=6,frag=no),tcp(dst=80),tcp_flags(+syn-ack)" "set(ipv4(src=10.1.1.100)),7"
t add-flow "recirc_id(0x1),in_port(1),ct_state(+new-est+trk),eth(),eth_type(0x0800),ipv4(frag=no)" "set(skb_mark(0x5/0xff)),recirc(0x2)"
t dump-flows
t dump-flows -m lab
t dump-flows "filter=in_port(1),eth_type(0x0800)"
t dump-flows lab "ipv4(proto=6)"
t get-flow ufid:11111111-2222-3333-4444-555555555555
t mod-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.0/255.255.255.0,frag=no)" "push_vlan(vid=20,pcp=1),7"
t mod-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()" "7"
t mod-flow --may-create "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()" "7"
t mod-flow --clear "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()" "drop"
t dump-flows
t del-flow "ufid:11111111-2222-3333-4444-555555555555"
t del-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()"
t del-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()"
t dump-flows
note "malformed input: exit 2, column and expected form, nothing changed"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.1,frag=no" "7"
t add-flow "recirc_id(0),in_port(1),eth(src=50:54:00:00:00:zz),eth_type(0x0800),ipv4(frag=no)" "7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)" "push_vlan(vid=10),frobnicate"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)" "ct(commit,nat(src=10.0.0.1)),7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)" "set(ipv4(src=1.2.3.4)),7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800)" "7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80)" "7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10)" "7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp(),ipv4(src=10.0.0.1)" "7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.0/255.255.255.0,frag=no)" "7"
t add-flow "recirc_id(0),in_port(nosuchport),eth(),eth_type(0x0800),ipv4(frag=no)" "7"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1/255.0.0.255,frag=no)" "set(ipv4(src=10.0.0.255/255.255.255.0)),7"
t trace lab 1 "0011zz"
t trace lab 1 "00112233"
t trace lab 8 "505400000002505400000001080045000020"
t get-flow "ufid:nonsense"
t dump-flows
note "what Linux accepts: pop_vlan on a flow that matches no tag (a no-op), an output to a port that does not exist (dropped, counted)"
t add-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()" "pop_vlan,7"
t add-flow "recirc_id(0),in_port(1),eth(src=50:54:00:00:00:09),eth_type(0x0800),ipv4(frag=no)" "42"
t trace lab 1 "505400000002505400000009080045000020000000004011000001010101020202020000000000000000"
t show -s lab
t del-flow "recirc_id(0),in_port(1),eth(src=50:54:00:00:00:09),eth_type(0x0800),ipv4(frag=no)"
t del-flow "recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()"
note "one packet, many ports: outputs, clone, sample and check_pkt_len in one list"
t add-flow lab "recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)" "push_vlan(vid=10,pcp=0),2,pop_vlan,clone(set(ipv6(hlimit=5)),7),sample(sample=100.0%,actions(1)),check_pkt_len(size=60,gt(push_vlan(vid=1,pcp=0),2),le(7))"
t dump-flows lab "filter=eth_type(0x86dd)"
t trace lab 1 "505400000002505400000001""86dd6000000000083b40""fe800000000000000000000000000001""fe800000000000000000000000000002""0000000000000000"
t add-flow lab "recirc_id(0),in_port(2),eth(),eth_type(0x86dd),ipv6(frag=no)" "7,recirc(5)"
note "meters: OVS meter syntax, one drop band"
t add-meter lab "meter=1,pktps,burst,stats,bands=type=drop,rate=1000,burst_size=50"
t add-meter lab "meter=2,kbps,bands=type=drop,rate=10000"
t add-meter lab "meter=3,kbps"
t add-meter lab "meter=4000,kbps,bands=type=drop,rate=1"
t add-meter lab "meter=3,kbps,bands=type=dscp_remark,rate=1"
t dump-meters lab
t add-flow lab "recirc_id(0),in_port(7),eth(),eth_type(0x0800),ipv4(frag=no)" "meter(1),2,meter(2),1"
t trace lab 7 "505400000002505400000001080045000020000100004011f9c90a0000010a000002138800350000bd32"
t del-meter lab 2
t del-meter lab 2
t dump-meters lab
note "conntrack: ct() and ct_state matches; trace tracks without storing; the table dumps, counts and flushes as ovs-dpctl's"
t add-flow lab "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)" "ct(commit,zone=5,mark=0x1/0xff),recirc(9)"
t add-flow lab "recirc_id(9),ct_state(+new+trk),ct_zone(5),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)" "1"
t add-flow lab "recirc_id(9),ct_state(+est+trk),ct_zone(5),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)" "7"
t trace lab 2 "505400000002505400000001080045000020000100004011f9c90a0000010a000002138800350000bd32"
t add-flow lab "recirc_id(0),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no)" "ct(commit,nat(src=10.0.0.1)),1"
t add-flow lab "recirc_id(0),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no)" "ct(commit,helper=ftp),1"
t add-flow lab "recirc_id(0),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no)" "ct(mark=0x1),1"
t dump-conntrack lab
t dump-conntrack -s lab zone=5
t ct-stats-show lab
t ct-get-maxconns lab
t flush-conntrack lab zone=5
t flush-conntrack lab zone=70000
t flush-conntrack lab "ct_nw_src=10.1.1.1"
t flush-conntrack lab zone=5 "ct_nw_src=10.1.1.1,ct_nw_dst=10.1.1.2,ct_nw_proto=6,ct_tp_src=40000,ct_tp_dst=80"
t flush-conntrack lab "" "ct_nw_src=10.1.1.2,ct_nw_proto=17"
t flush-conntrack lab "ct_nw_src=10.1.1.1,ct_tp_src=80"
t flush-conntrack lab "ct_nw_src=10.1.1.1" "ct_ipv6_src=fd00::1"
t flush-conntrack lab "ct_nw_src=1" "ct_nw_dst=2" "ct_nw_proto=3"
t dump-conntrack lab "ct_nw_src=10.1.1.1"
note "port names: any character Linux allows, in in_port() and as outputs; an unknown one says so"
t add-if lab sp-5,port_no=5
t add-flow lab "recirc_id(0),in_port(sp-5),eth(),eth_type(0x0806),arp()" "sp-5,clone(sp1)"
t add-flow lab "recirc_id(0),in_port(sp-5),eth(),eth_type(0x86dd),ipv6(frag=no)" "sp-6"
t dump-flows lab "in_port(5)"
t del-flow lab "recirc_id(0),in_port(5),eth(),eth_type(0x0806),arp()"
t del-if lab sp-5
note "nesting: 16 deep as in Linux; deeper is refused while parsing, with the column"
key="recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()"
nest() { python3 -c "import sys; n = int(sys.argv[2]); print(sys.argv[1] * n + '7' + ')' * (n * sys.argv[1].count('(')))" "$1" "$2"; }
t add-flow lab "$key" "$(nest 'clone(' 16)"
t del-flow lab "$key"
t add-flow lab "$key" "$(nest 'clone(' 17)"
t add-flow lab "$key" "$(nest 'clone(' 8000)"
t add-flow lab "$key" "$(nest 'check_pkt_len(size=64,gt(1),le(' 3000)"
t add-flow lab "recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=1),$(nest 'encap(' 8000 | tr -d 7)" "7"
cd "$work"  # the transcript names files relative to it
echo "$key $(nest 'sample(sample=50%,actions(' 8000)" >deep.flows
t add-flows lab deep.flows
t trace --flows deep.flows 1 505400000002505400000001080045000020

note "add-flows: all or nothing; a refusal names FILE:LINE; - reads standard input"
t add-dp big --max-flows 40000
(
  python3 - <<'PY'
flow = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.{}.{}.{},frag=no) drop"
lines = [flow.format(i >> 16 & 255, i >> 8 & 255, i & 255) for i in range(30000)]
for name, bad in {"duplicate": lines[0], "unknown-port": lines[25000].replace("drop", "1"),
                  "malformed": lines[25000].replace("frag=no", "frag=maybe"), "good": lines[25000]}.items():
    with open(f"{name}.flows", "w") as f:
        f.write("\n".join(lines[:25000] + [bad] + lines[25001:]) + "\n")
PY
  t add-flows big duplicate.flows
  t show big
  t add-flows big unknown-port.flows
  t add-flows big malformed.flows
  t show big
  note "(standard input: good.flows)"
  t add-flows big - <good.flows
  t show big
)
t del-dp big

note "show marks a port whose interface is gone (ip link del spgone)"
t add-if lab spgone,port_no=6
ip link del spgone
t show lab
t del-if lab spgone

note "a second datapath: commands must name one; an interface that is a port of one is not taken by the other"
t add-dp other
t add-if other sp1
t add-if other sp1 --force
t add-if other sp1,mode=generic --force
t dump-flows
t show
t del-dp other
note "removal leaves nothing behind"
t del-dp xdp@lab
t show
if [ -e /sys/fs/bpf/ovsxdp ] || [ -n "$(ls -A /run/ovsxdp 2>/dev/null)" ]; then
  echo "LEFT BEHIND: $(ls -R /sys/fs/bpf/ovsxdp /run/ovsxdp 2>&1)" >>"$transcript"
else
  echo "(no pins under /sys/fs/bpf/ovsxdp, no lock files under /run/ovsxdp)" >>"$transcript"
fi
if ip -o link show | grep -q ': oxl'; then
  echo "LEFT BEHIND: loop devices $(ip -o link show | grep -o 'oxl[0-9a-f]*[tr]' | tr '\n' ' ')" >>"$transcript"
else
  echo "(no loop devices left)" >>"$transcript"
fi

# Trace: one packet per action, through a live datapath and standalone.
"$dpctl" add-dp tr sp1,port_no=1 sp2,port_no=2 sp3,port_no=3
"$dpctl" add-flows tr "$src/tests/cli/trace/every_action.flows"
traces=$work/trace.txt
while read -r name hex; do
  echo "# $name" >>"$traces"
  live=$("$dpctl" trace tr 1 "$hex" 2>&1) || live="$live [exit $?]"
  standalone=$("$dpctl" trace --flows "$src/tests/cli/trace/every_action.flows" 1 "$hex" 2>&1) || standalone="$standalone [exit $?]"
  if [ "$live" != "$standalone" ]; then
    echo "FAIL: the two trace forms differ for $name:"; echo "live: $live"; echo "standalone: $standalone"; exit 1
  fi
  echo "$live" >>"$traces"
done < <(/usr/bin/python3 "$src/tests/cli/trace/packets.py")
"$dpctl" del-dp tr

status=0
for pair in "session.txt:dpctl_session.txt" "trace.txt:trace_every_action.txt"; do
  got=$work/${pair%%:*} golden=$src/tests/cli/golden/${pair##*:}
  if [ -n "${UPDATE_GOLDEN:-}" ]; then
    cp "$got" "$golden"; echo "updated $golden"
  elif diff -u "$golden" "$got"; then
    echo "ok: matches $golden ($(wc -l <"$got") lines)"
  else
    echo "FAIL: differs from $golden (UPDATE_GOLDEN=1 rewrites it, after you have checked the diff)"; status=1
  fi
done
exit $status
