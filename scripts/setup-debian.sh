#!/bin/bash
# Installs everything ovsxdp needs to build and test on Debian 12 (as root),
# and mounts bpffs. Idempotent; safe to run again.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang-19 lld-19 llvm-19 libclang-rt-19-dev
  libbpf-dev bpftool doctest-dev librange-v3-dev
  # Open vSwitch with the ovsxdp dpif provider, built from its source (cmake/OpenVSwitch.cmake)
  openvswitch-source autoconf automake libtool libcap-ng-dev libunbound-dev libssl-dev gcc make patch ccache
  # Debian packages (cpack -G DEB: dpkg-shlibdeps, file)
  dpkg-dev file
  # run and test
  iproute2 iputils-ping ethtool util-linux tcpdump python3 python3-scapy openvswitch-switch
)

if [[ $(id -u) -ne 0 ]]; then
  echo "setup-debian.sh: run as root (it installs packages and mounts bpffs)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup-debian.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# bpffs holds the datapath's pinned maps; a fresh machine has none mounted.
if ! mountpoint -q /sys/fs/bpf; then
  mkdir -p /sys/fs/bpf
  mount -t bpf -o mode=0700 bpf /sys/fs/bpf
fi
