// A raw AF_PACKET socket that sends whole frames out of one interface (the
// host's way into the loop device, see datapath::execute, and the traffic
// generator's on kernels without live-frame test runs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "runtime/fd.hpp"

namespace ovsxdp {

class packet_socket {
 public:
  // Bound to `ifindex` in the current network namespace; `what` names it in errors.
  packet_socket(int ifindex, std::string what);
  void send(std::span<const std::uint8_t> frame) const;
  // Sends the frames with one sendmmsg; returns how many the kernel took
  // (fewer when its queue is full: ENOBUFS and EAGAIN are not errors).
  std::size_t send_batch(std::span<const std::span<const std::uint8_t>> frames) const;

 private:
  unique_fd fd_;
  int ifindex_;
  std::string what_;
};

}  // namespace ovsxdp
