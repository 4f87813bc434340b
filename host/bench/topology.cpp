#include "bench/topology.hpp"

#include <net/if.h>
#include <sched.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "runtime/error.hpp"

namespace ovsxdp::bench {

topology::topology(const private_namespace& middle)
    : middle_(middle), sender_(net_namespace::create("bench-sender")), receiver_(net_namespace::create("bench-receiver")) {}

lane topology::add_lane(const std::string& prefix, unsigned outputs) {
  lane l;
  l.a0 = prefix + "a0";
  l.a1 = prefix + "a1";
  middle_.run("ip link add " + l.a1 + " type veth peer name " + l.a0 + " netns " + sender_.path() + " && ip link set " + l.a1 + " up");
  sender_.run("ip link set " + l.a0 + " up");
  for (unsigned k = 0; k < outputs; k++) {
    const std::string side(1, static_cast<char>('b' + k));
    l.b1.push_back(prefix + side + "1");
    l.b0.push_back(prefix + side + "0");
    middle_.run("ip link add " + l.b1.back() + " type veth peer name " + l.b0.back() + " netns " + receiver_.path() + " && ip link set " +
                l.b1.back() + " up");
    receiver_.run("ip link set " + l.b0.back() + " up");
  }
  return l;
}

void topology::add_bridge(const std::string& name, const std::vector<std::string>& ports,
                          const std::vector<std::pair<std::string, std::string>>& static_fdb) const {
  std::string command = "ip link add " + name + " type bridge && ip link set " + name + " type bridge stp_state 0 mcast_snooping 0";
  for (const auto& p : ports) command += " && ip link set " + p + " master " + name;
  command += " && ip link set " + name + " up";
  for (const auto& [mac, port] : static_fdb) command += " && bridge fdb add " + mac + " dev " + port + " master static";
  middle_.run(command);
}

std::uint32_t topology::local_ifindex(const std::string& name) {
  const std::uint32_t i = if_nametoindex(name.c_str());
  if (!i) throw system_error("find interface", name, errno);
  return i;
}

std::uint32_t topology::sender_ifindex(const std::string& name) const {
  auto in = sender_.enter();
  return local_ifindex(name);
}

std::uint32_t topology::receiver_ifindex(const std::string& name) const {
  auto in = receiver_.enter();
  return local_ifindex(name);
}

std::vector<traffic_counts> settle(const std::vector<traffic_receiver*>& receivers, std::uint64_t expected, int max_wait_ms) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(max_wait_ms);
  std::vector<traffic_counts> last;
  auto quiet_since = clock::now();
  for (;;) {
    std::vector<traffic_counts> now;
    bool complete = true;
    for (auto* r : receivers) {
      now.push_back(r->counts());
      complete = complete && now.back().packets >= expected;
    }
    if (complete) return now;
    bool moved = last.size() != now.size();
    for (std::size_t i = 0; !moved && i < now.size(); i++) moved = now[i].packets != last[i].packets;
    if (moved) quiet_since = clock::now();
    else if (clock::now() - quiet_since > std::chrono::milliseconds(20) || clock::now() > deadline) return now;
    last = std::move(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace ovsxdp::bench
