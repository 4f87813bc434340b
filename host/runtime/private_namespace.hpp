// A network namespace and a bpffs of this process's own: interfaces,
// datapaths and pins created inside vanish with it, even after a crash
// (the kernel tears the namespaces down when the last process leaves).
// Used by tests, benchmarks and `ovsxdp-dpctl trace --flows`.
#pragma once

#include <string>

namespace ovsxdp {

class private_namespace {
 public:
  // Moves the calling process into new network and mount namespaces and
  // mounts a bpffs under a fresh /tmp directory. Call before starting threads.
  // `purpose` names the directory and appears in errors.
  static private_namespace enter(const std::string& purpose);

  private_namespace(private_namespace&& other) noexcept;
  private_namespace& operator=(private_namespace&& other) noexcept;
  private_namespace(const private_namespace&) = delete;
  private_namespace& operator=(const private_namespace&) = delete;
  // Unmounts the bpffs and removes the directory (the process stays in the namespaces).
  ~private_namespace();

  const std::string& bpffs() const { return bpffs_; }
  const std::string& run_dir() const { return run_dir_; }
  // Runs a shell command inside the namespace, output discarded; throws with
  // the command on failure.
  void run(const std::string& command) const;
  // A veth pair `a` <-> `b`, both up.
  void veth(const std::string& a, const std::string& b) const;

 private:
  private_namespace() = default;
  void release() noexcept;
  std::string dir_, bpffs_, run_dir_;
};

}  // namespace ovsxdp
