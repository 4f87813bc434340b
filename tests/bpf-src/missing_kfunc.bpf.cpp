// References a kfunc no kernel has. Loading it must fail with an error that
// says the kernel lacks a feature.
#include "ovsxdp/bpf/program.h"

extern "C" int bpf_ovsxdp_no_such_kfunc(struct xdp_md* ctx) __ksym;

extern "C" SEC("xdp") int needs_missing_kfunc(xdp_md* ctx) { return bpf_ovsxdp_no_such_kfunc(ctx) ? XDP_PASS : XDP_DROP; }

OVSXDP_LICENSE;
