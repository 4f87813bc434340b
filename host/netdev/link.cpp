#include "netdev/link.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <algorithm>
#include <cerrno>

#include "netdev/netlink.hpp"
#include "runtime/error.hpp"

namespace ovsxdp::netdev {

namespace {

// What to do when rtnetlink refuses a change to a link.
std::string link_remedy(int errnum) {
  switch (errnum) {
    case EPERM:
      return "run as root (CAP_NET_ADMIN in the link's namespace)";
    case ENODEV:
      return "check the interface name or index with `ip link`";
    case EEXIST:
      return "pick another name, or delete the link that has it";
    case EOPNOTSUPP:
      return "this kernel or device does not support the change";
    default:
      return {};
  }
}

void check_name(const std::string& operation, const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name.find_first_of("/: \t\n") != std::string::npos)
    throw error(operation, name, "not a valid interface name",
                "use 1 to " + std::to_string(IFNAMSIZ - 1) + " characters without '/', ':' or spaces");
}

ifinfomsg link_header(int ifindex = 0) {
  ifinfomsg header{};
  header.ifi_family = AF_UNSPEC;
  header.ifi_index = ifindex;
  return header;
}

link_info parse_link(const netlink_reply& reply) {
  const ifinfomsg header = reply.header<ifinfomsg>();
  const attributes attrs = reply.attrs(sizeof(ifinfomsg));
  link_info link;
  link.ifindex = header.ifi_index;
  link.flags = header.ifi_flags;
  link.name = attrs.string(IFLA_IFNAME).value_or("");
  link.mtu = attrs.u32(IFLA_MTU).value_or(0);
  link.min_mtu = attrs.u32(IFLA_MIN_MTU).value_or(0);
  link.max_mtu = attrs.u32(IFLA_MAX_MTU).value_or(0);
  link.operstate = attrs.u8(IFLA_OPERSTATE).value_or(IF_OPER_UNKNOWN);
  if (const auto address = attrs.find(IFLA_ADDRESS))
    for (const std::byte b : *address) link.address.push_back(static_cast<std::uint8_t>(b));
  link.kind = attrs.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND).value_or("");
  link.link_ifindex = attrs.s32(IFLA_LINK);
  if (const auto nsid = attrs.s32(IFLA_LINK_NETNSID); nsid && *nsid >= 0) link.link_netnsid = *nsid;
  const attributes xdp = attrs.nested(IFLA_XDP);
  switch (xdp.u8(IFLA_XDP_ATTACHED).value_or(XDP_ATTACHED_NONE)) {
    case XDP_ATTACHED_DRV:
      link.xdp.mode = xdp_attach_mode::native;
      break;
    case XDP_ATTACHED_SKB:
      link.xdp.mode = xdp_attach_mode::generic;
      break;
    case XDP_ATTACHED_HW:
      link.xdp.mode = xdp_attach_mode::offload;
      break;
    case XDP_ATTACHED_MULTI:
      link.xdp.mode = xdp_attach_mode::multi;
      break;
    default:
      link.xdp.mode = xdp_attach_mode::none;
  }
  link.xdp.prog_id = xdp.u32(IFLA_XDP_PROG_ID).value_or(0);
  link.xdp.native_prog_id = xdp.u32(IFLA_XDP_DRV_PROG_ID).value_or(0);
  link.xdp.generic_prog_id = xdp.u32(IFLA_XDP_SKB_PROG_ID).value_or(0);
  link.xdp.offload_prog_id = xdp.u32(IFLA_XDP_HW_PROG_ID).value_or(0);
  // A single program is reported only as IFLA_XDP_PROG_ID; fill its mode's slot too.
  if (link.xdp.mode == xdp_attach_mode::native && !link.xdp.native_prog_id) link.xdp.native_prog_id = link.xdp.prog_id;
  if (link.xdp.mode == xdp_attach_mode::generic && !link.xdp.generic_prog_id) link.xdp.generic_prog_id = link.xdp.prog_id;
  if (link.xdp.mode == xdp_attach_mode::offload && !link.xdp.offload_prog_id) link.xdp.offload_prog_id = link.xdp.prog_id;
  return link;
}

// One RTM_GETLINK for the link `header` and `name` select; nullopt on ENODEV.
std::optional<link_info> query_link(int ifindex, const std::string& name, const std::string& subject, netns_ref ns) {
  netlink_socket route(NETLINK_ROUTE, ns);
  netlink_message request(RTM_GETLINK, 0);
  request.put_struct(link_header(ifindex));
  if (!name.empty()) request.put_string(IFLA_IFNAME, name);
  request.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::vector<netlink_reply> replies;
  try {
    replies = route.exchange(request, "read link", subject, link_remedy);
  } catch (const netlink_error& e) {
    if (e.errnum() == ENODEV) return std::nullopt;
    throw;
  }
  for (const netlink_reply& reply : replies)
    if (reply.type == RTM_NEWLINK) return parse_link(reply);
  throw error("read link", subject + route.where(), "the kernel answered without the link");
}

std::string ifindex_subject(int ifindex) { return "ifindex " + std::to_string(ifindex); }

[[noreturn]] void throw_no_such_link(const std::string& subject, netns_ref ns) {
  const std::string where = ns.is_current() ? std::string() : " in network namespace " + describe_netns(ns);
  throw error("read link", subject + where, "no such device", "check the interface name or index with `ip link`");
}

// RTM_NEWLINK that changes an existing link, named by `name`.
void change_link(const std::string& operation, const std::string& name, netns_ref ns, const std::function<void(netlink_message&)>& fill,
                 const ifinfomsg& header) {
  check_name(operation, name);
  netlink_socket route(NETLINK_ROUTE, ns);
  netlink_message request(RTM_NEWLINK, 0);
  request.put_struct(header);
  request.put_string(IFLA_IFNAME, name);
  if (fill) fill(request);
  route.exchange(request, operation, name, link_remedy);
}

}  // namespace

const char* to_string(xdp_attach_mode mode) {
  switch (mode) {
    case xdp_attach_mode::none:
      return "none";
    case xdp_attach_mode::native:
      return "native";
    case xdp_attach_mode::generic:
      return "generic";
    case xdp_attach_mode::offload:
      return "offload";
    case xdp_attach_mode::multi:
      return "multi";
  }
  return "unknown";
}

bool link_info::is_up() const { return flags & IFF_UP; }
bool link_info::is_running() const { return flags & IFF_LOWER_UP; }

std::optional<link_info> find_link(int ifindex, netns_ref ns) {
  if (ifindex <= 0) return std::nullopt;
  return query_link(ifindex, {}, ifindex_subject(ifindex), ns);
}

std::optional<link_info> find_link(const std::string& name, netns_ref ns) {
  check_name("read link", name);
  return query_link(0, name, name, ns);
}

link_info get_link(int ifindex, netns_ref ns) {
  if (auto link = find_link(ifindex, ns)) return std::move(*link);
  throw_no_such_link(ifindex_subject(ifindex), ns);
}

link_info get_link(const std::string& name, netns_ref ns) {
  if (auto link = find_link(name, ns)) return std::move(*link);
  throw_no_such_link(name, ns);
}

std::vector<link_info> list_links(netns_ref ns) {
  netlink_socket route(NETLINK_ROUTE, ns);
  netlink_message request(RTM_GETLINK, NLM_F_DUMP);
  request.put_struct(link_header());
  request.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::vector<link_info> links;
  for (const netlink_reply& reply : route.exchange(request, "list links", "", link_remedy))
    if (reply.type == RTM_NEWLINK) links.push_back(parse_link(reply));
  std::sort(links.begin(), links.end(), [](const link_info& a, const link_info& b) { return a.ifindex < b.ifindex; });
  return links;
}

void create_veth(const veth_request& veth, netns_ref ns) {
  const std::string operation = "create veth pair";
  check_name(operation, veth.name);
  check_name(operation, veth.peer_name);
  netlink_socket route(NETLINK_ROUTE, ns);
  netlink_message request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  request.put_struct(link_header());
  request.put_string(IFLA_IFNAME, veth.name);
  if (veth.mtu) request.put_u32(IFLA_MTU, *veth.mtu);
  const auto linkinfo = request.begin_nested(IFLA_LINKINFO);
  request.put_string(IFLA_INFO_KIND, "veth");
  const auto data = request.begin_nested(IFLA_INFO_DATA);
  // The peer's own ifinfomsg and attributes, as if in a request of its own.
  const auto peer = request.begin_nested(VETH_INFO_PEER, false);
  request.put_struct(link_header());
  request.put_string(IFLA_IFNAME, veth.peer_name);
  if (veth.mtu) request.put_u32(IFLA_MTU, *veth.mtu);
  if (veth.peer_netns_fd) request.put_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(*veth.peer_netns_fd));
  request.end_nested(peer);
  request.end_nested(data);
  request.end_nested(linkinfo);
  std::string subject = veth.name + " <-> " + veth.peer_name;
  if (veth.peer_netns_fd) subject += " (peer in network namespace " + describe_netns(netns_ref(*veth.peer_netns_fd)) + ")";
  route.exchange(request, operation, subject, link_remedy);
}

void delete_link(const std::string& name, netns_ref ns) {
  check_name("delete link", name);
  netlink_socket route(NETLINK_ROUTE, ns);
  netlink_message request(RTM_DELLINK, 0);
  request.put_struct(link_header());
  request.put_string(IFLA_IFNAME, name);
  route.exchange(request, "delete link", name, link_remedy);
}

void delete_link(int ifindex, netns_ref ns) {
  if (ifindex <= 0) throw error("delete link", ifindex_subject(ifindex), "not a valid ifindex", "ifindexes start at 1");
  netlink_socket route(NETLINK_ROUTE, ns);
  netlink_message request(RTM_DELLINK, 0);
  request.put_struct(link_header(ifindex));
  route.exchange(request, "delete link", ifindex_subject(ifindex), link_remedy);
}

void set_link_up(const std::string& name, bool up, netns_ref ns) {
  ifinfomsg header = link_header();
  header.ifi_flags = up ? IFF_UP : 0;
  header.ifi_change = IFF_UP;
  change_link(up ? "set link up" : "set link down", name, ns, {}, header);
}

void set_link_mtu(const std::string& name, std::uint32_t mtu, netns_ref ns) {
  change_link("set the MTU to " + std::to_string(mtu) + " on link", name, ns, [&](netlink_message& m) { m.put_u32(IFLA_MTU, mtu); },
              link_header());
}

}  // namespace ovsxdp::netdev
