// The extraction table through the BPF build, run in the kernel with
// BPF_PROG_TEST_RUN; and the BPF build against the host build on random and
// mutated frames of every length from 0 to 128 bytes.
#include <doctest/doctest.h>

#include <cstring>
#include <random>

#include "extract/bpf_key_extractor.hpp"
#include "odp/key_format.hpp"
#include "runtime/error.hpp"
#include "runtime/test_run.hpp"
#include "support/extract_cases.hpp"

using namespace ovsxdp;

namespace {
bpf_key_extractor& extractor() {
  static bpf_key_extractor instance;
  return instance;
}

std::string bpf_text(const bytes& frame) {
  auto r = extractor().extract(frame, 1);
  if (r.status == flow::extract_status::runt) return "runt";
  if (r.status == flow::extract_status::bad_nsh) return "bad_nsh";
  REQUIRE(r.status == flow::extract_status::ok);
  return odp::format_key(r.key, nullptr, {.verbose = false, .omit_zero_metadata = true});
}

// Host build on the same bytes, for the differential checks.
std::pair<flow::extract_status, ovsxdp_flow_key> host_extract(bytes frame, std::uint32_t in_port) {
  ovsxdp_flow_key key{};
  key.in_port = in_port;
  auto status = flow::extract({frame.data(), frame.data() + frame.size()}, key);
  return {status, key};
}

void check_same_as_host(const bytes& frame) {
  auto bpf = extractor().extract(frame, 3);
  auto [status, key] = host_extract(frame, 3);
  CHECK(static_cast<int>(bpf.status) == static_cast<int>(status));
  if (status != flow::extract_status::ok) return;  // no key to compare
  if (std::memcmp(&bpf.key, &key, sizeof key) != 0) {
    FAIL_CHECK("BPF and host keys differ for " << to_hex(frame) << "\n  bpf:  "
               << odp::format_key(bpf.key, nullptr, {.verbose = true}) << "\n  host: "
               << odp::format_key(key, nullptr, {.verbose = true}));
  }
}
}  // namespace

TEST_CASE("BPF build extracts the kernel's flow key") {
  for (const auto& c : testing::extract_cases()) {
    CAPTURE(c.name);
    CHECK(bpf_text(c.frame) == c.expected);
  }
}

TEST_CASE("the kernel never runs XDP on frames of 0..13 bytes; the host build calls them runts") {
  const int prog_fd = extractor().program_fd();
  for (std::size_t length = 0; length < kMinXdpFrame; length++) {
    bytes frame(length, 0x5a);
    CAPTURE(length);
    CHECK_THROWS_WITH_AS(run_xdp(prog_fd, frame), doctest::Contains("shorter than an Ethernet header"), ovsxdp::error);
    CHECK(host_extract(frame, 1).first == flow::extract_status::runt);
    CHECK(extractor().extract(frame, 1).status == flow::extract_status::runt);
  }
}

TEST_CASE("BPF and host builds agree on random frames of every length 14..128") {
  std::mt19937 rng(20261124);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t length = kMinXdpFrame; length <= 128; length++) {
    for (int round = 0; round < 24; round++) {
      bytes frame(length);
      for (auto& b : frame) b = static_cast<std::uint8_t>(byte(rng));
      // Steer a third of the frames into the interesting parsers.
      static const std::uint16_t types[] = {0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x8847, 0x0040};
      if (length >= 14 && round % 3 == 0) {
        std::uint16_t t = types[static_cast<std::size_t>(round / 3) % std::size(types)];
        frame[12] = static_cast<std::uint8_t>(t >> 8);
        frame[13] = static_cast<std::uint8_t>(t);
      }
      CAPTURE(length);
      check_same_as_host(frame);
    }
  }
}

TEST_CASE("BPF and host builds agree on mutated and truncated table packets") {
  std::mt19937 rng(7);
  for (const auto& c : testing::extract_cases()) {
    CAPTURE(c.name);
    for (std::size_t cut = 0; cut <= c.frame.size(); cut += 3) check_same_as_host({c.frame.begin(), c.frame.begin() + static_cast<long>(cut)});
    for (int round = 0; round < 40 && !c.frame.empty(); round++) {
      bytes frame = c.frame;
      for (int flips = 1 + round % 4; flips > 0; flips--)
        frame[rng() % frame.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      check_same_as_host(frame);
    }
  }
}
