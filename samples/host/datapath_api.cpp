// The host API in one page: create a datapath on two interfaces, install a
// flow per direction in OVS datapath flow syntax, answer misses for a few
// seconds the way an OVS slow path would (install a flow, send the packet
// on), then print the flows and counters and remove the datapath.
//
//   datapath_api IFACE_A IFACE_B [SECONDS]
#include <cstdlib>
#include <iostream>
#include <string>

#include "datapath/datapath.hpp"
#include "datapath/flow_text.hpp"
#include "odp/key_format.hpp"
#include "runtime/error.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: datapath_api IFACE_A IFACE_B [SECONDS]\n";
    return 2;
  }
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 5;
  try {
    ovsxdp::datapath_options options;
    options.name = "example";
    ovsxdp::datapath dp = ovsxdp::datapath::create(options);  // pinned: survives this process
    dp.add_port(argv[1], 1);                                   // native XDP, else generic
    dp.add_port(argv[2], 2);

    // IPv4 crosses in both directions, entirely in XDP.
    dp.add_flow(ovsxdp::flow_from_text("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)", "2"));
    dp.add_flow(ovsxdp::flow_from_text("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)", "1"));
    std::cout << "ready: IPv4 crosses between " << argv[1] << " and " << argv[2] << std::endl;

    // The slow path: anything else (ARP, say) misses and comes here; it goes
    // to the other port, through an exact-match flow for the next such packet.
    for (int i = 0; i < seconds * 10; i++) {
      dp.poll_upcalls(
          [&](const ovsxdp::upcall& u) {
            const std::uint32_t out = u.in_port == 1 ? 2 : 1;
            const ovsxdp::flow_match match = ovsxdp::exact_match(u.key);
            ovsxdp::flow_spec flow{.key = match.key, .mask = match.mask, .actions = {ovsxdp::act::output{out}}};
            try {
              dp.add_flow(flow);
            } catch (const ovsxdp::error& e) {  // e.g. a flow for this key was just installed
              std::cerr << "not installed: " << e.what() << "\n";
            }
            dp.execute(u.packet, u.in_port, flow.actions);
          },
          100);
    }

    for (const ovsxdp::flow_entry& f : dp.dump_flows())
      std::cout << ovsxdp::odp::format_key(f.key, &f.mask) << " packets:" << f.stats.packets << " bytes:" << f.stats.bytes << "\n";
    const ovsxdp::datapath_counters c = dp.counters();  // summed over CPUs
    std::cout << "hit:" << c[OVSXDP_C_HIT] << " missed:" << c[OVSXDP_C_MISSED] << " lost:" << c[OVSXDP_C_LOST] << "\n";
    ovsxdp::datapath::destroy("example");  // detach the ports, remove the pins
  } catch (const ovsxdp::error& e) {
    std::cerr << "datapath_api: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
