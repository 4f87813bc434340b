#include "datapath/datapath.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_map>

#include "datapath/fork_plan.hpp"
#include "datapath/loop_device.hpp"
#include "datapath/port_offloads.hpp"
#include "datapath/validate.hpp"
#include "netdev/kernel_btf.hpp"
#include "netdev/netns.hpp"
#include "netdev/xdp_features.hpp"
#include "ovsxdp/datapath/state.h"
#include "ovsxdp/flow/extract.h"
#include "ovsxdp/flow/hash.h"
#include "runtime/bpf_map.hpp"
#include "runtime/environment.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/packet_socket.hpp"
#include "runtime/skeleton.hpp"
#include "runtime/test_run.hpp"
// clang-format off
#include "datapath_bpf.skel.h"
#include "port_events.skel.h"
// clang-format on

namespace ovsxdp {

// ---------------------------------------------------------------- helpers
namespace {

constexpr const char* kMapNames[] = {"masks", "megaflows", "flows", "flow_stats", "action_sets", "counters", "lookup_cache",
                                     "ports", "port_ifindex", "port_info", "exec_requests", "info", "scratch", "upcalls",
                                     "trace_events", "meters", "fork_groups", "fork_plans", "copy_contexts", "fork_sequence",
                                     "saved_frame", "fork_info", "recirc_contexts", "recirc_sequence", "trace_deferred",
                                     "trace_deferred_count", "port_stats"};
constexpr const char* kProgramPins[OVSXDP_PROGRAM_KINDS] = {"prog_datapath", "prog_trace", "prog_execute", "prog_execute_trace",
                                                                         "prog_copy"};

// BPF_PROG_LOAD flag (Linux 6.3; Debian 12's headers predate it): the
// program is bound to prog_ifindex's device, not offloaded to it.
constexpr std::uint32_t kXdpDevBoundOnly = 1u << 6;

bool ufid_equal(const ovsxdp_ufid& a, const ovsxdp_ufid& b) { return a.words[0] == b.words[0] && a.words[1] == b.words[1]; }

struct ufid_hasher {
  std::size_t operator()(const ovsxdp_ufid& u) const { return std::hash<std::uint64_t>()(u.words[0] ^ (u.words[1] * 0x9e3779b97f4a7c15ULL)); }
};
struct ufid_eq {
  bool operator()(const ovsxdp_ufid& a, const ovsxdp_ufid& b) const { return ufid_equal(a, b); }
};

std::uint64_t content_hash(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (std::size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::uint64_t random_u64() {
  std::uint64_t v = 0;
  while (v == 0)
    if (getrandom(&v, sizeof v, 0) != sizeof v) throw system_error("get random bytes", "getrandom", errno);
  return v;
}

void check_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 15 &&
                  std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
  if (!ok) throw error("use datapath name", name, "names are 1 to 15 characters of letters, digits, '_' and '-'");
}

std::string dp_dir(const std::string& bpffs, const std::string& name) { return bpffs + "/ovsxdp/" + name; }

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

// Detaches the XDP program a pinned link holds, now: removing the pin alone
// frees the link later, from a workqueue, and a veth keeps its peer's
// software segmentation fixed off while a program is attached (the offloads
// a removal restores would come back only then).
void detach_pinned_link(const std::string& path) {
  const unique_fd link(bpf_obj_get(path.c_str()));
  if (link) bpf_link_detach(link.get());
}

void detach_port_links(const std::string& dir) {
  if (DIR* d = opendir((dir + "/links").c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') detach_pinned_link(dir + "/links/" + e->d_name);
    closedir(d);
  }
}

// Undoes the offload changes every port of the datapath pinned in `dir`
// recorded; one line per port that could not be restored.
std::string restore_port_offloads(const std::string& dir) {
  const unique_fd info(bpf_obj_get((dir + "/port_info").c_str()));
  if (!info) return {};
  std::string problems;
  std::uint32_t key = 0, next = 0;
  const std::uint32_t* prev = nullptr;
  while (bpf_map_get_next_key(info.get(), prev, &next) == 0) {
    ovsxdp_port_info pi{};
    if (bpf_map_lookup_elem(info.get(), &next, &pi) == 0)
      if (const std::string p = restore_offloads(pi); !p.empty())
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

// Holds the writers' lock of one datapath (flock: the kernel releases it when
// the holder dies).
class writer_lock {
 public:
  explicit writer_lock(int fd) : fd_(fd) {
    while (flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw system_error("lock datapath", "flock", errno);
  }
  ~writer_lock() { flock(fd_, LOCK_UN); }
  writer_lock(const writer_lock&) = delete;
  writer_lock& operator=(const writer_lock&) = delete;

 private:
  int fd_;
};

template <class T, class V>
void atomic_store(T& where, V value) {
  __atomic_store_n(&where, static_cast<T>(value), __ATOMIC_RELEASE);
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

ovsxdp_ufid derive_ufid(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask) {
  const auto* k = flow::words_of(masked_key);
  const auto* m = flow::words_of(mask);
  std::uint64_t a = flow::kHashSeed, b = ~flow::kHashSeed;
  for (std::size_t i = 0; i < OVSXDP_FLOW_KEY_WORDS; i++) {
    a = flow::hash_word(a, k[i]);
    a = flow::hash_word(a, m[i]);
    b = flow::hash_word(b, m[i] ^ 0x5555555555555555ULL);
    b = flow::hash_word(b, k[i]);
  }
  return ovsxdp_ufid{{flow::hash_finish(a), flow::hash_finish(b)}};
}

double datapath_counters::masks_per_hit() const {
  return values[OVSXDP_C_HIT] ? static_cast<double>(values[OVSXDP_C_MASK_PROBES]) / static_cast<double>(values[OVSXDP_C_HIT]) : 0.0;
}

double datapath_counters::cache_hit_rate() const {
  const std::uint64_t total = values[OVSXDP_C_CACHE_HIT] + values[OVSXDP_C_CACHE_MISS];
  return total ? static_cast<double>(values[OVSXDP_C_CACHE_HIT]) / static_cast<double>(total) : 0.0;
}

const char* counter_name(ovsxdp_counter counter) {
  static constexpr const char* names[] = {
      "hit", "missed", "lost", "mask_probes", "cache_hit", "cache_miss", "miss_dropped", "miss_passed",
      "drop_malformed", "drop_recursion", "drop_action", "drop_explicit", "drop_no_output", "drop_no_port",
      "drop_l3_on_ethernet", "drop_ttl", "drop_internal", "unknown_ingress", "upcall_action", "output", "recirculated", "executed",
      "execute_no_request", "forked", "copy_skipped", "copy_lost", "drop_meter", "drop_fork", "drop_fork_jumbo", "recirc_lost",
      "loop_foreign", "drop_deferred", "tx_drop_mtu", "tx_drop_down", "tx_drop_refused", "tx_drop_other", "vlan_from_metadata"};
  static_assert(std::size(names) == OVSXDP_COUNTER_MAX, "a name for every counter, in enum order");
  return counter < OVSXDP_COUNTER_MAX ? names[counter] : "unknown";
}

// ---------------------------------------------------------------- impl
struct datapath::impl {
  std::string name;
  datapath_location where;
  std::string dir;
  std::map<std::string, map_handle> maps;
  unique_fd programs[OVSXDP_PROGRAM_KINDS];
  mapped_memory info_mem, masks_mem, flows_mem, sets_mem;
  unique_fd lock_fd;
  unique_fd rcu_outer, rcu_inner;
  ring_buffer* upcall_ring = nullptr;
  ring_buffer* trace_ring = nullptr;
  std::uint64_t trace_nonce = 0;  // the run whose trace events are being collected
  std::vector<std::pair<std::uint32_t, trace_event>> trace_collected;  // {sequence, event}
  const std::function<void(const upcall&)>* upcall_handler = nullptr;
  std::size_t upcalls_seen = 0;

  static int on_upcall(void* self, void* data, size_t size) {
    auto* p = static_cast<impl*>(self);
    if (size < sizeof(ovsxdp_upcall) || !p->upcall_handler) return 0;
    ovsxdp_upcall raw;
    std::memcpy(&raw, data, sizeof raw);
    upcall u;
    u.reason = static_cast<ovsxdp_upcall_reason>(raw.reason);
    u.in_port = raw.in_port;
    u.packet_len = raw.packet_len;
    u.pid = raw.pid;
    u.nonce = raw.nonce;
    u.key = raw.key;
    u.userdata.assign(raw.userdata, raw.userdata + std::min<std::uint32_t>(raw.userdata_len, OVSXDP_USERDATA_MAX));
    const auto* bytes = static_cast<const std::uint8_t*>(data) + sizeof raw;
    u.packet.assign(bytes, bytes + std::min<std::size_t>(raw.captured_len, size - sizeof raw));
    (*p->upcall_handler)(u);
    p->upcalls_seen++;
    return 0;
  }

  struct megaflow_id_hasher {
    std::size_t operator()(const std::pair<std::uint32_t, std::uint64_t>& id) const noexcept {
      return static_cast<std::size_t>(id.second ^ (std::uint64_t{id.first} * 0x9e3779b97f4a7c15ULL));
    }
  };

  // Bookkeeping rebuilt from the maps when another writer changed them.
  struct {
    std::uint64_t generation = ~0ULL;
    std::vector<std::uint32_t> free_flows, free_sets, free_masks;
    std::unordered_map<ovsxdp_ufid, std::uint32_t, ufid_hasher, ufid_eq> by_ufid;
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> sets_by_hash;
    // {mask, hash} -> slot. Hashed, not ordered: an install probes it once per
    // mask, and a tree walk per probe was most of an install's host time.
    std::unordered_map<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t, megaflow_id_hasher> megaflows;
    std::map<std::string, std::uint32_t> masks_by_content;
    std::vector<std::uint32_t> dying_flows;      // unlinked; freed after a grace period
    std::vector<std::uint32_t> retired_sets;     // replaced by mod-flow; unreferenced after a grace period
    std::vector<std::uint32_t> retired_masks;    // deactivated; reusable after a grace period
    // A mask_order position was vacated since the last grace period (a lookup
    // that read the longer n_masks may still be about to read it).
    bool order_position_freed = true;
  } table;

  ~impl() {
    if (upcall_ring) ring_buffer__free(upcall_ring);
    if (trace_ring) ring_buffer__free(trace_ring);
  }

  ovsxdp_info& info() const { return *info_mem.as<ovsxdp_info>(); }

  // The writers' lock plus crash detection, for every change to the datapath.
  class write_scope {
   public:
    explicit write_scope(impl& p) : p_(p), lock_(p.lock_fd.get()) { p_.begin_write(); }
    ~write_scope() { p_.end_write(); }
    write_scope(const write_scope&) = delete;
    write_scope& operator=(const write_scope&) = delete;

   private:
    impl& p_;
    writer_lock lock_;
  };
  ovsxdp_mask* masks() const { return masks_mem.as<ovsxdp_mask>(); }
  ovsxdp_flow* flows() const { return flows_mem.as<ovsxdp_flow>(); }
  ovsxdp_action_set* sets() const { return sets_mem.as<ovsxdp_action_set>(); }
  const map_handle& map(const char* n) const { return maps.at(n); }

  // One RCU grace period: a map-in-map update from userspace makes the
  // kernel wait for every running BPF program (maybe_wait_bpf_programs).
  void grace_period() {
    std::uint32_t zero = 0;
    int inner = rcu_inner.get();
    if (bpf_map_update_elem(rcu_outer.get(), &zero, &inner, BPF_ANY) != 0) throw system_error("wait for an RCU grace period", "map-in-map update", errno);
    table.order_position_freed = false;
  }

  std::string mask_content(const ovsxdp_flow_key& mask) const { return std::string(reinterpret_cast<const char*>(&mask), sizeof mask); }

  // ---- bookkeeping ----
  void refresh() {
    if (table.generation == info().generation) return;
    rebuild();
  }

  // Under the writers' lock, before the first change: a nonzero writer_pid
  // means the last holder died mid-write (SIGKILL, a crash) without bumping
  // the generation, so everyone's bookkeeping may be stale and the maps may
  // hold half of its work. Rebuild, repair, then mark this write in progress.
  void begin_write() {
    if (info().writer_pid) {
      rebuild();
      repair_megaflows();
    } else {
      refresh();
    }
    atomic_store(info().writer_pid, static_cast<std::uint32_t>(getpid()));
  }
  void end_write() { atomic_store(info().writer_pid, 0u); }

  // Makes the megaflow hash table agree with the flow slots: every live flow
  // findable, nothing else. A writer killed between the two leaves one
  // without the other.
  void repair_megaflows() {
    const map_handle& m = map("megaflows");
    std::vector<ovsxdp_megaflow_id> stale;
    ovsxdp_megaflow_id key{}, next{};
    const ovsxdp_megaflow_id* prev = nullptr;
    while (bpf_map_get_next_key(m.fd(), prev, &next) == 0) {
      std::uint32_t slot = OVSXDP_NO_FLOW;
      const bool found = m.lookup(next, slot);
      const bool ok = found && slot < info().max_flows && flows()[slot].state == OVSXDP_FLOW_LIVE &&
                      flows()[slot].mask_index == next.mask_index && flows()[slot].hash == next.hash;
      if (!ok) stale.push_back(next);
      key = next;
      prev = &key;
    }
    for (const auto& id : stale) m.erase(id);
    for (const auto& [u, slot] : table.by_ufid) {
      const ovsxdp_flow& f = flows()[slot];
      m.update(ovsxdp_megaflow_id{f.mask_index, 0, f.hash}, slot);
    }
    bump_generation();
  }

  void rebuild() {
    auto& t = table;
    t.free_flows.clear();
    t.free_sets.clear();
    t.free_masks.clear();
    t.by_ufid.clear();
    t.sets_by_hash.clear();
    t.megaflows.clear();
    t.masks_by_content.clear();
    t.dying_flows.clear();
    t.retired_sets.clear();
    t.retired_masks.clear();
    const ovsxdp_info& inf = info();
    std::vector<std::uint32_t> set_refs(inf.max_action_sets, 0), mask_refs(inf.max_masks, 0);
    for (std::uint32_t i = inf.max_flows; i-- > 0;) {
      const ovsxdp_flow& f = flows()[i];
      if (f.state == OVSXDP_FLOW_FREE) {
        t.free_flows.push_back(i);
        continue;
      }
      if (f.actions < inf.max_action_sets) set_refs[f.actions]++;
      if (f.mask_index < inf.max_masks) mask_refs[f.mask_index]++;
      if (f.state == OVSXDP_FLOW_DYING) {
        t.dying_flows.push_back(i);  // left by a writer that stopped before reclaiming
        continue;
      }
      t.by_ufid[f.ufid] = i;
      t.megaflows[{f.mask_index, f.hash}] = i;
    }
    for (std::uint32_t i = inf.max_action_sets; i-- > 0;) {
      ovsxdp_action_set& s = sets()[i];
      s.refcount = set_refs[i];
      if (!set_refs[i]) t.free_sets.push_back(i);
      else t.sets_by_hash[s.content_hash].push_back(i);
    }
    // The probe order is the truth for what lookups see; repair what a
    // writer that stopped midway left: masks without flows leave the order,
    // masks with flows missing from it join it.
    std::vector<bool> ordered(inf.max_masks, false);
    std::uint32_t n = std::min<std::uint32_t>(inf.n_masks, inf.max_masks);
    for (std::uint32_t pos = 0; pos < n;) {
      const std::uint32_t i = info().mask_order[pos];
      if (i < inf.max_masks && masks()[i].active && mask_refs[i] && !ordered[i]) {
        ordered[i] = true;
        pos++;
        continue;
      }
      remove_from_order(pos);
      n--;
    }
    t.order_position_freed = true;  // another writer may have vacated positions
    for (std::uint32_t i = inf.max_masks; i-- > 0;) {
      ovsxdp_mask& m = masks()[i];
      m.refcount = mask_refs[i];
      if (mask_refs[i]) {
        if (!m.active || !ordered[i]) {
          atomic_store(m.active, static_cast<std::uint8_t>(1));
          append_to_order(i);
        }
        t.masks_by_content[mask_content(m.mask)] = i;
      } else if (m.active || m.n_words) {
        // Used until recently: a reader may still hold it.
        atomic_store(m.active, static_cast<std::uint8_t>(0));
        t.retired_masks.push_back(i);
      } else {
        t.free_masks.push_back(i);
      }
    }
    t.generation = inf.generation;
  }

  // After a write under the lock: other writers must re-read; this process's
  // bookkeeping stays current only if it was current before the write.
  void bump_generation() {
    const std::uint64_t old = info().generation, g = old + 1;
    atomic_store(info().generation, g);
    if (table.generation == old) table.generation = g;
  }

  // Frees what waited for a grace period: dying flows, retired action sets
  // and retired masks. Masks the dying flows leave unused retire now and are
  // reused after the next grace period.
  void reclaim() {
    auto& t = table;
    if (t.dying_flows.empty() && t.retired_sets.empty() && t.retired_masks.empty()) return;
    grace_period();
    free_retired_masks();
    const int cpus = possible_cpus();
    std::vector<ovsxdp_flow_stats> zero_stats(static_cast<std::size_t>(cpus));
    for (std::uint32_t slot : t.dying_flows) {
      ovsxdp_flow& f = flows()[slot];
      if (f.state != OVSXDP_FLOW_DYING) continue;  // another writer got there first
      if (bpf_map_update_elem(map("flow_stats").fd(), &slot, zero_stats.data(), BPF_ANY))
        throw system_error("clear statistics of flow slot", std::to_string(slot), errno);
      release_set(f.actions);
      release_mask(f.mask_index);
      atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_FREE));
      t.free_flows.push_back(slot);
    }
    for (std::uint32_t set : t.retired_sets) release_set(set);
    t.dying_flows.clear();
    t.retired_sets.clear();
  }

  void release_set(std::uint32_t index) {
    if (index >= info().max_action_sets) return;
    ovsxdp_action_set& s = sets()[index];
    if (s.refcount && --s.refcount == 0) {
      if (s.flags & OVSXDP_SET_FORKS) drop_group(index);
      auto& v = table.sets_by_hash[s.content_hash];
      v.erase(std::remove(v.begin(), v.end(), index), v.end());
      table.free_sets.push_back(index);
    }
  }

  // A mask without flows leaves the search at once (each probe of an empty
  // mask costs every uncached lookup); its slot is reused after a grace period.
  void release_mask(std::uint32_t index) {
    if (index >= info().max_masks) return;
    ovsxdp_mask& m = masks()[index];
    if (!m.refcount || --m.refcount) return;
    const std::uint32_t n = info().n_masks;
    for (std::uint32_t pos = 0; pos < n; pos++)
      if (info().mask_order[pos] == index) {
        remove_from_order(pos);
        break;
      }
    atomic_store(m.active, static_cast<std::uint8_t>(0));
    table.masks_by_content.erase(mask_content(m.mask));
    table.retired_masks.push_back(index);
  }

  // The last entry fills the hole, then the count shrinks: a concurrent
  // lookup sees every other mask once either way.
  void remove_from_order(std::uint32_t pos) {
    ovsxdp_info& inf = info();
    const std::uint32_t last = inf.n_masks - 1;
    if (pos != last) atomic_store(inf.mask_order[pos], inf.mask_order[last]);
    atomic_store(inf.n_masks, last);
    table.order_position_freed = true;
  }

  void append_to_order(std::uint32_t index) {
    ovsxdp_info& inf = info();
    if (table.order_position_freed) grace_period();  // nobody still reads past n_masks
    atomic_store(inf.mask_order[inf.n_masks], index);
    atomic_store(inf.n_masks, inf.n_masks + 1);
  }

  void free_retired_masks() {
    for (std::uint32_t i : table.retired_masks) std::memset(&masks()[i], 0, sizeof(ovsxdp_mask));
    table.free_masks.insert(table.free_masks.end(), table.retired_masks.begin(), table.retired_masks.end());
    table.retired_masks.clear();
  }

  // ---- copy groups (include/ovsxdp/datapath/fork.h) ----
  // The devmap and the plans of action set `slot`, made fresh from its bytes
  // and the current ports, then swapped in (plans first: a fork that finds
  // the group finds its plans).
  void build_group(std::uint32_t slot) {
    const ovsxdp_action_set& s = sets()[slot];
    const std::vector<std::uint8_t> bytes(s.bytes, s.bytes + s.length);
    const std::vector<copy_plan> copies = plan_copies(bytes);
    const std::string what = "action set " + std::to_string(slot) + " of datapath " + name;
    unique_fd group(bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "ovsxdp_group", sizeof(std::uint32_t), sizeof(bpf_devmap_val), OVSXDP_FORK_MAX_COPIES,
                                   nullptr));
    if (!group) throw system_error("create the copy group of", what, errno);
    LIBBPF_OPTS(bpf_map_create_opts, lazy, .map_flags = BPF_F_NO_PREALLOC);
    unique_fd plans(bpf_map_create(BPF_MAP_TYPE_HASH, "ovsxdp_plans", sizeof(ovsxdp_copy_plan_key), sizeof(ovsxdp_copy_plan),
                                   2 * OVSXDP_FORK_MAX_COPIES, &lazy));
    if (!plans) throw system_error("create the copy plans of", what, errno);
    std::vector<ovsxdp_copy_plan> raw(copies.size());
    std::map<std::uint32_t, std::vector<std::uint32_t>> by_ifindex;
    ovsxdp_fork_info fork_info{static_cast<std::uint32_t>(copies.size()), 0};
    for (std::uint32_t i = 0; i < copies.size(); i++) {
      ovsxdp_copy_plan& r = raw[i];
      std::memset(&r, 0, sizeof r);
      r.copy_index = static_cast<std::uint16_t>(i);
      r.n_steps = static_cast<std::uint16_t>(copies[i].steps.size());
      r.carrier = copies[i].carrier ? 1 : 0;
      std::copy(copies[i].steps.begin(), copies[i].steps.end(), r.steps);
      std::uint32_t ifindex = 0;
      if (copies[i].recirculates) {
        ifindex = info().loop_ifindex_tx;  // into its next pass, through the loop device
      } else {
        ovsxdp_port_info pi;
        if (map("port_info").lookup(copies[i].port, pi)) ifindex = pi.ifindex;
      }
      if (!ifindex) {  // no such port: no copy leaves there, the fork counts it
        fork_info.copies_without_port++;
        continue;
      }
      by_ifindex[ifindex].push_back(i);
      bpf_devmap_val entry{};
      entry.ifindex = ifindex;
      entry.bpf_prog.fd = programs[OVSXDP_PROGRAM_COPY].get();
      if (bpf_map_update_elem(group.get(), &i, &entry, BPF_ANY)) throw system_error("add copy " + std::to_string(i) + " to the copy group of", what, errno);
    }
    for (auto& [ifindex, indices] : by_ifindex)
      for (std::uint32_t k = 0; k < indices.size(); k++) {
        raw[indices[k]].repeats = static_cast<std::uint16_t>(indices.size());
        const ovsxdp_copy_plan_key key{ifindex, k};
        if (bpf_map_update_elem(plans.get(), &key, &raw[indices[k]], BPF_ANY)) throw system_error("write a copy plan of", what, errno);
      }
    for (std::uint32_t i = 0; i < raw.size(); i++) {
      const ovsxdp_copy_plan_key key{0, i};
      if (bpf_map_update_elem(plans.get(), &key, &raw[i], BPF_ANY)) throw system_error("write a copy plan of", what, errno);
    }
    map("fork_info").update(slot, fork_info);
    int fd = plans.get();
    if (bpf_map_update_elem(map("fork_plans").fd(), &slot, &fd, BPF_ANY)) throw system_error("install the copy plans of", what, errno);
    fd = group.get();
    if (bpf_map_update_elem(map("fork_groups").fd(), &slot, &fd, BPF_ANY)) throw system_error("install the copy group of", what, errno);
  }

  void drop_group(std::uint32_t slot) {
    bpf_map_delete_elem(map("fork_groups").fd(), &slot);
    bpf_map_delete_elem(map("fork_plans").fd(), &slot);
  }

  bool group_exists(std::uint32_t slot) const {
    std::uint32_t id = 0;
    return bpf_map_lookup_elem(map("fork_groups").fd(), &slot, &id) == 0;
  }

  // Ports changed: every group is rebuilt against the new ports.
  void rebuild_groups() {
    for (std::uint32_t i = 0; i < info().max_action_sets; i++)
      if (sets()[i].refcount && (sets()[i].flags & OVSXDP_SET_FORKS)) build_group(i);
  }

  std::uint32_t acquire_set(const std::vector<std::uint8_t>& bytes) {
    const std::uint64_t h = content_hash(bytes.data(), bytes.size());
    for (std::uint32_t i : table.sets_by_hash[h]) {
      ovsxdp_action_set& s = sets()[i];
      if (s.length == bytes.size() && std::memcmp(s.bytes, bytes.data(), bytes.size()) == 0) {
        if ((s.flags & OVSXDP_SET_FORKS) && !group_exists(i)) build_group(i);  // a writer died before making it
        s.refcount++;
        return i;
      }
    }
    if (table.free_sets.empty()) reclaim();
    if (table.free_sets.empty())
      throw error("install flow in datapath", name, "the action-set table is full (" + std::to_string(info().max_action_sets) + " distinct action lists)",
                  "create the datapath with a larger max_action_sets");
    const std::uint32_t i = table.free_sets.back();
    table.free_sets.pop_back();
    ovsxdp_action_set& s = sets()[i];
    std::memset(s.bytes, 0, sizeof s.bytes);
    std::memcpy(s.bytes, bytes.data(), bytes.size());
    s.length = static_cast<std::uint16_t>(bytes.size());
    s.content_hash = h;
    s.flags = fork_record_offset(bytes) ? OVSXDP_SET_FORKS : 0;  // build_group compiles the plans
    if (s.flags & OVSXDP_SET_FORKS) {
      try {
        build_group(i);
      } catch (...) {
        table.free_sets.push_back(i);
        throw;
      }
    }
    s.refcount = 1;
    table.sets_by_hash[h].push_back(i);
    return i;
  }

  std::uint32_t acquire_mask(const ovsxdp_flow_key& mask) {
    const std::string content = mask_content(mask);
    if (auto it = table.masks_by_content.find(content); it != table.masks_by_content.end()) {
      masks()[it->second].refcount++;
      return it->second;
    }
    ovsxdp_info& inf = info();
    if (table.free_masks.empty()) {
      // Dying flows may be holding the last references to masks.
      reclaim();
      if (table.free_masks.empty() && !table.retired_masks.empty()) {
        grace_period();
        free_retired_masks();
      }
    }
    if (table.free_masks.empty())
      throw error("install flow in datapath", name, "the mask table is full (" + std::to_string(inf.max_masks) + " distinct masks in use)",
                  "create the datapath with a larger max_masks, or use fewer distinct wildcard patterns");
    std::sort(table.free_masks.begin(), table.free_masks.end(), std::greater<>());
    const std::uint32_t i = table.free_masks.back();
    table.free_masks.pop_back();
    ovsxdp_mask& m = masks()[i];
    std::memset(&m, 0, sizeof m);
    m.mask = mask;
    const auto* words = flow::words_of(mask);
    for (std::uint32_t w = 0; w < OVSXDP_FLOW_KEY_WORDS; w++)
      if (words[w]) m.words[m.n_words++] = static_cast<std::uint8_t>(w);
    m.refcount = 1;
    atomic_store(m.active, static_cast<std::uint8_t>(1));
    append_to_order(i);
    table.masks_by_content[content] = i;
    return i;
  }

  // The live flow whose mask matches `key`: Linux looks a new flow's key up
  // among installed flows and refuses the add when one covers it.
  std::optional<std::uint32_t> covering_flow(const ovsxdp_flow_key& key) const {
    for (const auto& [content, index] : table.masks_by_content) {
      const ovsxdp_mask& m = masks()[index];
      const std::uint64_t h = flow::masked_hash(key, m, index);
      auto it = table.megaflows.find({index, h});
      if (it != table.megaflows.end() && flow::masked_equal(key, m, flows()[it->second].key)) return it->second;
    }
    return std::nullopt;
  }

  std::optional<std::uint32_t> find(const flow_selector& sel) const {
    if (const auto* u = std::get_if<ovsxdp_ufid>(&sel)) {
      auto it = table.by_ufid.find(*u);
      if (it == table.by_ufid.end()) return std::nullopt;
      return it->second;
    }
    const auto& m = std::get<flow_match>(sel);
    auto mi = table.masks_by_content.find(mask_content(m.mask));
    if (mi == table.masks_by_content.end()) return std::nullopt;
    const ovsxdp_flow_key masked = mask_key(m.key, m.mask);
    const std::uint64_t h = flow::masked_hash(masked, masks()[mi->second], mi->second);
    auto it = table.megaflows.find({mi->second, h});
    if (it == table.megaflows.end()) return std::nullopt;
    if (std::memcmp(&flows()[it->second].key, &masked, sizeof masked) != 0) return std::nullopt;
    return it->second;
  }

  bool port_exists(std::uint32_t port_no) const {
    ovsxdp_port_info pi;
    return map("port_info").lookup(port_no, pi);
  }

  ovsxdp_ufid install(const flow_spec& spec, const std::vector<std::uint8_t>& encoded) {
    const ovsxdp_flow_key masked = mask_key(spec.key, spec.mask);
    const ovsxdp_ufid ufid = spec.ufid.value_or(derive_ufid(masked, spec.mask));
    if (table.by_ufid.count(ufid)) throw error("install flow in datapath", name, "a flow with this UFID already exists (File exists)");
    if (auto other = covering_flow(spec.key))
      throw error("install flow in datapath", name, "an installed flow already covers this key (File exists)",
                  "delete or modify the existing flow (dump-flows shows it), or install a more specific mask first");
    if (table.free_flows.empty()) reclaim();
    if (table.free_flows.empty())
      throw error("install flow in datapath", name, "the flow table is full (" + std::to_string(info().max_flows) + " flows)",
                  "delete flows, or create the datapath with a larger max_flows");
    const std::uint32_t mask_index = acquire_mask(spec.mask);
    std::uint32_t set = 0;
    try {
      set = acquire_set(encoded);
    } catch (...) {
      release_mask(mask_index);
      throw;
    }
    const std::uint32_t slot = table.free_flows.back();
    ovsxdp_flow& f = flows()[slot];
    f.key = masked;
    f.mask_index = mask_index;
    f.actions = set;
    f.flags = spec.ufid ? OVSXDP_FLOW_UFID_PRESENT : 0;
    f.ufid = ufid;
    f.hash = flow::masked_hash(masked, masks()[mask_index], mask_index);
    atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_LIVE));
    const ovsxdp_megaflow_id id{mask_index, 0, f.hash};
    if (!map("megaflows").insert(id, slot)) {
      atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_FREE));
      release_set(set);
      release_mask(mask_index);
      throw error("install flow in datapath", name, "two different flows hash to the same megaflow slot (a 64-bit hash collision)",
                  "report this; change the flow's match slightly as a workaround");
    }
    table.free_flows.pop_back();
    table.by_ufid[ufid] = slot;
    table.megaflows[{mask_index, f.hash}] = slot;
    return ufid;
  }

  void unlink(std::uint32_t slot) {
    ovsxdp_flow& f = flows()[slot];
    const ovsxdp_megaflow_id id{f.mask_index, 0, f.hash};
    map("megaflows").erase(id);
    atomic_store(f.state, static_cast<std::uint32_t>(OVSXDP_FLOW_DYING));
    table.by_ufid.erase(f.ufid);
    table.megaflows.erase({f.mask_index, f.hash});
    table.dying_flows.push_back(slot);
  }

  flow_stats read_stats(std::uint32_t slot) const {
    flow_stats out;
    for (const auto& s : map("flow_stats").lookup_percpu<ovsxdp_flow_stats>(slot, possible_cpus())) {
      out.packets += s.packets;
      out.bytes += s.bytes;
      out.used_ns = std::max<std::uint64_t>(out.used_ns, s.used_ns);
      out.tcp_flags |= s.tcp_flags;
    }
    return out;
  }

  flow_entry entry(std::uint32_t slot, bool with_stats = true) const {
    const ovsxdp_flow& f = flows()[slot];
    flow_entry e;
    e.ufid = f.ufid;
    e.ufid_present = (f.flags & OVSXDP_FLOW_UFID_PRESENT) != 0;
    e.key = f.key;
    e.mask = masks()[f.mask_index].mask;
    const ovsxdp_action_set& s = sets()[f.actions];
    e.actions = decode_actions(std::span<const std::uint8_t>(s.bytes, s.length));
    if (with_stats) e.stats = read_stats(slot);
    return e;
  }

  static int on_trace_event(void* ctx, void* data, size_t size) {
    auto* self = static_cast<impl*>(ctx);
    if (size < sizeof(ovsxdp_trace_event)) return 0;
    ovsxdp_trace_event e;
    std::memcpy(&e, data, sizeof e);
    if (e.nonce != self->trace_nonce) return 0;  // another run's leftovers
    trace_event t;
    t.kind = static_cast<ovsxdp_trace_kind>(e.kind);
    t.port = e.port;
    const auto* bytes = static_cast<const std::uint8_t*>(data) + sizeof e;
    t.packet.assign(bytes, bytes + std::min<std::size_t>(e.length, size - sizeof e));
    self->trace_collected.emplace_back(e.sequence, std::move(t));
    return 0;
  }

  ring_buffer* ring(ring_buffer*& slot, const char* map_name, ring_buffer_sample_fn fn, void* ctx) {
    if (!slot) {
      slot = ring_buffer__new(map(map_name).fd(), fn, ctx, nullptr);
      if (!slot) throw system_error("open ring buffer", map_name, errno);
    }
    return slot;
  }

  // The tracing programs that count, per port, what the kernel drops after
  // an XDP_REDIRECT (bpf-src/port_events.bpf.cpp): loaded with this
  // datapath's maps, attached, their links pinned under events/ (removing
  // the pins detaches them).
  void attach_port_events(const datapath& self) {
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

  // ovsxdp_datapath_vlan_md for device `ifindex`: an instance of its own,
  // bound to the device (the metadata kfunc it calls resolves to that
  // driver's, and the verifier allows it only there) and verified now, with
  // this datapath's maps and settings. The XDP link keeps it alive.
  unique_fd load_bound_program(const datapath& self, unsigned ifindex, const std::string& ifname) {
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

  // The entry of port_stats for new port `port_no`, zeroed: its number when
  // below max_ports, else a free one above.
  std::uint32_t allocate_stats_slot(std::uint32_t port_no) {
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

  std::uint32_t clear_stats_slot(std::uint32_t slot) {
    const std::vector<ovsxdp_port_stats> zero(static_cast<std::size_t>(possible_cpus()));
    if (bpf_map_update_elem(map("port_stats").fd(), &slot, zero.data(), BPF_ANY)) throw system_error("clear the port statistics of datapath", name, errno);
    return slot;
  }

  trace_result run_trace(ovsxdp_program_kind kind, std::uint32_t in_port, std::span<const std::uint8_t> packet, std::uint64_t nonce) {
    ovsxdp_xdp_meta meta{OVSXDP_META_MAGIC, in_port, nonce};
    xdp_test_options options;
    options.metadata = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&meta), sizeof meta);
    // The ring buffer lives as long as this handle, so its callback's context
    // is the handle, not this stack frame.
    ring_buffer* rb = ring(trace_ring, "trace_events", &impl::on_trace_event, this);
    ring_buffer__consume(rb);  // drop leftovers of interrupted runs
    trace_nonce = nonce;
    trace_collected.clear();
    const xdp_test_result r = run_xdp(programs[kind].get(), packet, options);
    ring_buffer__consume(rb);
    auto& events = trace_collected;
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    trace_result out;
    out.verdict = r.verdict;
    for (auto& [seq, e] : events) out.events.push_back(std::move(e));
    events.clear();
    if (r.verdict == XDP_ABORTED) throw error("trace a packet in datapath", name, "the trace program aborted (metadata missing or refused)");
    return out;
  }

  // An execute request; lists that fork run from an action set (the copies
  // find their plans by its slot), held until release_request.
  struct request_handle {
    std::uint64_t nonce = 0;
    std::optional<std::uint32_t> set;
  };
  request_handle put_request(const action_list& actions, const ovsxdp_flow_key* metadata) {
    const planned_actions planned = plan_actions(actions);
    auto request = std::make_unique<ovsxdp_execute_request>();
    std::memset(request.get(), 0, sizeof *request);
    if (metadata) request->metadata = *metadata;
    request->actions.length = static_cast<std::uint16_t>(planned.bytes.size());
    std::memcpy(request->actions.bytes, planned.bytes.data(), planned.bytes.size());
    request->set_slot = OVSXDP_NO_SET;
    request_handle handle;
    if (planned.fork_offset) {
      write_scope write(*this);
      handle.set = acquire_set(planned.bytes);
      request->set_slot = *handle.set;
      bump_generation();
    }
    handle.nonce = random_u64();
    try {
      map("exec_requests").update(handle.nonce, *request);
    } catch (...) {
      release_request(handle);
      throw;
    }
    return handle;
  }

  void release_request(const request_handle& handle) {
    map("exec_requests").erase(handle.nonce);
    if (!handle.set) return;
    write_scope write(*this);
    table.retired_sets.push_back(*handle.set);  // copies may still be in flight: freed after a grace period
    bump_generation();
  }

  // Sends `packet` with an execute header into the loop device and waits
  // (at most a second) for the loop's program to have run request `nonce`.
  std::uint32_t execute_through_loop(std::span<const std::uint8_t> packet, std::uint32_t in_port, std::uint64_t nonce) {
    if (!info().loop_ifindex_tx)
      throw error("execute a packet in datapath", name, "a " + std::to_string(packet.size()) + "-byte frame needs the loop device, and this datapath has none",
                  "re-create the datapath with this version of ovsxdp");
    ovsxdp_loop_execute header{};
    header.ethertype = hton16(OVSXDP_LOOP_EXECUTE_ETHERTYPE);
    header.magic = OVSXDP_LOOP_EXECUTE_MAGIC;
    header.in_port = in_port;
    header.nonce = nonce;
    std::vector<std::uint8_t> frame(sizeof header + packet.size());
    std::memcpy(frame.data(), &header, sizeof header);
    std::memcpy(frame.data() + sizeof header, packet.data(), packet.size());
    packet_socket(static_cast<int>(info().loop_ifindex_tx), "the loop device of datapath " + name).send(frame);
    ovsxdp_execute_request done;
    for (int waited_ms = 0; waited_ms < 1000; waited_ms++) {
      if (!map("exec_requests").lookup(nonce, done))
        throw error("execute a packet in datapath", name, "the execute request vanished while it ran (another process deleted it?)");
      if (done.executions) return done.verdict;
      timespec ms{0, 1000000};
      nanosleep(&ms, nullptr);
    }
    throw error("execute a packet in datapath", name, "the " + std::to_string(packet.size()) + "-byte frame sent through the loop device did not run within 1 s",
                "check that the loop device (ovsxdp-dpctl show) is up and runs the datapath program");
  }

  // Executed actions are checked against the packet's own key, as Linux
  // checks OVS_PACKET_CMD_EXECUTE (the packet's extracted key, exact).
  void validate_for_execute(std::span<const std::uint8_t> packet, const ovsxdp_flow_key* metadata, const action_list& actions) const {
    ovsxdp_flow_key key{};
    if (metadata) key = *metadata;
    std::vector<std::uint8_t> copy(packet.begin(), packet.end());
    if (flow::extract({copy.data(), copy.data() + copy.size()}, key) != flow::extract_status::ok)
      throw invalid_flow("execute a packet in datapath " + name, "", "the packet has no flow key (shorter than an Ethernet header?)");
    ovsxdp_flow_key exact;
    std::memset(&exact, 0xff, sizeof exact);
    try {
      validate_actions(key, exact, actions);
    } catch (const invalid_flow& e) {
      throw invalid_flow("execute a packet in datapath " + name, "", e.reason(), e.remedy());
    }
  }
};

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
  if (o.max_flows < 1 || o.max_action_sets < 1 || o.max_ports < 1 || o.max_meters < 1) throw error("create datapath", o.name, "table sizes must be at least 1");
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
    size(skel->maps.dp_upcalls, o.upcall_ring_bytes);
    size(skel->maps.dp_meters, o.max_meters);
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
                                skel->maps.dp_scratch, skel->maps.dp_upcalls, skel->maps.dp_trace_events,
                                skel->maps.dp_meters, skel->maps.dp_fork_groups, skel->maps.dp_fork_plans, skel->maps.dp_copy_contexts,
                                skel->maps.dp_fork_sequence, skel->maps.dp_saved_frame, skel->maps.dp_fork_info,
                                skel->maps.dp_recirc_contexts, skel->maps.dp_recirc_sequence, skel->maps.dp_trace_deferred,
                                skel->maps.dp_trace_deferred_count, skel->maps.dp_port_stats};
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

// ---------------------------------------------------------------- ports
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
  auto& p = *impl_;
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (!ifindex) throw error("add port", ifname, "no such interface in this network namespace");
  if (ifname.size() >= 16) throw error("add port", ifname, "interface names are at most 15 characters");
  impl::write_scope write(p);
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
  port_info out{.port_no = number, .name = ifname, .ifindex = ifindex};
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
        bound = p.load_bound_program(*this, ifindex, ifname);
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
  std::memcpy(pi.name, ifname.data(), ifname.size());
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
  p.bump_generation();
  return out;
}

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
  const std::string problems = restore_offloads(pi);  // the record goes only after the undo was tried
  p.map("port_info").erase(port_no);
  p.rebuild_groups();  // no copy leaves through the removed port
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

// ---------------------------------------------------------------- flows
ovsxdp_ufid datapath::add_flow(const flow_spec& spec) { return add_flows(std::span<const flow_spec>(&spec, 1)).front(); }

std::vector<ovsxdp_ufid> datapath::add_flows(std::span<const flow_spec> specs, std::size_t* refused) {
  auto& p = *impl_;
  std::vector<std::vector<std::uint8_t>> encoded;
  encoded.reserve(specs.size());
  std::size_t i = 0;
  try {
    for (; i < specs.size(); i++) {
      validate_match(specs[i].key, specs[i].mask, specs[i].attributes);
      validate_actions(mask_key(specs[i].key, specs[i].mask), specs[i].mask, specs[i].actions);
      encoded.push_back(plan_actions(specs[i].actions).bytes);
    }
  } catch (...) {
    if (refused) *refused = i;
    throw;
  }
  impl::write_scope write(p);
  std::vector<ovsxdp_ufid> out;
  out.reserve(specs.size());
  try {
    for (i = 0; i < specs.size(); i++) out.push_back(p.install(specs[i], encoded[i]));
  } catch (...) {
    if (refused) *refused = i;
    for (const ovsxdp_ufid& u : out) p.unlink(p.table.by_ufid.at(u));  // all or nothing
    p.bump_generation();  // others re-read the table
    throw;
  }
  p.bump_generation();
  return out;
}

void datapath::modify_flow(const flow_selector& sel, const action_list& actions, bool clear_stats) {
  auto& p = *impl_;
  impl::write_scope write(p);
  auto slot = p.find(sel);
  if (!slot) throw error("modify a flow in datapath", p.name, "no such flow");
  ovsxdp_flow& f = p.flows()[*slot];
  validate_actions(f.key, p.masks()[f.mask_index].mask, actions);
  const std::uint32_t set = p.acquire_set(plan_actions(actions).bytes);
  const std::uint32_t old = f.actions;
  atomic_store(f.actions, set);  // readers see the old list or the new one, never a mix
  p.table.retired_sets.push_back(old);
  if (clear_stats) {
    std::vector<ovsxdp_flow_stats> zero(static_cast<std::size_t>(possible_cpus()));
    if (bpf_map_update_elem(p.map("flow_stats").fd(), &*slot, zero.data(), BPF_ANY)) throw system_error("clear flow statistics in datapath", p.name, errno);
  }
  p.bump_generation();
}

bool datapath::delete_flow(const flow_selector& sel) { return delete_flows(std::span<const flow_selector>(&sel, 1)) == 1; }

std::size_t datapath::delete_flows(std::span<const flow_selector> sels) {
  auto& p = *impl_;
  impl::write_scope write(p);
  std::size_t deleted = 0;
  for (const auto& sel : sels) {
    if (auto slot = p.find(sel)) {
      p.unlink(*slot);
      deleted++;
    }
  }
  if (p.table.dying_flows.size() >= 4096) p.reclaim();
  p.bump_generation();
  return deleted;
}

std::optional<flow_entry> datapath::get_flow(const flow_selector& sel) const {
  auto& p = *impl_;
  p.refresh();
  auto slot = p.find(sel);
  if (!slot) return std::nullopt;
  return p.entry(*slot);
}

std::vector<flow_entry> datapath::dump_flows() const {
  const auto& p = *impl_;
  std::vector<flow_entry> out;
  const std::uint32_t n = p.info().max_flows;
  for (std::uint32_t i = 0; i < n; i++)
    if (__atomic_load_n(&p.flows()[i].state, __ATOMIC_ACQUIRE) == OVSXDP_FLOW_LIVE) out.push_back(p.entry(i));
  return out;
}

std::size_t datapath::flow_count() const {
  const auto& p = *impl_;
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < p.info().max_flows; i++) n += p.flows()[i].state == OVSXDP_FLOW_LIVE;
  return n;
}

datapath::occupancy datapath::audit() const {
  const auto& p = *impl_;
  occupancy o;
  for (std::uint32_t i = 0; i < p.info().max_flows; i++) {
    o.live_flows += p.flows()[i].state == OVSXDP_FLOW_LIVE;
    o.dying_flows += p.flows()[i].state == OVSXDP_FLOW_DYING;
  }
  ovsxdp_megaflow_id key{}, next{};
  const ovsxdp_megaflow_id* prev = nullptr;
  while (bpf_map_get_next_key(p.map("megaflows").fd(), prev, &next) == 0) {
    o.megaflow_entries++;
    key = next;
    prev = &key;
  }
  for (std::uint32_t i = 0; i < p.info().max_action_sets; i++) o.action_sets += p.sets()[i].refcount != 0;
  for (std::uint32_t i = 0; i < p.info().max_masks; i++) o.active_masks += p.masks()[i].active != 0;
  o.probe_positions = p.info().n_masks;
  return o;
}

std::size_t datapath::mask_count() const {
  const auto& p = *impl_;
  std::size_t n = 0;
  for (std::uint32_t pos = 0; pos < p.info().n_masks; pos++) {
    const std::uint32_t i = p.info().mask_order[pos];
    n += i < p.info().max_masks && p.masks()[i].active && p.masks()[i].refcount;
  }
  return n;
}

void datapath::flush() {
  auto& p = *impl_;
  impl::write_scope write(p);
  std::vector<std::uint32_t> live;
  for (const auto& [u, slot] : p.table.by_ufid) live.push_back(slot);
  for (std::uint32_t slot : live) p.unlink(slot);
  p.reclaim();
  p.bump_generation();
}

void datapath::reclaim() {
  auto& p = *impl_;
  impl::write_scope write(p);
  p.reclaim();
  p.bump_generation();
}

// ---------------------------------------------------------------- counters, upcalls
datapath_counters datapath::counters() const {
  datapath_counters out;
  const int cpus = possible_cpus();
  for (std::uint32_t c = 0; c < OVSXDP_COUNTER_MAX; c++)
    for (std::uint64_t v : impl_->map("counters").lookup_percpu<std::uint64_t>(c, cpus)) out.values[c] += v;
  return out;
}

std::size_t datapath::poll_upcalls(const std::function<void(const upcall&)>& handler, int timeout_ms) {
  auto& p = *impl_;
  p.upcall_handler = &handler;
  p.upcalls_seen = 0;
  ring_buffer* rb = p.ring(p.upcall_ring, "upcalls", &impl::on_upcall, &p);
  const int n = timeout_ms > 0 ? ring_buffer__poll(rb, timeout_ms) : ring_buffer__consume(rb);
  p.upcall_handler = nullptr;
  if (n < 0 && n != -EINTR) throw system_error("read upcalls of", p.name, -n);
  return p.upcalls_seen;
}

// ---------------------------------------------------------------- meters
namespace {

std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns's clock
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

meter_entry entry_of(const ovsxdp_meter& m, std::uint32_t id) {
  meter_entry e;
  e.config.id = id;
  e.config.pktps = (m.flags & OVSXDP_METER_PKTPS) != 0;
  e.config.rate = m.rate;
  if (m.flags & OVSXDP_METER_BURST) e.config.burst = m.burst;
  e.config.stats = (m.flags & OVSXDP_METER_STATS) != 0;
  e.stats = {m.packets, m.bytes, m.band_packets, m.band_bytes, monotonic_ns() - std::min<std::uint64_t>(monotonic_ns(), m.created_ns)};
  return e;
}

}  // namespace

void datapath::set_meter(const meter_config& c) {
  auto& p = *impl_;
  const std::string what = "meter " + std::to_string(c.id);
  if (c.id >= p.info().max_meters)
    throw error("set " + what + " in datapath", p.name, "meter ids are 0.." + std::to_string(p.info().max_meters - 1),
                "create the datapath with a larger max_meters");
  if (c.rate == 0) throw error("set " + what + " in datapath", p.name, "the rate must be at least 1 " + std::string(c.pktps ? "packet/s" : "kbit/s"));
  const std::uint32_t burst = c.burst.value_or(c.rate);
  if (burst == 0) throw error("set " + what + " in datapath", p.name, "the burst size must be at least 1");
  ovsxdp_meter m{};
  m.flags = (c.pktps ? OVSXDP_METER_PKTPS : OVSXDP_METER_KBPS) | (c.burst ? OVSXDP_METER_BURST : 0) | (c.stats ? OVSXDP_METER_STATS : 0);
  m.rate = c.rate;
  m.burst = burst;
  // Bucket units: kbit * 10^9 (bits * 10^6) or packets * 10^9.
  m.max_bucket = static_cast<std::uint64_t>(burst) * 1000000000ULL;
  m.bucket = m.max_bucket;
  m.last_ns = m.created_ns = monotonic_ns();
  impl::write_scope write(p);
  p.map("meters").update(c.id, m, BPF_F_LOCK);
  p.bump_generation();
}

bool datapath::delete_meter(std::uint32_t id) {
  auto& p = *impl_;
  if (id >= p.info().max_meters) return false;
  impl::write_scope write(p);
  ovsxdp_meter m{};
  if (!p.map("meters").lookup(id, m) || !m.flags) return false;
  const ovsxdp_meter none{};
  p.map("meters").update(id, none, BPF_F_LOCK);
  p.bump_generation();
  return true;
}

std::optional<meter_entry> datapath::get_meter(std::uint32_t id) const {
  const auto& p = *impl_;
  if (id >= p.info().max_meters) return std::nullopt;
  ovsxdp_meter m{};
  if (bpf_map_lookup_elem_flags(p.map("meters").fd(), &id, &m, BPF_F_LOCK) != 0 || !m.flags) return std::nullopt;
  return entry_of(m, id);
}

std::vector<meter_entry> datapath::dump_meters() const {
  std::vector<meter_entry> out;
  for (std::uint32_t id = 0; id < impl_->info().max_meters; id++)
    if (auto e = get_meter(id)) out.push_back(*e);
  return out;
}

// ---------------------------------------------------------------- execute, trace
namespace {
// The largest frame BPF_PROG_TEST_RUN takes in live-frame mode: one page
// minus the headroom, the page head and the shared info (measured on 6.18:
// 3,408 bytes with our 16 bytes of metadata; the live mode takes no frags).
constexpr std::size_t kLiveFrameMax = 3408;
}  // namespace

std::uint32_t datapath::execute(std::span<const std::uint8_t> packet, std::uint32_t in_port, const action_list& actions,
                                const ovsxdp_flow_key* metadata) {
  auto& p = *impl_;
  p.validate_for_execute(packet, metadata, actions);
  const impl::request_handle request = p.put_request(actions, metadata);
  const std::uint64_t nonce = request.nonce;
  if (packet.size() > kLiveFrameMax) {
    // Too large for a test run (a jumbo frame): send it into the loop
    // device behind an execute header; the datapath program on its other end
    // runs the request like the execute program does, frags and all.
    try {
      const std::uint32_t verdict = p.execute_through_loop(packet, in_port, nonce);
      p.release_request(request);
      return verdict;
    } catch (...) {
      p.release_request(request);
      throw;
    }
  }
  ovsxdp_xdp_meta meta{OVSXDP_META_MAGIC, in_port, nonce};
  xdp_test_options options;
  options.metadata = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&meta), sizeof meta);
  options.live_frames = true;
  if (auto pi = port(in_port)) options.ingress_ifindex = pi->ifindex;
  ovsxdp_execute_request done;
  try {
    run_xdp(p.programs[OVSXDP_PROGRAM_EXECUTE].get(), packet, options);
    // Live frames report no verdict; the program leaves it in the request.
    if (!p.map("exec_requests").lookup(nonce, done))
      throw error("execute a packet in datapath", p.name, "the execute request vanished while it ran (another process deleted it?)");
  } catch (...) {
    p.release_request(request);
    throw;
  }
  p.release_request(request);
  if (done.executions == 0)
    throw error("execute a packet in datapath", p.name, "the execute program did not run the request (metadata missing or refused)");
  return done.verdict;
}

trace_result datapath::trace(std::uint32_t in_port, std::span<const std::uint8_t> packet) {
  auto& p = *impl_;
  writer_lock lock(p.lock_fd.get());  // one trace-ring reader at a time
  return p.run_trace(OVSXDP_PROGRAM_TRACE, in_port, packet, random_u64());
}

trace_result datapath::trace_actions(std::uint32_t in_port, std::span<const std::uint8_t> packet, const action_list& actions,
                                     const ovsxdp_flow_key* metadata) {
  auto& p = *impl_;
  p.validate_for_execute(packet, metadata, actions);
  const impl::request_handle request = p.put_request(actions, metadata);
  try {
    trace_result r;
    {
      writer_lock lock(p.lock_fd.get());  // one trace-ring reader at a time
      r = p.run_trace(OVSXDP_PROGRAM_EXECUTE_TRACE, in_port, packet, request.nonce);
    }
    p.release_request(request);
    return r;
  } catch (...) {
    p.release_request(request);
    throw;
  }
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
