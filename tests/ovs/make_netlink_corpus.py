#!/usr/bin/python3
"""Writes tests/ovs/netlink_corpus.tsv, the flows and action lists of the
netlink differential test (tests/ovs/netlink_diff.sh): every metadata x
Ethernet x L3/L4 combination below, plus refusals ovsxdp must make.
  make_netlink_corpus.py > tests/ovs/netlink_corpus.tsv"""
import itertools
import sys
meta = ["in_port(1)", "recirc_id(0),in_port(2)", "recirc_id(0x7),dp_hash(0x5/0xf),in_port(3)",
        "skb_priority(0x3),skb_mark(0x10/0xff),in_port(4)"]
eths = ["eth()", "eth(src=00:01:02:03:04:05,dst=0a:0b:0c:0d:0e:0f)", "eth(src=00:01:02:03:04:05/ff:ff:ff:00:00:00,dst=01:00:00:00:00:00/01:00:00:00:00:00)"]
l3 = [
 "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=80,dst=8080),tcp_flags(0/0)",
 "eth_type(0x0800),ipv4(src=10.0.0.0/255.0.0.0,proto=6,frag=no),tcp(dst=22),tcp_flags(syn|ack)",
 "eth_type(0x0800),ipv4(proto=17,frag=no),udp(src=53/0xff00)",
 "eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)",
 "eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=1,dst=2)",
 "eth_type(0x0800),ipv4(tos=0x4/0xfc,frag=later)",
 "eth_type(0x0800),ipv4(proto=6,frag=first),tcp(src=1),tcp_flags(0/0)",
 "eth_type(0x86dd),ipv6(src=fe80::1,dst=::/::,label=0x12345,proto=6,tclass=0,hlimit=64,frag=no),tcp(src=443),tcp_flags(0x2/0x2)",
 "eth_type(0x86dd),ipv6(dst=2001:db8::/ffff:ffff::,proto=17,frag=no),udp(dst=4789)",
 "eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=128,code=0)",
 "eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2,sll=00:00:00:00:00:02)",
 "eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=136,code=0),nd(target=fe80::3,tll=00:00:00:00:00:03)",
 "eth_type(0x0806),arp(sip=1.1.1.1,tip=2.2.2.2,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)",
 "eth_type(0x0806),arp(tip=10.0.0.0/255.0.0.0,op=2)",
 "eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=1)",
 "eth_type(0x8848),mpls(label=5/0xfffff,tc=0/0,ttl=0/0,bos=1/1)",
 "eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=1.2.3.4,proto=1,frag=no),icmp(type=8,code=0))",
 "eth_type(0x8100),vlan(vid=10/0xfff,pcp=0/0),encap(eth_type(0x86dd),ipv6(proto=17,frag=no),udp(src=1))",
 "eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(proto=17,frag=no),udp(dst=2)))",
 "eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()",
 "eth_type(0x1234)",
]
keys = [f"{m},{e},{l}" for m, e, l in itertools.product(meta, eths, l3)]
keys += [
 "recirc_id(0x1),in_port(6),eth_type(0x0800),ipv4(src=10.1.1.1/0.0.0.0,dst=10.1.1.2/0.0.0.0,proto=1/0,tos=0/0,ttl=64/0,frag=no),icmp(type=8/0,code=0/0)",
 "in_port(4),eth_type(0x0800),ipv4(src=1.1.1.1,frag=no)",
]
# Conntrack matches: what ct() writes into the key for the lookup after recirc.
keys += [
 "recirc_id(0x1),ct_state(+trk),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
 "recirc_id(0x1),ct_state(+new+trk-inv),ct_zone(0x5),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
 "recirc_id(0x2),ct_state(+est+rpl+trk),ct_mark(0x1/0xff),in_port(2),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)",
 "recirc_id(0x2),ct_state(+trk),ct_label(0x1/0xff),in_port(2),eth(),eth_type(0x86dd),ipv6(frag=no)",
 "recirc_id(0x3),ct_state(+est+trk),ct_zone(0x7),ct_mark(0x2a),ct_tuple4(src=10.0.0.1,dst=10.0.0.2,proto=6,tp_src=40000,tp_dst=80),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
 "recirc_id(0x3),ct_state(+est+trk),ct_tuple6(src=fd00::1,dst=fd00::2,proto=17,tp_src=5000,tp_dst=53),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)",
 "recirc_id(0x4),ct_state(-trk),in_port(1),eth(),eth_type(0x0806),arp()",
]
refused_keys = [
 "recirc_id(0x1),ct_state(+snat+trk),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
 "tunnel(tun_id=0x1,dst=1.1.1.1),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
]
acts = ["1", "drop", "1,2,3", "push_vlan(vid=5,pcp=0),2", "pop_vlan,1", "push_vlan(tpid=0x88a8,vid=100,pcp=1),push_vlan(vid=10,pcp=0),3",
 "set(eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02)),1", "set(ipv4(src=1.2.3.4,dst=5.6.7.8,proto=6,tos=0,ttl=9,frag=no)),1",
 "set(tcp(src=1/0xff)),1", "set(udp(dst=53)),2",
 "set(skb_mark(0x5)),1", "set(skb_priority(0x1)),1", "clone(1),2", "clone(push_vlan(vid=7,pcp=0),1),pop_vlan,2",
 "sample(sample=50.0%,actions(2))", "check_pkt_len(size=100,gt(1),le(2))", "userspace(pid=3,userdata(01020304))", "meter(1),1",
 "trunc(100),1", "recirc(5)",
 "add_mpls(label=7,tc=0,ttl=64,bos=0,eth_type=0x8847),1",
 "set(mpls(label=9,tc=0,ttl=3,bos=1)),1",
 "set(arp(sip=1.1.1.1,tip=2.2.2.2,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)),1",
 "set(icmp(type=0,code=0)),1", "set(nd(target=fe80::1,sll=00:00:00:00:00:01,tll=00:00:00:00:00:00)),1", "ct_clear,1",
 "userspace(pid=4,controller(reason=1,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535))",
 "set(ipv4(ttl=63)),clone(set(eth(dst=00:00:00:00:00:09)),1),2",
 "ct(commit),1", "ct(zone=5),recirc(2)", "ct(commit,zone=5,mark=0x1/0xff,label=0x1/0xff),recirc(1)", "ct(force_commit,mark=0x2a/0xffffffff)",
 "ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,random)),1", "ct(nat),recirc(3)", "ct(commit,nat(dst=[fd00::1]:80)),1",
]
refused_acts = ["set(ipv4(src=1.2.3.4/255.255.255.0)),1", "set(ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=1,frag=no)),1", "lb_output(1)", "tnl_pop(1)", "set(tunnel(tun_id=0x5,dst=1.1.1.1,ttl=64,flags(df|key))),1"]
# OVS 3.1's odp_actions_from_string cannot parse pop_mpls, push_mpls, pop_eth,
# push_eth, hash, dec_ttl, pop_nsh or slow_path text, so those are tested by
# tests/unit/test_netlink_actions.cpp only. Linux refuses a masked set whose
# value has bits outside its mask and a set of IPv6 proto/frag; so does ovsxdp.
out = sys.stdout
out.write("# kind<TAB>text<TAB>expect: same (OVS reads ovsxdp's netlink as its own) or refused (OVS accepts it, ovsxdp refuses it)\n")
out.write("# Written by tests/ovs/make_netlink_corpus.py\n")
for k in keys:
    out.write(f"key\t{k}\tsame\n")
for k in refused_keys:
    out.write(f"key\t{k}\trefused\n")
for a in acts:
    out.write(f"actions\t{a}\tsame\n")
for a in refused_acts:
    out.write(f"actions\t{a}\trefused\n")
