"""Finds sanitizer and KCSAN reports, lockdep splats, WARNs, BUGs and leaks in kernel logs.

Usage: scripts/scan-kernel-log LOG...

Prints every report found, with the lines that follow it, and exits 1 if
there is any; exits 0 if the logs are clean and 2 on bad usage.  One
report is one headline (the line that names what went wrong) and the lines
after it up to the report's end marker, the next headline, or MAX_LINES.

Known false positives are filtered narrowly in ALLOWED, each with the
reason it is not a bug of the code under test.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

# What each kind of report starts with; the first match names the kind.
HEADLINES: Sequence[Tuple[str, "re.Pattern[str]"]] = (
    ("KASAN", re.compile(r"BUG: KASAN: ")),
    # KCSAN (the SMP flavour): a data race, or an assertion such as
    # ASSERT_EXCLUSIVE_WRITER() that another CPU broke.
    ("KCSAN", re.compile(r"BUG: KCSAN: ")),
    ("UBSAN", re.compile(r"UBSAN: ")),
    ("lockdep", re.compile(
        r"WARNING: (possible circular locking|possible recursive locking"
        r"|possible irq lock inversion|inconsistent lock state"
        r"|suspicious RCU usage|bad unlock balance|held lock freed"
        r"|lock held when returning to user space|Nested lock was not taken"
        r"|possible [a-z -]+ detected)"
        r"|INFO: possible irq lock inversion|BUG: held lock freed"
        r"|BUG: sleeping function called from invalid context"
        r"|BUG: scheduling while atomic|BUG: workqueue leaked lock"
        r"|DEBUG_LOCKS_WARN_ON")),
    ("list corruption", re.compile(
        r"list_(add|del)(_rcu)? corruption|list corruption"
        r"|hlist_(add|del)[a-z_]* corruption")),
    ("kmemleak", re.compile(
        r"unreferenced object 0x"
        r"|kmemleak: (Kernel memory leak detector disabled"
        r"|Cannot allocate a kmemleak_object|Memory pool empty"
        r"|.*unknown object at|Found object by alias|Scan area larger)")),
    ("WARN", re.compile(r"WARNING: CPU: \d+ PID: |------------\[ cut here \]")),
    ("BUG", re.compile(
        r"kernel BUG at |BUG: |Oops|Kernel panic|general protection fault"
        r"|INFO: task .* blocked for more than|INFO: rcu_.* detected stall")),
)

# Lines that end a report (kept in it).
END = re.compile(r"---\[ end trace|---\[ end Kernel panic|(^|\] )={20,}\s*$")
# A "cut here" line is followed by the real headline; merge them.
CUT_HERE = re.compile(r"------------\[ cut here \]")
MAX_LINES = 120

# (pattern on the report's text, why it is not a bug of the code under test)
ALLOWED: Sequence[Tuple["re.Pattern[str]", str]] = ()


@dataclass
class Report:
    kind: str
    path: str
    lineno: int
    lines: List[str]

    @property
    def headline(self) -> str:
        for line in self.lines:
            if not CUT_HERE.search(line):
                return line.strip()
        return self.lines[0].strip()


def headline_kind(line: str) -> Optional[str]:
    for kind, pattern in HEADLINES:
        if pattern.search(line):
            return kind
    return None


def scan_lines(lines: Sequence[str], path: str) -> List[Report]:
    """Splits lines into reports; lines outside any report are ignored."""
    reports: List[Report] = []
    current: Optional[Report] = None
    for i, raw in enumerate(lines):
        line = raw.rstrip("\n")
        kind = headline_kind(line)
        if current is not None:
            if kind is not None and not CUT_HERE.search(line) \
                    and CUT_HERE.search(current.lines[0]) \
                    and len(current.lines) <= 3 \
                    and "WARN" in (kind, current.kind):
                # "cut here", a message ("UBSAN: ...", "list_add
                # corruption ...") and "WARNING: CPU: ...": one report,
                # named by its most specific headline.
                current.lines.append(line)
                if kind != "WARN":
                    current.kind = kind
                continue
            if kind is None and len(current.lines) < MAX_LINES:
                current.lines.append(line)
                if END.search(line):
                    current = None
                continue
            current = None
        if kind is not None:
            current = Report(kind, path, i + 1, [line])
            reports.append(current)
    return reports


def allowed(report: Report) -> Optional[str]:
    text = "\n".join(report.lines)
    for pattern, why in ALLOWED:
        if pattern.search(text):
            return why
    return None


def scan_file(path: str) -> Tuple[List[Report], List[Tuple[Report, str]]]:
    with open(path, encoding="utf-8", errors="replace") as f:
        reports = scan_lines(f.readlines(), path)
    found: List[Report] = []
    skipped: List[Tuple[Report, str]] = []
    for r in reports:
        why = allowed(r)
        if why is None:
            found.append(r)
        else:
            skipped.append((r, why))
    return found, skipped


def format_report(r: Report) -> str:
    body = "\n".join("    " + x for x in r.lines)
    return f"scan-kernel-log: {r.path}:{r.lineno}: {r.kind}: {r.headline}\n{body}"


def main(argv: Iterable[str]) -> int:
    paths = list(argv)
    if not paths or paths[0] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 0 if paths else 2
    total = 0
    for path in paths:
        try:
            found, skipped = scan_file(path)
        except OSError as e:
            print(f"scan-kernel-log: {path}: {e.strerror}", file=sys.stderr)
            return 2
        for r, why in skipped:
            print(f"scan-kernel-log: {path}:{r.lineno}: allowed {r.kind} "
                  f"({why}): {r.headline}")
        for r in found:
            print(format_report(r))
        total += len(found)
    if total:
        print(f"scan-kernel-log: {total} report(s) in {' '.join(paths)}")
    return 1 if total else 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    sys.exit(main(sys.argv[1:]))
