#!/usr/bin/python3
"""Prints `NAME HEX` for every packet of the every-action trace cases."""
import logging
logging.getLogger("scapy").setLevel(logging.ERROR)
from scapy.all import ARP, Ether, Dot1Q, ICMP, IP, IPv6, TCP, UDP, Raw, raw
from scapy.layers.sctp import SCTP
from scapy.contrib.mpls import MPLS
from scapy.contrib.nsh import NSH
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr

A, B = "50:54:00:00:00:01", "50:54:00:00:00:02"

def ip4(n, l4=None, ttl=64, payload=b"ovsxdp-trace"):
    pkt = Ether(src=A, dst=B) / IP(src="10.0.0.1", dst="10.0.1.%d" % n, ttl=ttl, id=1)
    if l4 is not None:
        pkt = pkt / l4
    return pkt / Raw(payload)

cases = [
    ("output", ip4(1)),
    ("drop", ip4(2)),
    ("push_vlan", ip4(3)),
    ("pop_vlan", Ether(src=A, dst=B) / Dot1Q(vlan=20) / IP(src="10.0.0.1", dst="10.0.1.4", id=1) / Raw(b"ovsxdp-trace")),
    ("set_eth", ip4(5)),
    ("set_ipv4", ip4(6, TCP(sport=1000, dport=80, flags="S", seq=1))),
    ("set_masked_ipv4", ip4(7, UDP(sport=1000, dport=2000))),
    ("set_ipv6", Ether(src=A, dst=B) / IPv6(src="2001:db8::1", dst="2001:db8::8") / UDP(sport=1000, dport=2000) / Raw(b"ovsxdp-trace")),
    ("set_tcp", ip4(9, TCP(sport=1000, dport=80, flags="PA", seq=1, ack=1))),
    ("set_udp", ip4(10, UDP(sport=1000, dport=2000))),
    ("set_sctp", ip4(11, SCTP(sport=1000, dport=2000))),
    ("set_mpls", Ether(src=A, dst=B) / MPLS(label=100, ttl=64, s=1) / IP(src="10.0.0.1", dst="10.0.1.12", id=1) / Raw(b"ovsxdp-trace")),
    ("set_skb_mark", ip4(13)),
    ("set_skb_priority", ip4(14)),
    ("dec_ttl", ip4(15)),
    ("dec_ttl_le_1", ip4(16, ttl=1)),
    ("trunc", ip4(17, payload=b"x" * 100)),
    ("hash_recirc", ip4(18, TCP(sport=1000, dport=80, flags="S", seq=1))),
    ("push_mpls", ip4(19)),
    ("pop_mpls", Ether(src=A, dst=B) / MPLS(label=200, ttl=64, s=1) / IP(src="10.0.0.1", dst="10.0.1.20", id=1) / Raw(b"ovsxdp-trace")),
    ("add_mpls", ip4(21)),
    ("pop_push_eth", ip4(22)),
    ("recirc_matches_skb_mark", ip4(23)),
    ("userspace", ip4(24)),
    ("ct_clear", ip4(25)),
    ("recirculation_limit", ip4(26)),
    ("set_arp", Ether(src=A, dst=B) / ARP(op=1, hwsrc=A, psrc="10.0.0.1", pdst="10.0.1.27")),
    ("set_nd", Ether(src=A, dst=B) / IPv6(src="fe80::1", dst="ff02::1:ff00:28", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::28")
     / ICMPv6NDOptSrcLLAddr(lladdr=A)),
    ("set_icmp", ip4(29, ICMP(type=8, id=1, seq=1))),
    ("set_icmpv6", Ether(src=A, dst=B) / IPv6(src="2001:db8::1", dst="2001:db8::30") / ICMPv6EchoRequest(id=1, seq=1) / Raw(b"ovsxdp-trace")),
    ("push_nsh", ip4(31)),
    ("pop_nsh", Ether(src=A, dst=B) / NSH(mdtype=1, nextproto=3, spi=0x100, si=254) / ip4(32)),
    ("miss", ip4(99)),
]
for name, pkt in cases:
    print(name, raw(pkt).hex())
