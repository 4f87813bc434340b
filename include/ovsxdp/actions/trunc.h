// trunc(max_len): the next output or userspace action sends at most max_len
// bytes (Linux: OVS_CB(skb)->cutlen, applied and reset at that action).
// Linux keeps a packet's outermost VLAN tag outside the packet data (the skb's
// accelerated tag) and counts max_len without it, so a tagged packet leaves
// with max_len + 4 bytes; here every tag is in the frame, so the tag's four
// bytes are left out of the count the same way.
#pragma once

#include "ovsxdp/actions/common.h"

namespace ovsxdp::action {

OVSXDP_INLINE int trunc(xdp_md* ctx, ovsxdp_exec_state& st, u32 max_len) {
  u32 length = frame_length(ctx);
  if ((st.key.vlan_tci & be16_c<OVSXDP_VLAN_PRESENT>) && length >= 4) length -= 4;  // Linux's accelerated tag
  st.cutlen = length > max_len ? length - max_len : 0;
  return kOk;
}

// Applies a pending trunc to the frame: the cut counted at trunc time, as
// Linux trims the packet data at the output (install guarantees max_len >= 14).
OVSXDP_INLINE int apply_trunc(xdp_md* ctx, ovsxdp_exec_state& st) {
  const u32 cut = st.cutlen;
  st.cutlen = 0;
  if (!cut) return kOk;
  const u32 length = frame_length(ctx);
  if (cut >= length) return fail(st, OVSXDP_C_DROP_ACTION);
  const u32 keep = length - cut;
  if (bpf_xdp_adjust_tail(ctx, static_cast<int>(keep) - static_cast<int>(length))) return fail(st, OVSXDP_C_DROP_ACTION);
  return kOk;
}

}  // namespace ovsxdp::action
