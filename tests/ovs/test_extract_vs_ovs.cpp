// Differential test of key extraction against Open vSwitch itself: each
// packet goes through OVS 3.1's userspace datapath (megaflows disabled, so it
// installs an exact-match flow whose key we read back with dpctl/dump-flows)
// and through our BPF extractor in the kernel; every attribute OVS prints must
// equal ours. Where Linux's kernel datapath (which we follow) and OVS's
// userspace extraction differ, the case names the difference and both sides
// are checked against it.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "extract/bpf_key_extractor.hpp"
#include "odp/key_format.hpp"
#include "support/extract_cases.hpp"
#include "support/odp_text.hpp"
#include "support/requirements.hpp"

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

struct known_difference {
  std::string attribute;  // as keyed by key_attributes()
  std::string ovs;        // OVS userspace's text ("" = absent)
  std::string ours;       // Linux kernel datapath semantics ("" = absent)
  std::string why;
};

struct diff_case {
  std::string name;
  bytes frame;
  std::vector<known_difference> differences;
};

std::vector<diff_case> cases() {
  std::vector<diff_case> out;
  // Not the NSH headers Linux drops (bad_nsh): OVS userspace keeps such a
  // packet, with its NSH fields zero (lib/flow.c parse_nsh returns false).
  for (auto& c : extract_cases())
    if (c.frame.size() >= 14 && c.expected != "bad_nsh") out.push_back({c.name, c.frame, {}});
  auto base = [] { return packet_builder().eth(kMacA, kMacB); };
  static const char* flag_names[] = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]"};
  for (unsigned bit = 0; bit < 12; bit++)
    out.push_back({std::string("tcp flag ") + flag_names[bit], base().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 22, static_cast<std::uint16_t>(1u << bit)).build(), {}});
  out.push_back({"tcp fin ack psh", base().ipv4("10.1.1.1", "10.1.1.2").tcp(1, 65535, 0x019).payload(20).build(), {}});
  out.push_back({"ipv6 in 802.1q with hop limit 1", base().vlan(4095, 7).ipv6("fe80::1", "ff02::2", {.hop_limit = 1}).udp(521, 521).build(), {}});
  out.push_back({"qinq arp", base().vlan(30, 0, 0x88a8).vlan(31, 2).arp(1, kMacA, "192.168.0.1", "00:00:00:00:00:00", "192.168.0.2").build(), {}});
  out.push_back({"ipv4 ecn and dscp", base().ipv4("172.16.0.1", "172.16.0.2", {.tos = 0x2b, .ttl = 255}).udp(123, 123).build(), {}});
  out.push_back({"ipv4 record-route option and udp", base().ipv4("10.0.0.1", "10.0.0.2", {.options = {7, 7, 4, 0, 0, 0, 0}}).udp(67, 68).payload(10).build(), {}});
  out.push_back({"ipv4 more fragments with offset", base().ipv4("10.0.0.1", "10.0.0.2", {.more_fragments = true, .fragment_offset = 100, .protocol = 6}).payload(24).build(), {}});
  out.push_back({"ipv6 destination options then tcp", base().ipv6("2001:db8::a", "2001:db8::b").ipv6_extension(60, bytes(6, 0)).tcp(80, 1024, 0x010).build(), {}});
  out.push_back({"ipv6 sctp", base().ipv6("2001:db8::a", "2001:db8::b").sctp(5000, 5001).build(), {}});
  out.push_back({"ipv6 later fragment after hop-by-hop", base().ipv6("2001:db8::1", "2001:db8::2").ipv6_extension(0).ipv6_fragment(10, true).raw_l4(6, bytes(8, 0)).build(), {}});
  out.push_back({"nd solicitation with sll and tll", base().ipv6("fe80::1", "ff02::1:ff00:2", {.hop_limit = 255}).nd(135, "fe80::2", kMacA, {}, kMacB).build(), {}});
  out.push_back({"icmpv6 destination unreachable", base().ipv6("2001:db8::1", "2001:db8::2").icmpv6(1, 4, bytes(4, 0)).build(), {}});
  out.push_back({"vlan truncated after tag", [] {
                   bytes b = packet_builder().eth(kMacA, kMacB).vlan(9).ipv4("10.0.0.1", "10.0.0.2").build();
                   b.resize(14 + 4 + 1);
                   return b;
                 }(),
                 {}});

  out.push_back({"snap with control byte other than 3", [] {
                   bytes b = packet_builder().eth(kMacA, kMacB).snap(0, 0x0800).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
                   b[16] = 0x13;
                   return b;
                 }(),
                 {}});

  // Truncated L4 headers in packets whose IPv4 total length matches the frame
  // (OVS userspace zeroes all of L3 when the total length exceeds the frame).
  auto consistent = [](bytes b, std::size_t length) {
    b.resize(length);
    const std::size_t ip = 14, total = length - ip;
    b[ip + 2] = static_cast<std::uint8_t>(total >> 8);
    b[ip + 3] = static_cast<std::uint8_t>(total);
    b[ip + 10] = b[ip + 11] = 0;
    std::uint16_t csum = static_cast<std::uint16_t>(~checksum_fold(checksum_partial(&b[ip], 20)));
    b[ip + 10] = static_cast<std::uint8_t>(csum >> 8);
    b[ip + 11] = static_cast<std::uint8_t>(csum);
    return b;
  };
  out.push_back({"tcp header cut at 10 bytes, consistent ip length", consistent(base().ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80).build(), 14 + 20 + 10), {}});
  out.push_back({"udp header cut at 7 bytes, consistent ip length", consistent(base().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(), 14 + 20 + 7), {}});
  out.push_back({"icmp header cut at 4 bytes, consistent ip length", consistent(base().ipv4("10.0.0.1", "10.0.0.2").icmp(3, 1).build(), 14 + 20 + 4), {}});
  out.push_back({"sctp header cut at 11 bytes, consistent ip length", consistent(base().ipv4("10.0.0.1", "10.0.0.2").sctp(1, 2).build(), 14 + 20 + 11), {}});

  // Where Linux and OVS userspace disagree; we follow Linux.
  auto ipv4_length_difference = [](const std::string& proto, const std::string& l4_name, const std::string& l4) {
    std::vector<known_difference> d{
        {"ipv4", "ipv4(src=0.0.0.0,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no)",
         "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=" + proto + ",tos=0,ttl=64,frag=no)",
         "OVS userspace zeroes L3 when the IPv4 total length exceeds the frame; Linux never checks it"},
        {l4_name, "", l4, "follows from ipv4"}};
    if (l4_name == "tcp") d.push_back({"tcp_flags", "", "tcp_flags(0)", "follows from ipv4"});
    return d;
  };
  const std::map<std::string, std::vector<known_difference>> documented{
      {"ipv6 atomic fragment is a first fragment in Linux",
       {{"ipv6", "ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=17,tclass=0,hlimit=64,frag=no)",
         "ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=17,tclass=0,hlimit=64,frag=first)",
         "Linux counts any fragment header as a fragment; OVS userspace skips atomic ones"}}},
      {"snap with control byte other than 3",
       {{"eth_type", "eth_type(0/0xffff)", "eth_type(0x0800)", "Linux does not check the LLC control byte"},
        {"ipv4", "", "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no)", "follows from eth_type"},
        {"udp", "", "udp(src=1,dst=2)", "follows from eth_type"}}},
      {"mpls without bottom of stack has no labels",
       {{"mpls", "mpls(label=100,tc=0,ttl=64,bos=0)", "", "Linux records no labels when the stack has no bottom"}}},
      {"ipv6 truncated extension chain gives proto 59",
       {{"ipv6", "ipv6(src=::,dst=::,label=0,proto=0,tclass=0,hlimit=0,frag=no)",
         "ipv6(src=2001:db8::1,dst=2001:db8::2,label=0x5,proto=59,tclass=0,hlimit=64,frag=no)",
         "OVS userspace drops an IPv6 header whose payload length exceeds the frame; Linux keeps it and reports proto 59"}}},
      {"truncated tcp header zeroes ports and flags", ipv4_length_difference("6", "tcp", "tcp(src=0,dst=0)")},
      {"truncated udp header", ipv4_length_difference("17", "udp", "udp(src=0,dst=0)")},
      {"icmp needs 8 bytes", ipv4_length_difference("1", "icmp", "icmp(type=0,code=0)")},
      {"neighbor solicitation with code 1 keeps nd zero",
       {{"nd", "", "nd(target=::,sll=00:00:00:00:00:00,tll=00:00:00:00:00:00)", "Linux emits ND for types 135/136 whatever the code"}}},
  };
  for (auto& c : out)
    if (auto it = documented.find(c.name); it != documented.end()) c.differences = it->second;
  return out;
}

// OVS userspace prints a few things its netlink key does not share with the
// kernel's: normalise them to the kernel form.
std::map<std::string, std::string> normalise_ovs(std::map<std::string, std::string> attrs) {
  if (auto it = attrs.find("packet_type"); it != attrs.end()) {
    CHECK(it->second == "packet_type(ns=0,id=0)");  // Ethernet
    attrs.erase(it);
  }
  if (auto it = attrs.find("ct_state"); it != attrs.end() && it->second == "ct_state(0/0xff)") it->second = "ct_state(0)";
  for (auto& [name, text] : attrs) {
    if (name.size() >= 2 && name.substr(name.size() - 2) == "nd") text = std::regex_replace(text, std::regex("/[0-9a-f:.]+"), "");
  }
  return attrs;
}

std::vector<std::string> run_oracle(const std::vector<diff_case>& all) {
  char dir_template[] = "/tmp/ovsxdp-test-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string packets = dir + "/packets.txt";
  {
    std::ofstream f(packets);
    for (const auto& c : all) f << to_hex(c.frame) << "\n";
  }
  const std::string command = "/usr/bin/python3 " + source_path("tests/oracle/ovs_oracle.py") + " extract-keys --in-port 1 " + packets;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::vector<std::string> lines;
  char buffer[8192];
  while (std::fgets(buffer, sizeof buffer, pipe.get())) {
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(line);
  }
  int status = pclose(pipe.release());
  std::remove(packets.c_str());
  rmdir(dir.c_str());
  REQUIRE_MESSAGE(status == 0, "the OVS oracle failed: " << command);
  return lines;
}

}  // namespace

TEST_CASE("flow keys match Open vSwitch's own extraction") {
  const auto all = cases();
  REQUIRE(all.size() >= 40);
  const auto ovs_lines = run_oracle(all);
  REQUIRE(ovs_lines.size() == all.size());
  bpf_key_extractor extractor;
  std::size_t compared_attributes = 0, documented = 0;
  for (std::size_t i = 0; i < all.size(); i++) {
    const diff_case& c = all[i];
    CAPTURE(c.name);
    CAPTURE(to_hex(c.frame));
    REQUIRE_MESSAGE(ovs_lines[i].rfind("KEY ", 0) == 0, "OVS installed no flow: " << ovs_lines[i]);
    const std::string ovs_key = key_of_dump_line(ovs_lines[i].substr(4));
    auto result = extractor.extract(c.frame, 1);
    REQUIRE(result.status == flow::extract_status::ok);
    const std::string our_key = odp::format_key(result.key, nullptr, {.verbose = false, .omit_zero_metadata = false});
    CAPTURE(ovs_key);
    CAPTURE(our_key);
    auto ovs = normalise_ovs(key_attributes(ovs_key));
    auto ours = key_attributes(our_key);
    for (const auto& d : c.differences) {
      INFO("documented difference in " << d.attribute << ": " << d.why);
      CHECK((ovs.count(d.attribute) ? ovs[d.attribute] : std::string()) == d.ovs);
      CHECK((ours.count(d.attribute) ? ours[d.attribute] : std::string()) == d.ours);
      ovs.erase(d.attribute);
      ours.erase(d.attribute);
      documented++;
    }
    for (const auto& [name, text] : ovs) {
      CAPTURE(name);
      CHECK(ours.count(name) == 1);
      if (ours.count(name)) CHECK(ours[name] == text);
      compared_attributes++;
    }
    for (const auto& [name, text] : ours) {
      CAPTURE(name);
      CHECK_MESSAGE(ovs.count(name) == 1, "we print " << text << " but OVS does not");
    }
  }
  MESSAGE("compared " << all.size() << " packets, " << compared_attributes << " attributes, " << documented << " documented kernel/userspace differences");
}

TEST_CASE("frames shorter than an Ethernet header reach neither OVS nor XDP") {
  // OVS's netdev-dummy refuses to inject them; the kernel never hands them to XDP.
  std::vector<diff_case> runts{{"10 bytes", bytes(10, 0xab), {}}, {"13 bytes", bytes(13, 0xcd), {}}};
  const auto lines = run_oracle(runts);
  REQUIRE(lines.size() == 2);
  bpf_key_extractor extractor;
  for (std::size_t i = 0; i < runts.size(); i++) {
    CHECK(lines[i].rfind("NONE", 0) == 0);
    CHECK(extractor.extract(runts[i].frame, 1).status == flow::extract_status::runt);
  }
}
