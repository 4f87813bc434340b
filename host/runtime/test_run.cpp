#include "runtime/test_run.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <time.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/error.hpp"
#include "runtime/fd.hpp"

namespace ovsxdp {
namespace {
constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kMaxMetadata = 32;
// Frames are run in one page: 4096 - XDP_PACKET_HEADROOM - skb_shared_info.
constexpr std::size_t kRoomAfterFrame = 4096;
}  // namespace

const char* xdp_action_name(std::uint32_t verdict) {
  switch (verdict) {
    case XDP_ABORTED: return "aborted";
    case XDP_DROP: return "drop";
    case XDP_PASS: return "pass";
    case XDP_TX: return "tx";
    case XDP_REDIRECT: return "redirect";
    default: return "unknown";
  }
}

xdp_test_result run_xdp(int prog_fd, std::span<const std::uint8_t> frame, const xdp_test_options& options) {
  std::vector<std::uint8_t> metadata(options.metadata.begin(), options.metadata.end());
  if (metadata.size() > kMaxMetadata || metadata.size() % 4 != 0)
    throw error("run XDP test", "", "metadata must be a multiple of 4 bytes and at most 32, got " + std::to_string(metadata.size()));

  std::vector<std::uint8_t> input(metadata);
  input.insert(input.end(), frame.begin(), frame.end());
  std::vector<std::uint8_t> output(options.live_frames ? 0 : input.size() + kRoomAfterFrame);

  xdp_md ctx_in{};
  ctx_in.data = static_cast<__u32>(metadata.size());
  ctx_in.data_end = static_cast<__u32>(input.size());
  ctx_in.ingress_ifindex = options.ingress_ifindex;
  xdp_md ctx_out{};

  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = input.data();
  opts.data_size_in = static_cast<__u32>(input.size());
  opts.repeat = options.repeat;
  opts.ctx_in = &ctx_in;
  opts.ctx_size_in = sizeof(ctx_in);
  if (options.live_frames) {
    opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
    opts.batch_size = options.batch_size;
  } else {
    opts.data_out = output.data();
    opts.data_size_out = static_cast<__u32>(output.size());
    opts.ctx_out = &ctx_out;
    opts.ctx_size_out = sizeof(ctx_out);
  }
  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const int rc = bpf_prog_test_run_opts(prog_fd, &opts);
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (rc != 0) {
    int err = errno;
    std::string subject = std::to_string(frame.size()) + "-byte frame";
    if (err == EINVAL && frame.size() < kEthernetHeader)
      throw error("run XDP test on", subject, "the kernel refuses XDP frames shorter than an Ethernet header (14 bytes); no XDP program can ever receive one");
    if (err == EINVAL && frame.size() > 3000)
      throw error("run XDP test on", subject, "the kernel refuses it (EINVAL): BPF_PROG_TEST_RUN takes at most about 3.5 KiB for XDP programs without frags support");
    if (options.live_frames && (err == EPERM || err == EOPNOTSUPP))
      throw error("run XDP test on", subject, std::string("this kernel refuses live-frame test runs (BPF_F_TEST_XDP_LIVE_FRAMES): ") + std::strerror(err),
                  "check live_frames_supported() first and send the frame another way");
    throw system_error("run XDP test on", subject, err);
  }

  xdp_test_result result;
  result.verdict = opts.retval;
  result.duration_ns = opts.duration;
  result.wall_ns = static_cast<std::uint64_t>((end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec));
  if (!options.live_frames) {
    std::size_t produced = std::min<std::size_t>(opts.data_size_out, output.size());
    std::size_t meta = std::min<std::size_t>(ctx_out.data, produced);
    result.metadata.assign(output.begin(), output.begin() + static_cast<long>(meta));
    result.frame.assign(output.begin() + static_cast<long>(meta), output.begin() + static_cast<long>(produced));
  }
  return result;
}

bool live_frames_supported() {
  static const bool supported = [] {
    // r0 = XDP_DROP; exit
    const bpf_insn program[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    const unique_fd fd(bpf_prog_load(BPF_PROG_TYPE_XDP, "ovsxdp_probe", "GPL", program, 2, nullptr));
    if (!fd) return false;
    std::uint8_t frame[64] = {};
    frame[12] = 0x08;  // IPv4, never delivered: the program drops it
    xdp_test_options options;
    options.live_frames = true;
    try {
      run_xdp(fd.get(), frame, options);
      return true;
    } catch (const error&) {
      return false;
    }
  }();
  return supported;
}

}  // namespace ovsxdp
