#!/usr/bin/python3
"""Code the documentation shows must be the code the build compiles and the tests run.

A line `<!-- snippet: PATH -->` in README.md or docs/*.md must be followed by
a fenced code block whose content equals the file PATH (relative to the
repository root). Fails, with a diff, on any difference, and when no document
has a snippet. With --update, rewrites the documents' snippets from the files
instead.

Then runs check_doc_links.py (its self-test, then the documents): every
relative link and anchor leads somewhere, and README.md links every docs/*.md.
"""
import difflib
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check_doc_links  # noqa: E402

root = pathlib.Path(sys.argv[1])
update = "--update" in sys.argv[2:]
documents = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
checked = 0
errors = []
for document in documents:
    name = document.relative_to(root).as_posix()
    lines = document.read_text().splitlines()
    replacements = []
    for i, line in enumerate(lines):
        m = re.fullmatch(r"<!-- snippet: (\S+) -->", line.strip())
        if not m:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        end = j + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if j >= len(lines) or end >= len(lines):
            errors.append(f"{name}:{i + 1}: snippet {m.group(1)} has no fenced code block after it")
            continue
        source = root / m.group(1)
        if not source.is_file():
            errors.append(f"{name}:{i + 1}: snippet {m.group(1)}: no such file")
            continue
        shown = lines[j + 1:end]
        actual = source.read_text().splitlines()
        if shown != actual and update:
            replacements.append((j + 1, end, actual))
        elif shown != actual:
            diff = "\n".join(difflib.unified_diff(actual, shown, m.group(1), name, lineterm=""))
            errors.append(f"{name}:{i + 1}: the snippet differs from {m.group(1)}:\n{diff}")
        checked += 1
    for start, end, new in reversed(replacements):
        lines[start:end] = new
    if replacements:
        document.write_text("\n".join(lines) + "\n")
        print(f"{name}: updated {len(replacements)} snippets")
if not checked:
    errors.append("no <!-- snippet: PATH --> markers in README.md or docs/*.md; this check would check nothing")
snippet_problems = len(errors)
errors += check_doc_links.self_test()
links, _, link_errors = check_doc_links.check(root)
errors += link_errors
for e in errors:
    print(e, file=sys.stderr)
print(f"{checked} snippets checked in {len(documents)} documents, {snippet_problems} problems")
print(f"{links} links checked, {len(errors) - snippet_problems} problems")
sys.exit(1 if errors else 0)
