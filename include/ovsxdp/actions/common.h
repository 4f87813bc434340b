// What every action shares: result codes, access to its record inside the
// action set, and frame access that is re-derived after each helper call
// that moves packet data (bpf_xdp_adjust_head/tail invalidate old pointers).
#pragma once

#include "ovsxdp/abi/actions.h"
#include "ovsxdp/bpf/program.h"
#include "ovsxdp/datapath/state.h"

namespace ovsxdp::action {

// Returned by every action; negative ends the pass (the packet is dropped
// and counted under st.drop_reason).
enum result : int {
  kOk = 0,
  kFailed = -1,
  kTtlExpired = 1,   // dec_ttl: take the le_1 branch
};

OVSXDP_INLINE int fail(ovsxdp_exec_state& st, u32 counter) {
  st.drop_reason = counter;
  return kFailed;
}

// The record of type T at byte `off` of an action set, or nullptr when it
// would run past the set (the verifier needs this bound; the host validated
// the record's type and size).
template <class T>
OVSXDP_INLINE const T* record_at(const ovsxdp_action_set& set, u32 off) {
  if (off > OVSXDP_ACTIONS_MAX_BYTES - sizeof(T)) return nullptr;
  // Recompute the pointer under this bound: clang would otherwise reuse one
  // computed under an earlier, looser bound, which the verifier rejects.
  opaque(off);
  return reinterpret_cast<const T*>(set.bytes + off);
}

// The whole frame, fragments of a multi-buffer (jumbo) frame included: what
// statistics, meters, check_pkt_len and trunc count.
OVSXDP_INLINE u32 frame_length(xdp_md* ctx) {
  const u64 n = bpf_xdp_get_buff_len(ctx);
  return n > 0xffffu ? 0xffffu : static_cast<u32>(n);
}
// The bytes in the first buffer, where every header the datapath reads or
// writes lives (direct packet access reaches no further).
OVSXDP_INLINE u32 linear_length(const xdp_md* ctx) { return cursor(frame_of(ctx)).length(); }

// new = value | (old & ~mask): the OVS set_masked rule.
template <class T>
OVSXDP_INLINE T masked(T old, T value, T mask) {
  return static_cast<T>(value | (old & static_cast<T>(~mask)));
}

// Moves the frame start by `delta` bytes (negative: grows headroom use).
// Packet pointers taken before the call are invalid after it.
OVSXDP_INLINE bool move_head(xdp_md* ctx, int delta) { return bpf_xdp_adjust_head(ctx, delta) == 0; }

}  // namespace ovsxdp::action
