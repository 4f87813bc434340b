// Programs for `ovsxdp-bench datapath`: the per-packet cost of the datapath
// under BPF_PROG_TEST_RUN with `repeat`.
//
// A repeated test run hands the program the same buffer over and over
// without restoring it, so an action that changes the frame (push_vlan,
// dec_ttl, ...) would meet its own output on the next repetition. The
// harnessed programs first put the original frame back (head, tail and
// bytes), then run exactly what ovsxdp_datapath runs; the harness alone is
// measured too, so its cost can be taken out.
//
//   ovsxdp_bench_floor             bpf_redirect_map to port 2: the floor
//   ovsxdp_bench_harness_floor     restore, then the floor
//   ovsxdp_bench_harness_datapath  restore, then the datapath
//
// Maps are the datapath's own (the host calls datapath::share_with).
#include "ovsxdp/datapath/pipeline.h"

using namespace ovsxdp;

namespace {
constexpr u32 kBenchFrameMax = 256;
constexpr u32 kFloorPort = 2;
}  // namespace

// The original frame, captured by the first repetition of a run (the host
// zeroes the entry before each run). One entry, not one per CPU: a run's
// repetitions share one buffer, and the kernel may move a long run to
// another CPU between repetitions, where a per-CPU entry would capture the
// frame as the repetition before had changed it.
struct ovsxdp_bench_frame {
  __u64 origin;    // address of the frame's first byte in the first repetition
  __u64 current;   // the same in this repetition
  __u32 length;
  __u32 captured;  // 0 until the first repetition stored the frame
  __u8 bytes[kBenchFrameMax];
};
OVSXDP_MAP(bench_frame, BPF_MAP_TYPE_ARRAY, __u32, struct ovsxdp_bench_frame, 1, 0);
OVSXDP_BTF_TYPE(ovsxdp_bench_frame);

namespace {

// Where the frame starts now, as a number (the map store and reload turns
// the packet pointer into a scalar the verifier lets us subtract).
OVSXDP_INLINE u64 frame_address(xdp_md* ctx, ovsxdp_bench_frame* f) {
  volatile u64* slot = &f->current;
  *slot = static_cast<u64>(ctx->data);
  return *slot;
}

// Puts the frame of the first repetition back. Returns false when it cannot
// (frame too big, or the kernel refused to move the head or tail back).
OVSXDP_INLINE bool restore_frame(xdp_md* ctx) {
  const u32 zero = 0;
  ovsxdp_bench_frame* f = map_lookup<ovsxdp_bench_frame>(&bench_frame, zero);
  if (!f) return false;
  const u64 now = frame_address(ctx, f);
  if (!f->captured) {
    const u32 length = action::frame_length(ctx);
    if (length == 0 || length > kBenchFrameMax) return false;
    if (bpf_xdp_load_bytes(ctx, 0, f->bytes, length) != 0) return false;
    f->origin = now;
    f->length = length;
    f->captured = 1;
    return true;
  }
  const s64 moved = static_cast<s64>(now - f->origin);
  if (moved != 0) {
    constexpr s64 kMaxMove = kBenchFrameMax;
    if (moved < -kMaxMove || moved > kMaxMove) return false;
    if (bpf_xdp_adjust_head(ctx, static_cast<int>(-moved)) != 0) return false;
  }
  const u32 length = action::frame_length(ctx);
  if (length != f->length && bpf_xdp_adjust_tail(ctx, static_cast<int>(f->length) - static_cast<int>(length)) != 0) return false;
  const u32 restore = f->length;
  if (restore == 0 || restore > kBenchFrameMax) return false;
  return bpf_xdp_store_bytes(ctx, 0, f->bytes, restore) == 0;
}

}  // namespace

extern "C" SEC("xdp") int ovsxdp_bench_floor(xdp_md* ctx) {
  (void)ctx;
  return static_cast<int>(bpf_redirect_map(&dp_ports, kFloorPort, 0));
}

extern "C" SEC("xdp") int ovsxdp_bench_harness_floor(xdp_md* ctx) {
  if (!restore_frame(ctx)) return XDP_ABORTED;
  return static_cast<int>(bpf_redirect_map(&dp_ports, kFloorPort, 0));
}

extern "C" SEC("xdp") int ovsxdp_bench_harness_datapath(xdp_md* ctx) {
  if (!restore_frame(ctx)) return XDP_ABORTED;
  return dp::port_packet<dp::live_sink>(ctx);
}

OVSXDP_LICENSE;
