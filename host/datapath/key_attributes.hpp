// Which attributes a flow key carries, and Linux's rules for them
// (net/openvswitch/flow_netlink.c match_validate): the attributes a key must
// carry for its EtherType and protocol, and those whose mask may be nonzero.
// Attribute numbers are OVS_KEY_ATTR_* from linux/openvswitch.h, so the sets
// are Linux's own key_attrs/mask_attrs bitmaps.
#pragma once

#include <linux/openvswitch.h>

#include <cstdint>
#include <string>

#include "ovsxdp/abi/flow_key.h"

namespace ovsxdp {

using attribute_set = std::uint64_t;

// Whether any byte of a key part (or of its mask) is nonzero.
template <class T>
bool any_byte_set(const T& part) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&part);
  for (std::size_t i = 0; i < sizeof(T); i++)
    if (p[i]) return true;
  return false;
}
constexpr attribute_set attribute_bit(int attribute) { return 1ULL << attribute; }

// What a flow's key names: `present` the attributes given (Linux's key_attrs,
// a fully wildcarded one included), `masked` those with a nonzero mask
// (mask_attrs; Linux drops all-zero mask attributes).
struct key_attributes {
  attribute_set present = 0;
  attribute_set masked = 0;
  bool operator==(const key_attributes&) const = default;
};

// How flow text writes an attribute: "ipv4", "tcp_flags", "ct_tuple4".
std::string attribute_name(int attribute);

// The attributes Linux expects a key with these values to carry
// (key_expected). Linux tests the unmasked key; ovsxdp's keys arrive
// masked, so nd() is expected only when the ICMPv6 type is matched exactly:
// OVS's MLD flow icmpv6(type=143/0xf8) masks to 136 without being ND.
attribute_set expected_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

// Attributes that may carry a nonzero mask whatever the key is (TUNNEL,
// IN_PORT, ETHERTYPE) plus those the key's values and mask allow
// (mask_allowed without its "present in the key" part).
attribute_set maskable_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

// The attributes an encoder emits for a match built as values (OVS's
// odp_flow_key_from_flow): every attribute Linux expects, and every one
// whose fields the mask covers, reading fields that attributes share
// (addresses, proto, ports, nw_ext) by the key's EtherType and protocol.
// Fields no attribute of this key can hold are returned in `orphans`.
struct implied_attributes_result {
  key_attributes attributes;
  std::string orphans;  // "" when every masked field belongs to an attribute
};
implied_attributes_result implied_attributes(const ovsxdp_flow_key& key, const ovsxdp_flow_key& mask);

}  // namespace ovsxdp
