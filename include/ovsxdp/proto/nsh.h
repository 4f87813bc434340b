// Network Service Header (RFC 8300), as Linux extracts it into the OVS flow
// key (net/openvswitch/flow.c parse_nsh) and pushes and pops it
// (net/nsh/nsh.c). The header is 8 bytes of base and service path header
// plus metadata: 16 bytes of context for MD type 1, TLVs for MD type 2.
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::nsh {

inline constexpr u32 kBaseLength = 8;         // base header + service path header
inline constexpr u32 kMd1Length = 24;         // the whole header with MD type 1 context
inline constexpr u32 kMaxLength = 256;        // Linux NSH_HDR_MAX_LEN
inline constexpr u8 kMdType1 = 1, kMdType2 = 2;

struct OVSXDP_WIRE header {
  be16 ver_flags_ttl_len;  // version:2 flags:2 ttl:6 length:6 (in 4-byte words)
  u8 mdtype;
  u8 np;
  be32 path_hdr;           // SPI:24 SI:8
};
static_assert(sizeof(header) == kBaseLength);

OVSXDP_INLINE u32 version(const header& h) { return ntoh16(h.ver_flags_ttl_len) >> 14; }
OVSXDP_INLINE u8 flags(const header& h) { return static_cast<u8>((ntoh16(h.ver_flags_ttl_len) >> 12) & 0x3); }
OVSXDP_INLINE u8 ttl(const header& h) { return static_cast<u8>((ntoh16(h.ver_flags_ttl_len) >> 6) & 0x3f); }
OVSXDP_INLINE u32 length(const header& h) { return (ntoh16(h.ver_flags_ttl_len) & 0x3f) * 4u; }

// The first word of a header with version 0.
OVSXDP_INLINE be16 first_word(u8 flags, u8 ttl, u32 length_bytes) {
  return hton16(static_cast<u16>(((flags & 0x3u) << 12) | ((ttl & 0x3fu) << 6) | ((length_bytes / 4) & 0x3fu)));
}

// Linux tun_p_from_eth_p / tun_p_to_eth_p.
OVSXDP_INLINE u8 np_from_ethertype(u16 type) {
  switch (type) {
    case 0x0800: return OVSXDP_NSH_NP_IPV4;
    case 0x86dd: return OVSXDP_NSH_NP_IPV6;
    case 0x6558: return OVSXDP_NSH_NP_ETHERNET;
    case 0x894f: return OVSXDP_NSH_NP_NSH;
    case 0x8847: return OVSXDP_NSH_NP_MPLS;
    default: return 0;
  }
}
OVSXDP_INLINE u16 ethertype_from_np(u8 np) {
  switch (np) {
    case OVSXDP_NSH_NP_IPV4: return 0x0800;
    case OVSXDP_NSH_NP_IPV6: return 0x86dd;
    case OVSXDP_NSH_NP_ETHERNET: return 0x6558;
    case OVSXDP_NSH_NP_NSH: return 0x894f;
    case OVSXDP_NSH_NP_MPLS: return 0x8847;
    default: return 0;
  }
}

// Fills key.nw.nsh from the header at `offset`. Returns false where Linux
// fails the key extraction (and so drops the packet): a header cut short, a
// version other than 0, MD type 1 with a length other than 24, or an MD type
// other than 1 and 2. MD type 2 TLVs are not part of the key.
OVSXDP_INLINE bool parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  const header* h = c.at<header>(offset);
  if (!h || version(*h) != 0) return false;
  const u32 len = length(*h);
  if (!c.has(offset, len)) return false;
  auto& n = key.nw.nsh;
  n.flags = flags(*h);
  n.ttl = ttl(*h);
  n.mdtype = h->mdtype;
  n.np = h->np;
  n.path_hdr = h->path_hdr;
  if (h->mdtype == kMdType1) {
    if (len != kMd1Length) return false;
    const auto* context = c.at<wire<be32[OVSXDP_NSH_CONTEXT_WORDS]>>(offset + kBaseLength);
    if (!context) return false;
#pragma unroll
    for (u32 i = 0; i < OVSXDP_NSH_CONTEXT_WORDS; i++) n.context[i] = context->value[i];
    return true;
  }
  return h->mdtype == kMdType2;  // context stays zero
}

}  // namespace ovsxdp::nsh
