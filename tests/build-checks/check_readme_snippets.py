#!/usr/bin/python3
"""Code the README shows must be the code the build compiles and the tests run.

A line `<!-- snippet: PATH -->` in README.md must be followed by a fenced code
block whose content equals the file PATH (relative to the repository root).
Fails, with a diff, on any difference, and when the README has no snippet.
With --update, rewrites the README's snippets from the files instead.
"""
import difflib
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
update = "--update" in sys.argv[2:]
readme = (root / "README.md").read_text().splitlines()
replacements = []
checked = 0
errors = []
for i, line in enumerate(readme):
    m = re.fullmatch(r"<!-- snippet: (\S+) -->", line.strip())
    if not m:
        continue
    j = i + 1
    while j < len(readme) and not readme[j].startswith("```"):
        j += 1
    end = j + 1
    while end < len(readme) and not readme[end].startswith("```"):
        end += 1
    if j >= len(readme) or end >= len(readme):
        errors.append(f"README.md:{i + 1}: snippet {m.group(1)} has no fenced code block after it")
        continue
    shown = readme[j + 1:end]
    actual = (root / m.group(1)).read_text().splitlines()
    if shown != actual and update:
        replacements.append((j + 1, end, actual))
    elif shown != actual:
        diff = "\n".join(difflib.unified_diff(actual, shown, m.group(1), "README.md", lineterm=""))
        errors.append(f"README.md:{i + 1}: the snippet differs from {m.group(1)}:\n{diff}")
    checked += 1
for start, end, lines in reversed(replacements):
    readme[start:end] = lines
if replacements:
    (root / "README.md").write_text("\n".join(readme) + "\n")
    print(f"updated {len(replacements)} README snippets")
if not checked:
    errors.append("README.md has no <!-- snippet: PATH --> markers; this check would check nothing")
for e in errors:
    print(e, file=sys.stderr)
print(f"{checked} README snippets checked, {len(errors)} problems")
sys.exit(1 if errors else 0)
