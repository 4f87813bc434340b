// Ethernet II, 802.3 with LLC/SNAP. Key extraction follows Linux
// net/openvswitch/flow.c: key_extract() and parse_ethertype().
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::ethernet {

inline constexpr u32 kAddressLength = 6;
inline constexpr u32 kHeaderLength = 14;
inline constexpr u16 kMinEthertype = 0x0600;  // smaller values are 802.3 lengths

struct OVSXDP_WIRE header {
  u8 dst[kAddressLength];
  u8 src[kAddressLength];
  be16 type;
};
static_assert(sizeof(header) == kHeaderLength);

struct OVSXDP_WIRE llc_snap {
  u8 dsap, ssap, control;
  u8 oui[3];
  be16 type;
};
static_assert(sizeof(llc_snap) == 8);

namespace type {
inline constexpr u16 ipv4 = 0x0800;
inline constexpr u16 arp = 0x0806;
inline constexpr u16 rarp = 0x8035;
inline constexpr u16 vlan = 0x8100;
inline constexpr u16 qinq = 0x88a8;
inline constexpr u16 ipv6 = 0x86dd;
inline constexpr u16 mpls_unicast = 0x8847;
inline constexpr u16 mpls_multicast = 0x8848;
inline constexpr u16 nsh = 0x894f;
inline constexpr u16 teb = 0x6558;  // transparent Ethernet bridging: an Ethernet frame as payload
inline constexpr u16 llc_802_2 = OVSXDP_ETH_TYPE_802_2;
}  // namespace type

OVSXDP_INLINE bool is_ethertype(be16 value) { return ntoh16(value) >= kMinEthertype; }

// Reads the ethertype (or 802.3 length) at `offset` and returns the ethertype
// the key records; `next` receives where the network header starts.
OVSXDP_INLINE be16 parse_ethertype(const cursor& c, u32 offset, u32& next) {
  const auto* raw = c.at<wire<be16>>(offset);
  if (!raw) return 0;
  be16 value = raw->value;
  next = offset + 2;
  if (is_ethertype(value)) return value;
  const llc_snap* llc = c.at<llc_snap>(next);
  if (!llc) return be16_c<type::llc_802_2>;
  // Only SNAP with a zero OUI carries a real ethertype. Linux does not check
  // the control byte (OVS userspace does); we follow Linux.
  if (llc->dsap != 0xaa || llc->ssap != 0xaa || (llc->oui[0] | llc->oui[1] | llc->oui[2]) != 0)
    return be16_c<type::llc_802_2>;
  next += sizeof(llc_snap);
  if (is_ethertype(llc->type)) return llc->type;
  return be16_c<type::llc_802_2>;
}

}  // namespace ovsxdp::ethernet
