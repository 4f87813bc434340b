#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what is
# needed, builds, runs every test, prints the BPF program sizes.
# Under CI=true a test that would skip (no root, no OVS) fails instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OVSXDP_BUILD_DIR:-$root/build}
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh"
cd "$build"
set +e
ctest --output-on-failure --timeout 900 "$@" 2>&1 | tee ctest.log
status=${PIPESTATUS[0]}
set -e
if [[ -f bpf-program-sizes.txt ]]; then
  echo
  echo "BPF program sizes (xlated instructions after verification; verified = instructions the verifier walked):"
  cat bpf-program-sizes.txt
fi
if [[ ${CI:-} == true ]] && grep -q '\*\*\*Skipped' ctest.log; then
  echo "test.sh: a test was skipped under CI=true" >&2
  status=1
fi
exit $status
