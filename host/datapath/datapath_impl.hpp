// The inside of a datapath handle, shared by the files that implement it:
// pins.cpp (bpffs layout, create/open/destroy), flow_table.cpp (flows, masks,
// UFIDs, reclaim), action_store.cpp (action sets, copy groups), ports.cpp,
// packet_io.cpp (upcalls, execute, trace), meters.cpp, counters.cpp.
// Internal: nothing outside host/datapath includes it.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <sys/file.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "datapath/datapath.hpp"
#include "ovsxdp/datapath/state.h"
#include "runtime/bpf_map.hpp"
#include "runtime/error.hpp"
#include "runtime/fd.hpp"
#include "runtime/packet_socket.hpp"

namespace ovsxdp {
namespace datapath_detail {

inline constexpr const char* kProgramPins[OVSXDP_PROGRAM_KINDS] = {"prog_datapath", "prog_trace", "prog_execute", "prog_execute_trace",
                                                                   "prog_copy"};

inline bool ufid_equal(const ovsxdp_ufid& a, const ovsxdp_ufid& b) { return a.words[0] == b.words[0] && a.words[1] == b.words[1]; }

struct ufid_hasher {
  std::size_t operator()(const ovsxdp_ufid& u) const { return std::hash<std::uint64_t>()(u.words[0] ^ (u.words[1] * 0x9e3779b97f4a7c15ULL)); }
};
struct ufid_eq {
  bool operator()(const ovsxdp_ufid& a, const ovsxdp_ufid& b) const { return ufid_equal(a, b); }
};

template <class T, class V>
void atomic_store(T& where, V value) {
  __atomic_store_n(&where, static_cast<T>(value), __ATOMIC_RELEASE);
}

// Holds the writers' lock of one datapath across processes (flock: the
// kernel releases it when the holder dies). flock belongs to the open file,
// which all threads of a handle share: a second thread's flock would succeed
// at once and its unlock would release the first one's lock. So the
// in-process mutex is held with it, always taken first.
class writer_lock {
 public:
  writer_lock(std::mutex& in_process, int fd) : in_process_(in_process), fd_(fd) {
    while (flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw system_error("lock datapath", "flock", errno);
  }
  ~writer_lock() { flock(fd_, LOCK_UN); }
  writer_lock(const writer_lock&) = delete;
  writer_lock& operator=(const writer_lock&) = delete;

 private:
  std::unique_lock<std::mutex> in_process_;  // before the flock, released after it
  int fd_;
};

// A reader-writer lock that lets a waiting writer in before new readers:
// std::shared_mutex (glibc's default rwlock) prefers readers, and a daemon's
// revalidators dumping and looking up flows back to back would starve its
// flow installs.
class rw_lock {
 public:
  rw_lock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~rw_lock() { pthread_rwlock_destroy(&lock_); }
  rw_lock(const rw_lock&) = delete;
  rw_lock& operator=(const rw_lock&) = delete;
  void lock() { pthread_rwlock_wrlock(&lock_); }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

// One upcall ring buffer, mapped into this process (upcalls.cpp): records
// are taken one at a time, in order.
class upcall_ring {
 public:
  upcall_ring(unique_fd fd, const std::string& what);
  ~upcall_ring();
  upcall_ring(const upcall_ring&) = delete;
  upcall_ring& operator=(const upcall_ring&) = delete;
  int fd() const { return fd_.get(); }  // pollable: readable while records wait
  bool take(upcall& out);               // false: none waits

 private:
  unique_fd fd_;
  std::size_t page_ = 0, producer_length_ = 0;
  std::uint64_t mask_ = 0;
  void* consumer_ = nullptr;
  void* producer_ = nullptr;
};

// ports.cpp: the hidden veth end an internal port's datapath side is (11
// characters, derived from both names), and deleting it with its peer.
std::string internal_device_name(const std::string& datapath_name, const std::string& port_name);
std::string delete_internal_device(const ovsxdp_port_info& pi);  // what failed, "" when nothing

// pins.cpp: where a datapath's pins live, and detaching a pinned XDP link.
std::string dp_dir(const std::string& bpffs, const std::string& name);
void detach_pinned_link(const std::string& path);

}  // namespace datapath_detail

struct datapath::impl {
  std::string name;
  datapath_location where;
  std::string dir;
  std::map<std::string, map_handle> maps;
  unique_fd programs[OVSXDP_PROGRAM_KINDS];
  mapped_memory info_mem, masks_mem, flows_mem, sets_mem;
  unique_fd lock_fd;
  // In-process locking (threads share one handle; see datapath.hpp). Order:
  // table_mutex, then trace_mutex, then flock_mutex (held with the flock).
  // Writers hold table_mutex exclusively for the whole write; readers of the
  // table (get_flow, dump_flows, audit...) hold it shared, so they never see
  // this process's writers halfway.
  mutable datapath_detail::rw_lock table_mutex;
  std::mutex trace_mutex;   // the trace ring and what it collects
  std::mutex flock_mutex;   // whoever holds the flock of lock_fd
  unique_fd rcu_outer, rcu_inner;
  ring_buffer* trace_ring = nullptr;
  // Into the loop device, kept open: closing an AF_PACKET socket waits for an
  // RCU grace period (synchronize_net, ~10 ms here), once per execute if
  // each made its own. sendto on one socket is thread-safe.
  std::once_flag loop_socket_once;
  std::unique_ptr<packet_socket> loop_socket;
  std::uint64_t trace_nonce = 0;  // the run whose trace events are being collected
  std::vector<std::pair<std::uint32_t, trace_event>> trace_collected;  // {sequence, event}
  // Upcall channels as this handle last saw them (info.upcall_version).
  struct channel {
    channel(unique_fd fd, const std::string& what) : ring(std::move(fd), what) {}
    datapath_detail::upcall_ring ring;
    std::mutex mutex;  // one reader of the ring at a time
  };
  mutable datapath_detail::rw_lock channels_mutex;  // the vector; taken before a channel's mutex
  std::vector<std::unique_ptr<channel>> channels;
  std::uint32_t channels_version = ~0u;

  struct megaflow_id_hasher {
    std::size_t operator()(const std::pair<std::uint32_t, std::uint64_t>& id) const noexcept {
      return static_cast<std::size_t>(id.second ^ (std::uint64_t{id.first} * 0x9e3779b97f4a7c15ULL));
    }
  };

  // Bookkeeping rebuilt from the maps when another writer changed them.
  struct {
    std::uint64_t generation = ~0ULL;
    std::vector<std::uint32_t> free_flows, free_sets, free_masks;
    std::unordered_map<ovsxdp_ufid, std::uint32_t, datapath_detail::ufid_hasher, datapath_detail::ufid_eq> by_ufid;
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
    if (trace_ring) ring_buffer__free(trace_ring);
  }

  ovsxdp_info& info() const { return *info_mem.as<ovsxdp_info>(); }

  // The writers' lock plus crash detection, for every change to the datapath.
  class write_scope {
   public:
    explicit write_scope(impl& p) : p_(p), table_(p.table_mutex), lock_(p.flock_mutex, p.lock_fd.get()) { p_.begin_write(); }
    ~write_scope() { p_.end_write(); }
    write_scope(const write_scope&) = delete;
    write_scope& operator=(const write_scope&) = delete;

   private:
    impl& p_;
    std::unique_lock<datapath_detail::rw_lock> table_;
    datapath_detail::writer_lock lock_;
  };
  ovsxdp_mask* masks() const { return masks_mem.as<ovsxdp_mask>(); }
  ovsxdp_flow* flows() const { return flows_mem.as<ovsxdp_flow>(); }
  ovsxdp_action_set* sets() const { return sets_mem.as<ovsxdp_action_set>(); }
  const map_handle& map(const char* n) const { return maps.at(n); }
  std::string mask_content(const ovsxdp_flow_key& mask) const { return std::string(reinterpret_cast<const char*>(&mask), sizeof mask); }

  // ---- flow table (flow_table.cpp) ----
  void grace_period();
  void refresh();
  void begin_write();
  void end_write() { datapath_detail::atomic_store(info().writer_pid, 0u); }
  void repair_megaflows();
  void rebuild();
  void bump_generation();
  void reclaim();
  void release_mask(std::uint32_t index);
  void remove_from_order(std::uint32_t pos);
  void append_to_order(std::uint32_t index);
  void free_retired_masks();
  std::uint32_t acquire_mask(const ovsxdp_flow_key& mask);
  std::optional<std::uint32_t> covering_flow(const ovsxdp_flow_key& key) const;
  std::optional<std::uint32_t> find(const flow_selector& sel) const;
  ovsxdp_ufid install(const flow_spec& spec, const std::vector<std::uint8_t>& encoded);
  void unlink(std::uint32_t slot);
  flow_stats read_stats(std::uint32_t slot) const;
  flow_entry entry(std::uint32_t slot, bool with_stats = true) const;

  // ---- action sets and copy groups (action_store.cpp) ----
  void release_set(std::uint32_t index);
  void build_group(std::uint32_t slot);
  void drop_group(std::uint32_t slot);
  bool group_exists(std::uint32_t slot) const;
  void rebuild_groups();
  std::uint32_t acquire_set(const std::vector<std::uint8_t>& bytes);

  // ---- ports (ports.cpp; load_bound_program in pins.cpp, with the other program loads) ----
  bool port_exists(std::uint32_t port_no) const;
  port_info attach_port(datapath& self, const std::string& ifname, std::optional<std::uint32_t> port_no, xdp_attach attach, bool force,
                        const std::string* internal_name);
  void bump_port_generation();
  void attach_port_events(const datapath& self);
  unique_fd load_bound_program(const datapath& self, unsigned ifindex, const std::string& ifname);
  std::uint32_t allocate_stats_slot(std::uint32_t port_no);
  std::uint32_t clear_stats_slot(std::uint32_t slot);

  // ---- upcall channels (upcalls.cpp) ----
  void open_channels();  // (re)maps the rings when another handle replaced them

  // ---- packet I/O (packet_io.cpp) ----
  static int on_trace_event(void* ctx, void* data, size_t size);
  ring_buffer* ring(ring_buffer*& slot, const char* map_name, ring_buffer_sample_fn fn, void* ctx);
  trace_result run_trace(ovsxdp_program_kind kind, std::uint32_t in_port, std::span<const std::uint8_t> packet, std::uint64_t nonce);
  // An execute request; lists that fork run from an action set (the copies
  // find their plans by its slot), held until release_request.
  struct request_handle {
    std::uint64_t nonce = 0;
    std::optional<std::uint32_t> set;
  };
  request_handle put_request(const action_list& actions, const ovsxdp_flow_key* metadata);
  void release_request(const request_handle& handle);
  std::uint32_t execute_through_loop(std::span<const std::uint8_t> packet, std::uint32_t in_port, std::uint64_t nonce);
  void validate_for_execute(std::span<const std::uint8_t> packet, const ovsxdp_flow_key* metadata, const action_list& actions) const;
};

}  // namespace ovsxdp
