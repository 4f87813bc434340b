// Writes seed inputs for the fuzzers: the extractor's packet table, the flows
// of the trace tests as "KEY\nACTIONS" text, and their action lists encoded
// as datapath records, and for conntrack those frames (ICMP errors quoting
// packets among them) and a TCP connection's life as a segment script.
// Usage: make_fuzz_seeds DIR
#include <filesystem>
#include <fstream>
#include <iostream>

#include "datapath/actions.hpp"
#include "datapath/flow_text.hpp"
#include "packet/packet_builder.hpp"
#include "support/extract_cases.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_seeds DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  for (const char* sub : {"extract", "flow_text", "actions", "conntrack"}) fs::create_directories(dir / sub);
  auto write = [](const fs::path& p, const void* data, std::size_t n) {
    std::ofstream(p, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  };
  int n = 0;
  for (const auto& c : ovsxdp::testing::extract_cases()) {
    write(dir / "extract" / std::to_string(n++), c.frame.data(), c.frame.size());
  }
  n = 0;
  std::ifstream flows(OVSXDP_SOURCE_DIR "/tests/cli/trace/every_action.flows");
  for (std::string line; std::getline(flows, line);) {
    const auto text = ovsxdp::split_flow_line(line);
    if (!text) continue;
    const std::string seed = text->key + "\n" + text->actions;
    write(dir / "flow_text" / std::to_string(n), seed.data(), seed.size());
    const auto encoded = ovsxdp::encode_actions(ovsxdp::odp::parse_actions(text->actions));
    write(dir / "actions" / std::to_string(n), encoded.data(), encoded.size());
    n++;
  }
  // The actions beyond Linux and NSH in the forms every_action.flows leaves
  // out: masked sets, MD type 2, pops of nested NSH, the refused orders.
  const std::pair<const char*, const char*> extra[] = {
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0806),arp()", "set(arp(tip=10.0.0.0/255.0.0.0,op=256/0xff00,sha=00:00:00:00:00:0f/00:00:00:00:00:ff)),2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=136,code=0),nd()", "set(nd(tll=02:00:00:00:00:0c/ff:ff:ff:00:00:ff)),2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp()", "set(icmp(type=0/0x8,code=3/0xf)),2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)",
       "pop_eth,push_nsh(flags=3,ttl=1,mdtype=2,np=9,spi=0xffffff,si=0,md2=0x0001020304050607),push_nsh(),push_eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),2"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x894f),nsh(np=4)", "pop_eth,pop_nsh(),pop_nsh(),recirc(1)"},
      {"recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "push_nsh(),pop_nsh(),2"},
  };
  for (const auto& [key_text, actions] : extra) {
    const std::string seed = std::string(key_text) + "\n" + actions;
    write(dir / "flow_text" / std::to_string(n), seed.data(), seed.size());
    const auto encoded = ovsxdp::encode_actions(ovsxdp::odp::parse_actions(actions));
    write(dir / "actions" / std::to_string(n), encoded.data(), encoded.size());
    n++;
  }
  // Nesting at Linux's bound and past it, in every kind of nested list: the
  // parser must refuse deeper lists while parsing, not recurse into them.
  const std::string key = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";
  const std::pair<const char*, const char*> nestings[] = {
      {"clone(", ")"}, {"sample(sample=50%,actions(", "))"}, {"check_pkt_len(size=64,gt(1),le(", "))"}, {"dec_ttl(le_1(", "))"}};
  for (const auto& [open, close] : nestings) {
    for (int depth : {ovsxdp::kMaxActionNesting, ovsxdp::kMaxActionNesting + 1, 5000}) {
      std::string actions;
      for (int i = 0; i < depth; i++) actions += open;
      actions += "1";
      for (int i = 0; i < depth; i++) actions += close;
      const std::string seed = key + "\n" + actions;
      write(dir / "flow_text" / std::to_string(n++), seed.data(), seed.size());
    }
  }
  // conntrack: frames behind an odd mode byte, scripts behind an even one.
  n = 0;
  auto frame_seed = [&](const ovsxdp::bytes& frame) {
    ovsxdp::bytes seed{1};
    seed.insert(seed.end(), frame.begin(), frame.end());
    write(dir / "conntrack" / std::to_string(n++), seed.data(), seed.size());
  };
  for (const auto& c : ovsxdp::testing::extract_cases()) frame_seed(c.frame);
  using ovsxdp::packet_builder;
  const ovsxdp::bytes datagram = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.0.0.1", "10.0.0.2").udp(3333, 53).payload(8).build();
  const ovsxdp::bytes echo = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 0x12340001).payload(8).build();
  const ovsxdp::bytes datagram6 = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv6("fd00::1", "fd00::2").udp(3333, 53).payload(8).build();
  for (const auto* quoted : {&datagram, &echo}) {
    const ovsxdp::bytes quote(quoted->begin() + 14, quoted->begin() + 14 + 28);
    frame_seed(packet_builder().eth("02:00:00:00:00:09", "02:00:00:00:00:01").ipv4("10.0.0.9", "10.0.0.1").icmp(3, 3).payload(quote).build());
  }
  ovsxdp::bytes too_big = {0, 0, 0x05, 0xdc};
  too_big.insert(too_big.end(), datagram6.begin() + 14, datagram6.begin() + 14 + 48);
  frame_seed(packet_builder().eth("02:00:00:00:00:09", "02:00:00:00:00:01").ipv6("fd00::9", "fd00::1").icmpv6(2, 0, too_big).build());
  // A handshake, data both ways, FIN both ways: 11-byte segments after two ISNs.
  ovsxdp::bytes script{0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80};
  auto segment = [&](bool reply, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint8_t payload) {
    script.push_back(static_cast<std::uint8_t>((reply ? 0x80 : 0) | flags));
    for (int i = 0; i < 4; i++) script.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
    for (int i = 0; i < 4; i++) script.push_back(static_cast<std::uint8_t>(ack >> (8 * i)));
    script.push_back(0xff);  // window 0xffff
    script.push_back(payload);
  };
  segment(false, 0x02, 0, 0, 0);      // SYN
  segment(true, 0x12, 0, 1, 0);       // SYN-ACK
  segment(false, 0x10, 1, 1, 0);      // ACK
  segment(false, 0x18, 1, 1, 16);     // 128 bytes
  segment(true, 0x18, 1, 129, 16);    // 128 bytes back
  segment(false, 0x11, 129, 129, 0);  // FIN
  segment(true, 0x11, 129, 130, 0);   // FIN
  segment(false, 0x10, 130, 130, 0);  // last ACK
  write(dir / "conntrack" / std::to_string(n++), script.data(), script.size());
  std::cout << "seeds written to " << dir << "\n";
  return 0;
}
