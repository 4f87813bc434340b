#!/usr/bin/python3
"""Differential conformance: every case through Open vSwitch 3.1's dummy
datapath and through `ovsxdp-dpctl trace --flows`; every emitted packet and
its port compared byte for byte.

  run_conformance.py DPCTL                    the corpus (tests/conformance/corpus.py)
  run_conformance.py DPCTL --random N [--seed S]   N random valid flows and packets too
  run_conformance.py DPCTL --random N --only-random   (by hand: as many as you like)

A random case that mismatches is printed in the form of regressions.txt:
once understood and fixed, it goes there and runs with the corpus forever.
Masking, documented: where a hash picks the output port (select groups:
OVS's hash is not Linux's), the ports of the group count as one.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "oracle"))

from corpus import PORTS, Case, all_cases  # noqa: E402
from ovs_oracle import OvsError, OvsOracle, trace_outputs, tx_outputs  # noqa: E402


def ovs_outputs(o):
    return tx_outputs(o, PORTS)


def masked(outputs, hash_ports):
    """The ports a hash chooses among count as one (documented masking)."""
    if not hash_ports:
        return outputs
    out = {}
    for port, pkts in outputs.items():
        key = "any of %s" % "/".join(map(str, hash_ports)) if port in hash_ports else port
        out.setdefault(key, []).extend(pkts)
    return out


class Runner:
    def __init__(self, dpctl, oracle, work):
        self.dpctl, self.o, self.work = dpctl, oracle, work
        self.compared = self.failed = self.known = 0
        self.of_loaded = None

    def ovsxdp(self, flows_text, case):
        path = os.path.join(self.work, "flows.txt")
        with open(path, "w") as f:
            f.write(flows_text)
        r = subprocess.run([self.dpctl, "trace", "--flows", path, str(case.in_port), case.packet.hex()],
                           capture_output=True, text=True)
        if r.returncode:
            return None, r.stderr.strip()
        return trace_outputs(r.stdout), r.stdout

    def reference_dp(self, case):
        o = self.o
        if self.of_loaded:
            o.ofctl("del-flows", "br0")
            o.ofctl("-O", "OpenFlow15", "del-groups", "br0")
            o.settle()
            self.of_loaded = None
        o.flush()
        o.clear_tx()
        for key, actions in case.flows:
            o.add_dp_flow(key, actions)
        o.inject("p%d" % case.in_port, case.packet.hex())
        return ovs_outputs(o)

    def reference_openflow(self, case):
        """OVS translates the rules; returns (outputs, its datapath flows)."""
        o = self.o
        if self.of_loaded != (case.openflow, case.groups):
            o.ofctl("del-flows", "br0")
            o.ofctl("-O", "OpenFlow15", "del-groups", "br0")
            if case.groups:
                o.ofctl("-O", "OpenFlow15", "add-group", "br0", case.groups)
            o.ofctl("-O", "OpenFlow15", "add-flow", "br0", case.openflow)
            o.settle()
            self.of_loaded = (case.openflow, case.groups)
        o.flush()
        o.clear_tx()
        if case.hash_ports:
            # Let OVS install a flow for every bucket: our hash may pick another.
            from scapy.all import Ether, UDP
            for sport in range(1000, 1032):
                p = Ether(case.packet)
                if UDP in p:
                    p[UDP].sport = sport
                    del p[UDP].chksum
                o.inject("p%d" % case.in_port, bytes(p).hex())
            o.clear_tx()
        o.inject("p%d" % case.in_port, case.packet.hex())  # slow path, installs the flow
        first = ovs_outputs(o)
        o.inject("p%d" % case.in_port, case.packet.hex())  # through the datapath flow
        second = ovs_outputs(o)
        if masked(first, case.hash_ports) != masked(second, case.hash_ports):
            raise OvsError("OVS's slow path and its datapath flow disagree: %s vs %s" % (first, second))
        return second, o.dump_flows(verbose=True)

    def run(self, case, show_failure_as_regression=False):
        try:
            if case.openflow:
                expected, dump = self.reference_openflow(case)
                flows_text = "\n".join(dump) + "\n"
            else:
                expected = self.reference_dp(case)
                flows_text = "".join("%s %s\n" % f for f in case.flows)
        except OvsError as e:
            self.failed += 1
            print("FAIL: %s: Open vSwitch refused the case: %s" % (case.name, e))
            return False
        got, detail = self.ovsxdp(flows_text, case)
        self.compared += 1
        ovs_said = expected
        if case.linux is not None:
            expected = case.linux
        if got is None:
            ok = False
            detail = "ovsxdp refused: " + detail
        else:
            ok = masked(got, case.hash_ports) == masked(expected, case.hash_ports)
        if ok and case.linux is not None:
            self.known += 1
            print("ok: %s (known difference: %s; Open vSwitch userspace gave %s)" % (case.name, case.reason, ovs_said))
        elif ok:
            print("ok: %s" % case.name)
        else:
            self.failed += 1
            print("FAIL: %s\n  flows:\n%s  in_port %d, packet %s\n  expected: %s\n  ovsxdp:   %s" % (
                case.name, "".join("    " + l + "\n" for l in flows_text.splitlines()), case.in_port, case.packet.hex(),
                expected, got if got is not None else detail))
            if show_failure_as_regression:
                print("  as a regression case:\ncase %s\n%sin_port %d\npacket %s\nend" % (
                    case.name, "".join("flow %s %s\n" % f for f in case.flows), case.in_port, case.packet.hex()))
        return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dpctl")
    parser.add_argument("--random", type=int, default=0, help="also run N random cases")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--only-random", action="store_true")
    parser.add_argument("--only", default="", help="run only corpus cases whose name contains this")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (BPF, namespaces)")
        return 1 if os.environ.get("CI") == "true" else 77
    cases = [] if args.only_random else [c for c in all_cases() if args.only in c.name]
    if args.seed is None and os.environ.get("OVSXDP_CONFORMANCE_SEED"):
        args.seed = int(os.environ["OVSXDP_CONFORMANCE_SEED"])
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    if args.random:
        from generator import random_cases
        cases += random_cases(args.dpctl, args.random, seed)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ovsxdp-conformance-") as work, \
            OvsOracle(ports={"p%d" % p: p for p in PORTS}) as o:
        runner = Runner(args.dpctl, o, work)
        for c in cases:
            runner.run(c, show_failure_as_regression=c.name.startswith("random"))
    elapsed = time.monotonic() - start
    print("\n%d cases compared with Open vSwitch 3.1 (%d corpus, %d random with seed %d), %d known Linux-vs-userspace "
          "differences checked against Linux's behaviour, %d failures, %.0f s"
          % (runner.compared, len(cases) - args.random, args.random, seed, runner.known, runner.failed, elapsed))
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
