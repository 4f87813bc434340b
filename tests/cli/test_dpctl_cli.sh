#!/bin/bash
# ovsxdp-dpctl as an operator meets it: golden output, exit codes (0 ok,
# 1 runtime failure, 2 usage), and the error text for each bad input.
# Also the conventions every tool keeps: --help for each subcommand, exit 2
# for usage and malformed input, bounded messages for huge arguments.
# Usage: test_dpctl_cli.sh DPCTL SOURCE_DIR BENCH TRAFGEN
set -uo pipefail
dpctl=$1 src=$2 bench=$3 trafgen=$4
work=$(mktemp -d /tmp/ovsxdp-cli-XXXXXX)
netns=oxcli-$$
cleanup() {
  ip netns del "$netns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

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

# Without a bpffs there is no datapath: every command says so, none pretends
# there is nothing, or "no such datapath".
expect 1 "no bpffs is mounted at $work/plain-dir" -- --bpffs "$work/plain-dir" show
expect 1 "no bpffs is mounted at $work/plain-dir" -- --bpffs "$work/plain-dir" del-dp x
expect 1 "no bpffs is mounted at $work/plain-dir" -- --bpffs "$work/plain-dir" dump-flows
expect 2 "--bpffs needs a directory" -- --bpffs

# Deep nesting is refused while parsing, with the column (it used to exhaust
# the stack): clone, sample, check_pkt_len and dec_ttl, thousands deep.
python3 - "$work" <<'PY'
import sys
key = "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)"
for name, (open_, close) in {"clone": ("clone(", ")"), "sample": ("sample(sample=50%,actions(", "))"),
                             "check_pkt_len": ("check_pkt_len(size=64,gt(1),le(", "))"), "dec_ttl": ("dec_ttl(le_1(", "))")}.items():
    with open(f"{sys.argv[1]}/deep-{name}.flows", "w") as f:
        f.write(f"# {name}, 8,000 deep\n{key} {open_ * 8000}1{close * 8000}\n")
PY
for kind in clone sample check_pkt_len dec_ttl; do
  expect 2 "deep-$kind.flows:2: actions: column" -- trace --flows "$work/deep-$kind.flows" 1 505400000002505400000001080045000020
  grep -qF "action lists nest at most 16 deep (as in Linux)" "$work/err" || fail "trace --flows deep-$kind.flows: no nesting message"
done

# Every subcommand of every tool has --help (exit 0, its usage on stdout).
for cmd in $("$dpctl" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
  expect 0 "usage: ovsxdp-dpctl [--bpffs DIR] [--run-dir DIR] $cmd" -- "$cmd" --help
  expect 0 "usage: ovsxdp-dpctl [--bpffs DIR] [--run-dir DIR] $cmd" -- help "$cmd"
done
[[ $("$dpctl" --help | grep -c '^  [a-z]') -ge 17 ]] || fail "ovsxdp-dpctl --help lists fewer than 17 commands"
tool=$bench
for b in $("$bench" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
  expect 0 "usage: ovsxdp-bench $b" -- "$b" --help
done
expect 2 "unknown argument '--frobnicate'" -- datapath --frobnicate
tool=$trafgen
expect 0 "usage: ovsxdp-trafgen send DEV" -- send --help
expect 0 "ovsxdp-trafgen count DEV" -- count lo --help
tool=$dpctl

# A huge argument gets a bounded excerpt in the message, and the usual exit code.
huge=$(head -c 100000 /dev/zero | tr '\0' x)
bounded() {  # bounded CODE TOOL ARGS...: exit CODE, under 4 KiB of output
  local code=$1 t=$2; shift 2
  "$t" "$@" >"$work/out" 2>"$work/err"
  local got=$? size
  size=$(cat "$work/out" "$work/err" | wc -c)
  if [[ $got -ne $code || $size -gt 4096 ]]; then
    fail "$(basename "$t") ${1:0:20}... -> exit $got (want $code), $size bytes of output"
  else
    echo "ok: $(basename "$t") ${1:0:20}... (a 100,000-character argument) -> $got, $size bytes: $(head -c 100 "$work/err")"
  fi
}
bounded 2 "$dpctl" "$huge"
bounded 2 "$dpctl" add-dp --max-flows "$huge"
bounded 2 "$dpctl" parse-pcap --in-port "1$huge"
bounded 2 "$dpctl" add-meter "meter=1,$huge"
bounded 2 "$dpctl" trace x 1 "$huge"
bounded 1 "$dpctl" del-dp "$huge"
bounded 2 "$bench" "$huge"
bounded 2 "$bench" forward --packets "$huge"
bounded 2 "$trafgen" send lo --count "$huge"
bounded 2 "$trafgen" "$huge" lo
printf 'recirc_id(0),in_port(1),eth(src=%s),eth_type(0x0800) 1\n' "$huge" >"$work/huge.flows"
bounded 2 "$dpctl" trace --flows "$work/huge.flows" 1 505400000002505400000001080045000020

# Under `ip netns exec` (a fresh /sys, no bpffs) add-dp would mount a bpffs
# that dies with the command, and the datapath with it: refused, with the way out.
if ip netns add "$netns"; then
  tool=ip
  expect 1 "nsenter --net=/run/netns/$netns" -- netns exec "$netns" "$dpctl" add-dp oxnetns
  grep -qF "vanish when this command ends" "$work/err" || fail "ip netns exec add-dp: the reason is missing"
  expect 1 "no bpffs is mounted at /sys/fs/bpf" -- netns exec "$netns" "$dpctl" show
  # The same for any mount namespace only the command holds.
  mkdir -p "$work/empty"
  tool=unshare
  expect 1 "vanish when this command ends" -- -m --propagation private "$dpctl" --bpffs "$work/empty" --run-dir "$work/run" add-dp oxunshare
  # --bpffs over a directory with files would hide them (run where a mount
  # would be allowed: a namespace a shell holds, so nothing reaches the host).
  mkdir -p "$work/full" && echo keep >"$work/full/file"
  expect 1 "would hide them" -- -m --propagation private sh -c '"$@"' sh "$dpctl" --bpffs "$work/full" --run-dir "$work/run" add-dp oxfull
  [[ -e "$work/full/file" ]] || fail "the files under --bpffs are gone"
  # An empty directory gets a bpffs, said so, and del-dp of the last datapath takes it away again.
  unshare -m --propagation private sh -c '
    "$1" --bpffs "$2" --run-dir "$3" add-dp oxmount || exit 1
    grep -q " $2 .* - bpf ovsxdp " /proc/self/mountinfo || { echo "no bpffs mounted at $2"; exit 1; }
    "$1" --bpffs "$2" --run-dir "$3" del-dp oxmount || exit 1
    ! grep -q " $2 " /proc/self/mountinfo || { echo "the bpffs at $2 is still mounted"; exit 1; }' sh "$dpctl" "$work/empty" "$work/run" >"$work/out" 2>&1
  if [[ $? -eq 0 ]] && grep -qF "mounted a bpffs at $work/empty" "$work/out" && grep -qF "unmounted the bpffs at $work/empty" "$work/out"; then
    echo "ok: --bpffs EMPTY_DIR add-dp mounts (and says so), del-dp unmounts: $(head -1 "$work/out")"
  else
    fail "--bpffs EMPTY_DIR add-dp/del-dp:"; sed 's/^/    /' "$work/out"
  fi
  tool=$dpctl
else
  fail "cannot create network namespace $netns (run as root)"
fi

# Without privileges: a clear message, no crash, never "nothing there". As
# root the checks drop to nobody (setpriv, else Python); as another user they
# run as that user.
unprivileged() {
  if [[ $(id -u) -ne 0 ]]; then
    "$@"
  elif command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
  else
    python3 -c 'import os, sys; os.setgroups([]); os.setgid(65534); os.setuid(65534); os.execv(sys.argv[1], sys.argv[1:])' "$@"
  fi
}
cp "$src/samples/pcaps/demo.pcap" "$work/demo.pcap"
chmod 755 "$work" && chmod 644 "$work/demo.pcap"
unprivileged "$dpctl" parse-pcap "$work/demo.pcap" >"$work/out" 2>"$work/err"
got=$?
if [[ $got -eq 1 ]] && grep -q "needs root" "$work/err"; then
  echo "ok: unprivileged parse-pcap -> 1: $(head -1 "$work/err")"
else
  echo "FAIL: unprivileged parse-pcap -> $got:"; cat "$work/err"; failures=$((failures + 1))
fi
printf 'recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no) 2\n' >"$work/one.flows"
chmod 644 "$work/one.flows"
for cmd in "dump-flows x" "dump-flows" "add-dp x" "show x" "show" "del-dp x" "trace --flows $work/one.flows 1 505400000002505400000001080045000020"; do
  # shellcheck disable=SC2086
  unprivileged "$dpctl" $cmd >"$work/out" 2>"$work/err"
  got=$?
  if [[ $got -eq 1 ]] && grep -q "needs root" "$work/err"; then
    echo "ok: unprivileged $cmd -> $got: $(head -1 "$work/err")"
  else
    echo "FAIL: unprivileged $cmd -> $got:"; cat "$work/err" "$work/out"; failures=$((failures + 1))
  fi
done
exit $((failures > 0))
