#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes every README code block marked `<!-- snippet: NAME -->` to OUT_DIR/NAME.cpp.

  python3 tools/readme_snippets.py README.md OUT_DIR

The marker stands on the line before a ```cpp block; the block must be a whole program. The test suite
compiles and runs each one (tests/readme), so the README cannot drift from the library.
"""
import pathlib
import re
import sys

MARK = re.compile(r"^<!--\s*snippet:\s*([A-Za-z0-9_]+)\s*-->\s*$")


def main():
    readme, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    lines = readme.read_text(encoding="utf-8").splitlines()
    out.mkdir(parents=True, exist_ok=True)
    names = []
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        if i + 1 >= len(lines) or lines[i + 1].strip() != "```cpp":
            sys.exit("%s:%d: snippet %s must be followed by a ```cpp block" % (readme, i + 1, name))
        body = []
        j = i + 2
        while j < len(lines) and lines[j].strip() != "```":
            body.append(lines[j])
            j += 1
        if j == len(lines):
            sys.exit("%s:%d: snippet %s is not closed" % (readme, i + 1, name))
        if name in names:
            sys.exit("%s:%d: snippet %s appears twice" % (readme, i + 1, name))
        names.append(name)
        text = "// Extracted from %s line %d by tools/readme_snippets.py\n%s\n" % (readme.name, i + 3, "\n".join(body))
        target = out / (name + ".cpp")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        i = j + 1
    if not names:
        sys.exit("%s: no snippets found" % readme)
    print(";".join(names), end="")


if __name__ == "__main__":
    main()
