// Loads rewriter.bpf.cpp's skeleton with ovsxdp's host library, attaches it
// natively to one end of a veth pair in a private network namespace, sends
// frames into the other end and checks what arrives: a UDP packet to the
// rewritten address arrives readdressed with its TTL decremented, byte for
// byte the frame the packet builder makes for that (so its checksums are
// right); other frames arrive untouched; the program counted one rewrite.
// Exit codes: 0 passed, 1 failed, 77 not root (needs namespaces and XDP).
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "packet/packet_builder.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/private_namespace.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/xdp_link.hpp"
// clang-format off
#include "rewriter.skel.h"
// clang-format on

namespace {

using ovsxdp::bytes;

// An AF_PACKET socket on one interface: sends frames, receives what arrives.
class packet_socket {
 public:
  explicit packet_socket(const std::string& ifname) : name_(ifname) {
    ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (!ifindex_) throw ovsxdp::system_error("find interface", ifname, errno);
    fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (!fd_) throw ovsxdp::system_error("open AF_PACKET socket", ifname, errno);
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = ifindex_;
    if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw ovsxdp::system_error("bind AF_PACKET socket", ifname, errno);
  }

  void send(const bytes& frame) const {
    if (::send(fd_.get(), frame.data(), frame.size(), 0) != static_cast<ssize_t>(frame.size()))
      throw ovsxdp::system_error("send a frame", name_, errno);
  }

  // The next frame that arrives within a second, if any.
  std::optional<bytes> receive() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_.get(), POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      bytes frame(2048);
      sockaddr_ll from{};
      socklen_t from_size = sizeof from;
      const ssize_t n = recvfrom(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 0) throw ovsxdp::system_error("receive a frame", name_, errno);
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      frame.resize(static_cast<std::size_t>(n));
      return frame;
    }
  }

 private:
  ovsxdp::unique_fd fd_;
  int ifindex_ = 0;
  std::string name_;
};

int failures = 0;

void expect_arrival(const packet_socket& from, const packet_socket& to, const std::string& what, const bytes& sent,
                    const bytes& expected) {
  from.send(sent);
  const std::optional<bytes> got = to.receive();
  if (!got) {
    std::cout << "FAIL: " << what << ": nothing arrived\n";
    failures++;
  } else if (*got != expected) {
    std::cout << "FAIL: " << what << ":\n  expected " << ovsxdp::to_hex(expected) << "\n  got      " << ovsxdp::to_hex(*got) << "\n";
    failures++;
  } else {
    std::cout << "ok: " << what << "\n";
  }
}

}  // namespace

int main() {
  if (geteuid() != 0) {
    std::cout << "SKIP: rewriter_check needs root (network namespace, XDP)\n";
    return 77;
  }
  try {
    const auto ns = ovsxdp::private_namespace::enter("ovsxdp-example");
    ns.veth("oxex0", "oxex1");

    auto skel = ovsxdp::skeleton<rewriter>::open("rewriter");
    skel->rodata->rewrite_from = htonl(ovsxdp::parse_ipv4("192.0.2.1"));
    skel->rodata->rewrite_to = htonl(ovsxdp::parse_ipv4("192.0.2.2"));
    skel.load();
    const ovsxdp::unique_fd link =
        ovsxdp::attach_xdp_link(bpf_program__fd(skel->progs.rewriter), if_nametoindex("oxex1"), "oxex1");

    const packet_socket sender("oxex0"), receiver("oxex1");
    auto eth = [] { return ovsxdp::packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02"); };
    expect_arrival(sender, receiver, "UDP to 192.0.2.1 arrives for 192.0.2.2 with TTL 63",
                   eth().ipv4("10.0.0.1", "192.0.2.1", {.ttl = 64}).udp(4000, 4001).payload(32).build(),
                   eth().ipv4("10.0.0.1", "192.0.2.2", {.ttl = 63}).udp(4000, 4001).payload(32).build());
    const bytes other = eth().ipv4("10.0.0.1", "192.0.2.3", {.ttl = 64}).udp(4000, 4001).payload(32).build();
    expect_arrival(sender, receiver, "UDP to another address arrives untouched", other, other);
    const bytes arp = eth().arp(1, "02:00:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "192.0.2.1").build();
    expect_arrival(sender, receiver, "ARP arrives untouched", arp, arp);

    // The per-CPU counter, summed: exactly the one rewritten packet.
    const int ncpus = libbpf_num_possible_cpus();
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(ncpus > 0 ? ncpus : 1));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.rewritten), &key, per_cpu.data()) != 0)
      throw ovsxdp::system_error("read map", "rewritten", errno);
    std::uint64_t rewritten = 0;
    for (std::uint64_t n : per_cpu) rewritten += n;
    if (rewritten != 1) {
      std::cout << "FAIL: the program counted " << rewritten << " rewritten packets, expected 1\n";
      failures++;
    } else {
      std::cout << "ok: the program counted 1 rewritten packet\n";
    }
  } catch (const ovsxdp::error& e) {
    std::cout << "FAIL: " << e.what() << "\n";
    return 1;
  }
  std::cout << (failures ? "FAILED" : "PASS") << ": rewriter on a veth, " << failures << " failures\n";
  return failures ? 1 : 0;
}
