// Deliberately unsafe: reads packet bytes without a bounds check. Loading it
// must fail with an error that quotes the verifier log.
#include "ovsxdp/bpf/program.h"

extern "C" SEC("xdp") int unchecked_read(xdp_md* ctx) {
  const __u8* data = reinterpret_cast<const __u8*>(static_cast<long>(ctx->data));
  return data[20] == 0x45 ? XDP_PASS : XDP_DROP;
}

OVSXDP_LICENSE;
