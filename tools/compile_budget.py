#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The include-cost budget (issue: the C++ front door).

For each public header given, measures the compiler's CPU time for a translation unit that includes
only that header (`-fsyntax-only`), against one *baseline*: a translation unit that includes every
standard-library header the given headers pull in (found by following their `#include <meterkit/...>`
lines), i.e. the standard library a program using meterkit compiles anyway. The ratio
header/baseline is what a header costs in units of "the standard library alone"; the test fails when
a ratio is above its budget, so a header that starts pulling in a layer it does not need (the
reporter compiling the simulator) is caught.

CPU time (user + system of the compiler, best of --runs, header and baseline measured alternately)
rather than wall time, so that a loaded or drifting machine changes the ratio little. Third-party headers (nlohmann/json) count against the
header, not the baseline.

  tools/compile_budget.py --compiler g++ --include include meterkit/meterkit.hpp=6 ...
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile

INCLUDE_LINE = re.compile(r'^\s*#\s*include\s*<([^>]+)>', re.M)


def std_headers(include_dir, header):
    """The standard headers (no '/' and no '.') reachable from `header` through meterkit headers."""
    seen, std, todo = set(), set(), [header]
    while todo:
        h = todo.pop()
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(include_dir, h), encoding='utf-8') as f:
            for name in INCLUDE_LINE.findall(f.read()):
                if name.startswith('meterkit/'):
                    todo.append(name)
                elif '/' not in name and '.' not in name:
                    std.add(name)
    return sorted(std)


def cpu_seconds(compiler, include_dir, source):
    """CPU seconds (user + system) of one `-fsyntax-only` compile of `source`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'tu.cpp')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(source)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([compiler, '-std=c++20', '-fsyntax-only', '-I' + include_dir, path],
                              capture_output=True, text=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f'compile_budget: {compiler} failed on:\n{source}\n{done.stderr[:2000]}')
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def ratio_of(compiler, include_dir, header_src, baseline_src, runs):
    """Best header time over best baseline time, the two measured alternately so that a machine
    whose speed drifts (a shared virtual machine) moves both alike."""
    header, baseline = [], []
    for _ in range(runs):
        baseline.append(cpu_seconds(compiler, include_dir, baseline_src))
        header.append(cpu_seconds(compiler, include_dir, header_src))
    return min(header), min(baseline)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--compiler', required=True)
    parser.add_argument('--include', required=True, help='the include/ directory')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('budgets', nargs='+', help='HEADER=MAX_RATIO, e.g. meterkit/meterkit.hpp=6')
    args = parser.parse_args()

    budgets = []
    for item in args.budgets:
        header, _, limit = item.partition('=')
        if not limit:
            sys.exit(f'compile_budget: "{item}" must be HEADER=MAX_RATIO')
        budgets.append((header, float(limit)))
    std = sorted({s for header, _ in budgets for s in std_headers(args.include, header)})
    baseline_src = ''.join(f'#include <{s}>\n' for s in std)
    print(f'baseline: the {len(std)} standard headers these headers pull in')
    failed = []
    for header, limit in budgets:
        cost, baseline = ratio_of(args.compiler, args.include, f'#include <{header}>\n', baseline_src, args.runs)
        ratio = cost / baseline
        verdict = 'ok' if ratio <= limit else 'OVER BUDGET'
        print(f'{header}: {cost:.2f} s against {baseline:.2f} s = {ratio:.2f}x (budget {limit:.1f}x) {verdict}')
        if ratio > limit:
            failed.append(header)
    if failed:
        print('over budget: ' + ', '.join(failed) + ' (see README "Include cost")', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
