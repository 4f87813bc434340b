#include "datapath/conntrack_format.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace ovsxdp {

namespace {

std::string protocol_name(std::uint8_t proto) {
  switch (proto) {
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmpv6";
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_SCTP: return "sctp";
    case IPPROTO_UDPLITE: return "udplite";
    case IPPROTO_DCCP: return "dccp";
    case IPPROTO_IGMP: return "igmp";
    default: return std::to_string(proto);
  }
}

std::string address(const std::uint8_t (&a)[16], std::uint8_t family) {
  char b[INET6_ADDRSTRLEN];
  inet_ntop(family == OVSXDP_CT_IPV4 ? AF_INET : AF_INET6, a, b, sizeof b);
  return b;
}

std::string tuple_text(const conntrack_tuple& t) {
  std::string s = "src=" + address(t.src, t.family) + ",dst=" + address(t.dst, t.family);
  if (t.proto == IPPROTO_ICMP || t.proto == IPPROTO_ICMPV6)
    s += ",id=" + std::to_string(t.icmp_id) + ",type=" + std::to_string(t.icmp_type) + ",code=" + std::to_string(t.icmp_code);
  else
    s += ",sport=" + std::to_string(t.src_port) + ",dport=" + std::to_string(t.dst_port);
  return s;
}

std::string counters_text(std::uint64_t packets, std::uint64_t bytes) {
  if (!packets && !bytes) return "";
  return ",packets=" + std::to_string(packets) + ",bytes=" + std::to_string(bytes);
}

// ",start=2026-12-05T06:10:00.123" in UTC, as OVS prints it (ds_put_strftime_msec, utc).
std::string start_text(std::uint64_t start_ns) {
  const time_t seconds = static_cast<time_t>(start_ns / 1000000000ULL);
  tm when{};
  gmtime_r(&seconds, &when);
  char b[48];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &when);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03u", static_cast<unsigned>(start_ns / 1000000ULL % 1000));
  return std::string(",start=") + b + ms;
}

std::string labels_hex(const std::uint8_t (&labels)[16]) {
  // Stored least significant byte first (OVS's ovs_u128); printed big-endian without leading zeros.
  std::string out;
  char b[8];
  for (int i = 15; i >= 0; i--) {
    if (!labels[i] && out.empty()) continue;
    std::snprintf(b, sizeof b, out.empty() ? "0x%x" : "%02x", labels[i]);
    out += b;
  }
  return out.empty() ? "0" : out;
}

constexpr std::array<const char*, 11> kTcpStates = {"CLOSED",     "LISTEN",     "SYN_SENT", "SYN_RECV",   "ESTABLISHED", "CLOSE_WAIT",
                                                    "FIN_WAIT_1", "CLOSING",    "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT"};

}  // namespace

std::uint8_t conntrack_tcp_state(const ovsxdp_ct_entry& e) {
  const std::uint8_t state = std::max(e.tcp[0].state, e.tcp[1].state);
  if (state == OVSXDP_TCPS_FIN_WAIT_2) return OVSXDP_TCPS_TIME_WAIT;
  if (state == OVSXDP_TCPS_SYN_RECV) return OVSXDP_TCPS_ESTABLISHED;
  return state;
}

const char* conntrack_tcp_state_name(std::uint8_t state) { return state < kTcpStates.size() ? kTcpStates[state] : "[unknown]"; }

std::string format_conntrack_entry(const conntrack_entry& c, bool stats) {
  const ovsxdp_ct_entry& e = c.state;
  std::string s = protocol_name(c.original.proto);
  s += ",orig=(" + tuple_text(original_tuple(c));
  if (stats) s += counters_text(e.packets[0], e.bytes[0]);
  s += "),reply=(" + tuple_text(reply_tuple(c));
  if (stats) s += counters_text(e.packets[1], e.bytes[1]);
  s += ")";
  if (stats) s += start_text(conntrack_start_realtime_ns(c));
  if (c.original.zone) s += ",zone=" + std::to_string(c.original.zone);
  if (stats) s += ",timeout=" + std::to_string(c.expires_in_ns / 1000000000ULL);
  if (e.mark) s += ",mark=" + std::to_string(e.mark);
  if (std::any_of(std::begin(e.labels), std::end(e.labels), [](std::uint8_t b) { return b != 0; })) s += ",labels=" + labels_hex(e.labels);
  if (c.original.proto == IPPROTO_TCP) s += ",protoinfo=(state=" + std::string(conntrack_tcp_state_name(conntrack_tcp_state(e))) + ")";
  return s;
}

std::string format_conntrack_stats(std::span<const conntrack_entry> entries, bool verbose) {
  std::size_t tcp = 0, udp = 0, udplite = 0, sctp = 0, icmp = 0, icmpv6 = 0, dccp = 0, igmp = 0, other = 0;
  std::array<std::size_t, kTcpStates.size()> per_state{};
  for (const auto& c : entries) {
    switch (c.original.proto) {
      case IPPROTO_TCP: {
        tcp++;
        const std::uint8_t state = conntrack_tcp_state(c.state);
        if (state < per_state.size()) per_state[state]++;
        break;
      }
      case IPPROTO_UDP: udp++; break;
      case IPPROTO_UDPLITE: udplite++; break;
      case IPPROTO_SCTP: sctp++; break;
      case IPPROTO_ICMP: icmp++; break;
      case IPPROTO_ICMPV6: icmpv6++; break;
      case IPPROTO_DCCP: dccp++; break;
      case IPPROTO_IGMP: igmp++; break;
      default: other++; break;
    }
  }
  std::string s = "Connections Stats:\n    Total: " + std::to_string(entries.size()) + "\n";
  auto line = [&](const char* name, std::size_t n) {
    if (n) s += std::string("  ") + name + ": " + std::to_string(n) + "\n";
  };
  line("TCP", tcp);
  if (tcp && verbose) {
    s += "    Conn per TCP states:\n";
    for (std::size_t i = 0; i < per_state.size(); i++)
      if (per_state[i]) s += std::string("\t  [") + kTcpStates[i] + "]=" + std::to_string(per_state[i]) + "\n";
  }
  line("UDP", udp);
  line("UDPLITE", udplite);
  line("SCTP", sctp);
  line("ICMP", icmp);
  line("ICMPv6", icmpv6);
  line("DCCP", dccp);
  line("IGMP", igmp);
  line("Other", other);
  return s;
}

}  // namespace ovsxdp
