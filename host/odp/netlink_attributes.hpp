// Netlink attribute streams (struct nlattr: 16-bit length, 16-bit type,
// payload padded to 4 bytes) as the OVS datapath family uses them: a
// bounds-checked reader that refuses what Linux's nla_for_each_attr plus
// "if (rem)" refuses, and a writer that pads and nests as nla_put does.
// Also the action numbers of Open vSwitch 3.1's datapath interface where they
// differ from this machine's <linux/openvswitch.h>.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "odp/netlink.hpp"

namespace ovsxdp::odp::nl {

// OVS 3.1 (include/linux/openvswitch.h of its tree) numbers actions after
// OVS_ACTION_ATTR_ADD_MPLS (22) with userspace-only types; it has no
// OVS_ACTION_ATTR_DEC_TTL (newer kernels give 23 to it, which 3.1 uses for
// tnl_push). These are the numbers ovs-vswitchd 3.1 sends.
namespace ovs31 {
inline constexpr int kActionTunnelPush = 23;
inline constexpr int kActionTunnelPop = 24;
inline constexpr int kActionDrop = 25;
inline constexpr int kActionLbOutput = 26;
inline constexpr int kActionMax = 26;
inline constexpr int kKeyMax = 34;  // OVS_KEY_ATTR_TUNNEL_INFO; the kernel's 35 (IPV6_EXTHDRS) is unknown to 3.1
}  // namespace ovs31

inline constexpr std::size_t kHeaderLength = 4;
inline constexpr std::uint16_t kTypeMask = 0x3fff;  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
// The largest attribute a 16-bit length can describe.
inline constexpr std::size_t kMaxAttributeLength = 0xffff;

inline constexpr std::size_t align(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

struct attribute {
  int type = 0;  // flags stripped
  std::span<const std::uint8_t> payload;
};

// Every attribute of `stream`, in order. Refuses (netlink_error naming
// `context`, the attribute that holds the stream, -1 at top level) a header
// cut short, a length below the header or past the end, and trailing bytes.
// `what` names the stream in messages ("flow key", "actions of clone").
std::vector<attribute> parse(std::span<const std::uint8_t> stream, int context, const std::string& what);

// The payload of `a` as a T, refused unless exactly sizeof(T) bytes.
template <class T>
T get(const attribute& a, const std::string& name) {
  if (a.payload.size() != sizeof(T))
    throw netlink_error(a.type, name + ": payload of " + std::to_string(a.payload.size()) + " bytes, expected " + std::to_string(sizeof(T)));
  T v;
  std::memcpy(&v, a.payload.data(), sizeof(T));
  return v;
}

bool all_zero(std::span<const std::uint8_t> bytes);

class writer {
 public:
  void put(int type, const void* data, std::size_t length);
  template <class T>
  void put_value(int type, const T& value) { put(type, &value, sizeof(T)); }
  void put_flag(int type) { put(type, nullptr, 0); }
  // Starts a nested attribute; end_nested(returned offset) sets its length.
  std::size_t begin_nested(int type);
  void end_nested(std::size_t start);
  const std::vector<std::uint8_t>& bytes() const { return buffer_; }
  std::vector<std::uint8_t> take() { return std::move(buffer_); }

 private:
  std::vector<std::uint8_t> buffer_;
};

}  // namespace ovsxdp::odp::nl
