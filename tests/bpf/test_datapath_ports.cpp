// Ports and their devices: the offloads add_port changes on a veth's peer
// (and restores), frames from a peer with default offloads, VLAN tags that
// travel as skb metadata (also where the peer's offload cannot be switched
// off: read from RX metadata by a device-bound program), and the per-port
// counts with the drops the kernel makes after a redirect (MTU, a device
// that refuses XDP frames).
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "netdev/ethtool.hpp"
#include "netdev/link.hpp"
#include "netdev/netns.hpp"
#include "runtime/error.hpp"
#include "runtime/skeleton.hpp"
#include "support/frame_check.hpp"
#include "support/raw_socket.hpp"
#include "support/sandbox.hpp"
// clang-format off
#include "tc_vlan_push.skel.h"
// clang-format on

using namespace ovsxdp;
using namespace ovsxdp::testing;

namespace {

bool active(const std::string& ifname, const std::string& feature, netdev::netns_ref ns = {}) {
  return netdev::get_feature(ifname, feature, ns).active;
}

// Ports 1 and 2 on veths, the datapath attached natively; the far ends (a
// sender and a receiver) keep the kernel's default offloads and run no XDP.
struct ports_fixture {
  std::string name = sandbox::get().unique_name("pt");
  std::string a = name + "a", a_peer = name + "A", b = name + "b", b_peer = name + "B";
  datapath dp = [&] {
    sandbox& s = sandbox::get();
    s.veth(a, a_peer);
    s.veth(b, b_peer);
    return datapath::create(s.options(name));
  }();
  ports_fixture() {
    CHECK(dp.add_port(a, 1, xdp_attach::native).mode == OVSXDP_XDP_NATIVE);
    CHECK(dp.add_port(b, 2, xdp_attach::native).mode == OVSXDP_XDP_NATIVE);
  }
  ~ports_fixture() {
    try {
      datapath::destroy(name, sandbox::get().location());
    } catch (...) {
    }
  }
};

bytes udp_frame(std::uint16_t sport, std::size_t payload = 32) {
  return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("10.2.0.1", "10.2.0.2").udp(sport, 7777).payload(payload, 0x5a).build();
}

const std::string kForward = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)";

// Waits (bounded) until `done()` holds: the kernel counts redirect drops in
// the softirq that runs after a send returns.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 100; i++) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// A TC egress program that tags every frame: `vid` in skb metadata, and with
// `outer_vid` an 802.1ad tag in metadata around it (the first then moves
// into the frame).
skeleton<tc_vlan_push> vlan_tagger(std::uint16_t vid, std::uint16_t outer_vid = 0) {
  auto tagger = skeleton<tc_vlan_push>::open("tc_vlan_push");
  tagger->rodata->ovsxdp_test_vid = vid;
  tagger->rodata->ovsxdp_test_outer_vid = outer_vid;
  tagger.load();
  return tagger;
}

void attach_tc_egress(const std::string& ifname, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(if_nametoindex(ifname.c_str())), .attach_point = BPF_TC_EGRESS);
  if (bpf_tc_hook_create(&hook) != 0) throw std::runtime_error("create the TC egress hook of " + ifname);
  LIBBPF_OPTS(bpf_tc_opts, filter, .prog_fd = prog_fd);
  if (bpf_tc_attach(&hook, &filter) != 0) throw std::runtime_error("attach the TC tagger to " + ifname);
}

// A veth `a` here whose peer lives in a network namespace that nothing
// names (sandbox::veth_with_hidden_peer), so add_port cannot switch the
// peer's tx-vlan offload off: the tag `tagger` pushes on the peer's egress
// crosses the veth as skb metadata. `sender` sends from the peer.
struct hidden_peer {
  std::optional<raw_socket> sender;  // opened in the peer's namespace
  unique_fd anchor;

  hidden_peer(const std::string& a, const std::string& peer, int tagger_fd)
      : anchor(sandbox::get().veth_with_hidden_peer(a, peer, [&] {
          attach_tc_egress(peer, tagger_fd);
          sender.emplace(peer);
        })) {}
};

bytes tagged_udp_frame(std::uint16_t sport) {
  return packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").vlan(42).ipv4("10.2.0.1", "10.2.0.2").udp(sport, 7777).payload(32, 0x5a).build();
}

// What `ovsxdp-dpctl show` prints for the sandbox's datapath `name`.
std::string dpctl_show(const std::string& name) {
  const datapath_location& where = sandbox::get().location();
  const std::string command = std::string(OVSXDP_DPCTL) + " --bpffs " + where.bpffs + " --run-dir " + where.run_dir + " show " + name + " 2>&1";
  std::string out;
  if (FILE* f = popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, f)) out += buffer;
    pclose(f);
  }
  return out;
}

// A network namespace that only an fd of this process names.
unique_fd new_namespace() {
  unique_fd ns;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) == 0) ns.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  }).join();
  REQUIRE(ns);
  return ns;
}

}  // namespace

TEST_CASE("a veth port turns its peer's TX checksum and VLAN offloads off and GRO on; removal restores them") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("po");
  const std::string a = name + "a", peer = name + "A";
  s.veth(a, peer);
  REQUIRE(active(peer, "tx-checksum-ip-generic"));  // the kernel's defaults for a veth
  REQUIRE(active(peer, "tx-tcp-segmentation"));
  REQUIRE(active(peer, "tx-vlan-hw-insert"));
  REQUIRE_FALSE(active(peer, "rx-gro"));
  {
    datapath dp = datapath::create(s.options(name));
    const port_info p = dp.add_port(a, 1, xdp_attach::native);
    CHECK(p.note.find("veth peer " + peer + ": turned TX checksum offload off") != std::string::npos);
    CHECK((p.offloads & OVSXDP_OFFLOAD_PEER_TX_CSUM_IP));
    CHECK_FALSE(active(peer, "tx-checksum-ip-generic"));
    CHECK_FALSE(active(peer, "tx-checksum-sctp"));
    CHECK_FALSE(active(peer, "tx-tcp-segmentation"));  // TSO needs checksum offload
    CHECK_FALSE(active(peer, "tx-vlan-hw-insert"));
    CHECK_FALSE(active(peer, "tx-vlan-stag-hw-insert"));
    CHECK(active(peer, "rx-gro"));
    CHECK(dp.port(1)->offloads == p.offloads);  // recorded for whoever removes the port
    CHECK(dp.remove_port(1).empty());
    CHECK(active(peer, "tx-checksum-ip-generic"));
    CHECK(active(peer, "tx-checksum-sctp"));
    CHECK(active(peer, "tx-tcp-segmentation"));
    CHECK(active(peer, "tx-vlan-hw-insert"));
    CHECK_FALSE(active(peer, "rx-gro"));

    SUBCASE("del-dp restores them too, from the pinned record") {
      dp.add_port(a, 3, xdp_attach::native);
      CHECK_FALSE(active(peer, "tx-checksum-ip-generic"));
    }
    SUBCASE("a setting the user chose is left as it was") {
      s.run("ethtool -K " + peer + " tx off");
      const port_info again = dp.add_port(a, 3, xdp_attach::native);
      CHECK_FALSE((again.offloads & OVSXDP_OFFLOAD_PEER_TX_CSUM_IP));
      CHECK(dp.remove_port(3).empty());
      CHECK_FALSE(active(peer, "tx-checksum-ip-generic"));  // off before, off after
      s.run("ethtool -K " + peer + " tx on");
      dp.add_port(a, 3, xdp_attach::native);
    }
  }
  CHECK(datapath::destroy(name, s.location()).empty());
  CHECK(active(peer, "tx-checksum-ip-generic"));
  CHECK(active(peer, "tx-vlan-hw-insert"));
  CHECK_FALSE(active(peer, "rx-gro"));
  s.run("ip link del " + a);
}

TEST_CASE("the peer of a veth port may live in another network namespace") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pn");
  const std::string a = name + "a", peer = name + "A";
  const unique_fd ns = new_namespace();
  netdev::create_veth({a, peer, ns.get(), std::nullopt});
  netdev::set_link_up(a, true);
  netdev::run_in_netns(ns.get(), [&] { netdev::set_link_up(peer, true); });
  const netdev::netns_ref there(ns.get());
  REQUIRE(active(peer, "tx-checksum-ip-generic", there));
  datapath dp = datapath::create(s.options(name));
  const port_info p = dp.add_port(a, 1, xdp_attach::native);
  CHECK(p.note.find("veth peer " + peer + " (in network namespace id ") != std::string::npos);
  CHECK_FALSE(active(peer, "tx-checksum-ip-generic", there));
  CHECK_FALSE(active(peer, "tx-vlan-hw-insert", there));
  CHECK(active(peer, "rx-gro", there));
  CHECK(dp.remove_port(1).empty());
  CHECK(active(peer, "tx-checksum-ip-generic", there));
  CHECK(active(peer, "tx-vlan-hw-insert", there));
  CHECK_FALSE(active(peer, "rx-gro", there));
  datapath::destroy(name, s.location());
  netdev::delete_link(a);
}

TEST_CASE("a port whose peer's namespace was deleted is removed with nothing to restore") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pg");
  const std::string a = name + "a", peer = name + "A";
  unique_fd ns = new_namespace();
  netdev::create_veth({a, peer, ns.get(), std::nullopt});
  netdev::set_link_up(a, true);
  datapath dp = datapath::create(s.options(name));
  const port_info p = dp.add_port(a, 1, xdp_attach::native);
  REQUIRE(p.offloads != 0);
  // The last reference to the namespace goes: Linux deletes it, and with
  // it both ends of the veth (asynchronously, in its cleanup work).
  ns.reset();
  for (int i = 0; i < 200 && netdev::find_link(a); i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE_FALSE(netdev::find_link(a));
  CHECK(dp.remove_port(1) == "");
  datapath::destroy(name, s.location());
}

TEST_CASE("a peer in a namespace nothing names cannot be prepared: the port is added, with the command to run there") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pu");
  const std::string a = name + "a", peer = name + "A";
  // The namespace lives on only through a socket opened in it: no mount,
  // process or namespace fd names it, so no one here can enter it.
  const unique_fd here = netdev::open_current_netns();
  unique_fd anchor;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) return;
    netdev::create_veth({peer, a, here.get(), std::nullopt});
    anchor.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  }).join();
  REQUIRE(anchor);
  REQUIRE(netdev::find_link(a));
  datapath dp = datapath::create(s.options(name));
  const port_info p = dp.add_port(a, 1, xdp_attach::native);
  CHECK(p.mode == OVSXDP_XDP_NATIVE);
  CHECK(p.offloads == 0);  // nothing changed, nothing to restore
  CAPTURE(p.note);
  CHECK(p.note.find("which no /run/netns mount, process or open file names") != std::string::npos);
  CHECK(p.note.find("ethtool -K <the interface with ifindex ") != std::string::npos);
  CHECK(dp.remove_port(1).empty());
  datapath::destroy(name, s.location());
  netdev::delete_link(a);
}

TEST_CASE("a tag in skb metadata from a peer whose tx-vlan offload is out of reach is read from RX metadata into the frame") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pm");
  const std::string a = name + "a", peer = name + "A", b = name + "b", b_peer = name + "B";
  const auto tagger = vlan_tagger(42);
  const hidden_peer hidden(a, peer, bpf_program__fd(tagger->progs.ovsxdp_test_tc_vlan_push));
  s.veth(b, b_peer);
  datapath dp = datapath::create(s.options(name));
  const port_info p = dp.add_port(a, 1, xdp_attach::native);
  CAPTURE(p.note);
  CHECK(p.mode == OVSXDP_XDP_NATIVE);
  CHECK(p.program == OVSXDP_PORT_PROGRAM_VLAN_MD);
  CHECK(p.note.find("its veth peer's TX VLAN offload stays as it is (on by default): an instance of the datapath program bound to " + a) !=
        std::string::npos);
  CHECK(p.note.find("(xdp: native, vlan tag from metadata)") != std::string::npos);
  CHECK(dp.port(1)->program == OVSXDP_PORT_PROGRAM_VLAN_MD);  // recorded for show
  CHECK(dp.add_port(b, 2, xdp_attach::native).program == OVSXDP_PORT_PROGRAM_DATAPATH);  // its peer's offload went off
  const std::optional<program_info> bound = dp.port_program(1);
  REQUIRE(bound);
  CHECK(bound->name == "ovsxdp_datapath_vlan_md");
  CHECK(bound->instructions > dp.port_program(2)->instructions);
  const std::string show = dpctl_show(name);
  CAPTURE(show);
  CHECK(show.find("  port 1: " + a + " (xdp: native, vlan tag from metadata)\n") != std::string::npos);
  CHECK(show.find("  port 2: " + b + " (xdp: native)\n") != std::string::npos);

  dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=42),encap(eth_type(0x0800),ipv4(frag=no))", "2"));
  raw_socket rx(b_peer);
  constexpr std::uint16_t n = 6;
  for (std::uint16_t i = 0; i < n; i++) hidden.sender->send(udp_frame(static_cast<std::uint16_t>(3100 + i)));
  const std::vector<bytes> got = rx.drain();
  CHECK(got.size() == n);
  for (std::size_t i = 0; i < got.size(); i++)
    if (got[i] != tagged_udp_frame(static_cast<std::uint16_t>(3100 + i))) FAIL_CHECK(hex_diff(tagged_udp_frame(static_cast<std::uint16_t>(3100 + i)), got[i]));
  const datapath_counters c = dp.counters();
  CHECK(c[OVSXDP_C_MISSED] == 0);
  CHECK(c[OVSXDP_C_HIT] == n);
  CHECK(c[OVSXDP_C_VLAN_FROM_METADATA] == n);
  CHECK(dp.port_stats(1).rx_bytes == n * tagged_udp_frame(0).size());  // counted as the wire carries it
  CHECK(dp.port_stats(2).tx_bytes == n * tagged_udp_frame(0).size());

  // Another datapath sees the port's own program as this datapath's.
  {
    const std::string other = name + "o";
    datapath second = datapath::create(s.options(other));
    std::string refusal;
    try {
      second.add_port(a, 1, xdp_attach::native);
    } catch (const ovsxdp::error& e) {
      refusal = e.what();
    }
    CHECK(refusal.find("it is already port 1 of datapath " + name) != std::string::npos);
    datapath::destroy(other, s.location());
  }

  // del-if detaches the port's own program at once, like the shared one.
  CHECK(dp.remove_port(1).empty());
  __u32 attached = 1;
  CHECK(bpf_xdp_query_id(static_cast<int>(if_nametoindex(a.c_str())), 0, &attached) == 0);
  CHECK(attached == 0);
  datapath::destroy(name, s.location());
  netdev::delete_link(a);
  netdev::delete_link(b);
}

TEST_CASE("a frame whose tag came from RX metadata reaches the stack with that tag once, and its upcall with it") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pp");
  const std::string a = name + "a", peer = name + "A";
  const auto tagger = vlan_tagger(42);
  const hidden_peer hidden(a, peer, bpf_program__fd(tagger->progs.ovsxdp_test_tc_vlan_push));
  datapath_options options = s.options(name);
  options.miss_policy = OVSXDP_MISS_PASS;  // no flow: every frame misses and goes up a's stack
  datapath dp = datapath::create(options);
  REQUIRE(dp.add_port(a, 1, xdp_attach::native).program == OVSXDP_PORT_PROGRAM_VLAN_MD);
  raw_socket stack(a);  // what a's stack receives, the skb's metadata tag given back by auxdata
  constexpr std::uint16_t n = 5;
  for (std::uint16_t i = 0; i < n; i++) hidden.sender->send(udp_frame(static_cast<std::uint16_t>(3200 + i)));
  const std::vector<bytes> got = stack.drain();
  CHECK(got.size() == n);
  for (std::size_t i = 0; i < got.size(); i++)  // twice tagged if the datapath's copy of the tag went up too
    if (got[i] != tagged_udp_frame(static_cast<std::uint16_t>(3200 + i))) FAIL_CHECK(hex_diff(tagged_udp_frame(static_cast<std::uint16_t>(3200 + i)), got[i]));
  std::vector<upcall> upcalls;
  dp.poll_upcalls([&](const upcall& u) { upcalls.push_back(u); }, 500);
  CHECK(upcalls.size() == n);
  for (std::size_t i = 0; i < upcalls.size(); i++) {
    CHECK(upcalls[i].packet == tagged_udp_frame(static_cast<std::uint16_t>(3200 + i)));  // the slow path sees the tag
    CHECK(upcalls[i].key.vlan_tci == htons(42 | OVSXDP_VLAN_PRESENT));
  }
  const datapath_counters c = dp.counters();
  CHECK(c[OVSXDP_C_MISS_PASSED] == n);
  CHECK(c[OVSXDP_C_VLAN_FROM_METADATA] == n);
  datapath::destroy(name, s.location());
  netdev::delete_link(a);
}

TEST_CASE("an 802.1ad tag in RX metadata goes in front of the 802.1Q tag the frame carries") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pq");
  const std::string a = name + "a", peer = name + "A", b = name + "b", b_peer = name + "B";
  const auto tagger = vlan_tagger(200, 100);  // S-tag 100 in metadata, C-tag 200 in the frame
  const hidden_peer hidden(a, peer, bpf_program__fd(tagger->progs.ovsxdp_test_tc_vlan_push));
  s.veth(b, b_peer);
  datapath dp = datapath::create(s.options(name));
  REQUIRE(dp.add_port(a, 1, xdp_attach::native).program == OVSXDP_PORT_PROGRAM_VLAN_MD);
  dp.add_port(b, 2, xdp_attach::native);
  dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=200),"
                        "encap(eth_type(0x0800),ipv4(frag=no)))",
                        "2"));
  raw_socket rx(b_peer);
  constexpr std::uint16_t n = 4;
  for (std::uint16_t i = 0; i < n; i++) hidden.sender->send(udp_frame(static_cast<std::uint16_t>(3300 + i)));
  const std::vector<bytes> got = rx.drain();
  CHECK(got.size() == n);
  for (std::size_t i = 0; i < got.size(); i++) {
    const bytes expected = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").vlan(100, 0, 0x88a8).vlan(200).ipv4("10.2.0.1", "10.2.0.2")
                               .udp(static_cast<std::uint16_t>(3300 + i), 7777).payload(32, 0x5a).build();
    if (got[i] != expected) FAIL_CHECK(hex_diff(expected, got[i]));
  }
  CHECK(dp.counters()[OVSXDP_C_MISSED] == 0);
  CHECK(dp.counters()[OVSXDP_C_VLAN_FROM_METADATA] == n);
  datapath::destroy(name, s.location());
  netdev::delete_link(a);
  netdev::delete_link(b);
}

TEST_CASE("where the tag can be neither kept in the frame nor read from RX metadata, add-if says tagged frames lose it") {
  sandbox& s = sandbox::get();
  const std::string name = s.unique_name("pg");
  const std::string a = name + "a", peer = name + "A";
  const unique_fd anchor = s.veth_with_hidden_peer(a, peer);
  datapath dp = datapath::create(s.options(name));
  const port_info p = dp.add_port(a, 1, xdp_attach::generic);  // a device-bound program attaches natively only
  CAPTURE(p.note);
  CHECK(p.mode == OVSXDP_XDP_GENERIC);
  CHECK(p.program == OVSXDP_PORT_PROGRAM_DATAPATH);
  CHECK(p.note.find("its veth peer's TX VLAN offload stays as it is (on by default), so tagged frames reach the datapath untagged "
                    "(generic XDP does not see RX metadata)") != std::string::npos);
  CHECK(dpctl_show(name).find("  port 1: " + a + " (xdp: generic)\n") != std::string::npos);
  datapath::destroy(name, s.location());
  netdev::delete_link(a);
}

TEST_CASE("frames cross between peers with default offloads and no XDP program, counted exactly per port") {
  ports_fixture f;
  f.dp.add_flow(text_flow(kForward, "2"));
  raw_socket tx(f.a_peer), rx(f.b_peer);
  constexpr std::uint16_t n = 25;
  for (std::uint16_t i = 0; i < n; i++) tx.send(udp_frame(static_cast<std::uint16_t>(2000 + i)));
  const std::vector<bytes> got = rx.drain();
  REQUIRE(got.size() == n);  // b's peer takes redirected frames: GRO gave it NAPI
  for (std::uint16_t i = 0; i < n; i++) CHECK(got[i] == udp_frame(static_cast<std::uint16_t>(2000 + i)));
  const port_statistics in = f.dp.port_stats(1), out = f.dp.port_stats(2);
  CHECK(in.rx_packets == n);
  CHECK(in.rx_bytes == n * udp_frame(0).size());
  CHECK(in.tx_packets == 0);
  CHECK(out.rx_packets == 0);
  CHECK(out.tx_packets == n);
  CHECK(out.tx_bytes == n * udp_frame(0).size());
  CHECK(out.tx_dropped() == 0);
}

TEST_CASE("a VLAN tag the peer's stack keeps in skb metadata is in the frame the datapath sees") {
  ports_fixture f;
  f.dp.add_flow(text_flow("recirc_id(0),in_port(1),eth(),eth_type(0x8100),vlan(vid=42),encap(eth_type(0x0800),ipv4(frag=no))", "2"));
  // bpf_skb_vlan_push on a's peer's egress puts tag 42 into skb metadata;
  // with the peer's tx-vlan offload on it would cross the veth that way.
  auto tagger = skeleton<tc_vlan_push>::open("tc_vlan_push");
  tagger->rodata->ovsxdp_test_vid = 42;
  tagger.load();
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(if_nametoindex(f.a_peer.c_str())), .attach_point = BPF_TC_EGRESS);
  REQUIRE(bpf_tc_hook_create(&hook) == 0);
  LIBBPF_OPTS(bpf_tc_opts, filter, .prog_fd = bpf_program__fd(tagger->progs.ovsxdp_test_tc_vlan_push));
  REQUIRE(bpf_tc_attach(&hook, &filter) == 0);
  raw_socket tx(f.a_peer), rx(f.b_peer);
  constexpr std::uint16_t n = 5;
  for (std::uint16_t i = 0; i < n; i++) tx.send(udp_frame(static_cast<std::uint16_t>(3000 + i)));
  const std::vector<bytes> got = rx.drain();
  REQUIRE(got.size() == n);
  for (std::uint16_t i = 0; i < n; i++) {
    const bytes expected = packet_builder().eth("02:00:00:00:00:01", "02:00:00:00:00:02").vlan(42).ipv4("10.2.0.1", "10.2.0.2")
                               .udp(static_cast<std::uint16_t>(3000 + i), 7777).payload(32, 0x5a).build();
    if (got[i] != expected) FAIL_CHECK(hex_diff(expected, got[i]));
  }
  CHECK(f.dp.counters()[OVSXDP_C_MISSED] == 0);
  bpf_tc_hook_destroy(&hook);
}

TEST_CASE("a frame larger than the egress port's MTU is counted as tx_drop_mtu on that port") {
  ports_fixture f;
  f.dp.add_flow(text_flow(kForward, "2"));
  netdev::set_link_mtu(f.b, 600);
  raw_socket tx(f.a_peer), rx(f.b_peer);
  constexpr std::uint16_t n = 7;
  const auto before = f.dp.counters();
  for (std::uint16_t i = 0; i < n; i++) tx.send(udp_frame(static_cast<std::uint16_t>(4000 + i), 900));
  tx.send(udp_frame(4100, 100));  // fits: sent
  CHECK(eventually([&] { return f.dp.port_stats(2).tx_drop_mtu == n; }));
  const port_statistics out = f.dp.port_stats(2);
  CHECK(out.tx_drop_mtu == n);
  CHECK(out.tx_packets == n + 1);  // the datapath sent them all; the kernel dropped these
  CHECK(out.tx_drop_refused + out.tx_drop_down + out.tx_drop_other == 0);
  CHECK(f.dp.port_stats(1).tx_dropped() == 0);
  CHECK(f.dp.counters()[OVSXDP_C_TX_DROP_MTU] == before[OVSXDP_C_TX_DROP_MTU] + n);
  const std::vector<bytes> got = rx.drain();
  REQUIRE(got.size() == 1);
  CHECK(got[0] == udp_frame(4100, 100));
}

TEST_CASE("an output to a veth whose peer runs neither XDP nor GRO is counted as tx_drop_refused on that port") {
  ports_fixture f;
  f.dp.add_flow(text_flow(kForward, "2"));
  f.dp.add_flow(text_flow("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)", "1"));
  sandbox::get().run("ethtool -K " + f.b_peer + " gro off");  // b takes no XDP frames now (-EOPNOTSUPP)
  raw_socket tx(f.a_peer);
  constexpr std::uint16_t n = 9;
  const auto before = f.dp.counters();
  for (std::uint16_t i = 0; i < n; i++) tx.send(udp_frame(static_cast<std::uint16_t>(5000 + i)));
  CHECK(eventually([&] { return f.dp.port_stats(2).tx_drop_refused == n; }));
  const port_statistics out = f.dp.port_stats(2);
  CHECK(out.tx_drop_refused == n);
  CHECK(out.tx_packets == n);
  CHECK(out.tx_drop_mtu == 0);
  CHECK(f.dp.counters()[OVSXDP_C_TX_DROP_REFUSED] == before[OVSXDP_C_TX_DROP_REFUSED] + n);
  // The other direction still works, and counts nothing as dropped.
  raw_socket back(f.b_peer), rx(f.a_peer);
  back.send(udp_frame(6000));
  const std::vector<bytes> got = rx.drain();
  CHECK(got.size() == 1);
  CHECK(f.dp.port_stats(1).tx_dropped() == 0);
}

TEST_CASE("copies count as TX on each port they leave by") {
  ports_fixture f;
  sandbox& s = sandbox::get();
  const std::string c = f.name + "c", c_peer = f.name + "C";
  s.veth(c, c_peer);
  f.dp.add_port(c, 3, xdp_attach::native);
  f.dp.add_flow(text_flow(kForward, "2,push_vlan(vid=5,pcp=0),3"));  // two outputs: the packet forks
  raw_socket tx(f.a_peer), rx_b(f.b_peer), rx_c(c_peer);
  constexpr std::uint16_t n = 12;
  for (std::uint16_t i = 0; i < n; i++) tx.send(udp_frame(static_cast<std::uint16_t>(7000 + i)));
  CHECK(rx_b.drain().size() == n);
  CHECK(rx_c.drain().size() == n);
  CHECK(f.dp.port_stats(1).rx_packets == n);
  CHECK(f.dp.port_stats(2).tx_packets == n);
  CHECK(f.dp.port_stats(2).tx_bytes == n * udp_frame(0).size());
  CHECK(f.dp.port_stats(3).tx_packets == n);
  CHECK(f.dp.port_stats(3).tx_bytes == n * (udp_frame(0).size() + 4));  // with the tag
  CHECK(f.dp.port_stats(2).tx_dropped() + f.dp.port_stats(3).tx_dropped() == 0);
}

TEST_CASE("an output to a port whose device is down is counted as tx_drop_down on that port") {
  ports_fixture f;
  f.dp.add_flow(text_flow(kForward, "2"));
  netdev::set_link_up(f.b, false);
  raw_socket tx(f.a_peer);
  constexpr std::uint16_t n = 4;
  for (std::uint16_t i = 0; i < n; i++) tx.send(udp_frame(static_cast<std::uint16_t>(8000 + i)));
  CHECK(eventually([&] { return f.dp.port_stats(2).tx_drop_down == n; }));
  CHECK(f.dp.port_stats(2).tx_drop_down == n);
  CHECK(f.dp.port_stats(2).tx_drop_mtu + f.dp.port_stats(2).tx_drop_refused + f.dp.port_stats(2).tx_drop_other == 0);
}
