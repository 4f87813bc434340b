// IPv4 (Linux key_extract_l3l4, ETH_P_IP branch, and check_iphdr).
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::ipv4 {

struct OVSXDP_WIRE header {
  u8 version_ihl;
  u8 tos;
  be16 total_length;
  be16 id;
  be16 frag_off;
  u8 ttl;
  u8 protocol;
  be16 checksum;
  be32 src;
  be32 dst;
};
static_assert(sizeof(header) == 20);

inline constexpr u16 kMoreFragments = 0x2000;
inline constexpr u16 kOffsetMask = 0x1fff;
inline constexpr u16 kDontFragment = 0x4000;

OVSXDP_INLINE u32 header_length(const header& h) { return (h.version_ihl & 0x0f) * 4u; }

// Fills the IPv4 fields; returns the L4 offset, or 0 when no L4 header
// follows (bad header length or a later fragment). Linux neither checks the
// version nor trims to total_length: Ethernet padding counts as payload.
OVSXDP_INLINE u32 parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  const header* h = c.at<header>(offset);
  if (!h) return 0;
  u32 ihl = header_length(*h);
  if (ihl < sizeof(header) || !c.has(offset, ihl)) return 0;  // key keeps zero IP fields
  key.nw.ipv4.src = h->src;
  key.nw.ipv4.dst = h->dst;
  key.ip_proto = h->protocol;
  key.ip_tos = h->tos;
  key.ip_ttl = h->ttl;
  if (h->frag_off & be16_c<kOffsetMask>) {
    key.ip_frag = OVSXDP_FRAG_LATER;
    return 0;
  }
  key.ip_frag = (h->frag_off & be16_c<kMoreFragments>) ? OVSXDP_FRAG_FIRST : OVSXDP_FRAG_NONE;
  return offset + ihl;
}

}  // namespace ovsxdp::ipv4
