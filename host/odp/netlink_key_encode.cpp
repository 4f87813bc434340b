// Keys and masks as Linux writes them (net/openvswitch/flow_netlink.c
// __ovs_nla_put_key): attribute order, VLAN encap() nesting, the 802.2
// EtherType written only in the mask, and which attributes a key implies.
#include "datapath/validate.hpp"
#include "odp/netlink.hpp"
#include "odp/netlink_attributes.hpp"
#include "odp/netlink_key_fields.hpp"
#include "ovsxdp/base/types.h"

namespace ovsxdp::odp {
namespace {

constexpr std::uint16_t kVlan = 0x8100, kQinq = 0x88a8, kIpv4 = 0x0800, kIpv6 = 0x86dd, kArp = 0x0806, kRarp = 0x8035,
                        kMpls = 0x8847, kMplsMc = 0x8848, kNsh = 0x894f;

bool is_vlan(std::uint16_t t) { return t == kVlan || t == kQinq; }
bool is_mpls(std::uint16_t t) { return t == kMpls || t == kMplsMc; }

// The network and transport attributes of a (masked) key, in Linux's order.
std::vector<int> payload_attributes(const ovsxdp_flow_key& k) {
  std::vector<int> out;
  const std::uint16_t type = ntoh16(k.eth_type);
  if (type == kIpv4) out.push_back(OVS_KEY_ATTR_IPV4);
  else if (type == kIpv6) out.push_back(OVS_KEY_ATTR_IPV6);
  else if (type == kNsh) out.push_back(OVS_KEY_ATTR_NSH);
  else if (type == kArp || type == kRarp) out.push_back(OVS_KEY_ATTR_ARP);
  else if (is_mpls(type)) out.push_back(OVS_KEY_ATTR_MPLS);
  if ((type == kIpv4 || type == kIpv6) && k.ip_frag != OVSXDP_FRAG_LATER) {
    switch (k.ip_proto) {
      case 6: out.push_back(OVS_KEY_ATTR_TCP); out.push_back(OVS_KEY_ATTR_TCP_FLAGS); break;
      case 17: out.push_back(OVS_KEY_ATTR_UDP); break;
      case 132: out.push_back(OVS_KEY_ATTR_SCTP); break;
      case 1: if (type == kIpv4) out.push_back(OVS_KEY_ATTR_ICMP); break;
      case 58:
        if (type == kIpv6) {
          out.push_back(OVS_KEY_ATTR_ICMPV6);
          if (k.tp_src == hton16(135) || k.tp_src == hton16(136)) out.push_back(OVS_KEY_ATTR_ND);
        }
        break;
      default: break;
    }
  }
  return out;
}

bool has(const key_attributes& a, int type) { return a.present & attribute_bit(type); }

// `k` decides the layout (Linux's swkey, the masked key); `v` gives the
// values written (the key itself, or the mask).
std::vector<std::uint8_t> put_key(const ovsxdp_flow_key& k, const ovsxdp_flow_key& v, const key_attributes& attrs, bool is_mask) {
  nl::writer w;
  auto put = [&](int type) {
    if (has(attrs, type)) key_fields::write(w, type, v, k, is_mask);
  };
  for (int type : {OVS_KEY_ATTR_RECIRC_ID, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_IN_PORT, OVS_KEY_ATTR_SKB_MARK,
                   OVS_KEY_ATTR_CT_STATE, OVS_KEY_ATTR_CT_ZONE, OVS_KEY_ATTR_CT_MARK, OVS_KEY_ATTR_CT_LABELS})
    put(type);
  const std::uint16_t type = ntoh16(k.eth_type);
  if (type == kIpv4) put(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4);
  if (type == kIpv6) put(OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6);
  std::vector<std::size_t> encaps;
  auto finish = [&] {
    for (auto it = encaps.rbegin(); it != encaps.rend(); ++it) w.end_nested(*it);
    return w.take();
  };
  auto put_be16 = [&](int attribute, std::uint16_t host) { w.put_value(attribute, hton16(host)); };
  if (k.mac_proto == OVSXDP_MAC_ETHERNET) {
    put(OVS_KEY_ATTR_ETHERNET);
    const bool tagged = k.vlan_tci != 0, truncated = !tagged && is_vlan(type);
    if (tagged || truncated) {
      put_be16(OVS_KEY_ATTR_ETHERTYPE, is_mask ? 0xffff : truncated ? type : ntoh16(k.vlan_tpid));
      w.put_value(OVS_KEY_ATTR_VLAN, v.vlan_tci);
      encaps.push_back(w.begin_nested(OVS_KEY_ATTR_ENCAP));
      if (truncated) return finish();
      const bool inner_tagged = k.cvlan_tci != 0, inner_truncated = !inner_tagged && is_vlan(type);
      if (inner_tagged || inner_truncated) {
        put_be16(OVS_KEY_ATTR_ETHERTYPE, is_mask ? 0xffff : inner_truncated ? type : ntoh16(k.cvlan_tpid));
        w.put_value(OVS_KEY_ATTR_VLAN, v.cvlan_tci);
        encaps.push_back(w.begin_nested(OVS_KEY_ATTR_ENCAP));
        if (inner_truncated) return finish();
      }
    }
    if (type == OVSXDP_ETH_TYPE_802_2) {
      // 802.2: no EtherType in the key, its (exact) mask in the mask.
      if (is_mask && v.eth_type) w.put_value(OVS_KEY_ATTR_ETHERTYPE, v.eth_type);
      return finish();
    }
  }
  w.put_value(OVS_KEY_ATTR_ETHERTYPE, v.eth_type);
  if (is_vlan(type)) return finish();  // a third tag: Linux knows nothing past it
  for (int a : payload_attributes(k)) put(a);
  return finish();
}

}  // namespace

std::vector<std::uint8_t> encode_key(const ovsxdp_flow_key& key, const key_attributes& attributes) {
  return put_key(key, key, attributes, false);
}

std::vector<std::uint8_t> encode_mask(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask, const key_attributes& attributes) {
  return put_key(mask_key(key, mask), mask, attributes, true);
}

key_attributes packet_attributes(const ovsxdp_flow_key& key) {
  key_attributes a;
  for (int type : {OVS_KEY_ATTR_RECIRC_ID, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_IN_PORT, OVS_KEY_ATTR_SKB_MARK,
                   OVS_KEY_ATTR_CT_STATE, OVS_KEY_ATTR_CT_ZONE, OVS_KEY_ATTR_CT_MARK, OVS_KEY_ATTR_CT_LABELS, OVS_KEY_ATTR_ETHERTYPE})
    a.present |= attribute_bit(type);
  // Linux writes the conntrack original tuple when the key has one.
  if (key.ct_orig_proto) a.present |= attribute_bit(ntoh16(key.eth_type) == kIpv6 ? OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6 : OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4);
  // An L3 packet (after pop_eth) has no eth(); Linux writes no packet_type
  // either: the missing eth() says it, and OVS reads the EtherType as the type.
  if (key.mac_proto == OVSXDP_MAC_ETHERNET) a.present |= attribute_bit(OVS_KEY_ATTR_ETHERNET);
  if (key.vlan_tci) a.present |= attribute_bit(OVS_KEY_ATTR_VLAN) | attribute_bit(OVS_KEY_ATTR_ENCAP);
  for (int type : payload_attributes(key)) a.present |= attribute_bit(type);
  a.masked = a.present & ~attribute_bit(OVS_KEY_ATTR_ENCAP);
  return a;
}

key_attributes dump_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask) {
  const ovsxdp_flow_key k = mask_key(key, mask);
  key_attributes a = packet_attributes(k);
  a.masked = implied_attributes(k, mask).attributes.masked & a.present;
  return a;
}

}  // namespace ovsxdp::odp
