// A private Open vSwitch: Debian's 3.1 with its userspace datapath and AF_XDP
// ports, or the build tree's ovs-vswitchd with a datapath_type=ovsxdp bridge.
//
// What this machine taught (Debian 12, OVS 3.1.0, libxdp 1.3.1, kernel 6.18):
// - The daemons run in the foreground as our children, not --detach'ed: a
//   detached daemon is reparented to init, so PR_SET_PDEATHSIG (or anything
//   else tied to us) could not kill it when a benchmark crashes. No --monitor
//   either: it would restart a crashed vswitchd behind our back.
// - RLIMIT_MEMLOCK: ovs-vswitchd raises it to infinity before creating its
//   UMEMs (16384 frames of 4 KiB = 64 MiB per queue) and logs
//   "setrlimit(RLIMIT_MEMLOCK) failed" where CAP_SYS_RESOURCE is missing, as
//   here; harmless for root, since CAP_IPC_LOCK exempts UMEMs from the limit
//   and BPF objects are charged to the memory cgroup on kernels >= 5.11.
// - bpffs: not needed to run. libxdp attaches its xsk_def_prog through its
//   multi-program dispatcher when it can, pinning the dispatcher under
//   /sys/fs/bpf/xdp (the host's bpffs, even from a private mount namespace,
//   and left there if we crash), else as a plain XDP program; here the
//   dispatcher's compatibility check fails with EPERM anyway. We ask for the
//   plain program up front (LIBXDP_SKIP_DISPATCHER): no pins, no failing
//   probe, no freplace hop per packet. libxdp still wants a bpffs as a lock
//   directory (falling back to /run/xdp; OVS works with /sys/fs/bpf
//   unmounted), so in a private mount namespace it gets one of its own.
// - Start-up: start() 140-210 ms (ovsdb-server ~10 ms; ovs-vswitchd spends
//   100 ms calibrating the TSC), each AF_XDP port 70-170 ms (XDP attach, 64
//   MiB UMEM, PMD reload; ~100 ms more with libxdp's dispatcher probe),
//   add_flows 10-35 ms.
#include "bench/ovs_peer.hpp"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>

#include "runtime/error.hpp"
#include "runtime/fd.hpp"

extern char** environ;

namespace ovsxdp::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto kDaemonReadyTimeout = 10s;  // until a daemon listens on its socket
constexpr auto kToolTimeout = 60s;         // one ovs-vsctl/ofctl/appctl run, hard limit
constexpr int kVsctlWaitSeconds = 30;      // ovs-vsctl --timeout: vswitchd applying a change
constexpr auto kStopGrace = 5s;            // SIGTERM, then SIGKILL
constexpr auto kPollInterval = 2ms;
constexpr std::size_t kLogLinesInErrors = 20;
constexpr std::uint32_t kMaxAfxdpQueues = 16;  // OVS 3.1's MAX_XSKQ
constexpr std::uint32_t kMaxOfport = 0xfeff;   // OFPP_MAX - 1
constexpr const char* kOwnerFile = "ovsxdp-ovs-peer.owner";
constexpr const char* kInstall = "apt-get install openvswitch-switch";
constexpr const char* kSchema = "/usr/share/openvswitch/vswitch.ovsschema";

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by ") + strsignal(WTERMSIG(status));
  return "stopped";
}

std::string find_program(const std::string& name, const std::string& bin_dir) {
  if (!bin_dir.empty()) {
    std::string candidate = bin_dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    throw system_error("start Open vSwitch: find program", candidate, errno, "build the tree (scripts/build.sh) or fix options.bin_dir");
  }
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::istringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');)
      if (!dir.empty()) dirs.push_back(dir);
  }
  // ovs-vswitchd and ovsdb-server live in /usr/sbin, often not in a user's PATH.
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) dirs.emplace_back(dir);
  for (const auto& dir : dirs) {
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw error("start Open vSwitch: find program", name, "not found in PATH, /usr/sbin or /usr/bin", kInstall);
}

// Forks and execs argv[0] (a full path) with `env`; stdout and stderr go to
// the given descriptors, stdin is /dev/null. The child gets `death_signal` when
// the calling thread dies and its own process group, so a Ctrl-C meant for
// the benchmark does not kill it before the benchmark has cleaned up.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, int out_fd, int err_fd, int death_signal) {
  // Everything the child touches is prepared here: after fork() in a
  // multithreaded process only async-signal-safe calls are allowed.
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const unique_fd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull) throw system_error("open", "/dev/null", errno);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw system_error("fork to run", argv[0], errno);
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, death_signal);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    if (dup2(devnull.get(), 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
    // No BPF, xsk or pipe descriptors of the benchmark leak into the daemons.
    close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, nullptr);  // SIG_IGN survives exec
    execve(args[0], args.data(), envp.data());
    static constexpr char msg[] = "exec failed\n";
    [[maybe_unused]] auto ignored = write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  return pid;
}

struct tool_result {
  int status = 0;
  bool timed_out = false;
  std::string out, err;
  bool ok() const { return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

tool_result run_tool(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC)) throw system_error("create a pipe for", argv[0], errno);
  unique_fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC)) throw system_error("create a pipe for", argv[0], errno);
  unique_fd err_read(err_pipe[0]), err_write(err_pipe[1]);
  const pid_t pid = spawn(argv, env, out_write.get(), err_write.get(), SIGKILL);
  out_write.reset();
  err_write.reset();

  tool_result r;
  const auto deadline = steady::now() + kToolTimeout;
  pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    const int n = poll(fds, 2, static_cast<int>(left));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;
        open_pipes--;
      }
    }
  }
  while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& a : argv) text += (text.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  return text;
}

// SIGTERM, a grace period, SIGKILL; always reaped.
void terminate(pid_t& pid) noexcept {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  const auto deadline = steady::now() + kStopGrace;
  int status = 0;
  while (true) {
    const pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid || (got < 0 && errno != EINTR)) break;
    if (steady::now() >= deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  pid = -1;
}

bool connectable(const std::string& socket_path) {
  const unique_fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  return connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// The interface's receive queues: AF_XDP needs one socket per queue that can
// receive, else frames on the others bypass OVS. veth: 1 unless created with
// numrxqueues and `ethtool -L`.
std::uint32_t rx_queues(const std::string& ifname) {
  const unique_fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ethtool_channels channels{};
  channels.cmd = ETHTOOL_GCHANNELS;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&channels);
  if (!fd || ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0) return 1;  // no channels API: a single queue
  return std::max<std::uint32_t>(1, channels.rx_count + channels.combined_count);
}

// The last `lines` lines of a log file (read from its last 64 KiB).
std::string file_tail(const std::string& file, std::size_t lines) {
  constexpr std::streamoff kTailBytes = std::streamoff{64} * 1024;
  std::ifstream in(file, std::ios::binary);
  if (!in) return "(no " + file + ")\n";
  in.seekg(0, std::ios::end);
  in.seekg(std::max<std::streamoff>(0, static_cast<std::streamoff>(in.tellg()) - kTailBytes));
  const auto all = lines_of(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  std::string tail;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); i++) tail += all[i] + "\n";
  return tail;
}

// True when this process has a mount namespace of its own: ours differs from
// init's or, where init's is hidden from us, from our parent's.
bool in_private_mount_namespace() {
  struct stat self {};
  if (stat("/proc/self/ns/mnt", &self) != 0) return false;
  for (const std::string& other : {std::string("/proc/1/ns/mnt"), "/proc/" + std::to_string(getppid()) + "/ns/mnt"}) {
    struct stat st {};
    if (stat(other.c_str(), &st) == 0) return st.st_ino != self.st_ino || st.st_dev != self.st_dev;
  }
  return false;
}

// True when a mount made at `dir` would propagate to other namespaces: the
// mount holding `dir` is in a shared peer group (/proc/self/mountinfo).
bool mounts_propagate_from(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::size_t best = 0;
  bool shared = true;  // unknown: assume the worst
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point, options;
    fields >> id >> parent >> dev >> root >> mount_point >> options;
    for (std::size_t at; (at = mount_point.find("\\040")) != std::string::npos;) mount_point.replace(at, 4, " ");
    const bool holds = mount_point == "/" || dir == mount_point || dir.starts_with(mount_point + "/");
    if (!holds || mount_point.size() < best) continue;
    best = mount_point.size();
    shared = false;
    for (std::string tag; fields >> tag && tag != "-";)
      if (tag.starts_with("shared:")) shared = true;
  }
  return shared;
}

// work_dir must hold nothing of anyone else's: the destructor removes it.
// A leftover of a crashed instance (our owner file, owner process gone) is cleared.
void prepare_work_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw error("create the Open vSwitch work directory", dir, ec.message());
  if (!fs::is_empty(dir, ec)) {
    const std::string owner_file = dir + "/" + kOwnerFile;
    std::ifstream in(owner_file);
    long owner = 0;
    if (!(in >> owner))
      throw error("use the Open vSwitch work directory", dir, "it is not empty and not left over by ovs_switch",
                  "pass a new or empty directory: it is removed when the switch stops");
    if (owner > 0 && (kill(static_cast<pid_t>(owner), 0) == 0 || errno != ESRCH))
      throw error("use the Open vSwitch work directory", dir, "process " + std::to_string(owner) + " is still using it",
                  "give each switch its own directory");
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      umount2(entry.path().c_str(), MNT_DETACH);  // our bpffs, if its namespace lives on
      fs::remove_all(entry.path(), ec);
    }
  }
  std::ofstream(dir + "/" + kOwnerFile) << getpid() << "\n";
}

// "rx pkts=6, bytes=446, drop=?" -> {"rx_packets": 6, "rx_bytes": 446}
void parse_port_counters(const std::string& line, std::map<std::string, std::uint64_t>& out) {
  static const std::map<std::string, std::string> rx = {{"pkts", "rx_packets"}, {"bytes", "rx_bytes"},      {"drop", "rx_dropped"},
                                                        {"errs", "rx_errors"},  {"frame", "rx_frame_err"}, {"over", "rx_over_err"},
                                                        {"crc", "rx_crc_err"}};
  static const std::map<std::string, std::string> tx = {
      {"pkts", "tx_packets"}, {"bytes", "tx_bytes"}, {"drop", "tx_dropped"}, {"errs", "tx_errors"}, {"coll", "collisions"}};
  const std::map<std::string, std::string>* names = nullptr;
  if (line.find("rx pkts=") != std::string::npos) names = &rx;
  else if (line.find("tx pkts=") != std::string::npos) names = &tx;
  std::string token;
  std::istringstream in(line);
  while (std::getline(in >> std::ws, token, ' ')) {
    if (!token.empty() && token.back() == ',') token.pop_back();
    const auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string key = token.substr(0, eq), value = token.substr(eq + 1);
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) continue;  // "?", "2.6s"
    std::string name = key;
    if (names) {
      const auto it = names->find(key);
      if (it == names->end()) continue;
      name = it->second;
    } else if (key == "duration") {
      continue;
    }
    out[name] = std::stoull(value);
  }
}

}  // namespace

ovs_switch ovs_switch::start(const options& o) {
  const std::string what = "start Open vSwitch (datapath_type=" + o.datapath_type + ")";
  const bool netdev = o.datapath_type == "netdev";
  if (o.work_dir.empty()) throw error(what, "", "options.work_dir is empty", "name a directory for the daemons' files");
  if (o.bridge.empty() || o.bridge.size() >= IFNAMSIZ || o.bridge.find_first_of("/ \t") != std::string::npos)
    throw error(what, o.bridge, "not a usable bridge name", "use an interface name such as br0");
  if (o.pmd_cpu_mask.empty()) throw error(what, "", "options.pmd_cpu_mask is empty", "give a CPU mask such as 0x2");

  programs p;
  p.ovsdb_tool = find_program("ovsdb-tool", o.bin_dir);
  p.ovsdb_server = find_program("ovsdb-server", o.bin_dir);
  p.ovs_vswitchd = find_program("ovs-vswitchd", o.bin_dir);
  p.ovs_vsctl = find_program("ovs-vsctl", o.bin_dir);
  p.ovs_ofctl = find_program("ovs-ofctl", o.bin_dir);
  p.ovs_appctl = find_program("ovs-appctl", o.bin_dir);
  p.schema = o.schema.empty() ? kSchema : o.schema;
  if (access(p.schema.c_str(), R_OK) != 0) throw system_error(what + ": read the database schema", p.schema, errno, kInstall);

  const std::string dir = fs::absolute(o.work_dir).lexically_normal().string();
  const std::string longest = dir + "/" + (o.bridge.size() > 9 ? o.bridge + ".snoop" : std::string("ovsdb-server.ctl"));
  if (longest.size() >= sizeof(sockaddr_un{}.sun_path))
    throw error(what, dir, "the path is too long for the daemons' unix sockets (" + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)",
                "use a shorter work_dir, e.g. under /tmp");
  // Each userspace datapath makes a tap "ovs-netdev" and one per bridge: a
  // second OVS in this namespace would fail to create its bridge, silently.
  for (const std::string& tap : {netdev ? std::string("ovs-netdev") : o.bridge, o.bridge})
    if (if_nametoindex(tap.c_str()) != 0)
      throw error(what, tap, "an interface of that name exists in this network namespace (another userspace Open vSwitch?)",
                  "run one switch per network namespace; stop the other one or delete the interface");
  prepare_work_dir(dir);

  // From here on the destructor stops whatever has started and removes dir.
  ovs_switch s;
  s.options_ = o;
  s.options_.work_dir = dir;
  s.programs_ = std::move(p);

  for (char** e = environ; *e; ++e) {
    const std::string_view v(*e);
    if (!v.starts_with("OVS_") && !v.starts_with("LIBXDP_")) s.env_.emplace_back(v);
  }
  for (const char* var : {"OVS_RUNDIR=", "OVS_LOGDIR=", "OVS_DBDIR=", "OVS_SYSCONFDIR="}) s.env_.push_back(var + dir);
  s.env_.emplace_back("LIBXDP_SKIP_DISPATCHER=1");
  for (const auto& e : o.extra_env) {
    if (e.find('=') == std::string::npos) throw error(what, e, "an extra_env entry is not NAME=VALUE");
    s.env_.push_back(e);
  }
  // libxdp takes a lock in <bpffs>/xdp when an xsk leaves (port removed or
  // reconfigured, also at exit), creating that directory in the host's
  // /sys/fs/bpf, which a private mount namespace still shares. Give it a
  // bpffs that dies with our namespace, where a mount cannot leak out.
  if (in_private_mount_namespace() && !mounts_propagate_from(dir)) {
    const std::string bpffs = s.path("bpffs");
    if (mkdir(bpffs.c_str(), 0700) == 0 && mount("bpf", bpffs.c_str(), "bpf", 0, "mode=0700") == 0) {
      s.bpffs_ = bpffs;
      s.env_.push_back("LIBXDP_BPFFS=" + bpffs);
    }  // else libxdp uses /sys/fs/bpf (or /run): an empty directory "xdp" at worst
  }

  s.run(what + ": create the database", s.path("conf.db"), {s.programs_.ovsdb_tool, "create", s.path("conf.db"), s.programs_.schema});

  // Console messages (and libxdp's, which go to stderr) land in NAME.out, the
  // rest in NAME.log; nothing goes to the host's syslog.
  auto start_daemon = [&s](const std::string& name, std::vector<std::string> argv) {
    const unique_fd out(open(s.path(name + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out) throw system_error("create", s.path(name + ".out"), errno);
    for (const auto& a : {"--unixctl=" + s.path(name + ".ctl"), "--pidfile=" + s.path(name + ".pid"), "--log-file=" + s.path(name + ".log"),
                          std::string("-vconsole:warn"), std::string("-vsyslog:off")})
      argv.push_back(a);
    return spawn(argv, s.env_, out.get(), out.get(), SIGTERM);
  };
  s.ovsdb_server_ = start_daemon("ovsdb-server", {s.programs_.ovsdb_server, s.path("conf.db"), "--remote=punix:" + s.path("db.sock")});
  s.wait_until_listening(s.path("db.sock"), s.ovsdb_server_, "ovsdb-server");

  // The whole configuration goes in before ovs-vswitchd starts, so it reads it
  // once (nothing to wait for: --no-wait is safe) and creates the PMD thread
  // on pmd-cpu-mask right away instead of moving queues later.
  std::vector<std::string> settings;
  if (netdev) settings.push_back("other_config:pmd-cpu-mask=" + o.pmd_cpu_mask);
  for (const auto& kv : o.other_config) {
    if (kv.find('=') == std::string::npos) throw error(what, kv, "an other_config entry is not KEY=VALUE");
    settings.push_back("other_config:" + kv);
  }
  std::vector<std::string> configure = {"--no-wait", "init"};
  if (!settings.empty()) {  // ovs-vsctl's set needs at least one column
    for (const auto& a : {"--", "set", "Open_vSwitch", "."}) configure.push_back(a);
    configure.insert(configure.end(), settings.begin(), settings.end());
  }
  for (const auto& a : {std::string("--"), std::string("add-br"), o.bridge, std::string("--"), std::string("set"), std::string("Bridge"), o.bridge,
                        "datapath_type=" + o.datapath_type, std::string("fail-mode=secure"), std::string("other_config:disable-in-band=true")})
    configure.push_back(a);
  s.run(what + ": configure the database", s.path("db.sock"), s.vsctl(configure));

  // --disable-system: no kernel datapath (no openvswitch.ko here), no probing for it.
  s.ovs_vswitchd_ = start_daemon("ovs-vswitchd", {s.programs_.ovs_vswitchd, "unix:" + s.path("db.sock"), "--disable-system", "--disable-system-route"});
  s.wait_until_listening(s.path("ovs-vswitchd.ctl"), s.ovs_vswitchd_, "ovs-vswitchd");
  const auto version = lines_of(s.run(what + ": ask for its version", s.path("ovs-vswitchd.ctl"), s.appctl({"version"})));
  s.version_ = version.empty() ? "ovs-vswitchd (version unknown)" : trim(version[0]);
  // The bridge's OpenFlow socket appears once the bridge is configured.
  s.wait_until_listening(s.path(o.bridge + ".mgmt"), s.ovs_vswitchd_, "ovs-vswitchd");
  return s;
}

ovs_switch::ovs_switch(ovs_switch&& other) noexcept
    : options_(std::exchange(other.options_, {})),
      programs_(std::exchange(other.programs_, {})),
      env_(std::exchange(other.env_, {})),
      version_(std::exchange(other.version_, {})),
      bpffs_(std::exchange(other.bpffs_, {})),
      ovsdb_server_(std::exchange(other.ovsdb_server_, -1)),
      ovs_vswitchd_(std::exchange(other.ovs_vswitchd_, -1)) {}

ovs_switch& ovs_switch::operator=(ovs_switch&& other) noexcept {
  if (this != &other) {
    stop();
    options_ = std::exchange(other.options_, {});
    programs_ = std::exchange(other.programs_, {});
    env_ = std::exchange(other.env_, {});
    version_ = std::exchange(other.version_, {});
    bpffs_ = std::exchange(other.bpffs_, {});
    ovsdb_server_ = std::exchange(other.ovsdb_server_, -1);
    ovs_vswitchd_ = std::exchange(other.ovs_vswitchd_, -1);
  }
  return *this;
}

ovs_switch::~ovs_switch() { stop(); }

void ovs_switch::stop() noexcept {
  // A pinned datapath (ovsxdp) outlives a vswitchd that is merely stopped,
  // as the kernel's does, and the userspace datapath leaves its tap devices
  // (ovs-netdev, the bridge's), which would stop the next switch from
  // starting here: ask it to remove its datapath first.
  if (ovs_vswitchd_ > 0 && waitpid(ovs_vswitchd_, nullptr, WNOHANG) == 0) {
    try {
      run_tool(appctl({"exit", "--cleanup"}), env_);
      const auto deadline = steady::now() + kStopGrace;
      while (steady::now() < deadline) {
        const pid_t got = waitpid(ovs_vswitchd_, nullptr, WNOHANG);
        if (got == ovs_vswitchd_ || (got < 0 && errno != EINTR)) {
          ovs_vswitchd_ = -1;
          break;
        }
        std::this_thread::sleep_for(kPollInterval);
      }
    } catch (...) {
    }
  }
  // vswitchd first: on SIGTERM it detaches its XDP programs from the ports;
  // without its database it would only retry.
  terminate(ovs_vswitchd_);
  terminate(ovsdb_server_);
  if (!bpffs_.empty()) umount2(bpffs_.c_str(), MNT_DETACH);
  bpffs_.clear();
  if (!options_.work_dir.empty()) {
    std::error_code ec;
    fs::remove_all(options_.work_dir, ec);
    options_.work_dir.clear();
  }
}

std::string ovs_switch::version() const { return version_; }

void ovs_switch::add_afxdp_port(const std::string& ifname, std::uint32_t ofport) {
  const std::string what = "add AF_XDP port to Open vSwitch bridge " + options_.bridge;
  if (if_nametoindex(ifname.c_str()) == 0)
    throw error(what, ifname, "no such interface in this network namespace", "create it (e.g. a veth) in the namespace that started the switch");
  const std::uint32_t queues = rx_queues(ifname);
  if (queues > kMaxAfxdpQueues)
    throw error(what, ifname, std::to_string(queues) + " receive queues, OVS serves at most " + std::to_string(kMaxAfxdpQueues),
                "ethtool -L " + ifname + " rx 1");

  // xdp-mode=native, because it is the mode that works with the benchmark's
  // generator: frames that a peer XDP_TXes or redirects into a veth
  // (BPF_PROG_TEST_RUN live frames out of a0) need the receiving veth's NAPI,
  // which native XDP turns on. With xdp-mode=generic all 2,000,000 such frames
  // were lost at a1 and none reached b0; generic works only with GRO turned on
  // on a1 (it does not belong to us to change) and then forwarded no faster
  // (median 0.50 vs 0.49 Mpps over 15 interleaved rounds). Native also skips
  // building an skb per frame before the redirect to the socket.
  // Copy mode either way: veth has no zerocopy (native-with-zerocopy fails
  // with EOPNOTSUPP), and best-effort would probe zerocopy first for nothing.
  // n_rxq: one socket per receive queue, else frames on the other queues
  // bypass OVS (1 on a plain veth).
  // use-need-wakeup keeps its default (true): false made no measurable
  // difference (median 0.52 Mpps).
  add_port(ifname, ofport,
           {"type=afxdp", "options:xdp-mode=native", "options:n_rxq=" + std::to_string(queues)},
           "the interface must be up, with native XDP support (veth has it) and no XDP program another process insists on; "
           "without CAP_IPC_LOCK, RLIMIT_MEMLOCK must allow 64 MiB per queue (ulimit -l unlimited)");
}

void ovs_switch::add_system_port(const std::string& ifname, std::uint32_t ofport) {
  add_port(ifname, ofport, {}, "the interface must be up and have native XDP support (veth has it); see the provider's messages in the log");
}

void ovs_switch::add_port(const std::string& ifname, std::uint32_t ofport, std::vector<std::string> interface_settings, std::string remedy) {
  const std::string what = "add port to Open vSwitch bridge " + options_.bridge;
  if (ofport == 0 || ofport > kMaxOfport)
    throw error(what, ifname, "OpenFlow port number " + std::to_string(ofport) + " is out of range", "use 1.." + std::to_string(kMaxOfport));
  if (if_nametoindex(ifname.c_str()) == 0)
    throw error(what, ifname, "no such interface in this network namespace", "create it (e.g. a veth) in the namespace that started the switch");
  check_alive(ovs_vswitchd_, "ovs-vswitchd");
  std::vector<std::string> command = {"--timeout=" + std::to_string(kVsctlWaitSeconds), "add-port", options_.bridge, ifname, "--", "set", "Interface", ifname};
  command.insert(command.end(), interface_settings.begin(), interface_settings.end());
  command.push_back("ofport_request=" + std::to_string(ofport));
  const tool_result added = run_tool(vsctl(command), env_);

  // ovs-vsctl returned once vswitchd had applied the change (or gave up);
  // the Interface row says whether the port opened.
  std::string reason;
  const tool_result state = run_tool(vsctl({"--if-exists", "get", "Interface", ifname, "ofport", "error"}), env_);
  const auto state_lines = lines_of(state.out);
  if (state.ok() && state_lines.size() == 2) {
    const std::string got_ofport = trim(state_lines[0]), got_error = trim(state_lines[1]);
    if (got_error == "[]" && got_ofport == std::to_string(ofport)) return;
    if (got_error != "[]") {
      const bool quoted = got_error.size() >= 2 && got_error.front() == '"' && got_error.back() == '"';
      reason = "ovs-vswitchd: " + (quoted ? got_error.substr(1, got_error.size() - 2) : got_error);
    } else {
      reason = "it got OpenFlow port " + got_ofport + ", not " + std::to_string(ofport);
      remedy = "OpenFlow port " + std::to_string(ofport) + " is taken: give each port its own number";
    }
  }
  if (reason.empty()) reason = trim(added.err.empty() ? state.err : added.err);
  if (reason.empty()) reason = added.timed_out ? "ovs-vsctl timed out" : "ovs-vsctl " + describe_status(added.status);
  if (ovs_vswitchd_ > 0 && waitpid(ovs_vswitchd_, nullptr, WNOHANG) == 0)
    run_tool(vsctl({"--no-wait", "--if-exists", "del-port", options_.bridge, ifname}), env_);  // else vswitchd retries it forever
  throw error(what, ifname, reason + "\n  last lines of " + path("ovs-vswitchd.log") + ":\n" + log_tail(kLogLinesInErrors), remedy);
}

void ovs_switch::add_flows(const std::vector<std::string>& openflow_rules) {
  const std::string what = "install OpenFlow rules in Open vSwitch bridge " + options_.bridge;
  for (const auto& rule : openflow_rules)
    if (rule.find('\n') != std::string::npos) throw error(what, rule, "a rule spans several lines", "pass one rule per element");
  check_alive(ovs_vswitchd_, "ovs-vswitchd");
  run(what + ": delete the existing ones", options_.bridge, ofctl({"del-flows"}));
  if (!openflow_rules.empty()) {
    // One ovs-ofctl for all rules: one connection, one barrier.
    const std::string file = path("flows.txt");
    {
      std::ofstream out(file, std::ios::trunc);
      for (const auto& rule : openflow_rules) out << rule << "\n";
      if (!out.flush()) throw error(what, file, "cannot write the rules file");
    }
    const tool_result r = run_tool(ofctl({"add-flows"}, {file}), env_);
    if (!r.ok()) {
      // "ovs-ofctl: /dir/flows.txt:2: unknown keyword foo": name the rule.
      std::string subject = file;
      const auto at = r.err.find(file + ":");
      if (at != std::string::npos) {
        const std::size_t line = std::strtoul(r.err.c_str() + at + file.size() + 1, nullptr, 10);
        if (line >= 1 && line <= openflow_rules.size()) subject = openflow_rules[line - 1];
      }
      throw error(what, subject, r.timed_out ? "ovs-ofctl timed out" : trim(r.err), "see ovs-fields(7) and ovs-actions(7) for the syntax");
    }
  }
  // Datapath flows cached under the old table would linger until the
  // revalidators get to them; purge them now (~5 ms, where revalidator/wait
  // waits for a whole dump cycle, up to 500 ms).
  run(what + ": purge datapath flows cached under the old ones", options_.bridge, appctl({"revalidator/purge"}));
}

std::map<std::string, std::uint64_t> ovs_switch::interface_statistics(const std::string& ifname) const {
  check_alive(ovs_vswitchd_, "ovs-vswitchd");
  // OpenFlow 1.4 port stats: read from the device on request, unlike the
  // Interface table's statistics column (refreshed every 5 s at best), and
  // with the AF_XDP sockets' own counters as custom statistics.
  const std::string text =
      run("read the counters of Open vSwitch port", ifname, ofctl({"-O", "OpenFlow14", "dump-ports"}, {ifname}));
  std::map<std::string, std::uint64_t> counters;
  for (const auto& line : lines_of(text))
    if (line.find("OFPST_PORT") == std::string::npos) parse_port_counters(line, counters);
  if (!counters.contains("rx_packets")) throw error("read the counters of Open vSwitch port", ifname, "no counters in: " + trim(text));
  return counters;
}

std::string ovs_switch::appctl_command(const std::vector<std::string>& args) const {
  check_alive(ovs_vswitchd_, "ovs-vswitchd");
  return run("run ovs-appctl against Open vSwitch bridge " + options_.bridge, args.empty() ? "" : args[0], appctl(args));
}

void ovs_switch::set_other_config(const std::string& key, const std::string& value) const {
  check_alive(ovs_vswitchd_, "ovs-vswitchd");
  run("set Open vSwitch other_config", key + "=" + value,
      vsctl({"--timeout=" + std::to_string(kVsctlWaitSeconds), "set", "Open_vSwitch", ".", "other_config:" + key + "=" + value}));
}

ovs_switch::datapath_stats ovs_switch::datapath_statistics() const {
  // "  lookups: hit:12 missed:3 lost:0" and "  flows: 2" of dpctl/show.
  const std::string text = appctl_command({"dpctl/show"});
  datapath_stats st;
  bool lookups = false, flows = false;
  auto number_after = [](const std::string& line, const std::string& tag, std::uint64_t& out) {
    const auto at = line.find(tag);
    if (at == std::string::npos) return false;
    out = std::strtoull(line.c_str() + at + tag.size(), nullptr, 10);
    return true;
  };
  for (const auto& line : lines_of(text)) {
    if (line.find("lookups:") != std::string::npos)
      lookups = number_after(line, "hit:", st.hit) && number_after(line, "missed:", st.missed) && number_after(line, "lost:", st.lost);
    else if (line.find("flows:") != std::string::npos)
      flows = number_after(line, "flows:", st.flows);
  }
  if (!lookups || !flows) throw error("read the datapath statistics of Open vSwitch bridge " + options_.bridge, "dpctl/show", "no lookups/flows lines in: " + trim(text));
  return st;
}

std::string ovs_switch::log_tail(std::size_t lines) const { return file_tail(path("ovs-vswitchd.log"), lines); }

std::vector<std::string> ovs_switch::vsctl(std::vector<std::string> args) const {
  args.insert(args.begin(), {programs_.ovs_vsctl, "--db=unix:" + path("db.sock")});
  return args;
}

std::vector<std::string> ovs_switch::ofctl(std::vector<std::string> command, std::vector<std::string> args) const {
  // ovs-ofctl [options] COMMAND SWITCH [args]; the switch is the bridge's OpenFlow socket.
  command.insert(command.begin(), programs_.ovs_ofctl);
  command.push_back("unix:" + path(options_.bridge + ".mgmt"));
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

std::vector<std::string> ovs_switch::appctl(std::vector<std::string> args) const {
  args.insert(args.begin(), {programs_.ovs_appctl, "-t", path("ovs-vswitchd.ctl"), "--timeout=" + std::to_string(kVsctlWaitSeconds)});
  return args;
}

std::string ovs_switch::run(const std::string& operation, const std::string& subject, const std::vector<std::string>& argv) const {
  const tool_result r = run_tool(argv, env_);
  if (r.ok()) return r.out;
  std::string reason = command_line(argv) + (r.timed_out ? " timed out" : " " + describe_status(r.status));
  if (!trim(r.err).empty()) reason += ": " + trim(r.err);
  throw error(operation, subject, reason);
}

void ovs_switch::check_alive(pid_t& pid, const std::string& name) const {
  int status = 0;
  if (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) return;
  const std::string how = pid > 0 ? describe_status(status) : "is not running";
  pid = -1;
  std::string reason = name + " " + how;
  const std::string output = trim(file_tail(path(name + ".out"), kLogLinesInErrors));
  if (!output.empty()) reason += "; its output:\n" + output;
  reason += "\n  last lines of " + path(name + ".log") + ":\n" + file_tail(path(name + ".log"), kLogLinesInErrors);
  throw error("run Open vSwitch", options_.work_dir, reason);
}

void ovs_switch::wait_until_listening(const std::string& socket_path, pid_t& pid, const std::string& name) const {
  const auto deadline = steady::now() + kDaemonReadyTimeout;
  while (!connectable(socket_path)) {
    check_alive(pid, name);
    if (steady::now() >= deadline)
      throw error("start " + name, socket_path,
                  "it did not listen within " + std::to_string(std::chrono::seconds(kDaemonReadyTimeout).count()) + " s\n  last lines of " +
                      path(name + ".log") + ":\n" + file_tail(path(name + ".log"), kLogLinesInErrors));
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::optional<ovsxdp_vswitchd_build> find_ovsxdp_vswitchd() {
  ovsxdp_vswitchd_build b;
#ifdef OVSXDP_BENCH_OVS_BIN_DIR
  b.bin_dir = OVSXDP_BENCH_OVS_BIN_DIR;
  b.schema = OVSXDP_BENCH_OVS_SCHEMA;
#endif
  if (const char* v = std::getenv("OVSXDP_OVS_BIN_DIR"); v && *v) b.bin_dir = v;
  if (const char* v = std::getenv("OVSXDP_OVS_SCHEMA"); v && *v) b.schema = v;
  if (b.bin_dir.empty()) return std::nullopt;
  return b;
}

}  // namespace ovsxdp::bench
