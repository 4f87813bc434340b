#!/bin/bash
# flows file: one "KEY<TAB>ACTIONS" per line
# usage: netlink_diff.sh ODP_REFERENCE NETLINK_ROUNDTRIP < corpus
R=$1; X=$2
pass=0; fail=0
while IFS=$'\t' read -r key acts; do
  read -r k m < <($R parse-flow "$key" | paste -sd' ') || { echo "OVS cannot parse: $key"; continue; }
  want=$($R format-flow $k $m)
  if out=$($X flow $k $m 2>&1); then read -r k2 m2 < <(echo "$out" | paste -sd' '); got=$($R format-flow $k2 $m2); else got="$out"; fi
  if [ "$want" == "$got" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "KEY DIFF: $key"; echo "  ovs:    $want"; echo "  ovsxdp: $got"; fi
  if [ -n "$acts" ]; then
    a=$($R parse-actions "$acts") || { echo "OVS cannot parse actions: $acts"; continue; }
    want=$($R format-actions $a)
    if out=$($X actions $a 2>&1); then got=$($R format-actions $out); else got="$out"; fi
    if [ "$want" == "$got" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "ACT DIFF: $acts"; echo "  ovs:    $want"; echo "  ovsxdp: $got"; fi
  fi
done
echo "pass=$pass fail=$fail"
