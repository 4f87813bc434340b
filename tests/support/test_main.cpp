// doctest main shared by every test binary. A binary whose requirements
// (BPF privileges, Open vSwitch) are missing exits 77, which ctest reports as
// skipped, except under CI=true, where a skip is a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "support/requirements.hpp"

int main(int argc, char** argv) {
  const std::string missing = ovsxdp::testing::missing_requirements();
  if (!missing.empty()) {
    const char* ci = std::getenv("CI");
    const bool in_ci = ci && !std::strcmp(ci, "true");
    std::cerr << (in_ci ? "FAILED (CI=true, skipping is not allowed): " : "SKIPPED: ") << missing << "\n";
    return in_ci ? 1 : 77;
  }
  doctest::Context context(argc, argv);
  const int status = context.run();
  if (context.shouldExit()) return status;  // --help, --list-test-cases and the like
  return ovsxdp::testing::exit_status_with_skips(status);
}
