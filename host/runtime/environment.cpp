#include "runtime/environment.hpp"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

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

namespace {

// The source name ovsxdp mounts its bpffs under: release_bpffs unmounts only those.
constexpr const char* kMountSource = "ovsxdp";

bool same_inode(const char* a, const char* b) {
  struct stat sa{}, sb{};
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); i++) {
    const bool octal = i + 3 < field.size() && field[i] == '\\' &&
                       std::all_of(field.begin() + static_cast<long>(i) + 1, field.begin() + static_cast<long>(i) + 4, [](char c) { return c >= '0' && c <= '7'; });
    if (octal) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// The source of the topmost bpffs mounted at `path` ("" when none).
std::string bpffs_mount_source(const std::string& path) {
  char resolved[PATH_MAX];
  if (!realpath(path.c_str(), resolved)) return {};
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line, source;
  while (std::getline(mountinfo, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    std::istringstream in(line);
    std::string id, parent, dev, root, mount_point;
    in >> id >> parent >> dev >> root >> mount_point;
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || unescape_mount_path(mount_point) != resolved) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string type, src;
    tail >> type >> src;
    source = type == "bpf" ? src : std::string();  // later lines are mounted on top
  }
  return source;
}

// `ignoring`: entries that do not count (what the kernel puts in every bpffs).
bool directory_is_empty(const std::string& path, std::initializer_list<std::string_view> ignoring = {}) {
  DIR* d = opendir(path.c_str());
  if (!d) return false;
  bool empty = true;
  while (const dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != ".." && std::find(ignoring.begin(), ignoring.end(), n) == ignoring.end()) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

}  // namespace

bool mount_namespace_outlives_this_process() {
  char own[64] = {};
  if (readlink("/proc/self/ns/mnt", own, sizeof own - 1) <= 0) return false;
  char other[64] = {};
  if (readlink("/proc/1/ns/mnt", other, sizeof other - 1) > 0 && std::strcmp(own, other) == 0) return true;
  // pid 1 may be out of reach (another user namespace, not dumpable): look
  // for any other process that holds this mount namespace.
  const pid_t self = getpid();
  DIR* proc = opendir("/proc");
  if (!proc) return false;
  bool shared = false;
  while (const dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == self) continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    std::memset(other, 0, sizeof other);
    if (readlink((dir + "/ns/mnt").c_str(), other, sizeof other - 1) <= 0 || std::strcmp(own, other) != 0) continue;
    // A child of ours dies with us (or is about to); it does not count.
    std::ifstream stat(dir + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    long ppid = 0;
    if (close != std::string::npos) {
      std::istringstream fields(line.substr(close + 1));
      std::string state;
      fields >> state >> ppid;
    }
    if (ppid == self) continue;
    shared = true;
    break;
  }
  closedir(proc);
  return shared;
}

std::optional<std::string> named_network_namespace() {
  DIR* d = opendir("/run/netns");
  if (!d) return std::nullopt;
  std::optional<std::string> name;
  while (const dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (same_inode(("/run/netns/" + n).c_str(), "/proc/self/ns/net")) {
      name = n;
      break;
    }
  }
  closedir(d);
  return name;
}

std::string missing_bpffs_hint(const std::string& path) {
  if (mount_namespace_outlives_this_process()) return "mount it: mount -t bpf bpf " + path;
  if (const auto netns = named_network_namespace())
    return "this looks like `ip netns exec " + *netns + "`, which gives the command a fresh /sys without the host's bpffs; " +
           "enter only the network namespace instead: nsenter --net=/run/netns/" + *netns + " COMMAND";
  return "this command has a mount namespace of its own (ip netns exec, unshare -m), with no bpffs at " + path +
         "; run it in the host's mount namespace (nsenter --net=PATH enters only a network namespace), or from a shell that "
         "keeps this namespace alive, after mount -t bpf bpf " + path;
}

bpffs_mount ensure_bpffs(const std::string& path) {
  if (is_bpffs(path)) return bpffs_mount::existing;
  struct stat st{};
  if (stat(path.c_str(), &st) != 0)
    throw system_error("use bpffs at", path, errno, "create it and mount bpffs: mkdir -p " + path + " && mount -t bpf bpf " + path);
  if (!S_ISDIR(st.st_mode)) throw error("mount bpffs at", path, "it is not a directory", "give the directory where bpffs is (or should be) mounted");
  if (!directory_is_empty(path))
    throw error("mount bpffs at", path, "it is a directory with files in it and no bpffs: a bpffs mounted there would hide them",
                "give an empty directory, or one where bpffs is mounted (mount -t bpf bpf DIR)");
  // A mount in a namespace of this process's own dies with the namespace
  // (with the last process in it), and every pin in it: the datapath would
  // not outlive the command that made it.
  if (!mount_namespace_outlives_this_process())
    throw error("mount bpffs at", path,
                "no bpffs is mounted there, and this process runs in a mount namespace of its own that dies with it, so a bpffs "
                "it mounted would vanish when this command ends, and the datapath with it",
                missing_bpffs_hint(path));
  if (mount(kMountSource, path.c_str(), "bpf", 0, "mode=0700") != 0)
    throw system_error("mount bpffs at", path, errno, "mount it by hand as root: mount -t bpf bpf " + path);
  return bpffs_mount::mounted;
}

bool release_bpffs(const std::string& path) {
  // CONFIG_BPF_PRELOAD puts these two iterators into every new bpffs.
  if (!is_bpffs(path) || bpffs_mount_source(path) != kMountSource || !directory_is_empty(path, {"maps.debug", "progs.debug"})) return false;
  return umount2(path.c_str(), UMOUNT_NOFOLLOW) == 0;
}

}  // namespace ovsxdp
