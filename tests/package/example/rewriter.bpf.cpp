// An XDP program built from ovsxdp's installed headers: IPv4 packets to
// `rewrite_from` are readdressed to `rewrite_to` and have their TTL
// decremented, checksums (IPv4 and the UDP/TCP pseudo-header) updated; they
// then go on to the stack, like everything else. A per-CPU counter counts
// the packets it rewrote.
#include "ovsxdp/actions/dec_ttl.h"
#include "ovsxdp/actions/set_field.h"
#include "ovsxdp/flow/extract.h"

struct rewriter_state_def {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ovsxdp_exec_state);
};
rewriter_state_def rewriter_state SEC(".maps");
OVSXDP_BTF_TYPE(ovsxdp_exec_state);

struct rewritten_def {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
};
rewritten_def rewritten SEC(".maps");

// Network byte order; set from the skeleton before loading.
extern "C" const volatile __be32 rewrite_from = 0;
extern "C" const volatile __be32 rewrite_to = 0;

extern "C" SEC("xdp") int rewriter(xdp_md* ctx) {
  using namespace ovsxdp;
  ovsxdp_exec_state* st = map_lookup<ovsxdp_exec_state>(&rewriter_state, 0u);
  if (!st) return XDP_ABORTED;
  zero(st->key);
  if (flow::extract(ctx, st->key, st->layout) != flow::extract_status::ok) return XDP_PASS;
  if (st->key.eth_type != be16_c<0x0800> || st->key.nw.ipv4.dst != rewrite_from) return XDP_PASS;
  ovsxdp_set_ipv4 value{}, mask{};
  value.dst = rewrite_to;
  mask.dst = 0xffffffff;
  if (action::set_ipv4(ctx, *st, value, mask) != action::kOk) return XDP_DROP;
  if (action::dec_ttl(ctx, *st) != action::kOk) return XDP_DROP;
  if (__u64* n = map_lookup<__u64>(&rewritten, 0u)) ++*n;
  return XDP_PASS;
}

OVSXDP_LICENSE;
