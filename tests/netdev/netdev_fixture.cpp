#include "netdev_fixture.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "support/sandbox.hpp"

namespace ovsxdp::testing {

namespace {

std::string run(const std::string& command, int& status) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen " + command + ": " + std::strerror(errno));
  std::string output;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  status = ::pclose(pipe);
  return output;
}

}  // namespace

std::string capture(const std::string& command) {
  int status = 0;
  return run(command, status);
}

std::string capture_ok(const std::string& command) {
  int status = 0;
  std::string output = run(command, status);
  if (status != 0) throw std::runtime_error("`" + command + "` failed: " + output);
  return output;
}

std::string unique_ifname_base(const std::string& tag) { return "ox" + sandbox::get().unique_name(tag); }

ip_veth::ip_veth(const std::string& tag) {
  const std::string base = unique_ifname_base(tag);
  a = base + "a";
  b = base + "b";
  capture_ok("ip link add " + a + " type veth peer name " + b);
}

ip_veth::~ip_veth() { capture("ip link del " + a); }

namespace_child::namespace_child() {
  sandbox::get();  // the child's namespace is then a sibling of the sandbox's, not of the host's
  int ready[2], hold[2];
  if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(hold, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::close(ready[0]);
    ::close(hold[1]);
    const char status = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    if (::write(ready[1], &status, 1) != 1) ::_exit(1);
    char c;
    while (::read(hold[0], &c, 1) > 0) {
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(hold[0]);
  hold_.reset(hold[1]);
  char status = 'n';
  const ssize_t n = ::read(ready[0], &status, 1);
  ::close(ready[0]);
  if (n != 1 || status != 'y') {
    hold_.reset();
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error("the child could not enter a new network namespace");
  }
}

namespace_child::~namespace_child() {
  hold_.reset();
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

private_run_netns::private_run_netns() {
  sandbox::get();  // a mount namespace of our own first
  ::mkdir("/run/netns", 0755);
  if (::mount("oxnetns", "/run/netns", "tmpfs", 0, "mode=0755,size=1m") != 0)
    throw std::runtime_error(std::string("mount tmpfs on /run/netns: ") + std::strerror(errno));
}

private_run_netns::~private_run_netns() { ::umount2("/run/netns", MNT_DETACH); }

}  // namespace ovsxdp::testing
