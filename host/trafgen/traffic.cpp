#include "trafgen/traffic.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "packet/packet_builder.hpp"
#include "runtime/bpf_map.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/packet_socket.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
#include "runtime/xdp_link.hpp"
// clang-format off
#include "trafgen.skel.h"
// clang-format on

namespace ovsxdp {

namespace {

constexpr std::uint32_t kEth = 14, kIpv4 = 20, kUdp = 8, kTcp = 20, kMagic = 8;
constexpr std::uint32_t kDstLowOffset = kEth + 16 + 2;  // low 16 bits of the IPv4 destination
constexpr std::uint32_t kIpChecksumOffset = kEth + 10;
constexpr std::uint32_t kMaxFrame = 3000;  // one page of live-frame buffer, less the headroom and the trimmed byte

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint32_t parse_ipv4(const std::string& field, const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) throw error("build traffic", field + "=" + text, "not an IPv4 address");
  return ntohl(a.s_addr);
}

std::string format_ipv4(std::uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::uint16_t stamp_shift(std::uint32_t every) {
  if (every == 0 || every > (1u << 20) || (every & (every - 1)))
    throw error("build traffic", "stamp_every=" + std::to_string(every), "must be a power of two, 1..1048576");
  return static_cast<std::uint16_t>(__builtin_ctz(every));
}

std::uint32_t l4_checksum_offset(traffic_protocol p) { return kEth + kIpv4 + (p == traffic_protocol::udp ? 6 : 16); }

void check_spec(const traffic_spec& s) {
  if (s.flows < 1 || s.flows > OVSXDP_TRAFGEN_MAX_FLOWS)
    throw error("build traffic", "flows=" + std::to_string(s.flows), "must be 1.." + std::to_string(OVSXDP_TRAFGEN_MAX_FLOWS));
  if (s.frame_size < min_frame_size(s.protocol) || s.frame_size > kMaxFrame)
    throw error("build traffic", "frame_size=" + std::to_string(s.frame_size),
                "must be " + std::to_string(min_frame_size(s.protocol)) + ".." + std::to_string(kMaxFrame) +
                    " bytes (headers and the 8-byte magic; one live-frame page)");
  const std::uint32_t low = parse_ipv4("dst_ip", s.dst_ip) & 0xffff;
  if (low + s.flows - 1 > 0xffff)
    throw error("build traffic", "dst_ip=" + s.dst_ip, std::to_string(s.flows) + " flows would carry its low 16 bits past 0xffff",
                "pick a destination whose last two bytes leave room, e.g. 10.2.0.1");
  parse_ipv4("src_ip", s.src_ip);
  stamp_shift(s.stamp_every);
}

std::vector<std::uint8_t> build(const traffic_spec& s, const std::string& dst_ip) {
  const std::uint32_t headers = kEth + kIpv4 + (s.protocol == traffic_protocol::udp ? kUdp : kTcp);
  bytes payload(s.frame_size - headers, 0x78);
  std::memcpy(payload.data() + payload.size() - kMagic, "ovxdpgen", kMagic);
  static_assert(OVSXDP_TRAFGEN_MAGIC == 0x6e6567706478766fULL, "the magic is \"ovxdpgen\" in memory order");
  packet_builder b;
  b.eth(s.src_mac, s.dst_mac).ipv4(s.src_ip, dst_ip);
  if (s.protocol == traffic_protocol::udp) b.udp(s.src_port, s.dst_port);
  else b.tcp(s.src_port, s.dst_port, 0x010);
  return b.payload(std::move(payload)).build();
}

std::uint16_t word_at(const std::vector<std::uint8_t>& f, std::uint32_t offset) {
  std::uint16_t v;
  std::memcpy(&v, &f[offset], 2);
  return v;
}

// Counts of two senders (CPUs, or the program and the packet socket) as one.
template <class Counts>
void add(traffic_counts& c, const Counts& s) {
  c.packets += s.packets;
  c.bytes += s.bytes;
  c.foreign += s.foreign;
  c.stamped += s.stamped;
  if (s.first_ns && (!c.first_ns || s.first_ns < c.first_ns)) c.first_ns = s.first_ns;
  if (s.last_ns > c.last_ns) c.last_ns = s.last_ns;
}

traffic_counts sum(const std::vector<ovsxdp_trafgen_stats>& per_cpu) {
  traffic_counts c;
  for (const auto& s : per_cpu) add(c, s);
  return c;
}

void zero_stats(bpf_map* map, const std::string& what) {
  std::vector<ovsxdp_trafgen_stats> zeros(static_cast<std::size_t>(possible_cpus()));
  const std::uint32_t key = 0;
  if (bpf_map_update_elem(bpf_map__fd(map), &key, zeros.data(), BPF_ANY) != 0) throw system_error("reset the counts of", what, errno);
}

traffic_counts read_stats(bpf_map* map, const std::string& what) {
  std::vector<ovsxdp_trafgen_stats> per_cpu(static_cast<std::size_t>(possible_cpus()));
  const std::uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(map), &key, per_cpu.data()) != 0) throw system_error("read the counts of", what, errno);
  return sum(per_cpu);
}

}  // namespace

std::uint32_t min_frame_size(traffic_protocol p) { return kEth + kIpv4 + (p == traffic_protocol::udp ? kUdp : kTcp) + kMagic; }

std::string flow_destination(const traffic_spec& spec, std::uint32_t flow) {
  return format_ipv4(parse_ipv4("dst_ip", spec.dst_ip) + flow);
}

std::vector<std::uint8_t> traffic_template(const traffic_spec& spec) {
  check_spec(spec);
  return build(spec, spec.dst_ip);
}

std::vector<std::uint8_t> traffic_frame(const traffic_spec& spec, std::uint32_t flow) {
  check_spec(spec);
  if (flow >= spec.flows) throw error("build traffic", "flow " + std::to_string(flow), "only " + std::to_string(spec.flows) + " flows");
  return build(spec, flow_destination(spec, flow));
}

// ---- generator ----

struct traffic_generator::impl {
  skeleton<trafgen> skel;
  std::vector<std::uint8_t> frame;
  // Kernels that refuse live-frame test runs: every flow's frame, built
  // here and sent through a packet socket (slower: a syscall per 64
  // frames and an skb each), counted here.
  std::vector<std::vector<std::uint8_t>> flow_frames;
  std::unique_ptr<packet_socket> socket;  // kept: closing one waits for an RCU grace period
  std::uint32_t socket_ifindex = 0;
  ino_t socket_netns = 0;  // the namespace the socket was bound in
  std::uint32_t next_flow = 0;
  traffic_counts socket_counts;

  send_result send_through_socket(const traffic_spec& spec, std::uint32_t ifindex, std::uint64_t packets);
};

send_result traffic_generator::impl::send_through_socket(const traffic_spec& spec, std::uint32_t ifindex, std::uint64_t packets) {
  if (flow_frames.empty())
    for (std::uint32_t k = 0; k < spec.flows; k++) flow_frames.push_back(traffic_frame(spec, k));
  struct stat netns {};
  stat("/proc/thread-self/ns/net", &netns);
  if (!socket || socket_ifindex != ifindex || socket_netns != netns.st_ino) {
    socket = std::make_unique<packet_socket>(static_cast<int>(ifindex), "ifindex " + std::to_string(ifindex));
    socket_ifindex = ifindex;
    socket_netns = netns.st_ino;
  }
  send_result r;
  r.start_ns = monotonic_ns();
  std::vector<std::span<const std::uint8_t>> batch;
  for (std::uint64_t left = packets; left > 0;) {
    batch.clear();
    for (std::uint32_t i = 0; i < 64 && i < left; i++) batch.emplace_back(flow_frames[(next_flow + i) % flow_frames.size()]);
    // Stamped before the call: a veth delivers to its peer within it.
    const std::uint64_t now = monotonic_ns();
    const std::size_t sent = socket->send_batch(batch);
    if (sent == 0) {
      sched_yield();  // the device's queue is full: let it drain
      continue;
    }
    if (socket_counts.packets == 0) socket_counts.first_ns = now;
    for (std::size_t i = 0; i < sent; i++) socket_counts.bytes += batch[i].size();
    socket_counts.packets += sent;
    socket_counts.stamped = socket_counts.packets;
    socket_counts.last_ns = now;
    next_flow = static_cast<std::uint32_t>((next_flow + sent) % flow_frames.size());
    left -= sent;
    r.packets += sent;
  }
  r.end_ns = monotonic_ns();
  return r;
}

traffic_generator::traffic_generator(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
traffic_generator::traffic_generator(traffic_generator&&) noexcept = default;
traffic_generator& traffic_generator::operator=(traffic_generator&&) noexcept = default;
traffic_generator::~traffic_generator() = default;

traffic_generator traffic_generator::load(const traffic_spec& spec) {
  auto frame = traffic_template(spec);
  auto i = std::make_unique<impl>(impl{skeleton<trafgen>::open_and_load("trafgen"), std::move(frame)});
  ovsxdp_trafgen_config c{};
  c.flows = spec.flows;
  c.flow_offset = kDstLowOffset;
  c.flow_base = ntohs(word_at(i->frame, kDstLowOffset));
  c.csum_offset[0] = kIpChecksumOffset;
  c.csum_template[0] = word_at(i->frame, kIpChecksumOffset);
  c.csum_offset[1] = static_cast<std::uint16_t>(l4_checksum_offset(spec.protocol));
  c.csum_template[1] = word_at(i->frame, c.csum_offset[1]);
  c.csum_udp[1] = spec.protocol == traffic_protocol::udp;
  c.header_len = static_cast<std::uint16_t>(std::min<std::size_t>(i->frame.size(), OVSXDP_TRAFGEN_HEADER_BYTES));
  std::memcpy(c.header, i->frame.data(), c.header_len);
  c.frame_len = static_cast<std::uint16_t>(i->frame.size());
  c.stamp_shift = stamp_shift(spec.stamp_every);
  i->frame.push_back(0);  // trimmed by the program: see ovsxdp/abi/trafgen.h
  const std::uint32_t key = 0;
  if (bpf_map_update_elem(bpf_map__fd(i->skel->maps.trafgen_config), &key, &c, BPF_ANY) != 0)
    throw system_error("configure the traffic generator", "trafgen_config", errno);
  traffic_generator g(std::move(i));
  g.spec_ = spec;
  g.reset();
  return g;
}

int traffic_generator::program_fd() const { return bpf_program__fd(impl_->skel->progs.ovsxdp_trafgen_send); }

void traffic_generator::reset() {
  zero_stats(impl_->skel->maps.trafgen_stats, "the traffic generator");
  impl_->socket_counts = {};
  impl_->next_flow = 0;
}

traffic_counts traffic_generator::totals() const {
  traffic_counts c = read_stats(impl_->skel->maps.trafgen_stats, "the traffic generator");
  add(c, impl_->socket_counts);
  return c;
}

send_result traffic_generator::send(std::uint32_t ifindex, std::uint64_t packets) {
  if (ifindex == 0) throw error("send traffic", "ifindex 0", "no interface given");
  if (!live_frames_supported()) return impl_->send_through_socket(spec_, ifindex, packets);
  const std::uint64_t before = totals().packets;
  send_result r;
  r.start_ns = monotonic_ns();
  for (std::uint64_t left = packets; left > 0;) {
    const auto chunk = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, 1u << 30));
    xdp_test_options o;
    o.repeat = chunk;
    o.live_frames = true;
    o.ingress_ifindex = ifindex;
    run_xdp(program_fd(), impl_->frame, o);
    left -= chunk;
  }
  r.end_ns = monotonic_ns();
  r.packets = totals().packets - before;
  return r;
}

// ---- receiver ----

struct traffic_receiver::impl {
  skeleton<trafgen> skel;
  unique_fd link;
};

traffic_receiver::traffic_receiver(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
traffic_receiver::traffic_receiver(traffic_receiver&&) noexcept = default;
traffic_receiver& traffic_receiver::operator=(traffic_receiver&&) noexcept = default;
traffic_receiver::~traffic_receiver() = default;  // the link goes before the skeleton: impl's members are destroyed in reverse

traffic_receiver traffic_receiver::attach(std::uint32_t ifindex, mode m, std::uint32_t stamp_every) {
  auto i = std::make_unique<impl>(impl{skeleton<trafgen>::open_and_load("trafgen"), unique_fd{}});
  ovsxdp_trafgen_receiver_config c{};
  c.reflect = m == mode::reflect;
  c.stamp_shift = stamp_shift(stamp_every);
  const std::uint32_t key = 0;
  if (bpf_map_update_elem(bpf_map__fd(i->skel->maps.trafgen_receiver_config), &key, &c, BPF_ANY) != 0)
    throw system_error("configure the traffic receiver", "trafgen_receiver_config", errno);
  i->link = attach_xdp_link(bpf_program__fd(i->skel->progs.ovsxdp_trafgen_count), ifindex, "ifindex " + std::to_string(ifindex));
  traffic_receiver r(std::move(i));
  r.reset();
  return r;
}

traffic_counts traffic_receiver::counts() const { return read_stats(impl_->skel->maps.trafgen_stats, "the traffic receiver"); }

void traffic_receiver::reset() { zero_stats(impl_->skel->maps.trafgen_stats, "the traffic receiver"); }

}  // namespace ovsxdp
