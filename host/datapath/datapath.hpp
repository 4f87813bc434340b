// An ovsxdp datapath: the BPF programs and maps, pinned in bpffs so several
// processes (a daemon, ovsxdp-dpctl) share it, and the operations on it:
// ports, flows, counters, upcalls, packet execution and tracing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "datapath/actions.hpp"
#include "datapath/key_attributes.hpp"
#include "ovsxdp/abi/conntrack.h"
#include "ovsxdp/abi/datapath.h"
#include "runtime/program_info.hpp"

struct bpf_object;

namespace ovsxdp {

struct datapath_options {
  std::string name;                     // [A-Za-z0-9_-], 1..15 characters
  std::uint32_t max_flows = OVSXDP_DEFAULT_MAX_FLOWS;
  std::uint32_t max_masks = OVSXDP_DEFAULT_MAX_MASKS;
  std::uint32_t max_action_sets = OVSXDP_DEFAULT_MAX_ACTION_SETS;
  std::uint32_t max_ports = OVSXDP_DEFAULT_MAX_PORTS;
  std::uint32_t max_meters = OVSXDP_DEFAULT_MAX_METERS;
  std::uint32_t max_conns = OVSXDP_DEFAULT_MAX_CONNS;  // conntrack entries; a full table evicts the least recently used
  std::uint32_t upcall_ring_bytes = OVSXDP_DEFAULT_UPCALL_RING;
  ovsxdp_miss_policy miss_policy = OVSXDP_MISS_DROP;
  ovsxdp_lookup_cache lookup_cache = OVSXDP_CACHE_FLOW;  // per-CPU cache in front of the megaflow search
  std::string bpffs = "/sys/fs/bpf";    // pins live in <bpffs>/ovsxdp/<name>
  std::string run_dir = "/run/ovsxdp";  // writers' lock files
};

// Where a datapath lives, for open/destroy/list.
struct datapath_location {
  std::string bpffs = "/sys/fs/bpf";
  std::string run_dir = "/run/ovsxdp";
};

enum class xdp_attach {
  native_or_generic,  // native; generic (SKB) mode when the driver has no native XDP
  native,
  generic,
  none,               // a port in the maps with no program on it (tests, trace-only)
};

// A system port is an existing device; an internal port is a device the
// datapath creates for the bridge's local port (a veth pair: `name` faces the
// host stack, its hidden peer carries the datapath's program) and removes
// with the port.
enum class port_kind { system, internal };

struct port_info {
  std::uint32_t port_no = 0;
  port_kind kind = port_kind::system;
  std::string name;
  std::uint32_t ifindex = 0;
  ovsxdp_xdp_mode mode = OVSXDP_XDP_NONE;
  std::string note;  // e.g. why generic mode was used, offloads changed (port_offloads.hpp)
  std::uint32_t offloads = 0;  // OVSXDP_OFFLOAD_*: what add_port changed and removal restores
  // The program on the port: the shared ovsxdp_datapath, or for a port whose
  // VLAN tags can arrive as RX metadata (an offload that cannot be switched
  // off), an instance bound to its device that writes them into the frame.
  ovsxdp_port_program program = OVSXDP_PORT_PROGRAM_DATAPATH;
};

// What the datapath did with one port's frames (summed over CPUs). TX counts
// every frame the datapath sent to the port; the tx_drop_* of them the
// kernel dropped afterwards, as its tracepoints report.
struct port_statistics {
  std::uint64_t rx_packets = 0, rx_bytes = 0;
  std::uint64_t tx_packets = 0, tx_bytes = 0;
  std::uint64_t tx_drop_mtu = 0;      // larger than the egress device's MTU
  std::uint64_t tx_drop_down = 0;     // egress device down
  std::uint64_t tx_drop_refused = 0;  // the device takes no XDP frames (a veth whose peer runs neither XDP nor GRO), or its ring was full
  std::uint64_t tx_drop_other = 0;    // other redirect errors
  std::uint64_t tx_dropped() const { return tx_drop_mtu + tx_drop_down + tx_drop_refused + tx_drop_other; }
};

struct flow_stats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t used_ns = 0;  // CLOCK_MONOTONIC_COARSE of the last hit (one-tick resolution); 0 = never
  std::uint16_t tcp_flags = 0;
};

struct flow_match {
  ovsxdp_flow_key key{};
  ovsxdp_flow_key mask{};
};

struct flow_spec {
  ovsxdp_flow_key key{};
  ovsxdp_flow_key mask{};
  action_list actions;
  std::optional<ovsxdp_ufid> ufid;  // derived from the match when absent
  // The key attributes the flow's text named, checked as Linux checks a
  // netlink key; absent for flows built as values (see validate_match).
  std::optional<key_attributes> attributes;
};

struct flow_entry {
  ovsxdp_ufid ufid{};
  bool ufid_present = false;  // given at install (else derived)
  ovsxdp_flow_key key{};      // masked
  ovsxdp_flow_key mask{};
  action_list actions;
  flow_stats stats;
};

// A meter (OVS meter semantics, one drop band): packets over `rate` (kbit/s,
// or packets/s with pktps) beyond a burst of `burst` (kbit or packets;
// the rate when not given, as OVS) are dropped by the meter action.
struct meter_config {
  std::uint32_t id = 0;
  bool pktps = false;                  // rate and burst in packets, else kbit
  std::uint32_t rate = 0;
  std::optional<std::uint32_t> burst;  // absent: the rate
  bool stats = true;
};
struct meter_stats {
  std::uint64_t packets = 0, bytes = 0;              // everything metered
  std::uint64_t band_packets = 0, band_bytes = 0;    // dropped (over the rate)
  std::uint64_t age_ns = 0;                          // since it was (re)configured
};
struct meter_entry {
  meter_config config;
  meter_stats stats;
};

// One tracked connection as the conntrack table holds it: its tuple in both
// directions and its state (format_conntrack_entry prints it as ovs-dpctl).
struct conntrack_entry {
  ovsxdp_ct_tuple original{};
  ovsxdp_ct_tuple reply{};
  ovsxdp_ct_entry state{};
  std::uint64_t expires_in_ns = 0;  // until its timeout
};

// A connection's tuple in one direction as OVS names it (ct_dpif_tuple,
// ovs-dpctl's ct_nw_src=...): ICMP queries by identifier, type and code
// rather than ports. Ports and identifier in host byte order.
struct conntrack_tuple {
  std::uint8_t family = OVSXDP_CT_IPV4;  // enum ovsxdp_ct_family
  std::uint8_t proto = 0;
  std::uint8_t src[16]{};  // IPv4: the first 4 bytes
  std::uint8_t dst[16]{};
  std::uint16_t src_port = 0, dst_port = 0;  // not ICMP
  std::uint16_t icmp_id = 0;                 // ICMP and ICMPv6
  std::uint8_t icmp_type = 0, icmp_code = 0;
  bool operator==(const conntrack_tuple&) const = default;
};

// The entry's tuples as OVS reports them: the reply direction of an ICMP
// query carries the answer's type (echo reply for echo request).
conntrack_tuple original_tuple(const conntrack_entry& entry);
conntrack_tuple reply_tuple(const conntrack_entry& entry);
// When the connection was created, in CLOCK_REALTIME nanoseconds (the entry
// holds coarse monotonic time).
std::uint64_t conntrack_start_realtime_ns(const conntrack_entry& entry);

// A flow is named by its UFID, or by its exact match (key and mask).
using flow_selector = std::variant<ovsxdp_ufid, flow_match>;

struct datapath_counters {
  std::uint64_t values[OVSXDP_COUNTER_MAX] = {};
  std::uint64_t operator[](ovsxdp_counter c) const { return values[c]; }
  double masks_per_hit() const;   // OVS "masks hit/pkt"
  double cache_hit_rate() const;  // share of lookups answered by the lookup cache
};

// "hit", "drop_no_output", ...: the counter's name in show -s and messages.
const char* counter_name(ovsxdp_counter counter);

struct upcall {
  ovsxdp_upcall_reason reason = OVSXDP_UPCALL_MISS;
  std::uint32_t in_port = 0;
  std::uint32_t packet_len = 0;  // on the wire; packet may be shorter (capture limit)
  std::uint32_t pid = 0;
  std::uint64_t nonce = 0;
  ovsxdp_flow_key key{};
  std::vector<std::uint8_t> userdata;
  std::vector<std::uint8_t> packet;
};

struct trace_event {
  ovsxdp_trace_kind kind = OVSXDP_TRACE_OUTPUT;
  std::uint32_t port = 0;  // output port, or upcall reason
  std::vector<std::uint8_t> packet;
};

struct trace_result {
  std::vector<trace_event> events;  // in emission order
  std::uint32_t verdict = 0;        // XDP action the live datapath would return
};

// Thread safety: one handle may be used by many threads at once (a
// daemon's main thread, upcall handlers and revalidators); writers exclude
// each other within the process (a mutex) and across processes (flock).
class datapath {
 public:
  // Creates and pins a new datapath; throws if one of that name exists.
  static datapath create(const datapath_options& options);
  // Adopts an existing datapath from its pins (nothing is flushed).
  static datapath open(const std::string& name, const datapath_location& where = {});
  static bool exists(const std::string& name, const datapath_location& where = {});
  static std::vector<std::string> list(const datapath_location& where = {});
  // Detaches every port, restores the offloads its ports changed, and
  // removes every pin: nothing is left behind. Returns what could not be
  // restored (one line per port), empty when everything was.
  static std::string destroy(const std::string& name, const datapath_location& where = {});

  datapath(datapath&&) noexcept;
  datapath& operator=(datapath&&) noexcept;
  ~datapath();

  const std::string& name() const;
  const ovsxdp_info& info() const;

  // ---- ports ----
  // Attaches the datapath to `ifname` and prepares its offloads (and its
  // veth peer's) so frames reach XDP as the wire carries them. Where VLAN
  // tags can still arrive outside the frame, as skb or RX metadata (the
  // offload cannot be switched off), and the driver offers the tag as XDP RX
  // metadata, the port runs its own instance of the datapath program, bound
  // to the device and verified here, which writes the tag into the frame;
  // `note` says which.
  port_info add_port(const std::string& ifname, std::optional<std::uint32_t> port_no = {},
                     xdp_attach attach = xdp_attach::native_or_generic, bool force = false);
  // Returns what of the port's offload changes could not be restored ("" when all were).
  std::string remove_port(std::uint32_t port_no);
  // Creates `name` as an internal port (or adopts the internal port of that
  // name this datapath already has) and adds it like add_port.
  port_info add_internal_port(const std::string& name, std::optional<std::uint32_t> port_no = {});
  // Makes a veth port whose peer came up after add_port take redirected
  // frames again (revive_redirect_target in port_offloads.hpp). True when it
  // does or needs nothing; false while its peer is down or for no such port.
  bool revive_port(std::uint32_t port_no);
  // Changes whenever any process adds or removes a port (pinned).
  std::uint64_t port_generation() const;
  std::vector<port_info> ports() const;
  std::optional<port_info> port(std::uint32_t port_no) const;
  std::optional<port_info> port_by_name(const std::string& ifname) const;
  port_statistics port_stats(std::uint32_t port_no) const;  // zeros for no such port
  // Size figures of the program the port's XDP link holds (its own instance
  // when it has one); nullopt for no such port or a port without a program.
  std::optional<program_info> port_program(std::uint32_t port_no) const;

  // ---- flows ----
  ovsxdp_ufid add_flow(const flow_spec& spec);
  // One lock, one pass, all or nothing: when a flow is refused, the flows this
  // call installed before it are removed again (packets may have matched them
  // meanwhile) and `*refused`, when given, is its index in `specs`.
  std::vector<ovsxdp_ufid> add_flows(std::span<const flow_spec> specs, std::size_t* refused = nullptr);
  // Replaces the actions (atomically for the datapath); clears stats on request.
  void modify_flow(const flow_selector& flow, const action_list& actions, bool clear_stats = false);
  bool delete_flow(const flow_selector& flow);
  std::size_t delete_flows(std::span<const flow_selector> flows);
  std::optional<flow_entry> get_flow(const flow_selector& flow) const;
  std::vector<flow_entry> dump_flows() const;
  std::size_t flow_count() const;
  std::size_t mask_count() const;
  // What the maps hold, counted from the maps themselves (not this handle's
  // bookkeeping): after every flow is gone and reclaim() ran, all zero.
  struct occupancy {
    std::size_t live_flows = 0, dying_flows = 0;  // flow slots by state
    std::size_t megaflow_entries = 0;             // hash-table entries
    std::size_t action_sets = 0;                  // sets with references
    std::size_t active_masks = 0, probe_positions = 0;
  };
  occupancy audit() const;
  void flush();
  // Waits one RCU grace period and releases deleted flows' slots now
  // (otherwise done in batches, and on destruction).
  void reclaim();

  // ---- meters ----
  // Adds or replaces meter `config.id` (bucket full, statistics zeroed).
  void set_meter(const meter_config& config);
  bool delete_meter(std::uint32_t id);
  std::optional<meter_entry> get_meter(std::uint32_t id) const;
  std::vector<meter_entry> dump_meters() const;

  // ---- conntrack (conntrack.cpp) ----
  // Live connections, of one zone or all; entries past their timeout are
  // not listed (the datapath removes them when it meets them next).
  std::vector<conntrack_entry> dump_conntrack(std::optional<std::uint16_t> zone = {}) const;
  // Removes the connections of one zone, or all; returns how many went.
  std::size_t flush_conntrack(std::optional<std::uint16_t> zone = {});
  // Removes the connection of `zone` that has `tuple` as its original or its
  // reply direction (as Linux and OVS flush by tuple); false when none has.
  // A tuple conntrack cannot hold (an ICMP type that is no query) is
  // std::invalid_argument.
  bool flush_conntrack(std::uint16_t zone, const conntrack_tuple& tuple);
  // The table's capacity (fixed when the datapath was created: add-dp --max-conns).
  std::uint32_t max_conns() const;

  // ---- counters ----
  datapath_counters counters() const;

  // ---- upcalls ----
  // Upcalls arrive on channels, one BPF ring buffer each (ofproto: one per
  // handler thread). A new datapath has one. Misses go to channel
  // hash(key) % n; a userspace() action to channel pid - 1 when
  // 1 <= pid <= n, else as a miss. Changing the count drops what waits.
  void set_upcall_channels(std::uint32_t n);
  std::uint32_t upcall_channels() const;
  // A descriptor readable (poll/epoll) while channel `channel` holds upcalls.
  int upcall_fd(std::uint32_t channel) const;
  // Takes one upcall from `channel` without waiting; false when none waits.
  // One thread per channel at a time; different channels in parallel.
  bool receive_upcall(std::uint32_t channel, upcall& out);
  void purge_upcalls();
  // Calls `handler` for each upcall waiting on any channel (or arriving
  // within timeout_ms).
  std::size_t poll_upcalls(const std::function<void(const upcall&)>& handler, int timeout_ms);

  // ---- running packets through the same BPF code ----
  // Executes `actions` on `packet` as if it arrived on `in_port`, really
  // transmitting (BPF_PROG_TEST_RUN live frames); `metadata` supplies
  // recirc_id, skb_mark, conntrack and tunnel fields.
  std::uint32_t execute(std::span<const std::uint8_t> packet, std::uint32_t in_port, const action_list& actions,
                        const ovsxdp_flow_key* metadata = nullptr);
  // What the datapath would do with `packet` arriving on `in_port`.
  trace_result trace(std::uint32_t in_port, std::span<const std::uint8_t> packet);
  // What executing `actions` on `packet` would emit.
  trace_result trace_actions(std::uint32_t in_port, std::span<const std::uint8_t> packet, const action_list& actions,
                             const ovsxdp_flow_key* metadata = nullptr);

  std::vector<program_info> programs() const;
  int program_fd(ovsxdp_program_kind kind) const;

  // ---- composing programs of your own with this datapath ----
  // Makes `object` (opened, not loaded; built from include/ovsxdp/datapath
  // headers) use this datapath's maps and load-time settings, so its programs
  // see the same flows, ports and counters.
  void share_with(bpf_object* object) const;

 private:
  struct impl;
  explicit datapath(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

// The UFID a flow without one gets: a hash of its masked key and mask.
ovsxdp_ufid derive_ufid(const ovsxdp_flow_key& masked_key, const ovsxdp_flow_key& mask);

}  // namespace ovsxdp
