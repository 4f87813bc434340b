# Debian packages with CPack, one per install component:
#   ovsxdp      the tools, xdp_pass.bpf.o and ovsxdp-demo
#   ovsxdp-dev  headers, libovsxdp_host.a, the CMake package and pkg-config files
# Built from a configured and built tree with `cpack -G DEB` (docs/library.md);
# tests/package/test_deb.sh builds, installs, runs and removes them.
set(CPACK_PACKAGE_NAME ovsxdp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/OvsxdpCPackOptions.cmake)
set(OVSXDP_PACKAGE_MAINTAINER "ovsxdp maintainers <maintainers@ovsxdp.invalid>"
  CACHE STRING "The Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${OVSXDP_PACKAGE_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies of the tools (libbpf1, libstdc++6, ...) from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ovsxdp)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
# ovsxdp-demo runs ip, ethtool, ping and python3.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "iproute2, ethtool, iputils-ping, python3")
# ovsxdp-bench forward compares with Open vSwitch's AF_XDP datapath.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "openvswitch-switch")
# First line: the synopsis; CPack indents the rest.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "Open vSwitch datapath in XDP: tools and demo
ovsxdp-dpctl creates XDP datapaths on interfaces and manages their ports and
flows in Open vSwitch's datapath flow syntax; ovsxdp-bench and ovsxdp-trafgen
measure them. ovsxdp-demo forwards ping and TCP between network namespaces
through a datapath.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME ovsxdp-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# What ovsxdp_add_bpf_object and the host headers need on the consumer's side.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "clang-19, llvm-19, bpftool, libbpf-dev, librange-v3-dev, python3")
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "cmake, pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION "Open vSwitch datapath in XDP: C++20 library for XDP programs and hosts
A header-only C++20 library for the BPF target (OVS flow-key parser, megaflow
lookup, one header per datapath action) and the host runtime that loads and
drives it, with a CMake package (find_package(ovsxdp), ovsxdp_add_bpf_object)
and pkg-config files (ovsxdp, ovsxdp-bpf).")

include(CPack)
