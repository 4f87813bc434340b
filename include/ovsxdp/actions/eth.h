// push_eth / pop_eth (Linux push_eth, pop_eth): turn an L3 packet into an
// Ethernet frame and back.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/ethernet.h"

namespace ovsxdp::action {

OVSXDP_INLINE int push_eth(xdp_md* ctx, ovsxdp_exec_state& st, const u8 src[6], const u8 dst[6]) {
  if (st.key.mac_proto != OVSXDP_MAC_NONE) return fail(st, OVSXDP_C_DROP_ACTION);
  if (!move_head(ctx, -static_cast<int>(ethernet::kHeaderLength))) return fail(st, OVSXDP_C_DROP_ACTION);
  auto* eth = cursor(frame_of(ctx)).at<ethernet::header>(0);
  if (!eth) return fail(st, OVSXDP_C_DROP_ACTION);
  __builtin_memcpy(eth->dst, dst, 6);
  __builtin_memcpy(eth->src, src, 6);
  eth->type = st.key.eth_type;
  __builtin_memcpy(st.key.eth_src, src, 6);
  __builtin_memcpy(st.key.eth_dst, dst, 6);
  st.key.mac_proto = OVSXDP_MAC_ETHERNET;
  st.layout.l3 += ethernet::kHeaderLength;
  if (st.layout.l4) st.layout.l4 += ethernet::kHeaderLength;
  return kOk;
}

// Removes everything before the network header (validation refuses tagged
// frames, as Linux does).
OVSXDP_INLINE int pop_eth(xdp_md* ctx, ovsxdp_exec_state& st) {
  const u32 l3 = st.layout.l3;
  if (st.key.mac_proto != OVSXDP_MAC_ETHERNET || l3 < ethernet::kHeaderLength) return fail(st, OVSXDP_C_DROP_ACTION);
  if (!move_head(ctx, static_cast<int>(l3))) return fail(st, OVSXDP_C_DROP_ACTION);
  st.key.mac_proto = OVSXDP_MAC_NONE;
  zero(st.key.eth_src);
  zero(st.key.eth_dst);
  if (st.layout.l4) st.layout.l4 -= l3;
  st.layout.l3 = 0;
  return kOk;
}

}  // namespace ovsxdp::action
