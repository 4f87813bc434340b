#include "support/shipped_programs.hpp"

#include "datapath/datapath.hpp"
#include "extract/bpf_key_extractor.hpp"
#include "netdev/link.hpp"
#include "runtime/error.hpp"
#include "runtime/skeleton.hpp"
#include "support/sandbox.hpp"
// clang-format off
#include "port_events.skel.h"
#include "trafgen.skel.h"
#include "vlan_tagger.skel.h"
#include "xdp_pass.skel.h"
// clang-format on

namespace ovsxdp::testing {

std::vector<shipped_program> load_shipped_programs() {
  std::vector<shipped_program> out;
  // Budgets are about 20% over the figures of 2026-12-02 (kernel 6.18,
  // clang 19), verified instructions: key_extract 8,912; datapath 86,628,
  // trace 81,461, execute 80,531, execute_trace 81,621, copy 32,639;
  // instructions 12,649, 12,835, 12,416, 12,997 and 10,431 (with
  // recirculating copies, execute through the loop device, per-port counts,
  // set(arp/nd/icmp) and push/pop_nsh; 65,599, 68,990, 68,755, 72,108 and
  // 28,704 verified with jumbo frames before those); vlan_tagger 9,103;
  // trafgen send 252, count 146. datapath_vlan_md (2026-12, the datapath
  // program with a VLAN tag from RX metadata written in) 86,696 verified,
  // 12,828 instructions. With ct() (2026-12-05, the tracker, its parser,
  // TCP state machine and window-scale scan as global functions):
  // instructions 14,803 datapath, 14,542 trace, 14,570 execute, 14,705
  // execute_trace, 12,479 copy, 14,987 vlan_md; verified 98,936, 89,244,
  // 92,839, 89,418, 43,495 and 99,008. bpf_program_sizes prints today's.
  bpf_key_extractor extractor;
  out.push_back({extractor.program(), 2000, 11000});

  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("sizes");
  const std::string port = name + "v";
  unique_fd peer_namespace;  // keeps the port's peer until the port is deleted
  {
    datapath dp = datapath::create(s.options(name));
    // Executed per packet: the entry programs plus every action function they call.
    const std::uint32_t budgets[OVSXDP_PROGRAM_KINDS] = {18000, 18000, 18000, 18000, 15000};
    const std::uint32_t verified_budgets[OVSXDP_PROGRAM_KINDS] = {119000, 108000, 112000, 108000, 52000};
    const auto programs = dp.programs();
    for (std::size_t k = 0; k < programs.size(); k++) out.push_back({programs[k], budgets[k], verified_budgets[k]});
    // The instance a port whose VLAN tags arrive as RX metadata gets, bound
    // to its device: a veth whose peer add_port cannot reach.
    peer_namespace = s.veth_with_hidden_peer(port, port + "x");
    dp.add_port(port, 1, xdp_attach::native);
    const std::optional<program_info> bound = dp.port_program(1);
    if (!bound || bound->name != "ovsxdp_datapath_vlan_md")
      throw error("measure program", "ovsxdp_datapath_vlan_md", "port " + port + " did not get the device-bound instance");
    out.push_back({*bound, 18000, 119000});
    // The tracing programs every datapath attaches: they run on each XDP
    // redirect error and each devmap flush of the machine, so they stay
    // small (2026-12: redirect_err 85 instructions, 148 verified;
    // devmap_xmit 149 and 141).
    auto events = skeleton<port_events>::open("port_events");
    dp.share_with(events->obj);
    events.load();
    for (auto& info : describe_programs(events->obj))
      out.push_back({info, info.name == "ovsxdp_redirect_err" ? 110u : 190u, info.name == "ovsxdp_redirect_err" ? 190u : 180u});
  }
  datapath::destroy(name, s.location());
  netdev::delete_link(port);

  auto pass = skeleton<xdp_pass>::open_and_load("xdp_pass");
  for (auto& info : describe_programs(pass->obj)) out.push_back({info, 16, 16});
  // The library example of docs/library.md: what a small program of your own costs.
  auto tagger = skeleton<vlan_tagger>::open_and_load("vlan_tagger");
  for (auto& info : describe_programs(tagger->obj)) out.push_back({info, 1400, 11500});
  // The benchmarks' traffic generator and receiver: their cost is in every rate measured.
  auto trafgen_programs = skeleton<trafgen>::open_and_load("trafgen");
  for (auto& info : describe_programs(trafgen_programs->obj))
    out.push_back({info, 200, info.name == "ovsxdp_trafgen_send" ? 400u : 300u});
  return out;
}

}  // namespace ovsxdp::testing
