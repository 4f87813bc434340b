# ovsxdp_add_bpf_object(): C++20 translation units for the BPF target, turned
# into bpftool skeletons. The same file serves ovsxdp's own build and, installed
# next to ovsxdpConfig.cmake, any project that calls find_package(ovsxdp): it
# finds its helper script next to itself and the headers through the target
# ovsxdp::bpf, never through the calling project's source or build tree.
# docs/library.md explains each step and flag.
include_guard(GLOBAL)

# Found once, overridable with -DOVSXDP_BPF_CLANG=... and so on. Not REQUIRED
# here: a project that only links ovsxdp::host needs none of them, so the
# function says what is missing when it is called.
find_program(OVSXDP_BPF_CLANG NAMES clang-19
  DOC "clang with the BPF target (Debian: apt-get install clang-19)")
find_program(OVSXDP_LLVM_OBJCOPY NAMES llvm-objcopy-19 llvm-objcopy
  HINTS /usr/lib/llvm-19/bin DOC "llvm-objcopy (Debian: apt-get install llvm-19)")
find_program(OVSXDP_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin
  DOC "bpftool (Debian: apt-get install bpftool)")
find_program(OVSXDP_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH
  DOC "python3 (Debian: apt-get install python3)")

# A global property, not a variable: the function may be called from any
# directory, also one that did not see this file being included.
set_property(GLOBAL PROPERTY OVSXDP_BPF_SCRIPT_DIR ${CMAKE_CURRENT_LIST_DIR})

# The flags a BPF translation unit of the library needs (docs/library.md says
# why each one is there). ovsxdp-bpf.pc gives the same list to other builds.
set(OVSXDP_BPF_REQUIRED_FLAGS
  -std=gnu++20 --target=bpf -mcpu=v3 -O2 -g
  -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables -fno-threadsafe-statics
  -Werror=global-constructors)
set_property(GLOBAL PROPERTY OVSXDP_BPF_REQUIRED_FLAGS ${OVSXDP_BPF_REQUIRED_FLAGS})

# ovsxdp_add_bpf_object(NAME SOURCE file.bpf.cpp [DEFINES ...] [INCLUDES dir...]
#                       [OUTPUT_DIRECTORY dir])
# Produces DIR/bpf/NAME.bpf.o, a BTF name check, and DIR/skel/NAME.skel.h, DIR
# being OUTPUT_DIRECTORY or else the calling project's binary directory. The
# target NAME_bpf builds them (its properties OVSXDP_BPF_OBJECT and
# OVSXDP_BPF_SKELETON hold the two paths); the INTERFACE target NAME_skel puts
# the skeleton on a host target's include path. OVSXDP_BPF_EXTRA_FLAGS, when
# set, is appended to the compiler flags (ovsxdp sets -Werror for its own).
function(ovsxdp_add_bpf_object name)
  cmake_parse_arguments(ARG "" "SOURCE;OUTPUT_DIRECTORY" "DEFINES;INCLUDES" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "ovsxdp_add_bpf_object(${name}): SOURCE is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ovsxdp_add_bpf_object(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  foreach(tool OVSXDP_BPF_CLANG OVSXDP_LLVM_OBJCOPY OVSXDP_BPFTOOL OVSXDP_PYTHON)
    if(NOT ${tool})
      get_property(doc CACHE ${tool} PROPERTY HELPSTRING)
      message(FATAL_ERROR "ovsxdp_add_bpf_object(${name}): ${tool} not found: ${doc}, or set -D${tool}=PATH")
    endif()
  endforeach()
  if(NOT TARGET ovsxdp::bpf)
    message(FATAL_ERROR "ovsxdp_add_bpf_object(${name}): no target ovsxdp::bpf; call find_package(ovsxdp) first")
  endif()

  get_filename_component(source ${ARG_SOURCE} ABSOLUTE)
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
  endif()
  get_filename_component(out ${ARG_OUTPUT_DIRECTORY} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  set(bpf_dir ${out}/bpf)
  set(skel_dir ${out}/skel)
  set(object ${bpf_dir}/${name}.bpf.o)
  set(skeleton ${skel_dir}/${name}.skel.h)
  get_property(script_dir GLOBAL PROPERTY OVSXDP_BPF_SCRIPT_DIR)
  set(btf_check ${script_dir}/check_btf_names.py)

  # The BPF target has no multiarch include directory of its own; Debian keeps
  # <asm/types.h> (needed by <linux/types.h>) there.
  set(multiarch ${CMAKE_LIBRARY_ARCHITECTURE})
  if(NOT multiarch)
    execute_process(COMMAND ${OVSXDP_BPF_CLANG} -print-multiarch OUTPUT_VARIABLE multiarch OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
  get_property(required_flags GLOBAL PROPERTY OVSXDP_BPF_REQUIRED_FLAGS)
  set(flags ${required_flags} -Wall -Wextra ${OVSXDP_BPF_EXTRA_FLAGS})
  foreach(d IN LISTS ARG_DEFINES)
    list(APPEND flags -D${d})
  endforeach()
  foreach(dir IN LISTS ARG_INCLUDES)
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND flags -I${dir})
  endforeach()
  # The library's headers and the generated helper header, from the target
  # (the source tree in ovsxdp's build, the installed ones elsewhere).
  list(APPEND flags "-I$<JOIN:$<TARGET_PROPERTY:ovsxdp::bpf,INTERFACE_INCLUDE_DIRECTORIES>,$<SEMICOLON>-I>")
  if(multiarch)
    list(APPEND flags -idirafter /usr/include/${multiarch})
  endif()

  add_custom_command(
    OUTPUT ${object} ${skeleton}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${bpf_dir} ${skel_dir}
    COMMAND ${OVSXDP_BPF_CLANG} -x c++ ${flags}
            -MD -MF ${object}.d -MT ${object} -c ${source} -o ${object}.full
    # clang++ emits .linker-options, which libbpf and bpftool reject; DWARF is
    # not needed at run time (BTF keeps types and line info).
    COMMAND ${OVSXDP_LLVM_OBJCOPY} --remove-section=.linker-options --strip-debug ${object}.full ${object}
    COMMAND ${OVSXDP_PYTHON} ${btf_check} ${OVSXDP_BPFTOOL} ${object}
    COMMAND sh -c "'${OVSXDP_BPFTOOL}' gen skeleton '${object}' name '${name}' > '${skeleton}.tmp' && mv '${skeleton}.tmp' '${skeleton}'"
    DEPFILE ${object}.d
    DEPENDS ${source} ${btf_check}
    COMMENT "BPF object ${name}: compile, check BTF names, generate skeleton"
    COMMAND_EXPAND_LISTS
    VERBATIM)
  add_custom_target(${name}_bpf ALL DEPENDS ${object} ${skeleton})
  set_target_properties(${name}_bpf PROPERTIES OVSXDP_BPF_OBJECT ${object} OVSXDP_BPF_SKELETON ${skeleton})
  # Headers generated by a custom command elsewhere in the calling build (ovsxdp's
  # own helper header): a file dependency across directories is not enough for
  # every generator (Unix Makefiles has no rule for it), a target dependency is.
  get_target_property(header_targets ovsxdp::bpf OVSXDP_HEADER_TARGETS)
  if(header_targets)
    add_dependencies(${name}_bpf ${header_targets})
  endif()
  add_library(${name}_skel INTERFACE)
  # Made now: an imported target that links this one (openvswitch::lib, for
  # a C program on OVS's library) must name only directories that exist.
  file(MAKE_DIRECTORY ${skel_dir})
  target_include_directories(${name}_skel INTERFACE ${skel_dir})
  add_dependencies(${name}_skel ${name}_bpf)
  set_property(GLOBAL APPEND PROPERTY OVSXDP_BPF_OBJECTS ${object})
endfunction()
