// Execute: a packet with netlink metadata and actions, really transmitted.
#include <cerrno>

#include "capi/errors.hpp"
#include "capi/flow_encoding.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"
#include "odp/netlink.hpp"

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_execute(ovsxdp_dp* dp, const void* packet, size_t packet_len, const void* key, size_t key_len,
                              const void* actions, size_t actions_len) {
  return guarded("ovsxdp_execute", [&] {
    // The arguments are checked and decoded before the handle is used.
    require_buffer(packet, packet_len, "packet");
    require_buffer(key, key_len, "key");
    require_buffer(actions, actions_len, "actions");
    if (!packet_len) fail(EINVAL, "the packet is empty: execute needs a frame");
    // The key's values are the metadata (in_port, recirc_id, skb_mark,
    // priority, dp_hash, conntrack, tunnel); its packet fields are ignored,
    // as Linux re-extracts them from the packet.
    const ovsxdp_flow_key metadata = odp::decode_metadata(bytes_of(key, key_len));
    const action_list list = odp::decode_actions(bytes_of(actions, actions_len));
    datapath_of(dp).execute(bytes_of(packet, packet_len), metadata.in_port, list, &metadata);
  });
}
