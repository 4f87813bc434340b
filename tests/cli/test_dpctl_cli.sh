#!/bin/bash
# ovsxdp-dpctl as an operator meets it: golden output, exit codes (0 ok,
# 1 runtime failure, 2 usage), and the error text for each bad input.
# Usage: test_dpctl_cli.sh DPCTL SOURCE_DIR
set -uo pipefail
dpctl=$1 src=$2
work=$(mktemp -d /tmp/ovsxdp-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0

tool=$dpctl
source "$(dirname "$0")/expect.sh"

# Golden: the bundled capture's keys.
if "$dpctl" parse-pcap "$src/samples/pcaps/demo.pcap" --in-port 1 >"$work/keys" 2>"$work/err" &&
   diff -u "$src/tests/cli/golden/parse_pcap_demo.txt" "$work/keys"; then
  echo "ok: parse-pcap demo.pcap matches the golden output ($(wc -l <"$work/keys") lines)"
else
  echo "FAIL: parse-pcap demo.pcap differs from tests/cli/golden/parse_pcap_demo.txt"; cat "$work/err"
  failures=$((failures + 1))
fi
# --in-port is honoured and -m prints every metadata attribute.
"$dpctl" parse-pcap "$src/samples/pcaps/demo.pcap" --in-port 0x20 -m | head -1 >"$work/verbose"
grep -q '^recirc_id(0),dp_hash(0),skb_priority(0),in_port(32),skb_mark(0),ct_state(0),' "$work/verbose" ||
  { echo "FAIL: -m/--in-port output: $(cat "$work/verbose")"; failures=$((failures + 1)); }

printf 'not a capture file at all, just text\n' >"$work/text.txt"
head -c 30 "$src/samples/pcaps/demo.pcap" >"$work/cut.pcap"
expect 2 "COMMAND [ARGS...]" --
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 2 "missing pcap FILE" -- parse-pcap
expect 2 "--in-port: 'eth0' is not a number" -- parse-pcap "$src/samples/pcaps/demo.pcap" --in-port eth0
expect 2 "unknown option '--bogus'" -- parse-pcap --bogus x.pcap
expect 1 "cannot open pcap file '/nonexistent.pcap': No such file or directory" -- parse-pcap /nonexistent.pcap
expect 1 "not a pcap file (magic number 0x20746f6e)" -- parse-pcap "$work/text.txt"
expect 1 "record 1 header is truncated" -- parse-pcap "$work/cut.pcap"

# Datapath commands: usage errors and a missing bpffs, before anything is touched.
mkdir -p "$work/plain-dir"
expect 2 "missing datapath name" -- add-dp
expect 2 "expected exactly one datapath name" -- del-dp
expect 2 "expected DP IN_PORT PACKET_HEX" -- trace x
expect 1 "no bpffs is mounted at $work/plain-dir" -- --bpffs "$work/plain-dir" dump-flows x
expect 1 "no bpffs is mounted at $work/plain-dir" -- --bpffs "$work/plain-dir" show x
expect 1 "cannot read flow file '/nonexistent.flows'" -- trace --flows /nonexistent.flows 1 505400000002505400000001080045000020

# Without privileges: a clear message, no crash.
if command -v setpriv >/dev/null; then
  cp "$src/samples/pcaps/demo.pcap" "$work/demo.pcap"
  chmod 755 "$work" && chmod 644 "$work/demo.pcap"
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$dpctl" parse-pcap "$work/demo.pcap" >"$work/out" 2>"$work/err"
  got=$?
  if [[ $got -eq 1 ]] && grep -q "needs root" "$work/err"; then
    echo "ok: unprivileged parse-pcap -> 1: $(cat "$work/err" | head -1)"
  else
    echo "FAIL: unprivileged parse-pcap -> $got:"; cat "$work/err"; failures=$((failures + 1))
  fi
  printf 'recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no) 2\n' >"$work/one.flows"
  chmod 644 "$work/one.flows"
  for cmd in "dump-flows x" "add-dp x" "show x" "trace --flows $work/one.flows 1 505400000002505400000001080045000020"; do
    # shellcheck disable=SC2086
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$dpctl" $cmd >"$work/out" 2>"$work/err"
    got=$?
    if [[ $got -ge 1 ]] && grep -q "needs root" "$work/err"; then
      echo "ok: unprivileged $cmd -> $got: $(head -1 "$work/err")"
    else
      echo "FAIL: unprivileged $cmd -> $got:"; cat "$work/err"; failures=$((failures + 1))
    fi
  done
fi
exit $((failures > 0))
