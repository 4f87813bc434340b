#!/usr/bin/python3
"""ovsxdp-dpctl against Open vSwitch 3.1, byte for byte.

1. Flows copied from Open vSwitch's own documentation of the datapath flow
   syntax (the valid forms in its tests/odp.at, which the ovs-dpctl manual
   points to) install in both, unchanged, and send the same packets out of
   the same ports.
2. A real Open vSwitch dump: OpenFlow rules make OVS's slow path install
   datapath flows; `dpctl/dump-flows -m` lines, unchanged, install in ovsxdp
   (`trace --flows`), and every packet leaves ovsxdp exactly as it left OVS.

ovsxdp runs in a network and mount namespace of its own; Open vSwitch runs
with the userspace dummy datapath in a private directory (tests/oracle).
Usage: test_dpctl_vs_ovs.py DPCTL SOURCE_DIR
"""
import logging
import os
import subprocess
import sys
import tempfile

dpctl, src = sys.argv[1], sys.argv[2]
if os.geteuid() != 0:
    print("SKIP: needs root (namespaces, BPF)")
    sys.exit(1 if os.environ.get("CI") == "true" else 77)
if not os.environ.get("OVSXDP_IN_OVS_NS"):
    os.environ["OVSXDP_IN_OVS_NS"] = "1"
    os.execvp("unshare", ["unshare", "--net", "--mount", sys.executable] + sys.argv)

sys.path.insert(0, os.path.join(src, "tests", "oracle"))
logging.getLogger("scapy").setLevel(logging.ERROR)
from ovs_oracle import OvsOracle, OvsError, trace_outputs, tx_outputs  # noqa: E402
from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, IPv6, Raw, TCP, UDP, raw  # noqa: E402
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr  # noqa: E402

PORTS = [1, 2, 3, 4]


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def setup_namespace():
    sh("mount", "--make-rprivate", "/")
    sh("mount", "-t", "bpf", "bpf", "/sys/fs/bpf")
    sh("mount", "-t", "tmpfs", "tmpfs", "/run")
    sh("ip", "link", "set", "lo", "up")
    for p in PORTS:
        sh("ip", "link", "add", "x%d" % p, "type", "veth", "peer", "name", "x%dp" % p)


def dp(*args, check=True):
    r = subprocess.run([dpctl] + list(args), capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("ovsxdp-dpctl %s -> %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r


def ovs_outputs(o):
    return tx_outputs(o, PORTS)


A, B = "00:01:02:03:04:05", "10:11:12:13:14:15"


def eth():
    return Ether(src=A, dst=B)


# (key as Open vSwitch documents it, actions as it documents them, packet).
# Keys: tests/odp.at "datapath key parsing and formatting - valid forms" and
# "wildcarded key ... valid forms"; actions: its "actions ... valid forms".
# recirc_id(0) is added in front: the userspace datapath requires it.
DOC_CASES = [
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
     "set(ipv4(tos=0x80/0xfc)),2",
     eth() / IP(src="35.8.2.41", dst="172.16.0.20", tos=0, ttl=128, id=7) / TCP(sport=80, dport=8080) / Raw(b"doc")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81,dst=6632)",
     "set(udp(dst=6633)),3",
     eth() / IP(src="35.8.2.41", dst="172.16.0.20", ttl=128, id=7) / UDP(sport=81, dport=6632) / Raw(b"doc")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=1,tos=0,ttl=128,frag=no),icmp(type=1,code=2)",
     "push_vlan(vid=12,pcp=0),2",
     eth() / IP(src="35.8.2.41", dst="172.16.0.20", ttl=128, id=7) / ICMP(type=1, code=2) / Raw(b"doc")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
     "set(tcp(dst=8080)),set(ipv6(label=0)),4",
     eth() / IPv6(src="::1", dst="::2", hlim=128) / TCP(sport=80, dport=8080) / Raw(b"doc")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=17,tclass=0,hlimit=128,frag=no),udp(src=6630,dst=22)",
     "set(ipv6(src=::1,dst=::2)),set(udp(src=81)),2",
     eth() / IPv6(src="::1", dst="::2", hlim=128) / UDP(sport=6630, dport=22) / Raw(b"doc")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)",
     "3",
     eth() / IPv6(src="::1", dst="::2", hlim=128) / ICMPv6ND_NA(tgt="::3", R=0, S=0, O=0)
     / ICMPv6NDOptDstLLAddr(lladdr="00:0a:0b:0c:0d:0e")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)",
     "set(eth(src=00:01:02:03:04:05,dst=10:11:12:00:00:00/ff:ff:ff:00:00:00)),push_vlan(vid=12,pcp=0),2",
     eth() / ARP(op=1, psrc="1.2.3.4", pdst="5.6.7.8", hwsrc="00:0f:10:11:12:13", hwdst="00:14:15:16:17:18")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20/255.255.255.0,proto=5/0xf0,tos=0x80/0xf0,ttl=128/0xf0,frag=no)",
     "set(ipv4(src=35.8.2.0/255.255.255.0,tos=0x80,ttl=128)),4",  # the documented form, made valid for Linux (see below)
     eth() / IP(src="35.8.2.99", dst="172.16.0.1", proto=5, tos=0x84, ttl=130, id=7) / Raw(b"doc-proto-5")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80/0xff00,dst=8080/0xff),tcp_flags(0/0)",
     "set(tcp(src=80,dst=8080)),trunc(100),2",
     eth() / IP(src="35.8.2.41", dst="172.16.0.20", ttl=128, id=7) / TCP(sport=0x77, dport=0x1f00 | (8080 & 0xff)) / Raw(b"d" * 120)),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1/::255,dst=::2/::255,label=0/0xf0,proto=10/0xf0,tclass=0x70/0xf0,hlimit=128/0xf0,frag=no)",
     "set(ipv6(src=::1,dst=::2)),3",
     eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", nh=10, tc=0x71, hlim=129, fl=0x5) / Raw(b"doc-nh-10")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8100),vlan(vid=99,pcp=7),encap(eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81,dst=6632))",
     "pop_vlan,ct_clear,2",
     eth() / Dot1Q(vlan=99, prio=7) / IP(src="35.8.2.41", dst="172.16.0.20", ttl=128, id=7) / UDP(sport=81, dport=6632) / Raw(b"doc")),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81,dst=6632)",
     "userspace(pid=1234567,userdata(0102030405060708090a0b0c0d0e0f),tunnel_out_port=10),set(udp(src=81,dst=6632)),2",
     eth() / IP(src="35.8.2.41", dst="172.16.0.20", ttl=128, id=7) / UDP(sport=81, dport=6632) / Raw(b"doc")),
]

# Documented forms the Linux datapath refuses (OVS's userspace datapath takes
# them): ovsxdp follows Linux and says why.
LINUX_REFUSES = [
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
     "set(tcp(src=80/0xff00,dst=8080)),4", "value bits outside the mask"),  # Linux validate_masked()
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
     "set(ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no)),2", "must repeat the flow's proto (6)"),  # validate_set()
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
     "set(ipv6(label=0/0xfff,proto=10,tclass=0x70/0x70)),4", "proto and frag cannot be written"),  # masked set naming proto
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
     "set(ipv4(src=35.8.2.41/255.255.255.0,tos=0x80,ttl=128,frag=no)),4", "value bits outside the mask"),  # and frag named
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)",
     "set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15/ff:ff:ff:00:00:00)),2", "value bits outside the mask"),
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)",
     "push_vlan(tpid=0x9100,vid=13,pcp=5),2", "tpid must be 0x8100 or 0x88a8"),  # eth_type_vlan()
    ("in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)",
     "push_vlan(vid=13,pcp=5,cfi=0),2", "present bit"),  # VLAN_CFI_MASK required
]

# OpenFlow rules whose translations become the datapath flows of a real dump.
OPENFLOW_RULES = """\
in_port=1,ip,nw_dst=10.0.0.2,actions=mod_vlan_vid:10,output:2
in_port=2,dl_vlan=10,actions=strip_vlan,output:1
in_port=1,ip,nw_dst=10.0.0.100,actions=mod_nw_dst:10.0.0.3,mod_dl_dst:02:00:00:00:0c:01,output:3
in_port=3,tcp,nw_src=10.0.0.3,actions=mod_nw_src:10.0.0.100,mod_tp_src:8080,output:1
in_port=1,udp,nw_dst=10.0.0.4,actions=dec_ttl,mod_tp_dst:53,mod_nw_tos:0x20,output:4
in_port=1,tcp,nw_dst=10.0.0.5,actions=push_mpls:0x8847,set_field:100->mpls_label,output:4
in_port=4,mpls,actions=pop_mpls:0x0800,output:1
in_port=1,ipv6,actions=set_field:2001:db8::99->ipv6_src,dec_ttl,output:2
in_port=1,arp,actions=output:2
"""


def dump_packets():
    a, b, c, v = "02:00:00:00:0a:01", "02:00:00:00:0b:01", "02:00:00:00:0c:01", "02:00:00:00:01:00"
    return [
        (1, Ether(src=a, dst=b) / IP(src="10.0.0.1", dst="10.0.0.2", id=3) / TCP(sport=1000, dport=80, flags="S") / Raw(b"dump")),
        (2, Ether(src=b, dst=a) / Dot1Q(vlan=10) / IP(src="10.0.0.2", dst="10.0.0.1", id=3) / TCP(sport=80, dport=1000, flags="SA") / Raw(b"dump")),
        (1, Ether(src=a, dst=v) / IP(src="10.0.0.1", dst="10.0.0.100", id=3) / UDP(sport=1000, dport=7) / Raw(b"dump")),
        (3, Ether(src=c, dst=a) / IP(src="10.0.0.3", dst="10.0.0.1", id=3) / TCP(sport=7, dport=1000, flags="PA") / Raw(b"dump")),
        (1, Ether(src=a, dst=v) / IP(src="10.0.0.1", dst="10.0.0.4", id=3, ttl=9) / UDP(sport=1000, dport=7) / Raw(b"dump")),
        (1, Ether(src=a, dst=v) / IP(src="10.0.0.1", dst="10.0.0.5", id=3) / TCP(sport=1000, dport=7) / Raw(b"dump")),
        (4, Ether(src=v, dst=a, type=0x8847) / Raw(bytes.fromhex("00064140")) / IP(src="10.0.0.5", dst="10.0.0.1", id=3) / Raw(b"dump")),
        (1, Ether(src=a, dst=b) / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=5) / UDP(sport=1, dport=2) / Raw(b"dump")),
        (1, Ether(src=a, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc="10.0.0.1", pdst="10.0.0.2", hwsrc=a)),
    ]


failures = []


def compare(what, expected, got, detail=""):
    if expected == got:
        print("ok: %s" % what)
    else:
        failures.append(what)
        print("FAIL: %s%s\n  Open vSwitch: %s\n  ovsxdp:       %s" % (what, detail, expected, got))


def main():
    setup_namespace()
    with tempfile.TemporaryDirectory(prefix="ovsxdp-vs-ovs-") as work:
        return compare_all(work)


def compare_all(work):
    dp("add-dp", "ref", *["x%d,port_no=%d" % (p, p) for p in PORTS])
    installed = 0
    with OvsOracle(ports={"p%d" % p: p for p in PORTS}) as o:
        for p in PORTS:
            if o.dp_ports.get("p%d" % p) != p:
                raise OvsError("OVS gave p%d datapath port %s" % (p, o.dp_ports.get("p%d" % p)))
        # 1. Documentation flows, one at a time in both.
        for key, actions, pkt in DOC_CASES:
            key = "recirc_id(0)," + key
            o.flush()
            o.clear_tx()
            o.add_dp_flow(key, actions)
            o.inject("p1", raw(pkt).hex())
            expected = ovs_outputs(o)
            dp("del-flows", "ref")
            dp("add-flow", "ref", key, actions)
            installed += 1
            got = trace_outputs(dp("trace", "ref", "1", raw(pkt).hex()).stdout)
            compare("documented flow %s / %s" % (key[:60] + "...", actions), expected, got)
        for key, actions, why in LINUX_REFUSES:
            r = dp("add-flow", "ref", "recirc_id(0)," + key, actions, check=False)
            ok = r.returncode == 2 and why in r.stderr
            print("%s: refused as Linux refuses it: %s" % ("ok" if ok else "FAIL", r.stderr.strip() or "accepted"))
            if not ok:
                failures.append("Linux-refused form " + actions)
        o.flush()
        # 2. A real dump, from OpenFlow rules through OVS's slow path.
        rules = os.path.join(work, "rules.txt")
        with open(rules, "w") as f:
            f.write(OPENFLOW_RULES)
        o.ofctl("-O", "OpenFlow13", "add-flows", "br0", rules)
        o.settle()
        o.clear_tx()
        first, second = [], []
        for port, pkt in dump_packets():
            o.inject("p%d" % port, raw(pkt).hex())  # slow path: installs the datapath flow
            first.append(ovs_outputs(o))
            o.inject("p%d" % port, raw(pkt).hex())  # fast path: through that flow
            second.append(ovs_outputs(o))
        dump = o.dump_flows(verbose=True)
    dump_file = os.path.join(work, "ovs-dump.txt")
    with open(dump_file, "w") as f:
        f.write("\n".join(dump) + "\n")
    print("Open vSwitch installed %d datapath flows; its dump -m goes to ovsxdp unchanged:" % len(dump))
    for line in dump:
        print("  " + line)
    if len(dump) < len(dump_packets()) - 1:
        failures.append("the OpenFlow rules produced only %d datapath flows" % len(dump))
    for i, (port, pkt) in enumerate(dump_packets()):
        compare("packet %d: OVS's slow path and its datapath flow agree" % i, first[i], second[i])
        r = dp("trace", "--flows", dump_file, str(port), raw(pkt).hex(), check=False)
        if r.returncode:
            compare("packet %d through ovsxdp with OVS's dump" % i, second[i], "error: " + r.stderr.strip())
        else:
            compare("packet %d through ovsxdp with OVS's dump" % i, second[i], trace_outputs(r.stdout))
    dp("del-dp", "ref")
    print("%d documented flows installed in both, %d packets of a real dump compared; %d failures"
          % (installed, len(dump_packets()), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
