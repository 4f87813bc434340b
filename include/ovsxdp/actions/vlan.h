// push_vlan / pop_vlan (Linux net/openvswitch/actions.c push_vlan, pop_vlan).
#pragma once

#include "ovsxdp/actions/common.h"
#include "ovsxdp/proto/vlan.h"

namespace ovsxdp::action {

// Writes the tag {tpid, wire_tci} right after the MAC addresses of an
// Ethernet frame, in front of any tag it has: the frame half of push_vlan,
// with no flow key to update. False when the frame has no room for it.
OVSXDP_INLINE bool insert_tag(xdp_md* ctx, be16 tpid, be16 wire_tci) {
  if (!move_head(ctx, -static_cast<int>(vlan::kTagLength))) return false;
  struct OVSXDP_WIRE moved {
    u8 macs[12];
    vlan::tag tag;
  };
  auto* h = cursor(frame_of(ctx)).at<moved>(0);
  if (!h) return false;
  const u8* old_macs = h->macs + vlan::kTagLength;  // where the addresses were
  const u32 a = load_unaligned<u32>(old_macs), b = load_unaligned<u32>(old_macs + 4), c = load_unaligned<u32>(old_macs + 8);
  store_unaligned(h->macs, a);
  store_unaligned(h->macs + 4, b);
  store_unaligned(h->macs + 8, c);
  h->tag.tpid = tpid;
  h->tag.tci = wire_tci;
  return true;
}

// A new outermost tag right after the MAC addresses. `tci` carries the
// key's "present" bit, which is cleared on the wire (so DEI is never set).
OVSXDP_INLINE int push_vlan(xdp_md* ctx, ovsxdp_exec_state& st, be16 tpid, be16 tci) {
  if (st.key.mac_proto != OVSXDP_MAC_ETHERNET) return fail(st, OVSXDP_C_DROP_ACTION);
  if (!insert_tag(ctx, tpid, tci & static_cast<be16>(~be16_c<vlan::kPresent>))) return fail(st, OVSXDP_C_DROP_ACTION);
  st.layout.l3 += vlan::kTagLength;
  if (st.layout.l4) st.layout.l4 += vlan::kTagLength;
  if (st.key.vlan_tci) {
    st.key.cvlan_tpid = st.key.vlan_tpid;
    st.key.cvlan_tci = st.key.vlan_tci;
  }
  st.key.vlan_tpid = tpid;
  st.key.vlan_tci = tci;
  return kOk;
}

// Removes the outermost tag; without one it does nothing, as in Linux.
OVSXDP_INLINE int pop_vlan(xdp_md* ctx, ovsxdp_exec_state& st) {
  if (st.key.mac_proto != OVSXDP_MAC_ETHERNET) return fail(st, OVSXDP_C_DROP_ACTION);
  struct OVSXDP_WIRE tagged {
    u8 macs[12];
    vlan::tag tag;
  };
  auto* h = cursor(frame_of(ctx)).at<tagged>(0);
  if (!h || !vlan::is_tpid(h->tag.tpid)) return kOk;
  const u32 a = load_unaligned<u32>(h->macs), b = load_unaligned<u32>(h->macs + 4), c = load_unaligned<u32>(h->macs + 8);
  u8* new_macs = h->macs + vlan::kTagLength;
  store_unaligned(new_macs, a);
  store_unaligned(new_macs + 4, b);
  store_unaligned(new_macs + 8, c);
  if (!move_head(ctx, static_cast<int>(vlan::kTagLength))) return fail(st, OVSXDP_C_DROP_ACTION);
  if (st.layout.l3 >= vlan::kTagLength) st.layout.l3 -= vlan::kTagLength;
  if (st.layout.l4 >= vlan::kTagLength) st.layout.l4 -= vlan::kTagLength;
  st.key.vlan_tpid = st.key.cvlan_tpid;
  st.key.vlan_tci = st.key.cvlan_tci;
  st.key.cvlan_tpid = 0;
  st.key.cvlan_tci = 0;
  return kOk;
}

}  // namespace ovsxdp::action
