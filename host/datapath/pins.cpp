// A datapath's pins: the bpffs layout (<bpffs>/ovsxdp/<name>/), creating,
// adopting, listing and destroying datapaths, and the programs they hold.
#include <bpf/btf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "datapath/datapath_impl.hpp"
#include "datapath/loop_device.hpp"
#include "datapath/port_offloads.hpp"
#include "runtime/environment.hpp"
#include "runtime/skeleton.hpp"
// clang-format off
#include "datapath_bpf.skel.h"
// clang-format on

namespace ovsxdp {

using namespace datapath_detail;

namespace datapath_detail {

std::string dp_dir(const std::string& bpffs, const std::string& name) { return bpffs + "/ovsxdp/" + name; }

// Detaches the XDP program a pinned link holds, now: removing the pin alone
// frees the link later, from a workqueue, and a veth keeps its peer's
// software segmentation fixed off while a program is attached (the offloads
// a removal restores would come back only then).
void detach_pinned_link(const std::string& path) {
  const unique_fd link(bpf_obj_get(path.c_str()));
  if (link) bpf_link_detach(link.get());
}

}  // namespace datapath_detail

namespace {

// BPF_PROG_LOAD flag (Linux 6.3; Debian 12's headers predate it): the
// program is bound to prog_ifindex's device, not offloaded to it.
constexpr std::uint32_t kXdpDevBoundOnly = 1u << 6;

constexpr const char* kMapNames[] = {"masks", "megaflows", "flows", "flow_stats", "action_sets", "counters", "lookup_cache",
                                     "ports", "port_ifindex", "port_info", "exec_requests", "info", "scratch", "upcall_channels",
                                     "trace_events", "meters", "fork_groups", "fork_plans", "copy_contexts", "fork_sequence",
                                     "saved_frame", "fork_info", "recirc_contexts", "recirc_sequence", "trace_deferred",
                                     "trace_deferred_count", "port_stats", "conntrack", "ct_scratch"};

void check_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 15 &&
                  std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
  if (!ok) throw error("use datapath name", name, "names are 1 to 15 characters of letters, digits, '_' and '-'");
}

void make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw system_error("create directory", path, errno);
}

bool path_exists(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0;
}

// Removes a directory tree of pins (bpffs supports unlink/rmdir).
void remove_tree(const std::string& path) {
  if (DIR* d = opendir(path.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      std::string child = path + "/" + n;
      struct stat st{};
      if (lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(child);
      else unlink(child.c_str());
    }
    closedir(d);
  }
  rmdir(path.c_str());
}

unique_fd pinned(const std::string& path, const std::string& what) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) throw system_error("open pinned " + what, path, errno, "the datapath's pins are incomplete; remove it with ovsxdp-dpctl del-dp and create it again");
  return unique_fd(fd);
}

void detach_port_links(const std::string& dir) {
  if (DIR* d = opendir((dir + "/links").c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') detach_pinned_link(dir + "/links/" + e->d_name);
    closedir(d);
  }
}

// Undoes the offload changes every port of the datapath pinned in `dir`
// recorded, and deletes its internal ports' devices; one line per port that could not be restored.
std::string restore_port_offloads(const std::string& dir) {
  const unique_fd info(bpf_obj_get((dir + "/port_info").c_str()));
  if (!info) return {};
  std::string problems;
  std::uint32_t key = 0, next = 0;
  const std::uint32_t* prev = nullptr;
  while (bpf_map_get_next_key(info.get(), prev, &next) == 0) {
    ovsxdp_port_info pi{};
    if (bpf_map_lookup_elem(info.get(), &next, &pi) == 0)
      if (const std::string p = pi.kind == OVSXDP_PORT_KIND_INTERNAL ? delete_internal_device(pi) : restore_offloads(pi); !p.empty())
        problems += "port " + std::to_string(pi.port_no) + " (" + std::string(pi.name, strnlen(pi.name, sizeof pi.name)) + "): " + p + "\n";
    key = next;
    prev = &key;
  }
  return problems;
}

// Size of an mmapable array map's memory.
std::size_t array_map_bytes(int fd) {
  bpf_map_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) throw system_error("read map info of fd", std::to_string(fd), errno);
  const std::size_t elem = (info.value_size + 7) & ~std::size_t{7};
  const std::size_t bytes = elem * info.max_entries;
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

mapped_memory map_memory(const map_handle& map) {
  const std::size_t bytes = array_map_bytes(map.fd());
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, map.fd(), 0);
  if (base == MAP_FAILED) throw system_error("mmap map", map.name(), errno);
  return mapped_memory(base, bytes);
}

// Sets a 32-bit `const volatile` global of an opened (not loaded) object;
// absent variables are left alone (the object does not use that setting).
void set_rodata_u32(bpf_object* object, bpf_map* rodata, const char* variable, std::uint32_t value) {
  const btf* types = bpf_object__btf(object);
  if (!types) throw error("set load-time setting", variable, "the BPF object has no BTF", "build it with -g");
  // libbpf names the map after the object ("datapath.rodata"); BTF names the
  // section (".rodata").
  const std::string map_name = bpf_map__name(rodata);
  const std::string section = map_name.substr(std::min(map_name.find('.'), map_name.size()));
  const int sec_id = btf__find_by_name_kind(types, section.c_str(), BTF_KIND_DATASEC);
  if (sec_id < 0) throw error("set load-time setting", variable, "the BPF object's BTF has no section " + section + " for map " + map_name);
  const btf_type* sec = btf__type_by_id(types, static_cast<__u32>(sec_id));
  const btf_var_secinfo* info = btf_var_secinfos(sec);
  for (unsigned i = 0; i < btf_vlen(sec); i++, info++) {
    const btf_type* var = btf__type_by_id(types, info->type);
    if (std::strcmp(btf__name_by_offset(types, var->name_off), variable) != 0) continue;
    std::size_t size = 0;
    const auto* initial = static_cast<const std::uint8_t*>(bpf_map__initial_value(rodata, &size));
    if (!initial || info->size != sizeof value || info->offset + sizeof value > size)
      throw error("set load-time setting", variable, "it is not a 32-bit variable in " + std::string(bpf_map__name(rodata)));
    std::vector<std::uint8_t> data(initial, initial + size);
    std::memcpy(data.data() + info->offset, &value, sizeof value);
    if (int err = bpf_map__set_initial_value(rodata, data.data(), data.size())) throw system_error("set load-time setting", variable, -err);
    return;
  }
}

// Where no bpffs is mounted no datapath can exist: say so, not "no such datapath".
void require_bpffs(const std::string& operation, const std::string& name, const datapath_location& where) {
  if (is_bpffs(where.bpffs)) return;
  const bool host_namespace = mount_namespace_outlives_this_process();
  throw error(operation, name, "no bpffs is mounted at " + where.bpffs + ", so no datapath can exist there",
              host_namespace ? "datapaths are pinned in a bpffs: give the directory where one is mounted, or create a datapath "
                               "(ovsxdp-dpctl add-dp mounts one at " + where.bpffs + ")"
                             : missing_bpffs_hint(where.bpffs));
}

}  // namespace

// ovsxdp_datapath_vlan_md for device `ifindex`: an instance of its own,
// bound to the device (the metadata kfunc it calls resolves to that
// driver's, and the verifier allows it only there) and verified now, with
// this datapath's maps and settings. The XDP link keeps it alive.
unique_fd datapath::impl::load_bound_program(const datapath& self, unsigned ifindex, const std::string& ifname) {
  auto skel = skeleton<datapath_bpf>::open("datapath_bpf (ovsxdp_datapath_vlan_md for " + ifname + ")");
  bpf_program* bound = skel->progs.ovsxdp_datapath_vlan_md;
  for (bpf_program* prog = bpf_object__next_program(skel->obj, nullptr); prog; prog = bpf_object__next_program(skel->obj, prog))
    bpf_program__set_autoload(prog, prog == bound);
  bpf_program__set_ifindex(bound, ifindex);
  if (int err = bpf_program__set_flags(bound, bpf_program__flags(bound) | kXdpDevBoundOnly))
    throw system_error("bind the datapath program to", ifname, -err);
  self.share_with(skel->obj);
  skel.load();
  unique_fd fd(fcntl(bpf_program__fd(bound), F_DUPFD_CLOEXEC, 0));
  if (!fd) throw system_error("keep the datapath program bound to", ifname, errno);
  return fd;
}

// ---------------------------------------------------------------- lifecycle
datapath::datapath(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}
datapath::datapath(datapath&&) noexcept = default;
datapath& datapath::operator=(datapath&&) noexcept = default;
datapath::~datapath() {
  if (!impl_) return;
  try {
    if (!impl_->table.dying_flows.empty() || !impl_->table.retired_sets.empty()) {
      impl::write_scope write(*impl_);
      impl_->reclaim();
      impl_->bump_generation();
    }
  } catch (...) {
    // Left DYING: the next writer's rebuild reclaims them.
  }
}

const std::string& datapath::name() const { return impl_->name; }
const ovsxdp_info& datapath::info() const { return impl_->info(); }

bool datapath::exists(const std::string& name, const datapath_location& where) {
  return path_exists(dp_dir(where.bpffs, name) + "/info");
}

std::vector<std::string> datapath::list(const datapath_location& where) {
  require_bpf_privileges("list datapaths");
  require_bpffs("list datapaths", "", where);
  std::vector<std::string> out;
  if (DIR* d = opendir((where.bpffs + "/ovsxdp").c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != ".." && exists(n, where)) out.push_back(n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

datapath datapath::create(const datapath_options& o) {
  check_name(o.name);
  require_bpf_privileges("create datapath " + o.name);
  if (o.lookup_cache > OVSXDP_CACHE_FLOW)
    throw error("create datapath", o.name, "unknown lookup cache kind " + std::to_string(o.lookup_cache), "use none, mask or flow");
  if (o.max_masks < 1 || o.max_masks > OVSXDP_MASKS_LIMIT)
    throw error("create datapath", o.name, "max_masks must be 1.." + std::to_string(OVSXDP_MASKS_LIMIT));
  if (o.max_flows < 1 || o.max_action_sets < 1 || o.max_ports < 1 || o.max_meters < 1 || o.max_conns < 1) throw error("create datapath", o.name, "table sizes must be at least 1");
  if (o.upcall_ring_bytes < 4096 || (o.upcall_ring_bytes & (o.upcall_ring_bytes - 1)))
    throw error("create datapath", o.name, "the upcall ring size must be a power of two of at least 4096 bytes");
  ensure_bpffs(o.bpffs);
  const std::string root = o.bpffs + "/ovsxdp", dir = dp_dir(o.bpffs, o.name);
  if (path_exists(dir)) throw error("create datapath", o.name, "it already exists (" + dir + ")", "delete it first: ovsxdp-dpctl del-dp " + o.name);
  make_dir(root);
  make_dir(dir);
  try {
    auto skel = skeleton<datapath_bpf>::open("datapath_bpf");
    auto size = [&](bpf_map* m, std::uint32_t n) {
      if (bpf_map__set_max_entries(m, n)) throw error("size map", bpf_map__name(m), "libbpf refused the size " + std::to_string(n));
    };
    size(skel->maps.dp_masks, o.max_masks);
    size(skel->maps.dp_megaflows, o.max_flows);
    size(skel->maps.dp_flows, o.max_flows);
    size(skel->maps.dp_flow_stats, o.max_flows);
    size(skel->maps.dp_action_sets, o.max_action_sets);
    size(skel->maps.dp_ports, o.max_ports);
    size(skel->maps.dp_port_ifindex, o.max_ports);
    size(skel->maps.dp_port_info, o.max_ports);
    size(skel->maps.dp_port_stats, 2 * o.max_ports);
    // Every upcall ring has the size of the outer map's template (the kernel
    // compares inner maps' sizes); the host makes the rings themselves.
    unique_fd ring_template(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ovsxdp_upcalls", 0, 0, o.upcall_ring_bytes, nullptr));
    if (!ring_template) throw system_error("create an upcall ring of " + std::to_string(o.upcall_ring_bytes) + " bytes for datapath", o.name, errno);
    if (int err = bpf_map__set_inner_map_fd(skel->maps.dp_upcall_channels, ring_template.get()))
      throw system_error("use the upcall ring template for datapath", o.name, -err);
    size(skel->maps.dp_meters, o.max_meters);
    size(skel->maps.dp_conntrack, o.max_conns);
    size(skel->maps.dp_fork_groups, o.max_action_sets);
    size(skel->maps.dp_fork_plans, o.max_action_sets);
    size(skel->maps.dp_fork_info, o.max_action_sets);
    skel->rodata->ovsxdp_miss_policy = o.miss_policy;
    skel->rodata->ovsxdp_lookup_cache = o.lookup_cache;
    skel->rodata->ovsxdp_max_ports = o.max_ports;
    skel.load();
    bpf_map* maps_in_order[] = {skel->maps.dp_masks, skel->maps.dp_megaflows, skel->maps.dp_flows, skel->maps.dp_flow_stats,
                                skel->maps.dp_action_sets, skel->maps.dp_counters, skel->maps.dp_lookup_cache, skel->maps.dp_ports,
                                skel->maps.dp_port_ifindex, skel->maps.dp_port_info, skel->maps.dp_exec_requests, skel->maps.dp_info,
                                skel->maps.dp_scratch, skel->maps.dp_upcall_channels, skel->maps.dp_trace_events,
                                skel->maps.dp_meters, skel->maps.dp_fork_groups, skel->maps.dp_fork_plans, skel->maps.dp_copy_contexts,
                                skel->maps.dp_fork_sequence, skel->maps.dp_saved_frame, skel->maps.dp_fork_info,
                                skel->maps.dp_recirc_contexts, skel->maps.dp_recirc_sequence, skel->maps.dp_trace_deferred,
                                skel->maps.dp_trace_deferred_count, skel->maps.dp_port_stats, skel->maps.dp_conntrack,
                                skel->maps.dp_ct_scratch};
    static_assert(std::size(maps_in_order) == std::size(kMapNames));
    for (std::size_t i = 0; i < std::size(kMapNames); i++) {
      const std::string path = dir + "/" + kMapNames[i];
      if (bpf_obj_pin(bpf_map__fd(maps_in_order[i]), path.c_str())) throw system_error("pin map", path, errno);
    }
    bpf_program* progs[] = {skel->progs.ovsxdp_datapath, skel->progs.ovsxdp_trace, skel->progs.ovsxdp_execute,
                            skel->progs.ovsxdp_execute_trace, skel->progs.ovsxdp_copy};
    for (unsigned k = 0; k < OVSXDP_PROGRAM_KINDS; k++) {
      const std::string path = dir + "/" + kProgramPins[k];
      if (bpf_obj_pin(bpf_program__fd(progs[k]), path.c_str())) throw system_error("pin program", path, errno);
    }
    make_dir(dir + "/links");
    // The loop device recirculating copies travel through, with the
    // datapath's own program on its receiving end.
    const loop_device loop = create_loop_device(o.name);
    {
      LIBBPF_OPTS(bpf_link_create_opts, link_opts, .flags = XDP_FLAGS_DRV_MODE);
      unique_fd link(bpf_link_create(bpf_program__fd(skel->progs.ovsxdp_datapath), loop.rx_ifindex, BPF_XDP, &link_opts));
      if (!link) throw system_error("attach XDP to the loop device", loop.rx, errno, "veth with native XDP is needed for recirculation of copies");
      const std::string path = dir + "/links/loop";
      if (bpf_obj_pin(link.get(), path.c_str())) throw system_error("pin XDP link", path, errno);
      const ovsxdp_port_ref ref{OVSXDP_NO_PORT, OVSXDP_SLOT_LOOP};
      const std::uint32_t rx = static_cast<std::uint32_t>(loop.rx_ifindex);
      if (bpf_map_update_elem(bpf_map__fd(skel->maps.dp_port_ifindex), &rx, &ref, BPF_ANY)) throw system_error("register the loop device", loop.rx, errno);
    }
    make_dir(dir + "/events");
    ovsxdp_info info{};
    info.loop_ifindex_tx = static_cast<std::uint32_t>(loop.tx_ifindex);
    info.loop_ifindex_rx = static_cast<std::uint32_t>(loop.rx_ifindex);
    info.magic = OVSXDP_INFO_MAGIC;
    info.abi_version = OVSXDP_ABI_VERSION;
    info.max_flows = o.max_flows;
    info.max_masks = o.max_masks;
    info.max_action_sets = o.max_action_sets;
    info.max_ports = o.max_ports;
    info.max_meters = o.max_meters;
    info.max_conns = o.max_conns;
    info.miss_policy = o.miss_policy;
    info.upcall_ring = o.upcall_ring_bytes;
    info.lookup_cache = o.lookup_cache;
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    info.created_ns = static_cast<std::uint64_t>(now.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(now.tv_nsec);
    const std::uint32_t zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel->maps.dp_info), &zero, &info, BPF_ANY)) throw system_error("write datapath info", o.name, errno);
  } catch (...) {
    remove_tree(dir);
    try {
      delete_loop_device(o.name);
    } catch (...) {
    }
    rmdir(root.c_str());
    release_bpffs(o.bpffs);  // when ensure_bpffs mounted it for this datapath
    throw;
  }
  datapath dp = open(o.name, datapath_location{o.bpffs, o.run_dir});
  try {
    dp.set_upcall_channels(1);
    dp.impl_->attach_port_events(dp);
  } catch (...) {
    destroy(o.name, datapath_location{o.bpffs, o.run_dir});
    throw;
  }
  return dp;
}

datapath datapath::open(const std::string& name, const datapath_location& where) {
  check_name(name);
  require_bpf_privileges("open datapath " + name);
  require_bpffs("open datapath", name, where);
  const std::string dir = dp_dir(where.bpffs, name);
  if (!exists(name, where)) throw error("open datapath", name, "no such datapath", "create it: ovsxdp-dpctl add-dp " + name);
  auto p = std::make_unique<impl>();
  p->name = name;
  p->where = where;
  p->dir = dir;
  for (const char* n : kMapNames) p->maps.emplace(n, map_handle(pinned(dir + "/" + n, "map"), n));
  for (unsigned k = 0; k < OVSXDP_PROGRAM_KINDS; k++) p->programs[k] = pinned(dir + "/" + kProgramPins[k], "program");
  p->info_mem = map_memory(p->map("info"));
  const ovsxdp_info& info = p->info();
  if (info.magic != OVSXDP_INFO_MAGIC || info.abi_version != OVSXDP_ABI_VERSION)
    throw error("open datapath", name, "it was created by an incompatible ovsxdp (ABI " + std::to_string(info.abi_version) + ", this build speaks " +
                                           std::to_string(OVSXDP_ABI_VERSION) + ")",
                "delete and re-create it: ovsxdp-dpctl del-dp " + name + " && ovsxdp-dpctl add-dp " + name);
  p->masks_mem = map_memory(p->map("masks"));
  p->flows_mem = map_memory(p->map("flows"));
  p->sets_mem = map_memory(p->map("action_sets"));
  make_dir(where.run_dir);
  const std::string lock_path = where.run_dir + "/" + name + ".lock";
  p->lock_fd.reset(::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
  if (!p->lock_fd) throw system_error("open lock file", lock_path, errno);
  p->rcu_inner.reset(bpf_map_create(BPF_MAP_TYPE_ARRAY, "ovsxdp_rcu_in", 4, 4, 1, nullptr));
  if (!p->rcu_inner) throw system_error("create map", "ovsxdp_rcu_in", errno);
  LIBBPF_OPTS(bpf_map_create_opts, outer_opts, .inner_map_fd = static_cast<__u32>(p->rcu_inner.get()));
  p->rcu_outer.reset(bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "ovsxdp_rcu", 4, 4, 1, &outer_opts));
  if (!p->rcu_outer) throw system_error("create map", "ovsxdp_rcu", errno);
  return datapath(std::move(p));
}

std::string datapath::destroy(const std::string& name, const datapath_location& where) {
  check_name(name);
  require_bpf_privileges("delete datapath " + name);
  require_bpffs("delete datapath", name, where);
  const std::string dir = dp_dir(where.bpffs, name);
  if (!path_exists(dir)) throw error("delete datapath", name, "no such datapath");
  detach_port_links(dir);
  const std::string problems = restore_port_offloads(dir);
  // Unpinning the links detaches the programs; unpinning the rest frees the maps.
  remove_tree(dir);
  if (path_exists(dir)) throw error("delete datapath", name, "some pins could not be removed from " + dir);
  delete_loop_device(name);  // in this network namespace, where the datapath was created
  unlink((where.run_dir + "/" + name + ".lock").c_str());
  // The last datapath takes the shared directories with it (rmdir keeps them if not empty).
  rmdir((where.bpffs + "/ovsxdp").c_str());
  rmdir(where.run_dir.c_str());
  release_bpffs(where.bpffs);  // a bpffs ensure_bpffs mounted goes with the last pin
  return problems;
}

std::vector<program_info> datapath::programs() const {
  static const char* names[OVSXDP_PROGRAM_KINDS] = {"ovsxdp_datapath", "ovsxdp_trace", "ovsxdp_execute", "ovsxdp_execute_trace",
                                                       "ovsxdp_copy"};
  std::vector<program_info> out;
  for (unsigned k = 0; k < OVSXDP_PROGRAM_KINDS; k++) {
    program_info info = describe_program(impl_->programs[k].get());
    info.name = names[k];
    out.push_back(info);
  }
  return out;
}

int datapath::program_fd(ovsxdp_program_kind kind) const { return impl_->programs[kind].get(); }

void datapath::share_with(bpf_object* object) const {
  const auto& p = *impl_;
  bpf_map* m = nullptr;
  while ((m = bpf_object__next_map(object, m))) {
    const std::string map_name = bpf_map__name(m);
    if (map_name.rfind("dp_", 0) == 0) {
      const auto it = p.maps.find(map_name.substr(3));
      if (it == p.maps.end())
        throw error("share datapath " + p.name + " with BPF object", bpf_object__name(object),
                    "it defines map " + map_name + ", which this datapath does not have", "build the object from the same ovsxdp headers");
      if (int err = bpf_map__reuse_fd(m, it->second.fd()))
        throw system_error("share datapath map " + map_name + " with BPF object", bpf_object__name(object), -err);
      continue;
    }
    if (map_name.size() > 7 && map_name.compare(map_name.size() - 7, 7, ".rodata") == 0) {
      // Load-time settings live in .rodata: copy the datapath's into the object.
      set_rodata_u32(object, m, "ovsxdp_miss_policy", p.info().miss_policy);
      set_rodata_u32(object, m, "ovsxdp_lookup_cache", p.info().lookup_cache);
      set_rodata_u32(object, m, "ovsxdp_max_ports", p.info().max_ports);
    }
  }
}

}  // namespace ovsxdp
