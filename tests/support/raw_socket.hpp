// AF_PACKET sockets on test interfaces: send raw frames into a veth and
// capture what arrives on one (frames the host itself sends are skipped).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "runtime/fd.hpp"
#include "packet/packet_builder.hpp"

namespace ovsxdp::testing {

class raw_socket {
 public:
  explicit raw_socket(const std::string& ifname);
  void send(const bytes& frame) const;
  // The next frame received within `timeout`, if any.
  std::optional<bytes> receive(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const;
  // Frames received until `timeout` passes without one.
  std::vector<bytes> drain(std::chrono::milliseconds quiet = std::chrono::milliseconds(200)) const;

 private:
  unique_fd fd_;
  int ifindex_ = 0;
  std::string name_;
};

// Attaches the xdp_pass program to `ifname` (native mode): a veth delivers
// frames redirected to it only when its peer runs an XDP program.
void attach_xdp_pass(const std::string& ifname);

}  // namespace ovsxdp::testing
