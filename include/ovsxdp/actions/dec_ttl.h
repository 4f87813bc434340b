// dec_ttl (Linux execute_dec_ttl): decrement the IPv4 TTL or IPv6 hop limit;
// at 1 or below the packet takes the le_1 branch instead.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/checksum.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/ipv4.h"
#include "ovsxdp/proto/ipv6.h"

namespace ovsxdp::action {

OVSXDP_INLINE int dec_ttl(xdp_md* ctx, ovsxdp_exec_state& st) {
  // Linux acts on skb->protocol: with an inner VLAN tag left in the frame
  // (QinQ) that is the tag's TPID, and the action does nothing.
  if (st.key.cvlan_tci) return kOk;
  const cursor c(frame_of(ctx));
  if (st.key.eth_type == be16_c<ethernet::type::ipv4>) {
    auto* ip = c.at<ipv4::header>(st.layout.l3);
    if (!ip) return fail(st, OVSXDP_C_DROP_ACTION);
    if (ip->ttl <= 1) return kTtlExpired;
    u8* word = &ip->ttl;
    const u16 before = load_unaligned<u16>(word);
    ip->ttl--;
    ip->checksum = csum::replace16(ip->checksum, before, load_unaligned<u16>(word));
    st.key.ip_ttl = ip->ttl;
  } else if (st.key.eth_type == be16_c<ethernet::type::ipv6>) {
    auto* ip = c.at<ipv6::header>(st.layout.l3);
    if (!ip) return fail(st, OVSXDP_C_DROP_ACTION);
    if (ip->hop_limit <= 1) return kTtlExpired;
    ip->hop_limit--;
    st.key.ip_ttl = ip->hop_limit;
  }
  return kOk;
}

// Whether dec_ttl would take the le_1 branch, without changing anything
// (copies in that branch check it; see datapath/fork.h).
OVSXDP_INLINE bool ttl_expired(xdp_md* ctx, const ovsxdp_exec_state& st) {
  if (st.key.cvlan_tci) return false;
  const cursor c(frame_of(ctx));
  if (st.key.eth_type == be16_c<ethernet::type::ipv4>) {
    const auto* ip = c.at<ipv4::header>(st.layout.l3);
    return ip && ip->ttl <= 1;
  }
  if (st.key.eth_type == be16_c<ethernet::type::ipv6>) {
    const auto* ip = c.at<ipv6::header>(st.layout.l3);
    return ip && ip->hop_limit <= 1;
  }
  return false;
}

}  // namespace ovsxdp::action
