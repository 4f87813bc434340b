// Drops that happen after a datapath program returned, counted per port.
// An XDP_REDIRECT only names the target; the kernel queues the frame after
// the program ends (and may refuse it: larger than the device's MTU, device
// down, a device that takes no XDP frames, which is what a veth whose peer
// runs neither an XDP program nor GRO is: -EOPNOTSUPP) and transmits the
// queue at the end of the poll (and the driver may drop some: a full ring).
// The kernel reports both through tracepoints, which these programs read:
//
//   ovsxdp_redirect_err  xdp:xdp_redirect_err: a redirect through this
//                        datapath's ports map failed (map id and index =
//                        port number identify it)
//   ovsxdp_devmap_xmit   xdp:xdp_devmap_xmit: a transmit queue between two
//                        ports of this datapath, in its network namespace,
//                        lost frames
//
// Created, attached and pinned (links) with the datapath; they share its maps
// (datapath::share_with). Tracepoints are machine-wide: both programs leave
// at their first test for anything that is not this datapath's.
#include "ovsxdp/datapath/maps.h"

using namespace ovsxdp;

// Set by the host before load (rodata: constants to the verifier).
extern "C" const volatile __u32 ovsxdp_ports_map_id = 0;        // id of this datapath's dp_ports
extern "C" const volatile __u64 ovsxdp_netns_inode = 0;         // the ports' network namespace
extern "C" const volatile __u32 ovsxdp_off_dev_ifindex = 0;     // offsetof(struct net_device, ifindex)
extern "C" const volatile __u32 ovsxdp_off_dev_net = 0;         // offsetof(struct net_device, nd_net.net)
extern "C" const volatile __u32 ovsxdp_off_net_inum = 0;        // offsetof(struct net, ns.inum)

namespace {

// errno values the kernel reports (asm-generic/errno*.h; no libc here).
constexpr int kEMSGSIZE = 90, kEOPNOTSUPP = 95, kENETDOWN = 100;

OVSXDP_INLINE ovsxdp_port_stats* stats_of_port(u32 port_no) {
  const ovsxdp_port_info* info = map_lookup<ovsxdp_port_info>(&dp_port_info, port_no);
  return info ? dp::port_stats(info->slot) : nullptr;
}

// The port of this datapath behind a struct net_device *, or null.
OVSXDP_INLINE const ovsxdp_port_ref* port_of_device(u64 device) {
  if (!device) return nullptr;
  u64 net = 0;
  u32 ifindex = 0, inum = 0;
  if (bpf_probe_read_kernel(&net, sizeof net, reinterpret_cast<const void*>(device + ovsxdp_off_dev_net)) != 0 || !net) return nullptr;
  if (bpf_probe_read_kernel(&inum, sizeof inum, reinterpret_cast<const void*>(net + ovsxdp_off_net_inum)) != 0) return nullptr;
  if (inum != ovsxdp_netns_inode) return nullptr;
  if (bpf_probe_read_kernel(&ifindex, sizeof ifindex, reinterpret_cast<const void*>(device + ovsxdp_off_dev_ifindex)) != 0) return nullptr;
  return map_lookup<ovsxdp_port_ref>(&dp_port_ifindex, ifindex);
}

}  // namespace

// TP_PROTO(const struct net_device *dev, const struct bpf_prog *xdp, const void *tgt,
//          int err, enum bpf_map_type map_type, u32 map_id, u32 index)
extern "C" SEC("raw_tp/xdp_redirect_err") int ovsxdp_redirect_err(bpf_raw_tracepoint_args* ctx) {
  if (static_cast<u32>(ctx->args[5]) != ovsxdp_ports_map_id) return 0;
  const int err = static_cast<int>(static_cast<u32>(ctx->args[3]));
  u32 counter = OVSXDP_C_TX_DROP_OTHER;
  if (err == -kEMSGSIZE) counter = OVSXDP_C_TX_DROP_MTU;
  else if (err == -kENETDOWN) counter = OVSXDP_C_TX_DROP_DOWN;
  else if (err == -kEOPNOTSUPP) counter = OVSXDP_C_TX_DROP_REFUSED;
  dp::count(counter);
  ovsxdp_port_stats* s = stats_of_port(static_cast<u32>(ctx->args[6]));
  if (!s) return 0;
  if (counter == OVSXDP_C_TX_DROP_MTU) s->tx_drop_mtu++;
  else if (counter == OVSXDP_C_TX_DROP_DOWN) s->tx_drop_down++;
  else if (counter == OVSXDP_C_TX_DROP_REFUSED) s->tx_drop_refused++;
  else s->tx_drop_other++;
  return 0;
}

// TP_PROTO(const struct net_device *from_dev, const struct net_device *to_dev,
//          int sent, int drops, int err)
extern "C" SEC("raw_tp/xdp_devmap_xmit") int ovsxdp_devmap_xmit(bpf_raw_tracepoint_args* ctx) {
  const int drops = static_cast<int>(static_cast<u32>(ctx->args[3]));
  if (drops <= 0) return 0;
  // Frames this datapath sent arrived on one of its ports (the queue's
  // receiving device; execute runs name their in_port's device).
  if (!port_of_device(ctx->args[0])) return 0;
  const ovsxdp_port_ref* to = port_of_device(ctx->args[1]);
  if (!to) return 0;
  dp::count(OVSXDP_C_TX_DROP_REFUSED, static_cast<u64>(drops));
  if (ovsxdp_port_stats* s = dp::port_stats(to->slot)) s->tx_drop_refused += static_cast<u64>(drops);
  return 0;
}

OVSXDP_LICENSE;
