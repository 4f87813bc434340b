// One table of the flow key's text fields: name, where the field lives in
// struct ovsxdp_flow_key and how OVS writes it. The printer and the parser
// both work from it, so every field prints in a form that parses back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp::odp {

enum class field_format : std::uint8_t {
  decimal,     // %u, mask /%#x (OVS format_u8u, format_be16)
  hex,         // %#x, mask /%#x (format_u8x, format_be16x, single u32 attributes)
  hex_always,  // 0x%x even for zero (format_be64: tun_id)
  ethertype,   // 0x%04x, mask /0x%04x
  mac,         // xx:xx:xx:xx:xx:xx
  ipv4,        // dotted quad
  ipv6,        // RFC 5952
  frag,        // no|first|later, mask must be full
  u128,        // 0x-prefixed minimal hex of a 128-bit value (little-endian bytes, as ct_labels)
  arp_op,      // u8 in the key, written as the kernel's 16-bit op (mask 0xff -> /0xff)
};

struct field_spec {
  std::string_view name;
  std::uint16_t offset;    // into ovsxdp_flow_key
  std::uint8_t size;       // bytes
  bool big_endian;         // stored in network order
  field_format format;
  std::uint64_t value_bits = 0;  // nonzero: only these bits exist (ipv6 label: 0xfffff)
};

struct attribute_spec {
  std::string_view name;
  std::span<const field_spec> fields;
};

// Struct-like attributes, name(field=value,...).
const attribute_spec& eth_attribute();
const attribute_spec& ipv4_attribute();
const attribute_spec& ipv6_attribute();
const attribute_spec& tcp_attribute();
const attribute_spec& udp_attribute();
const attribute_spec& sctp_attribute();
const attribute_spec& icmp_attribute();
const attribute_spec& icmpv6_attribute();
const attribute_spec& arp_attribute();
const attribute_spec& nd_attribute();
const attribute_spec& ct_tuple4_attribute();
const attribute_spec& ct_tuple6_attribute();
// set(arp(...)): as arp() but with the whole 16-bit opcode, which the action
// writes (the key keeps 8 bits); op lives in tp_src of a scratch key.
const attribute_spec& set_arp_attribute();

// Single-value attributes, name(value[/mask]).
const field_spec& recirc_id_field();
const field_spec& dp_hash_field();
const field_spec& skb_priority_field();
const field_spec& skb_mark_field();
const field_spec& in_port_field();
const field_spec& ct_zone_field();
const field_spec& ct_mark_field();
const field_spec& ct_label_field();
const field_spec& eth_type_field();

// Raw access to a field's bytes in a key.
inline const std::uint8_t* field_bytes(const ovsxdp_flow_key& key, const field_spec& f) {
  return reinterpret_cast<const std::uint8_t*>(&key) + f.offset;
}
inline std::uint8_t* field_bytes(ovsxdp_flow_key& key, const field_spec& f) {
  return reinterpret_cast<std::uint8_t*>(&key) + f.offset;
}
// Numeric value of a field of up to 8 bytes, in host order.
std::uint64_t field_value(const ovsxdp_flow_key& key, const field_spec& f);
void set_field_value(ovsxdp_flow_key& key, const field_spec& f, std::uint64_t value);
// All-ones for the field's width (or value_bits).
std::uint64_t field_full_mask(const field_spec& f);

}  // namespace ovsxdp::odp
