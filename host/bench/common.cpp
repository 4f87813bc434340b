#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "bench/bench.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::bench {

common_options take_common_options(std::vector<std::string>& args) {
  common_options o;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); i++) {
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (args[i] == "--rounds") o.rounds = static_cast<std::uint32_t>(parse_number("--rounds", value(), 1, 1000));
    else if (args[i] == "--json") o.json_path = value();
    else if (args[i] == "--only") o.only = value();
    else rest.push_back(args[i]);
  }
  args = rest;
  return o;
}

std::string machine_description() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) model = line.substr(line.find_first_not_of(" \t", colon + 1));
    break;
  }
  utsname u{};
  uname(&u);
  std::ostringstream out;
  out << model << ", " << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs, " << sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) / (1024 * 1024 * 1024)
      << " GiB, Linux " << u.release;
  return out.str();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t i = std::min(values.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size())));
  return values[i];
}

namespace {
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

void write_json(const std::string& path, const std::string& section, const std::vector<std::pair<std::string, double>>& figures) {
  std::ofstream out(path);
  if (!out) throw system_error("write JSON results to", path, errno);
  out << "{\"machine\": " << json_string(machine_description()) << ", " << json_string(section) << ": {";
  for (std::size_t i = 0; i < figures.size(); i++)
    out << (i ? ", " : "") << json_string(figures[i].first) << ": " << std::setprecision(6) << figures[i].second;
  out << "}}\n";
  if (!out) throw system_error("write JSON results to", path, errno);
}

std::string fixed(double v, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << v;
  return out.str();
}

}  // namespace ovsxdp::bench
