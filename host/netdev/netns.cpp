#include "netdev/netns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <set>
#include <vector>

#include "netdev/netlink.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::netdev {

namespace {

struct stat stat_fd(int fd, const std::string& what) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) throw system_error("read the inode of", what, errno);
  return st;
}

bool is_netns_fd(int fd) { return ::ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET; }

// Names of a directory's entries (without . and ..); empty when it cannot be read.
std::vector<std::string> list_directory(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

bool all_digits(const std::string& text) { return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos; }

// Every path that may name a network namespace, cheapest first: this
// process's threads and fds, the mounts `ip netns` makes, then every process.
void for_each_netns_path(const std::function<bool(const std::string&)>& visit) {
  for (const std::string& task : list_directory("/proc/self/task"))
    if (visit("/proc/self/task/" + task + "/ns/net")) return;
  for (const std::string& fd : list_directory("/proc/self/fd")) {
    char target[64] = {};
    const std::string path = "/proc/self/fd/" + fd;
    const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n > 4 && std::string(target, 5) == "net:[" && visit(path)) return;
  }
  for (const char* dir : {"/run/netns", "/var/run/netns"})
    for (const std::string& name : list_directory(dir))
      if (visit(std::string(dir) + "/" + name)) return;
  for (const std::string& pid : list_directory("/proc"))
    if (all_digits(pid) && visit("/proc/" + pid + "/ns/net")) return;
}

}  // namespace

namespace detail {

void enter_netns(int ns_fd) {
  if (::setns(ns_fd, CLONE_NEWNET) != 0)
    throw system_error("enter network namespace", "fd " + std::to_string(ns_fd), errno,
                       errno == EPERM ? "run as root (CAP_SYS_ADMIN)" : "pass an fd opened on /run/netns/NAME or /proc/PID/ns/net");
}

}  // namespace detail

unique_fd open_current_netns() {
  unique_fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) throw system_error("open the current network namespace", "/proc/thread-self/ns/net", errno, "is /proc mounted?");
  return fd;
}

unique_fd open_netns(const std::string& path) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw system_error("open network namespace", path, errno, "name one with /run/netns/NAME or /proc/PID/ns/net");
  if (!is_netns_fd(fd.get()))
    throw error("open network namespace", path, "it is not a network namespace", "name one with /run/netns/NAME or /proc/PID/ns/net");
  return fd;
}

std::uint64_t netns_inode() {
  struct stat st{};
  if (::stat("/proc/thread-self/ns/net", &st) != 0)
    throw system_error("read the inode of the current network namespace", "/proc/thread-self/ns/net", errno, "is /proc mounted?");
  return st.st_ino;
}

std::uint64_t netns_inode(int ns_fd) { return stat_fd(ns_fd, "network namespace fd " + std::to_string(ns_fd)).st_ino; }

std::uint64_t netns_inode(netns_ref ns) { return ns.is_current() ? netns_inode() : netns_inode(ns.fd()); }

std::string describe_netns(netns_ref ns) {
  try {
    return "net:[" + std::to_string(netns_inode(ns)) + "]";
  } catch (const error&) {
    return "fd " + std::to_string(ns.fd());
  }
}

bool is_current_netns(int ns_fd) {
  struct stat here{};
  if (::stat("/proc/thread-self/ns/net", &here) != 0)
    throw system_error("read the inode of the current network namespace", "/proc/thread-self/ns/net", errno, "is /proc mounted?");
  const struct stat there = stat_fd(ns_fd, "network namespace fd " + std::to_string(ns_fd));
  return here.st_dev == there.st_dev && here.st_ino == there.st_ino;
}

bool same_netns(int a_fd, int b_fd) {
  const struct stat a = stat_fd(a_fd, "network namespace fd " + std::to_string(a_fd));
  const struct stat b = stat_fd(b_fd, "network namespace fd " + std::to_string(b_fd));
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

namespace {

// RTM_GETNSID for `ns_fd` on an open rtnetlink socket.
std::optional<std::int32_t> query_netns_id(netlink_socket& route, int ns_fd) {
  netlink_message request(RTM_GETNSID, 0);
  rtgenmsg family{};
  family.rtgen_family = AF_UNSPEC;
  request.put_struct(family);
  request.put_u32(NETNSA_FD, static_cast<std::uint32_t>(ns_fd));
  for (const netlink_reply& reply : route.exchange(request, "read the id of network namespace", describe_netns(netns_ref(ns_fd))))
    if (reply.type == RTM_NEWNSID) {
      const auto id = reply.attrs(sizeof(rtgenmsg)).s32(NETNSA_NSID);
      if (!id) break;
      if (*id == NETNSA_NSID_NOT_ASSIGNED) return std::nullopt;
      return *id;
    }
  throw error("read the id of network namespace", describe_netns(netns_ref(ns_fd)) + route.where(), "the kernel's answer carries no NETNSA_NSID");
}

}  // namespace

std::optional<std::int32_t> netns_id(int ns_fd, netns_ref seen_from) {
  netlink_socket route(NETLINK_ROUTE, seen_from);
  return query_netns_id(route, ns_fd);
}

std::optional<unique_fd> find_netns_by_id(std::int32_t nsid, netns_ref seen_from) {
  if (nsid < 0) return std::nullopt;
  netlink_socket route(NETLINK_ROUTE, seen_from);
  std::set<std::pair<dev_t, ino_t>> seen;
  std::optional<unique_fd> found;
  for_each_netns_path([&](const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 || !seen.insert({st.st_dev, st.st_ino}).second) return false;
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    // Gone since listed, not ours to open, or not a namespace (a stale /run/netns file).
    if (!fd || !is_netns_fd(fd.get())) return false;
    std::optional<std::int32_t> id;
    try {
      id = query_netns_id(route, fd.get());
    } catch (const netlink_error&) {
      return false;
    }
    if (id != nsid) return false;
    found = std::move(fd);
    return true;
  });
  return found;
}

unique_fd open_netns_by_id(std::int32_t nsid, netns_ref seen_from) {
  if (auto fd = find_netns_by_id(nsid, seen_from)) return std::move(*fd);
  std::string from = seen_from.is_current() ? "this namespace" : describe_netns(seen_from);
  throw error("find the network namespace with id", std::to_string(nsid) + " (as " + from + " numbers them)",
              "no mount under /run/netns or /var/run/netns, no process or thread, and no fd of this process refers to it",
              "keep a process or an `ip netns` name in that namespace while it is looked up");
}

}  // namespace ovsxdp::netdev
