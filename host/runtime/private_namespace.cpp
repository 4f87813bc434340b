#include "runtime/private_namespace.hpp"

#include <sched.h>
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

private_namespace private_namespace::enter(const std::string& purpose) {
  require_bpf_privileges("set up a private network namespace and bpffs for " + purpose);
  if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
    throw system_error("enter private network and mount namespaces for", purpose, errno, "run as root (CAP_SYS_ADMIN)");
  // Our mounts must not propagate back to the host's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw system_error("make mounts private for", purpose, errno);
  std::string tag = purpose;
  for (char& c : tag)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  std::string dir_template = "/tmp/ovsxdp-" + tag + "-XXXXXX";
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
