// Test program: a TC egress filter that tags every frame with VLAN
// `ovsxdp_test_vid` through bpf_skb_vlan_push, which leaves the tag in skb
// metadata. On a veth with tx-vlan offload on, the tag crosses to the peer
// that way, outside the frame an XDP program there sees. With
// `ovsxdp_test_outer_vid` set it then pushes an 802.1ad tag around it: that
// one goes into metadata and the first moves into the frame (QinQ).
#include "ovsxdp/bpf/program.h"

extern "C" const volatile __u16 ovsxdp_test_vid = 1;
extern "C" const volatile __u16 ovsxdp_test_outer_vid = 0;  // 0: a single tag

extern "C" SEC("tc") int ovsxdp_test_tc_vlan_push(__sk_buff* skb) {
  bpf_skb_vlan_push(skb, ovsxdp::hton16(0x8100), ovsxdp_test_vid);
  if (ovsxdp_test_outer_vid) bpf_skb_vlan_push(skb, ovsxdp::hton16(0x88a8), ovsxdp_test_outer_vid);
  return 0;  // TC_ACT_OK
}

OVSXDP_LICENSE;
