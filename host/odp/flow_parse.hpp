// Parsing OVS datapath flow text (the two arguments of
// `ovs-appctl dpctl/add-flow`): flow keys with masks, UFIDs, and action
// lists. Errors say where (column) and what was expected.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "datapath/actions.hpp"
#include "datapath/key_attributes.hpp"
#include "ovsxdp/abi/datapath.h"

namespace ovsxdp::odp {

class syntax_error : public std::runtime_error {
 public:
  syntax_error(std::string what_text, std::string_view input, std::size_t column, std::string message, std::string expected);
  std::size_t column() const { return column_; }          // 1-based
  const std::string& message() const { return message_; }
  const std::string& expected() const { return expected_; }
  const std::string& what_text() const { return what_text_; }  // "flow key", "actions"
  const std::string& input() const { return input_; }

 private:
  std::size_t column_;
  std::string message_, expected_, what_text_, input_;
};

struct parsed_key {
  ovsxdp_flow_key key{};
  ovsxdp_flow_key mask{};
  std::optional<ovsxdp_ufid> ufid;
  key_attributes attributes;  // the attributes the text named (Linux's key_attrs / mask_attrs)
};

// Resolves in_port(NAME) to a port number; empty optional = unknown name.
using port_resolver = std::function<std::optional<std::uint32_t>(std::string_view)>;

parsed_key parse_key(std::string_view text, const port_resolver& ports = {});
// A partial key, as a dump-flows filter: only the attributes given are
// matched ("in_port(1)", "eth_type(0x0800),ipv4(dst=10.0.0.1)").
parsed_key parse_key_filter(std::string_view text, const port_resolver& ports = {});
// Port names (a bare name where a port number would be) resolve through `ports`.
action_list parse_actions(std::string_view text, const port_resolver& ports = {});
// "ufid:01234567-89ab-cdef-0123-456789abcdef" (the "ufid:" prefix optional).
ovsxdp_ufid parse_ufid(std::string_view text);

std::string format_ufid(const ovsxdp_ufid& ufid);  // "ufid:XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"
std::string format_actions(const action_list& actions);

}  // namespace ovsxdp::odp
