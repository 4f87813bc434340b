// IPv6 with its extension-header chain (Linux parse_ipv6hdr and
// ipv6_find_hdr with target -1).
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::ipv6 {

struct OVSXDP_WIRE header {
  be32 version_class_label;
  be16 payload_length;
  u8 next_header;
  u8 hop_limit;
  u8 src[16];
  u8 dst[16];
};
static_assert(sizeof(header) == 40);

struct OVSXDP_WIRE extension_header {
  u8 next_header;
  u8 length;  // in 8-octet units, not counting the first 8 (AH: 4-octet units minus 2)
};

struct OVSXDP_WIRE fragment_header {
  u8 next_header;
  u8 reserved;
  be16 offset_flags;  // offset << 3 | M
  be32 id;
};

namespace next {
inline constexpr u8 hop_by_hop = 0;
inline constexpr u8 tcp = 6;
inline constexpr u8 udp = 17;
inline constexpr u8 routing = 43;
inline constexpr u8 fragment = 44;
inline constexpr u8 auth = 51;
inline constexpr u8 icmpv6 = 58;
inline constexpr u8 none = 59;
inline constexpr u8 dest_options = 60;
}  // namespace next

// Linux walks the chain without a bound; we stop after this many headers and
// treat a longer chain like an unreadable one (proto = 59, no L4).
inline constexpr u32 kMaxExtensionHeaders = 8;
inline constexpr u32 kFlowLabelMask = 0x000fffff;

OVSXDP_INLINE bool is_extension(u8 nh) {
  return nh == next::hop_by_hop || nh == next::routing || nh == next::fragment || nh == next::auth ||
         nh == next::none || nh == next::dest_options;
}

// Fills the IPv6 fields; returns the L4 offset, or 0 when no L4 header is to
// be parsed (short header, unreadable chain, later fragment).
OVSXDP_INLINE u32 parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  const header* h = c.at<header>(offset);
  if (!h) return 0;  // key keeps zero IP fields
  u32 word0 = ntoh32(h->version_class_label);
  key.ip_tos = static_cast<u8>(word0 >> 20);
  key.ip_ttl = h->hop_limit;
  key.ipv6_label = h->version_class_label & be32_c<kFlowLabelMask>;
  __builtin_memcpy(key.nw.ipv6.src, h->src, 16);
  __builtin_memcpy(key.nw.ipv6.dst, h->dst, 16);
  key.ip_proto = next::none;

  u8 nh = h->next_header;
  u32 start = offset + sizeof(header);
  bool fragment = false;
  bool resolved = false;
// A real loop, not unrolled: with normalize_offset() the verifier merges
  // its paths at the loop head.
#pragma nounroll
  for (u32 i = 0; i <= kMaxExtensionHeaders; i++) {
    if (!is_extension(nh) || nh == next::none) {
      resolved = true;
      break;
    }
    if (i == kMaxExtensionHeaders || !normalize_offset(start)) break;
    const extension_header* eh = c.at<extension_header>(start);
    if (!eh) break;
    if (nh == next::routing && !c.has(start, 4)) break;
    u32 length;
    if (nh == next::fragment) {
      fragment = true;
      const auto* offset_flags = c.at<wire<be16>>(start + 2);
      if (!offset_flags) break;
      if (ntoh16(offset_flags->value) & ~0x7u) {
        // A later fragment: only its own next header is known.
        if (!is_extension(eh->next_header) || eh->next_header == next::none) {
          key.ip_frag = OVSXDP_FRAG_LATER;
          key.ip_proto = next::fragment;
          return 0;
        }
        break;  // Linux: -ENOENT, reported as a first fragment with proto 59
      }
      length = 8;
    } else if (nh == next::auth) {
      length = (eh->length + 2u) * 4u;
    } else {
      length = (eh->length + 1u) * 8u;
    }
    nh = eh->next_header;
    start += length;
  }
  key.ip_frag = fragment ? OVSXDP_FRAG_FIRST : OVSXDP_FRAG_NONE;
  if (!resolved) return 0;
  key.ip_proto = nh;
  return start;
}

// True when a routing header with segments left precedes the transport
// header: the L4 pseudo-header then holds the final destination, not the
// IPv6 destination field (Linux: ipv6_find_hdr(NEXTHDR_ROUTING, SKIP_RH)).
OVSXDP_INLINE bool has_active_routing_header(const cursor& c, u32 offset) {
  const header* h = c.at<header>(offset);
  if (!h) return false;
  u8 nh = h->next_header;
  u32 start = offset + sizeof(header);
#pragma nounroll
  for (u32 i = 0; i < kMaxExtensionHeaders; i++) {
    if (!is_extension(nh) || nh == next::none || !normalize_offset(start)) return false;
    const extension_header* eh = c.at<extension_header>(start);
    if (!eh) return false;
    if (nh == next::routing) {
      const u8* segments_left = c.at<u8>(start + 3);
      if (segments_left && *segments_left) return true;
    }
    if (nh == next::fragment) return false;  // what follows a fragment header is not parsed
    const u32 length = nh == next::auth ? (eh->length + 2u) * 4u : (eh->length + 1u) * 8u;
    nh = eh->next_header;
    start += length;
  }
  return false;
}

}  // namespace ovsxdp::ipv6
