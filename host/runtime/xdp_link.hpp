// An XDP program attached through a BPF link: it stays attached while the fd
// lives and goes with it, whichever network namespace the thread is in by then.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/fd.hpp"

namespace ovsxdp {

// Native mode on `ifindex` of the calling thread's namespace; throws naming `ifname`.
unique_fd attach_xdp_link(int prog_fd, std::uint32_t ifindex, const std::string& ifname);

}  // namespace ovsxdp
