#include "runtime/net_namespace.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "runtime/error.hpp"

namespace ovsxdp {

namespace {

unique_fd current_namespace(const std::string& purpose) {
  unique_fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) throw system_error("open the current network namespace for", purpose, errno, "is /proc mounted?");
  return fd;
}

}  // namespace

net_namespace net_namespace::create(const std::string& purpose) {
  unique_fd home = current_namespace(purpose);
  if (::unshare(CLONE_NEWNET) != 0) throw system_error("create a network namespace for", purpose, errno, "run as root (CAP_SYS_ADMIN)");
  net_namespace ns;
  ns.purpose_ = purpose;
  ns.fd_ = current_namespace(purpose);
  if (::setns(home.get(), CLONE_NEWNET) != 0) throw system_error("return from the new network namespace of", purpose, errno);
  ns.path_ = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(ns.fd_.get());
  ns.run("ip link set lo up && sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1");
  return ns;
}

void net_namespace::run(const std::string& command) const {
  std::string quoted;
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string full = "nsenter --net=" + path_ + " sh -c '" + quoted + "' 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) throw system_error("run in network namespace " + purpose_, command, errno);
  std::string output;
  char buffer[512];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0)
    throw error("run in network namespace " + purpose_, command, output.empty() ? "the command failed" : "the command failed: " + output);
}

net_namespace::scope::scope(const net_namespace& target) : previous_(current_namespace(target.purpose_)) {
  if (::setns(target.fd_.get(), CLONE_NEWNET) != 0) throw system_error("enter the network namespace of", target.purpose_, errno);
}

net_namespace::scope::~scope() {
  // Failing to return would leave the thread in the wrong namespace for
  // everything after; there is no sane way on.
  if (::setns(previous_.get(), CLONE_NEWNET) != 0) std::abort();
}

}  // namespace ovsxdp
