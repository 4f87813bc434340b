// trunc(max_len): the next output or userspace action sends at most max_len
// bytes (Linux: OVS_CB(skb)->cutlen, applied and reset at that action).
#pragma once

#include "ovsxdp/actions/common.h"

namespace ovsxdp::action {

OVSXDP_INLINE int trunc(xdp_md* ctx, ovsxdp_exec_state& st, u32 max_len) {
  const u32 length = frame_length(ctx);
  st.cutlen = length > max_len ? length - max_len : 0;
  return kOk;
}

// Applies a pending trunc to the frame: never below the L2 header.
OVSXDP_INLINE int apply_trunc(xdp_md* ctx, ovsxdp_exec_state& st) {
  const u32 cut = st.cutlen;
  st.cutlen = 0;
  if (!cut) return kOk;
  const u32 length = frame_length(ctx);
  const u32 l2 = st.layout.l3;
  u32 keep = length > cut ? length - cut : 0;
  if (keep < l2) keep = l2;
  if (keep >= length) return kOk;
  if (bpf_xdp_adjust_tail(ctx, static_cast<int>(keep) - static_cast<int>(length))) return fail(st, OVSXDP_C_DROP_ACTION);
  return kOk;
}

}  // namespace ovsxdp::action
