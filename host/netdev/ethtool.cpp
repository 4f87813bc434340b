#include "netdev/ethtool.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>

#include "runtime/error.hpp"
#include "runtime/fd.hpp"

namespace ovsxdp::netdev {

namespace {

// More features than this means a confused answer, not a real device
// (Linux has about 65).
constexpr std::uint32_t kMaxFeatures = 1024;

// ethtool's groups of features, as `ethtool -K` names them.
struct feature_group {
  const char* name;
  const char* short_name;
  const char* prefix;  // members: names starting with prefix (and ending with suffix)
  const char* suffix;
  bool exact;          // the single feature named `prefix`
};
constexpr feature_group kGroups[] = {
    {"rx-checksumming", "rx", "rx-checksum", "", true},
    {"tx-checksumming", "tx", "tx-checksum-", "", false},
    {"scatter-gather", "sg", "tx-scatter-gather", "", false},
    {"tcp-segmentation-offload", "tso", "tx-tcp", "segmentation", false},
    {"generic-segmentation-offload", "gso", "tx-generic-segmentation", "", true},
    {"generic-receive-offload", "gro", "rx-gro", "", true},
    {"large-receive-offload", "lro", "rx-lro", "", true},
    {"rx-vlan-offload", "rxvlan", "rx-vlan-hw-parse", "", true},
    {"tx-vlan-offload", "txvlan", "tx-vlan-hw-insert", "", true},
    {"ntuple-filters", "ntuple", "rx-ntuple-filter", "", true},
    {"receive-hashing", "rxhash", "rx-hashing", "", true},
};

bool is_member(const feature_group& group, const std::string& feature) {
  if (group.exact) return feature == group.prefix;
  const std::string prefix = group.prefix, suffix = group.suffix;
  return feature.size() >= prefix.size() + suffix.size() && feature.compare(0, prefix.size(), prefix) == 0 &&
         feature.compare(feature.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const feature_group* find_group(const std::string& name) {
  for (const feature_group& group : kGroups)
    if (name == group.name || name == group.short_name) return &group;
  return nullptr;
}

std::string subject_of(const std::string& ifname, netns_ref ns) {
  return ns.is_current() ? ifname : ifname + " in network namespace " + describe_netns(ns);
}

std::string ethtool_remedy(int errnum) {
  switch (errnum) {
    case ENODEV:
      return "check the interface name with `ip link`";
    case EPERM:
      return "run as root (CAP_NET_ADMIN in the interface's namespace)";
    case EOPNOTSUPP:
      return "the device's driver does not implement this ethtool request";
    default:
      return {};
  }
}

// A socket for ioctls on interfaces of one namespace (the one it is made in).
class ethtool_socket {
 public:
  ethtool_socket(const std::string& ifname, netns_ref ns) : ifname_(ifname), subject_(subject_of(ifname, ns)) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ) throw error("query interface", ifname, "not a valid interface name");
    // The socket's namespace is where the ioctls find the interface.
    fd_ = run_in(ns, [&] {
      unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      if (!fd) throw system_error("open a socket for ethtool requests on", subject_, errno);
      return fd;
    });
  }

  // SIOCETHTOOL with `command` at the front of `data`; returns the ioctl's
  // non-negative result.
  int call(void* data, const std::string& operation) const {
    ifreq request{};
    std::memcpy(request.ifr_name, ifname_.c_str(), ifname_.size());
    request.ifr_data = static_cast<char*>(data);
    const int result = ::ioctl(fd_.get(), SIOCETHTOOL, &request);
    if (result < 0) throw system_error(operation, subject_, errno, ethtool_remedy(errno));
    return result;
  }
  const std::string& subject() const { return subject_; }

 private:
  std::string ifname_, subject_;
  unique_fd fd_;
};

// A zeroed buffer for a variable-length ethtool struct, aligned for its u64s.
class ethtool_buffer {
 public:
  explicit ethtool_buffer(std::size_t bytes) : words_((bytes + 7) / 8, 0) {}
  template <class T>
  T* as() {
    return reinterpret_cast<T*>(words_.data());
  }
  std::byte* bytes() { return reinterpret_cast<std::byte*>(words_.data()); }

 private:
  std::vector<std::uint64_t> words_;
};

std::vector<std::string> feature_names(const ethtool_socket& socket) {
  ethtool_buffer info(sizeof(ethtool_sset_info) + sizeof(std::uint32_t));
  info.as<ethtool_sset_info>()->cmd = ETHTOOL_GSSET_INFO;
  info.as<ethtool_sset_info>()->sset_mask = 1ull << ETH_SS_FEATURES;
  socket.call(info.bytes(), "count the ethtool features of");
  if (!(info.as<ethtool_sset_info>()->sset_mask & (1ull << ETH_SS_FEATURES)))
    throw error("count the ethtool features of", socket.subject(), "the kernel reports no feature names", "the kernel is too old (before 2.6.39)");
  std::uint32_t count;
  std::memcpy(&count, info.bytes() + sizeof(ethtool_sset_info), sizeof count);
  if (count == 0 || count > kMaxFeatures)
    throw error("count the ethtool features of", socket.subject(), "the kernel reports " + std::to_string(count) + " features");

  ethtool_buffer strings(sizeof(ethtool_gstrings) + std::size_t{count} * ETH_GSTRING_LEN);
  strings.as<ethtool_gstrings>()->cmd = ETHTOOL_GSTRINGS;
  strings.as<ethtool_gstrings>()->string_set = ETH_SS_FEATURES;
  strings.as<ethtool_gstrings>()->len = count;
  socket.call(strings.bytes(), "read the ethtool feature names of");
  if (strings.as<ethtool_gstrings>()->len != count)
    throw error("read the ethtool feature names of", socket.subject(), "the number of names changed while reading");
  std::vector<std::string> names;
  const char* text = reinterpret_cast<const char*>(strings.bytes() + sizeof(ethtool_gstrings));
  for (std::uint32_t i = 0; i < count; i++) names.emplace_back(text + std::size_t{i} * ETH_GSTRING_LEN, strnlen(text + std::size_t{i} * ETH_GSTRING_LEN, ETH_GSTRING_LEN));
  return names;
}

std::uint32_t blocks_for(std::size_t count) { return static_cast<std::uint32_t>((count + 31) / 32); }
bool bit(std::uint32_t word, std::size_t i) { return word & (1u << (i % 32)); }

std::vector<feature_state> read_features(const ethtool_socket& socket, const std::vector<std::string>& names) {
  const std::uint32_t blocks = blocks_for(names.size());
  ethtool_buffer buffer(sizeof(ethtool_gfeatures) + std::size_t{blocks} * sizeof(ethtool_get_features_block));
  auto* features = buffer.as<ethtool_gfeatures>();
  features->cmd = ETHTOOL_GFEATURES;
  features->size = blocks;
  socket.call(buffer.bytes(), "read the ethtool features of");
  // The kernel says how many blocks it has; fewer than the names need is a mismatch.
  if (features->size < blocks)
    throw error("read the ethtool features of", socket.subject(),
                "the kernel has " + std::to_string(features->size) + " feature words for " + std::to_string(names.size()) + " names");
  std::vector<feature_state> states;
  for (std::size_t i = 0; i < names.size(); i++) {
    if (names[i].empty()) continue;  // an unused bit
    const ethtool_get_features_block& block = features->features[i / 32];
    feature_state state;
    state.name = names[i];
    state.active = bit(block.active, i);
    state.requested = bit(block.requested, i);
    state.changeable = bit(block.available, i);
    state.never_changes = bit(block.never_changed, i);
    states.push_back(std::move(state));
  }
  return states;
}

const feature_state* lookup(const std::vector<feature_state>& features, const std::string& name) {
  for (const feature_state& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

std::vector<feature_state> get_features(const std::string& ifname, netns_ref ns) {
  const ethtool_socket socket(ifname, ns);
  return read_features(socket, feature_names(socket));
}

feature_state get_feature(const std::string& ifname, const std::string& name, netns_ref ns) {
  const std::vector<feature_state> features = get_features(ifname, ns);
  if (const feature_state* f = lookup(features, name)) return *f;
  throw error("read ethtool feature " + name + " of", subject_of(ifname, ns), "the kernel has no feature of that name",
              "`ethtool -k " + ifname + "` lists them (groups such as tx-checksumming are not features)");
}

std::vector<std::string> expand_feature_name(const std::string& name, const std::vector<feature_state>& features) {
  if (lookup(features, name)) return {name};
  if (const feature_group* group = find_group(name)) {
    std::vector<std::string> members;
    for (const feature_state& f : features)
      if (is_member(*group, f.name)) members.push_back(f.name);
    return members;
  }
  throw error("find ethtool feature", name, "it is neither a kernel feature name nor an ethtool group",
              "use a name that `ethtool -k IFACE` lists, e.g. tx-checksum-ip-generic or rx-vlan-hw-parse");
}

bool feature_report::all_applied() const {
  for (const feature_change& c : changes)
    if (!c.applied()) return false;
  return true;
}

std::string feature_report::failures() const {
  std::string text;
  for (const feature_change& c : changes) {
    if (c.applied()) continue;
    if (!text.empty()) text += "; ";
    text += c.name + ": wanted " + (c.wanted ? "on" : "off") + ", still " + (c.after ? "on" : "off");
    text += c.fixed ? " (fixed by the driver)" : " (the kernel declined it; it may depend on a feature that is off)";
  }
  return text;
}

feature_report set_features(const std::string& ifname, const std::vector<std::pair<std::string, bool>>& wanted, netns_ref ns) {
  const ethtool_socket socket(ifname, ns);
  const std::vector<std::string> names = feature_names(socket);
  const std::vector<feature_state> before = read_features(socket, names);

  feature_report report;
  report.ifname = ifname;
  std::vector<std::pair<std::string, bool>> requested;  // kernel names, in request order, last word wins
  for (const auto& [name, on] : wanted) {
    // An alias of one feature is that feature; only real groups skip members.
    const feature_group* group = lookup(before, name) ? nullptr : find_group(name);
    const bool several = group && !group->exact;
    for (const std::string& member : expand_feature_name(name, before)) {
      if (several && on && lookup(before, member)->fixed() && !lookup(before, member)->active) {
        report.skipped.push_back(member);
        continue;
      }
      std::erase_if(requested, [&](const auto& r) { return r.first == member; });
      requested.emplace_back(member, on);
    }
  }

  const std::uint32_t blocks = blocks_for(names.size());
  ethtool_buffer buffer(sizeof(ethtool_sfeatures) + std::size_t{blocks} * sizeof(ethtool_set_features_block));
  auto* request = buffer.as<ethtool_sfeatures>();
  request->cmd = ETHTOOL_SFEATURES;
  request->size = blocks;
  bool any = false;
  for (const auto& [name, on] : requested) {
    const feature_state& state = *lookup(before, name);
    if (state.fixed()) continue;  // the kernel would refuse it; reported below
    const std::size_t index = static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    ethtool_set_features_block& block = request->features[index / 32];
    block.valid |= 1u << (index % 32);
    if (on) block.requested |= 1u << (index % 32);
    any = true;
  }
  if (any) socket.call(buffer.bytes(), "change the ethtool features of");

  const std::vector<feature_state> after = read_features(socket, names);
  for (const auto& [name, on] : requested) {
    const feature_state& then = *lookup(before, name);
    report.changes.push_back({name, on, then.active, lookup(after, name)->active, then.fixed()});
  }
  for (const feature_state& now : after) {
    const feature_state& then = *lookup(before, now.name);
    const bool asked = std::any_of(requested.begin(), requested.end(), [&](const auto& r) { return r.first == now.name; });
    if (!asked && then.active != now.active) report.side_effects.push_back({now.name, now.requested, then.active, now.active, now.fixed()});
  }
  return report;
}

feature_report require_features(const std::string& ifname, const std::vector<std::pair<std::string, bool>>& wanted, netns_ref ns) {
  feature_report report = set_features(ifname, wanted, ns);
  if (!report.all_applied())
    throw error("set ethtool features of", subject_of(ifname, ns), report.failures(),
                "a fixed feature cannot change on this device; for the others, change what they depend on first (`ethtool -k " + ifname + "`)");
  return report;
}

driver_info get_driver_info(const std::string& ifname, netns_ref ns) {
  const ethtool_socket socket(ifname, ns);
  ethtool_drvinfo info{};
  info.cmd = ETHTOOL_GDRVINFO;
  socket.call(&info, "read the driver of");
  const auto text = [](const char* field, std::size_t size) { return std::string(field, strnlen(field, size)); };
  driver_info result;
  result.driver = text(info.driver, sizeof info.driver);
  result.version = text(info.version, sizeof info.version);
  result.firmware_version = text(info.fw_version, sizeof info.fw_version);
  result.bus_info = text(info.bus_info, sizeof info.bus_info);
  if (result.driver.empty()) throw error("read the driver of", socket.subject(), "the device names no driver");
  return result;
}

}  // namespace ovsxdp::netdev
