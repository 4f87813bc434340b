# What `cmake --install` puts under the prefix, in two components: runtime
# (the tools, the BPF object the demo attaches, the demo) and dev (headers,
# the static host library, CMake package, pkg-config files). The installed
# tree is relocatable: nothing in it names the prefix it was configured with,
# nor this source or build tree. docs/library.md describes the layout.
include(CMakePackageConfigHelpers)

foreach(dir CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_DATADIR)
  if(IS_ABSOLUTE "${${dir}}")
    message(FATAL_ERROR "${dir}=${${dir}}: ovsxdp installs a relocatable tree and needs it relative to the prefix")
  endif()
endforeach()
set(OVSXDP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ovsxdp)
set(OVSXDP_INSTALL_BPFDIR ${CMAKE_INSTALL_LIBDIR}/ovsxdp/bpf)
set(OVSXDP_INSTALL_PKGDATADIR ${CMAKE_INSTALL_DATADIR}/ovsxdp)

# The path from an installed directory back up to the prefix ("../..").
function(ovsxdp_path_to_prefix out dir)
  file(RELATIVE_PATH rel /ovsxdp-prefix/${dir} /ovsxdp-prefix)
  string(REGEX REPLACE "/$" "" rel "${rel}")
  set(${out} ${rel} PARENT_SCOPE)
endfunction()

# --- runtime ---------------------------------------------------------------
install(TARGETS ovsxdp-dpctl ovsxdp-bench ovsxdp-trafgen
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# Attached to the far side of veths that receive redirected frames (the demo does).
get_target_property(xdp_pass_object xdp_pass_bpf OVSXDP_BPF_OBJECT)
install(FILES ${xdp_pass_object} DESTINATION ${OVSXDP_INSTALL_BPFDIR} COMPONENT runtime)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/forwarding-demo.sh
  DESTINATION ${OVSXDP_INSTALL_PKGDATADIR} COMPONENT runtime)
ovsxdp_path_to_prefix(OVSXDP_BINDIR_TO_PREFIX ${CMAKE_INSTALL_BINDIR})
configure_file(${PROJECT_SOURCE_DIR}/cmake/ovsxdp-demo.in ${PROJECT_BINARY_DIR}/install/ovsxdp-demo @ONLY)
install(PROGRAMS ${PROJECT_BINARY_DIR}/install/ovsxdp-demo DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

# --- dev -------------------------------------------------------------------
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ovsxdp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev FILES_MATCHING PATTERN "*.h")
# Installed as generated here, from this build's libbpf: helper numbers are
# kernel ABI and never change, so the header stays right for a newer libbpf
# (it just lacks helpers added since), and a consumer needs neither python nor
# a generation step, also when it compiles with plain clang and pkg-config.
install(FILES ${OVSXDP_BPF_HELPERS_HEADER}
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ovsxdp-bpf/ovsxdp_generated COMPONENT dev)
# The host library's headers, minus the tools' own (bench/, dpctl/) and the
# C API's (capi/, linked only into the Open vSwitch this build makes).
foreach(dir datapath extract netdev odp packet pcap runtime trafgen)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/host/${dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ovsxdp-host
    COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(TARGETS ovsxdp_headers ovsxdp_bpf ovsxdp_host EXPORT ovsxdpTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT ovsxdpTargets NAMESPACE ovsxdp:: DESTINATION ${OVSXDP_INSTALL_CMAKEDIR} COMPONENT dev)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ovsxdpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/install/ovsxdpConfig.cmake INSTALL_DESTINATION ${OVSXDP_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/install/ovsxdpConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/install/ovsxdpConfig.cmake
  ${PROJECT_BINARY_DIR}/install/ovsxdpConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/OvsxdpBpf.cmake
  ${PROJECT_SOURCE_DIR}/cmake/check_btf_names.py
  DESTINATION ${OVSXDP_INSTALL_CMAKEDIR} COMPONENT dev)

# pkg-config: ovsxdp (the host library) and ovsxdp-bpf (flags for clang --target=bpf).
ovsxdp_path_to_prefix(OVSXDP_PCDIR_TO_PREFIX ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
string(JOIN " " OVSXDP_BPF_PC_FLAGS ${OVSXDP_BPF_REQUIRED_FLAGS})
foreach(pc ovsxdp ovsxdp-bpf)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/install/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/install/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endforeach()
