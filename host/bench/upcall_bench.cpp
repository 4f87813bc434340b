// ovsxdp-bench upcalls: new TCP connections through ovs-vswitchd's upcall path.
//
//   sender namespace              this process's namespace          receiver namespace
//   clients, a0 10.7.L.1 ----> a1 [bridge under test] b1 ----> b0 10.7.L.2, servers
//
// Bridges under test, one lane each, measured one at a time: a switch runs
// only while its lane is measured, so the netdev datapath's polling thread
// does not take a CPU from the others.
//   ovsxdp        the build tree's ovs-vswitchd, datapath_type=ovsxdp, NORMAL
//   OVS AF_XDP    Debian's ovs-vswitchd 3.1, userspace (netdev) datapath with
//                 AF_XDP ports and a PMD thread, NORMAL
//   Linux bridge  no upcalls at all: what this load costs without a slow path
// Both vswitchd bridges run with megaflows off (upcall/disable-megaflows), so
// every packet whose exact key the datapath has not seen is an upcall that
// ofproto translates, installs and re-injects: each connection's SYN,
// SYN-ACK, first ACK and first data each way (the key holds the TCP flags).
// With megaflows on, NORMAL installs one L2 megaflow per direction and only
// the first connection would reach ovs-vswitchd.
//
// A connection: connect, request 1 -> response 1, request 2 -> response 2
// (64 bytes each way, TCP_NODELAY), close with an RST (SO_LINGER 0: no
// TIME_WAIT), from a source port no earlier connection of the run used, so its
// 5-tuple is new to the datapath.
//   serial phase    one connection at a time, for latencies:
//                   connect   = SYN out, SYN-ACK back: two first packets
//                   request 2 = the same round trip over installed flows
//                   first packet ~ (connect - request 2) / 2
//   parallel phase  --clients connections at once for --seconds: connections
//                   per second, and flow setups per second (the datapath's
//                   missed counter over the phase)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "bench/bench.hpp"
#include "bench/ovs_peer.hpp"
#include "bench/topology.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/private_namespace.hpp"

namespace ovsxdp::bench {
namespace {

using steady = std::chrono::steady_clock;

constexpr std::uint16_t kServerPort = 5001;
// Source ports handed out in order, one per connection; never reused in a run.
constexpr std::uint32_t kFirstSourcePort = 10000, kLastSourcePort = 64999;
constexpr std::uint32_t kWarmupConnections = 32;  // MAC learning, first translations
constexpr std::size_t kMessageBytes = 64;
constexpr int kIoTimeoutMs = 3000;  // a SYN lost in the slow path costs 1 s (TCP's retransmit), not a hang
constexpr double kMaxFailedShare = 0.01;

enum class device { ovsxdp_vswitchd, ovs_afxdp, linux_bridge };

struct scenario {
  std::string json_name, title;
  device dut;
};

const std::vector<scenario>& all_scenarios() {
  static const std::vector<scenario> s = {
      {"ovsxdp", "ovs-vswitchd, ovsxdp datapath", device::ovsxdp_vswitchd},
      {"ovs_afxdp", "ovs-vswitchd, OVS AF_XDP + PMD", device::ovs_afxdp},
      {"linux_bridge", "Linux bridge (no slow path)", device::linux_bridge},
  };
  return s;
}

struct options {
  common_options common;
  std::uint32_t serial = 500;
  std::uint32_t connections = 20000;  // at most, in the parallel phase
  double seconds = 4;                 // at most, in the parallel phase
  std::uint32_t clients = 4;
};

options parse(std::vector<std::string> args) {
  options o;
  o.common = take_common_options(args);
  for (std::size_t i = 0; i < args.size(); i++) {
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (args[i] == "--serial") o.serial = static_cast<std::uint32_t>(parse_number("--serial", value(), 10, 5000));
    else if (args[i] == "--connections") o.connections = static_cast<std::uint32_t>(parse_number("--connections", value(), 10, 50000));
    else if (args[i] == "--seconds") o.seconds = static_cast<double>(parse_number("--seconds", value(), 1, 60));
    else if (args[i] == "--clients") o.clients = static_cast<std::uint32_t>(parse_number("--clients", value(), 1, 64));
    else throw usage_error("unknown argument '" + args[i] + "'");
  }
  return o;
}

double micros(steady::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void set_io_timeouts(int fd) {
  const timeval tv{.tv_sec = kIoTimeoutMs / 1000, .tv_usec = (kIoTimeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool write_all(int fd, const char* data, std::size_t n) {
  while (n) {
    const ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_exact(int fd, char* data, std::size_t n) {
  while (n) {
    const ssize_t r = recv(fd, data, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = ECONNRESET;
      return false;
    }
    data += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

sockaddr_in ipv4(const std::string& address, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) throw error("parse IPv4 address", address, "not a dotted quad");
  return a;
}

// Accepts on one listening socket (made in the receiver namespace) with
// `threads` threads; each serves a connection at a time: two requests, two
// responses, then waits for the client's RST.
class tcp_server {
 public:
  tcp_server(const net_namespace& ns, const sockaddr_in& address, unsigned threads) {
    {
      auto in = ns.enter();
      listener_ = unique_fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    }
    if (!listener_) throw system_error("create the benchmark's TCP server socket", ns.purpose(), errno);
    const int one = 1;
    setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
    const std::string where = std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
    if (bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw system_error("bind the benchmark's TCP server to", where, errno, "the receiver's address must be configured first");
    if (listen(listener_.get(), 4096) != 0) throw system_error("listen on", where, errno);
    for (unsigned t = 0; t < threads; t++) threads_.emplace_back([this] { serve(); });
  }
  tcp_server(const tcp_server&) = delete;
  tcp_server& operator=(const tcp_server&) = delete;
  ~tcp_server() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  void serve() {
    char buffer[kMessageBytes];
    while (!stop_) {
      pollfd p{.fd = listener_.get(), .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const unique_fd c(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) continue;  // another thread took it
      set_io_timeouts(c.get());
      for (int request = 0; request < 2; request++)
        if (!read_exact(c.get(), buffer, sizeof buffer) || !write_all(c.get(), buffer, sizeof buffer)) break;
      while (!stop_ && recv(c.get(), buffer, sizeof buffer, 0) > 0) {
      }
    }
  }

  unique_fd listener_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

struct connection_times {
  double connect_us = 0, request1_us = 0, request2_us = 0;
};

// One connection from client_ip:source_port; the times, or why it failed.
std::optional<connection_times> run_connection(const sockaddr_in& client, const sockaddr_in& server, std::string& failure) {
  const unique_fd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto fail = [&](const std::string& step) {
    failure = step + ": " + std::strerror(errno);
    return std::nullopt;
  };
  if (!s) return fail("socket");
  const int one = 1;
  setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  set_io_timeouts(s.get());
  if (bind(s.get(), reinterpret_cast<const sockaddr*>(&client), sizeof client) != 0)
    return fail("bind source port " + std::to_string(ntohs(client.sin_port)));
  char buffer[kMessageBytes];
  std::memset(buffer, 'x', sizeof buffer);
  connection_times t;
  const auto t0 = steady::now();
  if (connect(s.get(), reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) return fail("connect");
  const auto t1 = steady::now();
  if (!write_all(s.get(), buffer, sizeof buffer) || !read_exact(s.get(), buffer, sizeof buffer)) return fail("request 1");
  const auto t2 = steady::now();
  if (!write_all(s.get(), buffer, sizeof buffer) || !read_exact(s.get(), buffer, sizeof buffer)) return fail("request 2");
  const auto t3 = steady::now();
  const linger reset{.l_onoff = 1, .l_linger = 0};
  setsockopt(s.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  t.connect_us = micros(t1 - t0);
  t.request1_us = micros(t2 - t1);
  t.request2_us = micros(t3 - t2);
  return t;
}

// A lane with addresses: clients on a0, servers on b0, static neighbours (no
// ARP in the measurement), checksums filled in by the sender (a veth's
// partial checksums do not survive AF_XDP copies), GRO on (a veth takes
// redirected XDP frames only while its peer has NAPI; ovsxdp's port setup
// turns it on itself only for peers it can find, and ovs-vswitchd cannot see
// namespaces this process holds by descriptor), IPv6 off on the switch's
// side (no router solicitations in the flow table). The same on every lane.
struct tcp_lane {
  lane l;
  std::string client_ip, server_ip;
};

tcp_lane make_tcp_lane(topology& topo, const std::string& prefix, unsigned index) {
  tcp_lane t;
  t.l = topo.add_lane(prefix);
  const std::string net = "10.7." + std::to_string(index) + ".";
  t.client_ip = net + "1";
  t.server_ip = net + "2";
  char client_mac[18], server_mac[18];
  std::snprintf(client_mac, sizeof client_mac, "02:07:%02x:00:00:01", index);
  std::snprintf(server_mac, sizeof server_mac, "02:07:%02x:00:00:02", index);
  auto configure = [](const std::string& dev, const std::string& mac, const std::string& ip, const std::string& peer_ip, const std::string& peer_mac) {
    return "ip link set " + dev + " down && ip link set " + dev + " address " + mac + " && ip link set " + dev + " up && ip addr add " + ip +
           "/24 dev " + dev + " && ip neigh replace " + peer_ip + " lladdr " + peer_mac + " dev " + dev + " nud permanent && ethtool -K " + dev +
           " tx off gro on >/dev/null";
  };
  topo.sender().run(configure(t.l.a0, client_mac, t.client_ip, t.server_ip, server_mac));
  topo.receiver().run(configure(t.l.b0[0], server_mac, t.server_ip, t.client_ip, client_mac));
  for (const auto& dev : {t.l.a1, t.l.b1[0]})
    topo.middle().run("if [ -e /proc/sys/net/ipv6/conf/" + dev + " ]; then echo 1 > /proc/sys/net/ipv6/conf/" + dev + "/disable_ipv6; fi");
  return t;
}

struct phase_result {
  std::vector<connection_times> times;
  std::uint64_t attempted = 0, failed = 0;
  double seconds = 0;
  std::string first_failure;
};

class lane_load {
 public:
  lane_load(const topology& topo, const tcp_lane& t) : topo_(topo), lane_(t), server_(ipv4(t.server_ip, kServerPort)) {}

  // `count` connections (at most), `clients` at a time, for at most `seconds`.
  phase_result run(std::uint32_t count, unsigned clients, double seconds) {
    phase_result r;
    std::mutex m;
    std::atomic<std::int64_t> remaining{count};
    const auto deadline = steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
    const auto start = steady::now();
    std::vector<std::thread> threads;
    for (unsigned c = 0; c < clients; c++)
      threads.emplace_back([&] {
        auto in = topo_.sender().enter();
        std::vector<connection_times> mine;
        std::uint64_t attempted = 0, failed = 0;
        std::string failure;
        while (steady::now() < deadline) {
          if (remaining.fetch_sub(1) <= 0) break;
          const std::uint32_t port = next_port_++;
          if (port > kLastSourcePort) break;
          attempted++;
          std::string why;
          if (auto t = run_connection(ipv4(lane_.client_ip, static_cast<std::uint16_t>(port)), server_, why)) mine.push_back(*t);
          else if (failed++ == 0) failure = why;
        }
        std::lock_guard lock(m);
        r.times.insert(r.times.end(), mine.begin(), mine.end());
        r.attempted += attempted;
        r.failed += failed;
        if (r.first_failure.empty()) r.first_failure = failure;
      });
    for (auto& t : threads) t.join();
    r.seconds = std::chrono::duration<double>(steady::now() - start).count();
    return r;
  }

 private:
  const topology& topo_;
  const tcp_lane& lane_;
  sockaddr_in server_;
  std::atomic<std::uint32_t> next_port_{kFirstSourcePort};
};

struct lane_figures {
  std::vector<double> connect_us, request1_us, request2_us;  // serial phase
  double connections_per_s = 0;                              // parallel phase
  double setups_per_s = 0, upcalls_per_connection = 0;       // vswitchd lanes
  std::uint64_t attempted = 0, failed = 0, lost = 0;
};

void check_failures(const scenario& s, const std::string& phase, const phase_result& r) {
  if (r.attempted == 0) throw error("measure " + phase, s.title, "no connection was attempted");
  if (static_cast<double>(r.failed) > kMaxFailedShare * static_cast<double>(r.attempted))
    throw error("measure " + phase, s.title,
                std::to_string(r.failed) + " of " + std::to_string(r.attempted) + " connections failed (first: " + r.first_failure + ")",
                "the bridge does not forward this load; see its log");
}

class bench_world {
 public:
  bench_world(const private_namespace& ns, const options& o, std::optional<ovsxdp_vswitchd_build> build)
      : ns_(ns), o_(o), build_(std::move(build)), topo_(ns) {
    lanes_[device::ovsxdp_vswitchd] = make_tcp_lane(topo_, "ux", 1);
    lanes_[device::ovs_afxdp] = make_tcp_lane(topo_, "un", 2);
    lanes_[device::linux_bridge] = make_tcp_lane(topo_, "ub", 3);
    const auto& br = lanes_[device::linux_bridge].l;
    topo_.add_bridge("ubbr", {br.a1, br.b1[0]}, {});
    for (const auto& [dut, t] : lanes_) servers_.push_back(std::make_unique<tcp_server>(topo_.receiver(), ipv4(t.server_ip, kServerPort), o.clients));
  }

  lane_figures run(const scenario& s, std::uint32_t round) {
    const tcp_lane& t = lanes_.at(s.dut);
    std::optional<ovs_switch> sw;
    if (s.dut == device::ovsxdp_vswitchd) sw.emplace(start_ovsxdp(t, round));
    if (s.dut == device::ovs_afxdp) sw.emplace(start_afxdp(t, round));
    lane_load load(topo_, t);
    check_failures(s, "warm-up connections", load.run(kWarmupConnections, 1, 30));

    lane_figures f;
    const auto before_serial = sw ? sw->datapath_statistics() : ovs_switch::datapath_stats{};
    const phase_result serial = load.run(o_.serial, 1, 60);
    check_failures(s, "serial connections", serial);
    if (sw) {
      // At least the SYN and the SYN-ACK of each connection must have been upcalls, or megaflows are still on.
      const auto after = sw->datapath_statistics();
      if (after.missed - before_serial.missed < 2 * serial.times.size())
        throw error("measure first packets", s.title,
                    std::to_string(after.missed - before_serial.missed) + " datapath misses for " + std::to_string(serial.times.size()) +
                        " new connections",
                    "the scenario does not measure what it claims (megaflows not disabled?)");
    }
    for (const auto& c : serial.times) {
      f.connect_us.push_back(c.connect_us);
      f.request1_us.push_back(c.request1_us);
      f.request2_us.push_back(c.request2_us);
    }

    const auto before = sw ? sw->datapath_statistics() : ovs_switch::datapath_stats{};
    const phase_result parallel = load.run(o_.connections, o_.clients, o_.seconds);
    check_failures(s, "parallel connections", parallel);
    f.attempted = serial.attempted + parallel.attempted;
    f.failed = serial.failed + parallel.failed;
    f.connections_per_s = static_cast<double>(parallel.times.size()) / parallel.seconds;
    if (sw) {
      const auto after = sw->datapath_statistics();
      f.setups_per_s = static_cast<double>(after.missed - before.missed) / parallel.seconds;
      f.upcalls_per_connection = parallel.times.empty() ? 0 : static_cast<double>(after.missed - before.missed) / static_cast<double>(parallel.times.size());
      f.lost = after.lost - before_serial.lost;
    }
    return f;
  }

  std::string version(device d) {
    if (!versions_.count(d)) return "";
    return versions_[d];
  }

 private:
  // NORMAL, no megaflows, room for every connection's flows.
  void configure_normal(ovs_switch& sw, device d) {
    sw.add_flows({"priority=0,actions=NORMAL"});
    sw.appctl_command({"upcall/disable-megaflows"});
    sw.appctl_command({"upcall/set-flow-limit", "200000"});
    versions_[d] = sw.version();
  }

  ovs_switch start_ovsxdp(const tcp_lane& t, std::uint32_t round) {
    ovs_switch::options so;
    so.work_dir = ns_.run_dir() + "/ux" + std::to_string(round);
    so.bridge = "brux";
    so.datapath_type = "ovsxdp";
    so.bin_dir = build_->bin_dir;
    so.schema = build_->schema;
    so.extra_env = {"OVSXDP_BPFFS=" + ns_.bpffs(), "OVSXDP_RUN_DIR=" + ns_.run_dir()};
    ovs_switch sw = ovs_switch::start(so);
    sw.add_system_port(t.l.a1, 1);
    sw.add_system_port(t.l.b1[0], 2);
    configure_normal(sw, device::ovsxdp_vswitchd);
    return sw;
  }

  ovs_switch start_afxdp(const tcp_lane& t, std::uint32_t round) {
    ovs_switch::options so;
    so.work_dir = ns_.run_dir() + "/un" + std::to_string(round);
    so.bridge = "brun";
    so.pmd_cpu_mask = kGeneratorCpu == 0 ? "0x2" : "0x1";
    ovs_switch sw = ovs_switch::start(so);
    sw.add_afxdp_port(t.l.a1, 1);
    sw.add_afxdp_port(t.l.b1[0], 2);
    configure_normal(sw, device::ovs_afxdp);
    return sw;
  }

  const private_namespace& ns_;
  const options& o_;
  std::optional<ovsxdp_vswitchd_build> build_;
  topology topo_;
  std::map<device, tcp_lane> lanes_;
  std::vector<std::unique_ptr<tcp_server>> servers_;
  std::map<device, std::string> versions_;
};

}  // namespace

int upcall_bench(std::vector<std::string> args) {
  const options o = parse(std::move(args));
  std::vector<scenario> chosen;
  for (const auto& s : all_scenarios())
    if (o.common.only.empty() || s.json_name.find(o.common.only) != std::string::npos) chosen.push_back(s);
  if (chosen.empty()) throw usage_error("--only '" + o.common.only + "' matches none of ovsxdp, ovs_afxdp, linux_bridge");
  auto build = find_ovsxdp_vswitchd();
  if (!build && std::erase_if(chosen, [](const scenario& s) { return s.dut == device::ovsxdp_vswitchd; }))
    std::cerr << "skipping ovsxdp: this build has no ovs-vswitchd with the ovsxdp provider (configured with -DOVSXDP_BUILD_OVS=OFF); "
                 "set OVSXDP_OVS_BIN_DIR and OVSXDP_OVS_SCHEMA to use one\n";

  private_namespace ns = private_namespace::enter("bench-upcalls");
  bench_world world(ns, o, build);

  std::map<std::string, std::vector<lane_figures>> results;
  for (std::uint32_t round = 0; round < o.common.rounds; round++) {
    for (const auto& s : chosen) results[s.json_name].push_back(world.run(s, round));
    std::cerr << "round " << round + 1 << "/" << o.common.rounds << " done\n";
  }

  std::cout << "ovsxdp-bench upcalls: new TCP connections (connect, 2 requests, RST) through a NORMAL bridge, megaflows off\n"
            << "machine: " << machine_description() << "\n"
            << "load: " << o.serial << " serial connections, then " << o.clients << " clients for up to " << fixed(o.seconds, 0) << " s or "
            << o.connections << " connections; " << o.common.rounds << " rounds, a fresh switch each\n";
  for (const auto& s : chosen)
    if (const std::string v = world.version(s.dut); !v.empty()) std::cout << s.title << ": " << v << "\n";
  std::cout << "\n"
            << std::left << std::setw(34) << "bridge" << std::right << std::setw(9) << "conn/s" << std::setw(11) << "setups/s" << std::setw(10)
            << "upc/conn" << std::setw(17) << "connect p50/p99" << std::setw(18) << "request2 p50/p99" << std::setw(14) << "1st packet" << std::setw(9)
            << "failed" << "\n";
  std::vector<std::pair<std::string, double>> figures;
  std::map<std::string, double> first_packet, rate;
  for (const auto& s : chosen) {
    const auto& rounds = results[s.json_name];
    std::vector<double> connect, request2, conn_rate, setups, per_conn;
    std::uint64_t attempted = 0, failed = 0, lost = 0;
    for (const auto& f : rounds) {
      connect.insert(connect.end(), f.connect_us.begin(), f.connect_us.end());
      request2.insert(request2.end(), f.request2_us.begin(), f.request2_us.end());
      conn_rate.push_back(f.connections_per_s);
      setups.push_back(f.setups_per_s);
      per_conn.push_back(f.upcalls_per_connection);
      attempted += f.attempted;
      failed += f.failed;
      lost += f.lost;
    }
    const bool slow_path = s.dut != device::linux_bridge;
    const double first = (percentile(connect, 50) - percentile(request2, 50)) / 2;
    first_packet[s.json_name] = first;
    rate[s.json_name] = median(conn_rate);
    auto pair = [](double a, double b) { return fixed(a, 0) + " / " + fixed(b, 0); };
    std::cout << std::left << std::setw(34) << s.title << std::right << std::setw(9) << fixed(median(conn_rate), 0) << std::setw(11)
              << (slow_path ? fixed(median(setups), 0) : "-") << std::setw(10) << (slow_path ? fixed(median(per_conn), 1) : "-") << std::setw(17)
              << pair(percentile(connect, 50), percentile(connect, 99)) << std::setw(18) << pair(percentile(request2, 50), percentile(request2, 99))
              << std::setw(11) << (fixed(first, 0) == "-0" ? "0" : fixed(first, 0)) << " us" << std::setw(9) << (std::to_string(failed) + "/" + std::to_string(attempted))
              << (lost ? "  (" + std::to_string(lost) + " upcalls lost)" : "") << "\n";
    figures.push_back({s.json_name + "_connections_per_s", median(conn_rate)});
    figures.push_back({s.json_name + "_connect_p50_us", percentile(connect, 50)});
    figures.push_back({s.json_name + "_connect_p99_us", percentile(connect, 99)});
    figures.push_back({s.json_name + "_request2_p50_us", percentile(request2, 50)});
    figures.push_back({s.json_name + "_first_packet_us", first});
    if (slow_path) figures.push_back({s.json_name + "_flow_setups_per_s", median(setups)});
  }
  std::cout << "\nconnect = SYN out and SYN-ACK back; request2 = a round trip over installed flows; 1st packet = (connect - request2) / 2 at the "
               "medians;\nsetups/s = datapath misses per second over the parallel phase (each one an upcall ofproto translated and installed)\n";
  if (rate.count("ovsxdp") && rate.count("ovs_afxdp") && rate["ovs_afxdp"] > 0)
    std::cout << "ovsxdp: " << fixed(rate["ovsxdp"] / rate["ovs_afxdp"], 2) << "x the connections per second of OVS AF_XDP, first packet "
              << fixed(first_packet["ovsxdp"], 0) << " us against " << fixed(first_packet["ovs_afxdp"], 0) << " us\n";
  if (o.common.json_path) {
    write_json(*o.common.json_path, "upcalls", figures);
    std::cout << "\nwrote " << *o.common.json_path << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::bench
