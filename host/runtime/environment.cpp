#include "runtime/environment.hpp"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "runtime/error.hpp"

namespace ovsxdp {
namespace {

constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

unsigned long long effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      std::istringstream in(line.substr(7));
      unsigned long long caps = 0;
      in >> std::hex >> caps;
      return caps;
    }
  }
  return 0;
}

bool has(unsigned long long caps, int cap) { return caps & (1ULL << cap); }

}  // namespace

bool have_bpf_privileges() {
  unsigned long long caps = effective_capabilities();
  if (has(caps, kCapSysAdmin) && has(caps, kCapNetAdmin)) return true;
  return has(caps, kCapBpf) && has(caps, kCapNetAdmin) && has(caps, kCapPerfmon);
}

void require_bpf_privileges(const std::string& operation) {
  if (have_bpf_privileges()) return;
  throw error(operation, "", "loading and running BPF programs needs root (or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON); this process has euid " + std::to_string(geteuid()),
              "run it as root, e.g. with sudo");
}

bool is_bpffs(const std::string& path) {
  struct statfs fs{};
  return statfs(path.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

void ensure_bpffs(const std::string& path) {
  if (is_bpffs(path)) return;
  struct stat st{};
  if (stat(path.c_str(), &st) != 0)
    throw system_error("use bpffs at", path, errno, "create it and mount bpffs: mkdir -p " + path + " && mount -t bpf bpf " + path);
  if (mount("bpf", path.c_str(), "bpf", 0, "mode=0700") != 0)
    throw system_error("mount bpffs at", path, errno, "mount it by hand as root: mount -t bpf bpf " + path);
}

}  // namespace ovsxdp
