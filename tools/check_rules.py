#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that every rule id cited in the tree has a section in docs/rules.md.

  tools/check_rules.py [--root DIR] [--rules FILE] [--quiet]

Rule ids are a family letter (M meters, L legacy usage records, I idempotency, B billing, P
pricing, W wire, D decisions; SPEC.md) and one or two digits: `M8`, `D21`. Code cites them in
comments, tests in their names (`M8_newer_arrival_replaces_older_in_hour`), the program in its
messages (`(D21)`), the README and docs/cli.md in their text. docs/rules.md defines an id with a
heading that starts with it (`### M8 — the latest arrival survives ...`, regex `^#+ +<ID>\b`).

What is scanned, below --root (default: the repository that holds this script): `include/`,
`apps/`, `tests/`, `tools/`, `benchmarks/`, `examples/`, `README.md` and `docs/cli.md`, whichever
exist. Never scanned: docs/rules.md itself (it defines the ids) and `single_include/` (generated
from include/, so every citation there is already one in include/).

Exit status: 1 when some cited id has no section, listing each such id once with the first
`file:line` that cites it (and how many citations it has); 0 otherwise. Ids that have a section
but are cited nowhere are reported as a warning, with exit status 0. 2 for a usage error (no
rules file).

How an id is matched, and why (false positives of the plain regex `\\b[MLIBPWD][0-9]{1,2}\\b`):

- The id must not follow a letter, a digit or `_`, and must not be followed by a letter or a
  digit. This is the `\\b` regex with one change: an id followed by `_` counts. Test names are
  where SPEC.md asks ids to be cited (`BOOST_AUTO_TEST_CASE(M8_newer_arrival_...)`), and with
  `\\b` they would not be seen, since `_` is a word character. The leading side still refuses
  `_`, so identifiers such as `test_P1` or `CLI11_x`, hex literals (`0xB1`, `\\xB1`) and words
  with an id inside (`HTTP1`, `LI11` in `CLI11`) never match.
- A range written `M7-M9` or `D1–D27` cites both ends; the ids between them count as cited for
  the "cited nowhere" warning only (a range is how a file says it implements a run of rules), so
  an undefined id is always reported by its own spelling.
- Only text is read: a file that is not valid UTF-8 or contains a NUL byte is skipped (the
  binary fixture `tests/e2e/cases/error_binary_garbage/usage.csv`, the meter_differential fuzz
  corpus), since any byte pair there may spell an id by chance.
- Fuzzer inputs are data, not prose: `tests/fuzz/corpus/` and `tests/fuzz/regressions/` are
  skipped (tools/fuzz.sh and libFuzzer add inputs there with arbitrary content). The e2e case
  folders are scanned: their expected outputs hold the program's real citations (`(D21)`), and
  their inputs held no false positive when this checker was written.
- The checker's own test fixtures (`tests/docs/fixture_*/`) are skipped when scanning the
  repository: each is a tree of its own, with its own docs/rules.md, checked with --root.
- A line that contains the marker `rule-ids: ignore` is skipped, for the rare text that must
  spell an id-like token that is not a citation. ALLOWED below lists (path, token, reason) for
  whole files; both are empty as of this writing, because the scan of the tree found no false
  positive with the rules above.
"""
import argparse
import collections
import pathlib
import re
import sys

ID = r"[MLIBPWD][0-9]{1,2}"
# An id not glued to a word on its left, nor to a letter or digit on its right ("_" may follow).
CITATION = re.compile(r"(?<![A-Za-z0-9_])(" + ID + r")(?![A-Za-z0-9])")
# "M7-M9", "D1–D27" (hyphen or en dash, optional spaces): a range of one family.
RANGE = re.compile(r"(?<![A-Za-z0-9_])([MLIBPWD])([0-9]{1,2})\s*[-–]\s*\1([0-9]{1,2})(?![A-Za-z0-9])")
HEADING = re.compile(r"^#+ +(" + ID + r")\b")
IGNORE_MARKER = "rule-ids: ignore"

SCANNED = ["include", "apps", "tests", "tools", "benchmarks", "examples", "README.md", "docs/cli.md"]
SKIPPED_DIRS = ["single_include", "tests/fuzz/corpus", "tests/fuzz/regressions"]
SKIPPED_GLOBS = ["tests/docs/fixture_*"]
# (path relative to the root, token, reason): tokens in that file that are not citations.
ALLOWED = []


def repo_root():
    return pathlib.Path(__file__).resolve().parent.parent


def is_skipped(rel, rules_rel):
    if rel == rules_rel:
        return True
    for d in SKIPPED_DIRS:
        if rel == d or rel.startswith(d + "/"):
            return True
    parts = pathlib.PurePosixPath(rel)
    for pattern in SKIPPED_GLOBS:
        depth = pattern.count("/") + 1
        if len(parts.parts) >= depth and pathlib.PurePosixPath(*parts.parts[:depth]).match(pattern):
            return True
    return False


def files_to_scan(root, rules_rel):
    for entry in SCANNED:
        path = root / entry
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file())
        else:
            continue
        for p in candidates:
            rel = p.relative_to(root).as_posix()
            if not is_skipped(rel, rules_rel) and "/__pycache__/" not in "/" + rel:
                yield rel, p


def read_text(path):
    """The file's text, or None when it is not text (not UTF-8, or a NUL byte)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def defined_ids(rules_path):
    ids = {}
    for number, line in enumerate(rules_path.read_text(encoding="utf-8").splitlines(), 1):
        m = HEADING.match(line)
        if m and m.group(1) not in ids:
            ids[m.group(1)] = number
    return ids


def sort_key(rule_id):
    return ("MLIBPWD".index(rule_id[0]), int(rule_id[1:]))


def scan(root, rules_rel):
    """Every explicit citation as {id: [(file, line), ...]}, and the ids covered by ranges."""
    cited = collections.defaultdict(list)
    in_ranges = set()
    allowed = {(path, token) for path, token, _reason in ALLOWED}
    for rel, path in files_to_scan(root, rules_rel):
        text = read_text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if IGNORE_MARKER in line:
                continue
            for m in CITATION.finditer(line):
                if (rel, m.group(1)) not in allowed:
                    cited[m.group(1)].append((rel, number))
            for m in RANGE.finditer(line):
                family, first, last = m.group(1), int(m.group(2)), int(m.group(3))
                for n in range(first, last + 1):
                    in_ranges.add(family + str(n))
    return cited, in_ranges


def edition_problems(root, rules, defined_count):
    """The rule book's edition against include/meterkit/version.hpp (when the tree has one): the
    same date, and the number of rules the book defines."""
    version = root / "include" / "meterkit" / "version.hpp"
    if not version.is_file():
        return []
    book = re.search(r"\*\*Edition\.\*\* (\d{4}-\d{2}-\d{2}), (\d+) rules\.", rules.read_text(encoding="utf-8"))
    text = version.read_text(encoding="utf-8")
    date = re.search(r'#define METERKIT_RULE_BOOK_EDITION "([^"]*)"', text)
    count = re.search(r"#define METERKIT_RULE_BOOK_RULES (\d+)", text)
    if not book:
        return ["%s: no \"**Edition.** YYYY-MM-DD, N rules.\" line" % rules.name]
    if not date or not count:
        return ["%s: no METERKIT_RULE_BOOK_EDITION or METERKIT_RULE_BOOK_RULES" % version]
    problems = []
    if book.group(1) != date.group(1):
        problems.append("the book's edition is %s, version.hpp says %s" % (book.group(1), date.group(1)))
    for where, n in (("the book's edition line", book.group(2)), ("version.hpp", count.group(1))):
        if int(n) != defined_count:
            problems.append("%s says %s rules, the book defines %d" % (where, n, defined_count))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path, default=None,
                        help="tree to check (default: the repository that holds this script)")
    parser.add_argument("--rules", type=pathlib.Path, default=None,
                        help="the rulebook (default: ROOT/docs/rules.md)")
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    args = parser.parse_args(argv)

    root = (args.root or repo_root()).resolve()
    rules = (args.rules or root / "docs" / "rules.md").resolve()
    if not rules.is_file():
        print("check_rules: %s: no such rules file" % rules, file=sys.stderr)
        return 2
    try:
        rules_rel = rules.relative_to(root).as_posix()
    except ValueError:
        rules_rel = None

    defined = defined_ids(rules)
    cited, in_ranges = scan(root, rules_rel)
    shown_rules = rules_rel or str(rules)

    undefined = sorted((i for i in cited if i not in defined), key=sort_key)
    for rule_id in undefined:
        where = cited[rule_id]
        more = len(where) - 1
        print("%s:%d: %s is cited but %s has no heading for it%s" %
              (where[0][0], where[0][1], rule_id, shown_rules,
               " (%d more citation%s)" % (more, "s" if more != 1 else "") if more else ""))

    unused = sorted((i for i in defined if i not in cited and i not in in_ranges), key=sort_key)
    for rule_id in unused:
        print("%s:%d: warning: %s has a section but nothing cites it" % (shown_rules, defined[rule_id], rule_id))

    edition = edition_problems(root, rules, len(defined))
    for problem in edition:
        print("check_rules: edition: %s" % problem, file=sys.stderr)
    if edition:
        return 1
    if undefined:
        print("check_rules: %d cited id%s without a section in %s" %
              (len(undefined), "" if len(undefined) == 1 else "s", shown_rules), file=sys.stderr)
        return 1
    if not args.quiet:
        citations = sum(len(v) for v in cited.values())
        print("check_rules: %d ids defined, %d cited (%d citations), all defined; %d warning%s" %
              (len(defined), len(cited), citations, len(unused), "" if len(unused) == 1 else "s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
