// Flow key extraction: the packet-derived part of the OVS flow key, as Linux
// net/openvswitch/flow.c key_extract() computes it. The stages (link,
// network, transport) are shared by two entry points:
//   extract(frame_bytes, key)  everything inlined; host and BPF
//   extract(xdp_md*, key)      BPF only: network and transport run as BPF
//                              global functions, each verified once, so the
//                              verifier's work adds up instead of multiplying
//                              across VLAN/SNAP/extension-header paths.
#pragma once

#include "ovsxdp/proto/arp.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/ipv4.h"
#include "ovsxdp/proto/ipv6.h"
#include "ovsxdp/proto/mpls.h"
#include "ovsxdp/proto/nsh.h"
#include "ovsxdp/proto/transport.h"
#include "ovsxdp/proto/vlan.h"

// Where the network and transport headers start, as the datapath's actions
// need them (Linux keeps these as the skb's network/transport offsets).
struct ovsxdp_packet_layout {
  __u16 l3;  // network header (after Ethernet, VLAN tags, SNAP); 0 for L3 packets
  __u16 l4;  // transport header; 0 when there is none to parse
};

namespace ovsxdp::flow {

enum class extract_status : u32 {
  ok = 0,
  runt = 1,               // shorter than an Ethernet header: Linux drops it
  vlan_on_l3_packet = 2,  // L3 packet (after pop_eth) claiming a VLAN ethertype: Linux drops it
  bad_nsh = 3,            // NSH header cut short, not version 0, or a bad MD type or length: Linux drops it
};

namespace stage {

// L4 fields at `l4` for the protocol already in key.ip_proto.
OVSXDP_INLINE void transport(const cursor& c, u32 l4, ovsxdp_flow_key& key) {
  const bool ipv6 = key.eth_type == be16_c<ethernet::type::ipv6>;
  switch (key.ip_proto) {
    case ip_proto::tcp: tcp::parse(c, l4, key); break;
    case ip_proto::udp: udp::parse(c, l4, key); break;
    case ip_proto::sctp: sctp::parse(c, l4, key); break;
    case ip_proto::icmp:
      if (!ipv6) icmp::parse(c, l4, key);
      break;
    case ip_proto::icmpv6:
      if (ipv6) icmpv6::parse(c, l4, key);
      break;
    default: break;
  }
}

// L3 fields at `l3` by key.eth_type; `run_transport(l4)` continues when an
// L4 header follows.
template <class TransportStage>
OVSXDP_INLINE extract_status network(const cursor& c, u32 l3, ovsxdp_flow_key& key, ovsxdp_packet_layout& layout,
                                     TransportStage&& run_transport) {
  const u16 type = ntoh16(key.eth_type);
  layout.l4 = 0;
  if (type == ethernet::type::ipv4 || type == ethernet::type::ipv6) {
    const u32 l4 = type == ethernet::type::ipv4 ? ipv4::parse(c, l3, key) : ipv6::parse(c, l3, key);
    if (l4) {
      layout.l4 = static_cast<u16>(l4);
      run_transport(l4);
    }
  } else if (type == ethernet::type::arp || type == ethernet::type::rarp) {
    zero(key.nw_ext.arp);
    arp::parse(c, l3, key);
  } else if (type == ethernet::type::mpls_unicast || type == ethernet::type::mpls_multicast) {
    mpls::parse(c, l3, key);
  } else if (type == ethernet::type::nsh) {
    if (!nsh::parse(c, l3, key)) return extract_status::bad_nsh;
  }
  return extract_status::ok;
}

// Clears the packet-derived words, parses Ethernet and VLAN tags, and hands
// the network header's offset to `run_network(l3)`. Metadata (words 0-2,
// conntrack, tunnel) is left as the caller set it, so the same call serves a
// first extraction and re-extraction after recirculation. For an L3 packet
// (mac_proto == OVSXDP_MAC_NONE) key.eth_type must already hold its ethertype.
template <class NetworkStage>
OVSXDP_INLINE extract_status link(const cursor& c, ovsxdp_flow_key& key, ovsxdp_packet_layout& layout,
                                  NetworkStage&& run_network) {
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
  layout.l3 = static_cast<u16>(l3);
  layout.l4 = 0;
  return run_network(l3);
}

}  // namespace stage

// All stages inlined (host builds, fuzzers, small BPF programs).
OVSXDP_INLINE extract_status extract(frame_bytes frame, ovsxdp_flow_key& key, ovsxdp_packet_layout& layout) {
  const cursor c(frame);
  return stage::link(c, key, layout, [&](u32 l3) {
    return stage::network(c, l3, key, layout, [&](u32 l4) { stage::transport(c, l4, key); });
  });
}

OVSXDP_INLINE extract_status extract(frame_bytes frame, ovsxdp_flow_key& key) {
  ovsxdp_packet_layout layout{};
  return extract(frame, key, layout);
}

}  // namespace ovsxdp::flow

#if defined(__bpf__)
#include "ovsxdp/bpf/program.h"

// BPF global functions: the kernel verifies each once, for any offset.
extern "C" [[gnu::noinline]] int ovsxdp_extract_transport(struct xdp_md* ctx, struct ovsxdp_flow_key* key, __u32 l4) {
  if (!key) return -1;
  ovsxdp::flow::stage::transport(ovsxdp::cursor(ovsxdp::frame_of(ctx)), l4, *key);
  return 0;
}

// Returns an ovsxdp::flow::extract_status.
extern "C" [[gnu::noinline]] int ovsxdp_extract_network(struct xdp_md* ctx, struct ovsxdp_flow_key* key,
                                                        struct ovsxdp_packet_layout* layout, __u32 l3) {
  if (!key || !layout) return static_cast<int>(ovsxdp::flow::extract_status::runt);
  return static_cast<int>(ovsxdp::flow::stage::network(ovsxdp::cursor(ovsxdp::frame_of(ctx)), l3, *key, *layout,
                                                       [&](__u32 l4) { ovsxdp_extract_transport(ctx, key, l4); }));
}

namespace ovsxdp::flow {

// The XDP entry point: same result as extract(frame_bytes), verifier-cheap.
OVSXDP_INLINE extract_status extract(xdp_md* ctx, ovsxdp_flow_key& key, ovsxdp_packet_layout& layout) {
  return stage::link(cursor(frame_of(ctx)), key, layout,
                     [&](u32 l3) { return static_cast<extract_status>(ovsxdp_extract_network(ctx, &key, &layout, l3)); });
}

OVSXDP_INLINE extract_status extract(xdp_md* ctx, ovsxdp_flow_key& key) {
  ovsxdp_packet_layout layout{};
  return extract(ctx, key, layout);
}

}  // namespace ovsxdp::flow
#endif
