// The traffic generator and receiver: every frame the generator emits is
// the host-built frame of its flow (so its checksums are valid), even when
// the page it reuses was rewritten by the device under test; bad specs
// are refused by name, and across a veth between two namespaces every frame
// sent is counted once by the receiver, dropped or reflected back.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <net/if.h>

#include <chrono>
#include <thread>

#include "runtime/cpu_pin.hpp"
#include "runtime/error.hpp"
#include "runtime/net_namespace.hpp"
#include "runtime/test_run.hpp"
#include "support/sandbox.hpp"
#include "trafgen/traffic.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

std::uint32_t ifindex_of(const std::string& name) {
  const std::uint32_t i = if_nametoindex(name.c_str());
  REQUIRE_MESSAGE(i != 0, "no interface " << name);
  return i;
}

// Live frames are counted asynchronously (NAPI); wait until the count stops moving.
traffic_counts settled(const traffic_receiver& rx, std::uint64_t expected) {
  traffic_counts c = rx.counts();
  for (int i = 0; i < 200 && c.packets < expected; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    c = rx.counts();
  }
  return c;
}

}  // namespace

TEST_CASE("each generated frame is the host-built frame of its flow") {
  sandbox::get();
  // The generator's flow counter is per CPU: a run that migrates would start
  // another CPU's sequence, so frame n would not carry flow n.
  const cpu_pin pin(0);
  for (const auto protocol : {traffic_protocol::udp, traffic_protocol::tcp}) {
    for (const std::uint32_t size : {min_frame_size(protocol), 64u, 200u, 1500u}) {
      traffic_spec spec;
      spec.protocol = protocol;
      spec.frame_size = size;
      spec.flows = 5;
      CAPTURE(size);
      CAPTURE(static_cast<int>(protocol));
      traffic_generator gen = traffic_generator::load(spec);
      const auto tmpl = traffic_template(spec);
      CHECK(tmpl.size() == size);
      // What the device under test may leave in a recycled page: rewritten headers.
      auto rewritten = tmpl;
      for (std::size_t i = 0; i < std::min<std::size_t>(rewritten.size() - 8, OVSXDP_TRAFGEN_HEADER_BYTES); i++) rewritten[i] ^= 0x5a;
      rewritten.push_back(0);  // what the generator is handed: one byte to trim
      for (std::uint32_t n = 0; n < 12; n++) {
        const xdp_test_result r = run_xdp(gen.program_fd(), n % 2 ? rewritten : tmpl);
        CHECK(r.verdict == XDP_TX);
        CHECK(r.frame == traffic_frame(spec, n % spec.flows));
      }
      const traffic_counts t = gen.totals();
      CHECK(t.packets == 12);
      CHECK(t.bytes == 12ull * size);
      CHECK(t.first_ns != 0);
      CHECK(t.last_ns >= t.first_ns);
    }
  }
}

TEST_CASE("flow destinations count up from the spec's address") {
  traffic_spec spec;
  spec.dst_ip = "10.2.0.250";
  spec.flows = 10;
  CHECK(flow_destination(spec, 0) == "10.2.0.250");
  CHECK(flow_destination(spec, 9) == "10.2.1.3");
}

TEST_CASE("bad traffic specs are refused, naming the field") {
  auto refused = [](traffic_spec s, const std::string& field) {
    try {
      traffic_template(s);
      FAIL("accepted " << field);
    } catch (const error& e) {
      CHECK_MESSAGE(std::string(e.what()).find(field) != std::string::npos, e.what());
    }
  };
  traffic_spec s;
  s.flows = 0;
  refused(s, "flows=0");
  s = {};
  s.flows = OVSXDP_TRAFGEN_MAX_FLOWS + 1;
  refused(s, "flows=");
  s = {};
  s.frame_size = min_frame_size(traffic_protocol::udp) - 1;
  refused(s, "frame_size=");
  s = {};
  s.protocol = traffic_protocol::tcp;
  s.frame_size = min_frame_size(traffic_protocol::udp);
  refused(s, "frame_size=");
  s = {};
  s.dst_ip = "10.2.255.250";
  s.flows = 10;
  refused(s, "dst_ip=10.2.255.250");
  s = {};
  s.src_ip = "10.1.0";
  refused(s, "src_ip=10.1.0");
}

TEST_CASE("across namespaces every frame sent is counted once; reflected frames come back") {
  sandbox::get();
  const net_namespace sender = net_namespace::create("trafgen-sender");
  const net_namespace receiver = net_namespace::create("trafgen-receiver");
  sandbox::get().run("ip link add tgs0 netns " + sender.path() + " type veth peer name tgr0 netns " + receiver.path());
  sender.run("ip link set tgs0 up");
  receiver.run("ip link set tgr0 up");
  traffic_spec spec;
  spec.flows = 1000;
  traffic_generator gen = traffic_generator::load(spec);

  SUBCASE("count and drop") {
    std::optional<traffic_receiver> rx;
    {
      auto in = receiver.enter();
      rx.emplace(traffic_receiver::attach(ifindex_of("tgr0")));
    }
    send_result sent;
    {
      auto in = sender.enter();
      sent = gen.send(ifindex_of("tgs0"), 20000);
    }
    CHECK(sent.packets == 20000);
    CHECK(sent.end_ns > sent.start_ns);
    const traffic_counts c = settled(*rx, 20000);
    CHECK(c.packets == 20000);
    CHECK(c.bytes == 20000ull * spec.frame_size);
    CHECK(c.foreign == 0);
    CHECK(c.first_ns >= sent.start_ns);
    CHECK(c.last_ns >= c.first_ns);
  }
  SUBCASE("reflect") {
    std::optional<traffic_receiver> back, mirror;
    {
      auto in = receiver.enter();
      mirror.emplace(traffic_receiver::attach(ifindex_of("tgr0"), traffic_receiver::mode::reflect));
    }
    {
      auto in = sender.enter();
      back.emplace(traffic_receiver::attach(ifindex_of("tgs0")));
      gen.send(ifindex_of("tgs0"), 1000);
    }
    CHECK(settled(*mirror, 1000).packets == 1000);
    const traffic_counts c = settled(*back, 1000);
    CHECK(c.packets == 1000);
    CHECK(c.foreign == 0);
  }
}
