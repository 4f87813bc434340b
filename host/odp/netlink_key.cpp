// Keys and masks: OVS_KEY_ATTR_* streams to ovsxdp_flow_key and back, with
// Linux's parsing rules (net/openvswitch/flow_netlink.c: ovs_nla_get_match,
// parse_vlan_from_nlattrs, ovs_key_from_nlattrs) and its writer
// (__ovs_nla_put_key). Per-attribute fields are in netlink_key_fields.cpp.
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "datapath/validate.hpp"
#include "odp/netlink.hpp"
#include "odp/netlink_attributes.hpp"
#include "odp/netlink_key_fields.hpp"
#include "ovsxdp/base/types.h"
#include "runtime/error.hpp"

namespace ovsxdp::odp {
namespace {

using key_fields::role;

constexpr std::uint16_t kVlan = 0x8100, kQinq = 0x88a8, kEthMin = 0x0600, kIpv4 = 0x0800, kIpv6 = 0x86dd, kArp = 0x0806,
                        kRarp = 0x8035, kMpls = 0x8847, kMplsMc = 0x8848, kNsh = 0x894f;
constexpr int kMaxLevels = 3;  // outer tag, inner tag, what the second encap() holds

bool is_vlan(std::uint16_t t) { return t == kVlan || t == kQinq; }

[[noreturn]] void refuse(int type, const std::string& why) { throw netlink_error(type, attribute_name(type) + ": " + why); }

// One encap() level: Linux parses ETHERTYPE, VLAN and ENCAP per tag, every
// other attribute into one table for the whole key.
struct level {
  std::optional<nl::attribute> eth_type, vlan, encap;
};

struct stream {
  std::array<std::optional<nl::attribute>, nl::ovs31::kKeyMax + 1> attrs;
  std::vector<level> levels;
  attribute_set present = 0;  // every attribute given (mask: with a nonzero payload)
};

void parse_level(std::span<const std::uint8_t> bytes, bool is_mask, int depth, stream& s) {
  const std::string what = is_mask ? "flow mask" : "flow key";
  if (static_cast<int>(s.levels.size()) <= depth) s.levels.resize(static_cast<std::size_t>(depth) + 1);
  for (const nl::attribute& a : nl::parse(bytes, depth ? OVS_KEY_ATTR_ENCAP : -1, depth ? what + " encap()" : what)) {
    if (a.type == OVS_KEY_ATTR_UNSPEC || a.type > nl::ovs31::kKeyMax)
      throw netlink_error(a.type, what + ": key attribute type " + std::to_string(a.type) + " is out of range (at most " +
                                      std::to_string(nl::ovs31::kKeyMax) + "): unknown to ovsxdp");
    const int length = key_fields::expected_length(a.type);
    if (length == -3) {
      ovsxdp_flow_key scratch{};
      key_fields::store(a, scratch, role::key);  // refuses, saying why
    }
    if (length >= 0 && a.payload.size() != static_cast<std::size_t>(length))
      refuse(a.type, what + " attribute of " + std::to_string(a.payload.size()) + " bytes, expected " + std::to_string(length));
    // Linux skips all-zero mask attributes (a wildcard says nothing).
    if (is_mask && nl::all_zero(a.payload)) continue;
    // So does a tunnel mask of zero values (Linux writes one in every dump).
    if (is_mask && a.type == OVS_KEY_ATTR_TUNNEL) {
      bool zero = true;
      for (const nl::attribute& n : nl::parse(a.payload, a.type, "tunnel mask")) zero = zero && nl::all_zero(n.payload);
      if (zero) continue;
    }
    level& l = s.levels[static_cast<std::size_t>(depth)];
    std::optional<nl::attribute>* slot = a.type == OVS_KEY_ATTR_ETHERTYPE ? &l.eth_type
                                         : a.type == OVS_KEY_ATTR_VLAN    ? &l.vlan
                                         : a.type == OVS_KEY_ATTR_ENCAP   ? &l.encap
                                                                          : &s.attrs[static_cast<std::size_t>(a.type)];
    if (*slot) refuse(a.type, what + ": duplicate attribute");
    *slot = a;
    s.present |= attribute_bit(a.type);
  }
  const level& l = s.levels[static_cast<std::size_t>(depth)];
  if (l.encap) {
    if (depth + 1 >= kMaxLevels) refuse(OVS_KEY_ATTR_ENCAP, "nested deeper than the two VLAN tags a key holds");
    parse_level(l.encap->payload, is_mask, depth + 1, s);
  }
}

stream parse_stream(std::span<const std::uint8_t> bytes, bool is_mask) {
  stream s;
  parse_level(bytes, is_mask, 0, s);
  return s;
}

std::uint16_t be16_of(const nl::attribute& a) { return ntoh16(nl::get<std::uint16_t>(a, attribute_name(a.type))); }

enum class level_kind { outer_tag, inner_tag, truncated_tag, innermost };

struct decoded {
  ovsxdp_flow_key key{}, exact{};  // exact: the mask "exact match of what the key names"
  std::vector<level_kind> kinds;
  bool packet_type_l3 = false;
};

decoded decode_key_stream(const stream& s) {
  decoded d;
  ovsxdp_flow_key& k = d.key;
  for (std::size_t t = 0; t < s.attrs.size(); t++) {
    if (!s.attrs[t] || t == OVS_KEY_ATTR_PACKET_TYPE) continue;  // packet_type: below
    const nl::attribute& a = *s.attrs[t];
    key_fields::store(a, k, role::key);
    // The exact mask: the same attribute with every payload bit set.
    const std::vector<std::uint8_t> ones(a.payload.size(), 0xff);
    key_fields::store(a.type == OVS_KEY_ATTR_NSH ? a : nl::attribute{a.type, ones}, d.exact, role::exact);
  }
  // Fields the exact mask needs but the payload-of-0xff trick cannot give.
  d.exact.in_port = s.attrs[OVS_KEY_ATTR_IN_PORT] ? ~0u : 0;
  const bool ethernet = s.attrs[OVS_KEY_ATTR_ETHERNET].has_value();
  std::optional<std::uint16_t> l3_type;
  if (const auto& pt = s.attrs[OVS_KEY_ATTR_PACKET_TYPE]) {
    const std::uint32_t v = ntoh32(nl::get<std::uint32_t>(*pt, "packet_type"));
    const std::uint32_t ns = v >> 16, id = v & 0xffff;
    if (ns == 0 && id == 0) {
      if (!ethernet) refuse(pt->type, "ns=0,id=0 (Ethernet) without an eth() attribute");
    } else if (ns == 1) {
      if (ethernet) refuse(pt->type, "an L3 packet type (ns=1) with an eth() attribute");
      l3_type = static_cast<std::uint16_t>(id);
    } else {
      refuse(pt->type, "ns=" + std::to_string(ns) + ",id=" + std::to_string(id) +
                           ": ovsxdp carries Ethernet frames (ns=0,id=0) and L3 packets by EtherType (ns=1) only");
    }
  }
  k.mac_proto = ethernet ? OVSXDP_MAC_ETHERNET : OVSXDP_MAC_NONE;
  d.exact.mac_proto = 0xff;
  d.exact.eth_type = 0xffff;
  d.exact.vlan_tci = d.exact.cvlan_tci = 0xffff;  // Linux always matches the tci
  if (!ethernet && !s.levels[0].eth_type && !l3_type)
    refuse(OVS_KEY_ATTR_ETHERTYPE, "the key has neither eth() nor an EtherType: Linux requires one of them");
  for (std::size_t depth = 0;; depth++) {
    const level& l = s.levels[depth];
    const std::optional<std::uint16_t> type = l.eth_type ? std::optional(be16_of(*l.eth_type)) : std::nullopt;
    if (ethernet && depth < 2 && type && is_vlan(*type)) {
      if (!l.vlan || !l.encap)
        refuse(l.vlan ? OVS_KEY_ATTR_ENCAP : OVS_KEY_ATTR_VLAN, "invalid VLAN frame: an 802.1Q/802.1ad EtherType needs both vlan() and encap()");
      const std::uint16_t tci = be16_of(*l.vlan);
      if (!(tci & OVSXDP_VLAN_PRESENT)) {
        if (tci) refuse(OVS_KEY_ATTR_VLAN, "the tci lacks the present bit (VLAN_CFI_MASK, 0x1000): only a truncated tag (tci 0) may");
        if (!l.encap->payload.empty()) refuse(OVS_KEY_ATTR_ENCAP, "a truncated 802.1Q header (tci 0) has a non-empty encap()");
        k.eth_type = hton16(*type);
        d.kinds.push_back(level_kind::truncated_tag);
        break;
      }
      (depth == 0 ? k.vlan_tpid : k.cvlan_tpid) = hton16(*type);
      (depth == 0 ? k.vlan_tci : k.cvlan_tci) = hton16(tci);
      (depth == 0 ? d.exact.vlan_tpid : d.exact.cvlan_tpid) = 0xffff;
      d.kinds.push_back(depth == 0 ? level_kind::outer_tag : level_kind::inner_tag);
      continue;
    }
    if (l.vlan) refuse(OVS_KEY_ATTR_VLAN, ethernet ? "vlan() needs eth_type 0x8100 or 0x88a8 beside it (and at most two tags)"
                                                   : "vlan() on a packet without an Ethernet header");
    if (l.encap) refuse(OVS_KEY_ATTR_ENCAP, "encap() belongs after eth_type 0x8100 or 0x88a8 and vlan()");
    if (type) {
      if (*type < kEthMin) refuse(OVS_KEY_ATTR_ETHERTYPE, "EtherType " + std::to_string(*type) + " is below the minimum 0x0600");
      if (l3_type && *type != *l3_type) refuse(OVS_KEY_ATTR_PACKET_TYPE, "the packet type's EtherType differs from eth_type()");
      k.eth_type = hton16(*type);
    } else if (ethernet) {
      k.eth_type = hton16(OVSXDP_ETH_TYPE_802_2);  // Linux: no EtherType means an 802.2 frame
    } else {
      k.eth_type = hton16(*l3_type);
    }
    d.kinds.push_back(level_kind::innermost);
    break;
  }
  d.packet_type_l3 = l3_type.has_value();
  if (!ethernet) d.exact.vlan_tci = d.exact.cvlan_tci = 0;
  return d;
}

ovsxdp_flow_key decode_mask_stream(const stream& s, const decoded& key) {
  ovsxdp_flow_key m{};
  m.vlan_tci = m.cvlan_tci = 0xffff;  // Linux: "always match on tci" unless the mask says otherwise
  m.mac_proto = 0xff;
  for (std::size_t t = 0; t < s.attrs.size(); t++) {
    if (!s.attrs[t]) continue;
    if (t == OVS_KEY_ATTR_PACKET_TYPE) {
      if (nl::get<std::uint32_t>(*s.attrs[t], "packet_type") != ~0u) refuse(OVS_KEY_ATTR_PACKET_TYPE, "the mask must be exact (0xffffffff) or absent");
      continue;
    }
    key_fields::store(*s.attrs[t], m, role::mask);
  }
  if (key.packet_type_l3) m.eth_type = 0xffff;
  // An L3 packet has no tag to match (ovsxdp's text parser leaves its tci masks 0).
  if (key.key.mac_proto == OVSXDP_MAC_NONE) m.vlan_tci = m.cvlan_tci = 0;
  for (std::size_t depth = 0; depth < s.levels.size(); depth++) {
    const level& l = s.levels[depth];
    if (depth >= key.kinds.size()) {
      if (l.eth_type || l.vlan || l.encap) refuse(OVS_KEY_ATTR_ENCAP, "the mask has an encap() level the key has not");
      continue;
    }
    const level_kind kind = key.kinds[depth];
    if (kind == level_kind::outer_tag || kind == level_kind::inner_tag) {
      const bool outer = kind == level_kind::outer_tag;
      if (l.eth_type && be16_of(*l.eth_type) != 0xffff)
        refuse(OVS_KEY_ATTR_ETHERTYPE, std::string("the mask must match the ") + (outer ? "VLAN" : "C-VLAN") + " TPID exactly");
      (outer ? m.vlan_tpid : m.cvlan_tpid) = l.eth_type ? 0xffff : 0;
      if (l.vlan) {
        const std::uint16_t tci = be16_of(*l.vlan);
        if (!(tci & OVSXDP_VLAN_PRESENT)) refuse(OVS_KEY_ATTR_VLAN, "the tci mask must match the present bit (0x1000) exactly");
        (outer ? m.vlan_tci : m.cvlan_tci) = hton16(tci);
      }
      continue;
    }
    // The innermost EtherType (and a truncated tag's) is always exact in Linux.
    if (l.eth_type) m.eth_type = 0xffff;
    if (kind == level_kind::truncated_tag) {
      if (l.vlan) m.vlan_tci = hton16(be16_of(*l.vlan));
    } else if (l.vlan || l.encap) {
      refuse(l.vlan ? OVS_KEY_ATTR_VLAN : OVS_KEY_ATTR_ENCAP, "the mask has a VLAN tag the key has not");
    }
  }
  return m;
}

// validate_match's refusals name attributes by their flow-text names.
[[noreturn]] void rethrow_as_netlink(const invalid_flow& e) {
  int attribute = -1;
  std::size_t best = std::string::npos;
  const std::string& reason = e.reason();
  for (int a = 1; a <= nl::ovs31::kKeyMax; a++) {
    const std::string name = attribute_name(a);
    for (std::size_t at = reason.find(name); at != std::string::npos; at = reason.find(name, at + 1)) {
      const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(reason[at - 1])) && reason[at - 1] != '_';
      const bool ends = at + name.size() < reason.size() && reason[at + name.size()] == '(';
      if (starts && ends && at < best) best = at, attribute = a;
    }
  }
  throw netlink_error(attribute, e.reason());
}

netlink_match finish(const decoded& d, const ovsxdp_flow_key& mask, key_attributes attributes) {
  try {
    validate_match(d.key, mask, attributes);
  } catch (const invalid_flow& e) {
    rethrow_as_netlink(e);
  }
  return {mask_key(d.key, mask), mask, attributes};
}

}  // namespace

netlink_match decode_match(std::span<const std::uint8_t> key, std::span<const std::uint8_t> mask) {
  if (mask.empty()) return decode_key(key);
  const stream ks = parse_stream(key, false);
  const decoded d = decode_key_stream(ks);
  const stream ms = parse_stream(mask, true);
  const ovsxdp_flow_key m = decode_mask_stream(ms, d);
  attribute_set masked = ms.present & ~(attribute_bit(OVS_KEY_ATTR_ENCAP) | attribute_bit(OVS_KEY_ATTR_PACKET_TYPE));
  // Linux's match_validate: a mask only for what the key names (the
  // EtherType and in_port masks are Linux's own, whatever the key says).
  constexpr attribute_set always = attribute_bit(OVS_KEY_ATTR_ETHERTYPE) | attribute_bit(OVS_KEY_ATTR_IN_PORT);
  if (attribute_set extra = masked & ~ks.present & ~always) {
    const int a = __builtin_ctzll(extra);
    refuse(a, "the mask names an attribute the key does not (Linux: unexpected mask)");
  }
  return finish(d, m, {ks.present, masked});
}

netlink_match decode_key(std::span<const std::uint8_t> key) {
  const stream ks = parse_stream(key, false);
  const decoded d = decode_key_stream(ks);
  attribute_set masked = ks.present & ~(attribute_bit(OVS_KEY_ATTR_ENCAP) | attribute_bit(OVS_KEY_ATTR_PACKET_TYPE));
  return finish(d, d.exact, {ks.present, masked});
}

ovsxdp_flow_key decode_metadata(std::span<const std::uint8_t> key) {
  const stream ks = parse_stream(key, false);
  ovsxdp_flow_key k{};
  for (int type : {OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_SKB_MARK, OVS_KEY_ATTR_RECIRC_ID, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_IN_PORT,
                   OVS_KEY_ATTR_CT_STATE, OVS_KEY_ATTR_CT_ZONE, OVS_KEY_ATTR_CT_MARK, OVS_KEY_ATTR_CT_LABELS,
                   OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6, OVS_KEY_ATTR_TUNNEL})
    if (const auto& a = ks.attrs[static_cast<std::size_t>(type)]) key_fields::store(*a, k, role::key);
  // An L3 packet (after pop_eth) is told by an EtherType with no eth(), as
  // Linux's metadata_from_nlattrs reads it (OVS's odp_key_from_dp_packet
  // writes just that), or by packet_type(ns=1,id=EtherType).
  const auto& ethertype = ks.levels[0].eth_type;
  if (!ks.attrs[OVS_KEY_ATTR_ETHERNET] && ethertype) {
    k.mac_proto = OVSXDP_MAC_NONE;
    k.eth_type = nl::get<std::uint16_t>(*ethertype, "EtherType");
  } else if (const auto& pt = ks.attrs[OVS_KEY_ATTR_PACKET_TYPE]) {
    const std::uint32_t v = ntoh32(nl::get<std::uint32_t>(*pt, "packet_type"));
    if (v >> 16 == 1 && !ks.attrs[OVS_KEY_ATTR_ETHERNET]) {
      k.mac_proto = OVSXDP_MAC_NONE;
      k.eth_type = hton16(static_cast<std::uint16_t>(v & 0xffff));
    }
  }
  return k;
}

}  // namespace ovsxdp::odp
