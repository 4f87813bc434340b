// The tag a copy carries from the fork to its egress program, and a
// recirculating copy through the loop device to the datapath program: the
// sequence number of the context that holds its state.
//
// It takes the place of the frame's first 8 bytes, which the context keeps
// and the receiving program puts back before anything reads the frame. XDP
// metadata (bpf_xdp_adjust_meta) would carry it beside the frame, but some
// kernels refuse that helper to XDP programs (seen on 6.18.44); and a
// header pushed in front (bpf_xdp_adjust_head) would make a full-size frame
// too long for the MTU check a broadcast makes before the egress program
// could take it off again. Every frame that carries a tag is at least an
// Ethernet header long: a copy of a shorter one is dropped, counted.
#pragma once

#include "ovsxdp/abi/datapath.h"
#include "ovsxdp/bpf/program.h"
#include "ovsxdp/packet/cursor.h"

namespace ovsxdp::dp {

struct OVSXDP_WIRE frame_head {
  u8 bytes[sizeof(ovsxdp_frame_tag)];
};

// Saves the frame's first bytes in `saved` and writes the tag over them.
OVSXDP_INLINE bool put_frame_tag(xdp_md* ctx, u32 magic, u32 sequence, u8 (&saved)[sizeof(ovsxdp_frame_tag)]) {
  auto* head = cursor(frame_of(ctx)).at<frame_head>(0);
  if (!head) return false;
  __builtin_memcpy(saved, head->bytes, sizeof saved);
  const ovsxdp_frame_tag tag{magic, sequence};
  __builtin_memcpy(head->bytes, &tag, sizeof tag);
  return true;
}

// The sequence of the frame's tag, when it carries one with `magic`.
OVSXDP_INLINE bool read_frame_tag(const xdp_md* ctx, u32 magic, u32& sequence) {
  const auto* head = cursor(frame_of(ctx)).at<frame_head>(0);
  if (!head) return false;
  ovsxdp_frame_tag tag;
  __builtin_memcpy(&tag, head->bytes, sizeof tag);
  if (tag.magic != magic) return false;
  sequence = tag.sequence;
  return true;
}

// Puts back the bytes the tag took the place of.
OVSXDP_INLINE bool remove_frame_tag(xdp_md* ctx, const u8 (&saved)[sizeof(ovsxdp_frame_tag)]) {
  auto* head = cursor(frame_of(ctx)).at<frame_head>(0);
  if (!head) return false;
  __builtin_memcpy(head->bytes, saved, sizeof saved);
  return true;
}

}  // namespace ovsxdp::dp
