// XDP_PASS and nothing else. A veth only delivers frames that another XDP
// program redirected to it when its peer runs an XDP program (or has GRO
// on): attach this to the far end of veths that ovsxdp ports output to.
#include "ovsxdp/bpf/program.h"

extern "C" SEC("xdp.frags") int ovsxdp_pass(xdp_md* ctx) {
  (void)ctx;
  return XDP_PASS;
}

OVSXDP_LICENSE;
