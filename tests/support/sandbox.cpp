#include "support/sandbox.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <exception>
#include <fstream>
#include <thread>

#include "datapath/flow_text.hpp"
#include "netdev/link.hpp"
#include "netdev/netns.hpp"
#include "odp/flow_parse.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::testing {

sandbox& sandbox::get() {
  static sandbox instance;
  return instance;
}

sandbox::sandbox() : namespace_(private_namespace::enter("sandbox")), location_{namespace_.bpffs(), namespace_.run_dir()} {}

datapath_options sandbox::options(const std::string& name) const {
  datapath_options o;
  o.name = name;
  o.bpffs = location_.bpffs;
  o.run_dir = location_.run_dir;
  o.max_flows = 4096;
  o.max_action_sets = 1024;
  o.upcall_ring_bytes = 1u << 20;
  return o;
}

void sandbox::run(const std::string& command) const { namespace_.run(command); }

void sandbox::veth(const std::string& a, const std::string& b) const { namespace_.veth(a, b); }

unique_fd sandbox::veth_with_hidden_peer(const std::string& a, const std::string& b, const std::function<void()>& in_peer_namespace) const {
  const unique_fd here = netdev::open_current_netns();
  unique_fd anchor;
  std::exception_ptr failure;
  // unshare moves only this thread: the namespace lives on through the socket.
  std::thread([&] {
    try {
      if (unshare(CLONE_NEWNET) != 0) throw system_error("create a network namespace for veth peer", b, errno);
      for (const char* conf : {"all", "default"})
        if (!(std::ofstream(std::string("/proc/sys/net/ipv6/conf/") + conf + "/disable_ipv6") << "1\n"))
          throw error("turn IPv6 off in the namespace of veth peer", b, "/proc/sys/net/ipv6 could not be written");
      netdev::create_veth({b, a, here.get(), std::nullopt});
      netdev::set_link_up(b, true);
      if (in_peer_namespace) in_peer_namespace();
      anchor.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      if (!anchor) throw system_error("open a socket in the namespace of veth peer", b, errno);
    } catch (...) {
      failure = std::current_exception();
    }
  }).join();
  if (failure) std::rethrow_exception(failure);
  netdev::set_link_up(a, true);
  return anchor;
}

std::string sandbox::unique_name(const std::string& prefix) { return prefix + std::to_string(++counter_); }

test_datapath::test_datapath(unsigned ports, ovsxdp_miss_policy miss, std::uint32_t max_flows, std::uint32_t max_masks,
                             ovsxdp_lookup_cache cache)
    : name(sandbox::get().unique_name("t")), dp([&] {
        sandbox& s = sandbox::get();
        datapath_options o = s.options(name);
        o.miss_policy = miss;
        o.max_flows = max_flows;
        o.max_masks = max_masks;
        o.lookup_cache = cache;
        return datapath::create(o);
      }()) {
  sandbox& s = sandbox::get();
  for (unsigned i = 1; i <= ports; i++) {
    const std::string a = name + "p" + std::to_string(i), b = a + "x";
    s.veth(a, b);
    dp.add_port(a, i, xdp_attach::none);
  }
}

test_datapath::~test_datapath() {
  try {
    datapath::destroy(name, sandbox::get().location());
  } catch (...) {
  }
}

flow_spec text_flow(const std::string& key, const std::string& actions) { return flow_from_text(key, actions); }

}  // namespace ovsxdp::testing
