// Test helper: a flow key's text split into its attributes, with encap()
// contents flattened ("encap/ipv4"), for attribute-by-attribute comparison.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ovsxdp::testing {

// name -> full attribute text "name(...)". Nested attributes inside encap(...)
// are keyed "encap/name", "encap/encap/name".
std::map<std::string, std::string> key_attributes(std::string_view key_text);

// The key part of a dump-flows line: without "ufid:..., " and ", packets:...".
std::string key_of_dump_line(std::string_view line);

}  // namespace ovsxdp::testing
