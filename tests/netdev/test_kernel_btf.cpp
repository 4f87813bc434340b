// Kernel struct member offsets from vmlinux BTF, cross-checked against
// bpftool's raw dump of the same BTF and against each other.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>

#include "netdev/kernel_btf.hpp"
#include "netdev_fixture.hpp"
#include "runtime/error.hpp"

using namespace ovsxdp;
using namespace ovsxdp::netdev;
using namespace ovsxdp::testing;

namespace {

const kernel_btf& vmlinux() {
  static const kernel_btf btf = kernel_btf::load_vmlinux();
  return btf;
}

// bpftool's word for a named struct member's bit offset (direct members only).
std::uint32_t bpftool_bit_offset(const std::string& struct_name, const std::string& member) {
  const std::string block = capture_ok(std::string(OVSXDP_TEST_BPFTOOL) + " btf dump file /sys/kernel/btf/vmlinux format raw | awk '/^\\[[0-9]+\\] STRUCT ." +
                                       struct_name + ". /{p=1;print;next} /^\\[/{p=0} p'");
  std::istringstream lines(block);
  std::string header;
  std::getline(lines, header);
  REQUIRE_MESSAGE(header.find("STRUCT '" + struct_name + "'") != std::string::npos, header);
  const std::regex member_line("^\\s+'" + member + "' type_id=\\d+ bits_offset=(\\d+)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, member_line)) return static_cast<std::uint32_t>(std::stoul(m[1]));
  }
  FAIL("bpftool lists no member " << member << " in struct " << struct_name);
  return 0;
}

std::uint32_t bpftool_struct_size(const std::string& struct_name) {
  const std::string line = capture_ok(std::string(OVSXDP_TEST_BPFTOOL) + " btf dump file /sys/kernel/btf/vmlinux format raw | grep -m1 \"STRUCT '" +
                                      struct_name + "' size=\"");
  const auto at = line.find("size=");
  REQUIRE(at != std::string::npos);
  return static_cast<std::uint32_t>(std::stoul(line.substr(at + 5)));
}

}  // namespace

TEST_CASE("net_device.ifindex and net_device.nd_net: offsets as bpftool reads the same BTF") {
  const kernel_btf& btf = vmlinux();
  const member_location ifindex = btf.member("net_device", "ifindex");
  CHECK(ifindex.size == 4);
  CHECK(ifindex.type_name == "int");
  CHECK(ifindex.bitfield_bits == 0);
  CHECK(ifindex.bit_offset == bpftool_bit_offset("net_device", "ifindex"));
  CHECK(ifindex.offset * 8 == ifindex.bit_offset);
  CHECK(btf.struct_size("net_device") == bpftool_struct_size("net_device"));
  CHECK(ifindex.offset + ifindex.size <= btf.struct_size("net_device"));

  const member_location nd_net = btf.member("net_device", "nd_net");
  CHECK(nd_net.bit_offset == bpftool_bit_offset("net_device", "nd_net"));
  CHECK(nd_net.type_name == "possible_net_t");
  const member_location net = btf.member("net_device", "nd_net.net");
  CHECK(net.offset == nd_net.offset);  // the struct's only member
  CHECK(net.size == 8);
  CHECK(net.type_name == "struct net *");
  MESSAGE("net_device: ifindex at " << ifindex.offset << ", nd_net.net at " << net.offset << ", size " << btf.struct_size("net_device"));
}

TEST_CASE("net.ns.inum: through the embedded struct ns_common, as the sum of both offsets") {
  const kernel_btf& btf = vmlinux();
  const member_location inum = btf.member("net", "ns.inum");
  CHECK(inum.size == 4);
  CHECK(inum.type_name == "unsigned int");
  const member_location ns = btf.member("net", "ns");
  CHECK(ns.type_name == "struct ns_common");
  CHECK(ns.bit_offset == bpftool_bit_offset("net", "ns"));
  CHECK(inum.offset == ns.offset + btf.member("ns_common", "inum").offset);
  CHECK(btf.member("ns_common", "inum").offset + 4 <= btf.struct_size("ns_common"));
  CHECK(ns.size == btf.struct_size("ns_common"));
  MESSAGE("net: ns.inum at " << inum.offset);
}

TEST_CASE("members inside anonymous structs and unions, and bitfields") {
  const kernel_btf& btf = vmlinux();
  // sk_buff opens with union { struct { next, prev, union { dev, ... } }, ... }.
  CHECK(btf.member("sk_buff", "next").offset == 0);
  CHECK(btf.member("sk_buff", "prev").offset == 8);
  const member_location dev = btf.member("sk_buff", "dev");
  CHECK(dev.offset == 16);
  CHECK(dev.type_name == "struct net_device *");
  const member_location pkt_type = btf.member("sk_buff", "pkt_type");
  CHECK(pkt_type.bitfield_bits == 3);
  CHECK(pkt_type.size == 1);
  CHECK(pkt_type.offset == pkt_type.bit_offset / 8);
  CHECK(pkt_type.offset < btf.struct_size("sk_buff"));
}

TEST_CASE("unknown structs and members, and paths through pointers, are errors that say what is there") {
  const kernel_btf& btf = vmlinux();
  CHECK(btf.has_struct("net_device"));
  CHECK(btf.has_struct("ns_common"));
  CHECK_FALSE(btf.has_struct("ox_no_such_struct"));
  CHECK_THROWS_WITH_AS(btf.member("net_device", "ox_no_such_member"),
                       doctest::Contains("cannot find kernel struct member 'net_device.ox_no_such_member': struct net_device has no member 'ox_no_such_member'\n  hint: its members are "),
                       ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("net", "ns.ox_nope"), doctest::Contains("struct ns_common has no member 'ox_nope'"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("net", "ns.ox_nope"), doctest::Contains("inum"), ovsxdp::error);  // the hint lists it
  CHECK_THROWS_WITH_AS(btf.member("net_device", "nd_net.net.ns"), doctest::Contains("'nd_net.net' is struct net *, not a struct or union"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("net_device", "nd_net.net.ns"), doctest::Contains("offsets stop at a pointer"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("net_device", "ifindex.x"), doctest::Contains("'ifindex' is int, not a struct or union"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("ox_no_such_struct", "x"), doctest::Contains("has no struct or union ox_no_such_struct"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.struct_size("ox_no_such_struct"), doctest::Contains("no struct or union of that name"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("net", "ns..inum"), doctest::Contains("empty component"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(btf.member("net", ""), doctest::Contains("no member named"), ovsxdp::error);
}
