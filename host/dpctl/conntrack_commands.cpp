// Conntrack: dump-conntrack, flush-conntrack, ct-stats-show and
// ct-get-maxconns, with ovs-dpctl's arguments and output.
#include <iostream>

#include "datapath/conntrack_format.hpp"
#include "dpctl/command.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::dpctl {
namespace {

struct conntrack_args {
  std::optional<std::string> datapath;
  std::optional<std::uint16_t> zone;
  bool stats = false;    // -s
  bool verbose = false;  // -m / verbose
};

// [-s] [-m] [DP] [zone=N] in any order, as ovs-dpctl accepts them.
conntrack_args parse_conntrack_args(const std::vector<std::string>& args, bool allow_stats, bool allow_verbose) {
  conntrack_args out;
  for (const auto& a : args) {
    if (allow_stats && (a == "-s" || a == "--statistics")) {
      out.stats = true;
    } else if (allow_verbose && (a == "-m" || a == "--more" || a == "verbose")) {
      out.verbose = true;
    } else if (a.rfind("zone=", 0) == 0) {
      if (out.zone) throw usage_error("zone= given twice");
      out.zone = static_cast<std::uint16_t>(parse_number("zone", a.substr(5), 0xffff));
    } else if (!a.empty() && a[0] == '-') {
      throw usage_error("unknown option '" + excerpt(a) + "'");
    } else if (a.find('=') != std::string::npos) {
      throw usage_error("'" + excerpt(a) + "': selecting connections by their tuple is not supported yet; give zone=N or nothing (all)");
    } else if (!out.datapath) {
      out.datapath = a;
    } else {
      throw usage_error("unexpected argument '" + excerpt(a) + "'");
    }
  }
  return out;
}

}  // namespace

int dump_conntrack(const std::vector<std::string>& args) {
  const conntrack_args a = parse_conntrack_args(args, true, true);
  datapath dp = open_datapath(a.datapath);
  for (const auto& c : dp.dump_conntrack(a.zone)) std::cout << format_conntrack_entry(c, a.stats) << "\n";
  return 0;
}

int flush_conntrack(const std::vector<std::string>& args) {
  const conntrack_args a = parse_conntrack_args(args, false, false);
  datapath dp = open_datapath(a.datapath);
  dp.flush_conntrack(a.zone);
  return 0;
}

int ct_stats_show(const std::vector<std::string>& args) {
  const conntrack_args a = parse_conntrack_args(args, false, true);
  datapath dp = open_datapath(a.datapath);
  const auto entries = dp.dump_conntrack(a.zone);
  std::cout << format_conntrack_stats(entries, a.verbose);
  return 0;
}

int ct_get_maxconns(const std::vector<std::string>& args) {
  const conntrack_args a = parse_conntrack_args(args, false, false);
  if (a.zone) throw usage_error("ct-get-maxconns takes no zone");
  datapath dp = open_datapath(a.datapath);
  std::cout << dp.max_conns() << "\n";
  return 0;
}

}  // namespace ovsxdp::dpctl
