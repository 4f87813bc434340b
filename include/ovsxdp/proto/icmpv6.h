// ICMPv6 with Neighbor Discovery target and link-layer options (Linux
// parse_icmpv6).
#pragma once

#include "ovsxdp/proto/transport.h"

namespace ovsxdp::icmpv6 {

struct OVSXDP_WIRE header {
  u8 type;
  u8 code;
  be16 checksum;
  be32 rest;
};
static_assert(sizeof(header) == 8);

struct OVSXDP_WIRE neighbor_message {
  header icmp;
  u8 target[16];
};
static_assert(sizeof(neighbor_message) == 24);

struct OVSXDP_WIRE nd_option {
  u8 type;
  u8 length;  // in 8-octet units
  u8 address[6];
};
static_assert(sizeof(nd_option) == 8);

namespace type {
inline constexpr u8 neighbor_solicitation = 135;
inline constexpr u8 neighbor_advertisement = 136;
}  // namespace type
namespace option {
inline constexpr u8 source_link_address = 1;
inline constexpr u8 target_link_address = 2;
}  // namespace option

// Linux reads every option; we read this many and ignore the rest.
inline constexpr u32 kMaxNdOptions = 8;

OVSXDP_INLINE bool is_zero_mac(const u8* mac) {
  return (load_unaligned<u32>(mac) | load_unaligned<u16>(mac + 4)) == 0;
}

OVSXDP_INLINE void parse_neighbor_discovery(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  auto& nd = key.nw_ext.nd;
  zero(nd);
  const neighbor_message* msg = c.at<neighbor_message>(offset);
  if (!msg) return;
  __builtin_memcpy(nd.target, msg->target, 16);
  u32 frame_length = c.length();
  u32 at = offset + sizeof(neighbor_message);
// A real loop, not unrolled: with normalize_offset() the verifier merges
  // its paths at the loop head.
#pragma nounroll
  for (u32 i = 0; i < kMaxNdOptions; i++) {
    if (!normalize_offset(at) || at > frame_length || frame_length - at < sizeof(nd_option)) return;
    const nd_option* opt = c.at<nd_option>(at);
    if (!opt) return;
    u32 length = opt->length * 8u;
    if (length == 0 || length > frame_length - at) return;
    if (length == sizeof(nd_option)) {
      u8* slot = opt->type == option::source_link_address   ? nd.sll
                 : opt->type == option::target_link_address ? nd.tll
                                                            : nullptr;
      if (slot) {
        if (!is_zero_mac(slot)) {  // the same option twice: Linux zeroes all ND fields
          zero(nd);
          return;
        }
        __builtin_memcpy(slot, opt->address, 6);
      }
    }
    at += length;
  }
}

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  const header* h = c.at<header>(offset);
  if (!h) return;
  key.tp_src = hton16(h->type);
  key.tp_dst = hton16(h->code);
  if (h->code == 0 && (h->type == type::neighbor_solicitation || h->type == type::neighbor_advertisement))
    parse_neighbor_discovery(c, offset, key);
}

}  // namespace ovsxdp::icmpv6
