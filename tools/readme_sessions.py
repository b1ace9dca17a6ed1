#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the README's terminal sessions against the real program.

A session is a ```console block right after a `<!-- session: NAME -->` line. Its first line is a
command, `$ meterkit ARGS...` (no pipes, no shell: arguments split as a POSIX shell would), and the
lines after it are what the command prints on standard output. A line `...` stands for lines left
out: the shown lines must then appear in the output in order, each run of them contiguous; without
`...` the output must be exactly the shown lines. The command runs from the repository root.

  python3 tools/readme_sessions.py README.md --list
  python3 tools/readme_sessions.py README.md --run NAME --binary build/dev/apps/meterkit/meterkit
"""

import argparse
import pathlib
import re
import shlex
import subprocess
import sys

MARK = re.compile(r"^<!--\s*session:\s*([A-Za-z0-9_]+)\s*-->\s*$")


def sessions(readme):
    lines = readme.read_text(encoding="utf-8").splitlines()
    out = {}
    for i, line in enumerate(lines):
        m = MARK.match(line)
        if not m:
            continue
        name = m.group(1)
        if i + 1 >= len(lines) or lines[i + 1].strip() != "```console":
            sys.exit("%s:%d: session %s must be followed by a ```console block" % (readme, i + 1, name))
        body = []
        for j in range(i + 2, len(lines)):
            if lines[j].strip() == "```":
                break
            body.append(lines[j])
        else:
            sys.exit("%s:%d: session %s is not closed" % (readme, i + 1, name))
        if not body or not body[0].startswith("$ meterkit "):
            sys.exit("%s:%d: session %s must start with a line '$ meterkit ...'" % (readme, i + 3, name))
        if name in out:
            sys.exit("%s:%d: session %s appears twice" % (readme, i + 1, name))
        out[name] = (i + 3, shlex.split(body[0][2:])[1:], body[1:])
    return out


def runs(shown):
    """The shown output as runs of lines that must each appear contiguously, in order."""
    chunks, current = [], []
    for line in shown:
        if line.strip() == "...":
            chunks.append(current)
            current = []
        else:
            current.append(line)
    chunks.append(current)
    return chunks


def check(readme, name, binary, repo):
    line, args, shown = sessions(readme)[name]
    done = subprocess.run([binary] + args, cwd=repo, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit("%s:%d: session %s exited %d: %s" % (readme, line, name, done.returncode, done.stderr))
    got = done.stdout.rstrip("\n").splitlines()
    chunks = runs(shown)
    if len(chunks) == 1:
        if got != chunks[0]:
            sys.exit("%s:%d: session %s prints something else; it prints:\n%s" % (readme, line, name, done.stdout))
        return
    at = 0
    for chunk in chunks:
        if not chunk:
            continue
        found = next((k for k in range(at, len(got) - len(chunk) + 1) if got[k:k + len(chunk)] == chunk), None)
        if found is None:
            sys.exit("%s:%d: session %s: these lines are not in the output (in this order):\n%s\n--- it prints:\n%s"
                     % (readme, line, name, "\n".join(chunk), done.stdout))
        at = found + len(chunk)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("readme", type=pathlib.Path)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--run")
    ap.add_argument("--binary")
    ap.add_argument("--repo", default=".")
    a = ap.parse_args()
    if a.list:
        names = sorted(sessions(a.readme))
        if not names:
            sys.exit("%s: no sessions found" % a.readme)
        print(";".join(names), end="")
        return
    if not a.run or not a.binary:
        sys.exit("give --list, or --run NAME with --binary PATH")
    check(a.readme, a.run, a.binary, a.repo)
    print("ok   readme session %s" % a.run)


if __name__ == "__main__":
    main()
