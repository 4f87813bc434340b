// The flow text parser where a person's input is at its worst: nesting far
// past Linux's bound, port names with any character Linux allows, and
// arguments too long to quote whole.
#include <doctest/doctest.h>

#include <string>

#include "datapath/actions.hpp"
#include "odp/flow_parse.hpp"
#include "runtime/error.hpp"

using namespace ovsxdp;

namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; i++) out += s;
  return out;
}

// `open` n times around `inner`, each closed by `close`.
std::string nest(const std::string& open, const std::string& inner, const std::string& close, int n) {
  return repeat(open, n) + inner + repeat(close, n);
}

odp::syntax_error parse_error(const std::string& actions, const odp::port_resolver& ports = {}) {
  try {
    odp::parse_actions(actions, ports);
  } catch (const odp::syntax_error& e) {
    return e;
  }
  FAIL("parsed without an error: " << actions.substr(0, 100));
  throw;  // not reached
}

int depth(const action_list& actions) {
  int deepest = 0;
  for (const auto& a : actions) {
    if (const auto* c = std::get_if<act::clone>(&a.base())) deepest = std::max(deepest, 1 + depth(c->actions));
    if (const auto* s = std::get_if<act::sample>(&a.base())) deepest = std::max(deepest, 1 + depth(s->actions));
    if (const auto* d = std::get_if<act::dec_ttl>(&a.base())) deepest = std::max(deepest, 1 + depth(d->le_1));
    if (const auto* k = std::get_if<act::check_pkt_len>(&a.base())) deepest = std::max({deepest, 1 + depth(k->gt), 1 + depth(k->le)});
  }
  return deepest;
}

const odp::port_resolver kPorts = [](std::string_view name) -> std::optional<std::uint32_t> {
  if (name == "veth-a") return 3;
  if (name == "br0.100") return 4;
  if (name == "p1") return 5;
  return std::nullopt;
};

}  // namespace

TEST_CASE("action lists nest 16 deep, as in Linux; one more is refused where it opens") {
  static_assert(kMaxActionNesting == 16);
  CHECK(depth(odp::parse_actions(nest("clone(", "1", ")", 16))) == 16);
  const auto e = parse_error(nest("clone(", "1", ")", 17));
  CHECK(e.message() == "action lists nest at most 16 deep (as in Linux)");
  CHECK(e.column() == 16 * 6 + 1);  // the 17th clone
  // Every kind of nested list counts, mixed.
  const std::string mixed = "sample(sample=50%,actions(" + nest("check_pkt_len(size=100,gt(1),le(", "dec_ttl(le_1(clone(1)))", "))", 13) + "))";
  CHECK(depth(odp::parse_actions(mixed)) == 16);
  CHECK(parse_error("clone(" + mixed + ")").column() > 1);
}

TEST_CASE("nesting thousands deep is refused while parsing, without exhausting the stack") {
  for (const auto& [open, close] : {std::pair<std::string, std::string>{"clone(", ")"},
                                    {"sample(sample=10%,actions(", "))"},
                                    {"dec_ttl(le_1(", "))"},
                                    {"check_pkt_len(size=64,gt(1),le(", "))"}}) {
    CAPTURE(open);
    const auto e = parse_error(nest(open, "1", close, 100000));
    CHECK(e.message().find("nest at most 16 deep") != std::string::npos);
    // The message quotes a window around the column, not the whole input.
    CHECK(std::string(e.what()).size() < 600);
  }
  // encap() in a key is bounded by the two VLAN tags a key holds.
  try {
    odp::parse_key("in_port(1),eth(),eth_type(0x8100),vlan(vid=1)," + nest("encap(", "", ")", 100000));
    FAIL("a key 100,000 encap() deep parsed");
  } catch (const odp::syntax_error& e) {
    CHECK(e.message().find("encap() nests deeper") != std::string::npos);
  }
}

TEST_CASE("output port names: any character Linux allows in a name, and an unknown one says so") {
  const auto actions = odp::parse_actions("veth-a,br0.100,clone(p1),2", kPorts);
  REQUIRE(actions.size() == 4);
  CHECK(std::get<act::output>(actions[0].base()).port == 3);
  CHECK(std::get<act::output>(actions[1].base()).port == 4);
  CHECK(std::get<act::output>(std::get<act::clone>(actions[2].base()).actions.at(0).base()).port == 5);
  const auto unknown = parse_error("2,veth-b", kPorts);
  CHECK(unknown.message() == "unknown port 'veth-b'");
  CHECK(unknown.column() == 3);
  CHECK(parse_error("frobnicate", kPorts).message() == "unknown port 'frobnicate'");
  // Without a datapath, names cannot resolve, and the message says why.
  CHECK(parse_error("veth-a").expected().find("port names resolve only in a datapath") != std::string::npos);
  // An action name without its arguments is still that action's mistake.
  CHECK(parse_error("push_vlan", kPorts).message() == "unexpected end of text");
}

TEST_CASE("messages quote a bounded excerpt of a huge argument") {
  const std::string huge(1 << 20, 'x');
  CHECK(excerpt("short") == "short");
  CHECK(excerpt(huge).size() < 120);
  CHECK(excerpt(huge).find("1048576 characters") != std::string::npos);
  const std::string bounded = bounded_lines("first line\n" + huge + "\nlast line");
  CHECK(bounded.size() < 500);
  CHECK(bounded.rfind("first line\n", 0) == 0);
  CHECK(bounded.find("\nlast line") != std::string::npos);
  const error e("open datapath", huge, "no such datapath");
  CHECK(std::string(e.what()).size() < 300);
  // A syntax error far into a long input shows the caret under that column.
  const auto far = parse_error(repeat("1,", 5000) + "@");
  const std::string text = far.what();
  const auto input_line = text.find("\n    ") + 5, caret_line = text.rfind("\n    ") + 5;
  CHECK(text.size() < 600);
  CHECK(text.substr(caret_line).find('^') == text.find('@', input_line) - input_line);
}
