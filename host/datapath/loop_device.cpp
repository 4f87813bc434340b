#include "datapath/loop_device.hpp"

#include <cstdio>
#include <fstream>

#include "netdev/link.hpp"
#include "runtime/error.hpp"

namespace ovsxdp {
namespace {

std::uint32_t name_hash(const std::string& s) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

void disable_ipv6(const std::string& ifname) {
  // Best effort: without IPv6 in the kernel there is nothing to silence.
  std::ofstream("/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6") << "1\n";
}

}  // namespace

loop_device loop_device_names(const std::string& datapath_name) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", name_hash(datapath_name));
  return {std::string("oxl") + hex + "t", std::string("oxl") + hex + "r", 0, 0};
}

loop_device create_loop_device(const std::string& datapath_name) {
  loop_device d = loop_device_names(datapath_name);
  if (netdev::find_link(d.tx)) netdev::delete_link(d.tx);  // left by a create that died
  if (netdev::find_link(d.rx)) netdev::delete_link(d.rx);
  try {
    netdev::create_veth({d.tx, d.rx, std::nullopt, 65535u});
  } catch (const error&) {
    netdev::create_veth({d.tx, d.rx, std::nullopt, std::nullopt});  // an older kernel's veth caps its MTU lower
  }
  try {
    disable_ipv6(d.tx);
    disable_ipv6(d.rx);
    netdev::set_link_up(d.rx, true);
    netdev::set_link_up(d.tx, true);
    d.tx_ifindex = netdev::get_link(d.tx).ifindex;
    d.rx_ifindex = netdev::get_link(d.rx).ifindex;
  } catch (...) {
    delete_loop_device(datapath_name);
    throw;
  }
  return d;
}

void delete_loop_device(const std::string& datapath_name) {
  const loop_device d = loop_device_names(datapath_name);
  if (netdev::find_link(d.tx)) netdev::delete_link(d.tx);
  else if (netdev::find_link(d.rx)) netdev::delete_link(d.rx);
}

}  // namespace ovsxdp
