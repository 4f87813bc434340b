#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what is
# needed, builds (Ninja; Open vSwitch with the ovsxdp provider included),
# runs every test, prints the BPF program sizes, runs Open vSwitch's
# system-traffic.at on ovsxdp against its expected list; then builds the tree
# with Unix Makefiles, CMake's default generator (without Open vSwitch: it is
# built once per run), and runs two tests there; then builds again with
# AddressSanitizer and UBSan and runs the suite once more there.
# Under CI=true a test that would skip (no root, no OVS) fails instead.
# OVSXDP_SANITIZED=0 leaves out the sanitizer pass, OVSXDP_MAKEFILES=0 the
# Unix Makefiles build, OVSXDP_OVS_SYSTEM_TESTS=0 the system tests (quicker
# by hand).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OVSXDP_BUILD_DIR:-$root/build}
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh"

status=0
run_ctest() {  # DIR LOG ARGS...
  local dir=$1 log=$2
  shift 2
  set +e
  (cd "$dir" && ctest --output-on-failure --timeout 900 "$@" 2>&1 | tee "$log")
  local s=${PIPESTATUS[0]}
  set -e
  if [[ ${CI:-} == true ]] && grep -q '\*\*\*Skipped' "$log"; then
    echo "test.sh: a test was skipped under CI=true" >&2
    s=1
  fi
  ((s == 0)) || status=1
}

run_ctest "$build" "$build/ctest.log" "$@"

# Open vSwitch's own system tests (tests/system-traffic.at) with
# datapath_type=ovsxdp, once per run: every outcome must match the list.
if [[ ${OVSXDP_OVS_SYSTEM_TESTS:-1} != 0 ]]; then
  echo
  echo "== Open vSwitch's system-traffic.at on ovsxdp (expected outcomes: tests/ovs-system/expected-ovsxdp.tsv)"
  if [[ -x $build/ovs/bin/ovs-vswitchd ]]; then
    "$root/tests/ovs-system/run-system-traffic.sh" "$build/ovs/build" "$build/host" ovsxdp \
      "$root/tests/ovs-system/expected-ovsxdp.tsv" || status=1
  else
    echo "test.sh: $build/ovs/bin/ovs-vswitchd was not built (OVSXDP_BUILD_OVS=OFF?): the system tests cannot run" >&2
    status=1
  fi
fi
if [[ -f $build/bpf-program-sizes.txt ]]; then
  echo
  echo "BPF program sizes (xlated instructions after verification; verified = instructions the verifier walked):"
  cat "$build/bpf-program-sizes.txt"
fi

if [[ ${OVSXDP_MAKEFILES:-1} != 0 ]]; then
  echo
  echo "== the whole tree built with Unix Makefiles (CMake's default generator), two of its tests run"
  mkdir -p "$build-make"
  if { cmake -S "$root" -B "$build-make" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVSXDP_BUILD_OVS=OFF &&
       cmake --build "$build-make" -j "$(nproc)"; } >"$build-make/build.log" 2>&1; then
    run_ctest "$build-make" "$build-make/ctest.log" -R '^(unit_tests|bpf_library_example)$'
  else
    tail -30 "$build-make/build.log"
    echo "test.sh: the Unix Makefiles build failed (log: $build-make/build.log)" >&2
    status=1
  fi
fi

if [[ ${OVSXDP_SANITIZED:-1} != 0 ]]; then
  echo
  echo "== the suite again, host code built with AddressSanitizer and UBSan (the fuzzers already run with them)"
  mkdir -p "$build-sanitized"
  OVSXDP_BUILD_DIR="$build-sanitized" "$root/scripts/build.sh" -DOVSXDP_SANITIZE=ON >"$build-sanitized/build.log" 2>&1 ||
    { tail -30 "$build-sanitized/build.log"; exit 1; }
  run_ctest "$build-sanitized" "$build-sanitized/ctest.log" -E '^(fuzz_|bench_)' "$@"
fi
exit $status
