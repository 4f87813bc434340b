// One packet, many ports: action lists with several outputs, clones,
// samples and check_pkt_len, run by the trace program (which runs each copy
// from the frame saved at the fork, in emission order). Every copy's bytes
// are compared with a frame the packet builder made from scratch.
#include <doctest/doctest.h>
#include <linux/bpf.h>

#include "datapath/fork_plan.hpp"
#include "runtime/error.hpp"
#include "odp/flow_parse.hpp"
#include "support/frame_check.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

const char* kA = "50:54:00:00:00:01";
const char* kB = "50:54:00:00:00:02";
const std::string kIp4 = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

struct event {
  ovsxdp_trace_kind kind;
  std::uint32_t port;
  bytes frame;
};
event out(std::uint32_t port, bytes frame) { return {OVSXDP_TRACE_OUTPUT, port, std::move(frame)}; }
event upcall(bytes frame) { return {OVSXDP_TRACE_UPCALL, OVSXDP_UPCALL_ACTION, std::move(frame)}; }

struct copy_case {
  copy_case(std::string a, std::vector<event> e, bool f = true, bytes in = {}, bool cs = true)
      : actions(std::move(a)), events(std::move(e)), forks(f), input(std::move(in)), checksums(cs) {}
  std::string actions;
  std::vector<event> events;
  bool forks = true;  // the list needs copies (else it runs in place)
  bytes input;
  bool checksums = true;  // truncated copies have none to check
};

// A UDP packet with `src`/`dst`, optionally VLAN-tagged and TTL-changed.
bytes udp(std::string_view src = "10.0.0.1", std::string_view dst = "10.0.0.2", std::optional<std::uint16_t> vid = {},
          std::uint8_t ttl = 64, std::string_view eth_src = kA) {
  packet_builder b;
  b.eth(eth_src, kB);
  if (vid) b.vlan(*vid);
  ipv4_options o;
  o.ttl = ttl;
  return b.ipv4(src, dst, o).udp(5000, 53).payload(40).build();
}
bytes cut(bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

std::vector<copy_case> cases() {
  const bytes plain = udp();
  const std::size_t length = plain.size();  // 14 + 20 + 8 + 40 = 82
  auto cpl = [&](std::size_t size) {
    return "check_pkt_len(size=" + std::to_string(size) + ",gt(push_vlan(vid=1,pcp=0),2),le(push_vlan(vid=2,pcp=0),2)),3";
  };
  std::vector<copy_case> c;
  c.push_back({"2,3", {out(2, plain), out(3, plain)}});
  c.push_back({"2,3,4,1", {out(2, plain), out(3, plain), out(4, plain), out(1, plain)}});
  c.push_back({"push_vlan(vid=10,pcp=0),2,pop_vlan,3", {out(2, udp("10.0.0.1", "10.0.0.2", 10)), out(3, plain)}});
  c.push_back({"set(ipv4(src=10.9.9.9)),2,set(ipv4(dst=10.8.8.8)),3",
               {out(2, udp("10.9.9.9", "10.0.0.2")), out(3, udp("10.9.9.9", "10.8.8.8"))}});
  c.push_back({"set(eth(src=50:54:00:00:00:aa)),2,set(eth(src=50:54:00:00:00:bb)),3",
               {out(2, udp("10.0.0.1", "10.0.0.2", {}, 64, "50:54:00:00:00:aa")), out(3, udp("10.0.0.1", "10.0.0.2", {}, 64, "50:54:00:00:00:bb"))}});
  // Flooding with per-port tags: the trunk ports get the tag, the access port not.
  c.push_back({"push_vlan(vid=10,pcp=0),2,3,pop_vlan,4",
               {out(2, udp("10.0.0.1", "10.0.0.2", 10)), out(3, udp("10.0.0.1", "10.0.0.2", 10)), out(4, plain)}});
  c.push_back({"push_vlan(vid=20,pcp=0),2,pop_vlan,push_vlan(vid=30,pcp=0),3,pop_vlan,4",
               {out(2, udp("10.0.0.1", "10.0.0.2", 20)), out(3, udp("10.0.0.1", "10.0.0.2", 30)), out(4, plain)}});
  // clone and nested clones: their changes stay inside.
  c.push_back({"clone(push_vlan(vid=5,pcp=0),2),3", {out(2, udp("10.0.0.1", "10.0.0.2", 5)), out(3, plain)}});
  c.push_back({"clone(set(ipv4(src=1.1.1.1)),clone(push_vlan(vid=7,pcp=0),2),3),4",
               {out(2, udp("1.1.1.1", "10.0.0.2", 7)), out(3, udp("1.1.1.1", "10.0.0.2")), out(4, plain)}});
  c.push_back({"set(ipv4(dst=10.7.7.7)),clone(clone(clone(2))),3", {out(2, udp("10.0.0.1", "10.7.7.7")), out(3, udp("10.0.0.1", "10.7.7.7"))}});
  // sample: 100% always, 0% never.
  c.push_back({"sample(sample=100.0%,actions(push_vlan(vid=9,pcp=0),2)),3", {out(2, udp("10.0.0.1", "10.0.0.2", 9)), out(3, plain)}});
  c.push_back({"sample(sample=0.0%,actions(2)),3", {out(3, plain)}});
  // check_pkt_len on the frame length: above, at and below the size.
  c.push_back({cpl(length - 1), {out(2, udp("10.0.0.1", "10.0.0.2", 1)), out(3, plain)}});
  c.push_back({cpl(length), {out(2, udp("10.0.0.1", "10.0.0.2", 2)), out(3, plain)}});
  c.push_back({cpl(length + 1), {out(2, udp("10.0.0.1", "10.0.0.2", 2)), out(3, plain)}});
  // trunc: the next output only; a clone inherits it and so does the original (Linux).
  c.push_back({"trunc(40),2,3", {out(2, cut(plain, 40)), out(3, plain)}, true, {}, false});
  c.push_back({"trunc(40),clone(2),3", {out(2, cut(plain, 40)), out(3, cut(plain, 40))}, true, {}, false});
  c.push_back({"2,trunc(50),3,4", {out(2, plain), out(3, cut(plain, 50)), out(4, plain)}, true, {}, false});
  // Upcalls between outputs see the packet as it is at that point.
  c.push_back({"2,push_vlan(vid=3,pcp=0),userspace(pid=1),3",
               {out(2, plain), upcall(udp("10.0.0.1", "10.0.0.2", 3)), out(3, udp("10.0.0.1", "10.0.0.2", 3))}});
  c.push_back({"2,push_vlan(vid=3,pcp=0),3,userspace(pid=1)",
               {out(2, plain), out(3, udp("10.0.0.1", "10.0.0.2", 3)), upcall(udp("10.0.0.1", "10.0.0.2", 3))}});
  // dec_ttl between outputs; le_1 branches as copies.
  c.push_back({"2,dec_ttl(le_1(drop)),3", {out(2, plain), out(3, udp("10.0.0.1", "10.0.0.2", {}, 63))}});
  c.push_back({"dec_ttl(le_1(2,3)),4", {out(4, udp("10.0.0.1", "10.0.0.2", {}, 1))}, true, udp("10.0.0.1", "10.0.0.2", {}, 2)});
  c.push_back({"dec_ttl(le_1(2,3)),4", {out(2, udp("10.0.0.1", "10.0.0.2", {}, 1)), out(3, udp("10.0.0.1", "10.0.0.2", {}, 1))}, true,
               udp("10.0.0.1", "10.0.0.2", {}, 1)});
  // The same port twice, with a change in between: both copies, in order.
  c.push_back({"2,set(ipv4(src=1.1.1.1)),2", {out(2, plain), out(2, udp("1.1.1.1", "10.0.0.2"))}});
  // Lists that need no copy run in place.
  c.push_back({"sample(sample=100.0%,actions(userspace(pid=7))),2", {upcall(plain), out(2, plain)}, false});
  c.push_back({"trunc(40),sample(sample=100.0%,actions(userspace(pid=7))),2", {upcall(cut(plain, 40)), out(2, cut(plain, 40))}, false, {}, false});
  c.push_back({"check_pkt_len(size=60,gt(2),le(3))", {out(2, plain)}, false});
  c.push_back({"check_pkt_len(size=100,gt(2),le(push_vlan(vid=4,pcp=0),3))", {out(3, udp("10.0.0.1", "10.0.0.2", 4))}, false});
  c.push_back({"clone(push_vlan(vid=5,pcp=0)),2", {out(2, plain)}, false});
  c.push_back({"clone(push_vlan(vid=5,pcp=0),2)", {out(2, udp("10.0.0.1", "10.0.0.2", 5))}, false});
  return c;
}

void check_events(const trace_result& r, const std::vector<event>& want, bool checksums) {
  REQUIRE(r.events.size() == want.size());
  for (std::size_t i = 0; i < want.size(); i++) {
    CAPTURE(i);
    CHECK(r.events[i].kind == want[i].kind);
    CHECK(r.events[i].port == want[i].port);
    if (r.events[i].packet != want[i].frame) FAIL_CHECK("copy differs:\n" << hex_diff(want[i].frame, r.events[i].packet));
    if (checksums) CHECK_MESSAGE(checksum_errors(r.events[i].packet) == "", to_hex(r.events[i].packet));
  }
}

}  // namespace

TEST_CASE("every copy of a forked packet, byte for byte, in emission order") {
  test_datapath t(4);
  for (const auto& c : cases()) {
    CAPTURE(c.actions);
    const bytes input = c.input.empty() ? udp() : c.input;
    t.dp.add_flow(text_flow(kIp4, c.actions));
    const auto before = t.dp.counters();
    const trace_result r = t.dp.trace(1, input);
    check_events(r, c.events, c.checksums);
    const bool any_output = std::any_of(c.events.begin(), c.events.end(), [](const event& e) { return e.kind == OVSXDP_TRACE_OUTPUT; });
    CHECK(r.verdict == (any_output ? XDP_REDIRECT : XDP_DROP));
    CHECK(t.dp.counters()[OVSXDP_C_FORKED] - before[OVSXDP_C_FORKED] == (c.forks ? 1u : 0u));
    // The flow dumps as installed (the fork record is the datapath's own).
    const auto dumped = t.dp.dump_flows();
    REQUIRE(dumped.size() == 1);
    CHECK(odp::format_actions(dumped[0].actions) == odp::format_actions(odp::parse_actions(c.actions)));
    // Executing the list traces the same copies.
    check_events(t.dp.trace_actions(1, input, odp::parse_actions(c.actions)), c.events, c.checksums);
    t.dp.flush();
  }
}

TEST_CASE("sample draws: about the configured share, and the same draw for every copy") {
  test_datapath t(4);
  t.dp.add_flow(text_flow(kIp4, "sample(sample=25.0%,actions(push_vlan(vid=9,pcp=0),2,3)),4"));
  int both = 0, none = 0;
  const int runs = 2000;
  for (int i = 0; i < runs; i++) {
    const trace_result r = t.dp.trace(1, udp());
    if (r.events.size() == 3) both++;
    else if (r.events.size() == 1) none++;
    else FAIL("a sample's copies disagreed: " << r.events.size() << " events");
  }
  MESSAGE("sample 25%: taken " << both << " of " << runs);
  CHECK(both + none == runs);
  CHECK(both > runs * 20 / 100);  // binomial(2000, 0.25): sd 19; these bounds are 5 sd away
  CHECK(both < runs * 30 / 100);
}

TEST_CASE("copy plans: O(1) steps per port when flooding with per-port tags") {
  std::string flood;
  for (int port = 2; port <= 64; port++) flood += "push_vlan(vid=" + std::to_string(port) + ",pcp=0)," + std::to_string(port) + ",pop_vlan,";
  flood += "1";
  const planned_actions p = plan_actions(odp::parse_actions(flood));
  REQUIRE(p.fork_offset);
  REQUIRE(p.copies.size() == 64);
  std::size_t most = 0;
  for (const auto& c : p.copies) most = std::max(most, c.steps.size());
  CHECK(most <= 3);  // at most pop_vlan, push_vlan, output: push/pop pairs of other ports cancel
  MESSAGE("64-port flood with per-port tags: " << p.bytes.size() << " bytes of actions, at most " << most << " steps per copy");
}

TEST_CASE("lists the datapath cannot copy are refused with the reason") {
  test_datapath t(3);
  auto refused = [&](const std::string& actions, const char* reason) {
    CAPTURE(actions);
    CHECK_THROWS_WITH_AS(t.dp.add_flow(text_flow(kIp4, actions)), doctest::Contains(reason), ovsxdp::error);
    CHECK(t.dp.flow_count() == 0);
  };
  refused("clone(push_vlan(vid=3,pcp=0),userspace(pid=1)),userspace(pid=2)", "needs an output in the same list");
  std::string long_copy = "2";
  for (int i = 0; i < 31; i++) long_copy += ",set(ipv4(src=10.0.0." + std::to_string(i + 1) + ")),push_vlan(vid=1,pcp=0)";
  refused(long_copy + ",3", "a copy runs at most 30");
}

TEST_CASE("recirc after a copy, before outputs and inside clone: each recirculating copy runs its next pass (Linux clone_execute)") {
  test_datapath t(4);
  // The recirculated pass's flows: recirc_id 1 to port 3 (tagged 9), recirc_id 2 to port 4.
  t.dp.add_flow(text_flow("recirc_id(1),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "push_vlan(vid=9,pcp=0),3"));
  t.dp.add_flow(text_flow("recirc_id(2),in_port(1),eth(),eth_type(0x8100),vlan(vid=5),encap(eth_type(0x0800),ipv4(frag=no))", "4"));
  const bytes plain = udp();
  struct recirc_case {
    std::string actions;
    std::vector<event> events;  // the packet's own emissions, then each recirculated pass's, in order
  };
  const std::vector<recirc_case> cases = {
      {"2,recirc(1)", {out(2, plain), out(3, udp("10.0.0.1", "10.0.0.2", 9))}},
      {"recirc(1),2", {out(2, plain), out(3, udp("10.0.0.1", "10.0.0.2", 9))}},
      {"set(ipv4(src=10.5.5.5)),recirc(1),set(ipv4(src=10.6.6.6)),2",
       {out(2, udp("10.6.6.6", "10.0.0.2")), out(3, udp("10.5.5.5", "10.0.0.2", 9))}},
      {"clone(push_vlan(vid=5,pcp=0),recirc(2)),2", {out(2, plain), out(4, udp("10.0.0.1", "10.0.0.2", 5))}},
      {"clone(recirc(1)),clone(push_vlan(vid=5,pcp=0),recirc(2)),2",
       {out(2, plain), out(3, udp("10.0.0.1", "10.0.0.2", 9)), out(4, udp("10.0.0.1", "10.0.0.2", 5))}},
      {"2,clone(push_vlan(vid=5,pcp=0),recirc(2))", {out(2, plain), out(4, udp("10.0.0.1", "10.0.0.2", 5))}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.actions);
    t.dp.add_flow(text_flow(kIp4, c.actions));
    const auto before = t.dp.counters();
    const trace_result r = t.dp.trace(1, plain);
    CHECK(r.verdict == XDP_REDIRECT);
    REQUIRE(r.events.size() == c.events.size());
    for (std::size_t i = 0; i < c.events.size(); i++) {
      CAPTURE(i);
      CHECK(r.events[i].kind == c.events[i].kind);
      CHECK(r.events[i].port == c.events[i].port);
      if (r.events[i].packet != c.events[i].frame) FAIL_CHECK(hex_diff(c.events[i].frame, r.events[i].packet));
    }
    const auto after = t.dp.counters();
    CHECK(after[OVSXDP_C_MISSED] == before[OVSXDP_C_MISSED]);
    CHECK(after[OVSXDP_C_UPCALL_ACTION] == before[OVSXDP_C_UPCALL_ACTION]);
    CHECK(after[OVSXDP_C_RECIRCULATED] > before[OVSXDP_C_RECIRCULATED]);
    CHECK(t.dp.delete_flow(flow_match{text_flow(kIp4, "2").key, text_flow(kIp4, "2").mask}));
  }
}

TEST_CASE("recirculating copies count toward the five-pass limit") {
  test_datapath t(3);
  // Every pass outputs to port 2 and recirculates a copy into the next pass.
  for (std::uint32_t id = 0; id < 6; id++)
    t.dp.add_flow(text_flow("recirc_id(" + std::to_string(id) + "),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
                            "2,recirc(" + std::to_string(id + 1) + ")"));
  const auto before = t.dp.counters();
  const trace_result r = t.dp.trace(1, udp());
  CHECK(r.events.size() == 5);  // passes 1..5 output; the sixth pass is never started
  const auto after = t.dp.counters();
  CHECK(after[OVSXDP_C_DROP_RECURSION] == before[OVSXDP_C_DROP_RECURSION] + 1);
}

TEST_CASE("every copy of a trace run starts with the packet's own headroom, however much the copies before it pushed") {
  test_datapath t(4);
  // Each copy pushes 118 bytes (NSH with 96 bytes of MD type 2, then
  // Ethernet) of the about 216 XDP leaves in front: one copy's pushes, never
  // two, have to fit.
  const std::string push = "pop_eth,push_nsh(mdtype=2,np=3,spi=0x10,si=3,md2=0x" + std::string(2 * 96, 'a') +
                           "),push_eth(src=50:54:00:00:00:0a,dst=50:54:00:00:00:0b)";
  t.dp.add_flow(text_flow(kIp4, "clone(" + push + ",2),clone(" + push + ",3),clone(" + push + ",4)"));
  const bytes plain = udp();
  const auto before = t.dp.counters();
  const trace_result r = t.dp.trace(1, plain);
  const auto after = t.dp.counters();
  CHECK(after[OVSXDP_C_DROP_ACTION] == before[OVSXDP_C_DROP_ACTION]);
  REQUIRE(r.events.size() == 3);
  for (std::size_t i = 0; i < r.events.size(); i++) {
    CAPTURE(i);
    CHECK(r.events[i].port == i + 2);
    CHECK(r.events[i].packet.size() == plain.size() + 8 + 96);  // the original Ethernet header went into the NSH payload
    CHECK(r.events[i].packet == r.events[0].packet);
  }
}
