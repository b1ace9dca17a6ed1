#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the .cpp files below a folder of the repository, one a line, sorted (meson has no glob)."""
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
folder = root / sys.argv[1]
for p in sorted(folder.rglob("*.cpp")):
    rel = p.relative_to(root).as_posix()
    if rel != "tests/unit/main.cpp" and "/fuzz/" not in rel:
        print(rel)
