// BPF_PROG_TEST_RUN for XDP programs: run the real program on a frame and
// get back its verdict, the frame as it left, and the kernel-measured time.
#pragma once

#include <linux/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ovsxdp {

struct xdp_test_options {
  std::uint32_t repeat = 1;
  std::uint32_t ingress_ifindex = 0;  // 0: the kernel uses loopback
  bool live_frames = false;           // BPF_F_TEST_XDP_LIVE_FRAMES: redirects really transmit
  std::uint32_t batch_size = 0;       // live frames only; 0 = kernel default
  std::span<const std::uint8_t> metadata;  // XDP metadata in front of the frame (<= 32 bytes, 4-aligned)
};

struct xdp_test_result {
  std::uint32_t verdict = 0;               // XDP_* action returned by the program
  std::vector<std::uint8_t> frame;         // the frame after the program (empty for live frames)
  std::vector<std::uint8_t> metadata;      // XDP metadata after the program
  std::uint32_t duration_ns = 0;           // average per run, measured by the kernel (whole ns)
  std::uint64_t wall_ns = 0;               // the whole syscall, measured here
};

// Throws ovsxdp::error on failure. The kernel refuses frames shorter than 14
// bytes (with or without metadata), as it never hands such a frame to XDP.
xdp_test_result run_xdp(int prog_fd, std::span<const std::uint8_t> frame, const xdp_test_options& options = {});

const char* xdp_action_name(std::uint32_t verdict);

// Whether this kernel runs XDP programs on live frames
// (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18+): some builds refuse it with
// EPERM (seen on 6.18.44). Probed once with a program that drops the frame;
// thread-safe. Without it, the datapath executes through its loop device and
// the traffic generator sends through a packet socket.
bool live_frames_supported();

// Shortest frame the kernel lets an XDP program see.
inline constexpr std::size_t kMinXdpFrame = 14;

}  // namespace ovsxdp
