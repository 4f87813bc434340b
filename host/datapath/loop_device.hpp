// The loop device a datapath's recirculating copies travel through
// (include/ovsxdp/datapath/recirc.h): a veth pair in the datapath's network
// namespace. Copies leave through its `tx` end; the datapath program runs on
// its `rx` end and resumes each copy's next pass. Its names derive from the
// datapath's name, so deleting the datapath finds it even when a process
// died half-way through creating it.
#pragma once

#include <string>

namespace ovsxdp {

struct loop_device {
  std::string tx, rx;
  int tx_ifindex = 0, rx_ifindex = 0;
};

// "oxl<8 hex digits>t" and "...r": 12 characters, from a hash of the name.
loop_device loop_device_names(const std::string& datapath_name);

// Creates the pair, both ends up, IPv6 off (no stack chatter into the
// datapath), the largest MTU the kernel allows; a leftover pair of the same
// names is deleted first. Throws ovsxdp::error on failure.
loop_device create_loop_device(const std::string& datapath_name);

// Deletes the pair if it exists (deleting one end removes both).
void delete_loop_device(const std::string& datapath_name);

}  // namespace ovsxdp
