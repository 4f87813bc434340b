// Packets and the flow key the Linux datapath extracts from them, written as
// `ovsxdp-dpctl parse-pcap` prints it. The host build and the BPF build of
// the extractor are both checked against this one table.
#pragma once

#include <string>
#include <vector>

#include "packet/packet_builder.hpp"

namespace ovsxdp::testing {

struct extract_case {
  std::string name;
  bytes frame;
  std::string expected;  // key text, or "runt" for frames the datapath drops
};

std::vector<extract_case> extract_cases();

// Common addresses used by the cases.
inline constexpr const char* kMacA = "50:54:00:00:00:01";
inline constexpr const char* kMacB = "50:54:00:00:00:02";

}  // namespace ovsxdp::testing
