#pragma once

#include <string>

namespace ovsxdp::testing {

// What this test binary needs that is missing, as a sentence; empty when all
// is there. Requirements are compiled in: OVSXDP_TEST_NEEDS_BPF, _OVS.
std::string missing_requirements();

// The running test case cannot do its job on this machine (`why`, e.g. "one
// CPU"): it should return right after. The binary then exits 77 (skipped)
// if nothing failed, so ctest does not report a pass for a check that did
// not run; under CI=true it fails instead.
void skip_test_case(const std::string& why);
// What the test main returns: doctest's status, turned into a skip (77) or,
// under CI=true, a failure when skip_test_case was called.
int exit_status_with_skips(int doctest_status);

// Absolute path of a file in the source tree (tests/oracle/..., samples/...).
std::string source_path(const std::string& relative);

}  // namespace ovsxdp::testing
