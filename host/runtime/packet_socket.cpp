#include "runtime/packet_socket.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/error.hpp"

namespace ovsxdp {

packet_socket::packet_socket(int ifindex, std::string what) : ifindex_(ifindex), what_(std::move(what)) {
  // Protocol 0: a send-only socket that receives nothing.
  fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd_) throw system_error("open a packet socket on", what_, errno, "sending raw frames needs CAP_NET_RAW (run as root)");
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex_;
  if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw system_error("bind a packet socket to", what_, errno);
}

void packet_socket::send(std::span<const std::uint8_t> frame) const {
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex_;
  addr.sll_halen = ETH_ALEN;
  if (frame.size() >= ETH_ALEN) std::memcpy(addr.sll_addr, frame.data(), ETH_ALEN);
  const ssize_t n = sendto(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (n != static_cast<ssize_t>(frame.size())) throw system_error("send a " + std::to_string(frame.size()) + "-byte frame on", what_, n < 0 ? errno : EMSGSIZE);
}

std::size_t packet_socket::send_batch(std::span<const std::span<const std::uint8_t>> frames) const {
  constexpr std::size_t kMax = 64;
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex_;
  iovec iov[kMax];
  mmsghdr messages[kMax];
  const std::size_t n = std::min(frames.size(), kMax);
  for (std::size_t i = 0; i < n; i++) {
    iov[i] = {const_cast<std::uint8_t*>(frames[i].data()), frames[i].size()};
    messages[i] = {};
    messages[i].msg_hdr.msg_name = &addr;
    messages[i].msg_hdr.msg_namelen = sizeof addr;
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  const int sent = sendmmsg(fd_.get(), messages, static_cast<unsigned>(n), 0);
  if (sent < 0) {
    if (errno == ENOBUFS || errno == EAGAIN) return 0;
    throw system_error("send " + std::to_string(n) + " frames on", what_, errno);
  }
  return static_cast<std::size_t>(sent);
}

}  // namespace ovsxdp
