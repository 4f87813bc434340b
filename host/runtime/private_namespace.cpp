#include "runtime/private_namespace.hpp"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "runtime/environment.hpp"
#include "runtime/error.hpp"

namespace ovsxdp {

namespace {

// A process killed before its destructor ran leaves /tmp/ovsxdp-<tag>-<pid>-XXXXXX
// behind (its bpffs mount died with its mount namespace, so only empty
// directories and lock files remain); sweep those whose owner is gone.
void remove_directories_of_dead_processes() {
  DIR* tmp = opendir("/tmp");
  if (!tmp) return;
  while (const dirent* entry = readdir(tmp)) {
    const std::string name = entry->d_name;
    if (name.rfind("ovsxdp-", 0) != 0) continue;
    const auto last_dash = name.rfind('-');
    const auto pid_dash = last_dash == std::string::npos || last_dash == 0 ? std::string::npos : name.rfind('-', last_dash - 1);
    if (pid_dash == std::string::npos || pid_dash + 1 >= last_dash) continue;
    const std::string pid_text = name.substr(pid_dash + 1, last_dash - pid_dash - 1);
    if (pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    const pid_t owner = static_cast<pid_t>(std::stol(pid_text));
    if (owner <= 0 || kill(owner, 0) == 0 || errno != ESRCH) continue;
    const std::string dir = "/tmp/" + name;
    rmdir((dir + "/bpffs").c_str());
    std::system(("rm -rf '" + dir + "/run'").c_str());
    rmdir(dir.c_str());
  }
  closedir(tmp);
}

}  // namespace

private_namespace private_namespace::enter(const std::string& purpose) {
  require_bpf_privileges("set up a private network namespace and bpffs for " + purpose);
  if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
    throw system_error("enter private network and mount namespaces for", purpose, errno, "run as root (CAP_SYS_ADMIN)");
  // Our mounts must not propagate back to the host's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw system_error("make mounts private for", purpose, errno);
  std::string tag = purpose;
  for (char& c : tag)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  remove_directories_of_dead_processes();
  std::string dir_template = "/tmp/ovsxdp-" + tag + "-" + std::to_string(getpid()) + "-XXXXXX";
  if (!mkdtemp(dir_template.data())) throw system_error("create a private directory for", purpose, errno);
  private_namespace ns;
  ns.dir_ = dir_template;
  ns.bpffs_ = ns.dir_ + "/bpffs";
  ns.run_dir_ = ns.dir_ + "/run";
  if (mkdir(ns.bpffs_.c_str(), 0700) != 0) throw system_error("create directory", ns.bpffs_, errno);
  if (mount("bpf", ns.bpffs_.c_str(), "bpf", 0, "mode=0700") != 0)
    throw system_error("mount a private bpffs at", ns.bpffs_, errno, "the kernel needs CONFIG_BPF_SYSCALL");
  ns.run("ip link set lo up");
  // No IPv6 autoconfiguration chatter on our interfaces.
  ns.run("sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1");
  return ns;
}

private_namespace::private_namespace(private_namespace&& other) noexcept
    : dir_(std::exchange(other.dir_, {})), bpffs_(std::exchange(other.bpffs_, {})), run_dir_(std::exchange(other.run_dir_, {})) {}

private_namespace& private_namespace::operator=(private_namespace&& other) noexcept {
  if (this != &other) {
    release();
    dir_ = std::exchange(other.dir_, {});
    bpffs_ = std::exchange(other.bpffs_, {});
    run_dir_ = std::exchange(other.run_dir_, {});
  }
  return *this;
}

private_namespace::~private_namespace() { release(); }

void private_namespace::release() noexcept {
  if (dir_.empty()) return;
  umount2(bpffs_.c_str(), MNT_DETACH);
  rmdir(bpffs_.c_str());
  // Lock files of datapaths created here.
  std::system(("rm -rf '" + run_dir_ + "'").c_str());
  rmdir(dir_.c_str());
  dir_.clear();
}

void private_namespace::run(const std::string& command) const {
  const std::string full = "(" + command + ") >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) throw error("run in private namespace", command, "the command failed");
}

void private_namespace::veth(const std::string& a, const std::string& b) const {
  run("ip link add " + a + " type veth peer name " + b + " && ip link set " + a + " up && ip link set " + b + " up");
}

}  // namespace ovsxdp
