// Internal ports (a bridge's local port): a veth pair the datapath makes,
// its host-facing end carrying the host's traffic into the datapath and the
// datapath's out to the host stack; adopted by a second handle, removed with
// the port or the datapath. And the port generation other handles watch.
#include <doctest/doctest.h>
#include <net/if.h>

#include "runtime/error.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

struct internal_fixture {
  std::string name = sandbox::get().unique_name("ip");
  std::string bridge = name + "br", veth = name + "v", veth_peer = name + "V", ns = name + "ns";
  datapath dp = datapath::create(sandbox::get().options(name));
  ~internal_fixture() {
    try {
      datapath::destroy(name, sandbox::get().location());
    } catch (...) {
    }
    try {
      sandbox::get().run("ip netns del " + ns + " 2>/dev/null || true");
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("ping from the host side of an internal port to a veth port in a namespace, through flows") {
  internal_fixture f;
  sandbox& s = sandbox::get();
  const port_info internal = f.dp.add_internal_port(f.bridge, 1);
  CHECK(internal.kind == port_kind::internal);
  CHECK(internal.name == f.bridge);
  const unsigned host_side = if_nametoindex(f.bridge.c_str());
  REQUIRE(host_side != 0);
  CHECK(internal.ifindex != host_side);  // the datapath side is the hidden peer
  CHECK(internal.mode != OVSXDP_XDP_NONE);
  s.run("ip netns add " + f.ns + " && ip link add " + f.veth + " type veth peer name " + f.veth_peer + " netns " + f.ns +
        " && ip link set " + f.veth + " up && ip -n " + f.ns + " link set " + f.veth_peer + " up && ip -n " + f.ns + " addr add 10.31.0.2/24 dev " +
        f.veth_peer + " && ip addr add 10.31.0.1/24 dev " + f.bridge);
  f.dp.add_port(f.veth, 2);
  for (const char* type : {"0x0806),arp()", "0x0800),ipv4(frag=no)"}) {
    f.dp.add_flow(text_flow(std::string("recirc_id(0),in_port(1),eth(),eth_type(") + type, "2"));
    f.dp.add_flow(text_flow(std::string("recirc_id(0),in_port(2),eth(),eth_type(") + type, "1"));
  }
  s.run("ping -c 3 -i 0.2 -W 2 10.31.0.2 > /dev/null");
  std::uint64_t packets = 0;
  for (const flow_entry& e : f.dp.dump_flows()) packets += e.stats.packets;
  CHECK(packets >= 6);  // echo requests and replies at least
  const port_statistics stats = f.dp.port_stats(1);
  CHECK(stats.rx_packets >= 3);
  CHECK(stats.tx_packets >= 3);
  CHECK(stats.tx_dropped() == 0);
  CHECK(f.dp.remove_port(1).empty());
  CHECK(if_nametoindex(f.bridge.c_str()) == 0);  // the pair went with the port
  char device[IF_NAMESIZE];
  CHECK(if_indextoname(internal.ifindex, device) == nullptr);
}

TEST_CASE("another handle adopts an internal port; generation moves on every add and remove; destroy deletes the pair") {
  internal_fixture f;
  sandbox& s = sandbox::get();
  datapath other = datapath::open(f.name, sandbox::get().location());
  const std::uint64_t g0 = other.port_generation();
  const port_info made = f.dp.add_internal_port(f.bridge);
  const std::uint64_t g1 = other.port_generation();
  CHECK(g1 > g0);
  const unsigned host_side = if_nametoindex(f.bridge.c_str());
  const port_info adopted = other.add_internal_port(f.bridge);  // a restarted daemon asks again
  CHECK(adopted.port_no == made.port_no);
  CHECK(adopted.ifindex == made.ifindex);
  CHECK(adopted.kind == port_kind::internal);
  CHECK(if_nametoindex(f.bridge.c_str()) == host_side);  // the same device, not a new one
  CHECK(other.port_generation() == g1);                  // adopting changes nothing
  REQUIRE(other.port(made.port_no));
  CHECK(other.port(made.port_no)->kind == port_kind::internal);
  CHECK_THROWS_AS(other.add_internal_port(f.bridge, made.port_no + 1), ovsxdp::error);
  s.veth(f.veth, f.veth_peer);
  const port_info system = other.add_port(f.veth);
  CHECK(system.kind == port_kind::system);
  CHECK(f.dp.port_generation() > g1);
  CHECK_THROWS_AS(f.dp.add_internal_port(f.veth), ovsxdp::error);  // a system port's name
  const std::uint64_t g2 = f.dp.port_generation();
  other.remove_port(system.port_no);
  CHECK(f.dp.port_generation() > g2);
  datapath::destroy(f.name, sandbox::get().location());
  CHECK(if_nametoindex(f.bridge.c_str()) == 0);
}
