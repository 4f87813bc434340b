// libFuzzer: the OVS flow text parser and printer on arbitrary text, under
// ASan and UBSan. The first line is read as a key, the rest as actions.
// A key the datapath would install must print in a form that parses to the
// same match (what dump-flows then add-flow relies on); an action list that
// parses must print and parse back to itself and survive encoding into the
// datapath's records.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "datapath/actions.hpp"
#include "datapath/validate.hpp"
#include "odp/flow_parse.hpp"
#include "odp/key_format.hpp"
#include "runtime/error.hpp"

namespace {

bool same(const ovsxdp_flow_key& a, const ovsxdp_flow_key& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void key_round_trip(const std::string& text) {
  using namespace ovsxdp;
  odp::parsed_key first;
  try {
    first = odp::parse_key(text);
  } catch (const odp::syntax_error&) {
    return;
  }
  try {
    validate_match(first.key, first.mask, first.attributes);  // with the attributes the text named, as add-flow does
  } catch (const invalid_flow&) {
    return;  // refused at install: never dumped
  }
  const ovsxdp_flow_key masked = mask_key(first.key, first.mask);
  const std::string printed = odp::format_key(masked, &first.mask);
  const odp::parsed_key second = odp::parse_key(printed);  // must not throw
  if (!same(mask_key(second.key, second.mask), masked) || !same(second.mask, first.mask)) std::abort();
}

void actions_round_trip(const std::string& text) {
  using namespace ovsxdp;
  action_list first;
  try {
    first = odp::parse_actions(text);
  } catch (const odp::syntax_error&) {
    return;
  }
  // Printing is a fixed point: what prints parses back to something that
  // prints the same. (Values outside a set mask do not print; install
  // refuses them, as Linux does, so no installed flow has any.)
  const std::string printed = odp::format_actions(first);
  const action_list second = odp::parse_actions(printed);  // must not throw
  if (odp::format_actions(second) != printed) std::abort();
  try {
    const auto bytes = encode_actions(first);
    if (decode_actions(bytes) != first) std::abort();
  } catch (const invalid_flow&) {  // too long, field out of range
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  key_round_trip(input.substr(0, newline));
  if (newline != std::string::npos) actions_round_trip(input.substr(newline + 1));
  return 0;
}
