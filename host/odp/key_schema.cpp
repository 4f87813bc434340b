#include "odp/key_schema.hpp"

#include <array>

namespace ovsxdp::odp {
namespace {

#define OVSXDP_FIELD(name, member, big_endian, format) \
  field_spec { name, offsetof(ovsxdp_flow_key, member), sizeof(ovsxdp_flow_key::member), big_endian, field_format::format }

using key = ovsxdp_flow_key;

constexpr std::array eth_fields{
    OVSXDP_FIELD("src", eth_src, true, mac),
    OVSXDP_FIELD("dst", eth_dst, true, mac),
};
constexpr std::array ipv4_fields{
    field_spec{"src", offsetof(key, nw.ipv4.src), 4, true, field_format::ipv4},
    field_spec{"dst", offsetof(key, nw.ipv4.dst), 4, true, field_format::ipv4},
    OVSXDP_FIELD("proto", ip_proto, false, decimal),
    OVSXDP_FIELD("tos", ip_tos, false, hex),
    OVSXDP_FIELD("ttl", ip_ttl, false, decimal),
    OVSXDP_FIELD("frag", ip_frag, false, frag),
};
constexpr std::array ipv6_fields{
    field_spec{"src", offsetof(key, nw.ipv6.src), 16, true, field_format::ipv6},
    field_spec{"dst", offsetof(key, nw.ipv6.dst), 16, true, field_format::ipv6},
    field_spec{"label", offsetof(key, ipv6_label), 4, true, field_format::hex, 0xfffff},
    OVSXDP_FIELD("proto", ip_proto, false, decimal),
    OVSXDP_FIELD("tclass", ip_tos, false, hex),
    OVSXDP_FIELD("hlimit", ip_ttl, false, decimal),
    OVSXDP_FIELD("frag", ip_frag, false, frag),
};
constexpr std::array l4_port_fields{
    OVSXDP_FIELD("src", tp_src, true, decimal),
    OVSXDP_FIELD("dst", tp_dst, true, decimal),
};
// ICMP type/code live in the low byte of tp_src/tp_dst (network order).
constexpr std::array icmp_fields{
    field_spec{"type", offsetof(key, tp_src) + 1, 1, false, field_format::decimal},
    field_spec{"code", offsetof(key, tp_dst) + 1, 1, false, field_format::decimal},
};
constexpr std::array arp_fields{
    field_spec{"sip", offsetof(key, nw.ipv4.src), 4, true, field_format::ipv4},
    field_spec{"tip", offsetof(key, nw.ipv4.dst), 4, true, field_format::ipv4},
    field_spec{"op", offsetof(key, ip_proto), 1, false, field_format::arp_op},
    field_spec{"sha", offsetof(key, nw_ext.arp.sha), 6, true, field_format::mac},
    field_spec{"tha", offsetof(key, nw_ext.arp.tha), 6, true, field_format::mac},
};
constexpr std::array set_arp_fields{
    field_spec{"sip", offsetof(key, nw.ipv4.src), 4, true, field_format::ipv4},
    field_spec{"tip", offsetof(key, nw.ipv4.dst), 4, true, field_format::ipv4},
    field_spec{"op", offsetof(key, tp_src), 2, true, field_format::decimal},
    field_spec{"sha", offsetof(key, nw_ext.arp.sha), 6, true, field_format::mac},
    field_spec{"tha", offsetof(key, nw_ext.arp.tha), 6, true, field_format::mac},
};
constexpr std::array nd_fields{
    field_spec{"target", offsetof(key, nw_ext.nd.target), 16, true, field_format::ipv6},
    field_spec{"sll", offsetof(key, nw_ext.nd.sll), 6, true, field_format::mac},
    field_spec{"tll", offsetof(key, nw_ext.nd.tll), 6, true, field_format::mac},
};
constexpr std::array ct_tuple4_fields{
    field_spec{"src", offsetof(key, nw_ext.ct_orig_ipv4.src), 4, true, field_format::ipv4},
    field_spec{"dst", offsetof(key, nw_ext.ct_orig_ipv4.dst), 4, true, field_format::ipv4},
    OVSXDP_FIELD("proto", ct_orig_proto, false, decimal),
    OVSXDP_FIELD("tp_src", ct_orig_tp_src, true, decimal),
    OVSXDP_FIELD("tp_dst", ct_orig_tp_dst, true, decimal),
};
constexpr std::array ct_tuple6_fields{
    field_spec{"src", offsetof(key, nw_ext.ct_orig_ipv6.src), 16, true, field_format::ipv6},
    field_spec{"dst", offsetof(key, nw_ext.ct_orig_ipv6.dst), 16, true, field_format::ipv6},
    OVSXDP_FIELD("proto", ct_orig_proto, false, decimal),
    OVSXDP_FIELD("tp_src", ct_orig_tp_src, true, decimal),
    OVSXDP_FIELD("tp_dst", ct_orig_tp_dst, true, decimal),
};

constexpr field_spec recirc_id = OVSXDP_FIELD("recirc_id", recirc_id, false, hex);
constexpr field_spec dp_hash = OVSXDP_FIELD("dp_hash", dp_hash, false, hex);
constexpr field_spec skb_priority = OVSXDP_FIELD("skb_priority", priority, false, hex);
constexpr field_spec skb_mark = OVSXDP_FIELD("skb_mark", skb_mark, false, hex);
constexpr field_spec in_port = OVSXDP_FIELD("in_port", in_port, false, decimal);
constexpr field_spec ct_zone = OVSXDP_FIELD("ct_zone", ct_zone, false, hex);
constexpr field_spec ct_mark = OVSXDP_FIELD("ct_mark", ct_mark, false, hex);
constexpr field_spec ct_label = OVSXDP_FIELD("ct_label", ct_labels, false, u128);
constexpr field_spec eth_type = OVSXDP_FIELD("eth_type", eth_type, true, ethertype);

#undef OVSXDP_FIELD

}  // namespace

#define OVSXDP_ATTRIBUTE(fn, name, fields)        \
  const attribute_spec& fn() {                     \
    static const attribute_spec spec{name, fields}; \
    return spec;                                   \
  }
OVSXDP_ATTRIBUTE(eth_attribute, "eth", eth_fields)
OVSXDP_ATTRIBUTE(ipv4_attribute, "ipv4", ipv4_fields)
OVSXDP_ATTRIBUTE(ipv6_attribute, "ipv6", ipv6_fields)
OVSXDP_ATTRIBUTE(tcp_attribute, "tcp", l4_port_fields)
OVSXDP_ATTRIBUTE(udp_attribute, "udp", l4_port_fields)
OVSXDP_ATTRIBUTE(sctp_attribute, "sctp", l4_port_fields)
OVSXDP_ATTRIBUTE(icmp_attribute, "icmp", icmp_fields)
OVSXDP_ATTRIBUTE(icmpv6_attribute, "icmpv6", icmp_fields)
OVSXDP_ATTRIBUTE(arp_attribute, "arp", arp_fields)
OVSXDP_ATTRIBUTE(nd_attribute, "nd", nd_fields)
OVSXDP_ATTRIBUTE(ct_tuple4_attribute, "ct_tuple4", ct_tuple4_fields)
OVSXDP_ATTRIBUTE(ct_tuple6_attribute, "ct_tuple6", ct_tuple6_fields)
OVSXDP_ATTRIBUTE(set_arp_attribute, "arp", set_arp_fields)
#undef OVSXDP_ATTRIBUTE

const field_spec& recirc_id_field() { return recirc_id; }
const field_spec& dp_hash_field() { return dp_hash; }
const field_spec& skb_priority_field() { return skb_priority; }
const field_spec& skb_mark_field() { return skb_mark; }
const field_spec& in_port_field() { return in_port; }
const field_spec& ct_zone_field() { return ct_zone; }
const field_spec& ct_mark_field() { return ct_mark; }
const field_spec& ct_label_field() { return ct_label; }
const field_spec& eth_type_field() { return eth_type; }

std::uint64_t field_value(const ovsxdp_flow_key& k, const field_spec& f) {
  const std::uint8_t* p = field_bytes(k, f);
  std::uint64_t v = 0;
  for (unsigned i = 0; i < f.size && i < 8; i++) {
    unsigned byte = f.big_endian ? i : f.size - 1 - i;
    v = (v << 8) | p[byte];
  }
  return v;
}

void set_field_value(ovsxdp_flow_key& k, const field_spec& f, std::uint64_t v) {
  std::uint8_t* p = field_bytes(k, f);
  for (int i = f.size - 1; i >= 0; i--) {
    unsigned byte = f.big_endian ? static_cast<unsigned>(i) : f.size - 1 - static_cast<unsigned>(i);
    p[byte] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

std::uint64_t field_full_mask(const field_spec& f) {
  if (f.value_bits) return f.value_bits;
  return f.size >= 8 ? ~0ULL : (1ULL << (f.size * 8)) - 1;
}

}  // namespace ovsxdp::odp
