#include "datapath/key_attributes.hpp"

#include "ovsxdp/base/types.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/transport.h"

namespace ovsxdp {
namespace {

namespace type = ethernet::type;


bool is_ip(std::uint16_t t) { return t == type::ipv4 || t == type::ipv6; }
bool is_mpls(std::uint16_t t) { return t == type::mpls_unicast || t == type::mpls_multicast; }

// The L4 attribute Linux expects for this EtherType and protocol, or 0.
int transport_attribute(std::uint16_t eth_type, std::uint8_t proto) {
  if (!is_ip(eth_type)) return 0;
  switch (proto) {
    case ip_proto::tcp: return OVS_KEY_ATTR_TCP;
    case ip_proto::udp: return OVS_KEY_ATTR_UDP;
    case ip_proto::sctp: return OVS_KEY_ATTR_SCTP;
    case ip_proto::icmp: return eth_type == type::ipv4 ? OVS_KEY_ATTR_ICMP : 0;
    case ip_proto::icmpv6: return eth_type == type::ipv6 ? OVS_KEY_ATTR_ICMPV6 : 0;
    default: return 0;
  }
}

bool is_nd(const ovsxdp_flow_key& key) {
  return ntoh16(key.eth_type) == type::ipv6 && key.ip_proto == ip_proto::icmpv6 &&
         (key.tp_src == be16_c<icmpv6::type::neighbor_solicitation> || key.tp_src == be16_c<icmpv6::type::neighbor_advertisement>);
}

}  // namespace

std::string attribute_name(int attribute) {
  switch (attribute) {
    case OVS_KEY_ATTR_ENCAP: return "encap";
    case OVS_KEY_ATTR_PRIORITY: return "skb_priority";
    case OVS_KEY_ATTR_IN_PORT: return "in_port";
    case OVS_KEY_ATTR_ETHERNET: return "eth";
    case OVS_KEY_ATTR_VLAN: return "vlan";
    case OVS_KEY_ATTR_ETHERTYPE: return "eth_type";
    case OVS_KEY_ATTR_IPV4: return "ipv4";
    case OVS_KEY_ATTR_IPV6: return "ipv6";
    case OVS_KEY_ATTR_TCP: return "tcp";
    case OVS_KEY_ATTR_UDP: return "udp";
    case OVS_KEY_ATTR_ICMP: return "icmp";
    case OVS_KEY_ATTR_ICMPV6: return "icmpv6";
    case OVS_KEY_ATTR_ARP: return "arp";
    case OVS_KEY_ATTR_ND: return "nd";
    case OVS_KEY_ATTR_SKB_MARK: return "skb_mark";
    case OVS_KEY_ATTR_TUNNEL: return "tunnel";
    case OVS_KEY_ATTR_SCTP: return "sctp";
    case OVS_KEY_ATTR_TCP_FLAGS: return "tcp_flags";
    case OVS_KEY_ATTR_DP_HASH: return "dp_hash";
    case OVS_KEY_ATTR_RECIRC_ID: return "recirc_id";
    case OVS_KEY_ATTR_MPLS: return "mpls";
    case OVS_KEY_ATTR_CT_STATE: return "ct_state";
    case OVS_KEY_ATTR_CT_ZONE: return "ct_zone";
    case OVS_KEY_ATTR_CT_MARK: return "ct_mark";
    case OVS_KEY_ATTR_CT_LABELS: return "ct_label";
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: return "ct_tuple4";
    case OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: return "ct_tuple6";
    case OVS_KEY_ATTR_NSH: return "nsh";
    case OVS_KEY_ATTR_PACKET_TYPE: return "packet_type";
    default: return "attribute " + std::to_string(attribute);
  }
}

attribute_set expected_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  attribute_set expected = 0;
  const std::uint16_t eth_type = ntoh16(key.eth_type);
  if (eth_type == type::arp || eth_type == type::rarp) expected |= attribute_bit(OVS_KEY_ATTR_ARP);
  if (is_mpls(eth_type)) expected |= attribute_bit(OVS_KEY_ATTR_MPLS);
  if (eth_type == type::ipv4) expected |= attribute_bit(OVS_KEY_ATTR_IPV4);
  if (eth_type == type::ipv6) expected |= attribute_bit(OVS_KEY_ATTR_IPV6);
  if (eth_type == type::nsh) expected |= attribute_bit(OVS_KEY_ATTR_NSH);
  if (is_ip(eth_type) && key.ip_frag != OVSXDP_FRAG_LATER) {
    if (const int l4 = transport_attribute(eth_type, key.ip_proto)) expected |= attribute_bit(l4);
    if (key.ip_proto == ip_proto::tcp) expected |= attribute_bit(OVS_KEY_ATTR_TCP_FLAGS);
    if (is_nd(key) && (mask.tp_src & be16_c<0x00ff>) == be16_c<0x00ff>) expected |= attribute_bit(OVS_KEY_ATTR_ND);
  }
  return expected;
}

attribute_set maskable_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  // Attributes outside the conditional group may be masked whenever present.
  constexpr attribute_set conditional =
      attribute_bit(OVS_KEY_ATTR_IPV4) | attribute_bit(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4) | attribute_bit(OVS_KEY_ATTR_IPV6) |
      attribute_bit(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6) | attribute_bit(OVS_KEY_ATTR_TCP) | attribute_bit(OVS_KEY_ATTR_TCP_FLAGS) |
      attribute_bit(OVS_KEY_ATTR_UDP) | attribute_bit(OVS_KEY_ATTR_SCTP) | attribute_bit(OVS_KEY_ATTR_ICMP) |
      attribute_bit(OVS_KEY_ATTR_ICMPV6) | attribute_bit(OVS_KEY_ATTR_ARP) | attribute_bit(OVS_KEY_ATTR_ND) |
      attribute_bit(OVS_KEY_ATTR_MPLS) | attribute_bit(OVS_KEY_ATTR_NSH);
  attribute_set allowed = ~conditional;
  const std::uint16_t eth_type = ntoh16(key.eth_type);
  const bool eth_exact = mask.eth_type == 0xffff, proto_exact = mask.ip_proto == 0xff;
  if (!eth_exact) return allowed;
  if (eth_type == type::arp || eth_type == type::rarp) allowed |= attribute_bit(OVS_KEY_ATTR_ARP);
  if (is_mpls(eth_type)) allowed |= attribute_bit(OVS_KEY_ATTR_MPLS);
  if (eth_type == type::nsh) allowed |= attribute_bit(OVS_KEY_ATTR_NSH);
  if (eth_type == type::ipv4) allowed |= attribute_bit(OVS_KEY_ATTR_IPV4) | attribute_bit(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4);
  if (eth_type == type::ipv6) allowed |= attribute_bit(OVS_KEY_ATTR_IPV6) | attribute_bit(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6);
  if (is_ip(eth_type) && key.ip_frag != OVSXDP_FRAG_LATER) {
    if (const int l4 = transport_attribute(eth_type, key.ip_proto); l4 && proto_exact) allowed |= attribute_bit(l4);
    if (key.ip_proto == ip_proto::tcp && proto_exact) allowed |= attribute_bit(OVS_KEY_ATTR_TCP_FLAGS);
    if (is_nd(key)) {
      // The conntrack original tuple shares the ND fields' key space.
      allowed &= ~attribute_bit(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6);
      if (mask.tp_src == be16_c<0x00ff>) allowed |= attribute_bit(OVS_KEY_ATTR_ND);
    }
  }
  return allowed;
}

implied_attributes_result implied_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  implied_attributes_result out;
  attribute_set& present = out.attributes.present;
  attribute_set& masked = out.attributes.masked;
  auto put = [&](int attribute, bool mask_nonzero) {
    present |= attribute_bit(attribute);
    if (mask_nonzero) masked |= attribute_bit(attribute);
  };
  auto orphan = [&](const char* what) { out.orphans += std::string(out.orphans.empty() ? "" : ", ") + what; };

  put(OVS_KEY_ATTR_RECIRC_ID, mask.recirc_id);
  put(OVS_KEY_ATTR_IN_PORT, mask.in_port);
  if (mask.dp_hash) put(OVS_KEY_ATTR_DP_HASH, true);
  if (mask.priority) put(OVS_KEY_ATTR_PRIORITY, true);
  if (mask.skb_mark) put(OVS_KEY_ATTR_SKB_MARK, true);
  if (mask.ct_state) put(OVS_KEY_ATTR_CT_STATE, true);
  if (mask.ct_zone) put(OVS_KEY_ATTR_CT_ZONE, true);
  if (mask.ct_mark) put(OVS_KEY_ATTR_CT_MARK, true);
  if (any_byte_set(mask.ct_labels)) put(OVS_KEY_ATTR_CT_LABELS, true);
  if (mask.tun_id || any_byte_set(mask.tun) || mask.tun_flags || mask.tun_tos || mask.tun_ttl || mask.tun_tp_src || mask.tun_tp_dst ||
      mask.tun_proto || mask.tun_opts_len || mask.tun_opts_kind || any_byte_set(mask.tun_opts))
    put(OVS_KEY_ATTR_TUNNEL, true);
  if (key.mac_proto == OVSXDP_MAC_ETHERNET) put(OVS_KEY_ATTR_ETHERNET, any_byte_set(mask.eth_src) || any_byte_set(mask.eth_dst));
  else if (any_byte_set(mask.eth_src) || any_byte_set(mask.eth_dst)) orphan("Ethernet addresses on a packet without an Ethernet header");
  put(OVS_KEY_ATTR_ETHERTYPE, mask.eth_type);
  if (key.vlan_tci & be16_c<OVSXDP_VLAN_PRESENT>) put(OVS_KEY_ATTR_VLAN, true);

  const attribute_set expected = expected_attributes(key, mask);
  present |= expected;
  const std::uint16_t eth_type = ntoh16(key.eth_type);
  const bool scalars = mask.ip_proto || mask.ip_tos || mask.ip_ttl || mask.ip_frag;
  if (eth_type == type::ipv4) {
    if (scalars || any_byte_set(mask.nw.ipv4)) masked |= attribute_bit(OVS_KEY_ATTR_IPV4);
    if (mask.ipv6_label) orphan("the IPv6 flow label of an IPv4 packet");
  } else if (eth_type == type::ipv6) {
    if (scalars || any_byte_set(mask.nw.ipv6) || mask.ipv6_label) masked |= attribute_bit(OVS_KEY_ATTR_IPV6);
  } else if (eth_type == type::arp || eth_type == type::rarp) {
    if (mask.ip_proto || any_byte_set(mask.nw.ipv4) || any_byte_set(mask.nw_ext.arp)) masked |= attribute_bit(OVS_KEY_ATTR_ARP);
    if (mask.ip_tos || mask.ip_ttl || mask.ip_frag || mask.ipv6_label) orphan("IP fields of an ARP packet");
  } else if (is_mpls(eth_type)) {
    if (any_byte_set(mask.nw.mpls) || mask.mpls_labels) masked |= attribute_bit(OVS_KEY_ATTR_MPLS);
  } else if (eth_type == type::nsh) {
    if (any_byte_set(mask.nw.nsh)) masked |= attribute_bit(OVS_KEY_ATTR_NSH);
  } else if (scalars || any_byte_set(mask.nw) || mask.ipv6_label) {
    orphan("network-layer fields of an EtherType without them");
  }
  if (mask.mpls_labels && !is_mpls(eth_type)) orphan("MPLS labels on a packet that is not MPLS");

  const bool ip = is_ip(eth_type);
  if (mask.tp_src || mask.tp_dst) {
    const int l4 = ip && key.ip_frag != OVSXDP_FRAG_LATER ? transport_attribute(eth_type, key.ip_proto) : 0;
    if (l4) put(l4, true);
    else orphan("L4 ports or ICMP type/code without an IP protocol that has them (or on a later fragment)");
  }
  if (mask.tcp_flags) {
    if (ip && key.ip_proto == ip_proto::tcp && key.ip_frag != OVSXDP_FRAG_LATER) put(OVS_KEY_ATTR_TCP_FLAGS, true);
    else orphan("TCP flags without ip proto 6");
  }
  if (any_byte_set(mask.nw_ext) || mask.ct_orig_proto || mask.ct_orig_tp_src || mask.ct_orig_tp_dst) {
    if (eth_type == type::arp || eth_type == type::rarp) {
      if (mask.ct_orig_proto || mask.ct_orig_tp_src || mask.ct_orig_tp_dst) orphan("a conntrack original tuple on an ARP packet");
    } else if (ip && is_nd(key) && key.ip_frag != OVSXDP_FRAG_LATER) {
      if (any_byte_set(mask.nw_ext)) put(OVS_KEY_ATTR_ND, true);
      if (mask.ct_orig_proto || mask.ct_orig_tp_src || mask.ct_orig_tp_dst) put(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6, true);
    } else if (ip) {
      put(eth_type == type::ipv4 ? OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4 : OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6, true);
    } else {
      orphan("ARP hardware addresses, ND fields or a conntrack tuple on an EtherType without them");
    }
  }
  return out;
}

}  // namespace ovsxdp
