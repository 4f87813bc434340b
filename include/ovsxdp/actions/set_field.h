// set / set_masked of header fields (Linux net/openvswitch/actions.c
// set_eth_addr, set_ipv4, set_ipv6, set_tcp, set_udp, set_sctp, set_mpls),
// with checksums updated incrementally the way Linux does: a UDP checksum of
// zero stays zero, a computed zero becomes 0xffff, SCTP's CRC32c gets the
// delta of the rewritten bytes, and an IPv6 destination behind an active
// routing header leaves the L4 checksum alone.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/checksum.h"
#include "ovsxdp/proto/icmpv6.h"
#include "ovsxdp/proto/ipv4.h"
#include "ovsxdp/proto/ipv6.h"
#include "ovsxdp/proto/mpls.h"
#include "ovsxdp/proto/transport.h"

namespace ovsxdp::action {

namespace detail {

// The transport checksum covering the IP pseudo-header, if the packet has
// one to update. `udp` tells the caller to apply UDP's zero rules.
OVSXDP_INLINE be16* pseudo_header_checksum(const cursor& c, u32 l4, u8 proto, bool ipv6, bool& udp) {
  udp = false;
  if (!l4) return nullptr;  // later fragment or no transport header
  if (proto == ip_proto::tcp) {
    auto* h = c.at<tcp::header>(l4);
    return h ? &h->checksum : nullptr;
  }
  if (proto == ip_proto::udp) {
    auto* h = c.at<udp::header>(l4);
    udp = true;
    return h ? &h->checksum : nullptr;
  }
  if (ipv6 && proto == ip_proto::icmpv6) {
    auto* h = c.at<icmpv6::header>(l4);
    return h ? &h->checksum : nullptr;
  }
  return nullptr;
}

OVSXDP_INLINE void update_pseudo_header(be16* check, bool udp, u16 updated) {
  if (!check || (udp && *check == 0)) return;
  *check = udp ? csum::udp_mangled(updated) : updated;
}

}  // namespace detail

OVSXDP_INLINE int set_ethernet(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_ethernet& value,
                               const ovsxdp_set_ethernet& mask) {
  if (st.key.mac_proto != OVSXDP_MAC_ETHERNET) return fail(st, OVSXDP_C_DROP_ACTION);
  auto* eth = cursor(frame_of(ctx)).at<ethernet::header>(0);
  if (!eth) return fail(st, OVSXDP_C_DROP_ACTION);
#pragma unroll
  for (u32 i = 0; i < 6; i++) {
    eth->src[i] = masked(eth->src[i], value.src[i], mask.src[i]);
    eth->dst[i] = masked(eth->dst[i], value.dst[i], mask.dst[i]);
    st.key.eth_src[i] = eth->src[i];
    st.key.eth_dst[i] = eth->dst[i];
  }
  return kOk;
}

OVSXDP_INLINE int set_ipv4(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_ipv4& value, const ovsxdp_set_ipv4& mask) {
  const cursor c(frame_of(ctx));
  auto* ip = c.at<ipv4::header>(st.layout.l3);
  if (!ip) return fail(st, OVSXDP_C_DROP_ACTION);
  bool udp;
  be16* l4_check = detail::pseudo_header_checksum(c, st.layout.l4, ip->protocol, false, udp);
  if (mask.src) {
    const be32 n = masked(ip->src, value.src, mask.src);
    if (n != ip->src) {
      if (l4_check) detail::update_pseudo_header(l4_check, udp, csum::replace32(*l4_check, ip->src, n));
      ip->checksum = csum::replace32(ip->checksum, ip->src, n);
      ip->src = n;
    }
    st.key.nw.ipv4.src = n;
  }
  if (mask.dst) {
    const be32 n = masked(ip->dst, value.dst, mask.dst);
    if (n != ip->dst) {
      if (l4_check) detail::update_pseudo_header(l4_check, udp, csum::replace32(*l4_check, ip->dst, n));
      ip->checksum = csum::replace32(ip->checksum, ip->dst, n);
      ip->dst = n;
    }
    st.key.nw.ipv4.dst = n;
  }
  if (mask.tos) {
    u8* word = reinterpret_cast<u8*>(ip);  // {version_ihl, tos}
    const u16 before = load_unaligned<u16>(word);
    ip->tos = masked(ip->tos, value.tos, mask.tos);
    ip->checksum = csum::replace16(ip->checksum, before, load_unaligned<u16>(word));
    st.key.ip_tos = ip->tos;
  }
  if (mask.ttl) {
    u8* word = &ip->ttl;  // {ttl, protocol}
    const u16 before = load_unaligned<u16>(word);
    ip->ttl = masked(ip->ttl, value.ttl, mask.ttl);
    ip->checksum = csum::replace16(ip->checksum, before, load_unaligned<u16>(word));
    st.key.ip_ttl = ip->ttl;
  }
  return kOk;
}

OVSXDP_INLINE bool any_set(const u8* bytes, u32 n) {
  u8 any = 0;
#pragma unroll
  for (u32 i = 0; i < 16; i++)
    if (i < n) any |= bytes[i];
  return any != 0;
}

OVSXDP_INLINE int set_ipv6(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_ipv6& value, const ovsxdp_set_ipv6& mask) {
  const cursor c(frame_of(ctx));
  auto* ip = c.at<ipv6::header>(st.layout.l3);
  if (!ip) return fail(st, OVSXDP_C_DROP_ACTION);
  bool udp;
  be16* l4_check = detail::pseudo_header_checksum(c, st.layout.l4, st.key.ip_proto, true, udp);
  // The new address is built in the key, which holds it afterwards anyway:
  // a stack copy would lengthen the deepest call chain past the BPF limit.
  if (any_set(mask.src, 16)) {
    u8* n = st.key.nw.ipv6.src;
#pragma unroll
    for (u32 i = 0; i < 16; i++) n[i] = masked(ip->src[i], value.src[i], mask.src[i]);
    if (l4_check) detail::update_pseudo_header(l4_check, udp, csum::replace128(*l4_check, ip->src, n));
    __builtin_memcpy(ip->src, n, 16);
  }
  if (any_set(mask.dst, 16)) {
    u8* n = st.key.nw.ipv6.dst;
#pragma unroll
    for (u32 i = 0; i < 16; i++) n[i] = masked(ip->dst[i], value.dst[i], mask.dst[i]);
    if (l4_check && !ipv6::has_active_routing_header(c, st.layout.l3))
      detail::update_pseudo_header(l4_check, udp, csum::replace128(*l4_check, ip->dst, n));
    __builtin_memcpy(ip->dst, n, 16);
  }
  u32 word0 = ntoh32(ip->version_class_label);
  if (mask.tclass) {
    const u8 tclass = masked(static_cast<u8>(word0 >> 20), value.tclass, mask.tclass);
    word0 = (word0 & ~0x0ff00000u) | (static_cast<u32>(tclass) << 20);
    st.key.ip_tos = tclass;
  }
  const u32 label_mask = ntoh32(mask.label) & ipv6::kFlowLabelMask;
  if (label_mask) {
    word0 = masked(word0, ntoh32(value.label) & label_mask, label_mask);
    st.key.ipv6_label = hton32(word0 & ipv6::kFlowLabelMask);
  }
  ip->version_class_label = hton32(word0);
  if (mask.hlimit) {
    ip->hop_limit = masked(ip->hop_limit, value.hlimit, mask.hlimit);
    st.key.ip_ttl = ip->hop_limit;
  }
  return kOk;
}

// TCP, UDP or SCTP ports. The transport header must be present (a later
// fragment has none: the action then fails and the packet is dropped).
OVSXDP_INLINE int set_transport(xdp_md* ctx, ovsxdp_exec_state& st, u8 proto, const ovsxdp_set_transport& value,
                                const ovsxdp_set_transport& mask) {
  const cursor c(frame_of(ctx));
  const u32 l4 = st.layout.l4;
  if (!l4) return fail(st, OVSXDP_C_DROP_ACTION);
  auto* ports = c.at<ovsxdp_set_transport>(l4);  // src, dst lead every one of these headers
  if (!ports) return fail(st, OVSXDP_C_DROP_ACTION);
  const be16 src = mask.src ? masked(ports->src, value.src, mask.src) : ports->src;
  const be16 dst = mask.dst ? masked(ports->dst, value.dst, mask.dst) : ports->dst;
  if (proto == ip_proto::sctp) {
    auto* h = c.at<sctp::header>(l4);
    if (!h) return fail(st, OVSXDP_C_DROP_ACTION);
    const u32 length = c.length() - l4;
    ovsxdp_set_transport after{src, dst};
    const u32 delta = csum::sctp_port_delta(reinterpret_cast<const u8*>(ports), reinterpret_cast<const u8*>(&after), length);
    h->checksum ^= delta;  // the field holds the CRC little-endian
  } else {
    be16* check;
    if (proto == ip_proto::tcp) {
      auto* h = c.at<tcp::header>(l4);
      if (!h) return fail(st, OVSXDP_C_DROP_ACTION);
      check = &h->checksum;
    } else {
      auto* h = c.at<udp::header>(l4);
      if (!h) return fail(st, OVSXDP_C_DROP_ACTION);
      check = &h->checksum;
    }
    const bool udp = proto == ip_proto::udp;
    if (src != ports->src) detail::update_pseudo_header(check, udp, csum::replace16(*check, ports->src, src));
    if (dst != ports->dst) detail::update_pseudo_header(check, udp, csum::replace16(*check, ports->dst, dst));
  }
  ports->src = src;
  ports->dst = dst;
  st.key.tp_src = src;
  st.key.tp_dst = dst;
  return kOk;
}

// The top MPLS label stack entry.
OVSXDP_INLINE int set_mpls(xdp_md* ctx, ovsxdp_exec_state& st, const ovsxdp_set_mpls& value, const ovsxdp_set_mpls& mask) {
  auto* lse = cursor(frame_of(ctx)).at<be32>(st.layout.l3);
  if (!lse) return fail(st, OVSXDP_C_DROP_ACTION);
  *lse = masked(*lse, value.lse, mask.lse);
  st.key.nw.mpls.lse[0] = *lse;
  return kOk;
}

// skb_mark and skb_priority: XDP has no skb, so these live in the key only,
// where recirculated lookups match them.
OVSXDP_INLINE int set_skb_mark(ovsxdp_exec_state& st, const ovsxdp_set_u32& value, const ovsxdp_set_u32& mask) {
  st.key.skb_mark = masked(st.key.skb_mark, value.value, mask.value);
  return kOk;
}

OVSXDP_INLINE int set_priority(ovsxdp_exec_state& st, const ovsxdp_set_u32& value, const ovsxdp_set_u32& mask) {
  st.key.priority = masked(st.key.priority, value.value, mask.value);
  return kOk;
}

}  // namespace ovsxdp::action
