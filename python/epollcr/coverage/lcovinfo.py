"""Reading and writing lcov tracefiles (the .info format of lcov 1.16).

Only what the gate needs: per source file, the functions with their first
line and call count, the line counts and the branch counts.  The summary
fields (LF, LH, FNF, ...) are recomputed on writing, never trusted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

BranchKey = tuple[int, int, int]  # line, block, branch


class TracefileError(Exception):
    """A tracefile line that is not lcov's format; the message says where."""


@dataclass
class FileRecord:
    path: str
    function_lines: dict[str, int] = field(default_factory=dict)
    function_hits: dict[str, int] = field(default_factory=dict)
    line_hits: dict[int, int] = field(default_factory=dict)
    # None: the block holding the branch never ran (lcov writes "-").
    branch_hits: dict[BranchKey, int | None] = field(default_factory=dict)


def add_taken(old: int | None, taken: int | None) -> int | None:
    """Sum of two branch counts; None only if neither block ever ran."""
    if old is None and taken is None:
        return None
    return (old or 0) + (taken or 0)


def _ints(where: str, text: str, count: int) -> list[int]:
    parts = text.split(",")
    try:
        return [int(p) for p in parts[:count]]
    except ValueError:
        raise TracefileError(f"{where}: expected {count} numbers, got '{text}'") from None


def parse(text: str, name: str = "<tracefile>") -> list[FileRecord]:
    records: list[FileRecord] = []
    rec: FileRecord | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line or line.startswith("TN:"):
            continue
        key, _, value = line.partition(":")
        if key == "SF":
            rec = FileRecord(value)
            continue
        if rec is None:
            raise TracefileError(f"{where}: '{line}' outside a SF: record")
        if key == "end_of_record":
            records.append(rec)
            rec = None
        elif key == "FN":
            start, _, fname = value.partition(",")
            rec.function_lines[fname] = _ints(where, start, 1)[0]
        elif key == "FNDA":
            hits, _, fname = value.partition(",")
            rec.function_hits[fname] = rec.function_hits.get(fname, 0) + _ints(where, hits, 1)[0]
        elif key == "DA":
            lineno, count = _ints(where, value, 2)
            rec.line_hits[lineno] = rec.line_hits.get(lineno, 0) + count
        elif key == "BRDA":
            parts = value.split(",")
            if len(parts) != 4:
                raise TracefileError(f"{where}: BRDA needs 4 fields, got '{value}'")
            lineno, block, branch = _ints(where, ",".join(parts[:3]), 3)
            taken = None if parts[3] == "-" else _ints(where, parts[3], 1)[0]
            brkey = (lineno, block, branch)
            rec.branch_hits[brkey] = add_taken(rec.branch_hits.get(brkey), taken)
        elif key in ("FNF", "FNH", "LF", "LH", "BRF", "BRH"):
            continue
        else:
            raise TracefileError(f"{where}: unknown tracefile line '{line}'")
    if rec is not None:
        raise TracefileError(f"{name}: record for {rec.path} has no end_of_record")
    return records


def read(path: Path) -> list[FileRecord]:
    return parse(path.read_text(), str(path))


def format_records(records: list[FileRecord]) -> str:
    out: list[str] = []
    for rec in records:
        out += ["TN:", f"SF:{rec.path}"]
        for fname, start in sorted(rec.function_lines.items(), key=lambda f: (f[1], f[0])):
            out.append(f"FN:{start},{fname}")
        for fname, start in sorted(rec.function_lines.items(), key=lambda f: (f[1], f[0])):
            out.append(f"FNDA:{rec.function_hits.get(fname, 0)},{fname}")
        out.append(f"FNF:{len(rec.function_lines)}")
        out.append(f"FNH:{sum(1 for f in rec.function_lines if rec.function_hits.get(f, 0))}")
        for (lineno, block, branch), taken in sorted(rec.branch_hits.items()):
            out.append(f"BRDA:{lineno},{block},{branch},{'-' if taken is None else taken}")
        out.append(f"BRF:{len(rec.branch_hits)}")
        out.append(f"BRH:{sum(1 for t in rec.branch_hits.values() if t)}")
        for lineno, count in sorted(rec.line_hits.items()):
            out.append(f"DA:{lineno},{count}")
        out.append(f"LF:{len(rec.line_hits)}")
        out.append(f"LH:{sum(1 for c in rec.line_hits.values() if c)}")
        out.append("end_of_record")
    return "\n".join(out) + "\n"


def merge(*captures: list[FileRecord]) -> list[FileRecord]:
    """One record per source file, counts summed over the captures."""
    by_path: dict[str, FileRecord] = {}
    for records in captures:
        for rec in records:
            into = by_path.setdefault(rec.path, FileRecord(rec.path))
            into.function_lines.update(rec.function_lines)
            for fname, count in rec.function_hits.items():
                into.function_hits[fname] = into.function_hits.get(fname, 0) + count
            for lineno, count in rec.line_hits.items():
                into.line_hits[lineno] = into.line_hits.get(lineno, 0) + count
            for key, taken in rec.branch_hits.items():
                into.branch_hits[key] = add_taken(into.branch_hits.get(key), taken)
    return [by_path[p] for p in sorted(by_path)]
