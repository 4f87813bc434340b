// Upcall channels: their number, fds and pids, and receiving one upcall
// with its key re-encoded in netlink into the channel's buffers.
#include <cerrno>

#include "capi/errors.hpp"
#include "capi/handle.hpp"
#include "capi/ovsxdp_capi.h"
#include "capi/upcall_key.hpp"
#include "odp/netlink.hpp"

using namespace ovsxdp;
using namespace ovsxdp::capi;

extern "C" int ovsxdp_upcall_set_channels(ovsxdp_dp* dp, uint32_t n_channels) {
  return guarded("ovsxdp_upcall_set_channels", [&] {
    datapath& d = datapath_of(dp);
    if (n_channels == 0) fail(EINVAL, "n_channels is 0: a datapath needs at least one upcall channel");
    std::unique_lock lock(dp->channels_lock);  // no recv runs while the channels change
    d.set_upcall_channels(n_channels);
    dp->channels.clear();
    for (std::uint32_t i = 0; i < n_channels; i++) dp->channels.push_back(std::make_unique<ovsxdp_upcall_buffer>());
  });
}

extern "C" uint32_t ovsxdp_upcall_pid(ovsxdp_dp* dp, uint32_t port_no, uint32_t hash) {
  (void)port_no;  // channels are per handler, not per port
  std::uint32_t pid = 0;
  // The datapath sends userspace(pid) to channel pid - 1 (1 <= pid <= n).
  guarded("ovsxdp_upcall_pid", [&] {
    const std::uint32_t n = datapath_of(dp).upcall_channels();
    if (n) pid = hash % n + 1;
  });
  return pid;
}

extern "C" int ovsxdp_upcall_fd(ovsxdp_dp* dp, uint32_t channel) {
  int fd = -1;
  guarded("ovsxdp_upcall_fd", [&] {
    datapath& d = datapath_of(dp);
    if (channel >= d.upcall_channels())
      fail(EINVAL, "channel " + std::to_string(channel) + " does not exist: datapath " + d.name() + " has " +
                       std::to_string(d.upcall_channels()) + " (ovsxdp_upcall_set_channels)");
    fd = d.upcall_fd(channel);
  });
  return fd;
}

extern "C" int ovsxdp_upcall_recv(ovsxdp_dp* dp, uint32_t channel, ovsxdp_upcall_msg* upcall) {
  return guarded("ovsxdp_upcall_recv", [&] {
    datapath& d = datapath_of(dp);
    require(upcall, "upcall");
    std::shared_lock channels(dp->channels_lock);
    if (dp->channels.empty()) {
      // A handle that never set channels uses the datapath's own (one, or
      // what another handle set): buffers to match.
      channels.unlock();
      {
        std::unique_lock resize(dp->channels_lock);
        if (dp->channels.empty())
          for (std::uint32_t i = 0; i < d.upcall_channels(); i++) dp->channels.push_back(std::make_unique<ovsxdp_upcall_buffer>());
      }
      channels.lock();
    }
    if (channel >= dp->channels.size())
      fail(EINVAL, "channel " + std::to_string(channel) + " does not exist: datapath " + d.name() + " has " +
                       std::to_string(dp->channels.size()) + " (ovsxdp_upcall_set_channels)");
    ovsxdp_upcall_buffer& buffer = *dp->channels[channel];
    std::lock_guard lock(buffer.lock);
    if (!d.receive_upcall(channel, buffer.upcall)) fail(EAGAIN, "no upcall waits on channel " + std::to_string(channel));
    const ovsxdp::upcall& up = buffer.upcall;
    const ovsxdp_flow_key mask = upcall_key_mask(up.key);
    buffer.key = odp::encode_key(up.key, implied_attributes(up.key, mask).attributes);
    *upcall = {};
    upcall->type = up.reason == OVSXDP_UPCALL_ACTION ? OVSXDP_UPCALL_TYPE_ACTION : OVSXDP_UPCALL_TYPE_MISS;
    upcall->packet = up.packet.data();
    upcall->packet_len = up.packet.size();
    upcall->key = buffer.key.data();
    upcall->key_len = buffer.key.size();
    if (upcall->type == OVSXDP_UPCALL_TYPE_ACTION) {
      upcall->userdata = up.userdata.data();
      upcall->userdata_len = up.userdata.size();
    }
    upcall->pid = up.pid;
  });
}

extern "C" int ovsxdp_upcall_purge(ovsxdp_dp* dp) {
  return guarded("ovsxdp_upcall_purge", [&] { datapath_of(dp).purge_upcalls(); });
}
