# Open vSwitch 3.1 with ovsxdp's dpif provider (datapath_type=ovsxdp), built
# from Debian's openvswitch-source tarball into this build tree: no fork of
# OVS lives in the repository, only the provider (ovs/dpif-ovsxdp.c) and the
# smallest patch that registers it (ovs/openvswitch-3.1.patch).
#
# At CMake time (again when the tarball, the patch or the configure options
# change): the tarball is extracted to OVSXDP_OVS_SOURCE_DIR, patched, its
# Makefile.in regenerated (the patch adds a line to lib/automake.mk), and
# configured in OVSXDP_OVS_BUILD_DIR. Configuring here, not at build time,
# lets openvswitch::lib carry the libraries configure found.
# At build time (target ovsxdp_ovs): the provider and ovs/tests/*.at are
# copied into the tree, then make builds the generated sources first and the
# programs. An edit of the provider recompiles that one file and relinks; a
# rebuilt C API library relinks the programs only.
#
# The patch leaves OVS's couplings to its userspace datapath alone:
# dpif_supports_tnl_push_pop, _explicit_drop_action and _lb_output_action
# stay false for ovsxdp. It has no tunnel_push/pop nor lb_output actions
# yet; and OVS 3.1 numbers OVS_ACTION_ATTR_DROP 25, past the kernel's action
# numbers the codec decodes (6.1's last is DEC_TTL, 23, where OVS 3.1 puts
# its TUNNEL_PUSH), while an empty action list already drops.
#
# Defines: openvswitch::lib (lib/.libs/libopenvswitch.a, OVS's include
# directories and link dependencies), OVSXDP_OVS_SOURCE_DIR,
# OVSXDP_OVS_BUILD_DIR, OVSXDP_OVS_BIN_DIR (one directory with links to the
# programs), and build/ovsxdp-ovs-paths.sh for scripts (bin dir and schema).

# ASan/UBSan objects from clang cannot link into OVS's gcc programs; the
# sanitizer pass runs the ovsxdp suite without them.
if(OVSXDP_SANITIZE)
  set(ovsxdp_build_ovs_default OFF)
else()
  set(ovsxdp_build_ovs_default ON)
endif()
option(OVSXDP_BUILD_OVS "Build Open vSwitch (ovs-vswitchd and its utilities) with the ovsxdp dpif provider"
  ${ovsxdp_build_ovs_default})
if(NOT OVSXDP_BUILD_OVS)
  return()
endif()
if(OVSXDP_SANITIZE)
  message(FATAL_ERROR "OVSXDP_BUILD_OVS=ON with OVSXDP_SANITIZE=ON: OVS's programs are built by gcc and cannot "
    "link the C API library built with clang's sanitizers; configure with -DOVSXDP_BUILD_OVS=OFF")
endif()

set(OVSXDP_OVS_TARBALL /usr/src/openvswitch/openvswitch.tar.gz CACHE FILEPATH
  "Open vSwitch 3.1 source tarball (Debian: apt-get install openvswitch-source)")
if(NOT EXISTS ${OVSXDP_OVS_TARBALL})
  message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${OVSXDP_OVS_TARBALL} does not exist. It comes with Debian's "
    "package openvswitch-source (apt-get install openvswitch-source, or run scripts/setup-debian.sh); "
    "or set OVSXDP_OVS_TARBALL to an Open vSwitch 3.1 tarball, or configure with -DOVSXDP_BUILD_OVS=OFF.")
endif()
if(NOT TARGET ovsxdp_capi)
  message(WARNING "OVSXDP_BUILD_OVS: this tree has no C API library (target ovsxdp_capi, host/capi/) for "
    "the dpif provider to call; Open vSwitch is not built.")
  return()
endif()

find_program(OVSXDP_OVS_CC gcc DOC "C compiler for Open vSwitch (its configure expects gcc)")
find_program(OVSXDP_CCACHE ccache DOC "ccache, used for Open vSwitch's build when present")
find_program(OVSXDP_PATCH patch DOC "patch (Debian: apt-get install patch)")
find_program(OVSXDP_AUTOMAKE automake DOC "automake 1.16 (Debian: apt-get install automake)")
find_program(OVSXDP_MAKE NAMES gmake make DOC "GNU make")
find_program(OVSXDP_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH DOC "Python 3 for Open vSwitch's build")
foreach(tool OVSXDP_OVS_CC OVSXDP_PATCH OVSXDP_AUTOMAKE OVSXDP_MAKE OVSXDP_PYTHON3)
  if(NOT ${tool})
    get_property(doc CACHE ${tool} PROPERTY HELPSTRING)
    message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${tool} not found: ${doc} (scripts/setup-debian.sh installs what is needed)")
  endif()
endforeach()
foreach(lib cap-ng unbound ssl)
  find_library(OVSXDP_OVS_HAS_${lib} ${lib})
  if(NOT OVSXDP_OVS_HAS_${lib})
    message(FATAL_ERROR "OVSXDP_BUILD_OVS: lib${lib} not found; Open vSwitch's configure would build "
      "without it. apt-get install libcap-ng-dev libunbound-dev libssl-dev (scripts/setup-debian.sh does)")
  endif()
endforeach()

set(ovs_root ${PROJECT_BINARY_DIR}/ovs)
set(OVSXDP_OVS_SOURCE_DIR ${ovs_root}/openvswitch CACHE INTERNAL "Patched Open vSwitch source tree")
set(OVSXDP_OVS_BUILD_DIR ${ovs_root}/build CACHE INTERNAL "Open vSwitch build tree (configure and make)")
set(ovs_src ${OVSXDP_OVS_SOURCE_DIR})
set(ovs_build ${OVSXDP_OVS_BUILD_DIR})
set(ovs_patch ${PROJECT_SOURCE_DIR}/ovs/openvswitch-3.1.patch)

# Installed programs live under <prefix>/lib/ovsxdp/ovs (bin/, share/openvswitch/
# with the schemas). Their run-time directories are OVS's usual ones with an
# ovsxdp name, so they never share a database or control sockets with the
# system's Open vSwitch; OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR, OVS_PKGDATADIR and
# OVS_SYSCONFDIR override them as in any OVS.
set(OVSXDP_INSTALL_OVSDIR lib/ovsxdp/ovs)
set(ovs_cc ${OVSXDP_OVS_CC})
if(OVSXDP_CCACHE)
  set(ovs_cc "${OVSXDP_CCACHE} ${OVSXDP_OVS_CC}")
endif()
set(ovs_configure_args
  PYTHON3=${OVSXDP_PYTHON3} --disable-afxdp "CC=${ovs_cc}"
  "CPPFLAGS=-I${PROJECT_SOURCE_DIR}/host/capi"
  --prefix=${CMAKE_INSTALL_PREFIX}/${OVSXDP_INSTALL_OVSDIR}
  --localstatedir=/var --sysconfdir=/etc
  --with-rundir=/var/run/ovsxdp-ovs --with-logdir=/var/log/ovsxdp-ovs --with-dbdir=/etc/ovsxdp-ovs)

# --- CMake time: extract, patch, regenerate Makefile.in, configure ----------
file(SHA256 ${OVSXDP_OVS_TARBALL} tarball_hash)
file(SHA256 ${ovs_patch} patch_hash)
string(SHA256 prepared_key "${tarball_hash} ${patch_hash} ${ovs_configure_args} ${OVSXDP_AUTOMAKE}")
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${OVSXDP_OVS_TARBALL} ${ovs_patch})
set(prepared_stamp ${ovs_root}/prepared.key)
set(prepared "")
if(EXISTS ${prepared_stamp} AND EXISTS ${ovs_build}/Makefile)
  file(READ ${prepared_stamp} prepared)
endif()

function(ovsxdp_ovs_step what log)
  execute_process(${ARGN} RESULT_VARIABLE rc OUTPUT_FILE ${log} ERROR_FILE ${log}.err)
  if(NOT rc EQUAL 0)
    file(READ ${log}.err err)
    message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${what} failed (${rc}):\n${err}\nFull output: ${log} and ${log}.err")
  endif()
endfunction()

if(NOT prepared STREQUAL prepared_key)
  message(STATUS "Open vSwitch: extracting ${OVSXDP_OVS_TARBALL}, patching, configuring in ${ovs_build}")
  file(REMOVE_RECURSE ${ovs_src} ${ovs_build} ${prepared_stamp})
  file(MAKE_DIRECTORY ${ovs_root} ${ovs_build})
  # The tarball's files keep their times, so make sees the pre-generated
  # configure and testsuites as up to date.
  ovsxdp_ovs_step("extracting ${OVSXDP_OVS_TARBALL}" ${ovs_root}/extract.log
    COMMAND ${CMAKE_COMMAND} -E tar xzf ${OVSXDP_OVS_TARBALL} WORKING_DIRECTORY ${ovs_root})
  if(NOT EXISTS ${ovs_src}/configure)
    message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${OVSXDP_OVS_TARBALL} has no openvswitch/configure: not the "
      "openvswitch-source tarball")
  endif()
  ovsxdp_ovs_step("applying ${ovs_patch}" ${ovs_root}/patch.log
    COMMAND ${OVSXDP_PATCH} -p1 --forward --batch --no-backup-if-mismatch -i ${ovs_patch}
    WORKING_DIRECTORY ${ovs_src})
  ovsxdp_ovs_step("regenerating Makefile.in (automake)" ${ovs_root}/automake.log
    COMMAND ${OVSXDP_AUTOMAKE} --foreign Makefile WORKING_DIRECTORY ${ovs_src})
  ovsxdp_ovs_step("Open vSwitch's configure" ${ovs_build}/configure.out
    COMMAND ${ovs_src}/configure ${ovs_configure_args} WORKING_DIRECTORY ${ovs_build})
  file(WRITE ${prepared_stamp} "${prepared_key}")
endif()

# What libopenvswitch links with, as configure found it: make evaluates the
# variables of the generated Makefile.
file(WRITE ${ovs_root}/print-libs.mk "ovsxdp-print-libs:\n\t@echo $(lib_libopenvswitch_la_LIBADD) $(LIBS)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=MAKEFLAGS --unset=MAKELEVEL
    ${OVSXDP_MAKE} -s --no-print-directory -f Makefile -f ${ovs_root}/print-libs.mk ovsxdp-print-libs
  WORKING_DIRECTORY ${ovs_build} OUTPUT_VARIABLE ovs_libs OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "OVSXDP_BUILD_OVS: could not read libopenvswitch's libraries from ${ovs_build}/Makefile")
endif()
separate_arguments(ovs_libs UNIX_COMMAND "${ovs_libs}")
# libtool libraries of OVS's own (lib/libopenvswitchavx512.la) by their archives.
# They are made by the same build step as libopenvswitch.a (its byproducts).
set(ovs_link_libraries "")
set(ovs_own_archives "")
foreach(lib IN LISTS ovs_libs)
  if(lib MATCHES "^(.*/)?([^/]+)\\.la$")
    set(lib ${ovs_build}/${CMAKE_MATCH_1}.libs/${CMAKE_MATCH_2}.a)
    list(APPEND ovs_own_archives ${lib})
  endif()
  list(APPEND ovs_link_libraries ${lib})
endforeach()
set(OVSXDP_OVS_LINK_LIBRARIES ${ovs_link_libraries} CACHE INTERNAL "What libopenvswitch.a links with (from configure)")

# --- the C API library's link line for OVS's programs -----------------------
# Every static archive and library the target needs, walking the link
# interfaces, each after all that need it (libtool keeps this order; it
# would move linker groups to the front of the line).
find_package(Threads REQUIRED)  # Threads::Threads, seen from this directory
function(ovsxdp_static_link_line out target)
  set(items "")
  set(targets "")
  set(queue ${target})
  set(steps 0)
  while(queue)
    math(EXPR steps "${steps} + 1")
    if(steps GREATER 10000)
      message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${target}'s link interface has a cycle")
    endif()
    list(POP_FRONT queue item)
    if(item MATCHES "^::@")  # a directory-scope marker of target_link_libraries
      continue()
    endif()
    while(item MATCHES "^\\$<(LINK_ONLY|BUILD_INTERFACE):(.*)>$")
      set(item ${CMAKE_MATCH_2})
    endwhile()
    if(item MATCHES "^\\$<INSTALL_INTERFACE:" OR item STREQUAL "")
      continue()
    endif()
    if(item MATCHES "\\$<")
      message(FATAL_ERROR "OVSXDP_BUILD_OVS: cannot link ${target}'s dependency '${item}' into OVS's programs")
    endif()
    if(NOT TARGET ${item})
      if(item MATCHES "::")
        message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${target} links ${item}, a target not visible from "
          "${CMAKE_CURRENT_LIST_FILE}: find its package there too")
      elseif(item MATCHES "^(/.*)/lib([^/]+)\\.so$")
        # -L and -l: libtool moves a shared library's path to the front of
        # the line, before the archives that need it.
        set(entry "-L${CMAKE_MATCH_1} -l${CMAKE_MATCH_2}")
      elseif(IS_ABSOLUTE ${item} OR item MATCHES "^-")
        set(entry ${item})  # a path or a flag
      else()
        set(entry -l${item})  # a library name
      endif()
      list(REMOVE_ITEM items ${entry})
      list(APPEND items ${entry})
      continue()
    endif()
    get_target_property(aliased ${item} ALIASED_TARGET)
    if(aliased)
      set(item ${aliased})
    endif()
    get_target_property(type ${item} TYPE)
    if(type MATCHES "^(STATIC|SHARED|UNKNOWN)_LIBRARY$")
      list(REMOVE_ITEM items "$<TARGET_FILE:${item}>")
      list(APPEND items "$<TARGET_FILE:${item}>")
    elseif(NOT type STREQUAL "INTERFACE_LIBRARY")
      message(FATAL_ERROR "OVSXDP_BUILD_OVS: ${target} links ${item}, a ${type}, which OVS's programs cannot")
    endif()
    list(APPEND targets ${item})
    get_target_property(deps ${item} INTERFACE_LINK_LIBRARIES)
    if(deps)
      list(APPEND queue ${deps})
    endif()
  endwhile()
  list(REMOVE_DUPLICATES targets)
  # The C API is C++: its runtime, which gcc does not add for a C program.
  list(REMOVE_ITEM items -lstdc++ -lm -lpthread)
  string(JOIN " " line ${items} -lstdc++ -lm -lpthread)
  set(${out} "${line}" PARENT_SCOPE)
  set(${out}_TARGETS ${targets} PARENT_SCOPE)
endfunction()
ovsxdp_static_link_line(capi_link ovsxdp_capi)
set(capi_file_deps "")
foreach(t IN LISTS capi_link_TARGETS)
  get_target_property(type ${t} TYPE)
  get_target_property(imported ${t} IMPORTED)
  if(type STREQUAL "STATIC_LIBRARY" AND NOT imported)
    list(APPEND capi_file_deps ${t})  # a target in DEPENDS: rebuilt first, and its file a dependency
  endif()
endforeach()

# --- build time ---------------------------------------------------------------
set(copied ${ovs_src}/lib/dpif-ovsxdp.c)
add_custom_command(OUTPUT ${copied}
  COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/ovs/dpif-ovsxdp.c ${copied}
  DEPENDS ${PROJECT_SOURCE_DIR}/ovs/dpif-ovsxdp.c
  COMMENT "Copying the ovsxdp dpif provider into Open vSwitch's lib/" VERBATIM)
# The system-traffic testsuite for datapath_type=ovsxdp (tests/ovs-system/).
file(GLOB ovs_test_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/ovs/tests/*.at)
foreach(f IN LISTS ovs_test_files)
  get_filename_component(n ${f} NAME)
  add_custom_command(OUTPUT ${ovs_src}/tests/${n}
    COMMAND ${CMAKE_COMMAND} -E copy ${f} ${ovs_src}/tests/${n} DEPENDS ${f} VERBATIM)
  list(APPEND copied ${ovs_src}/tests/${n})
endforeach()

set(OVSXDP_OVS_PROGRAMS
  vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool ovsdb/ovsdb-client
  utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl utilities/ovs-dpctl)
set(ovs_outputs "")
foreach(p IN LISTS OVSXDP_OVS_PROGRAMS)
  list(APPEND ovs_outputs ${ovs_build}/${p})
endforeach()
list(APPEND ovs_outputs ${ovs_build}/lib/.libs/libopenvswitch.a)
list(APPEND ovs_outputs ${ovs_own_archives})
# One directory with every program (links into the build tree), for
# scripts: build/ovsxdp-ovs-paths.sh names it and the schema.
set(ovs_bin_dir ${ovs_root}/bin)
set(ovs_bin_links COMMAND ${CMAKE_COMMAND} -E make_directory ${ovs_bin_dir})
foreach(p IN LISTS OVSXDP_OVS_PROGRAMS)
  get_filename_component(n ${p} NAME)
  list(APPEND ovs_bin_links COMMAND ${CMAKE_COMMAND} -E create_symlink ${ovs_build}/${p} ${ovs_bin_dir}/${n})
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/ovsxdp-ovs-paths.sh
  "# Written by cmake/OpenVSwitch.cmake: Open vSwitch built with the ovsxdp provider.\n"
  "OVSXDP_OVS_BIN_DIR=${ovs_bin_dir}\n"
  "OVSXDP_OVS_SCHEMA=${ovs_src}/vswitchd/vswitch.ovsschema\n"
  "OVSXDP_OVS_BUILD_DIR=${ovs_build}\n")
cmake_host_system_information(RESULT ovs_jobs QUERY NUMBER_OF_LOGICAL_CORES)
set(OVSXDP_OVS_JOBS ${ovs_jobs} CACHE STRING "make -j for Open vSwitch's build")
add_custom_command(
  OUTPUT ${ovs_build}/ovsxdp-build.stamp
  BYPRODUCTS ${ovs_outputs}
  COMMAND ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_BINARY_DIR} CCACHE_NOHASHDIR=1
          bash ${PROJECT_SOURCE_DIR}/cmake/ovs-make.sh ${ovs_build} ${OVSXDP_OVS_JOBS} "${capi_link}"
          lib/libopenvswitch.la ${OVSXDP_OVS_PROGRAMS}
  ${ovs_bin_links}
  COMMAND ${CMAKE_COMMAND} -E touch ${ovs_build}/ovsxdp-build.stamp
  DEPENDS ${copied} ${ovs_build}/Makefile ${PROJECT_SOURCE_DIR}/cmake/ovs-make.sh
          ${PROJECT_SOURCE_DIR}/host/capi/ovsxdp_capi.h ${capi_file_deps}
  COMMENT "Building Open vSwitch with the ovsxdp dpif provider (${ovs_build})"
  USES_TERMINAL VERBATIM)
add_custom_target(ovsxdp_ovs ALL DEPENDS ${ovs_build}/ovsxdp-build.stamp)
set(OVSXDP_OVS_BIN_DIR ${ovs_bin_dir} CACHE INTERNAL
  "Every Open vSwitch program built, as links into OVSXDP_OVS_BUILD_DIR")

# For code that links OVS's library (the codec's differential test): config.h
# and the generated headers are in the build tree, the rest in the source tree.
# The library holds the provider, which calls the C API.
add_library(openvswitch::lib STATIC IMPORTED GLOBAL)
set_target_properties(openvswitch::lib PROPERTIES
  IMPORTED_LOCATION ${ovs_build}/lib/.libs/libopenvswitch.a
  INTERFACE_INCLUDE_DIRECTORIES "${ovs_src};${ovs_src}/include;${ovs_src}/lib;${ovs_build};${ovs_build}/include;${ovs_build}/lib"
  INTERFACE_LINK_LIBRARIES "ovsxdp_capi;${ovs_link_libraries}")
add_dependencies(openvswitch::lib ovsxdp_ovs)

# --- install -----------------------------------------------------------------
install(PROGRAMS ${ovs_build}/vswitchd/ovs-vswitchd ${ovs_build}/ovsdb/ovsdb-server ${ovs_build}/ovsdb/ovsdb-tool
  ${ovs_build}/ovsdb/ovsdb-client ${ovs_build}/utilities/ovs-vsctl ${ovs_build}/utilities/ovs-ofctl
  ${ovs_build}/utilities/ovs-appctl ${ovs_build}/utilities/ovs-dpctl
  DESTINATION ${OVSXDP_INSTALL_OVSDIR}/bin COMPONENT runtime)
# ovsdb-tool create and ovs-vswitchd's database take the schema from here.
install(FILES ${ovs_src}/vswitchd/vswitch.ovsschema
  DESTINATION ${OVSXDP_INSTALL_OVSDIR}/share/openvswitch COMPONENT runtime)

# ovsxdp-bench measures a bridge on this ovs-vswitchd against Debian's OVS;
# it depends on the programs only at run time (it says so when they are missing).
if(TARGET ovsxdp-bench)
  target_compile_definitions(ovsxdp-bench PRIVATE OVSXDP_BENCH_OVS_BIN_DIR="${ovs_bin_dir}"
    OVSXDP_BENCH_OVS_SCHEMA="${ovs_src}/vswitchd/vswitch.ovsschema")
endif()
