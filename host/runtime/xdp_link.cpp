#include "runtime/xdp_link.hpp"

#include <bpf/bpf.h>
#include <linux/if_link.h>

#include <cerrno>

#include "runtime/error.hpp"

namespace ovsxdp {

unique_fd attach_xdp_link(int prog_fd, std::uint32_t ifindex, const std::string& ifname) {
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
  const int fd = bpf_link_create(prog_fd, static_cast<int>(ifindex), BPF_XDP, &opts);
  if (fd < 0)
    throw system_error("attach an XDP program (native mode) to", ifname, errno,
                       "the interface needs native XDP (veth has it) and no XDP program of its own");
  return unique_fd(fd);
}

}  // namespace ovsxdp
