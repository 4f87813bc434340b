// ovsxdp-dpctl subcommands: each is a function over its arguments. Usage
// errors throw usage_error and malformed flows odp::syntax_error (exit 2);
// runtime failures throw ovsxdp::error (exit 1).
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "datapath/datapath.hpp"
#include "odp/flow_parse.hpp"

namespace ovsxdp::dpctl {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct command {
  std::string name;
  std::string synopsis;  // "parse-pcap FILE [--in-port N]"
  std::string summary;   // one line
  std::function<int(const std::vector<std::string>& args)> run;
};

const std::vector<command>& commands();

// Where datapaths live: --bpffs/--run-dir, or OVSXDP_BPFFS/OVSXDP_RUN_DIR, or
// /sys/fs/bpf and /run/ovsxdp.
datapath_location& location();

// "NAME" or "xdp@NAME" -> "NAME".
std::string datapath_name(const std::string& text);
// The datapath named `name`; with no name, the only one there is.
datapath open_datapath(const std::optional<std::string>& name);
// in_port(NAME) and output to NAME resolve through the datapath's ports.
odp::port_resolver port_names(const datapath& dp);

// Parses an unsigned decimal/0x-hex argument of `option`; throws usage_error.
unsigned long long parse_number(const std::string& option, const std::string& text, unsigned long long max);

int parse_pcap(const std::vector<std::string>& args);
int add_dp(const std::vector<std::string>& args);
int del_dp(const std::vector<std::string>& args);
int show(const std::vector<std::string>& args);
int add_if(const std::vector<std::string>& args);
int del_if(const std::vector<std::string>& args);
int add_flow(const std::vector<std::string>& args);
int add_flows(const std::vector<std::string>& args);
int mod_flow(const std::vector<std::string>& args);
int del_flow(const std::vector<std::string>& args);
int del_flows(const std::vector<std::string>& args);
int get_flow(const std::vector<std::string>& args);
int dump_flows(const std::vector<std::string>& args);
int trace(const std::vector<std::string>& args);
int add_meter(const std::vector<std::string>& args);
int del_meter(const std::vector<std::string>& args);
int dump_meters(const std::vector<std::string>& args);
int dump_conntrack(const std::vector<std::string>& args);
int flush_conntrack(const std::vector<std::string>& args);
int ct_stats_show(const std::vector<std::string>& args);
int ct_get_maxconns(const std::vector<std::string>& args);

}  // namespace ovsxdp::dpctl
