// Preconditions for touching BPF: privileges and a mounted bpffs. Each
// check throws ovsxdp::error saying what is missing and how to fix it.
#pragma once

#include <optional>
#include <string>

namespace ovsxdp {

inline constexpr const char* kDefaultBpffs = "/sys/fs/bpf";

// Root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON (CAP_SYS_ADMIN implies them).
bool have_bpf_privileges();
// Throws unless have_bpf_privileges(); `operation` says what needed them ("create datapath x").
void require_bpf_privileges(const std::string& operation);

// True when `path` is the root of a bpf filesystem.
bool is_bpffs(const std::string& path);

// Whether a mount this process makes outlives it: it is in pid 1's mount
// namespace, or another process (not a child of this one) shares its mount
// namespace. False after `ip netns exec` or `unshare -m COMMAND`, where the
// namespace was made for this command and dies with it.
bool mount_namespace_outlives_this_process();
// The name under /run/netns of this process's network namespace (what
// `ip netns exec NAME` entered), if it has one.
std::optional<std::string> named_network_namespace();

enum class bpffs_mount { existing, mounted };
// Makes `path` a bpffs that outlives this process. Returns `existing` when
// one is mounted there; mounts one (mode 0700) on an empty directory and
// returns `mounted` when mount_namespace_outlives_this_process(). Throws,
// with why and what to do, when `path` is missing or is a non-empty directory
// (a mount would hide its files), and when the mount namespace dies with this
// process (ip netns exec): a bpffs mounted there would vanish with it, and a
// datapath pinned in it too.
bpffs_mount ensure_bpffs(const std::string& path = kDefaultBpffs);
// Unmounts the bpffs at `path` if ensure_bpffs mounted it and nothing is
// pinned in it any more; true when it did.
bool release_bpffs(const std::string& path);
// What to do when no bpffs is mounted at `path`: after `ip netns exec` (a
// fresh /sys), enter only the network namespace; else mount one.
std::string missing_bpffs_hint(const std::string& path);

}  // namespace ovsxdp
