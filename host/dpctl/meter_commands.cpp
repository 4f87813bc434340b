// Meters: add-meter, del-meter, dump-meters, in ovs-ofctl's meter syntax
// (one drop band).
#include <cstdio>
#include <iostream>

#include "dpctl/command.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::dpctl {
namespace {

constexpr const char* kMeterForm = "meter=ID,kbps|pktps[,burst][,stats],bands=type=drop,rate=N[,burst_size=N]";

// "meter=1,kbps,burst,bands=type=drop,rate=1000,burst_size=100"
meter_config parse_meter(const std::string& text) {
  meter_config c;
  bool have_id = false, have_rate = false, have_unit = false;
  std::optional<std::uint32_t> burst_size;
  bool burst_flag = false;
  c.stats = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    const std::size_t eq = item.find('=');
    const std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "meter") {
      c.id = static_cast<std::uint32_t>(parse_number("meter", value, 0xffffffffu));
      have_id = true;
    } else if (item == "kbps" || item == "pktps") {
      if (have_unit) throw usage_error("'" + excerpt(text) + "': give one of kbps and pktps");
      c.pktps = item == "pktps";
      have_unit = true;
    } else if (item == "burst") {
      burst_flag = true;
    } else if (item == "stats") {
      c.stats = true;
    } else if (key == "bands") {
      if (value != "type=drop") throw usage_error("'" + excerpt(item) + "': only one band of type=drop is supported");
    } else if (key == "type") {
      if (value != "drop") throw usage_error("'" + excerpt(item) + "': only drop bands are supported");
    } else if (key == "rate") {
      c.rate = static_cast<std::uint32_t>(parse_number("rate", value, 0xffffffffu));
      have_rate = true;
    } else if (key == "burst_size") {
      burst_size = static_cast<std::uint32_t>(parse_number("burst_size", value, 0xffffffffu));
    } else {
      throw usage_error("'" + excerpt(item) + "' in '" + excerpt(text) + "': expected " + kMeterForm);
    }
  }
  if (!have_id) throw usage_error("'" + excerpt(text) + "': missing meter=ID (" + kMeterForm + ")");
  if (!have_rate) throw usage_error("'" + excerpt(text) + "': missing the band's rate=N (" + kMeterForm + ")");
  if (!have_unit) c.pktps = false;  // OVS's default unit is kbps
  if (burst_size && !burst_flag) burst_flag = true;
  if (burst_flag) c.burst = burst_size.value_or(c.rate);
  return c;
}

std::string format_meter(const meter_entry& e) {
  std::string s = "meter=" + std::to_string(e.config.id) + (e.config.pktps ? " pktps" : " kbps");
  if (e.config.burst) s += " burst";
  if (e.config.stats) s += " stats";
  s += " bands=type=drop rate=" + std::to_string(e.config.rate);
  if (e.config.burst) s += " burst_size=" + std::to_string(*e.config.burst);
  char age[32];
  std::snprintf(age, sizeof age, "%.3fs", static_cast<double>(e.stats.age_ns) / 1e9);
  s += "\n  packets:" + std::to_string(e.stats.packets) + " bytes:" + std::to_string(e.stats.bytes) +
       " dropped:" + std::to_string(e.stats.band_packets) + " dropped_bytes:" + std::to_string(e.stats.band_bytes) + " duration:" + age;
  return s;
}

// [DP] ARGUMENT: the datapath is optional when one argument is enough.
std::pair<std::optional<std::string>, std::string> dp_and_argument(const std::vector<std::string>& args, const char* argument) {
  if (args.size() == 1) return {std::nullopt, args[0]};
  if (args.size() == 2) return {args[0], args[1]};
  throw usage_error(std::string("expected ") + argument + " after the optional datapath, got " + std::to_string(args.size()) + " arguments");
}

}  // namespace

int add_meter(const std::vector<std::string>& args) {
  auto [name, text] = dp_and_argument(args, "one meter specification");
  const meter_config c = parse_meter(text);
  datapath dp = open_datapath(name);
  dp.set_meter(c);
  return 0;
}

int del_meter(const std::vector<std::string>& args) {
  auto [name, text] = dp_and_argument(args, "one meter ID");
  const std::string id_text = text.rfind("meter=", 0) == 0 ? text.substr(6) : text;
  const auto id = static_cast<std::uint32_t>(parse_number("meter id", id_text, 0xffffffffu));
  datapath dp = open_datapath(name);
  if (!dp.delete_meter(id)) throw error("delete meter", std::to_string(id), "no such meter in datapath " + dp.name(), "dump-meters lists them");
  return 0;
}

int dump_meters(const std::vector<std::string>& args) {
  if (args.size() > 1) throw usage_error("expected at most a datapath, got " + std::to_string(args.size()) + " arguments");
  datapath dp = open_datapath(args.empty() ? std::nullopt : std::optional<std::string>(args[0]));
  for (const auto& e : dp.dump_meters()) std::cout << format_meter(e) << "\n";
  return 0;
}

}  // namespace ovsxdp::dpctl
