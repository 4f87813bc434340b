#!/usr/bin/python3
"""The documents' links lead somewhere.

In README.md and docs/*.md, every relative link `[text](PATH)` must name a
file or directory of the repository, every `#anchor` (alone, or after a
Markdown PATH) must be a heading of that document under GitHub's anchor
rules, and README.md must link every docs/*.md. Links in fenced code blocks
and inline code are not links and are skipped; http(s) and mailto links are
not followed.

Usage: check_doc_links.py ROOT      check ROOT's documents
       check_doc_links.py --self-test  check that a broken link of each kind is reported
check_readme_snippets.py runs both, so the readme_snippets test covers links too.
"""
import pathlib
import re
import sys
import tempfile

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) or [text](target "title"); text may hold inline code.
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fenced = None
    for number, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            if fenced is None:
                fenced = m.group(1)
            elif m.group(1) == fenced:
                fenced = None
            continue
        if fenced is None:
            yield number, line


def slug(heading):
    """GitHub's anchor for a heading: rendered text, lowercased, punctuation
    other than '-' and '_' dropped, each space a '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text)                          # inline HTML shows nothing
    text = text.replace("`", "").replace("*", "")
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text):
    """Every anchor the document's headings make, duplicates numbered as GitHub does."""
    seen = {}
    result = set()
    for _, line in prose_lines(text):
        m = HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(text):
    for number, line in prose_lines(text):
        for m in LINK.finditer(INLINE_CODE.sub("", line)):
            yield number, m.group(1)


def check(root):
    root = root.resolve()
    documents = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    errors = []
    anchor_cache = {}

    def anchors_of(path):
        if path not in anchor_cache:
            anchor_cache[path] = anchors(path.read_text())
        return anchor_cache[path]

    linked_from_readme = set()
    count = 0
    for document in documents:
        name = document.relative_to(root).as_posix()
        for number, target in links(document.read_text()):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
                continue
            count += 1
            path_part, _, anchor = target.partition("#")
            where = f"{name}:{number}: link '{target}'"
            if path_part:
                resolved = (document.parent / path_part).resolve()
                try:
                    shown = resolved.relative_to(root).as_posix()
                except ValueError:
                    errors.append(f"{where} leaves the repository")
                    continue
                if not resolved.exists():
                    errors.append(f"{where}: no file or directory {shown}")
                    continue
                if document.name == "README.md" and document.parent == root:
                    linked_from_readme.add(resolved)
            else:
                resolved = document
            if anchor:
                if resolved.suffix != ".md" or not resolved.is_file():
                    errors.append(f"{where}: an anchor in {resolved.name}, which is not a Markdown file")
                elif anchor not in anchors_of(resolved):
                    known = ", ".join(sorted(anchors_of(resolved)))
                    errors.append(f"{where}: no heading with anchor #{anchor} in "
                                  f"{resolved.relative_to(root).as_posix()} (its anchors: {known})")
    for document in documents[1:]:
        if document.resolve() not in linked_from_readme:
            errors.append(f"README.md does not link {document.relative_to(root).as_posix()}")
    return count, len(documents), errors


def self_test():
    """Each kind of broken link must be reported; a good one must not."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        (root / "docs").mkdir()
        (root / "src").mkdir()
        (root / "src" / "a.cpp").write_text("")
        (root / "README.md").write_text(
            "# Front page\n"
            "[good](docs/topic.md#the-topic-for-operators) [good](#front-page) [good](src/a.cpp) [good](src/)\n"
            "[missing file](docs/nosuch.md) [missing anchor](docs/topic.md#nosuch)\n"
            "`[not a link](nosuch.md)`\n"
            "```\n[not a link](nosuch.md)\n```\n")
        (root / "docs" / "topic.md").write_text(
            "# The topic (for `operators`)\n## Twice\n## Twice\n"
            "[good](#twice-1) [good](../README.md#front-page) [bad anchor](#twice-2)\n"
            "[outside](../../elsewhere.md) [anchor in code](../src/a.cpp#L1)\n")
        (root / "docs" / "orphan.md").write_text("# Orphan\n")
        _, _, errors = check(root)
    expected = ["README.md:3: link 'docs/nosuch.md'", "README.md:3: link 'docs/topic.md#nosuch'",
                "docs/topic.md:4: link '#twice-2'", "docs/topic.md:5: link '../../elsewhere.md'",
                "docs/topic.md:5: link '../src/a.cpp#L1'", "README.md does not link docs/orphan.md"]
    missed = [e for e in expected if not any(x.startswith(e) for x in errors)]
    unexpected = [x for x in errors if not any(x.startswith(e) for e in expected)]
    problems = [f"self-test: not reported: {e}" for e in missed] + [f"self-test: reported wrongly: {x}" for x in unexpected]
    return problems


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        problems = self_test()
    else:
        count, documents, problems = check(pathlib.Path(sys.argv[1]))
        print(f"{count} links checked in {documents} documents")
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)
