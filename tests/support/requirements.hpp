#pragma once

#include <string>

namespace ovsxdp::testing {

// What this test binary needs that is missing, as a sentence; empty when all
// is there. Requirements are compiled in: OVSXDP_TEST_NEEDS_BPF, _OVS.
std::string missing_requirements();

// Absolute path of a file in the source tree (tests/oracle/..., samples/...).
std::string source_path(const std::string& relative);

}  // namespace ovsxdp::testing
