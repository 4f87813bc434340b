// A program of your own built from ovsxdp's library: parse the packet into an
// OVS flow key, then run two datapath actions on it, without the datapath.
// IPv4 packets get their TTL decremented (checksum updated) and a VLAN tag,
// then go back out (XDP_TX); everything else passes to the stack.
#include "ovsxdp/actions/dec_ttl.h"
#include "ovsxdp/actions/vlan.h"
#include "ovsxdp/flow/extract.h"

// The key and packet layout are too big for the 512-byte stack: keep them per CPU.
struct tagger_state_def {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ovsxdp_exec_state);
};
tagger_state_def tagger_state SEC(".maps");
OVSXDP_BTF_TYPE(ovsxdp_exec_state);

// The tag to push; set from the skeleton before loading.
extern "C" const volatile __u16 tagger_vid = 10;

extern "C" SEC("xdp") int vlan_tagger(xdp_md* ctx) {
  using namespace ovsxdp;
  ovsxdp_exec_state* st = map_lookup<ovsxdp_exec_state>(&tagger_state, 0u);
  if (!st) return XDP_ABORTED;
  zero(st->key);
  if (flow::extract(ctx, st->key, st->layout) != flow::extract_status::ok) return XDP_DROP;
  if (st->key.eth_type != be16_c<0x0800>) return XDP_PASS;
  // kTtlExpired (TTL 0 or 1) and failures alike: drop.
  if (action::dec_ttl(ctx, *st) != action::kOk) return XDP_DROP;
  const be16 tci = hton16(static_cast<u16>(0x1000 | (tagger_vid & 0x0fff)));  // 0x1000: "tag present"
  if (action::push_vlan(ctx, *st, be16_c<0x8100>, tci) != action::kOk) return XDP_DROP;
  return XDP_TX;
}

OVSXDP_LICENSE;
