# Building C++20 translation units for the BPF target and turning them into
# bpftool skeletons. See ../shared/docs/cxx-on-bpf.md for why each flag exists.

find_program(OVSXDP_BPF_CLANG NAMES clang-19 REQUIRED
  DOC "clang with the BPF target (Debian: apt-get install clang-19)")
find_program(OVSXDP_LLVM_OBJCOPY NAMES llvm-objcopy-19 llvm-objcopy REQUIRED
  HINTS /usr/lib/llvm-19/bin DOC "llvm-objcopy (Debian: apt-get install llvm-19)")
find_program(OVSXDP_BPFTOOL NAMES bpftool REQUIRED PATHS /usr/sbin /sbin
  DOC "bpftool (Debian: apt-get install bpftool)")
find_program(OVSXDP_PYTHON NAMES python3 REQUIRED PATHS /usr/bin NO_DEFAULT_PATH)

find_path(OVSXDP_LIBBPF_INCLUDE bpf/bpf_helper_defs.h REQUIRED
  DOC "libbpf headers (Debian: apt-get install libbpf-dev)")

set(OVSXDP_BPF_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated/bpf)
set(OVSXDP_BPF_HELPERS_HEADER ${OVSXDP_BPF_GENERATED_DIR}/ovsxdp_generated/bpf_helpers.h)

add_custom_command(
  OUTPUT ${OVSXDP_BPF_HELPERS_HEADER}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${OVSXDP_BPF_GENERATED_DIR}/ovsxdp_generated
  COMMAND ${OVSXDP_PYTHON} ${PROJECT_SOURCE_DIR}/cmake/gen_bpf_helpers.py
          ${OVSXDP_LIBBPF_INCLUDE}/bpf/bpf_helper_defs.h ${OVSXDP_BPF_HELPERS_HEADER}
  DEPENDS ${PROJECT_SOURCE_DIR}/cmake/gen_bpf_helpers.py ${OVSXDP_LIBBPF_INCLUDE}/bpf/bpf_helper_defs.h
  COMMENT "Generating C++ BPF helper declarations from libbpf's bpf_helper_defs.h"
  VERBATIM)
add_custom_target(ovsxdp_bpf_helpers DEPENDS ${OVSXDP_BPF_HELPERS_HEADER})

set(OVSXDP_BPF_CXX_FLAGS
  -x c++ -std=gnu++20 --target=bpf -mcpu=v3 -O2 -g
  -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables -fno-threadsafe-statics
  -Wall -Wextra -Werror -Werror=global-constructors
  -I${PROJECT_SOURCE_DIR}/include -I${OVSXDP_BPF_GENERATED_DIR}
  -idirafter /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})

# ovsxdp_add_bpf_object(NAME SOURCE file.bpf.cpp [DEFINES ...] [INCLUDES dir...])
# Produces bpf/NAME.bpf.o, a BTF name check, and skel/NAME.skel.h; the INTERFACE
# target NAME_skel puts the skeleton on a host target's include path.
function(ovsxdp_add_bpf_object name)
  cmake_parse_arguments(ARG "" "SOURCE" "DEFINES;INCLUDES" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "ovsxdp_add_bpf_object(${name}): SOURCE is required")
  endif()
  get_filename_component(source ${ARG_SOURCE} ABSOLUTE)
  set(bpf_dir ${CMAKE_BINARY_DIR}/bpf)
  set(skel_dir ${CMAKE_BINARY_DIR}/skel)
  set(object ${bpf_dir}/${name}.bpf.o)
  set(skeleton ${skel_dir}/${name}.skel.h)
  set(defines)
  foreach(d IN LISTS ARG_DEFINES)
    list(APPEND defines -D${d})
  endforeach()
  foreach(dir IN LISTS ARG_INCLUDES)
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND defines -I${dir})
  endforeach()
  add_custom_command(
    OUTPUT ${object} ${skeleton}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${bpf_dir} ${skel_dir}
    COMMAND ${OVSXDP_BPF_CLANG} ${OVSXDP_BPF_CXX_FLAGS} ${defines}
            -MD -MF ${object}.d -MT ${object} -c ${source} -o ${object}.full
    # clang++ emits .linker-options, which libbpf and bpftool reject; DWARF is
    # not needed at run time (BTF keeps types and line info).
    COMMAND ${OVSXDP_LLVM_OBJCOPY} --remove-section=.linker-options --strip-debug ${object}.full ${object}
    COMMAND ${OVSXDP_PYTHON} ${PROJECT_SOURCE_DIR}/cmake/check_btf_names.py ${OVSXDP_BPFTOOL} ${object}
    COMMAND sh -c "'${OVSXDP_BPFTOOL}' gen skeleton '${object}' name '${name}' > '${skeleton}.tmp' && mv '${skeleton}.tmp' '${skeleton}'"
    DEPFILE ${object}.d
    DEPENDS ${source} ${OVSXDP_BPF_HELPERS_HEADER} ${PROJECT_SOURCE_DIR}/cmake/check_btf_names.py
    COMMENT "BPF object ${name}: compile, check BTF names, generate skeleton"
    VERBATIM)
  add_custom_target(${name}_bpf ALL DEPENDS ${object} ${skeleton})
  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel INTERFACE ${skel_dir})
  add_dependencies(${name}_skel ${name}_bpf)
  set_property(GLOBAL APPEND PROPERTY OVSXDP_BPF_OBJECTS ${object})
endfunction()
