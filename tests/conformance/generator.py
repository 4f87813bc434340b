"""Random valid flows and packets for the differential conformance run.

A random packet (Ethernet, 0 to 2 VLAN tags, IPv4/IPv6/ARP/MPLS, TCP/UDP/SCTP/
ICMP) gets its exact flow key from ovsxdp's own parser (`ovsxdp-dpctl
parse-pcap -m`). Fields are then wildcarded or masked at random, the packet is
sometimes changed so the flow no longer matches, and a random action list
that the flow allows (set fields, VLAN push/pop, trunc, ct_clear, userspace)
ends in an output. The same seed gives the same cases.
"""
import os
import random
import re
import subprocess
import tempfile

from corpus import Case, PAYLOAD
from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, IPv6, Raw, SCTP, TCP, UDP, raw, wrpcap
from scapy.contrib.mpls import MPLS

MACS = ["50:54:00:00:00:01", "50:54:00:00:00:02", "02:00:00:00:00:03", "ff:ff:ff:ff:ff:ff"]
V4 = ["10.0.0.1", "10.0.0.2", "10.0.1.7", "192.168.5.9"]
V6 = ["2001:db8::1", "2001:db8::2", "2001:db8:1::9", "fe80::1"]


def random_packet(r):
    pkt = Ether(src=r.choice(MACS[:3]), dst=r.choice(MACS))
    tags = r.choice([0, 0, 0, 1, 1, 2])
    kind = r.choice(["ipv4", "ipv4", "ipv6", "ipv6", "arp", "mpls"])
    if tags == 2:
        pkt = pkt / Dot1Q(vlan=r.choice([100, 200]), prio=r.randrange(8), type=0x8100) / Dot1Q(vlan=r.choice([10, 20]), prio=r.randrange(8))
    elif tags == 1:
        pkt = pkt / Dot1Q(vlan=r.choice([10, 20, 30]), prio=r.randrange(8))
    if kind == "arp":
        pkt = pkt / ARP(op=r.choice([1, 2]), psrc=r.choice(V4), pdst=r.choice(V4), hwsrc=r.choice(MACS[:3]), hwdst=r.choice(MACS))
    else:
        l3 = (IP(src=r.choice(V4), dst=r.choice(V4), tos=r.choice([0, 0x10, 0xb8]), ttl=r.choice([1, 2, 64, 255]), id=r.randrange(65536))
              if kind in ("ipv4", "mpls") else
              IPv6(src=r.choice(V6), dst=r.choice(V6), tc=r.choice([0, 0x20]), fl=r.choice([0, 0x12345]), hlim=r.choice([1, 64])))
        l4 = r.choice(["tcp", "udp", "udp", "sctp", "icmp"])
        if l4 == "tcp":
            l4p = TCP(sport=r.choice([80, 1000, 40000]), dport=r.choice([22, 80, 443]), flags=r.choice(["S", "SA", "PA", "F"]))
        elif l4 == "udp":
            l4p = UDP(sport=r.choice([53, 1000, 5353]), dport=r.choice([53, 2000]))
        elif l4 == "sctp":
            l4p = SCTP(sport=r.choice([7, 9]), dport=r.choice([8, 10]))
        else:
            l4p = ICMP(type=r.choice([0, 8, 3]), code=0) if kind != "ipv6" else UDP(sport=1, dport=2)
        body = l3 / l4p / Raw(b"r" * r.randrange(0, 40))
        if kind == "mpls":
            pkt = pkt / MPLS(label=r.choice([100, 200]), cos=r.randrange(8), ttl=r.choice([1, 64]), s=1) / body
        else:
            pkt = pkt / body
    frame = raw(pkt)
    if tags == 2:
        frame = frame[:12] + b"\x88\xa8" + frame[14:]
    return frame


# Attributes whose fields may be wildcarded or masked, and how.
FIELD = re.compile(r"(\w+)=([^,()]+)")
MASKABLE = {"eth": {"src", "dst"}, "ipv4": {"src", "dst", "tos", "ttl"}, "ipv6": {"src", "dst", "label", "tclass", "hlimit"},
            "tcp": {"src", "dst"}, "udp": {"src", "dst"}, "sctp": {"src", "dst"}, "icmp": {"type", "code"},
            "arp": {"sip", "tip", "op", "sha", "tha"}, "vlan": {"pcp"}}
DROP_ATTRS = ("dp_hash", "skb_priority", "skb_mark", "ct_state", "ct_zone", "ct_mark", "ct_label")
# Attributes Linux requires whenever the packet has them: wildcarded, not dropped.
WILDCARD_ATTRS = {"tcp_flags": "tcp_flags(0/0)", "nd": "nd()", "icmpv6": "icmpv6()"}


def partial_mask(name, value, r):
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        return "%s/255.255.%s" % (value, r.choice(["255.0", "0.0"]))
    if ":" in value and len(value) == 17:  # MAC
        return "%s/ff:ff:ff:00:00:00" % value
    if ":" in value:  # IPv6
        return "%s/ffff:ffff::" % value
    if name in ("frag",):
        return value
    try:
        v = int(value, 0)
    except ValueError:
        return value
    return "%#x/%#x" % (v & 0xf0, 0xf0)


def randomize_key(key, r):
    """Wildcards and masks fields; keeps what the key must say exactly."""
    out = []
    depth = 0
    i = 0
    # Split at top-level-or-encap commas: walk attributes name(...).
    parts, buf, level = [], "", 0
    for ch in key:
        if ch == "," and level == 0:
            parts.append(buf)
            buf = ""
            continue
        level += ch == "("
        level -= ch == ")"
        buf += ch
    parts.append(buf)
    del depth, i

    def attr(text):
        name = text.split("(", 1)[0]
        if name in DROP_ATTRS:
            return None
        if name in WILDCARD_ATTRS:
            return WILDCARD_ATTRS[name]
        if name == "encap":
            inner, lvl, b = [], 0, ""
            for ch in text[6:-1]:
                if ch == "," and lvl == 0:
                    inner.append(b)
                    b = ""
                    continue
                lvl += ch == "("
                lvl -= ch == ")"
                b += ch
            inner.append(b)
            return "encap(" + ",".join(x for x in (attr(p) for p in inner) if x is not None) + ")"
        if name not in MASKABLE:
            return text
        fields = []
        for f, v in FIELD.findall(text[len(name) + 1:-1]):
            if f in MASKABLE[name]:
                roll = r.random()
                if roll < 0.35:
                    continue  # wildcard
                if roll < 0.55 and f != "pcp":  # a 3-bit field: exact or wildcarded
                    v = partial_mask(f, v, r)
            fields.append("%s=%s" % (f, v))
        return "%s(%s)" % (name, ",".join(fields))

    return ",".join(x for x in (attr(p) for p in parts) if x is not None)


def random_actions(r, key, tags):
    acts = []
    is4 = "eth_type(0x0800)" in key.replace("encap(eth_type(0x0800)", "eth_type(0x0800)")
    is6 = "eth_type(0x86dd)" in key
    is_arp = "eth_type(0x0806)" in key
    proto = re.search(r"proto=(\d+)[,)]", key)
    proto = int(proto.group(1)) if proto else None
    for _ in range(r.randrange(0, 4)):
        choice = r.choice(["eth", "eth", "ip", "ip", "l4", "push", "pop", "ct_clear", "userspace"])
        if choice == "eth":
            acts.append("set(eth(%s=02:00:00:00:00:%02x))" % (r.choice(["src", "dst"]), r.randrange(256)))
        elif choice == "ip" and is4:
            acts.append(r.choice(["set(ipv4(src=172.16.%d.1))" % r.randrange(256), "set(ipv4(dst=172.17.0.%d))" % r.randrange(256),
                                  "set(ipv4(tos=0x%x/0xfc))" % (r.randrange(64) << 2), "set(ipv4(ttl=%d))" % r.randrange(1, 256),
                                  "set(ipv4(src=10.9.0.0/255.255.0.0))"]))
        elif choice == "ip" and is6:
            acts.append(r.choice(["set(ipv6(src=2001:db8::%x))" % r.randrange(1, 65536), "set(ipv6(dst=2001:db8:9::1))",
                                  "set(ipv6(label=0x%x))" % r.randrange(1 << 20), "set(ipv6(hlimit=%d))" % r.randrange(256),
                                  "set(ipv6(tclass=0x%x))" % r.randrange(256)]))
        elif choice == "ip" and is_arp:  # beyond Linux: OVS userspace executes it
            acts.append(r.choice(["set(arp(sip=10.7.0.%d,tip=10.8.0.1,op=%d,sha=02:00:00:00:00:%02x,tha=00:00:00:00:00:00))"
                                  % (r.randrange(256), r.choice([1, 2]), r.randrange(256)),
                                  "set(arp(tip=10.9.0.0/255.255.0.0))", "set(arp(op=%d))" % r.choice([1, 2, 3, 4]),
                                  "set(arp(tha=00:00:00:00:00:%02x/00:00:00:00:00:ff))" % r.randrange(256)]))
        elif choice == "l4" and proto == 1 and is4:  # unmasked only: OVS 3.1 aborts on a masked set(icmp)
            acts.append("set(icmp(type=%d,code=%d))" % (r.choice([0, 3, 8, 11]), r.randrange(4)))
        elif choice == "l4" and proto in (6, 17, 132) and (is4 or is6):
            name = {6: "tcp", 17: "udp", 132: "sctp"}[proto]
            acts.append("set(%s(%s=%d))" % (name, r.choice(["src", "dst"]), r.randrange(65536)))
        elif choice == "push" and tags < 2:
            acts.append("push_vlan(%svid=%d,pcp=%d)" % (r.choice(["", "tpid=0x88a8,"]), r.randrange(1, 4095), r.randrange(8)))
            tags += 1
        elif choice == "pop" and tags > 0:
            acts.append("pop_vlan")
            tags -= 1
        elif choice == "ct_clear":
            acts.append("ct_clear")
        elif choice == "userspace":
            acts.append("userspace(pid=%d)" % r.randrange(1, 100))
    # trunc of a tagged packet is a documented difference (Linux counts without
    # the outer tag, OVS userspace with it): the corpus covers it with Linux's
    # expected bytes, so random cases trunc untagged packets only.
    if r.random() < 0.2 and tags == 0:
        acts.append("trunc(%d)" % r.choice([14, 40, 60, 200]))
    acts.append(str(r.choice([1, 2, 3, 4])))
    return ",".join(acts)


def perturb(frame, r):
    """Changes one address, port or tag so the flow may no longer match.
    Lengths and checksums stay right: a frame whose IP length disagrees with
    its size is a documented Linux-vs-userspace difference, not a bug."""
    p = Ether(frame)
    choices = [("src", Ether), ("dst", Ether)]
    for layer, fields in ((Dot1Q, ("vlan",)), (IP, ("src", "dst", "tos")), (IPv6, ("src", "dst", "fl")), (TCP, ("sport", "dport")),
                          (UDP, ("sport", "dport")), (SCTP, ("sport", "dport")), (ARP, ("psrc", "pdst"))):
        if layer in p:
            choices += [(f, layer) for f in fields]
    field, layer = r.choice(choices)
    value = {"src": None, "dst": None}.get(field)
    if layer is Ether:
        value = "02:00:00:00:00:%02x" % r.randrange(256)
    elif layer is IP or layer is ARP:
        value = "10.%d.%d.%d" % (r.randrange(256), r.randrange(256), r.randrange(256)) if field != "tos" else r.randrange(256)
    elif layer is IPv6:
        value = "2001:db8::%x" % r.randrange(1, 65536) if field != "fl" else r.randrange(1 << 20)
    elif layer is Dot1Q:
        value = r.randrange(1, 4095)
    else:
        value = r.randrange(65536)
    setattr(p[layer], field, value)
    for l4 in (TCP, UDP, SCTP, IP):
        if l4 in p:
            del p[l4].chksum
    out = raw(p)
    if frame[12:14] == b"\x88\xa8":
        out = out[:12] + b"\x88\xa8" + out[14:]
    return out


def random_cases(dpctl, n, seed):
    r = random.Random(seed)
    frames = [random_packet(r) for _ in range(n)]
    with tempfile.TemporaryDirectory(prefix="ovsxdp-random-") as d:
        pcap = os.path.join(d, "p.pcap")
        wrpcap(pcap, [Ether(f) for f in frames])
        keys = subprocess.run([dpctl, "parse-pcap", pcap, "--in-port", "1", "-m"], capture_output=True, text=True, check=True).stdout.splitlines()
    cases = []
    for i, (frame, key) in enumerate(zip(frames, keys)):
        if key.startswith("(no key"):
            continue
        flow_key = randomize_key(key, r)
        tags = flow_key.count("vlan(")
        actions = random_actions(r, flow_key, tags)
        packet = perturb(frame, r) if r.random() < 0.25 else frame
        cases.append(Case("random %d (seed %d)" % (i, seed), 1, packet, flows=[(flow_key, actions)]))
    return cases
