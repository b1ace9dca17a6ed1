#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the built `meterkit` program on end-to-end fixture folders and checks what it did.

  run_case.py --binary build/apps/meterkit/meterkit --repo . tests/e2e/cases/<case> [<case> ...]
  run_case.py --update ...   rewrite the expected files of the cases from what the program printed

Each case folder holds the inputs and a `case.json`:

  {
    "args": ["simulate", "--plan", "plan.json", "--input", "usage.csv", "--format", "json"],
    "shared": ["plan.json"],            files copied from tests/e2e/shared/ next to the inputs
    "generate": [{"path": "big.jsonl", "text": "{\\"a\\": \\"", "repeat": "x", "times": 70000000,
                  "suffix": "\\"}\\n"},
                 {"path": "many.csv", "header": "event_name\\n", "line": "api,{n}\\n", "count": 10}],
    "stdin": "usage.csv" | "stdin_pipe": "usage.csv" | "stdin_text": "...",
                                                 standard input: a file of the folder redirected (as
                                                 `< usage.csv`), its bytes or this text through a pipe;
                                                 default: an empty pipe
    "symlinks": {"out.json": "real/out.json"},   symbolic links made before the run (link: target)
    "exit": 0,
    "stdout": {"json": "expected.json"} | {"text": "expected.txt"} | {"contains": ["..."]} | {"empty": true},
    "stderr": {"text": "expected_stderr.txt"} | {"contains": ["..."]} | {"empty": true},
    "files": {"out.json": {"json": "expected.json"}},   files that must exist afterwards
    "absent": ["out.json"],                              files that must not exist afterwards
    "links": ["out.json"],                               files that must still be symbolic links afterwards
    "variants": [["--materialize"]],                     the same run with these arguments appended
                                                         must give the same results
    "env": {"TMPDIR": "missing"},                        the environment has these variables too
    "file_size_limit": 100000,                           no file the run writes may grow past this
                                                         many bytes (RLIMIT_FSIZE, SIGXFSZ ignored:
                                                         a write past it fails as on a full disk)
    "terminal": {"columns": 72, "env": {"NO_COLOR": "1"}}  standard output is a terminal (a pseudo-
                                                         terminal in raw mode, this wide) and the
                                                         environment has these variables; with
                  "stderr": true                         standard error is another one
  }

The program runs in a temporary copy of the folder, so that sources and messages name files as
`usage.csv:3`, and nothing is written into the source tree. A path starting with `@` is relative to
the repository root (the examples). JSON is compared as values; text exactly. Every run must end
with the expected exit status, leave no temporary file behind, and print valid UTF-8.
"""
import argparse
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def first_difference(expected, actual, path="$"):
    """A readable description of where two JSON values differ, or None."""
    if type(expected) is not type(actual):
        return "%s: expected %s, got %s" % (path, json.dumps(expected)[:200], json.dumps(actual)[:200])
    if isinstance(expected, dict):
        for key in expected:
            if key not in actual:
                return "%s: missing member %r" % (path, key)
        for key in actual:
            if key not in expected:
                return "%s: unexpected member %r = %s" % (path, key, json.dumps(actual[key])[:200])
        for key in expected:
            d = first_difference(expected[key], actual[key], "%s.%s" % (path, key))
            if d:
                return d
        return None
    if isinstance(expected, list):
        for i, (e, a) in enumerate(zip(expected, actual)):
            d = first_difference(e, a, "%s[%d]" % (path, i))
            if d:
                return d
        if len(expected) != len(actual):
            return "%s: expected %d elements, got %d" % (path, len(expected), len(actual))
        return None
    if expected != actual:
        return "%s: expected %s, got %s" % (path, json.dumps(expected), json.dumps(actual))
    return None


class Case:
    def __init__(self, folder, binary, repo, update):
        self.folder = pathlib.Path(folder).resolve()
        self.binary = binary
        self.repo = pathlib.Path(repo).resolve()
        self.update = update
        self.spec = json.loads((self.folder / "case.json").read_text(encoding="utf-8"))
        self.problems = []

    def source(self, name):
        return self.repo / name[1:] if name.startswith("@") else self.folder / name

    def fail(self, message):
        self.problems.append(message)

    def check_json(self, what, text, expected_name):
        try:
            actual = json.loads(text)
        except ValueError as e:
            self.fail("%s is not JSON (%s): %s" % (what, e, text[:500]))
            return
        path = self.source(expected_name)
        if self.update:
            path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            return
        if not path.is_file():
            self.fail("%s: the expected file %s is missing (run_case.py --update writes it)" % (what, expected_name))
            return
        expected = json.loads(path.read_text(encoding="utf-8"))
        d = first_difference(expected, actual)
        if d:
            self.fail("%s differs from %s: %s" % (what, expected_name, d))

    def check_text(self, what, text, expected_name):
        path = self.source(expected_name)
        if self.update:
            path.write_text(text, encoding="utf-8", newline="")
            return
        if not path.is_file():
            self.fail("%s: the expected file %s is missing (run_case.py --update writes it)" % (what, expected_name))
            return
        expected = path.read_text(encoding="utf-8")
        if expected != text:
            exp_lines, act_lines = expected.splitlines(), text.splitlines()
            for i, (e, a) in enumerate(zip(exp_lines + [""] * len(act_lines), act_lines + [""] * len(exp_lines))):
                if e != a:
                    self.fail("%s differs from %s at line %d:\n  expected: %r\n  got:      %r" %
                              (what, expected_name, i + 1, e, a))
                    break

    def check_stream(self, what, raw, rule):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail("%s is not valid UTF-8: %s" % (what, e))
            return
        if rule is None:
            return
        if rule.get("empty") and text:
            self.fail("%s should be empty, got: %s" % (what, text[:500]))
        if "json" in rule:
            self.check_json(what, text, rule["json"])
        if "text" in rule:
            self.check_text(what, text, rule["text"])
        for needle in rule.get("contains", []):
            if needle not in text:
                self.fail("%s does not contain %r; it is:\n%s" % (what, needle, text[:2000]))

    def generate(self, work):
        for g in self.spec.get("generate", []):
            with open(work / g["path"], "w", encoding="utf-8", newline="") as f:
                if "repeat" in g:
                    f.write(g.get("text", ""))
                    chunk = g["repeat"] * 65536
                    left = g["times"]
                    while left > 0:
                        n = min(left, 65536)
                        f.write(chunk[: n * len(g["repeat"])])
                        left -= n
                    f.write(g.get("suffix", ""))
                else:
                    f.write(g.get("header", ""))
                    for n in range(g["count"]):
                        f.write(g["line"].replace("{n}", str(n)))

    def file_size_limited(self):
        """What limits the size of the files the run writes, before it starts (or None)."""
        limit = self.spec.get("file_size_limit")
        if limit is None:
            return None

        def limited():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        return limited

    def run_once(self, extra, update):
        with tempfile.TemporaryDirectory(prefix="meterkit_e2e_") as tmp:
            work = pathlib.Path(tmp) / self.folder.name
            shutil.copytree(self.folder, work)
            for name in self.spec.get("shared", []):
                shutil.copy(HERE / "shared" / name, work / pathlib.Path(name).name)
            self.generate(work)
            for link, target in self.spec.get("symlinks", {}).items():
                os.symlink(target, work / link)
            self.update = update
            stdin_file = open(work / self.spec["stdin"], "rb") if "stdin" in self.spec else None
            stdin_text = None
            if stdin_file is None:
                stdin_text = ((work / self.spec["stdin_pipe"]).read_bytes() if "stdin_pipe" in self.spec else
                              self.spec.get("stdin_text", "").encode("utf-8"))
            try:
                if "terminal" in self.spec:
                    proc = self.run_on_terminal(work, extra, stdin_text)
                else:
                    env = dict(os.environ)
                    env.update(self.spec.get("env", {}))
                    proc = subprocess.run([self.binary] + self.spec["args"] + extra, cwd=work, capture_output=True,
                                          stdin=stdin_file, input=stdin_text, env=env,
                                          timeout=self.spec.get("timeout", 300),
                                          preexec_fn=self.file_size_limited())
            except subprocess.TimeoutExpired:
                self.fail("timed out")
                return
            finally:
                if stdin_file is not None:
                    stdin_file.close()
            want = self.spec.get("exit", 0)
            if proc.returncode != want:
                self.fail("exit status %d, expected %d; stderr:\n%s" %
                          (proc.returncode, want, proc.stderr.decode("utf-8", "replace")[:2000]))
            self.check_stream("stdout", proc.stdout, self.spec.get("stdout"))
            self.check_stream("stderr", proc.stderr, self.spec.get("stderr"))
            for name, rule in self.spec.get("files", {}).items():
                path = work / name
                if not path.is_file():
                    self.fail("the program did not write %s" % name)
                    continue
                self.check_stream(name, path.read_bytes(), rule)
            for name in self.spec.get("absent", []):
                if (work / name).exists():
                    self.fail("%s exists but should not" % name)
            for name in self.spec.get("links", []):
                if not (work / name).is_symlink():
                    self.fail("%s is no longer a symbolic link" % name)
            leftovers = [p.name for p in work.rglob(".*.tmp-*")]
            if leftovers:
                self.fail("temporary files left behind: %s" % ", ".join(leftovers))

    def run_on_terminal(self, work, extra, stdin_text):
        """Runs the program with standard output on a pseudo-terminal of the case's width."""
        import fcntl
        import pty
        import struct
        import termios
        import threading
        import tty
        spec = self.spec["terminal"]
        master, slave = pty.openpty()
        tty.setraw(slave)  # no line discipline: the bytes as the program wrote them
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, spec.get("columns", 80), 0, 0))
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        env["TERM"] = "xterm"
        env.update(spec.get("env", {}))
        terminals = [(master, slave, [])]
        if spec.get("stderr"):
            err_master, err_slave = pty.openpty()
            tty.setraw(err_slave)
            terminals.append((err_master, err_slave, []))

        def drain(fd, chunks):
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the program closed its end
                    return
                if not data:
                    return
                chunks.append(data)

        readers = [threading.Thread(target=drain, args=(m, c)) for m, _, c in terminals]
        for r in readers:
            r.start()
        try:
            proc = subprocess.run([self.binary] + self.spec["args"] + extra, cwd=work, stdout=slave,
                                  stderr=terminals[1][1] if len(terminals) > 1 else subprocess.PIPE,
                                  input=stdin_text, env=env, timeout=self.spec.get("timeout", 300))
        finally:
            for m, sl, _ in terminals:
                os.close(sl)
            for r in readers:
                r.join(timeout=10)
            for m, _, _ in terminals:
                os.close(m)
        err = b"".join(terminals[1][2]) if len(terminals) > 1 else proc.stderr
        return subprocess.CompletedProcess(proc.args, proc.returncode, b"".join(terminals[0][2]), err)

    def run(self):
        update = self.update
        self.run_once([], update)
        for extra in self.spec.get("variants", []):
            before = len(self.problems)
            self.run_once(list(extra), False)
            self.problems[before:] = ["with %s: %s" % (" ".join(extra), p) for p in self.problems[before:]]
        return self.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the meterkit program to run")
    parser.add_argument("--repo", default=str(HERE.parent.parent), help="the repository root (for @paths)")
    parser.add_argument("--update", action="store_true", help="rewrite expected files from the actual output")
    parser.add_argument("cases", nargs="+", help="case folders")
    args = parser.parse_args()
    failed = 0
    for folder in args.cases:
        problems = Case(folder, os.path.abspath(args.binary), args.repo, args.update).run()
        name = pathlib.Path(folder).name
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
        else:
            print("ok   %s" % name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
