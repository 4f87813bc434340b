// Datapaths and ports: add-dp, del-dp, show, add-if, del-if.
#include <net/if.h>

#include <cstdio>
#include <iostream>

#include "datapath/loop_device.hpp"
#include "dpctl/command.hpp"
#include "runtime/environment.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::dpctl {

std::string datapath_name(const std::string& text) { return text.rfind("xdp@", 0) == 0 ? text.substr(4) : text; }

datapath open_datapath(const std::optional<std::string>& name) {
  if (name) return datapath::open(datapath_name(*name), location());
  const auto all = datapath::list(location());
  if (all.empty()) throw error("find a datapath", "", "no datapath exists", "create one: ovsxdp-dpctl add-dp NAME");
  if (all.size() > 1) {
    std::string names;
    for (const auto& n : all) names += (names.empty() ? "" : ", ") + n;
    throw usage_error("several datapaths exist (" + names + "): name one");
  }
  return datapath::open(all.front(), location());
}

odp::port_resolver port_names(const datapath& dp) {
  return [&dp](std::string_view name) -> std::optional<std::uint32_t> {
    if (auto p = dp.port_by_name(std::string(name))) return p->port_no;
    return std::nullopt;
  };
}

namespace {

struct interface_spec {
  std::string name;
  std::optional<std::uint32_t> port_no;
  xdp_attach attach = xdp_attach::native_or_generic;
};

// "IFACE[,port_no=N][,mode=native|generic]" (ovs-dpctl's IFACE[,OPTIONS]).
interface_spec parse_interface(const std::string& text) {
  interface_spec out;
  std::size_t comma = text.find(',');
  out.name = text.substr(0, comma);
  if (out.name.empty()) throw usage_error("'" + excerpt(text) + "': missing interface name");
  while (comma != std::string::npos) {
    const std::size_t next = text.find(',', comma + 1);
    const std::string option = text.substr(comma + 1, next == std::string::npos ? std::string::npos : next - comma - 1);
    const std::size_t eq = option.find('=');
    const std::string key = option.substr(0, eq), value = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (key == "port_no") {
      out.port_no = static_cast<std::uint32_t>(parse_number("port_no", value, 0xfffffffeu));
    } else if (key == "mode") {
      if (value == "native") out.attach = xdp_attach::native;
      else if (value == "generic") out.attach = xdp_attach::generic;
      else if (value == "auto") out.attach = xdp_attach::native_or_generic;
      else throw usage_error("mode=" + excerpt(value) + ": expected native, generic or auto");
    } else {
      throw usage_error("'" + excerpt(option) + "' in '" + excerpt(text) + "': expected port_no=N or mode=native|generic|auto");
    }
    comma = next;
  }
  return out;
}

const char* mode_name(ovsxdp_xdp_mode mode) {
  switch (mode) {
    case OVSXDP_XDP_NATIVE: return "native";
    case OVSXDP_XDP_GENERIC: return "generic";
    default: return "none";
  }
}

// show marks a port whose interface went away (deleted, moved to another
// network namespace) or was renamed since it was added.
std::string interface_state(const port_info& p) {
  char name[IF_NAMESIZE] = {};
  if (!if_indextoname(p.ifindex, name)) return ", interface gone from this network namespace";
  if (p.name != name) return std::string(", interface now named ") + name;
  return {};
}

// ovs-dpctl's print_human_size: " (1.5 KiB)" from 1024 bytes on.
std::string human_size(std::uint64_t bytes) {
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return {};
  double value = static_cast<double>(bytes) / 1024.0;
  unsigned unit = 0;
  while (unit + 1 < std::size(units) && value >= 1024.0) {
    value /= 1024.0;
    unit++;
  }
  char text[48];
  std::snprintf(text, sizeof text, " (%.1f %s)", value, units[unit]);
  return text;
}

// ovs-dpctl show -s's per-port lines, with what the datapath measures
// ("?" for what it does not), then the TX drops by reason.
void print_port_stats(const port_statistics& s) {
  std::cout << "    RX packets:" << s.rx_packets << " errors:? dropped:? overruns:? frame:?\n";
  std::cout << "    TX packets:" << s.tx_packets << " errors:? dropped:" << s.tx_dropped() << " aborted:? carrier:?\n";
  std::cout << "    collisions:?\n";
  std::cout << "    RX bytes:" << s.rx_bytes << human_size(s.rx_bytes) << "  TX bytes:" << s.tx_bytes << human_size(s.tx_bytes) << "\n";
  std::cout << "    TX drops: mtu:" << s.tx_drop_mtu << " down:" << s.tx_drop_down << " refused:" << s.tx_drop_refused << " other:" << s.tx_drop_other
            << "\n";
}

void add_interfaces(datapath& dp, const std::vector<interface_spec>& interfaces, bool force) {
  for (const auto& i : interfaces) {
    const port_info p = dp.add_port(i.name, i.port_no, i.attach, force);
    if (!p.note.empty()) std::cerr << "ovsxdp-dpctl: " << i.name << ": " << p.note << "\n";
  }
}

}  // namespace

int add_dp(const std::vector<std::string>& args) {
  datapath_options o;
  std::optional<std::string> name;
  std::vector<interface_spec> interfaces;
  for (std::size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw usage_error(a + " needs a value");
      return args[++i];
    };
    if (a == "--max-flows") o.max_flows = static_cast<std::uint32_t>(parse_number(a, value(), 100000000));
    else if (a == "--max-masks") o.max_masks = static_cast<std::uint32_t>(parse_number(a, value(), OVSXDP_MASKS_LIMIT));
    else if (a == "--max-ports") o.max_ports = static_cast<std::uint32_t>(parse_number(a, value(), 65536));
    else if (a == "--max-conns") o.max_conns = static_cast<std::uint32_t>(parse_number(a, value(), 100000000));
    else if (a == "--max-action-sets") o.max_action_sets = static_cast<std::uint32_t>(parse_number(a, value(), 10000000));
    else if (a == "--upcall-ring") o.upcall_ring_bytes = static_cast<std::uint32_t>(parse_number(a, value(), 1u << 30));
    else if (a == "--miss") {
      const std::string& v = value();
      if (v == "drop") o.miss_policy = OVSXDP_MISS_DROP;
      else if (v == "pass") o.miss_policy = OVSXDP_MISS_PASS;
      else throw usage_error("--miss " + excerpt(v) + ": expected drop or pass");
    } else if (a == "--cache") {
      const std::string& v = value();
      if (v == "flow") o.lookup_cache = OVSXDP_CACHE_FLOW;
      else if (v == "mask") o.lookup_cache = OVSXDP_CACHE_MASK;
      else if (v == "none") o.lookup_cache = OVSXDP_CACHE_NONE;
      else throw usage_error("--cache " + excerpt(v) + ": expected flow, mask or none");
    } else if (!a.empty() && a[0] == '-') {
      throw usage_error("unknown option '" + excerpt(a) + "'");
    } else if (!name) {
      name = datapath_name(a);
    } else {
      interfaces.push_back(parse_interface(a));
    }
  }
  if (!name) throw usage_error("missing datapath name");
  o.name = *name;
  o.bpffs = location().bpffs;
  o.run_dir = location().run_dir;
  // Refuses a bpffs that would not outlive this command (ip netns exec);
  // one it mounts is said, and goes again with the last datapath.
  require_bpf_privileges("create datapath " + o.name);
  const bool mounted = ensure_bpffs(o.bpffs) == bpffs_mount::mounted;
  datapath dp = [&] {
    try {
      return datapath::create(o);
    } catch (...) {
      if (mounted) release_bpffs(o.bpffs);
      throw;
    }
  }();
  try {
    add_interfaces(dp, interfaces, false);
  } catch (...) {
    datapath::destroy(o.name, location());  // all or nothing (a bpffs mounted for it goes too)
    throw;
  }
  if (mounted) std::cerr << "ovsxdp-dpctl: mounted a bpffs at " << o.bpffs << " (none was mounted there); del-dp of its last datapath unmounts it\n";
  return 0;
}

int del_dp(const std::vector<std::string>& args) {
  if (args.size() != 1) throw usage_error("expected exactly one datapath name");
  const std::string name = datapath_name(args[0]);
  // Refuses without privileges or bpffs, or when there is no such datapath.
  const std::string problems = datapath::destroy(name, location());
  if (!problems.empty()) std::cerr << "ovsxdp-dpctl: del-dp " << name << ": offloads not restored:\n" << problems;
  if (!is_bpffs(location().bpffs)) std::cerr << "ovsxdp-dpctl: unmounted the bpffs at " << location().bpffs << " that add-dp had mounted\n";
  return 0;
}

int show(const std::vector<std::string>& args) {
  bool all_counters = false;
  std::vector<std::string> names;
  for (const auto& a : args) {
    if (a == "-s" || a == "--statistics") all_counters = true;
    else if (!a.empty() && a[0] == '-') throw usage_error("unknown option '" + excerpt(a) + "'");
    else names.push_back(datapath_name(a));
  }
  if (names.empty()) names = datapath::list(location());
  for (const auto& name : names) {
    datapath dp = datapath::open(name, location());
    const datapath_counters c = dp.counters();
    const ovsxdp_info& info = dp.info();
    char line[160];
    std::cout << "xdp@" << name << ":\n";
    std::cout << "  lookups: hit:" << c[OVSXDP_C_HIT] << " missed:" << c[OVSXDP_C_MISSED] << " lost:" << c[OVSXDP_C_LOST] << "\n";
    std::cout << "  flows: " << dp.flow_count() << "\n";
    std::snprintf(line, sizeof line, "  masks: hit:%llu total:%zu hit/pkt:%.2f\n", static_cast<unsigned long long>(c[OVSXDP_C_MASK_PROBES]),
                  dp.mask_count(), c.masks_per_hit());
    std::cout << line;
    if (info.lookup_cache != OVSXDP_CACHE_NONE) {
      std::snprintf(line, sizeof line, "  cache: hit:%llu hit-rate:%.2f%%\n", static_cast<unsigned long long>(c[OVSXDP_C_CACHE_HIT]),
                    c.cache_hit_rate() * 100.0);
      std::cout << line;
      std::cout << "  caches:\n    " << (info.lookup_cache == OVSXDP_CACHE_FLOW ? "flow-cache" : "masks-cache")
                << ": size:" << OVSXDP_LOOKUP_CACHE_ENTRIES << "\n";
    }
    std::cout << "  limits: flows:" << info.max_flows << " masks:" << info.max_masks << " ports:" << info.max_ports
              << " miss:" << (info.miss_policy == OVSXDP_MISS_PASS ? "pass" : "drop") << "\n";
    if (info.loop_ifindex_tx) {
      const loop_device loop = loop_device_names(dp.name());
      std::cout << "  loop: " << loop.tx << " -> " << loop.rx << " (recirculating copies)\n";
    }
    if (all_counters) {
      std::cout << "  counters:";
      for (unsigned i = 0; i < OVSXDP_COUNTER_MAX; i++)
        std::cout << " " << counter_name(static_cast<ovsxdp_counter>(i)) << ":" << c.values[i];
      std::cout << "\n";
    }
    for (const auto& p : dp.ports()) {
      std::cout << "  port " << p.port_no << ": " << p.name << " (xdp: " << mode_name(p.mode)
                << (p.program == OVSXDP_PORT_PROGRAM_VLAN_MD ? ", vlan tag from metadata" : "") << interface_state(p) << ")\n";
      if (all_counters) print_port_stats(dp.port_stats(p.port_no));
    }
  }
  return 0;
}

int add_if(const std::vector<std::string>& args) {
  bool force = false;
  std::optional<std::string> name;
  std::vector<interface_spec> interfaces;
  for (const auto& a : args) {
    if (a == "--force" || a == "-f") force = true;
    else if (!a.empty() && a[0] == '-') throw usage_error("unknown option '" + excerpt(a) + "'");
    else if (!name) name = a;
    else interfaces.push_back(parse_interface(a));
  }
  if (!name || interfaces.empty()) throw usage_error("expected a datapath and at least one interface");
  datapath dp = open_datapath(name);
  add_interfaces(dp, interfaces, force);
  return 0;
}

int del_if(const std::vector<std::string>& args) {
  if (args.size() < 2) throw usage_error("expected a datapath and at least one interface or port number");
  datapath dp = open_datapath(args[0]);
  for (std::size_t i = 1; i < args.size(); i++) {
    std::optional<port_info> p = dp.port_by_name(args[i]);
    if (!p && !args[i].empty() && std::isdigit(static_cast<unsigned char>(args[i][0])))
      p = dp.port(static_cast<std::uint32_t>(parse_number("port", args[i], 0xfffffffeu)));
    if (!p) throw error("remove port", args[i], "no such port in datapath " + dp.name(), "ovsxdp-dpctl show " + dp.name() + " lists its ports");
    if (const std::string problems = dp.remove_port(p->port_no); !problems.empty())
      std::cerr << "ovsxdp-dpctl: " << p->name << ": removed, but its offloads were not all restored: " << problems << "\n";
  }
  return 0;
}

}  // namespace ovsxdp::dpctl
