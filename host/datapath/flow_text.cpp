#include "datapath/flow_text.hpp"

#include <time.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "odp/key_format.hpp"
#include "runtime/error.hpp"

namespace ovsxdp {

flow_spec flow_from_text(std::string_view key, std::string_view actions, const odp::port_resolver& ports) {
  odp::parsed_key k = odp::parse_key(key, ports);
  flow_spec spec;
  spec.key = k.key;
  spec.mask = k.mask;
  spec.ufid = k.ufid;
  spec.attributes = k.attributes;
  spec.actions = odp::parse_actions(actions, ports);
  return spec;
}

flow_match exact_match(const ovsxdp_flow_key& key) {
  // The printer knows which attributes a key has; the parser turns exactly
  // those into all-ones masks. One schema, so the two always agree.
  const odp::parsed_key parsed = odp::parse_key(odp::format_key(key, nullptr));
  return {parsed.key, parsed.mask};
}

std::string format_tcp_flags_compact(unsigned flags) {
  std::string out;
  const std::pair<unsigned, const char*> names[] = {{0x002, "S"}, {0x001, "F"}, {0x008, "P"}, {0x004, "R"}, {0x020, "U"},
                                                    {0x010, "."}, {0x040, "E"}, {0x080, "C"}, {0x100, "N"}, {0x200, "[200]"},
                                                    {0x400, "[400]"}, {0x800, "[800]"}};
  for (const auto& [bit, name] : names)
    if (flags & bit) out += name;
  return out.empty() ? "none" : out;
}

namespace {
std::uint64_t coarse_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

std::string format_flow_stats(const flow_stats& stats, std::uint64_t now_ns) {
  std::string out = "packets:" + std::to_string(stats.packets) + ", bytes:" + std::to_string(stats.bytes) + ", used:";
  if (stats.used_ns) {
    const std::uint64_t ago = now_ns > stats.used_ns ? now_ns - stats.used_ns : 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ago / 1000000) / 1000.0);  // OVS: milliseconds / 1000
    out += buf;
  } else {
    out += "never";
  }
  if (stats.tcp_flags) out += ", flags:" + format_tcp_flags_compact(stats.tcp_flags);
  return out;
}

std::string format_flow(const flow_entry& flow, const flow_format_options& options) {
  std::string out;
  if (options.verbose) out += odp::format_ufid(flow.ufid) + ", ";
  odp::key_format_options key_options;
  key_options.verbose = options.verbose;
  out += odp::format_key(flow.key, &flow.mask, key_options);
  out += ", " + format_flow_stats(flow.stats, options.now_ns ? options.now_ns : coarse_now());
  out += ", actions:" + odp::format_actions(flow.actions);
  return out;
}

std::optional<flow_text> split_flow_line(std::string_view line) {
  auto trim = [](std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return std::string_view{};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
  };
  line = trim(line);
  if (line.empty() || line[0] == '#') return std::nullopt;
  // A dump-flows line: "[ufid:..., ]KEY, packets:..., actions:ACTIONS".
  const auto actions_at = line.find(", actions:");
  const auto stats_at = line.find(", packets:");
  if (actions_at != std::string_view::npos && stats_at != std::string_view::npos && stats_at < actions_at) {
    std::string key(trim(line.substr(0, stats_at)));
    if (key.rfind("ufid:", 0) == 0) {
      // "ufid:UUID, KEY" -> "ufid:UUID,KEY" (the form add-flow takes)
      const auto comma = key.find(',');
      if (comma != std::string::npos) key = key.substr(0, comma + 1) + std::string(trim(std::string_view(key).substr(comma + 1)));
    }
    // Open vSwitch's userspace datapath appends ", dp-extra-info:..." after the actions.
    std::string_view actions = line.substr(actions_at + 10);
    if (const auto extra = actions.find(", dp-extra-info:"); extra != std::string_view::npos) actions = actions.substr(0, extra);
    return flow_text{key, std::string(trim(actions))};
  }
  // "KEY ACTIONS": the key has no whitespace outside parentheses.
  int depth = 0;
  std::size_t split = std::string_view::npos;
  for (std::size_t i = 0; i < line.size(); i++) {
    const char c = line[i];
    if (c == '(') depth++;
    else if (c == ')') depth--;
    else if ((c == ' ' || c == '\t') && depth == 0) {
      split = i;
      break;
    }
  }
  if (split == std::string_view::npos)
    throw odp::syntax_error("flow line", line, line.size() + 1, "a flow line needs a key and actions", "KEY ACTIONS, as the two arguments of dpctl/add-flow");
  return flow_text{std::string(line.substr(0, split)), std::string(trim(line.substr(split)))};
}

std::string flow_file_name(const std::string& path) { return path == "-" ? "stdin" : path; }

std::vector<flow_file_entry> read_flow_file(const std::string& path, const odp::port_resolver& ports) {
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) throw system_error("read flow file", path, errno, "give the path of a file with one flow per line: KEY ACTIONS, or - for standard input");
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::vector<flow_file_entry> out;
  std::string line;
  for (unsigned number = 1; std::getline(in, line); number++) {
    try {
      const auto text = split_flow_line(line);
      if (!text) continue;
      out.push_back({number, flow_from_text(text->key, text->actions, ports)});
    } catch (const odp::syntax_error& e) {
      throw odp::syntax_error(flow_file_name(path) + ":" + std::to_string(number) + ": " + e.what_text(), e.input(), e.column(), e.message(), e.expected());
    }
  }
  return out;
}

bool flow_matches_filter(const flow_entry& flow, const odp::parsed_key& filter) {
  const auto* key = reinterpret_cast<const std::uint8_t*>(&flow.key);
  const auto* want = reinterpret_cast<const std::uint8_t*>(&filter.key);
  const auto* mask = reinterpret_cast<const std::uint8_t*>(&filter.mask);
  for (std::size_t i = 0; i < sizeof(ovsxdp_flow_key); i++)
    if ((key[i] ^ want[i]) & mask[i]) return false;
  return true;
}

}  // namespace ovsxdp
