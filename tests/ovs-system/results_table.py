#!/usr/bin/python3
"""The README's table of Open vSwitch's system-traffic.at results: for each
feature group (AT_BANNER), how many tests pass, fail and skip with OVS's
userspace datapath and with ovsxdp on this machine.

  results_table.py SYSTEM_TRAFFIC_AT USERSPACE_TSV OVSXDP_TSV

The TSV files are run-system-traffic.sh's results ("pass|fail|skip<TAB>title");
tests of the userspace testsuite that are not in system-traffic.at are left out;
tests a macro defines (conntrack - FTP ...) are counted in their banner's group.
"""
import re
import sys


def groups(at_file):
    """Title -> banner; titles a macro makes ("conntrack - FTP $1") become
    patterns, matched against the titles the runs report."""
    banner, out, patterns = None, {}, []
    for line in open(at_file, encoding="utf-8"):
        m = re.match(r"AT_BANNER\(\[(.*)\]\)", line)
        if m:
            banner = m.group(1)
        m = re.search(r"AT_SETUP\(\[(.*?)\]\)", line)
        if m and "$" in m.group(1):
            pattern = re.sub(r"\\\$[0-9]", ".+", re.escape(m.group(1)))
            patterns.append((re.compile(pattern + "$"), banner))
        elif m and line.startswith("AT_SETUP"):
            out[m.group(1)] = banner
    return out, patterns


def results(tsv):
    out = {}
    for line in open(tsv, encoding="utf-8"):
        outcome, _, title = line.rstrip("\n").partition("\t")
        if title:
            out[title] = outcome
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    tests, patterns = groups(sys.argv[1])
    runs = [results(sys.argv[2]), results(sys.argv[3])]
    for title in runs[1]:
        for pattern, banner in patterns:
            if title not in tests and pattern.match(title):
                tests[title] = banner
    order = list(dict.fromkeys(tests.values()))
    print("| feature group | tests | userspace: pass / fail / skip | ovsxdp: pass / fail / skip |")
    print("|---|---|---|---|")
    totals = [[0, 0, 0], [0, 0, 0]]
    for g in order:
        titles = [t for t, b in tests.items() if b == g]
        cells = []
        for i, r in enumerate(runs):
            n = [sum(1 for t in titles if r.get(t) == o) for o in ("pass", "fail", "skip")]
            totals[i] = [a + b for a, b in zip(totals[i], n)]
            cells.append(" / ".join(map(str, n)))
        print(f"| {g} | {len(titles)} | {cells[0]} | {cells[1]} |")
    print(f"| all | {len(tests)} | {' / '.join(map(str, totals[0]))} | {' / '.join(map(str, totals[1]))} |")


main()
