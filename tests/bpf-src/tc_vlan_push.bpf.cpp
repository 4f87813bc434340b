// Test program: a TC egress filter that tags every frame with VLAN
// `ovsxdp_test_vid` through bpf_skb_vlan_push, which leaves the tag in skb
// metadata. On a veth with tx-vlan offload on, the tag crosses to the peer
// that way, outside the frame an XDP program there sees.
#include "ovsxdp/bpf/program.h"

extern "C" const volatile __u16 ovsxdp_test_vid = 1;

extern "C" SEC("tc") int ovsxdp_test_tc_vlan_push(__sk_buff* skb) {
  bpf_skb_vlan_push(skb, ovsxdp::hton16(0x8100), ovsxdp_test_vid);
  return 0;  // TC_ACT_OK
}

OVSXDP_LICENSE;
