// libFuzzer: conntrack's packet parser and TCP state machine (host builds of
// the headers the BPF tracker runs), under ASan and UBSan. The first byte
// picks the mode:
//   odd   the rest is a frame: extracted, then parsed as ct() parses it
//         (ICMP errors and their quoted packets included). Properties: the
//         parse is deterministic; a related packet is an ICMP or ICMPv6
//         error of the quoted packet's family.
//   even  the rest is a script of TCP segments (11 bytes each: direction and
//         flags, sequence and acknowledgement offsets from each end's
//         initial number, window, payload) run through one connection as
//         the tracker runs them. Properties: states and timeouts stay in
//         range; a restart closes both ends; a segment found invalid once
//         both ends have sent changes nothing (pf and OVS drop it whole);
//         a valid segment never moves its sender's seqlo backwards.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ovsxdp/conntrack/packet.h"
#include "ovsxdp/conntrack/tcp.h"
#include "ovsxdp/conntrack/timeouts.h"
#include "ovsxdp/flow/extract.h"

using namespace ovsxdp;

namespace {

void check(bool property) {
  if (!property) std::abort();
}

void fuzz_frame(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> frame(data, data + size);  // exactly sized: ASan sees any read past it
  const frame_bytes bytes{frame.data(), frame.data() + frame.size()};
  ovsxdp_flow_key key{};
  ovsxdp_packet_layout layout{};
  if (flow::extract(bytes, key, layout) != flow::extract_status::ok) return;
  conntrack::ct_packet a, b;
  const auto ra = conntrack::parse_packet(cursor(bytes), key, layout, 7, a);
  const auto rb = conntrack::parse_packet(cursor(bytes), key, layout, 7, b);
  check(ra == rb && std::memcmp(&a, &b, sizeof a) == 0);
  if (ra != conntrack::parse_result::ok) return;
  check(a.tuple.zone == 7);
  check(a.tuple.family == OVSXDP_CT_IPV4 || a.tuple.family == OVSXDP_CT_IPV6);
  if (a.related) {
    check(key.ip_proto == (a.tuple.family == OVSXDP_CT_IPV4 ? ip_proto::icmp : ip_proto::icmpv6));
  }
  if (a.tcp_options_length) {
    check(a.tcp_options_length <= conntrack::kTcpOptionsMax);
    u8 options[conntrack::kTcpOptionsMax] = {};
    check(a.tcp_options + a.tcp_options_length <= frame.size());
    std::memcpy(options, frame.data() + a.tcp_options, a.tcp_options_length);
    const u8 wscale = conntrack::tcp_wscale(options, a.tcp_options_length);
    check(wscale == 0 || ((wscale & OVSXDP_CT_WSCALE_FLAG) && (wscale & OVSXDP_CT_WSCALE_MASK) <= conntrack::kMaxWscale));
  }
}

std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void check_entry(const ovsxdp_ct_entry& e) {
  for (const auto& peer : e.tcp) check(peer.state <= OVSXDP_TCPS_TIME_WAIT);
  check(e.timeout < OVSXDP_CT_TM_COUNT);
}

void fuzz_script(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return;
  const std::uint32_t isn[2] = {load32(data), load32(data + 4)};
  data += 8;
  size -= 8;
  ovsxdp_ct_entry e{};
  bool open = false;
  for (; size >= 11; data += 11, size -= 11) {
    const bool reply = data[0] & 0x80;
    conntrack::tcp_segment s{};
    s.flags = data[0] & 0x3f;
    s.seq = isn[reply] + load32(data + 1) % 0x20000;  // near each end's own sequence space, so windows matter
    s.ack = isn[!reply] + load32(data + 5) % 0x20000;
    s.window = static_cast<std::uint16_t>(data[9] << 8 | data[9]);
    s.payload = data[10] * 8u;
    s.wscale = (data[0] & 0x40) ? static_cast<u8>(OVSXDP_CT_WSCALE_FLAG | (data[10] % 16 > conntrack::kMaxWscale ? conntrack::kMaxWscale : data[10] % 16)) : 0;
    if (!open) {
      if (reply || !conntrack::tcp_valid_new(s)) continue;  // nothing stored: the tracker marks it +new or +inv, no entry
      std::memset(&e, 0, sizeof e);
      conntrack::tcp_new(e, s);
      check_entry(e);
      open = true;
      continue;
    }
    const ovsxdp_ct_entry before = e;
    const auto u = conntrack::tcp_update(e, s, reply);
    check_entry(e);
    const auto& src_before = before.tcp[reply ? 1 : 0];
    const auto& src_after = e.tcp[reply ? 1 : 0];
    switch (u) {
      case conntrack::update::restart:
        check(e.tcp[0].state == OVSXDP_TCPS_CLOSED && e.tcp[1].state == OVSXDP_TCPS_CLOSED);
        open = false;  // the tracker deletes the entry; the SYN may open a new one
        break;
      case conntrack::update::invalid:
        if (before.tcp[0].state >= OVSXDP_TCPS_SYN_SENT && before.tcp[1].state >= OVSXDP_TCPS_SYN_SENT)
          check(std::memcmp(&before, &e, sizeof e) == 0);
        break;
      case conntrack::update::valid:
        if (src_before.state >= OVSXDP_TCPS_SYN_SENT) check(!conntrack::seq_gt(src_before.seqlo, src_after.seqlo));
        break;
      case conntrack::update::valid_new:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) fuzz_frame(data + 1, size - 1);
  else fuzz_script(data + 1, size - 1);
  return 0;
}
