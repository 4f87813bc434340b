// MPLS label stack (Linux key_extract, eth_p_mpls branch).
#pragma once

#include "ovsxdp/abi/flow_key.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::mpls {

inline constexpr u32 kLseLength = 4;
inline constexpr u32 kBottomOfStack = 0x00000100;  // S bit, host order
inline constexpr u32 kLabelShift = 12;
inline constexpr u32 kTcShift = 9;
inline constexpr u32 kTcMask = 0x7;
inline constexpr u32 kTtlMask = 0xff;
// Linux walks the whole stack looking for the bottom; we look this far.
// A deeper stack is recorded as if the bottom was found (first 3 LSEs kept).
inline constexpr u32 kMaxLabelsScanned = 16;

OVSXDP_INLINE void parse(const cursor& c, u32 offset, ovsxdp_flow_key& key) {
  u32 count = 0;
#pragma unroll
  for (u32 i = 0; i < kMaxLabelsScanned; i++) {
    const auto* lse = c.at<wire<be32>>(offset + i * kLseLength);
    if (!lse) return;  // truncated before bottom of stack: Linux records no count
    if (i < OVSXDP_MPLS_LABEL_DEPTH) key.nw.mpls.lse[i] = lse->value;
    count = i + 1;
    if (lse->value & be32_c<kBottomOfStack>) break;
  }
  const u32 kept = count > OVSXDP_MPLS_LABEL_DEPTH ? OVSXDP_MPLS_LABEL_DEPTH : count;
  key.mpls_labels = static_cast<u8>((1u << kept) - 1);  // a bitmask, so masked flows match deeper stacks
}

}  // namespace ovsxdp::mpls
