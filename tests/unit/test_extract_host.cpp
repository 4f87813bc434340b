// The extraction table through the host build of the header-only parser.
#include <doctest/doctest.h>

#include <cstring>

#include "odp/key_format.hpp"
#include "ovsxdp/flow/extract.h"
#include "support/extract_cases.hpp"

using namespace ovsxdp;

namespace {
std::string extract_text(const bytes& frame) {
  std::vector<std::uint8_t> copy = frame;  // the parser takes mutable bytes, as in XDP
  ovsxdp_flow_key key{};
  key.in_port = 1;
  auto status = flow::extract({copy.data(), copy.data() + copy.size()}, key);
  if (status == flow::extract_status::runt) return "runt";
  if (status == flow::extract_status::bad_nsh) return "bad_nsh";
  REQUIRE(status == flow::extract_status::ok);
  return odp::format_key(key, nullptr, {.verbose = false, .omit_zero_metadata = true});
}
}  // namespace

TEST_CASE("host build extracts the kernel's flow key") {
  for (const auto& c : testing::extract_cases()) {
    CAPTURE(c.name);
    CHECK(extract_text(c.frame) == c.expected);
  }
}

TEST_CASE("extraction keeps metadata and conntrack words") {
  auto frame = packet_builder().eth(testing::kMacA, testing::kMacB).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  ovsxdp_flow_key key{};
  key.recirc_id = 7;
  key.skb_mark = 9;
  key.ct_state = OVSXDP_CS_TRACKED | OVSXDP_CS_NEW;
  key.ct_mark = 0xabc;
  key.tun_id = hton64(42);
  key.nw_ext.ct_orig_ipv4.src = hton32(0x0a000001);
  REQUIRE(flow::extract({frame.data(), frame.data() + frame.size()}, key) == flow::extract_status::ok);
  CHECK(key.recirc_id == 7);
  CHECK(key.skb_mark == 9);
  CHECK(key.ct_state == (OVSXDP_CS_TRACKED | OVSXDP_CS_NEW));
  CHECK(key.ct_mark == 0xabc);
  CHECK(key.tun_id == hton64(42));
  CHECK(key.nw_ext.ct_orig_ipv4.src == hton32(0x0a000001));  // not an ARP/ND packet: untouched
}

TEST_CASE("re-extraction clears fields of the previous packet") {
  auto tcp = packet_builder().eth(testing::kMacA, testing::kMacB).vlan(5).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  auto arp = packet_builder().eth(testing::kMacB, testing::kMacA).arp(1, testing::kMacB, "10.0.0.9", testing::kMacA, "10.0.0.8").build();
  ovsxdp_flow_key first{}, second{};
  REQUIRE(flow::extract({tcp.data(), tcp.data() + tcp.size()}, first) == flow::extract_status::ok);
  REQUIRE(flow::extract({arp.data(), arp.data() + arp.size()}, first) == flow::extract_status::ok);
  REQUIRE(flow::extract({arp.data(), arp.data() + arp.size()}, second) == flow::extract_status::ok);
  CHECK(std::memcmp(&first, &second, sizeof first) == 0);
}

TEST_CASE("an L3 packet (after pop_eth) is parsed from offset 0 with its remembered ethertype") {
  auto frame = packet_builder().eth(testing::kMacA, testing::kMacB).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  std::vector<std::uint8_t> l3(frame.begin() + 14, frame.end());
  ovsxdp_flow_key key{};
  key.mac_proto = OVSXDP_MAC_NONE;
  key.eth_type = hton16(0x0800);
  REQUIRE(flow::extract({l3.data(), l3.data() + l3.size()}, key) == flow::extract_status::ok);
  CHECK(key.ip_proto == 17);
  CHECK(key.tp_dst == hton16(2));
  key.eth_type = hton16(0x8100);
  CHECK(flow::extract({l3.data(), l3.data() + l3.size()}, key) == flow::extract_status::vlan_on_l3_packet);
}
