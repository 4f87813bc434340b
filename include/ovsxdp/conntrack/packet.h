// What conntrack reads from a packet: its tuple in its own direction and,
// for TCP, the segment's sequence space. Built from the flow key (addresses,
// protocol, ports) plus the few header bytes the key does not hold (ICMP
// identifiers, TCP sequence numbers, window and its scale option). Works on
// any cursor, so host tests parse packets exactly as the BPF tracker does.
#pragma once

#include "ovsxdp/abi/conntrack.h"
#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/conntrack/tcp.h"
#include "ovsxdp/flow/extract.h"
#include "ovsxdp/packet/cursor.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/ipv4.h"
#include "ovsxdp/proto/ipv6.h"
#include "ovsxdp/proto/transport.h"

namespace ovsxdp::conntrack {

// How a packet relates to the connection its tuple names.
enum class packet_kind : u8 {
  stream,        // TCP, UDP, other IP protocols: either direction
  icmp_request,  // ICMP query: opens a connection, original direction only
  icmp_reply,    // its answer: reply direction only
};

struct ct_packet {
  ovsxdp_ct_tuple tuple;  // in the packet's own direction
  tcp_segment tcp;        // TCP only
  u32 l3_bytes;           // the IP packet's length, for the entry's byte counts
  be16 orig_tp_src;       // what ct_tuple reports if this packet opens the connection
  be16 orig_tp_dst;
  packet_kind kind;
  // An ICMP error, related to the connection of the packet it quotes: its
  // tuple is that packet's, reversed, and its kind says in which directions
  // the connection may be found (a quoted echo request names its
  // connection's original direction, so the error travels in the reply
  // direction). Never opens a connection.
  bool related;
  // A SYN's options, for tcp_wscale (read apart: the scan is a loop).
  u8 tcp_options_length;
  u16 tcp_options;  // frame offset
};

enum class parse_result : u8 {
  ok,
  untrackable,  // not IP, or an IP fragment: +trk+inv, counted apart
  invalid,      // an IP packet conntrack refuses: truncated, an ICMP type it does not track
};

namespace detail {

// The answer to an ICMP query type, or 0 when the type is not a query.
OVSXDP_INLINE u8 icmp4_reply_of(u8 type) {
  switch (type) {
    case 8: return 0;    // echo
    case 13: return 14;  // timestamp
    case 15: return 16;  // information
    default: return 0xff;
  }
}
OVSXDP_INLINE u8 icmp4_request_of(u8 reply) {
  switch (reply) {
    case 0: return 8;
    case 14: return 13;
    case 16: return 15;
    default: return 0xff;
  }
}

// ICMP in IPv4 and ICMPv6 in IPv6 only: the other pairings are just IP
// protocols, tracked by addresses (as Linux and OVS do).
OVSXDP_INLINE bool is_icmp(u8 proto, u8 family) {
  return (proto == ip_proto::icmp && family == OVSXDP_CT_IPV4) || (proto == ip_proto::icmpv6 && family == OVSXDP_CT_IPV6);
}

// An ICMP or ICMPv6 query type: the request type its connection is keyed
// by, and whether `type` is that request (else its reply). False for every
// other type.
OVSXDP_INLINE bool icmp_query(u8 family, u8 type, u8& request, bool& is_request) {
  if (family == OVSXDP_CT_IPV4) {
    is_request = icmp4_reply_of(type) != 0xff;
    request = is_request ? type : icmp4_request_of(type);
    return request != 0xff;
  }
  is_request = type == 128;
  request = 128;
  return type == 128 || type == 129;
}

// Destination unreachable, source quench, redirect, time exceeded, parameter problem.
OVSXDP_INLINE bool icmp4_error(u8 type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }
// Destination unreachable, packet too big, time exceeded, parameter problem.
OVSXDP_INLINE bool icmp6_error(u8 type) { return type >= 1 && type <= 4; }

OVSXDP_INLINE bool same_address(const u8 (&a)[16], const u8 (&b)[16]) {
  return load_unaligned<u64>(a) == load_unaligned<u64>(b) && load_unaligned<u64>(a + 8) == load_unaligned<u64>(b + 8);
}

struct OVSXDP_WIRE quoted_transport_header {
  u8 bytes[8];
};

// The packet an ICMP error quotes, at `quoted` (Linux nf_conntrack_inet_error,
// OVS extract_l4_icmp): its addresses, protocol and the first 8 bytes of
// its transport header, which is all an error must carry. The quoted packet
// must have been sent by the error's destination (OVS and Linux both refuse
// others), must not be a fragment, and must be of the error's IP version;
// a quoted IPv6 packet with extension headers is not followed. Fills `p` with
// the quoted tuple reversed.
OVSXDP_INLINE parse_result parse_icmp_error(const cursor& c, u32 quoted, u32 l3_end, ct_packet& p) {
  u32 l4;
  u8 proto;
  if (p.tuple.family == OVSXDP_CT_IPV4) {
    const auto* ip = c.at<ipv4::header>(quoted);
    if (!ip) return parse_result::invalid;
    const u32 ihl = ipv4::header_length(*ip);
    if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(ipv4::header)) return parse_result::invalid;
    if (ip->frag_off & be16_c<ipv4::kMoreFragments | ipv4::kOffsetMask>) return parse_result::invalid;
    if (ip->src != load_unaligned<be32>(p.tuple.dst)) return parse_result::invalid;
    store_unaligned(p.tuple.src, ip->dst);
    store_unaligned(p.tuple.dst, ip->src);
    l4 = quoted + ihl;
    proto = ip->protocol;
  } else {
    const auto* ip = c.at<ipv6::header>(quoted);
    if (!ip) return parse_result::invalid;
    if ((ntoh32(ip->version_class_label) >> 28) != 6) return parse_result::invalid;
    if (!same_address(ip->src, p.tuple.dst)) return parse_result::invalid;
    copy(p.tuple.src, ip->dst);
    copy(p.tuple.dst, ip->src);
    l4 = quoted + sizeof(ipv6::header);
    proto = ip->next_header;
    if (proto == ipv6::next::hop_by_hop || proto == ipv6::next::routing || proto == ipv6::next::fragment || proto == ipv6::next::dest_options ||
        proto == ipv6::next::auth)
      return parse_result::invalid;
  }
  const auto* quoted_transport = c.at<quoted_transport_header>(l4);
  if (!quoted_transport || l4 + sizeof(quoted_transport_header) > l3_end) return parse_result::invalid;
  const u8* quoted_l4 = quoted_transport->bytes;
  p.tuple.proto = proto;
  p.related = true;
  p.kind = packet_kind::stream;
  if (proto == ip_proto::tcp || proto == ip_proto::udp) {
    p.tuple.src_port = load_unaligned<be16>(quoted_l4 + 2);
    p.tuple.dst_port = load_unaligned<be16>(quoted_l4);
  } else if (is_icmp(proto, p.tuple.family)) {
    // Only a quoted query names a connection (an error about an error never does).
    u8 request;
    bool quoted_request;
    if (quoted_l4[1] != 0 || !icmp_query(p.tuple.family, quoted_l4[0], request, quoted_request)) return parse_result::invalid;
    p.tuple.src_port = load_unaligned<be16>(quoted_l4 + 4);
    p.tuple.dst_port = hton16(request);
    // The connection of a quoted request has the quoted tuple as its
    // original: found by reversing ours, as a reply is.
    p.kind = quoted_request ? packet_kind::icmp_reply : packet_kind::icmp_request;
  }
  return parse_result::ok;
}

}  // namespace detail

inline constexpr u32 kTcpOptionsMax = 40;

// One option of a SYN's option scan (OVS tcp_get_wscale): moves `i` past
// it and records a window scale option in `wscale` (OVSXDP_CT_WSCALE_FLAG |
// shift). False at the end of the options.
OVSXDP_INLINE bool tcp_wscale_step(const u8 (&options)[kTcpOptionsMax], u32 length, u32& i, u8& wscale) {
  if (i >= length || i >= kTcpOptionsMax) return false;
  const u8 kind = options[i];
  if (kind == 0) return false;
  if (kind == 1) {
    i++;
    return true;
  }
  if (i + 1 >= length || i + 1 >= kTcpOptionsMax) return false;
  const u8 len = options[i + 1];
  if (kind == 3 && len >= 3 && i + 2 < length && i + 2 < kTcpOptionsMax) {
    const u8 shift = options[i + 2];
    wscale = static_cast<u8>((shift < kMaxWscale ? shift : kMaxWscale) | OVSXDP_CT_WSCALE_FLAG);
  }
  i += len < 2 ? 2u : len;
  return true;
}

// The whole scan, for host code (BPF runs the steps under bpf_loop).
inline u8 tcp_wscale(const u8 (&options)[kTcpOptionsMax], u32 length) {
  u32 i = 0;
  u8 wscale = 0;
  while (tcp_wscale_step(options, length, i, wscale)) {
  }
  return wscale;
}

OVSXDP_INLINE parse_result parse_packet(const cursor& c, const ovsxdp_flow_key& key, const ovsxdp_packet_layout& layout, u16 zone,
                                        ct_packet& p) {
  zero(p);
  p.tuple.zone = zone;
  p.tuple.proto = key.ip_proto;
  p.kind = packet_kind::stream;
  u32 l3_end;
  if (key.eth_type == be16_c<ethernet::type::ipv4>) {
    p.tuple.family = OVSXDP_CT_IPV4;
    copy(*reinterpret_cast<be32*>(p.tuple.src), key.nw.ipv4.src);
    copy(*reinterpret_cast<be32*>(p.tuple.dst), key.nw.ipv4.dst);
    const auto* ip = c.at<ipv4::header>(layout.l3);
    if (!ip) return parse_result::invalid;
    p.l3_bytes = ntoh16(ip->total_length);
  } else if (key.eth_type == be16_c<ethernet::type::ipv6>) {
    p.tuple.family = OVSXDP_CT_IPV6;
    copy(p.tuple.src, key.nw.ipv6.src);
    copy(p.tuple.dst, key.nw.ipv6.dst);
    const auto* ip = c.at<ipv6::header>(layout.l3);
    if (!ip) return parse_result::invalid;
    p.l3_bytes = sizeof(ipv6::header) + ntoh16(ip->payload_length);
  } else {
    return parse_result::untrackable;
  }
  if (key.ip_frag != OVSXDP_FRAG_NONE) return parse_result::untrackable;
  l3_end = layout.l3 + p.l3_bytes;
  const u32 l4 = layout.l4;
  const u8 proto = key.ip_proto;

  if (proto == ip_proto::tcp) {
    const auto* h = c.at<tcp::header>(l4);
    if (!l4 || !h) return parse_result::invalid;
    const u32 header = (ntoh16(h->offset_flags) >> 12) * 4u;
    // The whole header, options included, in the frame (Linux drops a packet
    // shorter than its IP length before conntrack sees it).
    if (header < sizeof(tcp::header) || l3_end < l4 + header || !c.has(l4, header)) return parse_result::invalid;
    p.tuple.src_port = h->src;
    p.tuple.dst_port = h->dst;
    p.orig_tp_src = h->src;
    p.orig_tp_dst = h->dst;
    p.tcp.seq = ntoh32(h->seq);
    p.tcp.ack = ntoh32(h->ack);
    p.tcp.window = ntoh16(h->window);
    p.tcp.flags = ntoh16(h->offset_flags) & 0x3f;
    p.tcp.payload = l3_end - l4 - header;
    if ((p.tcp.flags & tcp_flag::syn) && header > sizeof(tcp::header)) {
      p.tcp_options = static_cast<u16>(l4 + sizeof(tcp::header));
      p.tcp_options_length = static_cast<u8>(header - sizeof(tcp::header));
    }
    return parse_result::ok;
  }
  if (proto == ip_proto::udp) {
    const auto* h = c.at<udp::header>(l4);
    if (!l4 || !h) return parse_result::invalid;
    p.tuple.src_port = h->src;
    p.tuple.dst_port = h->dst;
    p.orig_tp_src = h->src;
    p.orig_tp_dst = h->dst;
    return parse_result::ok;
  }
  if (detail::is_icmp(proto, p.tuple.family)) {
    // type, code, checksum, then the query's identifier.
    const u8* type = c.at<u8>(l4);
    const be16* id = c.at<be16>(l4 + 4);
    if (!l4 || !type || !id) return parse_result::invalid;
    u8 request;
    bool is_request;
    if (detail::icmp_query(p.tuple.family, *type, request, is_request)) {
      p.kind = is_request ? packet_kind::icmp_request : packet_kind::icmp_reply;
    } else if (p.tuple.family == OVSXDP_CT_IPV4 ? detail::icmp4_error(*type) : detail::icmp6_error(*type)) {
      return detail::parse_icmp_error(c, l4 + 8, l3_end, p);
    } else {
      return parse_result::invalid;
    }
    p.tuple.src_port = *id;
    p.tuple.dst_port = hton16(request);
    p.orig_tp_src = hton16(request);  // OVS reports an ICMP connection's type and code
    p.orig_tp_dst = 0;
    return parse_result::ok;
  }
  // Other IP protocols are tracked by addresses alone (SCTP too, as OVS's userspace conntrack does).
  return parse_result::ok;
}

// The tuple of the other direction. ICMP queries keep identifier and type.
OVSXDP_INLINE void reverse_tuple(const ovsxdp_ct_tuple& t, ovsxdp_ct_tuple& r) {
  copy(r, t);
  copy(r.src, t.dst);
  copy(r.dst, t.src);
  if (t.proto != ip_proto::icmp && t.proto != ip_proto::icmpv6) {
    r.src_port = t.dst_port;
    r.dst_port = t.src_port;
  }
}

}  // namespace ovsxdp::conntrack
