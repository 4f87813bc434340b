// Network namespaces by file descriptor: which one a thread is in, their
// inode numbers (what the kernel's net.ns.inum holds), the ids (nsids) one
// namespace gives others (IFLA_LINK_NETNSID names a veth peer's namespace
// that way), and running code inside another one.
//
// setns(CLONE_NEWNET) moves only the calling thread, so run_in_netns() runs
// its function on a short-lived thread of its own: the caller never changes
// namespace, and nothing here keeps state between calls.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "runtime/fd.hpp"

namespace ovsxdp::netdev {

// Which network namespace an operation works in: the calling thread's (the
// default) or the one an fd refers to. It does not own the fd, which must
// stay open for the call.
class netns_ref {
 public:
  netns_ref() = default;
  explicit netns_ref(int fd) : fd_(fd) {}
  static netns_ref current() { return {}; }

  bool is_current() const noexcept { return fd_ < 0; }
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

// The calling thread's namespace (/proc/thread-self/ns/net).
unique_fd open_current_netns();
// A namespace by path: /run/netns/NAME, /proc/PID/ns/net, /proc/PID/fd/N.
// Throws unless the path is a network namespace.
unique_fd open_netns(const std::string& path);

// Inode numbers: the same namespace has the same one everywhere, and the
// kernel keeps it in struct net's ns.inum.
std::uint64_t netns_inode();  // the calling thread's
std::uint64_t netns_inode(int ns_fd);
std::uint64_t netns_inode(netns_ref ns);
// "net:[4026531840]", how /proc names it; for error messages.
std::string describe_netns(netns_ref ns);

bool is_current_netns(int ns_fd);
bool same_netns(int a_fd, int b_fd);

// The id that `seen_from` (default: the calling thread's namespace) gives the
// namespace `ns_fd` refers to; nullopt when it has none yet (the kernel
// assigns one when it first reports it, e.g. as a veth peer's
// IFLA_LINK_NETNSID).
std::optional<std::int32_t> netns_id(int ns_fd, netns_ref seen_from = {});

// The namespace that has id `nsid` in `seen_from`. A namespace is found only
// while something names it: a mount under /run/netns or /var/run/netns, a
// process's or thread's /proc/PID/ns/net, or an fd of this process. nullopt
// when none of those has the id.
std::optional<unique_fd> find_netns_by_id(std::int32_t nsid, netns_ref seen_from = {});
// The same, throwing an error that says where it looked when none matches.
unique_fd open_netns_by_id(std::int32_t nsid, netns_ref seen_from = {});

namespace detail {
// Moves the calling thread into `ns_fd`'s namespace; throws on failure.
void enter_netns(int ns_fd);
}  // namespace detail

// Runs fn() on a new thread inside the namespace `ns_fd` refers to and
// returns its result; an exception thrown by fn() is rethrown here. The
// calling thread stays where it is. fn() must not hold on to the thread.
template <class F>
std::invoke_result_t<F&> run_in_netns(int ns_fd, F&& fn) {
  using result_type = std::invoke_result_t<F&>;
  std::exception_ptr failure;
  if constexpr (std::is_void_v<result_type>) {
    std::thread worker([&] {
      try {
        detail::enter_netns(ns_fd);
        fn();
      } catch (...) {
        failure = std::current_exception();
      }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
  } else {
    std::optional<result_type> result;
    std::thread worker([&] {
      try {
        detail::enter_netns(ns_fd);
        result.emplace(fn());
      } catch (...) {
        failure = std::current_exception();
      }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }
}

// run_in_netns() when `ns` names another namespace; a plain call otherwise.
template <class F>
std::invoke_result_t<F&> run_in(netns_ref ns, F&& fn) {
  if (ns.is_current()) return fn();
  return run_in_netns(ns.fd(), std::forward<F>(fn));
}

}  // namespace ovsxdp::netdev
