#!/usr/bin/python3
"""Fail when a BPF object's BTF holds names the kernel's BTF verifier rejects.

C++ easily leaks template, namespace-qualified or operator names into BTF
(`key<4>`, `ovsxdp::flow_key`), and the kernel then refuses the whole object
with an obscure "Invalid name". We apply the kernel's rules (kernel/bpf/btf.c:
btf_name_valid_identifier / btf_name_valid_section, btf_func_check) at build time.
Usage: check_btf_names.py BPFTOOL OBJECT
"""
import re
import subprocess
import sys

IDENTIFIER = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
SECTION = re.compile(r'^[\x21-\x7e]+$')          # printable, no spaces
TYPE_LINE = re.compile(r"^\[(\d+)\] (\w+) '([^']*)'(.*)$")
MEMBER_LINE = re.compile(r"^\s+'([^']*)'(.*)$")
NEEDS_IDENTIFIER = {'STRUCT', 'UNION', 'ENUM', 'ENUM64', 'FWD', 'TYPEDEF', 'VAR', 'FUNC'}
MEMBER_KINDS = {'STRUCT', 'UNION', 'ENUM', 'ENUM64', 'FUNC_PROTO'}


def main():
    bpftool, obj = sys.argv[1], sys.argv[2]
    dump = subprocess.run([bpftool, 'btf', 'dump', 'file', obj, 'format', 'raw'],
                          check=True, capture_output=True, text=True).stdout
    errors, protos, funcs = [], {}, []
    kind = name = None
    for line in dump.splitlines():
        m = TYPE_LINE.match(line)
        if m:
            type_id, kind, name, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
            if kind in NEEDS_IDENTIFIER and name != '(anon)' and not IDENTIFIER.match(name):
                errors.append(f'{kind} "{name}": not a C identifier')
            if kind == 'DATASEC' and not SECTION.match(name):
                errors.append(f'DATASEC "{name}": not a valid section name')
            if kind == 'FUNC' and 'linkage=extern' not in rest:
                # Extern functions (kfuncs) are rewritten by libbpf before the
                # kernel sees them; only defined functions need named parameters.
                funcs.append((name, int(re.search(r'type_id=(\d+)', rest).group(1))))
            if kind == 'FUNC_PROTO':
                protos[type_id] = []
                current_proto = type_id
            continue
        m = MEMBER_LINE.match(line)
        if m and kind in MEMBER_KINDS:
            member = m.group(1)
            if kind == 'FUNC_PROTO':
                protos[current_proto].append((member, m.group(2)))
            elif member != '(anon)' and not IDENTIFIER.match(member):
                errors.append(f'member "{member}" of {kind} "{name}": not a C identifier')
    for func, proto_id in funcs:
        for index, (param, rest) in enumerate(protos.get(proto_id, []), start=1):
            if param == '(anon)' and 'type_id=0' not in rest:
                errors.append(f'FUNC "{func}": parameter #{index} has no name (the kernel says "Invalid arg#{index}")')
            elif param != '(anon)' and not IDENTIFIER.match(param):
                errors.append(f'FUNC "{func}": parameter "{param}" is not a C identifier')
    if errors:
        print(f'{obj}: BTF the kernel would reject:', file=sys.stderr)
        for e in sorted(set(errors)):
            print(f'  {e}', file=sys.stderr)
        print('Fix: give BPF-visible types plain global names (no templates/namespaces), '
              'name every parameter of non-inlined functions.', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
