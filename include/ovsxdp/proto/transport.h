// TCP, UDP, SCTP and ICMP: the L4 fields of the key (Linux tcphdr_ok,
// udphdr_ok, sctphdr_ok, icmphdr_ok). A header too short to read leaves the
// L4 fields zero; the packet is not dropped.
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp {

namespace ip_proto {
inline constexpr u8 icmp = 1;
inline constexpr u8 tcp = 6;
inline constexpr u8 udp = 17;
inline constexpr u8 icmpv6 = 58;
inline constexpr u8 sctp = 132;
}  // namespace ip_proto

namespace tcp {
struct OVSXDP_WIRE header {
  be16 src;
  be16 dst;
  be32 seq;
  be32 ack;
  be16 offset_flags;  // data offset (4 bits), reserved (3), NS and 8 flag bits
  be16 window;
  be16 checksum;
  be16 urgent;
};
static_assert(sizeof(header) == 20);

inline constexpr u16 kFlagsMask = 0x0fff;
namespace flag {
inline constexpr u16 fin = 0x001, syn = 0x002, rst = 0x004, psh = 0x008, ack = 0x010, urg = 0x020,
                     ece = 0x040, cwr = 0x080, ns = 0x100;
}

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  const header* h = c.at<header>(offset);
  if (!h) return;
  u32 length = (ntoh16(h->offset_flags) >> 12) * 4u;
  if (length < sizeof(header) || !c.has(offset, length)) return;
  key.tp_src = h->src;
  key.tp_dst = h->dst;
  key.tcp_flags = h->offset_flags & be16_c<kFlagsMask>;
}
}  // namespace tcp

namespace udp {
struct OVSXDP_WIRE header {
  be16 src;
  be16 dst;
  be16 length;
  be16 checksum;
};
static_assert(sizeof(header) == 8);

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  if (const header* h = c.at<header>(offset)) {
    key.tp_src = h->src;
    key.tp_dst = h->dst;
  }
}
}  // namespace udp

namespace sctp {
struct OVSXDP_WIRE header {
  be16 src;
  be16 dst;
  be32 verification_tag;
  be32 checksum;  // CRC32c, little-endian on the wire
};
static_assert(sizeof(header) == 12);

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  if (const header* h = c.at<header>(offset)) {
    key.tp_src = h->src;
    key.tp_dst = h->dst;
  }
}
}  // namespace sctp

namespace icmp {
// Linux requires a whole struct icmphdr (8 bytes) before it reads type/code.
struct OVSXDP_WIRE header {
  u8 type;
  u8 code;
  be16 checksum;
  be32 rest;
};
static_assert(sizeof(header) == 8);

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  if (const header* h = c.at<header>(offset)) {
    key.tp_src = hton16(h->type);
    key.tp_dst = hton16(h->code);
  }
}
}  // namespace icmp

}  // namespace ovsxdp
