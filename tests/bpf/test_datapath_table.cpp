// Megaflow table semantics through the real programs: masks and wildcards,
// the lookup caches, 200,000 flows, install rules and refusals, statistics,
// modify/delete/get/dump, and two processes' views of one datapath.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <time.h>

#include <random>

#include "datapath/flow_text.hpp"
#include "odp/flow_parse.hpp"
#include "odp/key_format.hpp"
#include "runtime/error.hpp"
#include "ovsxdp/base/types.h"
#include "packet/packet_builder.hpp"
#include "ovsxdp/flow/extract.h"
#include "support/extract_cases.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {
bytes tcp_to(std::string_view src, std::string_view dst, std::uint16_t dport = 80, std::size_t payload = 10, std::uint16_t flags = 0x018) {
  return packet_builder().eth("50:54:00:00:00:01", "50:54:00:00:00:02").ipv4(src, dst).tcp(4321, dport, flags).payload(payload).build();
}

std::optional<std::uint32_t> output_port(datapath& dp, std::uint32_t in_port, const bytes& frame) {
  const trace_result r = dp.trace(in_port, frame);
  if (r.verdict != XDP_REDIRECT || r.events.size() != 1 || r.events[0].kind != OVSXDP_TRACE_OUTPUT) return std::nullopt;
  return r.events[0].port;
}

// The datapath stamps last use with the coarse clock (no clocksource read per packet).
std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

const std::string kPrefix = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),";
}  // namespace

TEST_CASE("masked matches, wildcards, and several masks") {
  test_datapath t(4);
  t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.0.0/255.255.255.0,frag=no)", "2"));
  t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.1.0/255.255.255.0,frag=no)", "3"));
  t.dp.add_flow(text_flow(kPrefix + "ipv4(src=192.168.0.0/255.255.0.0,frag=no)", "4"));
  t.dp.add_flow(text_flow("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=443),tcp_flags(0/0)", "1"));
  CHECK(t.dp.mask_count() == 3);
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.0.7")) == 2u);
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.0.255")) == 2u);
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.1.9")) == 3u);
  CHECK(output_port(t.dp, 1, tcp_to("192.168.3.3", "10.9.9.9")) == 4u);
  CHECK(output_port(t.dp, 2, tcp_to("5.5.5.5", "6.6.6.6", 443)) == 1u);
  CHECK_FALSE(output_port(t.dp, 2, tcp_to("5.5.5.5", "6.6.6.6", 444)));  // wrong port: miss
  CHECK_FALSE(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.2.1")));      // no flow: miss
  CHECK_FALSE(output_port(t.dp, 3, tcp_to("1.1.1.1", "10.0.0.7")));      // in_port is matched
}

TEST_CASE("the lookup cache answers repeated packets with one probe or verification") {
  test_datapath t(3);
  for (int i = 0; i < 8; i++)  // eight masks ahead of the interesting one
    t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=172.16." + std::to_string(i) + ".0/255.255." + std::to_string(255 - i) + ".0,frag=no)", "3"));
  t.dp.add_flow(text_flow(kPrefix + "ipv4(src=10.0.0.1,dst=10.0.0.2,frag=no)", "2"));
  const auto frame = tcp_to("10.0.0.1", "10.0.0.2");
  const auto before = t.dp.counters();
  REQUIRE(output_port(t.dp, 1, frame) == 2u);  // first: searches the masks, fills the cache
  const auto after_first = t.dp.counters();
  CHECK(after_first[OVSXDP_C_MASK_PROBES] - before[OVSXDP_C_MASK_PROBES] == 9);
  for (int i = 0; i < 100; i++) REQUIRE(output_port(t.dp, 1, frame) == 2u);
  const auto after = t.dp.counters();
  CHECK(after[OVSXDP_C_CACHE_HIT] - after_first[OVSXDP_C_CACHE_HIT] == 100);
  CHECK(after[OVSXDP_C_MASK_PROBES] - after_first[OVSXDP_C_MASK_PROBES] == 100);
  CHECK(after[OVSXDP_C_HIT] - before[OVSXDP_C_HIT] == 101);
}

TEST_CASE("every lookup cache kind answers like the full search, also after deletes and slot reuse") {
  for (ovsxdp_lookup_cache cache : {OVSXDP_CACHE_NONE, OVSXDP_CACHE_MASK, OVSXDP_CACHE_FLOW}) {
    CAPTURE(cache);
    test_datapath t(4, OVSXDP_MISS_DROP, 4096, 64, cache);
    CHECK(t.dp.info().lookup_cache == cache);
    const auto p = tcp_to("1.1.1.1", "10.0.0.2"), q = tcp_to("1.1.1.1", "10.0.0.3");
    const ovsxdp_ufid a = t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.0.2,frag=no)", "2"));
    REQUIRE(output_port(t.dp, 1, p) == 2u);
    const auto before = t.dp.counters();
    REQUIRE(output_port(t.dp, 1, p) == 2u);
    CHECK(t.dp.counters()[OVSXDP_C_CACHE_HIT] - before[OVSXDP_C_CACHE_HIT] == (cache == OVSXDP_CACHE_NONE ? 0u : 1u));
    // The cached flow goes away, and its slot comes back holding another flow.
    CHECK(t.dp.delete_flow(a));
    t.dp.reclaim();
    CHECK_FALSE(output_port(t.dp, 1, p));
    t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.0.3,frag=no)", "3"));
    CHECK_FALSE(output_port(t.dp, 1, p));
    CHECK(output_port(t.dp, 1, q) == 3u);
    // A flow under another mask that covers p is found.
    t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.0.0/255.255.255.252,frag=no)", "4"));
    CHECK(output_port(t.dp, 1, p) == 4u);
    CHECK(output_port(t.dp, 1, p) == 4u);
    CHECK(output_port(t.dp, 1, q) == 3u);
  }
}

TEST_CASE("200,000 flows installed are all found") {
  constexpr std::uint32_t kFlows = 200000;
  test_datapath t(4, OVSXDP_MISS_DROP, kFlows);
  std::vector<flow_spec> specs;
  specs.reserve(kFlows);
  auto address = [](std::uint32_t i) {
    return "10." + std::to_string((i >> 16) & 0xff) + "." + std::to_string((i >> 8) & 0xff) + "." + std::to_string(i & 0xff);
  };
  for (std::uint32_t i = 0; i < kFlows; i++)
    specs.push_back(text_flow(kPrefix + "ipv4(dst=" + address(i) + ",proto=6,frag=no),tcp(dst=80),tcp_flags(0/0)", std::to_string(1 + i % 3)));
  const std::uint64_t start = monotonic_ns();
  for (std::size_t at = 0; at < specs.size(); at += 10000)
    t.dp.add_flows(std::span<const flow_spec>(specs).subspan(at, std::min<std::size_t>(10000, specs.size() - at)));
  const double seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
  MESSAGE("installed " << kFlows << " flows in " << seconds << " s (batches of 10,000)");
  CHECK(t.dp.flow_count() == kFlows);
  CHECK(t.dp.mask_count() == 1);
  std::mt19937 rng(42);
  for (int probe = 0; probe < 2000; probe++) {
    const std::uint32_t i = rng() % kFlows;
    CAPTURE(i);
    REQUIRE(output_port(t.dp, 1, tcp_to("9.9.9.9", address(i))) == 1 + i % 3);
  }
  CHECK_FALSE(output_port(t.dp, 1, tcp_to("9.9.9.9", "11.0.0.1")));
  CHECK_THROWS_WITH_AS(t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=11.0.0.1,proto=6,frag=no),tcp(dst=80),tcp_flags(0/0)", "2")),
                       doctest::Contains("the flow table is full (200000 flows)"), ovsxdp::error);
}

TEST_CASE("statistics count packets, bytes, TCP flags and last use exactly") {
  test_datapath t(3);
  const ovsxdp_ufid ufid = t.dp.add_flow(text_flow(kPrefix + "ipv4(frag=no)", "2"));
  std::uint64_t bytes_sent = 0;
  const std::uint64_t begin = monotonic_ns();
  for (int i = 0; i < 37; i++) {
    const auto frame = tcp_to("10.0.0.1", "10.0.0.2", 80, static_cast<std::size_t>(i * 7), i == 3 ? 0x002 : i == 5 ? 0x001 : 0x010);
    bytes_sent += frame.size();
    REQUIRE(output_port(t.dp, 1, frame) == 2u);
  }
  const auto e = t.dp.get_flow(ufid);
  REQUIRE(e);
  CHECK(e->stats.packets == 37);
  CHECK(e->stats.bytes == bytes_sent);
  CHECK(e->stats.tcp_flags == (0x002 | 0x001 | 0x010));
  CHECK(e->stats.used_ns >= begin);
  CHECK(e->stats.used_ns <= monotonic_ns());
  t.dp.modify_flow(ufid, odp::parse_actions("3"));  // stats survive a modify...
  CHECK(t.dp.get_flow(ufid)->stats.packets == 37);
  CHECK(output_port(t.dp, 1, tcp_to("10.0.0.1", "10.0.0.2")) == 3u);
  t.dp.modify_flow(ufid, odp::parse_actions("2"), true);  // ...unless cleared
  CHECK(t.dp.get_flow(ufid)->stats.packets == 0);
  CHECK(t.dp.get_flow(ufid)->stats.used_ns == 0);
}

TEST_CASE("install rules: duplicates and covered keys are refused, as in Linux") {
  test_datapath t(3);
  const auto broad = text_flow(kPrefix + "ipv4(dst=10.0.0.0/255.255.0.0,frag=no)", "2");
  t.dp.add_flow(broad);
  CHECK_THROWS_WITH_AS(t.dp.add_flow(broad), doctest::Contains("File exists"), ovsxdp::error);
  // A narrower flow whose key the broad one covers: refused.
  CHECK_THROWS_WITH_AS(t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.3.4,frag=no)", "3")), doctest::Contains("already covers"), ovsxdp::error);
  // A flow for another key: fine, and both match their own packets.
  t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.1.3.4,frag=no)", "3"));
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.3.4")) == 2u);
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.1.3.4")) == 3u);
  // A UFID in use is refused too.
  auto with_ufid = text_flow("ufid:11111111-2222-3333-4444-555555555555," + kPrefix + "ipv4(dst=10.2.0.1,frag=no)", "2");
  t.dp.add_flow(with_ufid);
  with_ufid.key.nw.ipv4.dst = hton32(0x0a020002);
  CHECK_THROWS_WITH_AS(t.dp.add_flow(with_ufid), doctest::Contains("UFID already exists"), ovsxdp::error);
  CHECK(t.dp.flow_count() == 3);
}

TEST_CASE("a batch is all or nothing: a refused flow takes back the ones installed before it, and is named by index") {
  test_datapath t(3, OVSXDP_MISS_DROP, 8192);
  const auto resident = text_flow(kPrefix + "ipv4(dst=10.9.0.1,frag=no)", "3");
  t.dp.add_flow(resident);
  std::vector<flow_spec> batch;
  for (int i = 0; i < 5000; i++)
    batch.push_back(text_flow(kPrefix + "ipv4(dst=10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ",frag=no)", "2"));
  const auto refused_at = [&](std::size_t bad, const flow_spec& flow, const char* reason) {
    CAPTURE(bad);
    auto specs = batch;
    specs[bad] = flow;
    std::size_t refused = ~std::size_t{0};
    CHECK_THROWS_WITH_AS(t.dp.add_flows(specs, &refused), doctest::Contains(reason), ovsxdp::error);
    CHECK(refused == bad);
    CHECK(t.dp.flow_count() == 1);  // only the flow that was there before
    CHECK_FALSE(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.1.0.0")));
    CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.9.0.1")) == 3u);
  };
  refused_at(4000, batch[0], "already exists");                                  // at install: a duplicate of the batch's first
  refused_at(4000, resident, "already exists");                                  // at install: a duplicate of a resident flow
  refused_at(4999, text_flow(kPrefix + "ipv4(frag=no)", "set(tcp(dst=80)),2"), "ip proto 6");  // at validation, before any install
  // After the reclaim, every slot, mask and action set of the batches is free again.
  t.dp.reclaim();
  const auto o = t.dp.audit();
  CHECK(o.live_flows == 1);
  CHECK(o.dying_flows == 0);
  CHECK(o.megaflow_entries == 1);
  CHECK(o.action_sets == 1);
  CHECK(o.active_masks == 1);
  // And the whole batch installs when nothing is wrong with it.
  CHECK(t.dp.add_flows(batch).size() == batch.size());
  CHECK(t.dp.flow_count() == batch.size() + 1);
}

TEST_CASE("get, dump, delete by UFID or by match, flush; deleted flows stop matching") {
  test_datapath t(3);
  const auto spec = text_flow("ufid:01234567-89ab-cdef-0123-456789abcdef," + kPrefix + "ipv4(src=10.0.0.1,frag=no)", "push_vlan(vid=5,pcp=1),2");
  const ovsxdp_ufid ufid = t.dp.add_flow(spec);
  CHECK(odp::format_ufid(ufid) == "ufid:01234567-89ab-cdef-0123-456789abcdef");
  const ovsxdp_ufid derived = t.dp.add_flow(text_flow(kPrefix + "ipv4(src=10.0.0.2,frag=no)", "3"));
  auto e = t.dp.get_flow(ufid);
  REQUIRE(e);
  CHECK(e->ufid_present);
  CHECK(odp::format_key(e->key, &e->mask) == "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)");
  CHECK(odp::format_actions(e->actions) == "push_vlan(vid=5,pcp=1),2");
  CHECK_FALSE(t.dp.get_flow(derived)->ufid_present);
  CHECK(t.dp.dump_flows().size() == 2);
  // By exact match.
  const auto m = odp::parse_key(kPrefix + "ipv4(src=10.0.0.2,frag=no)");
  CHECK(t.dp.get_flow(flow_match{m.key, m.mask}));
  CHECK(t.dp.delete_flow(flow_match{m.key, m.mask}));
  CHECK_FALSE(t.dp.delete_flow(flow_match{m.key, m.mask}));
  CHECK_FALSE(output_port(t.dp, 1, tcp_to("10.0.0.2", "9.9.9.9")));
  // By UFID.
  CHECK(t.dp.delete_flow(ufid));
  CHECK_FALSE(t.dp.get_flow(ufid));
  CHECK_FALSE(output_port(t.dp, 1, tcp_to("10.0.0.1", "9.9.9.9")));
  CHECK(t.dp.flow_count() == 0);
  // Slots come back after the grace period: install and flush many times.
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 100; i++) t.dp.add_flow(text_flow(kPrefix + "ipv4(src=10.5.0." + std::to_string(i) + ",frag=no)", "2"));
    CHECK(t.dp.flow_count() == 100);
    t.dp.flush();
    CHECK(t.dp.flow_count() == 0);
  }
}

TEST_CASE("flows that Linux would refuse are refused with the reason, and nothing is installed") {
  test_datapath t(2);
  const auto refused = [&](const std::string& key, const std::string& actions, const char* reason) {
    CAPTURE(key);
    CAPTURE(actions);
    CHECK_THROWS_WITH_AS(t.dp.add_flow(text_flow(key, actions)), doctest::Contains(reason), ovsxdp::error);
    CHECK(t.dp.flow_count() == 0);
  };
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)", "set(ipv4(src=1.2.3.4)),2", "flow must match eth_type(0x0800)");
  refused(kPrefix + "ipv4(frag=no)", "set(ipv4(src=10.0.0.255/255.255.255.0)),2", "value bits outside the mask");
  refused(kPrefix + "ipv4(frag=no)", "2,2,2,2,2,2,2,2,2", "more than 8 copies go through port 2");
  refused(kPrefix + "ipv4(frag=no)", "set(tcp(dst=80)),2", "ip proto 6");
  refused(kPrefix + "ipv4(frag=no)", "push_vlan(vid=5,pcp=0,cfi=0),2", "present bit");
  refused(kPrefix + "ipv4(frag=no)", "trunc(10),2", "at least 14");
  refused(kPrefix + "ipv4(frag=no)", "push_mpls(label=1,tc=0,ttl=1,bos=1,eth_type=0x800),2", "0x8847 or 0x8848");
  refused(kPrefix + "ipv4(frag=no)", "push_eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),2", "already has an Ethernet header");
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(),tcp(dst=80)", "2", "tcp(...): matching its fields needs an exact proto=6");
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp(),ipv6(label=5)", "2", "ipv6(...): matching its fields needs eth_type(0x86dd)");
  // push_nsh / pop_nsh, with Linux's rules (and where Linux would read garbage).
  const std::string nsh = "recirc_id(0),in_port(1),eth(),eth_type(0x894f),";
  refused(kPrefix + "ipv4(frag=no)", "pop_nsh(),2", "action pop_nsh: the flow must match eth_type(0x894f) exactly");
  refused(kPrefix + "ipv4(frag=no)", "push_nsh(),pop_nsh(),2", "not one pushed in the same list; recirculate first");
  refused(nsh + "nsh(np=3)", "pop_nsh(),2", "the NSH header must start the packet: pop_eth first");
  refused(nsh + "nsh(spi=0x5)", "pop_eth,pop_nsh(),2", "the flow must match nsh(np=N) with N one of 1 (IPv4)");
  refused(nsh + "nsh(np=7)", "pop_eth,pop_nsh(),2", "(np=7 here)");
  refused(kPrefix + "ipv4(frag=no)", "push_nsh(mdtype=2),2", "MD type 2 needs its metadata");
  refused(nsh + "nsh(np=3)", "pop_eth,pop_nsh(),push_eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),2", "already has an Ethernet header");
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()", "pop_eth,push_nsh(),2", "its eth_type (0x0806) has no NSH next protocol");
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))", "push_nsh(),2", "VLAN-tagged");
  refused(kPrefix + "ipv4(proto=17,frag=no),udp()", "push_nsh(),set(udp(dst=1)),2", "the flow must match IPv4 or IPv6 exactly");
  refused(kPrefix + "ipv4(frag=no)", "push_nsh(),push_vlan(vid=1,pcp=0),2", "no Ethernet header");
  // set(arp/nd/icmp/icmpv6): what the header they write needs.
  refused(kPrefix + "ipv4(frag=no)", "set(arp(op=2)),2", "action set(arp): the flow must match eth_type(0x0806) or eth_type(0x8035)");
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=128)", "set(nd(target=::1)),2",
          "action set(nd): the flow must match ipv6(proto=58) and icmpv6(type=135) or icmpv6(type=136) exactly");
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd()",
          "set(icmpv6(type=1)),set(nd(target=::1)),2", "icmpv6(type=135) or icmpv6(type=136) exactly");
  refused(kPrefix + "ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)", "set(icmp(type=0)),2", "action set(icmp): the flow must match eth_type(0x0800) and ipv4(proto=1)");
  refused(kPrefix + "ipv4(proto=1,frag=no),icmp()", "set(icmpv6(type=0)),2", "action set(icmpv6): the flow must match eth_type(0x86dd)");
  std::string many;
  for (int i = 0; i < 30; i++) many += "set(ipv6(src=2001:db8::1)),";
  refused("recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)", many + "2", "bytes; the datapath holds at most 2048");
}

TEST_CASE("match_validate as Linux: every attribute the EtherType and protocol require, and masks only where they count") {
  test_datapath t(2);
  // Refused at install (invalid_flow) or, for VLAN framing, already by the
  // parser with a column (syntax_error): ovsxdp-dpctl exits 2 on either.
  const auto refused = [&](const std::string& key, const char* reason) {
    CAPTURE(key);
    CHECK_THROWS_WITH_AS(t.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth()," + key, "2")), doctest::Contains(reason), std::exception);
    CHECK(t.dp.flow_count() == 0);
  };
  const auto accepted = [&](const std::string& key) {
    CAPTURE(key);
    CHECK_NOTHROW(t.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth()," + key, "2")));
    t.dp.flush();
  };
  // Missing attributes (Linux: "Missing key"), one per rule of match_validate.
  refused("eth_type(0x0800)", "missing ipv4(...): Linux requires it with eth_type(0x0800); write ipv4()");
  refused("eth_type(0x86dd)", "missing ipv6(...)");
  refused("eth_type(0x0806)", "missing arp(...)");
  refused("eth_type(0x8035)", "missing arp(...)");
  refused("eth_type(0x8847)", "missing mpls(...)");
  refused("eth_type(0x8848)", "missing mpls(...)");
  refused("eth_type(0x894f)", "missing nsh(...)");
  refused("eth_type(0x0800),ipv4(proto=6,frag=no)", "missing tcp(...)");
  refused("eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80)", "missing tcp_flags(...): Linux requires it for proto=6 (unless frag=later); write tcp_flags(0/0)");
  refused("eth_type(0x86dd),ipv6(proto=6,frag=no),tcp_flags(+syn)", "missing tcp(...)");
  refused("eth_type(0x0800),ipv4(proto=17,frag=no)", "missing udp(...)");
  refused("eth_type(0x86dd),ipv6(proto=132,frag=no)", "missing sctp(...)");
  refused("eth_type(0x0800),ipv4(proto=1,frag=no)", "missing icmp(...)");
  refused("eth_type(0x86dd),ipv6(proto=58,frag=no)", "missing icmpv6(...)");
  refused("eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0)", "missing nd(...)");
  // Linux tests the key's values, masked or not: proto=6/0 still expects tcp().
  refused("eth_type(0x0800),ipv4(proto=6/0,frag=no)", "missing tcp(...)");
  // VLAN frames (Linux: "Invalid VLAN frame", "Truncated VLAN header has non-zero encap").
  refused("eth_type(0x8100),vlan(vid=10)", "Invalid VLAN frame: eth_type(0x8100) needs vlan(...) and encap(...)");
  refused("eth_type(0x8100),encap(eth_type(0x0800),ipv4())", "Invalid VLAN frame");
  refused("eth_type(0x88a8),vlan(vid=10),encap(eth_type(0x8100),vlan(vid=20))", "Invalid C-VLAN frame");
  refused("eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap(eth_type(0x0800),ipv4())", "truncated VLAN header (cfi=0) has an empty encap()");
  refused("eth_type(0x8100),vlan(vid=5,cfi=0),encap()", "tci without the present bit");
  refused("eth_type(0x0800),ipv4(),vlan(vid=5)", "vlan(...) needs eth_type(0x8100) or eth_type(0x88a8)");
  // Masks Linux does not let count ("Unexpected mask").
  refused("eth_type(0x0806),arp(),ipv4(src=1.2.3.4)", "ipv4(...): matching its fields needs eth_type(0x0800)");
  refused("eth_type(0x0800),ipv4(frag=no),arp(sip=1.2.3.4)", "arp(...): matching its fields needs eth_type(0x0806)");
  refused("eth_type(0x0800),ipv4(proto=6/0xf,frag=no),tcp(dst=80),tcp_flags(0/0)", "tcp(...): matching its fields needs an exact proto=6");
  refused("eth_type(0x0800),ipv4(proto=6,frag=later),tcp(dst=80)", "tcp(...): matching its fields needs an exact proto=6");
  refused("eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135/0xf0,code=0),nd(target=::1)", "nd(...): matching its fields needs icmpv6(type=135)");
  refused("eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd(),ct_tuple6(proto=6)",
          "ct_tuple6(...): matching its fields needs eth_type(0x86dd) and cannot be matched on neighbour discovery packets");
  refused("eth_type(0x86dd),ipv6(frag=no),mpls(label=5)", "mpls(...): matching its fields needs eth_type(0x8847)");
  // What Linux accepts: wildcarded attributes, and a zero mask anywhere.
  accepted("eth_type(0x0800),ipv4()");
  accepted("eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(0/0)");
  accepted("eth_type(0x0800),ipv4(proto=6,frag=later)");  // a later fragment has no L4 attribute
  accepted("eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=136,code=0),nd()");
  // OVS's MLD flow: a type range that masks to 136 is not neighbour discovery.
  accepted("eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=143/0xf8,code=0)");
  accepted("eth_type(0x0806),arp(),ipv4()");  // present but unmasked: Linux ignores it
  accepted("eth_type(0x8847),mpls()");
  accepted("eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()");  // a truncated tag
  // Flows built as values carry what OVS's encoder emits: the expected attributes.
  ovsxdp_flow_key key{}, mask{};
  key.mac_proto = OVSXDP_MAC_ETHERNET;
  mask.mac_proto = 0xff;
  key.eth_type = hton16(0x0800);
  mask.eth_type = 0xffff;
  key.ip_proto = 6;
  mask.ip_proto = 0xff;
  key.tp_dst = hton16(80);
  mask.tp_dst = 0xffff;
  CHECK_NOTHROW(t.dp.add_flow(flow_spec{.key = key, .mask = mask, .actions = odp::parse_actions("2")}));
  t.dp.flush();
  mask.ip_proto = 0;  // ports without an exact protocol: an encoder's tcp() would carry a mask Linux refuses
  CHECK_THROWS_WITH_AS(t.dp.add_flow(flow_spec{.key = key, .mask = mask, .actions = odp::parse_actions("2")}),
                       doctest::Contains("tcp(...): matching its fields needs an exact proto=6"), ovsxdp::invalid_flow);
  key.eth_type = hton16(0x0806);
  mask = {};
  mask.eth_type = 0xffff;
  mask.mac_proto = 0xff;
  mask.tp_dst = 0xffff;
  CHECK_THROWS_WITH_AS(t.dp.add_flow(flow_spec{.key = key, .mask = mask, .actions = odp::parse_actions("2")}),
                       doctest::Contains("no attribute of this flow holds"), ovsxdp::invalid_flow);
}

TEST_CASE("a flow without vlan() matches untagged packets only, as Linux forces the tci mask") {
  test_datapath t(3);
  t.dp.add_flow(text_flow(kPrefix + "ipv4(frag=no)", "2"));
  const bytes untagged = tcp_to("10.0.0.1", "10.0.0.2");
  const bytes tagged = packet_builder().eth("50:54:00:00:00:01", "50:54:00:00:00:02").vlan(7).ipv4("10.0.0.1", "10.0.0.2").tcp(4321, 80).payload(10).build();
  CHECK(output_port(t.dp, 1, untagged) == 2u);
  CHECK_FALSE(output_port(t.dp, 1, tagged));
  t.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=7),encap(eth_type(0x0800),ipv4(frag=no))", "3"));
  CHECK(output_port(t.dp, 1, tagged) == 3u);
  // One tag matched: a second tag is not.
  const bytes double_tagged = packet_builder().eth("50:54:00:00:00:01", "50:54:00:00:00:02").vlan(7).vlan(8).ipv4("10.0.0.1", "10.0.0.2").tcp(4321, 80).payload(10).build();
  CHECK_FALSE(output_port(t.dp, 1, double_tagged));
}

TEST_CASE("Linux accepts pop_vlan on a flow matching no tag (a no-op), and outputs to ports that do not exist (dropped, counted)") {
  test_datapath t(2);
  t.dp.add_flow(text_flow(kPrefix + "ipv4(frag=no)", "pop_vlan,2"));
  const bytes untagged = tcp_to("10.0.0.1", "10.0.0.2");
  const trace_result r = t.dp.trace(1, untagged);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].port == 2);
  CHECK(r.events[0].packet == untagged);  // nothing popped
  t.dp.flush();
  t.dp.add_flow(text_flow(kPrefix + "ipv4(frag=no)", "9"));
  CHECK(odp::format_actions(t.dp.dump_flows().at(0).actions) == "9");
  const auto before = t.dp.counters();
  CHECK(t.dp.trace(1, untagged).verdict == XDP_DROP);
  CHECK(t.dp.counters()[OVSXDP_C_DROP_NO_PORT] == before[OVSXDP_C_DROP_NO_PORT] + 1);
  t.dp.flush();
  // A copy to a missing port is counted by the fork that cannot make it.
  t.dp.add_flow(text_flow(kPrefix + "ipv4(frag=no)", "9,2"));
  const auto before_copy = t.dp.counters();
  const trace_result copies = t.dp.trace(1, untagged);
  REQUIRE(copies.events.size() == 1);
  CHECK(copies.events[0].port == 2);
  CHECK(t.dp.counters()[OVSXDP_C_DROP_NO_PORT] == before_copy[OVSXDP_C_DROP_NO_PORT] + 1);
}

TEST_CASE("an exact match for any packet, as a slow path installs it, passes validation and matches that packet") {
  test_datapath t(2);
  unsigned installed = 0;
  for (const auto& c : extract_cases()) {
    if (c.expected == "runt" || c.expected == "bad_nsh") continue;  // dropped before any lookup
    CAPTURE(c.name);
    ovsxdp_flow_key key{};
    key.in_port = 1;
    bytes frame = c.frame;
    REQUIRE(flow::extract(frame_bytes{frame.data(), frame.data() + frame.size()}, key) == flow::extract_status::ok);
    const flow_match m = exact_match(key);
    flow_spec spec{.key = m.key, .mask = m.mask, .actions = odp::parse_actions("2")};
    t.dp.add_flow(spec);
    installed++;
    CHECK(output_port(t.dp, 1, c.frame) == 2u);
    t.dp.flush();
  }
  CHECK(installed >= 50);
}

TEST_CASE("the mask table is bounded and refuses one mask too many") {
  test_datapath t(2, OVSXDP_MISS_DROP, 64, 4);
  for (int i = 0; i < 4; i++)
    t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10." + std::to_string(i) + ".0.0/255.255." + std::to_string(255 - i) + ".0,frag=no)", "2"));
  CHECK_THROWS_WITH_AS(t.dp.add_flow(text_flow(kPrefix + "ipv4(src=1.0.0.0/255.0.0.0,frag=no)", "2")),
                       doctest::Contains("the mask table is full (4"), ovsxdp::error);
  // Once a mask's flows are gone its slot is recycled.
  t.dp.flush();
  t.dp.add_flow(text_flow(kPrefix + "ipv4(src=1.0.0.0/255.0.0.0,frag=no)", "2"));
  CHECK(output_port(t.dp, 1, tcp_to("1.2.3.4", "5.6.7.8")) == 2u);
}

TEST_CASE("a mask whose last flow is deleted leaves the search; lookups stop probing it") {
  test_datapath t(3);
  std::vector<ovsxdp_ufid> decoys;
  for (int i = 0; i < 6; i++)
    decoys.push_back(t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=172.16." + std::to_string(i) + ".0/255.255." + std::to_string(255 - i) + ".0,frag=no)", "3")));
  t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.0.0.2,frag=no)", "2"));
  CHECK(t.dp.info().n_masks == 7);
  // Deleting the decoys, then a miss: only the remaining mask is probed.
  for (const auto& u : decoys) CHECK(t.dp.delete_flow(u));
  t.dp.reclaim();
  CHECK(t.dp.mask_count() == 1);
  const auto before = t.dp.counters();
  CHECK_FALSE(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.0.3")));
  const auto after = t.dp.counters();
  CHECK(after[OVSXDP_C_MISSED] - before[OVSXDP_C_MISSED] == 1);
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.0.0.2")) == 2u);
  CHECK(t.dp.counters()[OVSXDP_C_MASK_PROBES] - after[OVSXDP_C_MASK_PROBES] == 1);
  // Removing the last flow empties the search entirely; the freed slots are reused.
  t.dp.flush();
  CHECK(t.dp.info().n_masks == 0);
  t.dp.add_flow(text_flow(kPrefix + "ipv4(src=1.0.0.0/255.0.0.0,frag=no)", "2"));
  CHECK(t.dp.info().n_masks == 1);
  CHECK(output_port(t.dp, 1, tcp_to("1.2.3.4", "5.6.7.8")) == 2u);
}

TEST_CASE("a second process's handle sees and changes the same datapath") {
  test_datapath t(3);
  datapath other = datapath::open(t.name, sandbox::get().location());
  const ovsxdp_ufid ufid = t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.7.7.7,frag=no)", "2"));
  auto seen = other.get_flow(ufid);
  REQUIRE(seen);
  other.modify_flow(ufid, odp::parse_actions("3"));
  CHECK(odp::format_actions(t.dp.get_flow(ufid)->actions) == "3");
  other.add_flow(text_flow(kPrefix + "ipv4(dst=10.8.8.8,frag=no)", "2"));
  CHECK(t.dp.flow_count() == 2);
  t.dp.add_flow(text_flow(kPrefix + "ipv4(dst=10.9.9.9,frag=no)", "2"));  // t refreshes its bookkeeping first
  CHECK(other.flow_count() == 3);
  CHECK(other.delete_flow(ufid));
  CHECK(t.dp.flow_count() == 2);
  CHECK(output_port(t.dp, 1, tcp_to("1.1.1.1", "10.8.8.8")) == 2u);
  CHECK(t.dp.ports().size() == 3);
  CHECK(other.ports().size() == 3);
}

TEST_CASE("NSH: flows match the nsh() key; a header Linux cannot parse is dropped, counted as malformed") {
  test_datapath t(3);
  t.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(mdtype=1,np=3,spi=0x123,si=255)", "2"));
  t.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(spi=0x124)", "3"));
  const bytes inner = packet_builder().eth("50:54:00:00:00:02", "50:54:00:00:00:01").ipv4("10.9.0.1", "10.9.0.2").udp(1, 2).build();
  auto nsh = [&](std::uint32_t spi, std::uint8_t first_byte) {
    bytes h = {first_byte, 0xc6, 1, 3, static_cast<std::uint8_t>(spi >> 16), static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi), 0xff};
    h.resize(24, 0x11);
    h.insert(h.end(), inner.begin(), inner.end());
    return packet_builder().eth("50:54:00:00:00:01", "50:54:00:00:00:02", 0x894f).payload(h).build();
  };
  CHECK(output_port(t.dp, 1, nsh(0x123, 0x0f)) == 2u);
  CHECK(output_port(t.dp, 1, nsh(0x124, 0x0f)) == 3u);
  CHECK_FALSE(output_port(t.dp, 1, nsh(0x125, 0x0f)));  // no flow: a miss
  const auto before = t.dp.counters();
  CHECK(t.dp.trace(1, nsh(0x123, 0x4f)).verdict == XDP_DROP);  // version 1
  CHECK(t.dp.counters()[OVSXDP_C_DROP_MALFORMED] == before[OVSXDP_C_DROP_MALFORMED] + 1);
  CHECK(t.dp.counters()[OVSXDP_C_MISSED] == before[OVSXDP_C_MISSED]);
}
