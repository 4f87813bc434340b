// The netlink message builder and attribute reader on bytes we make, and
// the socket's error path against the real kernel.
#include <doctest/doctest.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>

#include "netdev/netlink.hpp"
#include "support/sandbox.hpp"

using namespace ovsxdp;
using namespace ovsxdp::netdev;

namespace {

// The attributes after nlmsghdr + a family header of `header_size` bytes.
attributes attrs_of(std::span<const std::byte> message, std::size_t header_size) {
  return attributes(message.subspan(NLMSG_HDRLEN + NLMSG_ALIGN(header_size)));
}

}  // namespace

TEST_CASE("netlink_message lays out header, padded attributes and nests; attributes reads them back") {
  netlink_message m(RTM_NEWLINK, NLM_F_CREATE);
  ifinfomsg header{};
  header.ifi_index = 7;
  m.put_struct(header);
  m.put_string(IFLA_IFNAME, "oxabc");  // 6 bytes with NUL: padded to 8
  m.put_u32(IFLA_MTU, 9000);
  const auto nest = m.begin_nested(IFLA_LINKINFO);
  m.put_string(IFLA_INFO_KIND, "veth");
  m.end_nested(nest);
  m.put_u8(IFLA_OPERSTATE, 6);
  const auto bytes = m.finish(42, 1234);

  nlmsghdr h;
  std::memcpy(&h, bytes.data(), sizeof h);
  CHECK(h.nlmsg_len == bytes.size());
  CHECK(h.nlmsg_len % 4 == 0);
  CHECK(h.nlmsg_seq == 42);
  CHECK(h.nlmsg_pid == 1234);
  CHECK(h.nlmsg_type == RTM_NEWLINK);
  CHECK((h.nlmsg_flags & NLM_F_REQUEST));
  CHECK((h.nlmsg_flags & NLM_F_ACK));  // not a dump: the kernel must acknowledge
  CHECK((h.nlmsg_flags & NLM_F_CREATE));
  CHECK_FALSE(m.is_dump());
  // 16 nlmsghdr + 16 ifinfomsg + 4+8 name + 4+4 mtu + (4 + 4+8) linkinfo + 4+4 operstate (u8 padded)
  CHECK(bytes.size() == 16 + 16 + 12 + 8 + 16 + 8);

  const attributes attrs = attrs_of(bytes, sizeof(ifinfomsg));
  CHECK(attrs.string(IFLA_IFNAME) == "oxabc");
  CHECK(attrs.u32(IFLA_MTU) == 9000u);
  CHECK(attrs.u8(IFLA_OPERSTATE) == 6);
  CHECK_FALSE(attrs.u16(IFLA_MTU).has_value());  // wrong size is not a value
  CHECK_FALSE(attrs.has(IFLA_ADDRESS));
  CHECK(attrs.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND) == "veth");
  CHECK_FALSE(attrs.nested(IFLA_ADDRESS).has(IFLA_INFO_KIND));  // an absent nest reads as empty
  int count = 0;
  for (const auto a : attrs) {
    CHECK(a.type != 0);
    count++;
  }
  CHECK(count == 4);
  // The nest carries NLA_F_NESTED on the wire; the reader strips it.
  nlattr raw;
  std::memcpy(&raw, bytes.data() + 16 + 16 + 12 + 8, sizeof raw);
  CHECK(raw.nla_type == (IFLA_LINKINFO | NLA_F_NESTED));
  CHECK(raw.nla_len == 16);

  netlink_message dump(RTM_GETLINK, NLM_F_DUMP);
  CHECK(dump.is_dump());
  std::memcpy(&h, dump.finish(1, 0).data(), sizeof h);
  CHECK_FALSE((h.nlmsg_flags & NLM_F_ACK));
}

TEST_CASE("attributes stops at a truncated or impossible attribute instead of reading past the buffer") {
  // Two attributes: a u32 (type 1) and one that claims 100 bytes in a 12-byte tail.
  std::vector<std::byte> bytes(8 + 12);
  const nlattr first{8, 1};
  const std::uint32_t value = 77;
  std::memcpy(bytes.data(), &first, sizeof first);
  std::memcpy(bytes.data() + 4, &value, sizeof value);
  const nlattr liar{100, 2};
  std::memcpy(bytes.data() + 8, &liar, sizeof liar);
  const attributes attrs{std::span<const std::byte>(bytes)};
  CHECK(attrs.u32(1) == 77u);
  CHECK_FALSE(attrs.has(2));
  int count = 0;
  for (const auto a : attrs) {
    (void)a;
    count++;
  }
  CHECK(count == 1);
  // Shorter than a header, and a length below the header size.
  CHECK_FALSE(attributes(std::span<const std::byte>(bytes).first(3)).has(1));
  const nlattr tiny{2, 1};
  std::memcpy(bytes.data(), &tiny, sizeof tiny);
  CHECK_FALSE(attrs.has(1));
}

TEST_CASE("a request that would exceed the size bound is refused while it is built") {
  netlink_message m(RTM_NEWLINK, 0);
  const std::vector<char> big(60000, 'x');
  m.put(IFLA_IFALIAS, big.data(), big.size());
  CHECK_THROWS_WITH_AS(m.put(IFLA_IFALIAS, big.data(), big.size()), doctest::Contains("would exceed 65536 bytes"), ovsxdp::error);
  CHECK_THROWS_WITH_AS(m.put(IFLA_IFALIAS, big.data(), 70000), doctest::Contains("exceeds 65531"), ovsxdp::error);
}

TEST_CASE("the kernel's refusal comes back as netlink_error with errno and its extended ack message") {
  ovsxdp::testing::sandbox::get();
  netlink_socket route(NETLINK_ROUTE);
  // RTM_NEWLINK of kind "veth" without a name for an unknown kind: the kernel explains.
  netlink_message request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg header{};
  request.put_struct(header);
  request.put_string(IFLA_IFNAME, "oxbadkind");
  const auto info = request.begin_nested(IFLA_LINKINFO);
  request.put_string(IFLA_INFO_KIND, "ox-no-such-kind");
  request.end_nested(info);
  try {
    route.exchange(request, "create link", "oxbadkind", [](int errnum) { return "remedy for " + std::to_string(errnum); });
    FAIL("the kernel accepted a link kind that does not exist");
  } catch (const netlink_error& e) {
    CHECK(e.errnum() == EOPNOTSUPP);
    CHECK(e.kernel_message() == "Unknown device type");
    CHECK(std::string(e.what()).find("cannot create link 'oxbadkind': Operation not supported (kernel: Unknown device type)") == 0);
    CHECK(e.remedy() == "remedy for " + std::to_string(EOPNOTSUPP));
  }
  // The same socket goes on working: sequence numbers advance and match.
  netlink_message get(RTM_GETLINK, 0);
  ifinfomsg lo{};
  lo.ifi_index = 1;
  get.put_struct(lo);
  const auto replies = route.exchange(get, "read link", "lo");
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].type == RTM_NEWLINK);
  CHECK(replies[0].attrs(sizeof(ifinfomsg)).string(IFLA_IFNAME) == "lo");
}

TEST_CASE("find_genl_family resolves the kernel's families and says nullopt for a missing one") {
  ovsxdp::testing::sandbox::get();
  netlink_socket generic(NETLINK_GENERIC);
  const auto nlctrl = find_genl_family(generic, "nlctrl");
  REQUIRE(nlctrl);
  CHECK(*nlctrl == GENL_ID_CTRL);
  const auto netdev = find_genl_family(generic, "netdev");
  REQUIRE(netdev);
  CHECK(*netdev > GENL_ID_CTRL);
  CHECK_FALSE(find_genl_family(generic, "oxnofamily").has_value());
  // Longer than GENL_NAMSIZ: the kernel's policy refuses it, and the error says so.
  CHECK_THROWS_WITH_AS(find_genl_family(generic, "ox-no-such-family-at-all"), doctest::Contains("(kernel: Attribute failed policy validation)"),
                       netlink_error);
}
