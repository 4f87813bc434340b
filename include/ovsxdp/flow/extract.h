// Flow key extraction: the packet-derived part of the OVS flow key, as Linux
// net/openvswitch/flow.c key_extract() computes it. Compiles for BPF and host.
#pragma once

#include "ovsxdp/proto/arp.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/ipv4.h"
#include "ovsxdp/proto/ipv6.h"
#include "ovsxdp/proto/mpls.h"
#include "ovsxdp/proto/transport.h"
#include "ovsxdp/proto/vlan.h"

namespace ovsxdp::flow {

enum class extract_status : u32 {
  ok = 0,
  runt = 1,              // shorter than an Ethernet header: Linux drops it
  vlan_on_l3_packet = 2, // L3 packet (after pop_eth) claiming a VLAN ethertype: Linux drops it
};

// Rewrites the packet-derived fields of `key` from `frame`. Metadata (words
// 0-2, conntrack, tunnel) is left as the caller set it, so the same call
// serves the first extraction and re-extraction after recirculation. For an
// L3 packet (mac_proto == OVSXDP_MAC_NONE) eth_type must already hold the
// packet's ethertype.
OVSXDP_INLINE extract_status extract(frame_bytes frame, ovsxdp_flow_key& key) {
  const cursor c(frame);
  const u8 mac_proto = key.mac_proto;
  const be16 l3_type = key.eth_type;
  __builtin_memset(reinterpret_cast<u8*>(&key) + OVSXDP_FLOW_KEY_PACKET_OFFSET, 0,
                   OVSXDP_FLOW_KEY_PACKET_END - OVSXDP_FLOW_KEY_PACKET_OFFSET);
  key.mac_proto = mac_proto;

  u32 l3 = 0;
  if (mac_proto == OVSXDP_MAC_NONE) {
    if (vlan::is_tpid(l3_type)) return extract_status::vlan_on_l3_packet;
    key.eth_type = l3_type;
  } else {
    const ethernet::header* eth = c.at<ethernet::header>(0);
    if (!eth) return extract_status::runt;
    __builtin_memcpy(key.eth_src, eth->src, 6);
    __builtin_memcpy(key.eth_dst, eth->dst, 6);
    u32 offset = 2 * ethernet::kAddressLength;
    if (vlan::parse_tag(c, offset, key.vlan_tpid, key.vlan_tci))
      vlan::parse_tag(c, offset, key.cvlan_tpid, key.cvlan_tci);
    key.eth_type = ethernet::parse_ethertype(c, offset, l3);
  }

  const u16 type = ntoh16(key.eth_type);
  if (type == ethernet::type::ipv4) {
    const u32 l4 = ipv4::parse(c, l3, key);
    if (!l4) return extract_status::ok;
    switch (key.ip_proto) {
      case ip_proto::tcp: tcp::parse(c, l4, key); break;
      case ip_proto::udp: udp::parse(c, l4, key); break;
      case ip_proto::sctp: sctp::parse(c, l4, key); break;
      case ip_proto::icmp: icmp::parse(c, l4, key); break;
      default: break;
    }
  } else if (type == ethernet::type::ipv6) {
    const u32 l4 = ipv6::parse(c, l3, key);
    if (!l4) return extract_status::ok;
    switch (key.ip_proto) {
      case ip_proto::tcp: tcp::parse(c, l4, key); break;
      case ip_proto::udp: udp::parse(c, l4, key); break;
      case ip_proto::sctp: sctp::parse(c, l4, key); break;
      case ip_proto::icmpv6: icmpv6::parse(c, l4, key); break;
      default: break;
    }
  } else if (type == ethernet::type::arp || type == ethernet::type::rarp) {
    zero(key.nw_ext.arp);
    arp::parse(c, l3, key);
  } else if (type == ethernet::type::mpls_unicast || type == ethernet::type::mpls_multicast) {
    mpls::parse(c, l3, key);
  }
  return extract_status::ok;
}

}  // namespace ovsxdp::flow
