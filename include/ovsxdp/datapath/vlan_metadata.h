// VLAN tags a device hands over as XDP RX metadata instead of in the frame.
//
// A veth whose peer keeps tx-vlan offload on receives the sender's tag in
// skb metadata, and a NIC whose RX VLAN stripping cannot be turned off keeps
// it in its receive descriptor: either way the frame XDP sees has no tag,
// and the flow key would lose it. A program bound to the device reads the
// tag with bpf_xdp_metadata_rx_vlan_tag() and writes it into the frame
// before the pipeline runs, so the key, every action and every output see
// the frame as the wire carried it.
//
// The skb, where there is one, keeps its metadata tag: a frame the datapath
// passes to the stack would carry the tag twice. So before XDP_PASS the tag
// written here comes out again, while it is still the frame's outer one.
#pragma once

#include "ovsxdp/actions/vlan.h"
#include "ovsxdp/bpf/kfuncs.h"
#include "ovsxdp/datapath/pipeline.h"

namespace ovsxdp::dp {

struct OVSXDP_WIRE vlan_tagged_header {
  u8 macs[12];
  vlan::tag tag;
};

OVSXDP_INLINE bool outer_tag_is(const xdp_md* ctx, const vlan::tag& t) {
  const auto* h = cursor(frame_of(ctx)).at<vlan_tagged_header>(0);
  return h && h->tag.tpid == t.tpid && h->tag.tci == t.tci;
}

// Writes the outer tag the device reported as metadata into the frame, in
// front of any tag the frame has (the reported one was outside it). Returns
// the tag as written, tpid 0 when there was none; `written` is false when
// the frame had no room for it.
OVSXDP_INLINE vlan::tag tag_from_metadata(xdp_md* ctx, bool& written) {
  written = true;
  be16 tpid = 0;
  u16 tci = 0;
  if (bpf_xdp_metadata_rx_vlan_tag(ctx, &tpid, &tci) != 0) return {};  // -ENODATA: no tag outside the frame
  const vlan::tag t{tpid ? tpid : be16_c<ethernet::type::vlan>, hton16(tci)};
  // The kernel's contract is a tag the device took out of the frame; a
  // driver that reports one it left in place would get it twice.
  if (outer_tag_is(ctx, t)) return {};
  if (!action::insert_tag(ctx, t.tpid, t.tci)) {
    written = false;
    return {};
  }
  count(OVSXDP_C_VLAN_FROM_METADATA);
  return t;
}

// Before the frame goes up the stack: takes out the tag tag_from_metadata()
// wrote while it is still the outer one (the skb's metadata tag goes up
// with the frame). False when the frame could not be changed.
OVSXDP_INLINE bool untag_for_stack(xdp_md* ctx, const vlan::tag& written) {
  auto* h = cursor(frame_of(ctx)).at<vlan_tagged_header>(0);
  if (!h || h->tag.tpid != written.tpid || h->tag.tci != written.tci) return true;  // actions changed it: leave it
  const u32 a = load_unaligned<u32>(h->macs), b = load_unaligned<u32>(h->macs + 4), c = load_unaligned<u32>(h->macs + 8);
  u8* new_macs = h->macs + vlan::kTagLength;
  store_unaligned(new_macs, a);
  store_unaligned(new_macs + 4, b);
  store_unaligned(new_macs + 8, c);
  return action::move_head(ctx, static_cast<int>(vlan::kTagLength));
}

// port_packet() for a port whose VLAN tags may arrive as RX metadata: in a
// program bound to the port's device (the kfunc exists only there).
template <class Sink>
OVSXDP_INLINE int port_packet_vlan_md(xdp_md* ctx) {
  bool written = true;
  const vlan::tag tag = tag_from_metadata(ctx, written);
  if (!written) return drop_internal();
  const int verdict = port_packet<Sink>(ctx);
  if (verdict != XDP_PASS || !tag.tpid) return verdict;
  return untag_for_stack(ctx, tag) ? XDP_PASS : drop_internal();
}

}  // namespace ovsxdp::dp
