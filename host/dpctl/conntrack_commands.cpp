// Conntrack: dump-conntrack, flush-conntrack, ct-stats-show and
// ct-get-maxconns, with ovs-dpctl's arguments and output.
#include <iostream>

#include "datapath/conntrack_format.hpp"
#include "datapath/conntrack_match.hpp"
#include "dpctl/command.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::dpctl {
namespace {

struct conntrack_args {
  std::optional<std::string> datapath;
  std::optional<std::uint16_t> zone;
  bool stats = false;    // -s
  bool verbose = false;  // -m / verbose
  std::vector<std::string> tuples;  // flush-conntrack: original, then reply
};

// [-s] [-m] [DP] [zone=N] in any order, as ovs-dpctl accepts them, and for
// flush-conntrack up to two tuples after them (an argument with '=').
conntrack_args parse_conntrack_args(const std::vector<std::string>& args, bool allow_stats, bool allow_verbose,
                                    bool allow_tuples = false) {
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
    } else if (a.find('=') != std::string::npos || (allow_tuples && a.empty())) {  // "" is an empty original tuple, as in OVS
      if (!allow_tuples) throw usage_error("'" + excerpt(a) + "': only flush-conntrack selects connections by tuple; give zone=N or nothing (all)");
      if (out.tuples.size() == 2) throw usage_error("'" + excerpt(a) + "': at most two tuples (original, then reply)");
      out.tuples.push_back(a);
    } else if (!out.tuples.empty()) {
      throw usage_error("'" + excerpt(a) + "': the datapath name goes before the tuples");
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
  const conntrack_args a = parse_conntrack_args(args, false, false, true);
  conntrack_match match;
  for (std::size_t i = 0; i < a.tuples.size(); i++) {
    try {
      parse_conntrack_tuple(a.tuples[i], i == 1, match);
    } catch (const std::invalid_argument& e) {
      throw usage_error(std::string(i ? "reply" : "original") + " tuple '" + excerpt(a.tuples[i]) + "': " + e.what());
    }
  }
  datapath dp = open_datapath(a.datapath);
  std::size_t removed = 0;
  try {
    removed = flush_conntrack_matching(dp, a.zone, match);
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  if (!removed && match.names_one_connection())
    throw error("flush conntrack", "zone " + std::to_string(a.zone.value_or(0)), "no connection has this tuple as its original or reply direction",
                "dump-conntrack lists them; give the tuple before NAT");
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
