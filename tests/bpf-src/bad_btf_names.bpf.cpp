// Deliberately bad: a template instance name ("templated_value<2>") in BTF,
// which the kernel's BTF checker rejects. The build's BTF lint
// (cmake/check_btf_names.py) must refuse this object; see
// tests/build-checks/test_btf_lint.sh. (clang-19 writes namespaced types
// unqualified, so the namespaced global below is accepted by both.)
#include "ovsxdp/bpf/program.h"

namespace ovsxdp::example {
struct qualified_value {
  __u32 x;
};
}  // namespace ovsxdp::example

template <int N>
struct templated_value {
  __u32 words[N];
};

ovsxdp::example::qualified_value namespaced_global;
templated_value<2> templated_global;

extern "C" SEC("xdp") int bad_names(xdp_md* ctx) {
  namespaced_global.x = ctx->ingress_ifindex;
  templated_global.words[1] = namespaced_global.x;
  return XDP_PASS;
}

OVSXDP_LICENSE;
