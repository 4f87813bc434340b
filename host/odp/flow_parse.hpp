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
#include "ovsxdp/abi/datapath.h"

namespace ovsxdp::odp {

class syntax_error : public std::runtime_error {
 public:
  syntax_error(std::string what_text, std::string_view input, std::size_t column, std::string message, std::string expected);
  std::size_t column() const { return column_; }          // 1-based
  const std::string& message() const { return message_; }
  const std::string& expected() const { return expected_; }

 private:
  std::size_t column_;
  std::string message_, expected_;
};

struct parsed_key {
  ovsxdp_flow_key key{};
  ovsxdp_flow_key mask{};
  std::optional<ovsxdp_ufid> ufid;
};

// Resolves in_port(NAME) to a port number; empty optional = unknown name.
using port_resolver = std::function<std::optional<std::uint32_t>(std::string_view)>;

parsed_key parse_key(std::string_view text, const port_resolver& ports = {});
action_list parse_actions(std::string_view text);
// "ufid:01234567-89ab-cdef-0123-456789abcdef" (the "ufid:" prefix optional).
ovsxdp_ufid parse_ufid(std::string_view text);

std::string format_ufid(const ovsxdp_ufid& ufid);  // "ufid:XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"
std::string format_actions(const action_list& actions);

}  // namespace ovsxdp::odp
