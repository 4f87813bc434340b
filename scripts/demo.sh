#!/bin/bash
# The main demo on a fresh Debian 12 machine, as root: installs what is needed,
# builds, then forwards ping and TCP between network namespaces through an
# ovsxdp datapath configured with ovsxdp-dpctl (scripts/forwarding-demo.sh).
# Everything it creates is removed when it ends, also on failure or Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OVSXDP_BUILD_DIR:-$root/build}
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh"
exec "$root/scripts/ovs-demo.sh" "$build"
