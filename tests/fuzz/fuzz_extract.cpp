// libFuzzer: the flow-key extractor (host build of the same headers the BPF
// program uses) on arbitrary frames, under ASan and UBSan. Beyond "no crash":
// extraction is deterministic, and the key prints as OVS text that parses
// back to the same values (the printer and parser agree with the extractor).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "odp/flow_parse.hpp"
#include "odp/key_format.hpp"
#include "ovsxdp/flow/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ovsxdp;
  std::vector<std::uint8_t> frame(data, data + size);
  ovsxdp_flow_key a{}, b{};
  a.in_port = b.in_port = 1;
  const auto status = flow::extract(frame_bytes{frame.data(), frame.data() + frame.size()}, a);
  const auto again = flow::extract(frame_bytes{frame.data(), frame.data() + frame.size()}, b);
  if (status != again || std::memcmp(&a, &b, sizeof a) != 0) std::abort();
  if (status != flow::extract_status::ok) return 0;
  const odp::parsed_key parsed = odp::parse_key(odp::format_key(a, nullptr));
  const auto* k = reinterpret_cast<const std::uint8_t*>(&a);
  const auto* m = reinterpret_cast<const std::uint8_t*>(&parsed.mask);
  const auto* p = reinterpret_cast<const std::uint8_t*>(&parsed.key);
  for (std::size_t i = 0; i < sizeof a; i++)
    if ((k[i] & m[i]) != (p[i] & m[i])) std::abort();  // a printed field parsed back to another value
  return 0;
}
