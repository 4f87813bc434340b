// Writes samples/pcaps/demo.pcap: a small capture with one packet of each
// kind the parser handles, for the README demo and the CLI golden test.
// Usage: make_demo_pcap OUTPUT
#include <cstdio>
#include <exception>

#include "pcap/pcap.hpp"
#include "packet/packet_builder.hpp"

using namespace ovsxdp;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_demo_pcap OUTPUT\n");
    return 2;
  }
  const char* host_a = "52:54:00:12:34:01";
  const char* host_b = "52:54:00:12:34:02";
  auto eth = [&] { return packet_builder().eth(host_a, host_b); };
  std::vector<bytes> frames{
      packet_builder().eth(host_a, "ff:ff:ff:ff:ff:ff").arp(1, host_a, "192.168.1.1", "00:00:00:00:00:00", "192.168.1.2").build(),
      packet_builder().eth(host_b, host_a).arp(2, host_b, "192.168.1.2", host_a, "192.168.1.1").build(),
      eth().ipv4("192.168.1.1", "192.168.1.2").icmp(8, 0, 0x12340001).payload(56).build(),
      eth().ipv4("192.168.1.1", "192.168.1.2", {.tos = 0x10}).tcp(43210, 80, 0x002).build(),
      packet_builder().eth(host_b, host_a).ipv4("192.168.1.2", "192.168.1.1").tcp(80, 43210, 0x012).build(),
      eth().ipv4("192.168.1.1", "8.8.8.8", {.ttl = 63}).udp(53000, 53).payload(30).build(),
      eth().vlan(10, 3).ipv4("10.10.0.1", "10.10.0.2", {.tos = 0x10}).tcp(1234, 80, 0x002).build(),
      eth().vlan(100, 0, 0x88a8).vlan(200, 5).ipv4("10.20.0.1", "10.20.0.2").udp(4000, 4001).build(),
      eth().mpls(1000, 0, 64).mpls(2000, 0, 64).ipv4("10.30.0.1", "10.30.0.2").udp(1, 2).build(),
      eth().ipv4("192.168.1.1", "192.168.1.2", {.more_fragments = true}).udp(5353, 5353).payload(1000).build(),
      eth().ipv6("2001:db8::1", "ff02::1:ff00:2", {.hop_limit = 255}).nd(135, "2001:db8::2", host_a).build(),
      eth().ipv6("2001:db8::1", "2001:db8::2", {.flow_label = 0xabcde}).ipv6_extension(0).tcp(50000, 443, 0x002).build(),
      packet_builder().eth(host_a, "01:80:c2:00:00:00").llc(0x42, 0x42, 0x03).payload(35).build(),
      bytes{0x52, 0x54, 0x00, 0x12, 0x34, 0x02, 0x52, 0x54},  // a truncated capture record
  };
  try {
    ovsxdp::pcap::write_file(argv[1], frames);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_demo_pcap: %s\n", e.what());
    return 1;
  }
  return 0;
}
