#!/bin/bash
# The main demo on a fresh Debian 12 machine, as root: installs what is needed,
# builds, and shows the datapath's BPF flow-key extractor at work on the
# bundled capture.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OVSXDP_BUILD_DIR:-$root/build}
"$root/scripts/setup-debian.sh"
"$root/scripts/build.sh"
echo
echo "== ovsxdp-dpctl parse-pcap samples/pcaps/demo.pcap --in-port 1"
echo "   (each key extracted by the BPF parser in the kernel, via BPF_PROG_TEST_RUN)"
echo
"$build/host/ovsxdp-dpctl" parse-pcap "$root/samples/pcaps/demo.pcap" --in-port 1
