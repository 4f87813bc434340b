// Flows: add-flow, add-flows, mod-flow, del-flow, del-flows, get-flow,
// dump-flows. Flows and actions are OVS datapath flow text; dumps print the
// way ovs-dpctl prints them, in a form add-flow reads back.
#include <sys/stat.h>

#include <iostream>

#include "datapath/flow_text.hpp"
#include "odp/key_format.hpp"
#include "dpctl/command.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::dpctl {
namespace {

// Splits options (starting with '-') from positional arguments, checking
// options against `known`.
struct split_args {
  std::vector<std::string> options, positional;
};
split_args split(const std::vector<std::string>& args, std::initializer_list<const char*> known) {
  split_args out;
  for (const auto& a : args) {
    if (a.size() > 1 && a[0] == '-' && a.find('(') == std::string::npos) {
      bool ok = false;
      for (const char* k : known) ok = ok || a == k;
      if (!ok) throw usage_error("unknown option '" + excerpt(a) + "'");
      out.options.push_back(a);
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

bool has(const split_args& a, const char* option) {
  for (const auto& o : a.options)
    if (o == option) return true;
  return false;
}

// The datapath argument is present when there is one positional argument
// more than the command needs (ovs-dpctl's rule).
std::optional<std::string> dp_argument(const split_args& a, std::size_t needed) {
  if (a.positional.size() == needed + 1) return a.positional[0];
  if (a.positional.size() != needed) throw usage_error("expected " + std::to_string(needed) + " arguments after the optional datapath, got " +
                                                       std::to_string(a.positional.size()));
  return std::nullopt;
}

// FLOW names a flow by "ufid:..." (alone, or in front of a key) or by its match.
flow_selector selector(const std::string& text, const datapath& dp) {
  const odp::parsed_key k = text.rfind("ufid:", 0) == 0 && text.size() <= 41 ? odp::parsed_key{.ufid = odp::parse_ufid(text)}
                                                                             : odp::parse_key(text, port_names(dp));
  if (k.ufid) return *k.ufid;
  return flow_match{k.key, k.mask};
}

// How an error names the flow: its UFID, or its match as OVS prints it.
std::string describe(const flow_selector& sel) {
  if (const auto* u = std::get_if<ovsxdp_ufid>(&sel)) return odp::format_ufid(*u);
  const auto& m = std::get<flow_match>(sel);
  ovsxdp_flow_key masked = m.key;
  auto* k = reinterpret_cast<std::uint8_t*>(&masked);
  const auto* mb = reinterpret_cast<const std::uint8_t*>(&m.mask);
  for (std::size_t i = 0; i < sizeof masked; i++) k[i] &= mb[i];
  return odp::format_key(masked, &m.mask);
}

// Linux installs outputs to any port number and drops what is sent there;
// say so once per such port, so a typo does not pass unnoticed.
void note_missing_ports(const datapath& dp, const action_list& actions) {
  for (std::uint32_t port : output_ports(actions))
    if (!dp.port(port))
      std::cerr << "note: output port " << port << " is not in datapath " << dp.name()
                << "; packets sent there are dropped and counted as drop_no_port\n";
}

}  // namespace

int add_flow(const std::vector<std::string>& args) {
  const split_args a = split(args, {});
  const auto dp_name = dp_argument(a, 2);
  const std::string& key = a.positional[a.positional.size() - 2];
  const std::string& actions = a.positional.back();
  datapath dp = open_datapath(dp_name);
  const flow_spec spec = flow_from_text(key, actions, port_names(dp));
  dp.add_flow(spec);
  note_missing_ports(dp, spec.actions);
  return 0;
}

int add_flows(const std::vector<std::string>& args) {
  const split_args a = split(args, {});
  const auto dp_name = dp_argument(a, 1);
  datapath dp = open_datapath(dp_name);
  const std::string& file = a.positional.back();
  const auto entries = read_flow_file(file, port_names(dp));
  std::vector<flow_spec> specs;
  specs.reserve(entries.size());
  for (const auto& e : entries) specs.push_back(e.flow);
  std::size_t refused = 0;
  // All or nothing: on a refusal the batch's flows are removed again, and the
  // message names the refused flow's line.
  auto where = [&] { return flow_file_name(file) + ":" + std::to_string(entries[refused].line); };
  const std::string none = "; none of the " + std::to_string(entries.size()) + " flows of " + flow_file_name(file) + " were installed";
  try {
    dp.add_flows(specs, &refused);
  } catch (const invalid_flow& e) {
    throw invalid_flow("install the flow at", where(), e.reason() + none, e.remedy());
  } catch (const error& e) {
    throw error("install the flow at", where(), e.reason() + none, e.remedy());
  }
  return 0;
}

int mod_flow(const std::vector<std::string>& args) {
  const split_args a = split(args, {"--clear", "--may-create", "-s", "--statistics"});
  const auto dp_name = dp_argument(a, 2);
  datapath dp = open_datapath(dp_name);
  const flow_spec spec = flow_from_text(a.positional[a.positional.size() - 2], a.positional.back(), port_names(dp));
  const flow_selector sel = spec.ufid ? flow_selector{*spec.ufid} : flow_selector{flow_match{spec.key, spec.mask}};
  if (!dp.get_flow(sel)) {
    if (!has(a, "--may-create")) throw error("modify flow", describe(sel), "no such flow in datapath " + dp.name(), "add it with add-flow, or use --may-create");
    dp.add_flow(spec);
    note_missing_ports(dp, spec.actions);
    return 0;
  }
  dp.modify_flow(sel, spec.actions, has(a, "--clear"));
  note_missing_ports(dp, spec.actions);
  return 0;
}

int del_flow(const std::vector<std::string>& args) {
  const split_args a = split(args, {});
  const auto dp_name = dp_argument(a, 1);
  datapath dp = open_datapath(dp_name);
  const flow_selector sel = selector(a.positional.back(), dp);
  if (!dp.delete_flow(sel)) throw error("delete flow", describe(sel), "no such flow in datapath " + dp.name(), "dump-flows -m shows flows with their UFIDs");
  return 0;
}

int del_flows(const std::vector<std::string>& args) {
  const split_args a = split(args, {});
  if (a.positional.size() > 2) throw usage_error("expected at most a datapath and a file");
  std::optional<std::string> dp_name, file;
  if (a.positional.size() == 2) {
    dp_name = a.positional[0];
    file = a.positional[1];
  } else if (a.positional.size() == 1) {
    // A datapath by that name, else a file of flows.
    if (datapath::exists(datapath_name(a.positional[0]), location())) dp_name = a.positional[0];
    else file = a.positional[0];
  }
  datapath dp = open_datapath(dp_name);
  if (!file) {
    dp.flush();
    return 0;
  }
  std::vector<flow_selector> sels;
  for (const auto& e : read_flow_file(*file, port_names(dp)))
    sels.push_back(e.flow.ufid ? flow_selector{*e.flow.ufid} : flow_selector{flow_match{e.flow.key, e.flow.mask}});
  const std::size_t deleted = dp.delete_flows(sels);
  if (deleted != sels.size())
    throw error("delete flows listed in", *file, std::to_string(sels.size() - deleted) + " of its " + std::to_string(sels.size()) +
                                                      " flows were not in datapath " + dp.name() + " (the others were deleted)");
  return 0;
}

int get_flow(const std::vector<std::string>& args) {
  const split_args a = split(args, {"-m", "--more"});
  const auto dp_name = dp_argument(a, 1);
  datapath dp = open_datapath(dp_name);
  const flow_selector sel = selector(a.positional.back(), dp);
  const auto flow = dp.get_flow(sel);
  if (!flow) throw error("get flow", describe(sel), "no such flow in datapath " + dp.name());
  std::cout << format_flow(*flow, {.verbose = has(a, "-m") || has(a, "--more")}) << "\n";
  return 0;
}

int dump_flows(const std::vector<std::string>& args) {
  const split_args a = split(args, {"-m", "--more"});
  std::optional<std::string> dp_name;
  std::optional<odp::parsed_key> filter;
  std::string filter_text;
  for (const auto& p : a.positional) {
    if (p.rfind("filter=", 0) == 0) filter_text = p.substr(7);
    else if (!dp_name && p.find('(') == std::string::npos) dp_name = p;
    else if (filter_text.empty()) filter_text = p;
    else throw usage_error("unexpected argument '" + excerpt(p) + "'");
  }
  datapath dp = open_datapath(dp_name);
  if (!filter_text.empty()) filter = odp::parse_key_filter(filter_text, port_names(dp));
  const flow_format_options format{.verbose = has(a, "-m") || has(a, "--more")};
  for (const auto& f : dp.dump_flows())
    if (!filter || flow_matches_filter(f, *filter)) std::cout << format_flow(f, format) << "\n";
  return 0;
}

}  // namespace ovsxdp::dpctl
