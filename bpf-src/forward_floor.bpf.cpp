// The floor of any XDP switch: every frame redirected to one port through a
// devmap, nothing parsed, nothing looked up. `ovsxdp-bench forward` measures
// it on the same veths as the datapath; the datapath's rate is a share of it.
#include "ovsxdp/bpf/program.h"

struct floor_port_def {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bpf_devmap_val);
} floor_port SEC(".maps");
OVSXDP_BTF_TYPE(bpf_devmap_val);

extern "C" SEC("xdp") int ovsxdp_forward_floor(xdp_md* ctx) {
  (void)ctx;
  return static_cast<int>(bpf_redirect_map(&floor_port, 0, 0));
}

OVSXDP_LICENSE;
