// The C API without privileges: every failure is an errno with a message
// naming the argument, NULL handled, no exception escapes; the errno
// mapping of the library's exceptions; the upcall key's mask; malformed
// netlink refused with EINVAL naming the attribute.
#include <doctest/doctest.h>
#include <linux/openvswitch.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "capi/errors.hpp"
#include "capi/ovsxdp_capi.h"
#include "capi/upcall_key.hpp"
#include "datapath/key_attributes.hpp"
#include "odp/netlink.hpp"
#include "ovsxdp/base/types.h"
#include "runtime/error.hpp"

using namespace ovsxdp;

namespace {

std::string last_error() { return ovsxdp_last_error(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("capi: library exceptions map to the errno values the header documents") {
  using capi::errno_of;
  CHECK(errno_of(capi::failure(EEXIST, "x")) == EEXIST);
  CHECK(errno_of(invalid_flow("install flow", "", "bad")) == EINVAL);
  CHECK(errno_of(system_error("attach XDP to", "eth0", EPERM)) == EPERM);
  CHECK(errno_of(system_error("attach XDP to", "eth0", -EBUSY)) == EBUSY);
  // The datapath's own refusals, by what their reasons say.
  CHECK(errno_of(error("install flow in datapath", "dp", "a flow with this UFID already exists (File exists)")) == EEXIST);
  CHECK(errno_of(error("add port", "veth0", "port number 3 is already in use")) == EEXIST);
  CHECK(errno_of(error("modify a flow in datapath", "dp", "no such flow")) == ENOENT);
  CHECK(errno_of(error("install flow in datapath", "dp", "the flow table is full (10 flows)")) == EFBIG);
  CHECK(errno_of(error("add port to datapath", "dp", "it has 8 ports numbered 8 or more, its maximum")) == EFBIG);
  CHECK(errno_of(error("load", "x", "verifier rejected the program")) == EIO);
  CHECK(errno_of(std::bad_alloc()) == ENOMEM);
  CHECK(errno_of(std::runtime_error("other")) == EIO);
}

TEST_CASE("capi: guarded returns 0 or the errno and keeps the message with the function's name") {
  CHECK(capi::guarded("ovsxdp_test_ok", [] {}) == 0);
  CHECK(capi::guarded("ovsxdp_test_fail", [] { capi::fail(EFBIG, "table full: make it larger"); }) == EFBIG);
  CHECK(last_error() == "ovsxdp_test_fail: table full: make it larger");
  CHECK(capi::guarded("ovsxdp_test_unknown", [] { throw 42; }) == EIO);
  CHECK(contains(last_error(), "ovsxdp_test_unknown"));
}

TEST_CASE("capi: the last error is this thread's own") {
  CHECK(capi::guarded("ovsxdp_here", [] { capi::fail(ENOENT, "mine"); }) == ENOENT);
  std::string other;
  std::thread([&] {
    other = last_error();  // a new thread has had no failure
    capi::guarded("ovsxdp_there", [] { capi::fail(EINVAL, "theirs"); });
  }).join();
  CHECK(other.empty());
  CHECK(last_error() == "ovsxdp_here: mine");
}

TEST_CASE("capi: NULL and invalid arguments are EINVAL with the argument named") {
  ovsxdp_dp* dp = reinterpret_cast<ovsxdp_dp*>(0x1);  // must be reset to NULL on failure
  CHECK(ovsxdp_dp_open(nullptr, true, nullptr, &dp, nullptr) == EINVAL);
  CHECK(dp == nullptr);
  CHECK(contains(last_error(), "argument name is NULL"));
  CHECK(ovsxdp_dp_open("capi-x", true, nullptr, nullptr, nullptr) == EINVAL);
  CHECK(contains(last_error(), "argument dp is NULL"));
  for (const char* bad : {"", "has space", "sixteen-chars-xx", "slash/"}) {
    CAPTURE(bad);
    CHECK(ovsxdp_dp_open(bad, true, nullptr, &dp, nullptr) == EINVAL);
    CHECK(contains(last_error(), "datapath name '" + std::string(bad) + "' is invalid"));
  }

  ovsxdp_dp_stats stats;
  CHECK(ovsxdp_dp_get_stats(nullptr, &stats) == EINVAL);
  CHECK(contains(last_error(), "ovsxdp_dp_get_stats: argument dp is NULL"));
  CHECK(ovsxdp_dp_destroy(nullptr) == EINVAL);
  CHECK(ovsxdp_dp_enumerate(nullptr, nullptr) == EINVAL);
  CHECK(contains(last_error(), "argument cb"));
  ovsxdp_dp_close(nullptr);  // a no-op, as free(NULL)
  ovsxdp_free(nullptr);

  ovsxdp_meter_stats meter;
  CHECK(ovsxdp_meter_set(nullptr, 1, OVSXDP_METER_KBPS, 100, 0) == EINVAL);
  CHECK(ovsxdp_meter_get(nullptr, 1, &meter) == EINVAL);
  CHECK(ovsxdp_meter_del(nullptr, 1, nullptr) == EINVAL);
  ovsxdp_meter_features features;
  std::memset(&features, 0xff, sizeof features);
  ovsxdp_meter_get_features(nullptr, &features);
  CHECK(features.max_meters == 0);  // cleared: no datapath, no meters
  CHECK(contains(last_error(), "ovsxdp_meter_get_features: argument dp is NULL"));
}

TEST_CASE("capi: the upcall key names what the packet carries, and only that") {
  ovsxdp_flow_key key{};
  key.in_port = 3;
  key.eth_type = be16_c<0x0800>;
  key.ip_proto = 6;
  key.tp_src = be16_c<1234>;
  SUBCASE("TCP over IPv4: ports and flags, no tunnel, no conntrack tuple") {
    const ovsxdp_flow_key m = capi::upcall_key_mask(key);
    CHECK(m.tp_src == 0xffff);
    CHECK(m.tcp_flags == 0xffff);
    CHECK(m.tun_proto == 0);
    CHECK(m.ct_orig_proto == 0);
    CHECK(m.ipv6_label == 0);
    const key_attributes a = implied_attributes(key, m).attributes;
    CHECK(implied_attributes(key, m).orphans.empty());
    for (int attribute : {OVS_KEY_ATTR_IN_PORT, OVS_KEY_ATTR_ETHERNET, OVS_KEY_ATTR_ETHERTYPE, OVS_KEY_ATTR_IPV4, OVS_KEY_ATTR_TCP,
                          OVS_KEY_ATTR_TCP_FLAGS, OVS_KEY_ATTR_SKB_MARK, OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_CT_STATE}) {
      CAPTURE(attribute_name(attribute));
      CHECK((a.present & attribute_bit(attribute)) != 0);
    }
    for (int attribute : {OVS_KEY_ATTR_TUNNEL, OVS_KEY_ATTR_UDP, OVS_KEY_ATTR_IPV6, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_VLAN,
                          OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4}) {
      CAPTURE(attribute_name(attribute));
      CHECK((a.present & attribute_bit(attribute)) == 0);
    }
  }
  SUBCASE("a later fragment has no L4 attribute") {
    key.ip_frag = OVSXDP_FRAG_LATER;
    const ovsxdp_flow_key m = capi::upcall_key_mask(key);
    CHECK(m.tp_src == 0);
    CHECK(implied_attributes(key, m).orphans.empty());
    CHECK((implied_attributes(key, m).attributes.present & attribute_bit(OVS_KEY_ATTR_TCP)) == 0);
  }
  SUBCASE("a tunnelled, VLAN-tagged packet names the tunnel and the tag") {
    key.tun_proto = 4;
    key.tun.ipv4.dst = be32_c<0x0a000001>;
    key.vlan_tpid = be16_c<0x8100>;
    key.vlan_tci = be16_c<OVSXDP_VLAN_PRESENT | 10>;
    const key_attributes a = implied_attributes(key, capi::upcall_key_mask(key)).attributes;
    CHECK((a.present & attribute_bit(OVS_KEY_ATTR_TUNNEL)) != 0);
    CHECK((a.present & attribute_bit(OVS_KEY_ATTR_VLAN)) != 0);
  }
  SUBCASE("ICMPv6 neighbour solicitation: one-byte type and code, ND fields") {
    key.eth_type = be16_c<0x86dd>;
    key.ip_proto = 58;
    key.tp_src = be16_c<135>;
    const ovsxdp_flow_key m = capi::upcall_key_mask(key);
    CHECK(m.tp_src == be16_c<0x00ff>);
    CHECK(implied_attributes(key, m).orphans.empty());
    CHECK((implied_attributes(key, m).attributes.present & attribute_bit(OVS_KEY_ATTR_ND)) != 0);
  }
}

TEST_CASE("capi: flow, port, packet and upcall calls refuse NULL handles and buffers") {
  const std::uint8_t byte = 0;
  CHECK(ovsxdp_flow_put(nullptr, OVSXDP_PUT_CREATE, nullptr, 4, nullptr, 0, nullptr, 0, nullptr, nullptr, nullptr) == EINVAL);
  CHECK(contains(last_error(), "argument key is NULL with a length of 4 bytes"));
  CHECK(ovsxdp_flow_del(nullptr, &byte, 0, nullptr, nullptr) == EINVAL);
  CHECK(ovsxdp_flow_flush(nullptr) == EINVAL);
  ovsxdp_dp_flow flow;
  void* buffer = reinterpret_cast<void*>(0x1);
  CHECK(ovsxdp_flow_get(nullptr, nullptr, 0, nullptr, &flow, &buffer) == EINVAL);
  ovsxdp_flow_dump* dump = nullptr;
  CHECK(ovsxdp_flow_dump_start(nullptr, &dump) == EINVAL);
  CHECK(ovsxdp_flow_dump_thread_create(nullptr) == nullptr);
  CHECK(ovsxdp_flow_dump_next(nullptr, &flow, 1) == 0);
  CHECK(contains(last_error(), "argument thread is NULL"));
  std::uint32_t port_no = OVSXDP_ANY_PORT;
  CHECK(ovsxdp_port_add(nullptr, "veth0", OVSXDP_PORT_SYSTEM, &port_no) == EINVAL);
  CHECK(ovsxdp_port_del(nullptr, 1) == EINVAL);
  ovsxdp_port port;
  CHECK(ovsxdp_port_query_by_number(nullptr, 1, &port) == EINVAL);
  CHECK(ovsxdp_port_query_by_name(nullptr, "veth0", &port) == EINVAL);
  ovsxdp_port* ports = nullptr;
  std::size_t n = 0;
  CHECK(ovsxdp_port_dump(nullptr, &ports, &n) == EINVAL);
  CHECK(ovsxdp_port_generation(nullptr) == UINT64_MAX);
  CHECK(ovsxdp_execute(nullptr, nullptr, 0, nullptr, 0, nullptr, 0) == EINVAL);
  CHECK(ovsxdp_upcall_set_channels(nullptr, 1) == EINVAL);
  CHECK(ovsxdp_upcall_pid(nullptr, 1, 7) == 0);
  CHECK(ovsxdp_upcall_fd(nullptr, 0) == -1);
  ovsxdp_upcall_msg msg;
  CHECK(ovsxdp_upcall_recv(nullptr, 0, &msg) == EINVAL);
  CHECK(ovsxdp_upcall_purge(nullptr) == EINVAL);
}

// Netlink attributes by hand, as a broken or hostile caller might send them.
namespace {
// Whether a message names an attribute, as flow text ("in_port") or as
// linux/openvswitch.h does (OVS_KEY_ATTR_IN_PORT).
bool names(std::string message, const std::string& attribute) {
  for (char& c : message) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return contains(message, attribute);
}

void put_attribute(std::vector<std::uint8_t>& out, std::uint16_t type, const void* data, std::uint16_t length) {
  const std::uint16_t header[2] = {static_cast<std::uint16_t>(4 + length), type};
  const auto* h = reinterpret_cast<const std::uint8_t*>(header);
  out.insert(out.end(), h, h + 4);
  const auto* d = static_cast<const std::uint8_t*>(data);
  out.insert(out.end(), d, d + length);
  while (out.size() % 4) out.push_back(0);
}
}  // namespace

TEST_CASE("capi: malformed netlink is EINVAL, and the message names the attribute") {
  // Decoding comes before the handle is used: no datapath is needed to see it.
  std::vector<std::uint8_t> key;
  const std::uint8_t short_port[2] = {1, 0};  // OVS_KEY_ATTR_IN_PORT is 4 bytes
  put_attribute(key, OVS_KEY_ATTR_IN_PORT, short_port, sizeof short_port);
  CHECK(ovsxdp_flow_put(nullptr, OVSXDP_PUT_CREATE, key.data(), key.size(), nullptr, 0, nullptr, 0, nullptr, nullptr, nullptr) ==
        EINVAL);
  CHECK(names(last_error(), "in_port"));

  const std::uint8_t truncated[3] = {8, 0, OVS_KEY_ATTR_ETHERTYPE};  // claims 8 bytes, has 3
  CHECK(ovsxdp_flow_put(nullptr, OVSXDP_PUT_CREATE, truncated, sizeof truncated, nullptr, 0, nullptr, 0, nullptr, nullptr,
                        nullptr) == EINVAL);
  CHECK(!last_error().empty());

  std::vector<std::uint8_t> actions;
  const std::uint8_t short_output[2] = {1, 0};  // OVS_ACTION_ATTR_OUTPUT is 4 bytes
  put_attribute(actions, OVS_ACTION_ATTR_OUTPUT, short_output, sizeof short_output);
  std::vector<std::uint8_t> good_key;
  const std::uint32_t in_port = 1;
  const std::uint16_t ethertype = be16_c<0x0806>;
  put_attribute(good_key, OVS_KEY_ATTR_IN_PORT, &in_port, sizeof in_port);
  put_attribute(good_key, OVS_KEY_ATTR_ETHERTYPE, &ethertype, sizeof ethertype);
  const std::uint8_t frame[60] = {};
  CHECK(ovsxdp_execute(nullptr, frame, sizeof frame, good_key.data(), good_key.size(), actions.data(), actions.size()) == EINVAL);
  CHECK(names(last_error(), "output"));
}
