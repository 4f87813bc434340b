#!/bin/bash
# Differential test of ovsxdp's netlink codec against Open vSwitch's odp-util.
#   netlink_diff.sh ODP_REFERENCE NETLINK_ROUNDTRIP CORPUS
# CORPUS lines: "key|actions<TAB>TEXT<TAB>same|refused". OVS encodes TEXT;
# ovsxdp decodes that netlink and encodes it again. "same": OVS must read
# ovsxdp's encoding as it reads its own (keys: the match odp_flow_key_to_flow
# and _to_mask give, whatever the attribute order; actions: their text).
# "refused": ovsxdp must refuse it, naming the attribute (a crash is no refusal).
# Exit 1 on any difference.
set -uo pipefail
R=$1 X=$2 corpus=$3
pass=0 fail=0
bad() { fail=$((fail + 1)); printf '%s\n' "$@"; }
while IFS=$'\t' read -r kind text expect; do
  [[ -z $kind || $kind == \#* ]] && continue
  case $kind in
    key)
      ref=$("$R" parse-flow "$text" | paste -sd' ') || { bad "OVS cannot parse key: $text"; continue; }
      read -r k m <<<"$ref"
      want=$("$R" canonical-flow "$k" "$m")
      if out=$("$X" flow "$k" "$m" 2>&1); then
        read -r k2 m2 < <(printf '%s\n' "$out" | paste -sd' ')
        got=$("$R" canonical-flow "$k2" "$m2")
      else
        got="refused: $out"
      fi ;;
    actions)
      a=$("$R" parse-actions "$text") || { bad "OVS cannot parse actions: $text"; continue; }
      want=$("$R" format-actions "$a")
      if out=$("$X" actions "$a" 2>&1); then got=$("$R" format-actions "$out"); else got="refused: $out"; fi ;;
    *) bad "bad corpus line: $kind"; continue ;;
  esac
  if [[ $expect == same && $want == "$got" ]] || [[ $expect == refused && $got == "refused: refused (attribute "* ]]; then
    pass=$((pass + 1))
  else
    bad "DIFF ($kind, expected $expect): $text" "  ovs:    $want" "  ovsxdp: $got"
  fi
done <"$corpus"
echo "netlink_diff: $pass agree, $fail differ (of $((pass + fail)))"
((fail == 0 && pass > 0))
