#include "netdev/xdp_features.hpp"

#include <linux/genetlink.h>

#include <cerrno>

#include "netdev/link.hpp"
#include "netdev/netlink.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::netdev {

namespace {

// The netdev family's ABI (linux/netdev.h, generated from
// Documentation/netlink/specs/netdev.yaml).
constexpr const char* kNetdevFamily = "netdev";
constexpr std::uint8_t kNetdevVersion = 1;
constexpr std::uint8_t kNetdevCmdDevGet = 1;
constexpr std::uint16_t kNetdevAttrIfindex = 1;
constexpr std::uint16_t kNetdevAttrXdpFeatures = 3;
constexpr std::uint16_t kNetdevAttrXdpZcMaxSegs = 4;
constexpr std::uint16_t kNetdevAttrXdpRxMetadataFeatures = 5;
constexpr std::uint16_t kNetdevAttrXskFeatures = 6;

struct named_bit {
  std::uint64_t bit;
  const char* name;
};
constexpr named_bit kActionNames[] = {
    {xdp_act::basic, "basic"},       {xdp_act::redirect, "redirect"}, {xdp_act::ndo_xmit, "ndo-xmit"},
    {xdp_act::xsk_zerocopy, "xsk-zerocopy"}, {xdp_act::hw_offload, "hw-offload"}, {xdp_act::rx_sg, "rx-sg"},
    {xdp_act::ndo_xmit_sg, "ndo-xmit-sg"},
};
constexpr named_bit kRxMetadataNames[] = {
    {xdp_rx_metadata::timestamp, "timestamp"},
    {xdp_rx_metadata::hash, "hash"},
    {xdp_rx_metadata::vlan_tag, "vlan-tag"},
};

template <std::size_t N>
std::vector<std::string> names_of(std::uint64_t bits, const named_bit (&table)[N]) {
  std::vector<std::string> names;
  for (const named_bit& entry : table)
    if (bits & entry.bit) names.emplace_back(entry.name);
  return names;
}

// u64 attributes of this family may come as u32 when the value fits (NLA_UINT).
std::optional<std::uint64_t> read_uint(const attributes& attrs, std::uint16_t type) {
  if (const auto v = attrs.u64(type)) return v;
  if (const auto v = attrs.u32(type)) return *v;
  return std::nullopt;
}

}  // namespace

std::vector<std::string> xdp_features::action_names() const { return names_of(actions, kActionNames); }
std::vector<std::string> xdp_features::rx_metadata_names() const { return names_of(rx_metadata, kRxMetadataNames); }

xdp_features get_xdp_features(int ifindex, netns_ref ns) {
  const std::string subject = "ifindex " + std::to_string(ifindex);
  netlink_socket generic(NETLINK_GENERIC, ns);
  const auto family = find_genl_family(generic, kNetdevFamily);
  if (!family)
    throw error("read the XDP features of", subject + generic.where(), "the kernel has no \"netdev\" generic netlink family",
                "XDP feature reporting needs Linux 6.3 or later (RX metadata 6.6)");
  netlink_message request(*family, 0);
  genlmsghdr header{};
  header.cmd = kNetdevCmdDevGet;
  header.version = kNetdevVersion;
  request.put_struct(header);
  request.put_u32(kNetdevAttrIfindex, static_cast<std::uint32_t>(ifindex));
  const auto replies = generic.exchange(request, "read the XDP features of", subject, [](int errnum) {
    return errnum == ENODEV || errnum == EINVAL ? std::string("check the interface index with `ip link`") : std::string();
  });
  for (const netlink_reply& reply : replies) {
    const attributes attrs = reply.attrs(GENL_HDRLEN);
    if (!attrs.has(kNetdevAttrIfindex)) continue;
    xdp_features features;
    features.ifindex = static_cast<int>(attrs.u32(kNetdevAttrIfindex).value_or(0));
    features.actions = read_uint(attrs, kNetdevAttrXdpFeatures).value_or(0);
    const auto rx_metadata = read_uint(attrs, kNetdevAttrXdpRxMetadataFeatures);
    features.rx_metadata_reported = rx_metadata.has_value();
    features.rx_metadata = rx_metadata.value_or(0);
    features.zerocopy_max_segments = attrs.u32(kNetdevAttrXdpZcMaxSegs).value_or(0);
    features.xsk_features = read_uint(attrs, kNetdevAttrXskFeatures).value_or(0);
    return features;
  }
  throw error("read the XDP features of", subject + generic.where(), "the kernel's answer describes no device");
}

xdp_features get_xdp_features(const std::string& ifname, netns_ref ns) {
  const link_info link = get_link(ifname, ns);
  return get_xdp_features(link.ifindex, ns);
}

}  // namespace ovsxdp::netdev
