#include "support/requirements.hpp"

#include <unistd.h>

#include "runtime/environment.hpp"

namespace ovsxdp::testing {

std::string missing_requirements() {
  std::string missing;
#if OVSXDP_TEST_NEEDS_BPF
  if (!have_bpf_privileges()) missing += "needs root (BPF_PROG_TEST_RUN and map access); ";
#endif
#if OVSXDP_TEST_NEEDS_OVS
  if (access("/usr/sbin/ovs-vswitchd", X_OK) != 0 || access("/usr/sbin/ovsdb-server", X_OK) != 0)
    missing += "needs Open vSwitch (apt-get install openvswitch-switch); ";
  if (access("/usr/bin/python3", X_OK) != 0) missing += "needs /usr/bin/python3; ";
#endif
  if (!missing.empty()) missing.erase(missing.size() - 2);
  return missing;
}

std::string source_path(const std::string& relative) { return std::string(OVSXDP_SOURCE_DIR) + "/" + relative; }

}  // namespace ovsxdp::testing
