#include "support/sandbox.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "odp/flow_parse.hpp"

namespace ovsxdp::testing {
namespace {
std::string sandbox_dir;
void leave_sandbox() {
  if (sandbox_dir.empty()) return;
  umount2((sandbox_dir + "/bpffs").c_str(), MNT_DETACH);
  rmdir((sandbox_dir + "/bpffs").c_str());
  rmdir((sandbox_dir + "/run").c_str());
  rmdir(sandbox_dir.c_str());
}
}  // namespace

sandbox& sandbox::get() {
  static sandbox instance;
  return instance;
}

sandbox::sandbox() {
  if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
    throw std::runtime_error(std::string("sandbox: unshare(CLONE_NEWNET|CLONE_NEWNS): ") + std::strerror(errno));
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throw std::runtime_error(std::string("sandbox: make mounts private: ") + std::strerror(errno));
  char dir_template[] = "/tmp/ovsxdp-sandbox-XXXXXX";
  if (!mkdtemp(dir_template)) throw std::runtime_error(std::string("sandbox: mkdtemp: ") + std::strerror(errno));
  sandbox_dir = dir_template;
  std::atexit(leave_sandbox);
  location_.bpffs = sandbox_dir + "/bpffs";
  location_.run_dir = sandbox_dir + "/run";
  mkdir(location_.bpffs.c_str(), 0700);
  if (mount("bpf", location_.bpffs.c_str(), "bpf", 0, "mode=0700") != 0)
    throw std::runtime_error(std::string("sandbox: mount bpffs: ") + std::strerror(errno));
  run("ip link set lo up");
  // No IPv6 autoconfiguration chatter on test interfaces.
  run("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6");
}

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

void sandbox::run(const std::string& command) const {
  const std::string full = command + " >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) throw std::runtime_error("sandbox: command failed: " + command);
}

void sandbox::veth(const std::string& a, const std::string& b) const {
  run("ip link add " + a + " type veth peer name " + b);
  run("ip link set " + a + " up && ip link set " + b + " up");
}

std::string sandbox::unique_name(const std::string& prefix) { return prefix + std::to_string(++counter_); }

test_datapath::test_datapath(unsigned ports, ovsxdp_miss_policy miss, std::uint32_t max_flows, std::uint32_t max_masks)
    : name(sandbox::get().unique_name("t")), dp([&] {
        sandbox& s = sandbox::get();
        datapath_options o = s.options(name);
        o.miss_policy = miss;
        o.max_flows = max_flows;
        o.max_masks = max_masks;
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

flow_spec text_flow(const std::string& key, const std::string& actions) {
  auto k = odp::parse_key(key);
  flow_spec f;
  f.key = k.key;
  f.mask = k.mask;
  f.ufid = k.ufid;
  f.actions = odp::parse_actions(actions);
  return f;
}

}  // namespace ovsxdp::testing
