// `ovsxdp-dpctl trace`: one packet through the flows, with the trace variant
// of the datapath program, printing what the real program would send.
//
// Output (other programs parse it; keep it exact), one line per emitted
// packet in emission order, then the verdict:
//   output:PORT HEX          a packet sent to PORT (lowercase hex, no spaces)
//   upcall:REASON HEX        a packet sent to userspace; REASON miss or action
//   verdict: drop|pass|output
#include <linux/bpf.h>

#include <cctype>
#include <iostream>
#include <set>

#include "datapath/flow_text.hpp"
#include "dpctl/command.hpp"
#include "runtime/error.hpp"
#include "runtime/private_namespace.hpp"

namespace ovsxdp::dpctl {
namespace {

std::vector<std::uint8_t> parse_hex(const std::string& text) {
  std::string digits;
  std::size_t start = 0;
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) start = 2;
  for (std::size_t i = start; i < text.size(); i++) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      throw odp::syntax_error("packet", text, i + 1, std::string("'") + c + "' is not a hex digit", "the frame as hex digits, from the Ethernet header");
    digits += c;
  }
  if (digits.size() % 2) throw odp::syntax_error("packet", text, text.size() + 1, "odd number of hex digits", "two hex digits per byte");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < digits.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  if (out.size() < 14)
    throw odp::syntax_error("packet", text, 1, std::to_string(out.size()) + "-byte frame: XDP never receives frames shorter than an Ethernet header",
                            "at least 14 bytes");
  return out;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

void print(const trace_result& r) {
  for (const auto& e : r.events) {
    if (e.kind == OVSXDP_TRACE_OUTPUT) std::cout << "output:" << e.port << " " << hex(e.packet) << "\n";
    else std::cout << "upcall:" << (e.port == OVSXDP_UPCALL_MISS ? "miss" : "action") << " " << hex(e.packet) << "\n";
  }
  const char* verdict = r.verdict == XDP_REDIRECT ? "output" : r.verdict == XDP_PASS ? "pass" : r.verdict == XDP_DROP ? "drop" : nullptr;
  if (!verdict) throw error("trace packet", "", std::string("the trace program returned XDP action ") + std::to_string(r.verdict));
  std::cout << "verdict: " << verdict << "\n";
}

void collect_ports(const action_list& actions, std::set<std::uint32_t>& ports) {
  for (const auto& a : actions) {
    if (const auto* o = std::get_if<act::output>(&a.base())) ports.insert(o->port);
    if (const auto* d = std::get_if<act::dec_ttl>(&a.base())) collect_ports(d->le_1, ports);
    if (const auto* c = std::get_if<act::clone>(&a.base())) collect_ports(c->actions, ports);
    if (const auto* s = std::get_if<act::sample>(&a.base())) collect_ports(s->actions, ports);
    if (const auto* k = std::get_if<act::check_pkt_len>(&a.base())) {
      collect_ports(k->gt, ports);
      collect_ports(k->le, ports);
    }
  }
}

// A datapath of its own, in a network namespace and bpffs of its own, with a
// port for every port number the flows mention: nothing outlives the command.
int trace_with_flows(const std::string& file, const std::string& in_port_text, const std::string& packet_text) {
  // Everything the user wrote is checked before anything is created.
  const auto flows = read_flow_file(file);
  const auto in_port = static_cast<std::uint32_t>(parse_number("IN_PORT", in_port_text, 0xfffffffeu));
  const auto packet = parse_hex(packet_text);
  std::set<std::uint32_t> ports{in_port};
  for (const auto& f : flows) {
    if (f.flow.mask.in_port) ports.insert(f.flow.key.in_port);
    collect_ports(f.flow.actions, ports);
  }
  if (ports.count(0)) throw error("trace", file, "port number 0 is not a valid datapath port here", "number ports from 1");

  private_namespace ns = private_namespace::enter("trace");
  datapath_options o;
  o.name = "trace";
  o.bpffs = ns.bpffs();
  o.run_dir = ns.run_dir();
  o.max_flows = std::max<std::uint32_t>(1024, static_cast<std::uint32_t>(flows.size()));
  o.max_action_sets = o.max_flows;
  o.max_ports = std::max<std::uint32_t>(64, static_cast<std::uint32_t>(ports.size()));
  o.upcall_ring_bytes = 1u << 16;
  datapath dp = datapath::create(o);
  for (std::uint32_t p : ports) {
    const std::string name = "p" + std::to_string(p);
    ns.veth(name, name + "x");
    dp.add_port(name, p, xdp_attach::none);
  }
  for (const auto& f : flows) {
    try {
      dp.add_flow(f.flow);
    } catch (const invalid_flow& e) {
      throw invalid_flow("install flow from", file + ":" + std::to_string(f.line), e.reason(), e.remedy());
    } catch (const error& e) {
      throw error("install flow from", file + ":" + std::to_string(f.line), e.reason(), e.remedy());
    }
  }
  print(dp.trace(in_port, packet));
  datapath::destroy(o.name, datapath_location{ns.bpffs(), ns.run_dir()});
  return 0;
}

}  // namespace

int trace(const std::vector<std::string>& args) {
  if (args.size() == 4 && args[0] == "--flows") return trace_with_flows(args[1], args[2], args[3]);
  if (args.size() != 3) throw usage_error("expected DP IN_PORT PACKET_HEX, or --flows FILE IN_PORT PACKET_HEX");
  const auto packet = parse_hex(args[2]);
  datapath dp = open_datapath(args[0]);
  std::uint32_t in_port = 0;
  if (auto p = dp.port_by_name(args[1])) in_port = p->port_no;
  else in_port = static_cast<std::uint32_t>(parse_number("IN_PORT", args[1], 0xfffffffeu));
  if (!dp.port(in_port))
    throw error("trace a packet arriving on port", args[1], "no such port in datapath " + dp.name(), "ovsxdp-dpctl show " + dp.name() + " lists its ports");
  print(dp.trace(in_port, packet));
  return 0;
}

}  // namespace ovsxdp::dpctl
