// ovsxdp's side of the netlink differential test: hex key and mask (or hex
// actions) in, decoded by ovsxdp and re-encoded, hex out.
//   netlink_roundtrip flow HEXKEY HEXMASK   -> hex key, newline, hex mask
//   netlink_roundtrip actions HEX           -> hex actions
#include <cstdio>
#include <string>
#include <vector>

#include "odp/netlink.hpp"

namespace {
std::vector<std::uint8_t> unhex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return out;
}
void print(const std::vector<std::uint8_t>& b) {
  for (auto c : b) std::printf("%02x", c);
  std::printf("\n");
}
}  // namespace

int main(int argc, char** argv) {
  using namespace ovsxdp::odp;
  try {
    if (argc == 4 && std::string(argv[1]) == "flow") {
      const netlink_match m = decode_match(unhex(argv[2]), unhex(argv[3]));
      print(encode_key(m.key, m.attributes));
      print(encode_mask(m.key, m.mask, m.attributes));
      return 0;
    }
    if (argc == 3 && std::string(argv[1]) == "actions") {
      print(ovsxdp::odp::encode_actions(ovsxdp::odp::decode_actions(unhex(argv[2]))));
      return 0;
    }
  } catch (const netlink_error& e) {
    std::fprintf(stderr, "refused (attribute %d): %s\n", e.attribute(), e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: netlink_roundtrip flow HEXKEY HEXMASK | actions HEX\n");
  return 2;
}
