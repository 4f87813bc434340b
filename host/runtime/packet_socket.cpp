#include "runtime/packet_socket.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

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

}  // namespace ovsxdp
