// The flow text parser where a person's input is at its worst: nesting far
// past Linux's bound, port names with any character Linux allows, and
// arguments too long to quote whole.
#include <arpa/inet.h>
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

TEST_CASE("push_nsh and pop_nsh read and print as Open vSwitch 3.1 writes them") {
  const auto text = [](const std::string& actions) { return odp::format_actions(odp::parse_actions(actions)); };
  // OVS's defaults, and its dumps (tests/nsh.at, and a 3.1.0 sandbox).
  CHECK(text("push_nsh(),pop_nsh()") == "push_nsh(flags=0,ttl=63,mdtype=1,np=3,spi=0x0,si=255,c1=0x0,c2=0x0,c3=0x0,c4=0x0),pop_nsh()");
  for (const char* dump : {"push_nsh(flags=0,ttl=63,mdtype=1,np=3,spi=0x1234,si=255,c1=0x11223344,c2=0x0,c3=0x0,c4=0x0)",
                           "push_nsh(flags=0,ttl=63,mdtype=2,np=3,spi=0x1234,si=255,md2=0x10000a041234567820001408fedcba9876543210)",
                           "pop_nsh()"}) {
    CAPTURE(dump);
    CHECK(text(dump) == dump);
  }
  CHECK(text("push_nsh(mdtype=2,md2=0x10000a0412345678)") == "push_nsh(flags=0,ttl=63,mdtype=2,np=3,spi=0x0,si=255,md2=0x10000a0412345678)");
  CHECK(text("push_nsh(mdtype=2,md2=0x10000a04123456)") == "push_nsh(flags=0,ttl=63,mdtype=2,np=3,spi=0x0,si=255,md2=0x10000a0412345600)");
  CHECK(text("pop_nsh") == "pop_nsh()");
  // The header's fields: flags 2 bits and ttl 6, as the header holds them.
  const auto p = std::get<act::push_nsh>(odp::parse_actions("push_nsh(flags=5,ttl=70,np=1,spi=0xabcdef,si=3,c4=0x1)").at(0).base());
  CHECK(p.spi == 0xabcdef);
  CHECK(p.si == 3);
  CHECK(p.np == 1);
  CHECK(p.metadata == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(odp::format_actions({p}) == "push_nsh(flags=1,ttl=6,mdtype=1,np=1,spi=0xabcdef,si=3,c1=0x0,c2=0x0,c3=0x0,c4=0x1)");
  // OVS prints md2's first byte without its leading zero; that reads back.
  const auto odd = std::get<act::push_nsh>(odp::parse_actions("push_nsh(mdtype=2,md2=0xa0b0c0d)").at(0).base());
  CHECK(odd.metadata == std::vector<std::uint8_t>{0x0a, 0x0b, 0x0c, 0x0d});
  CHECK(odp::format_actions({odd}) == "push_nsh(flags=0,ttl=63,mdtype=2,np=3,spi=0x0,si=255,md2=0xa0b0c0d)");
  // Leading zero bytes, which OVS's text loses, are printed.
  act::push_nsh zeros;
  zeros.mdtype = 2;
  zeros.metadata = {0, 1, 2, 3};
  CHECK(odp::format_actions({zeros}) == "push_nsh(flags=0,ttl=63,mdtype=2,np=3,spi=0x0,si=255,md2=0x00010203)");
  CHECK(std::get<act::push_nsh>(odp::parse_actions(odp::format_actions({zeros})).at(0).base()).metadata == zeros.metadata);
  // What OVS refuses, refused with the reason.
  CHECK(parse_error("push_nsh(md2=0x10000a04,mdtype=2)").message() == "md2 needs mdtype=2 before it");
  CHECK(parse_error("push_nsh(spi=4660,si=3)").message() == "bad spi '4660'");
  CHECK(parse_error("push_nsh(mdtype=3)").message() == "mdtype must be 1 or 2");
  CHECK(parse_error("push_nsh(mdtype=2,c1=0x1)").message() == "c1 is MD type 1 context");
  CHECK(parse_error("push_nsh(mdtype=2,md2=0x" + std::string(2 * 245, '1') + ")").message() == "md2 of 248 bytes: NSH holds at most 244");
  CHECK(parse_error("push_nsh(color=1)").message() == "unknown field 'color' in push_nsh(...)");
  CHECK(parse_error("pop_nsh(1)").message() == "unexpected '1'");
}

TEST_CASE("set(arp), set(nd), set(icmp) and set(icmpv6) read and print as OVS writes them") {
  const auto text = [](const std::string& actions) { return odp::format_actions(odp::parse_actions(actions)); };
  // tests/odp.at and tests/ofproto-dpif.at forms: a full set prints every
  // field, a masked one the masked fields, partial masks as value/mask.
  for (const char* form : {"set(icmp(type=1,code=2))", "set(icmpv6(type=1,code=2))", "set(icmp(type=0))", "set(icmp(type=8/0xf8))",
                           "set(arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18))",
                           "set(arp(sip=1.2.3.4/255.255.255.250,op=1/0xf0,sha=00:0f:10:11:12:13/ff:ff:ff:ff:ff:00))",
                           "set(nd(target=fe80::4,sll=cc:cc:cc:cc:cc:cc))", "set(nd(target=fe80::4,sll=cc:cc:cc:cc:cc:cc,tll=00:00:00:00:00:00))",
                           "set(nd(tll=00:00:00:00:00:0f/00:00:00:00:00:ff))"}) {
    CAPTURE(form);
    CHECK(text(form) == form);
  }
  const auto icmp = std::get<act::set_icmp>(odp::parse_actions("set(icmpv6(type=135,code=0/0))").at(0).base());
  CHECK(icmp.target == OVSXDP_SET_ICMPV6);
  CHECK((icmp.value.type == 135 && icmp.mask.type == 0xff && icmp.mask.code == 0));
  // The opcode is the whole 16 bits the action writes.
  const auto arp = std::get<act::set_arp>(odp::parse_actions("set(arp(op=256))").at(0).base());
  CHECK(arp.value.op == htons(256));
  CHECK(arp.mask.op == 0xffff);
  CHECK(parse_error("set(arp(op=65536))").message() == "bad value '65536' for op");
  CHECK(parse_error("set(nd_ext(nd_reserved=0x20000000))").message() == "set(nd_ext(...)) is not supported by this datapath (set(nd(...)) is)");
  CHECK(parse_error("set(nsh(spi=0x3020))").message().find("Linux removed it") != std::string::npos);
}
