// Ports: adding and removing them (offloads, XDP links, programs bound to
// a device), their records and statistics, and the tracepoint programs that
// count what the kernel drops after a redirect.
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "datapath/datapath_impl.hpp"
#include "datapath/port_offloads.hpp"
#include "netdev/kernel_btf.hpp"
#include "netdev/link.hpp"
#include "netdev/netns.hpp"
#include "netdev/xdp_features.hpp"
#include "runtime/environment.hpp"
#include "runtime/skeleton.hpp"
// clang-format off
#include "port_events.skel.h"
// clang-format on

namespace ovsxdp {

using namespace datapath_detail;

bool datapath::impl::port_exists(std::uint32_t port_no) const {
  ovsxdp_port_info pi;
  return map("port_info").lookup(port_no, pi);
}

// The tracing programs that count, per port, what the kernel drops after
// an XDP_REDIRECT (bpf-src/port_events.bpf.cpp): loaded with this
// datapath's maps, attached, their links pinned under events/ (removing
// the pins detaches them).
void datapath::impl::attach_port_events(const datapath& self) {
  auto events = skeleton<port_events>::open("port_events");
  self.share_with(events->obj);
  bpf_map_info ports{};
  __u32 length = sizeof ports;
  if (bpf_obj_get_info_by_fd(map("ports").fd(), &ports, &length) != 0) throw system_error("read the map id of the ports of datapath", name, errno);
  const netdev::kernel_btf kernel = netdev::kernel_btf::load_vmlinux();
  events->rodata->ovsxdp_ports_map_id = ports.id;
  events->rodata->ovsxdp_netns_inode = netdev::netns_inode();
  events->rodata->ovsxdp_off_dev_ifindex = kernel.member("net_device", "ifindex").offset;
  events->rodata->ovsxdp_off_dev_net = kernel.member("net_device", "nd_net.net").offset;
  events->rodata->ovsxdp_off_net_inum = kernel.member("net", "ns.inum").offset;
  events.load();
  const std::pair<bpf_program*, const char*> programs[] = {{events->progs.ovsxdp_redirect_err, "xdp_redirect_err"},
                                                          {events->progs.ovsxdp_devmap_xmit, "xdp_devmap_xmit"}};
  for (const auto& [program, tracepoint] : programs) {
    bpf_link* link = bpf_program__attach_raw_tracepoint(program, tracepoint);
    if (!link) throw system_error("attach to tracepoint xdp:" + std::string(tracepoint) + " the counting program of datapath", name, errno);
    const std::string path = dir + "/events/" + tracepoint;
    const int err = bpf_link__pin(link, path.c_str());
    bpf_link__destroy(link);  // the pin holds it
    if (err) throw system_error("pin tracepoint link", path, -err);
  }
}

// The entry of port_stats for new port `port_no`, zeroed: its number when
// below max_ports, else a free one above.
std::uint32_t datapath::impl::allocate_stats_slot(std::uint32_t port_no) {
  const std::uint32_t max_ports = info().max_ports;
  if (port_no < max_ports) return clear_stats_slot(port_no);
  std::vector<bool> used(max_ports, false);
  const map_handle& m = map("port_info");
  std::uint32_t key = 0, next = 0;
  const std::uint32_t* prev = nullptr;
  while (bpf_map_get_next_key(m.fd(), prev, &next) == 0) {
    ovsxdp_port_info pi;
    if (m.lookup(next, pi) && pi.slot >= max_ports && pi.slot - max_ports < used.size()) used[pi.slot - max_ports] = true;
    key = next;
    prev = &key;
  }
  const auto free = std::find(used.begin(), used.end(), false);
  if (free == used.end())
    throw error("add port to datapath", name, "it has " + std::to_string(max_ports) + " ports numbered " + std::to_string(max_ports) + " or more, its maximum",
                "use smaller port numbers, or create the datapath with a larger max_ports");
  return clear_stats_slot(max_ports + static_cast<std::uint32_t>(free - used.begin()));
}

std::uint32_t datapath::impl::clear_stats_slot(std::uint32_t slot) {
  const std::vector<ovsxdp_port_stats> zero(static_cast<std::size_t>(possible_cpus()));
  if (bpf_map_update_elem(map("port_stats").fd(), &slot, zero.data(), BPF_ANY)) throw system_error("clear the port statistics of datapath", name, errno);
  return slot;
}

namespace datapath_detail {

std::string internal_device_name(const std::string& datapath_name, const std::string& port_name) {
  std::uint32_t h = 2166136261u;  // FNV-1a of "<datapath>/<port>": the same in every process
  for (unsigned char c : datapath_name + "/" + port_name) h = (h ^ c) * 16777619u;
  char name[16];
  std::snprintf(name, sizeof name, "oxi%08x", h);
  return name;
}

std::string delete_internal_device(const ovsxdp_port_info& pi) {
  const std::string device(pi.device, strnlen(pi.device, sizeof pi.device));
  try {
    if (netdev::find_link(device)) netdev::delete_link(device);  // its peer, the host-facing end, goes with it
    return {};
  } catch (const std::exception& e) {
    return std::string("the internal port's veth pair could not be deleted: ") + e.what();
  }
}

}  // namespace datapath_detail

namespace {

struct port_owner {
  std::string datapath;
  std::optional<std::uint32_t> port_no;
};

std::uint32_t program_id(int prog_fd) {
  bpf_prog_info info{};
  __u32 length = sizeof info;
  return prog_fd >= 0 && bpf_obj_get_info_by_fd(prog_fd, &info, &length) == 0 ? info.id : 0;
}

// The id of the program the pinned XDP link at `path` holds (0: none).
std::uint32_t linked_program_id(const std::string& path) {
  const unique_fd link(bpf_obj_get(path.c_str()));
  bpf_link_info info{};
  __u32 length = sizeof info;
  return link && bpf_obj_get_info_by_fd(link.get(), &info, &length) == 0 ? info.prog_id : 0;
}

// Whether a program the interface runs (`attached`) is one of the datapath
// pinned in `dir`: its shared port program, or a port's own instance bound
// to its device.
bool runs_program(const std::string& dir, const bpf_xdp_query_opts& attached) {
  auto is_attached = [&](std::uint32_t id) { return id && (id == attached.prog_id || id == attached.drv_prog_id || id == attached.skb_prog_id); };
  const unique_fd shared(bpf_obj_get((dir + "/" + kProgramPins[OVSXDP_PROGRAM_DATAPATH]).c_str()));
  if (is_attached(program_id(shared.get()))) return true;
  bool found = false;
  if (DIR* d = opendir((dir + "/links").c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.' && is_attached(linked_program_id(dir + "/links/" + e->d_name))) found = true;
    closedir(d);
  }
  return found;
}

// The other datapath (pinned under `where`) whose program runs on `ifindex`,
// and its port there: add_port names it rather than "another XDP program".
std::optional<port_owner> owning_datapath(unsigned ifindex, const datapath_location& where, const std::string& self) {
  LIBBPF_OPTS(bpf_xdp_query_opts, attached);
  if (bpf_xdp_query(static_cast<int>(ifindex), 0, &attached) != 0) return std::nullopt;
  if (!attached.prog_id && !attached.drv_prog_id && !attached.skb_prog_id) return std::nullopt;
  for (const std::string& name : datapath::list(where)) {
    if (name == self || !runs_program(dp_dir(where.bpffs, name), attached)) continue;
    port_owner owner{name, std::nullopt};
    const unique_fd ports(bpf_obj_get((dp_dir(where.bpffs, name) + "/port_ifindex").c_str()));
    const std::uint32_t key = ifindex;
    ovsxdp_port_ref ref{};
    if (ports && bpf_map_lookup_elem(ports.get(), &key, &ref) == 0) owner.port_no = ref.port_no;
    return owner;
  }
  return std::nullopt;
}

// Why the device's driver cannot hand the outer VLAN tag to XDP as RX
// metadata (bpf_xdp_metadata_rx_vlan_tag), or "" when it can.
std::string why_no_vlan_tag_metadata(unsigned ifindex) {
  try {
    const netdev::xdp_features features = netdev::get_xdp_features(static_cast<int>(ifindex));
    if (features.has_rx_metadata(netdev::xdp_rx_metadata::vlan_tag)) return {};
    return features.rx_metadata_reported ? "its driver does not offer the VLAN tag as XDP RX metadata"
                                         : "this kernel reports no XDP RX metadata (the VLAN tag needs Linux 6.8)";
  } catch (const std::exception& e) {
    return std::string("its XDP RX metadata features could not be read: ") + e.what();
  }
}

}  // namespace

port_info datapath::add_port(const std::string& ifname, std::optional<std::uint32_t> port_no, xdp_attach attach, bool force) {
  impl::write_scope write(*impl_);
  return impl_->attach_port(*this, ifname, port_no, attach, force, nullptr);
}

// Adds device `ifname` as a port, under the writers' lock; an internal port
// is recorded under its host-facing name with `ifname` as its device.
port_info datapath::impl::attach_port(datapath& self, const std::string& ifname, std::optional<std::uint32_t> port_no, xdp_attach attach, bool force,
                                      const std::string* internal_name) {
  auto& p = *this;
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (!ifindex) throw error("add port", ifname, "no such interface in this network namespace");
  if (ifname.size() >= 16) throw error("add port", ifname, "interface names are at most 15 characters");
  ovsxdp_port_ref existing;
  if (p.map("port_ifindex").lookup(ifindex, existing))
    throw error("add port", ifname, "it is already port " + std::to_string(existing.port_no) + " of datapath " + p.name);
  if (const auto owner = attach == xdp_attach::none ? std::nullopt : owning_datapath(ifindex, p.where, p.name))
    throw error("add port", ifname,
                "it is already " + (owner->port_no ? "port " + std::to_string(*owner->port_no) : std::string("a port")) + " of datapath " + owner->datapath,
                "remove it from there first: ovsxdp-dpctl del-if " + owner->datapath + " " + ifname);
  std::uint32_t number = 0;
  if (port_no) {
    number = *port_no;
    if (number == 0 || number == OVSXDP_NO_PORT) throw error("add port", ifname, "port numbers are 1..4294967294");
    if (p.port_exists(number)) throw error("add port", ifname, "port number " + std::to_string(number) + " is already in use");
  } else {
    number = 1;
    while (p.port_exists(number)) number++;
  }
  const std::string& record_name = internal_name ? *internal_name : ifname;
  port_info out{.port_no = number, .kind = internal_name ? port_kind::internal : port_kind::system, .name = record_name, .ifindex = ifindex};
  // Ports that carry traffic get the offloads XDP needs (port_offloads.hpp);
  // test ports without a program keep theirs. Planning changes nothing yet.
  const offload_plan offloads = attach == xdp_attach::none ? offload_plan{} : plan_offloads(ifname);
  // VLAN tags that can still arrive outside the frame are read from RX
  // metadata by an instance of the program bound to the device, in native
  // mode (a device-bound program does not attach in generic mode).
  unique_fd bound;
  std::string no_bound_program;  // why not, when it was wanted
  if (!offloads.vlan_tags_in_metadata.empty()) {
    no_bound_program = attach == xdp_attach::generic ? "generic XDP does not see RX metadata" : why_no_vlan_tag_metadata(ifindex);
    if (no_bound_program.empty()) {
      try {
        bound = p.load_bound_program(self, ifindex, ifname);
      } catch (const std::exception& e) {
        no_bound_program = std::string("the datapath program bound to the device did not load: ") + e.what();
      }
    }
  }
  unique_fd link;
  if (attach != xdp_attach::none) {
    auto try_attach = [&](std::uint32_t flags) -> int {
      LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
      const int program = bound && (flags & XDP_FLAGS_DRV_MODE) ? bound.get() : p.programs[OVSXDP_PROGRAM_DATAPATH].get();
      return bpf_link_create(program, static_cast<int>(ifindex), BPF_XDP, &opts);
    };
    auto attach_with = [&](std::uint32_t flags) -> int {
      int fd = try_attach(flags);
      if (fd < 0 && (errno == EBUSY || errno == EEXIST)) {
        __u32 other = 0;
        bpf_xdp_query_id(static_cast<int>(ifindex), 0, &other);
        if (!force)
          throw error("add port", ifname, "the interface already has XDP program id " + std::to_string(other) + " attached",
                      "detach it first (ip link set dev " + ifname + " xdp off), or use --force to replace it");
        if (bpf_xdp_detach(static_cast<int>(ifindex), 0, nullptr) != 0)
          throw system_error("detach the existing XDP program from", ifname, errno, "it is held by a BPF link of another tool; remove that link");
        fd = try_attach(flags);
      }
      return fd;
    };
    int fd = -1;
    if (attach == xdp_attach::native || attach == xdp_attach::native_or_generic) {
      fd = attach_with(XDP_FLAGS_DRV_MODE);
      if (fd >= 0) out.mode = OVSXDP_XDP_NATIVE;
      else if (attach == xdp_attach::native) throw system_error("attach XDP (native mode) to", ifname, errno, "the driver may lack native XDP; try generic mode");
      else out.note = std::string("native XDP failed (") + std::strerror(errno) + "), using generic (SKB) mode";
    }
    if (fd < 0) {
      fd = attach_with(XDP_FLAGS_SKB_MODE);
      if (fd < 0) throw system_error("attach XDP (generic mode) to", ifname, errno);
      out.mode = OVSXDP_XDP_GENERIC;
      if (bound) no_bound_program = "generic XDP does not see RX metadata";
    }
    link.reset(fd);
  }
  if (bound && out.mode == OVSXDP_XDP_NATIVE) out.program = OVSXDP_PORT_PROGRAM_VLAN_MD;
  bound.reset();  // the link holds it
  const std::uint32_t slot = p.allocate_stats_slot(number);
  ovsxdp_port_info pi{};
  pi.port_no = number;
  pi.ifindex = ifindex;
  pi.xdp_mode = out.mode;
  pi.slot = slot;
  pi.program = out.program;
  std::memcpy(pi.name, record_name.data(), record_name.size());
  if (internal_name) {
    pi.kind = OVSXDP_PORT_KIND_INTERNAL;
    std::memcpy(pi.device, ifname.data(), ifname.size());
  }
  offloads.record_in(pi);
  try {
    p.map("port_info").update(number, pi);  // before the changes it records: a crash leaves them undoable
    if (attach != xdp_attach::none) {
      std::string done = apply_offloads(ifname, offloads);
      if (!offloads.vlan_tags_in_metadata.empty())
        done += (done.empty() ? "" : "; ") + offloads.vlan_tags_in_metadata +
                (out.program == OVSXDP_PORT_PROGRAM_VLAN_MD
                     ? ": an instance of the datapath program bound to " + ifname +
                           " reads VLAN tags that arrive as metadata (bpf_xdp_metadata_rx_vlan_tag) and writes them into the frame "
                           "(xdp: native, vlan tag from metadata)"
                     : ", so tagged frames reach the datapath untagged (" + no_bound_program + ")");
      if (!done.empty()) out.note += (out.note.empty() ? "" : "; ") + done;
    }
    out.offloads = offloads.offloads;
    bpf_devmap_val dev{};
    dev.ifindex = ifindex;
    p.map("ports").update(number, dev);
    p.map("port_ifindex").update(static_cast<std::uint32_t>(ifindex), ovsxdp_port_ref{number, slot});
    if (link) {
      const std::string path = p.dir + "/links/" + std::to_string(number);
      if (bpf_obj_pin(link.get(), path.c_str())) throw system_error("pin XDP link", path, errno);
    }
  } catch (...) {
    p.map("ports").erase(number);
    p.map("port_ifindex").erase(static_cast<std::uint32_t>(ifindex));
    restore_offloads(pi);
    p.map("port_info").erase(number);
    throw;
  }
  p.rebuild_groups();  // copies to this port number can leave now
  p.bump_port_generation();
  p.bump_generation();
  return out;
}

port_info datapath::add_internal_port(const std::string& name, std::optional<std::uint32_t> port_no) {
  auto& p = *impl_;
  if (name.empty() || name.size() > 15) throw error("add internal port", name, "interface names are 1 to 15 characters");
  impl::write_scope write(p);
  if (const auto existing = port_by_name(name)) {
    if (existing->kind != port_kind::internal)
      throw error("add internal port", name, "it is already port " + std::to_string(existing->port_no) + " (a system port) of datapath " + p.name);
    if (port_no && *port_no != existing->port_no)
      throw error("add internal port", name, "it is already port " + std::to_string(existing->port_no) + " of datapath " + p.name + ", not " + std::to_string(*port_no));
    return *existing;  // adopted: a restarted daemon finds its bridge port as it left it
  }
  const std::string device = internal_device_name(p.name, name);
  if (netdev::find_link(device)) netdev::delete_link(device);  // left by a writer that died before recording it
  if (netdev::find_link(name))
    throw error("add internal port", name, "a device of that name exists and is not an internal port of datapath " + p.name,
                "delete it (ip link del " + name + "), or add it as a system port");
  netdev::create_veth({name, device, std::nullopt, std::nullopt});
  try {
    // The hidden end carries no stack traffic of its own.
    std::ofstream("/proc/sys/net/ipv6/conf/" + device + "/disable_ipv6") << "1\n";
    netdev::set_link_up(device, true);
    netdev::set_link_up(name, true);
    // add_port's offload plan turns GRO on at `name`, the device's veth peer:
    // frames redirected to the device reach the host stack only that way.
    return p.attach_port(*this, device, port_no, xdp_attach::native_or_generic, false, &name);
  } catch (...) {
    try {
      netdev::delete_link(device);
    } catch (...) {
    }
    throw;
  }
}

std::uint64_t datapath::port_generation() const { return __atomic_load_n(&impl_->info().port_generation, __ATOMIC_ACQUIRE); }

void datapath::impl::bump_port_generation() { atomic_store(info().port_generation, info().port_generation + 1); }

std::string datapath::remove_port(std::uint32_t port_no) {
  auto& p = *impl_;
  impl::write_scope write(p);
  ovsxdp_port_info pi;
  if (!p.map("port_info").lookup(port_no, pi)) throw error("remove port", std::to_string(port_no), "no such port in datapath " + p.name);
  const std::string link = p.dir + "/links/" + std::to_string(port_no);
  detach_pinned_link(link);
  unlink(link.c_str());
  p.map("ports").erase(port_no);
  p.map("port_ifindex").erase(pi.ifindex);
  std::string problems;
  if (pi.kind == OVSXDP_PORT_KIND_INTERNAL) {
    problems = delete_internal_device(pi);  // both ends go; nothing to restore
  } else {
    problems = restore_offloads(pi);  // the record goes only after the undo was tried
  }
  p.map("port_info").erase(port_no);
  p.rebuild_groups();  // no copy leaves through the removed port
  p.bump_port_generation();
  p.bump_generation();
  return problems;
}

namespace {
port_info port_from_record(const ovsxdp_port_info& pi) {
  port_info out{.port_no = pi.port_no,
                .name = std::string(pi.name, strnlen(pi.name, sizeof pi.name)),
                .ifindex = pi.ifindex,
                .mode = static_cast<ovsxdp_xdp_mode>(pi.xdp_mode),
                .offloads = pi.offloads};
  out.program = static_cast<ovsxdp_port_program>(pi.program);
  if (pi.kind == OVSXDP_PORT_KIND_INTERNAL) out.kind = port_kind::internal;
  return out;
}
}  // namespace

std::vector<port_info> datapath::ports() const {
  const auto& m = impl_->map("port_info");
  std::vector<port_info> out;
  std::uint32_t key = 0, next = 0;
  const std::uint32_t* prev = nullptr;
  while (bpf_map_get_next_key(m.fd(), prev, &next) == 0) {
    ovsxdp_port_info pi;
    if (m.lookup(next, pi)) out.push_back(port_from_record(pi));
    key = next;
    prev = &key;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.port_no < b.port_no; });
  return out;
}

std::optional<port_info> datapath::port(std::uint32_t port_no) const {
  ovsxdp_port_info pi;
  if (!impl_->map("port_info").lookup(port_no, pi)) return std::nullopt;
  return port_from_record(pi);
}

bool datapath::revive_port(std::uint32_t port_no) {
  ovsxdp_port_info pi;
  if (!impl_->map("port_info").lookup(port_no, pi)) return false;
  return revive_redirect_target(static_cast<int>(pi.ifindex), pi);
}

std::optional<program_info> datapath::port_program(std::uint32_t port_no) const {
  ovsxdp_port_info pi;
  if (!impl_->map("port_info").lookup(port_no, pi)) return std::nullopt;
  const std::uint32_t id = linked_program_id(impl_->dir + "/links/" + std::to_string(port_no));
  if (!id) return std::nullopt;
  const unique_fd prog(bpf_prog_get_fd_by_id(id));
  if (!prog) throw system_error("open the XDP program of port " + std::to_string(port_no) + " of datapath", impl_->name, errno);
  program_info info = describe_program(prog.get());
  info.name = pi.program == OVSXDP_PORT_PROGRAM_VLAN_MD ? "ovsxdp_datapath_vlan_md" : "ovsxdp_datapath";  // the kernel keeps 15 characters
  return info;
}

port_statistics datapath::port_stats(std::uint32_t port_no) const {
  port_statistics out;
  ovsxdp_port_info pi;
  if (!impl_->map("port_info").lookup(port_no, pi)) return out;
  for (const auto& s : impl_->map("port_stats").lookup_percpu<ovsxdp_port_stats>(pi.slot, possible_cpus())) {
    out.rx_packets += s.rx_packets;
    out.rx_bytes += s.rx_bytes;
    out.tx_packets += s.tx_packets;
    out.tx_bytes += s.tx_bytes;
    out.tx_drop_mtu += s.tx_drop_mtu;
    out.tx_drop_down += s.tx_drop_down;
    out.tx_drop_refused += s.tx_drop_refused;
    out.tx_drop_other += s.tx_drop_other;
  }
  return out;
}

std::optional<port_info> datapath::port_by_name(const std::string& ifname) const {
  for (auto& pi : ports())
    if (pi.name == ifname) return pi;
  return std::nullopt;
}
}  // namespace ovsxdp
