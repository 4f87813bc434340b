// Network interfaces through rtnetlink: what a link is (kind, MTU limits,
// state, its veth peer, its XDP program) and the changes a datapath needs
// (veth pairs, up/down, MTU, delete). Every call opens its own socket in
// the namespace it is given (default: the calling thread's), so calls from
// several threads share nothing. Errors carry the kernel's extended ack.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netdev/netns.hpp"

namespace ovsxdp::netdev {

// How an XDP program is attached, as IFLA_XDP_ATTACHED reports it.
enum class xdp_attach_mode { none, native, generic, offload, multi };
const char* to_string(xdp_attach_mode mode);

struct xdp_attachment {
  xdp_attach_mode mode = xdp_attach_mode::none;
  std::uint32_t prog_id = 0;  // the single program's id; 0 with none or multi
  // Per mode (the kernel fills these for multi, and the one in use otherwise).
  std::uint32_t native_prog_id = 0, generic_prog_id = 0, offload_prog_id = 0;

  bool attached() const { return mode != xdp_attach_mode::none; }
};

struct link_info {
  std::string name;
  int ifindex = 0;
  std::string kind;  // IFLA_INFO_KIND: "veth", "bridge", ...; empty for a physical device
  std::uint32_t mtu = 0;
  std::uint32_t min_mtu = 0, max_mtu = 0;  // 0 when the kernel does not report them
  std::uint32_t flags = 0;                  // IFF_* (ifi_flags)
  std::uint8_t operstate = 0;               // IF_OPER_* (RFC 2863)
  std::vector<std::uint8_t> address;        // link-layer address, e.g. 6 bytes of MAC
  // IFLA_LINK: the device this one sits on; for a veth, its peer's ifindex
  // (in the peer's namespace; 0 once the peer is gone). Absent for a device
  // that sits on nothing (the kernel omits it when it would be the link's own).
  std::optional<int> link_ifindex;
  // IFLA_LINK_NETNSID: the namespace of link_ifindex, as an id of the
  // namespace this link is in (see find_netns_by_id); absent = the same one.
  std::optional<std::int32_t> link_netnsid;
  xdp_attachment xdp;

  bool is_up() const;        // administratively up (IFF_UP)
  bool is_running() const;   // carrier (IFF_LOWER_UP)
  bool is_veth() const { return kind == "veth"; }
  bool peer_in_same_netns() const { return !link_netnsid.has_value(); }
};

// The link, throwing an error that names it when there is none.
link_info get_link(int ifindex, netns_ref ns = {});
link_info get_link(const std::string& name, netns_ref ns = {});
// nullopt when there is no such link.
std::optional<link_info> find_link(int ifindex, netns_ref ns = {});
std::optional<link_info> find_link(const std::string& name, netns_ref ns = {});
// Every link of the namespace, in ifindex order.
std::vector<link_info> list_links(netns_ref ns = {});

struct veth_request {
  std::string name;       // created in the namespace the call is given
  std::string peer_name;  // created in peer_netns, or beside `name`
  std::optional<int> peer_netns_fd;
  std::optional<std::uint32_t> mtu;  // both ends; the kernel's default otherwise
};
// Creates the pair (both ends down). Throws when a name is taken or invalid,
// with the kernel's reason.
void create_veth(const veth_request& request, netns_ref ns = {});

void delete_link(const std::string& name, netns_ref ns = {});
void delete_link(int ifindex, netns_ref ns = {});
void set_link_up(const std::string& name, bool up, netns_ref ns = {});
// The kernel refuses an MTU outside [min_mtu, max_mtu] with a message saying so.
void set_link_mtu(const std::string& name, std::uint32_t mtu, netns_ref ns = {});

}  // namespace ovsxdp::netdev
