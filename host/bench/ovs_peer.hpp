// A private Open vSwitch for the benchmarks: its own ovsdb-server and
// ovs-vswitchd with one bridge. Two uses: Open vSwitch's userspace (netdev)
// datapath with AF_XDP ports, the peer `ovsxdp-bench forward` measures
// ovsxdp against (Debian's openvswitch-switch 3.1 binaries), and the same
// ovs-vswitchd built with the ovsxdp provider, a bridge with
// datapath_type=ovsxdp (the build tree's binaries). Nothing of the system's
// OVS service (if any) is used or touched.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ovsxdp::bench {

// Its own ovsdb-server and ovs-vswitchd, run in the calling process's network
// and mount namespaces as foreground children that get SIGTERM when the thread
// that called start() dies (PR_SET_PDEATHSIG), so a crashed benchmark leaves no
// daemons behind: call start() from a thread that outlives the switch (main).
// One bridge of datapath_type, fail-mode=secure; for netdev a PMD thread on
// pmd_cpu_mask. In a private mount namespace libxdp gets a bpffs of its own
// under work_dir. One netdev switch per network namespace: the datapath's tap
// device "ovs-netdev" has a fixed name. Every member throws ovsxdp::error saying what
// failed and what to do; the destructor never throws.
class ovs_switch {
 public:
  struct options {
    std::string work_dir;              // created if missing; daemons' db, sockets, logs, pidfiles
    std::string pmd_cpu_mask = "0x2";  // CPUs for PMD threads
    std::string bridge = "br0";
    std::string datapath_type = "netdev";  // or "ovsxdp" (needs bin_dir with the provider)
    std::string bin_dir;                   // the daemons and tools; empty: PATH, /usr/sbin, /usr/bin
    std::string schema;                    // vswitch.ovsschema; empty: Debian's
    std::vector<std::string> extra_env;    // NAME=VALUE for the daemons (OVSXDP_BPFFS, ...)
    std::vector<std::string> other_config; // KEY=VALUE of Open_vSwitch other_config, set before start
  };

  // work_dir must be missing, empty, or left over from a dead instance; it
  // needs a short path (unix socket names are limited to 107 bytes).
  static ovs_switch start(const options& o);

  ovs_switch(ovs_switch&& other) noexcept;
  ovs_switch& operator=(ovs_switch&& other) noexcept;
  ovs_switch(const ovs_switch&) = delete;
  ovs_switch& operator=(const ovs_switch&) = delete;
  // Stops both daemons (SIGTERM, SIGKILL after a grace period) and waits for
  // them; ovs-vswitchd detaches its XDP programs on SIGTERM. Removes work_dir.
  ~ovs_switch();

  std::string version() const;  // "ovs-vswitchd (Open vSwitch) 3.1.0"
  const std::string& work_dir() const { return options_.work_dir; }

  // An AF_XDP port (type=afxdp, native XDP, copy mode) on an existing
  // interface, OpenFlow port number `ofport`. Returns once ovs-vswitchd has
  // opened it (ofport assigned, no `error`); else removes it again and throws
  // with the Interface error and the end of the vswitchd log.
  void add_afxdp_port(const std::string& ifname, std::uint32_t ofport);
  // A port of type system (the ovsxdp datapath attaches its XDP program).
  void add_system_port(const std::string& ifname, std::uint32_t ofport);

  // ovs-appctl COMMAND ARGS... against this ovs-vswitchd; its stdout.
  std::string appctl_command(const std::vector<std::string>& args) const;
  // ovs-vsctl set Open_vSwitch . other_config:KEY=VALUE (applied at once).
  void set_other_config(const std::string& key, const std::string& value) const;

  // The datapath's own lookup counters (dpctl/show): frames that hit a
  // megaflow, that missed (an upcall), that were lost; and the flow count.
  struct datapath_stats {
    std::uint64_t hit = 0, missed = 0, lost = 0, flows = 0;
  };
  datapath_stats datapath_statistics() const;

  // Replaces the flow table (the NORMAL default included) by these rules in
  // ovs-ofctl add-flow syntax, then purges the datapath flows cached under the
  // old table, so the next packets are translated by the new one.
  void add_flows(const std::vector<std::string>& openflow_rules);

  // Live port counters (OpenFlow 1.4 port stats, read from the device when
  // asked): rx_packets, rx_bytes, tx_packets, tx_bytes, ... (the kernel's
  // counters of the interface), tx_dropped (plus OVS's own), and the AF_XDP
  // sockets' counters: xsk_queue_0_rx_dropped counts frames the kernel had no
  // free UMEM buffer for (OVS not refilling fast enough: the overload signal);
  // OVS 3.1 does not report rx_ring_full. Counters the device lacks are left out.
  std::map<std::string, std::uint64_t> interface_statistics(const std::string& ifname) const;

  // The last `lines` lines of ovs-vswitchd.log, for error messages.
  std::string log_tail(std::size_t lines) const;

 private:
  struct programs {
    std::string ovsdb_tool, ovsdb_server, ovs_vswitchd, ovs_vsctl, ovs_ofctl, ovs_appctl, schema;
  };

  ovs_switch() = default;
  void stop() noexcept;
  void add_port(const std::string& ifname, std::uint32_t ofport, std::vector<std::string> interface_settings, std::string remedy);
  std::string path(const std::string& file) const { return options_.work_dir + "/" + file; }
  // Command lines for the tools, aimed at this instance's sockets.
  std::vector<std::string> vsctl(std::vector<std::string> args) const;
  std::vector<std::string> ofctl(std::vector<std::string> command, std::vector<std::string> args = {}) const;
  std::vector<std::string> appctl(std::vector<std::string> args) const;
  // Runs a tool to completion and returns its stdout; throws with `operation`,
  // `subject`, the command and its stderr when it fails.
  std::string run(const std::string& operation, const std::string& subject, const std::vector<std::string>& argv) const;
  // Throws, with the daemon's output and log, if it has exited (and reaps it).
  void check_alive(pid_t& pid, const std::string& name) const;
  void wait_until_listening(const std::string& socket_path, pid_t& pid, const std::string& name) const;

  options options_;  // work_dir empty: moved from, or nothing to clean up
  programs programs_;
  std::vector<std::string> env_;  // the daemons' and tools' environment
  std::string version_;
  std::string bpffs_;  // a bpffs of libxdp's own under work_dir, when we could mount one
  mutable pid_t ovsdb_server_ = -1;
  mutable pid_t ovs_vswitchd_ = -1;
};

// Where the ovs-vswitchd built with the ovsxdp provider is: the build tree's
// (compiled in when the build made it), unless OVSXDP_OVS_BIN_DIR and
// OVSXDP_OVS_SCHEMA name another. Empty when there is none.
struct ovsxdp_vswitchd_build {
  std::string bin_dir, schema;
};
std::optional<ovsxdp_vswitchd_build> find_ovsxdp_vswitchd();

}  // namespace ovsxdp::bench
