// push_mpls, pop_mpls, add_mpls (Linux push_mpls / pop_mpls over
// skb_mpls_push / skb_mpls_pop): a label stack entry inserted or removed at
// the network header offset, the ethertype before it updated.
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/ethernet.h"
#include "ovsxdp/proto/mpls.h"

namespace ovsxdp::action {

namespace detail {
// Copies the N-byte L2 header 4 bytes up or down inside a window that holds
// both positions.
template <u32 N>
OVSXDP_INLINE bool move_l2_fixed(xdp_md* ctx, bool down) {
  struct OVSXDP_WIRE window {
    u8 bytes[N + 4];
  };
  auto* w = cursor(frame_of(ctx)).at<window>(0);
  if (!w) return false;
  if (down) __builtin_memmove(w->bytes, w->bytes + 4, N);
  else __builtin_memmove(w->bytes + 4, w->bytes, N);
  return true;
}

// Moves the L2 header (`length` bytes: Ethernet, tags, SNAP) by 4 bytes:
// `down` from offset 4 to 0 after a push, else from 0 to 4 before a pop.
OVSXDP_INLINE bool move_l2(xdp_md* ctx, u32 length, bool down) {
  switch (length) {
    case 14: return move_l2_fixed<14>(ctx, down);
    case 18: return move_l2_fixed<18>(ctx, down);
    case 22: return move_l2_fixed<22>(ctx, down);
    case 26: return move_l2_fixed<26>(ctx, down);
    case 30: return move_l2_fixed<30>(ctx, down);
    default: return false;
  }
}

// The ethertype field right before the network header, if the frame has one.
OVSXDP_INLINE void set_l2_ethertype(xdp_md* ctx, u32 l3, be16 type) {
  if (l3 < ethernet::kHeaderLength) return;
  if (be16* field = cursor(frame_of(ctx)).at<be16>(l3 - 2)) *field = type;
}

// Inserts `lse` at byte `at` (the L2 header before it moves down by 4).
OVSXDP_INLINE bool insert_lse(xdp_md* ctx, u32 at, be32 lse) {
  if (!move_head(ctx, -static_cast<int>(mpls::kLseLength))) return false;
  if (at && !move_l2(ctx, at, true)) return false;
  be32* slot = cursor(frame_of(ctx)).at<be32>(at);
  if (!slot) return false;
  *slot = lse;
  return true;
}
}  // namespace detail

OVSXDP_INLINE void note_pushed_lse(ovsxdp_exec_state& st, be16 ethertype, be32 lse) {
  st.key.eth_type = ethertype;
  st.key.nw.mpls.lse[2] = st.key.nw.mpls.lse[1];
  st.key.nw.mpls.lse[1] = st.key.nw.mpls.lse[0];
  st.key.nw.mpls.lse[0] = lse;
  st.key.mpls_labels = static_cast<u8>(((st.key.mpls_labels << 1) | 1) & ((1u << OVSXDP_MPLS_LABEL_DEPTH) - 1));
  st.layout.l4 = 0;  // the transport header is now behind the label stack
}

// A new top label after the L2 header (only without VLAN tags: validated).
OVSXDP_INLINE int push_mpls(xdp_md* ctx, ovsxdp_exec_state& st, be32 lse, be16 ethertype) {
  const u32 l3 = st.layout.l3;
  if (!detail::insert_lse(ctx, l3, lse)) return fail(st, OVSXDP_C_DROP_ACTION);
  if (st.key.mac_proto == OVSXDP_MAC_ETHERNET) detail::set_l2_ethertype(ctx, l3, ethertype);
  note_pushed_lse(st, ethertype, lse);
  return kOk;
}

// add_mpls: with the L3-tunnel flag like push_mpls; without it the label goes
// in front of the whole frame, which becomes an L3 (MPLS) packet.
OVSXDP_INLINE int add_mpls(xdp_md* ctx, ovsxdp_exec_state& st, be32 lse, be16 ethertype, u16 flags) {
  if (flags & OVSXDP_ADD_MPLS_L3_TUNNEL) return push_mpls(ctx, st, lse, ethertype);
  if (!detail::insert_lse(ctx, 0, lse)) return fail(st, OVSXDP_C_DROP_ACTION);
  st.key.mac_proto = OVSXDP_MAC_NONE;
  st.layout.l3 = 0;
  note_pushed_lse(st, ethertype, lse);
  return kOk;
}

// Removes the top label; what follows it is `ethertype`.
OVSXDP_INLINE int pop_mpls(xdp_md* ctx, ovsxdp_exec_state& st, be16 ethertype) {
  const u32 l3 = st.layout.l3;
  if (!cursor(frame_of(ctx)).has(l3, mpls::kLseLength)) return fail(st, OVSXDP_C_DROP_ACTION);
  if (l3 && !detail::move_l2(ctx, l3, false)) return fail(st, OVSXDP_C_DROP_ACTION);
  if (!move_head(ctx, static_cast<int>(mpls::kLseLength))) return fail(st, OVSXDP_C_DROP_ACTION);
  if (st.key.mac_proto == OVSXDP_MAC_ETHERNET) detail::set_l2_ethertype(ctx, l3, ethertype);
  else if (ethertype == be16_c<0x6558>) st.key.mac_proto = OVSXDP_MAC_ETHERNET;  // Ethernet frame inside
  st.key.eth_type = ethertype;
  st.key.nw.mpls.lse[0] = st.key.nw.mpls.lse[1];
  st.key.nw.mpls.lse[1] = st.key.nw.mpls.lse[2];
  st.key.nw.mpls.lse[2] = 0;
  st.key.mpls_labels >>= 1;
  st.layout.l4 = 0;
  return kOk;
}

}  // namespace ovsxdp::action
