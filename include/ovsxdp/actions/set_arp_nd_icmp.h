// set / set_masked of ARP, IPv6 neighbor discovery, ICMP and ICMPv6 fields.
// The Linux datapath refuses these (ovs-vswitchd sends such flows to its
// slow path); Open vSwitch's userspace datapath executes them
// (lib/odp-execute.c set_arp, odp_set_nd, packet_set_nd, packet_set_icmp),
// and so do we, the same way:
//  - a packet without the header to rewrite is left alone (a runt, a later
//    fragment): OVS checks the length and does nothing;
//  - ICMP and ICMPv6 checksums are updated incrementally, and only when the
//    bytes change; ARP has no checksum;
//  - nd: the target, then the first source (type 1) or target (type 2)
//    link-layer option of length 1 gets sll or tll; without such an option
//    nothing is added;
//  - masks follow the set_masked rule, also for ICMP, where OVS 3.1 aborts.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/arp.h"
#include "ovsxdp/proto/checksum.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/ipv6.h"
#include "ovsxdp/proto/transport.h"

namespace ovsxdp::action {

namespace detail {
// A word of packet or record bytes at any alignment. BPF loads and stores
// unaligned words as they are (x86, no strict alignment); memcpy would make
// clang split them into bytes. may_alias: the bytes are also read as u8.
template <class T>
struct word_type;
template <>
struct word_type<u16> {
  typedef u16 __attribute__((may_alias)) type;
};
template <>
struct word_type<u32> {
  typedef u32 __attribute__((may_alias)) type;
};
template <class T>
OVSXDP_INLINE typename word_type<T>::type& word_at(u8* p) { return *reinterpret_cast<typename word_type<T>::type*>(p); }
template <class T>
OVSXDP_INLINE T word_at(const u8* p) { return *reinterpret_cast<const typename word_type<T>::type*>(p); }

// The Internet checksum after N bytes (at an even offset from the start of
// what it covers) change from `from` to `to` (RFC 1624, word by word).
template <u32 N>
OVSXDP_INLINE u16 checksum_replace(u16 check, const u8* from, const u8* to) {
  static_assert(N % 2 == 0);
  u32 sum = static_cast<u16>(~check);
#pragma unroll
  for (u32 i = 0; i < N; i += 2) sum += static_cast<u16>(~word_at<u16>(from + i)) + static_cast<u32>(word_at<u16>(to + i));
  return static_cast<u16>(~csum::fold(sum));
}

// out = value | (old & ~mask) over N bytes (6: a MAC, 16: an IPv6 address),
// a word at a time: fewer instructions for the verifier than byte by byte.
template <u32 N>
OVSXDP_INLINE void masked_bytes(u8* out, const u8* old, const u8* value, const u8* mask) {
  static_assert(N == 6 || N == 16);
  if constexpr (N == 6) {
    word_at<u32>(out) = masked(word_at<u32>(old), word_at<u32>(value), word_at<u32>(mask));
    word_at<u16>(out + 4) = masked(word_at<u16>(old + 4), word_at<u16>(value + 4), word_at<u16>(mask + 4));
  } else {
#pragma unroll
    for (u32 i = 0; i < N; i += 4) word_at<u32>(out + i) = masked(word_at<u32>(old + i), word_at<u32>(value + i), word_at<u32>(mask + i));
  }
}
}  // namespace detail

OVSXDP_INLINE int set_arp(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_arp& value, const ovsxdp_set_arp& mask) {
  const cursor c(frame_of(ctx));
  auto* h = c.at<arp::header>(st.layout.l3);
  if (!h) return kOk;
  h->op = masked(h->op, value.op, mask.op);
  detail::word_at<u32>(h->sip) = masked(detail::word_at<u32>(h->sip), value.sip, mask.sip);
  detail::word_at<u32>(h->tip) = masked(detail::word_at<u32>(h->tip), value.tip, mask.tip);
  detail::masked_bytes<6>(h->sha, h->sha, value.sha, mask.sha);
  detail::masked_bytes<6>(h->tha, h->tha, value.tha, mask.tha);
  arp::parse(c, st.layout.l3, st.key);  // the key as extraction would give it
  return kOk;
}

// ICMP and ICMPv6 alike: the type/code word is covered by the checksum, the
// pseudo-header is not involved.
OVSXDP_INLINE int set_icmp(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_icmp& value, const ovsxdp_set_icmp& mask) {
  u32 l4 = st.layout.l4;
  if (!l4) return kOk;
  opaque(l4);  // else clang folds this test into cursor::at's bound as one range check the verifier cannot follow
  auto* h = cursor(frame_of(ctx)).at<icmp::header>(l4);
  if (!h) return kOk;
  const u16 before = load_unaligned<u16>(h);
  h->type = masked(h->type, value.type, mask.type);
  h->code = masked(h->code, value.code, mask.code);
  const u16 after = load_unaligned<u16>(h);
  if (after != before) h->checksum = csum::replace16(h->checksum, before, after);
  st.key.tp_src = hton16(h->type);
  st.key.tp_dst = hton16(h->code);
  return kOk;
}

namespace detail {
// Where the ICMPv6 message ends: the IPv6 payload, not Ethernet padding.
OVSXDP_INLINE u32 ipv6_payload_end(const cursor& c, u32 l3) {
  const auto* ip = c.at<ipv6::header>(l3);
  const u32 frame = c.length();
  if (!ip) return frame;
  const u32 end = l3 + sizeof(ipv6::header) + ntoh16(ip->payload_length);
  return end < frame ? end : frame;
}

template <u32 N>
OVSXDP_INLINE void copy_bytes(u8* to, const u8* from) {
  if constexpr (N == 6) {
    word_at<u32>(to) = word_at<u32>(from);
    word_at<u16>(to + 4) = word_at<u16>(from + 4);
  } else {
#pragma unroll
    for (u32 i = 0; i < N; i += 4) word_at<u32>(to + i) = word_at<u32>(from + i);
  }
}

// The N bytes at `a` and `b` differ (N: 6 or 16).
template <u32 N>
OVSXDP_INLINE bool differs(const u8* a, const u8* b) {
  if constexpr (N == 6) return ((word_at<u32>(a) ^ word_at<u32>(b)) | (word_at<u16>(a + 4) ^ word_at<u16>(b + 4))) != 0;
  u32 diff = 0;
#pragma unroll
  for (u32 i = 0; i < N; i += 4) diff |= word_at<u32>(a + i) ^ word_at<u32>(b + i);
  return diff != 0;
}
}  // namespace detail

OVSXDP_INLINE int set_nd(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_nd& value, const ovsxdp_set_nd& mask) {
  u32 l4 = st.layout.l4;
  if (!l4) return kOk;
  opaque(l4);  // else clang folds this test into cursor::at's bound as one range check the verifier cannot follow
  const cursor c(frame_of(ctx));
  auto* msg = c.at<icmpv6::neighbor_message>(l4);
  if (!msg) return kOk;  // shorter than a neighbor message: OVS leaves it
  auto& nd = st.key.nw_ext.nd;
  // New values are built in the key, which holds them afterwards anyway: a
  // stack copy would lengthen the deepest call chain past the BPF limit.
  detail::masked_bytes<16>(nd.target, msg->target, value.target, mask.target);
  if (detail::differs<16>(msg->target, nd.target)) {
    msg->icmp.checksum = detail::checksum_replace<16>(msg->icmp.checksum, msg->target, nd.target);
    detail::copy_bytes<16>(msg->target, nd.target);
  }
  const u32 end = detail::ipv6_payload_end(c, st.layout.l3);
  u32 at = l4 + sizeof(icmpv6::neighbor_message);
  // A real loop, bounded like the extractor's (normalize_offset merges its
  // paths at the loop head). OVS stops at the first SLL or TLL option.
#pragma nounroll
  for (u32 i = 0; i < icmpv6::kMaxNdOptions; i++) {
    if (!normalize_offset(at) || at > end || end - at < sizeof(icmpv6::nd_option)) break;
    auto* opt = c.at<icmpv6::nd_option>(at);
    if (!opt || opt->length == 0) break;
    const bool sll = opt->type == icmpv6::option::source_link_address;
    if (opt->length == 1 && (sll || opt->type == icmpv6::option::target_link_address)) {
      u8* n = sll ? nd.sll : nd.tll;
      const u8* v = sll ? value.sll : value.tll;
      const u8* m = sll ? mask.sll : mask.tll;
      detail::masked_bytes<6>(n, opt->address, v, m);
      auto* check = c.at<icmpv6::header>(l4);  // re-derived: clang may not keep msg live across the loop
      if (check && detail::differs<6>(opt->address, n)) {
        check->checksum = detail::checksum_replace<6>(check->checksum, opt->address, n);
        detail::copy_bytes<6>(opt->address, n);
      }
      break;
    }
    at += opt->length * 8u;
  }
  return kOk;
}

}  // namespace ovsxdp::action
