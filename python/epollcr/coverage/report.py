"""The coverage report and gate of `make coverage` (scripts/coverage).

usage: python3 -m epollcr.coverage.report --source DIR --scope FILE
           --thresholds FILE --out DIR --baseline INFO NAME=INFO...

Merges the zero-count baseline with each run's capture, keeps the code
coverage/scope names, writes OUT/cr.info (for genhtml and lcov --summary)
and OUT/summary.json, prints a table, and exits 1 if anything is under a
threshold (listing the files and their uncovered lines), 2 on bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import gate
from . import lcovinfo
from . import scope
from .measure import KINDS, Count, measure, overall, summary_json


def only_hit_lines(name: str, by_source: dict[str, dict[str, lcovinfo.FileRecord]]) -> int:
    """Lines that this source covers and no other does."""
    def hit(files: dict[str, lcovinfo.FileRecord]) -> set[tuple[str, int]]:
        return {(p, n) for p, rec in files.items() for n, c in rec.line_hits.items() if c}

    others: set[tuple[str, int]] = set()
    for other, files in by_source.items():
        if other != name:
            others |= hit(files)
    return len(hit(by_source[name]) - others)


def table(files: dict[str, lcovinfo.FileRecord]) -> str:
    def row(name: str, c: dict[str, Count]) -> str:
        return f"{name:44} " + " ".join(f"{c[k].percent:6.1f}% {c[k].hit:>4}/{c[k].total:<4}" for k in KINDS)

    rows = [f"{'file':44} {'lines':>16} {'functions':>12} {'branches':>16}"]
    rows += [row(path, measure(rec)) for path, rec in sorted(files.items())]
    rows.append(row("all C/R code", overall(files)))
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True, help="kernel source tree the capture refers to")
    ap.add_argument("--scope", type=Path, required=True)
    ap.add_argument("--thresholds", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--baseline", type=Path, required=True, help="lcov --initial capture")
    ap.add_argument("runs", nargs="+", metavar="NAME=INFO", help="one capture per kind of run")
    args = ap.parse_args(argv)

    try:
        wanted = scope.read(args.scope)
        limits = gate.read(args.thresholds)
        baseline = lcovinfo.read(args.baseline)
        captures: dict[str, list[lcovinfo.FileRecord]] = {}
        for run in args.runs:
            name, sep, path = run.partition("=")
            if not sep or not name:
                raise ValueError(f"run '{run}' is not NAME=tracefile")
            captures[name] = lcovinfo.read(Path(path))
        by_source = {name: scope.apply(wanted, lcovinfo.merge(baseline, recs), args.source)
                     for name, recs in captures.items()}
        combined = scope.apply(wanted, lcovinfo.merge(baseline, *captures.values()), args.source)
    except (OSError, ValueError, lcovinfo.TracefileError, scope.ScopeError, gate.ThresholdsError) as e:
        print(f"coverage: error: {e}", file=sys.stderr)
        return 2

    args.out.mkdir(parents=True, exist_ok=True)
    cr_records = list(combined.values())
    (args.out / "cr.info").write_text(lcovinfo.format_records(cr_records))
    failed = gate.failures(combined, limits)
    summary = summary_json(combined)
    summary["thresholds"] = limits
    summary["passed"] = not failed
    only = {name: only_hit_lines(name, by_source) for name in by_source}
    by_source_json: dict[str, dict[str, object]] = {
        name: {**summary_json(files), "lines_only_this_source": only[name]}
        for name, files in by_source.items()
    }
    summary["by_source"] = by_source_json
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")

    print(table(combined))
    for name, files in by_source.items():
        c = overall(files)
        print(f"{name} alone: " + ", ".join(f"{k} {c[k].percent}%" for k in KINDS) +
              f"; {only[name]} lines covered by nothing else")
    if failed:
        print("coverage: the C/R code is below coverage/thresholds (" +
              ", ".join(f"{k} {v:g}%" for k, v in limits.items()) + "):")
        print("\n".join("  " + line for line in failed))
        return 1
    weak = [line[:-1] for line in gate.files_below(combined, limits) if not line.startswith(" ")]
    if weak:
        print(f"coverage: under the thresholds on their own (see the report): {', '.join(weak)}")
    print("coverage: the C/R code meets coverage/thresholds (" +
          ", ".join(f"{k} {v:g}%" for k, v in limits.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
