// ovsxdp-trafgen: the benchmarks' traffic generator and counting receiver as
// a command, for measuring a switch of your own.
//
//   ovsxdp-trafgen send DEV [options]    frames out of DEV at XDP speed
//   ovsxdp-trafgen count DEV [options]   count (or reflect) what arrives on DEV
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <thread>

#include "runtime/cli_args.hpp"
#include "runtime/environment.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/libbpf_log.hpp"
#include "trafgen/traffic.hpp"

namespace {

using namespace ovsxdp;

using cli::usage_error;

constexpr const char* kUsage =
    "usage: ovsxdp-trafgen send DEV [--count N] [--flows N] [--size BYTES] [--proto udp|tcp]\n"
    "                            [--src-mac MAC] [--dst-mac MAC] [--src-ip IP] [--dst-ip IP]\n"
    "                            [--sport N] [--dport N] [--netns PATH]\n"
    "       ovsxdp-trafgen count DEV [--seconds S] [--reflect] [--netns PATH]\n"
    "\n"
    "send   transmits N (default 1,000,000) valid UDP or TCP frames of BYTES (default 64) out of DEV,\n"
    "       a device whose driver takes XDP_TX (veth, most NICs), cycling over N flows whose\n"
    "       destination addresses count up from --dst-ip; prints frames sent and the rate\n"
    "count  attaches a counting XDP program to DEV for S seconds (default 10) and prints the frames\n"
    "       of ours that arrived (frames end with an 8-byte magic), foreign frames, and the rate\n"
    "       between the first and last; --reflect sends ours back with the MACs swapped\n"
    "--netns PATH enters a network namespace first (/run/netns/NAME, /proc/PID/ns/net)\n";

void enter_netns(const std::string& path) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw system_error("open network namespace", path, errno, "give /run/netns/NAME or /proc/PID/ns/net");
  if (::setns(fd.get(), CLONE_NEWNET) != 0) throw system_error("enter network namespace", path, errno, "run as root");
}

std::uint32_t device(const std::string& name) {
  const std::uint32_t i = if_nametoindex(name.c_str());
  if (!i) throw system_error("find device", name, errno, "check `ip link` (in the namespace given by --netns)");
  return i;
}

volatile sig_atomic_t interrupted = 0;

int run(std::vector<std::string> args) {
  if (args.size() < 2) throw usage_error("need a command and a device");
  const std::string command = args[0], dev = args[1];
  if (command != "send" && command != "count") throw usage_error("unknown command '" + excerpt(command) + "'");
  traffic_spec spec;
  std::uint64_t count = 1'000'000, seconds = 10;
  bool reflect = false;
  std::optional<std::string> netns;
  for (std::size_t i = 2; i < args.size(); i++) {
    const std::string& o = args[i];
    auto value = [&]() -> const std::string& { return cli::option_value(args, i); };
    const bool sending = command == "send";
    if (o == "--netns") netns = value();
    else if (sending && o == "--count") count = cli::parse_number(o, value(), 1, 1'000'000'000'000ull);
    else if (sending && o == "--flows") spec.flows = static_cast<std::uint32_t>(cli::parse_number(o, value(), 1, OVSXDP_TRAFGEN_MAX_FLOWS));
    else if (sending && o == "--size") spec.frame_size = static_cast<std::uint32_t>(cli::parse_number(o, value(), 1, 65535));
    else if (sending && o == "--proto") {
      const std::string p = value();
      if (p != "udp" && p != "tcp") throw usage_error("--proto: '" + excerpt(p) + "' is not udp or tcp");
      spec.protocol = p == "udp" ? traffic_protocol::udp : traffic_protocol::tcp;
    } else if (sending && o == "--src-mac") spec.src_mac = value();
    else if (sending && o == "--dst-mac") spec.dst_mac = value();
    else if (sending && o == "--src-ip") spec.src_ip = value();
    else if (sending && o == "--dst-ip") spec.dst_ip = value();
    else if (sending && o == "--sport") spec.src_port = static_cast<std::uint16_t>(cli::parse_number(o, value(), 0, 65535));
    else if (sending && o == "--dport") spec.dst_port = static_cast<std::uint16_t>(cli::parse_number(o, value(), 0, 65535));
    else if (!sending && o == "--seconds") seconds = cli::parse_number(o, value(), 1, 3600);
    else if (!sending && o == "--reflect") reflect = true;
    else throw usage_error("unknown option '" + excerpt(o) + "' for " + command);
  }
  require_bpf_privileges("run the traffic " + std::string(command == "send" ? "generator" : "receiver"));
  if (netns) enter_netns(*netns);
  const std::uint32_t ifindex = device(dev);
  std::cout << std::fixed << std::setprecision(3);
  if (command == "send") {
    traffic_generator gen = traffic_generator::load(spec);
    const send_result r = gen.send(ifindex, count);
    const traffic_counts t = gen.totals();
    const double seconds_sent = static_cast<double>(t.last_ns - t.first_ns) / 1e9;
    std::cout << "sent " << r.packets << " frames (" << t.bytes << " bytes) out of " << dev << " in " << seconds_sent << " s: "
              << (seconds_sent > 0 ? static_cast<double>(r.packets) / seconds_sent / 1e6 : 0.0) << " Mpps\n";
    return r.packets == count ? 0 : 1;
  }
  traffic_receiver rx = traffic_receiver::attach(ifindex, reflect ? traffic_receiver::mode::reflect : traffic_receiver::mode::count_and_drop);
  signal(SIGINT, [](int) { interrupted = 1; });
  signal(SIGTERM, [](int) { interrupted = 1; });
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!interrupted && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const traffic_counts c = rx.counts();
  const double span = c.packets > 1 ? static_cast<double>(c.last_ns - c.first_ns) / 1e9 : 0.0;
  std::cout << "received " << c.packets << " frames (" << c.bytes << " bytes) on " << dev << ", " << c.foreign << " foreign";
  if (span > 0) std::cout << "; " << static_cast<double>(c.packets - 1) / span / 1e6 << " Mpps between the first and last";
  std::cout << (reflect ? " (reflected)" : "") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ovsxdp::install_libbpf_log_router();  // libbpf's own lines stay out of the output (OVSXDP_LIBBPF_LOG shows them)
  std::vector<std::string> args(argv + 1, argv + argc);
  // --help anywhere (ovsxdp-trafgen send --help): the usage, which covers both commands.
  if (std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end() ||
      (!args.empty() && args[0] == "help")) {
    std::cout << kUsage;
    return 0;
  }
  auto fail = [](const std::string& text, int status) {
    std::cerr << ovsxdp::bounded_lines("ovsxdp-trafgen: " + text) << "\n";
    return status;
  };
  try {
    return run(std::move(args));
  } catch (const usage_error& e) {
    return fail(std::string(e.what()) + "\n" + kUsage, 2);
  } catch (const ovsxdp::error& e) {
    return fail(e.what(), 1);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 1);
  }
}
