#!/bin/bash
# Runs Open vSwitch's tests/system-traffic.at on a datapath type and checks
# the outcome of every test against an expected list.
#   run-system-traffic.sh OVS_BUILD_DIR OVSXDP_BIN_DIR TYPE EXPECTED_LIST [TESTSUITEFLAGS...]
# TYPE is ovsxdp (testsuite system-ovsxdp-testsuite, built here from
# ovs/tests/) or userspace (OVS's own check-system-userspace testsuite, the
# reference). EXPECTED_LIST lines: "pass|fail|skip<TAB>title<TAB>reason";
# "-" runs without checking (to make a list). Results go to
# OVS_BUILD_DIR/tests/system-TYPE-results.tsv, one line per test.
# Exit 1 when a test's outcome differs from the list (a regression, or a
# list that is out of date), 2 for usage errors.
set -euo pipefail
if (($# < 4)); then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
ovs_build=$(cd "$1" && pwd)
bin_dir=$(cd "$2" && pwd)
type=$3
expected=$4
shift 4

case $type in
  ovsxdp) suite=system-ovsxdp-testsuite ;;
  userspace) suite=system-userspace-testsuite ;;
  *) echo "run-system-traffic.sh: unknown type '$type' (ovsxdp or userspace)" >&2; exit 2 ;;
esac
if [[ $(id -u) -ne 0 ]]; then
  echo "run-system-traffic.sh: OVS's system tests need root (network namespaces, veths)" >&2
  exit 1
fi

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ovs_build"
src=$(sed -n 's/^abs_top_srcdir = //p' Makefile)
# The ovsxdp target's macros and testsuite live in this repository (ovs/tests).
cp "$repo"/ovs/tests/system-ovsxdp-*.at "$src/tests/"
make -s "$src/package.m4" tests/atlocal tests/atconfig >/dev/null
if [[ $type == ovsxdp ]]; then
  autom4te --language=autotest -I "$src" -o "tests/$suite.tmp" "$src/tests/$suite.at"
  mv "tests/$suite.tmp" "tests/$suite"
else
  make -s "tests/$suite" >/dev/null 2>&1 || make -s "$src/tests/$suite" >/dev/null
  [[ -f tests/$suite ]] || cp "$src/tests/$suite" "tests/$suite"
fi

log=tests/system-$type-output.txt
results=tests/system-$type-results.tsv
# ovsxdp-dpctl (used to clear a datapath a crashed test left pinned) first.
set +e
PATH="$bin_dir:$PATH" sh "tests/$suite" -C tests AUTOTEST_PATH="utilities:vswitchd:ovsdb:vtep:tests:ipsec:" -j1 "$@" 2>&1 | tee "$log"
set -e

# "  12: datapath - ping between two ports             ok"
# "  13: datapath - ...   FAILED (system-traffic.at:100)"  "skipped (...)"
sed -nE 's/^ *[0-9]+: (.*[^ ]) +(ok|FAILED \(.*\)|skipped \(.*\)|expected failure.*)$/\1\t\2/p' "$log" |
  awk -F'\t' '{o=$2; if (o ~ /^ok/) o="pass"; else if (o ~ /^FAILED/) o="fail"; else if (o ~ /^skipped/) o="skip"; else o="fail"; print o "\t" $1}' >"$results"
n=$(wc -l <"$results")
echo "run-system-traffic.sh: $n tests: $(cut -f1 "$results" | sort | uniq -c | tr '\n' ' ')"
((n > 0)) || { echo "run-system-traffic.sh: no test ran (see $ovs_build/$log)" >&2; exit 1; }
[[ $expected == - ]] && exit 0

status=0
declare -A want
while IFS=$'\t' read -r outcome title _; do
  [[ -z $outcome || $outcome == \#* ]] && continue
  want[$title]=$outcome
done <"$expected"
while IFS=$'\t' read -r outcome title; do
  w=${want[$title]:-}
  if [[ -z $w ]]; then
    echo "UNLISTED ($outcome): $title"; status=1
  elif [[ $w != "$outcome" ]]; then
    echo "UNEXPECTED: $title: expected $w, got $outcome"; status=1
  fi
done <"$results"
((status == 0)) && echo "run-system-traffic.sh: every outcome as listed in $expected"
exit $status
