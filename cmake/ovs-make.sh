#!/bin/bash
# Builds Open vSwitch's programs in a configured build tree (cmake/OpenVSwitch.cmake).
#   ovs-make.sh BUILD_DIR JOBS "CAPI_LINK_LINE" TARGET...
# The generated sources (BUILT_SOURCES) first: naming a program alone fails
# on headers not generated yet. CAPI_LINK_LINE (the C API library and what
# it needs) is added to configure's LIBS for every program; make does not
# see those archives as prerequisites, so a program older than one of them
# is removed here and relinked, nothing else rebuilt.
set -euo pipefail
build=$1 jobs=$2 capi=$3
shift 3
cd "$build"
# Under CMake's Unix Makefiles generator the outer make's flags (jobserver,
# --print-directory) would reach this independent build.
unset MAKEFLAGS MFLAGS MAKELEVEL

print_var() {  # the value of a variable of the generated Makefile
  printf 'ovsxdp-print:\n\t@echo $(%s)\n' "$1" | make -s --no-print-directory -f Makefile -f - ovsxdp-print
}
overrides=()
for target in "$@"; do
  [[ $target == *.la ]] && continue
  var=${target//[\/.-]/_}_LDADD
  overrides+=("$var=$(print_var "$var") $capi")
done

archives=()
for word in $capi; do
  [[ $word == *.a && -f $word ]] && archives+=("$word")
done
for target in "$@"; do
  [[ $target == *.la || ! -e $target ]] && continue
  for a in "${archives[@]}"; do
    if [[ $a -nt $target ]]; then
      rm -f "$target"
      break
    fi
  done
done

# shellcheck disable=SC2046  # BUILT_SOURCES is a list of file names
make -j"$jobs" $(print_var BUILT_SOURCES)
make -j"$jobs" "${overrides[@]}" "$@"
