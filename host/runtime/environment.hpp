// Preconditions for touching BPF: privileges and a mounted bpffs. Each
// check throws ovsxdp::error saying what is missing and how to fix it.
#pragma once

#include <string>

namespace ovsxdp {

inline constexpr const char* kDefaultBpffs = "/sys/fs/bpf";

// Root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON (CAP_SYS_ADMIN implies them).
bool have_bpf_privileges();
// Throws unless have_bpf_privileges(); `operation` says what needed them ("create datapath x").
void require_bpf_privileges(const std::string& operation);

// True when `path` is the root of a bpf filesystem.
bool is_bpffs(const std::string& path);
// Mounts bpffs at `path` (mode 0700) if nothing is mounted there; throws when
// that is impossible, with the command that would fix it.
void ensure_bpffs(const std::string& path = kDefaultBpffs);

}  // namespace ovsxdp
