// The traffic generator and the counting receiver (ABI: ovsxdp/abi/trafgen.h).
//
//   ovsxdp_trafgen_send   run by BPF_PROG_TEST_RUN with live frames in the
//                         sender's namespace: restores the template's
//                         headers, names the frame's flow, patches the
//                         checksums, XDP_TX out of the ingress
//   ovsxdp_trafgen_count  attached to the receiving interface: counts our
//                         frames (and foreign ones), then drops them, or
//                         swaps the MACs and sends them back (round trips)
#include "ovsxdp/abi/trafgen.h"
#include "ovsxdp/bpf/program.h"
#include "ovsxdp/proto/checksum.h"

using namespace ovsxdp;

struct trafgen_config_def {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ovsxdp_trafgen_config);
} trafgen_config SEC(".maps");

struct trafgen_stats_def {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ovsxdp_trafgen_stats);
} trafgen_stats SEC(".maps");

struct trafgen_receiver_config_def {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ovsxdp_trafgen_receiver_config);
} trafgen_receiver_config SEC(".maps");

OVSXDP_BTF_TYPE(ovsxdp_trafgen_config);
OVSXDP_BTF_TYPE(ovsxdp_trafgen_stats);
OVSXDP_BTF_TYPE(ovsxdp_trafgen_receiver_config);

namespace {

constexpr u32 kMaxFrame = 4096;  // live frames fit a page; a power of two to bound the tail's offset

// A 16-bit word of the frame at a run-time offset, bounded for the verifier.
OVSXDP_INLINE u16* frame_word(xdp_md* ctx, u32 offset) {
  if (offset == 0 || offset > OVSXDP_TRAFGEN_MAX_FIELD_OFFSET) return nullptr;
  const frame_bytes f = frame_of(ctx);
  u8* p = f.data + offset;
  if (p + 2 > f.end) return nullptr;
  return reinterpret_cast<u16*>(p);
}

OVSXDP_INLINE void count(ovsxdp_trafgen_stats* s, xdp_md* ctx, u32 stamp_shift) {
  const u64 n = s->packets++;
  s->bytes += ctx->data_end - ctx->data;
  if (n & ((1ULL << (stamp_shift & 31)) - 1)) return;
  const u64 now = bpf_ktime_get_ns();
  if (n == 0) s->first_ns = now;
  s->last_ns = now;
  s->stamped = n + 1;
}

}  // namespace

extern "C" SEC("xdp") int ovsxdp_trafgen_send(xdp_md* ctx) {
  const u32 zero = 0;
  const ovsxdp_trafgen_config* cfg = map_lookup<ovsxdp_trafgen_config>(&trafgen_config, zero);
  ovsxdp_trafgen_stats* s = map_lookup<ovsxdp_trafgen_stats>(&trafgen_stats, zero);
  if (!cfg || !s) return XDP_ABORTED;
  const int trim = static_cast<int>(cfg->frame_len) - static_cast<int>(ctx->data_end - ctx->data);
  if (trim != 0 && bpf_xdp_adjust_tail(ctx, trim) != 0) return XDP_ABORTED;
  const u32 restore = cfg->header_len;
  if (restore < 14 || restore > OVSXDP_TRAFGEN_HEADER_BYTES || bpf_xdp_store_bytes(ctx, 0, const_cast<u8*>(cfg->header), restore) != 0)
    return XDP_ABORTED;
  u32 flow = s->next_flow;
  if (flow >= cfg->flows) flow = 0;
  s->next_flow = flow + 1;
  if (cfg->flows > 1) {
    u16* word = frame_word(ctx, cfg->flow_offset);
    if (!word) return XDP_ABORTED;
    const u16 from = hton16(cfg->flow_base);
    const u16 to = hton16(static_cast<u16>(cfg->flow_base + flow));
    *word = to;
#pragma unroll
    for (u32 i = 0; i < 2; i++) {
      if (!cfg->csum_offset[i]) continue;
      u16* check = frame_word(ctx, cfg->csum_offset[i]);
      if (!check) return XDP_ABORTED;
      const u16 original = cfg->csum_template[i];
      if (cfg->csum_udp[i] && original == 0) continue;  // no UDP checksum stays none
      const u16 patched = csum::replace16(original, from, to);
      *check = cfg->csum_udp[i] ? csum::udp_mangled(patched) : patched;
    }
  }
  count(s, ctx, cfg->stamp_shift);
  return XDP_TX;
}

extern "C" SEC("xdp") int ovsxdp_trafgen_count(xdp_md* ctx) {
  const u32 zero = 0;
  ovsxdp_trafgen_stats* s = map_lookup<ovsxdp_trafgen_stats>(&trafgen_stats, zero);
  const ovsxdp_trafgen_receiver_config* cfg = map_lookup<ovsxdp_trafgen_receiver_config>(&trafgen_receiver_config, zero);
  if (!s || !cfg) return XDP_ABORTED;
  const frame_bytes f = frame_of(ctx);
  const u32 length = static_cast<u32>(f.end - f.data);
  if (length < 14 + 8 || length > kMaxFrame) {
    s->foreign++;
    return XDP_DROP;
  }
  const u8* tail = f.data + ((length - 8) & (kMaxFrame - 1));
  if (tail + 8 > f.end || load_unaligned<u64>(tail) != OVSXDP_TRAFGEN_MAGIC) {
    s->foreign++;
    return XDP_DROP;
  }
  count(s, ctx, cfg->stamp_shift);
  if (!cfg->reflect) return XDP_DROP;
  const frame_bytes out = frame_of(ctx);
  if (out.data + 12 > out.end) return XDP_DROP;
  u8 mac[6];
  __builtin_memcpy(mac, out.data, 6);
  __builtin_memcpy(out.data, out.data + 6, 6);
  __builtin_memcpy(out.data + 6, mac, 6);
  return XDP_TX;
}

OVSXDP_LICENSE;
