// 802.1Q / 802.1ad tags. Up to two are kept in the key (outer: vlan_*,
// inner: cvlan_*), with the "present" bit set in the tci as Linux does.
#pragma once

#include "ovsxdp/proto/ethernet.h"

namespace ovsxdp::vlan {

inline constexpr u32 kTagLength = 4;
inline constexpr u16 kVidMask = 0x0fff;
inline constexpr u16 kPcpShift = 13;
inline constexpr u16 kPresent = OVSXDP_VLAN_PRESENT;

struct OVSXDP_WIRE tag {
  be16 tpid;
  be16 tci;
};
static_assert(sizeof(tag) == kTagLength);

OVSXDP_INLINE bool is_tpid(be16 value) {
  return value == be16_c<ethernet::type::vlan> || value == be16_c<ethernet::type::qinq>;
}

// Parses one tag at `offset` if there is one and the ethertype behind it is
// present too (Linux parse_vlan_tag); returns true and advances on success.
OVSXDP_INLINE bool parse_tag(const cursor& c, u32& offset, be16& tpid_out, be16& tci_out) {
  struct OVSXDP_WIRE tag_and_type {
    tag t;
    be16 next;
  };
  const tag_and_type* h = c.at<tag_and_type>(offset);
  if (!h || !is_tpid(h->t.tpid)) return false;
  tpid_out = h->t.tpid;
  tci_out = h->t.tci | be16_c<kPresent>;
  offset += kTagLength;
  return true;
}

}  // namespace ovsxdp::vlan
