#include "support/raw_socket.hpp"

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "runtime/skeleton.hpp"
// clang-format off
#include "xdp_pass.skel.h"
// clang-format on

namespace ovsxdp::testing {

raw_socket::raw_socket(const std::string& ifname) : name_(ifname) {
  ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (!ifindex_) throw std::runtime_error("raw_socket: no interface " + ifname);
  fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  if (!fd_) throw std::runtime_error(std::string("raw_socket: socket: ") + std::strerror(errno));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = ifindex_;
  if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("raw_socket: bind " + ifname + ": " + std::strerror(errno));
  // Room for bursts: a test that counts frames must not lose them here.
  const int bytes = 32 << 20;
  setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes);
  // The stack moves a received VLAN tag into skb metadata; auxdata gives it
  // back so tests see the frame as it was on the wire.
  const int on = 1;
  if (setsockopt(fd_.get(), SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) != 0)
    throw std::runtime_error(std::string("raw_socket: PACKET_AUXDATA: ") + std::strerror(errno));
}

void raw_socket::send(const bytes& frame) const {
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex_;
  addr.sll_halen = 6;
  std::memcpy(addr.sll_addr, frame.data(), 6);
  if (sendto(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != static_cast<ssize_t>(frame.size()))
    throw std::runtime_error("raw_socket: send on " + name_ + ": " + std::strerror(errno));
}

std::optional<bytes> raw_socket::receive(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd_.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    bytes frame(65536);
    sockaddr_ll from{};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
    iovec iov{frame.data(), frame.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd_.get(), &msg, 0);
    if (n < 0) throw std::runtime_error("raw_socket: receive on " + name_ + ": " + std::strerror(errno));
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    frame.resize(static_cast<std::size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || frame.size() < 12) continue;
      const std::uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q;
      const std::uint8_t tag[4] = {static_cast<std::uint8_t>(tpid >> 8), static_cast<std::uint8_t>(tpid), static_cast<std::uint8_t>(aux.tp_vlan_tci >> 8),
                                   static_cast<std::uint8_t>(aux.tp_vlan_tci)};
      frame.insert(frame.begin() + 12, tag, tag + 4);
    }
    return frame;
  }
}

std::vector<bytes> raw_socket::drain(std::chrono::milliseconds quiet) const {
  std::vector<bytes> out;
  while (auto f = receive(quiet)) out.push_back(std::move(*f));
  return out;
}

void attach_xdp_pass(const std::string& ifname) {
  static skeleton<xdp_pass> prog = skeleton<xdp_pass>::open_and_load("xdp_pass");
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (!ifindex) throw std::runtime_error("attach_xdp_pass: no interface " + ifname);
  if (bpf_xdp_attach(ifindex, bpf_program__fd(prog->progs.ovsxdp_pass), XDP_FLAGS_DRV_MODE, nullptr) != 0)
    throw std::runtime_error("attach_xdp_pass: " + ifname + ": " + std::strerror(errno));
}

}  // namespace ovsxdp::testing
