#include "support/requirements.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

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

namespace {
std::vector<std::string>& skipped() {
  static std::vector<std::string> reasons;
  return reasons;
}
bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && !std::strcmp(ci, "true");
}
}  // namespace

void skip_test_case(const std::string& why) {
  std::cerr << (in_ci() ? "FAILED (CI=true, skipping is not allowed): " : "SKIPPED (this case): ") << why << "\n";
  skipped().push_back(why);
}

int exit_status_with_skips(int doctest_status) {
  if (doctest_status != 0 || skipped().empty()) return doctest_status;
  std::cerr << skipped().size() << " test case(s) could not run here; reporting " << (in_ci() ? "a failure (CI=true)" : "a skip") << "\n";
  return in_ci() ? 1 : 77;
}

std::string source_path(const std::string& relative) { return std::string(OVSXDP_SOURCE_DIR) + "/" + relative; }

}  // namespace ovsxdp::testing
