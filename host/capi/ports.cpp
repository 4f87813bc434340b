// Ports: add (system or internal), remove, query, dump, generation.
#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "capi/errors.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"

namespace ovsxdp::capi {
namespace {

ovsxdp_port to_c(const port_info& p) {
  ovsxdp_port out{};
  out.port_no = p.port_no;
  out.type = p.kind == port_kind::internal ? OVSXDP_PORT_INTERNAL : OVSXDP_PORT_SYSTEM;
  std::strncpy(out.name, p.name.c_str(), OVSXDP_PORT_NAME_MAX - 1);
  out.ifindex = p.ifindex;
  return out;
}

std::string port_name(const char* name) {
  require(name, "name");
  const std::size_t length = std::strlen(name);
  if (length == 0 || length >= OVSXDP_PORT_NAME_MAX)
    fail(EINVAL, "port name '" + std::string(name) + "' is invalid: interface names are 1 to " +
                     std::to_string(OVSXDP_PORT_NAME_MAX - 1) + " characters");
  return name;
}

}  // namespace
}  // namespace ovsxdp::capi

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_port_add(ovsxdp_dp* dp, const char* name, ovsxdp_port_type type, uint32_t* port_no) {
  return guarded("ovsxdp_port_add", [&] {
    datapath& d = datapath_of(dp);
    const std::string ifname = port_name(name);
    require(port_no, "port_no");
    if (type != OVSXDP_PORT_SYSTEM && type != OVSXDP_PORT_INTERNAL)
      fail(EINVAL, "port type " + std::to_string(static_cast<int>(type)) + " for '" + ifname +
                       "' is unknown: use OVSXDP_PORT_SYSTEM or OVSXDP_PORT_INTERNAL");
    std::optional<std::uint32_t> wanted;
    if (*port_no != OVSXDP_ANY_PORT) {
      if (*port_no == 0) fail(EINVAL, "port number 0 for '" + ifname + "' is invalid: ovsxdp numbers ports from 1");
      wanted = *port_no;
      if (auto other = d.port(*port_no))
        fail(EEXIST, "port number " + std::to_string(*port_no) + " for '" + ifname + "' is in use by '" + other->name +
                         "' in datapath " + d.name() + ": ask for another number or OVSXDP_ANY_PORT");
    }
    const std::optional<port_info> existing = d.port_by_name(ifname);
    if (type == OVSXDP_PORT_SYSTEM) {
      if (existing)
        fail(EEXIST, "'" + ifname + "' is already port " + std::to_string(existing->port_no) + " of datapath " + d.name());
      if (!if_nametoindex(ifname.c_str()))
        fail(ENODEV, "no network device '" + ifname + "' in this network namespace: create it first (system ports are existing devices)");
      *port_no = d.add_port(ifname, wanted).port_no;
    } else {
      // The datapath adopts its own internal port of that name; any other
      // port of that name is a conflict.
      if (existing && existing->kind != port_kind::internal)
        fail(EEXIST, "'" + ifname + "' is already system port " + std::to_string(existing->port_no) + " of datapath " + d.name() +
                         ": an internal port cannot take its name");
      *port_no = d.add_internal_port(ifname, wanted).port_no;
    }
  });
}

extern "C" int ovsxdp_port_del(ovsxdp_dp* dp, uint32_t port_no) {
  return guarded("ovsxdp_port_del", [&] {
    datapath& d = datapath_of(dp);
    if (!d.port(port_no)) fail(ENOENT, "datapath " + d.name() + " has no port " + std::to_string(port_no));
    const std::string unrestored = d.remove_port(port_no);
    if (!unrestored.empty())
      fail(EIO, "port " + std::to_string(port_no) + " was removed from datapath " + d.name() +
                    ", but its offload settings could not all be restored: " + unrestored);
  });
}

extern "C" int ovsxdp_port_query_by_number(ovsxdp_dp* dp, uint32_t port_no, ovsxdp_port* port) {
  return guarded("ovsxdp_port_query_by_number", [&] {
    datapath& d = datapath_of(dp);
    require(port, "port");
    const auto p = d.port(port_no);
    if (!p) fail(ENOENT, "datapath " + d.name() + " has no port " + std::to_string(port_no));
    *port = to_c(*p);
  });
}

extern "C" int ovsxdp_port_query_by_name(ovsxdp_dp* dp, const char* name, ovsxdp_port* port) {
  return guarded("ovsxdp_port_query_by_name", [&] {
    datapath& d = datapath_of(dp);
    require(name, "name");
    require(port, "port");
    const auto p = d.port_by_name(name);
    if (!p) fail(ENOENT, "datapath " + d.name() + " has no port named '" + std::string(name) + "'");
    *port = to_c(*p);
  });
}

extern "C" int ovsxdp_port_dump(ovsxdp_dp* dp, ovsxdp_port** ports, size_t* n_ports) {
  return guarded("ovsxdp_port_dump", [&] {
    datapath& d = datapath_of(dp);
    require(ports, "ports");
    require(n_ports, "n_ports");
    *ports = nullptr;
    *n_ports = 0;
    std::vector<port_info> all = d.ports();
    std::sort(all.begin(), all.end(), [](const port_info& a, const port_info& b) { return a.port_no < b.port_no; });
    auto* out = static_cast<ovsxdp_port*>(std::malloc(std::max<std::size_t>(all.size(), 1) * sizeof(ovsxdp_port)));
    if (!out) throw std::bad_alloc();
    for (std::size_t i = 0; i < all.size(); i++) out[i] = to_c(all[i]);
    *ports = out;
    *n_ports = all.size();
  });
}

extern "C" uint64_t ovsxdp_port_generation(ovsxdp_dp* dp) {
  // No errno to return: a failure reads as a change, so the caller re-dumps
  // the ports and sees the error there.
  std::uint64_t generation = 0;
  const int failed = guarded("ovsxdp_port_generation", [&] { generation = datapath_of(dp).port_generation(); });
  return failed ? UINT64_MAX : generation;
}

extern "C" int ovsxdp_port_refresh(ovsxdp_dp* dp, size_t* n_waiting) {
  return guarded("ovsxdp_port_refresh", [&] {
    datapath& d = datapath_of(dp);
    std::lock_guard guard(dp->ready_lock);
    if (const std::uint64_t g = d.port_generation(); g != dp->ready_generation) {
      dp->ready_ports.clear();
      dp->ready_generation = g;
    }
    std::size_t waiting = 0;
    for (const port_info& p : d.ports()) {
      if (dp->ready_ports.count(p.port_no)) continue;
      if (d.revive_port(p.port_no)) dp->ready_ports.insert(p.port_no);
      else waiting++;
    }
    if (n_waiting) *n_waiting = waiting;
  });
}
