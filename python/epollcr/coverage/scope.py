"""Which code the coverage gate measures: coverage/scope.

Each line names source files by a glob relative to the kernel tree and the
functions of them that count ('*' for all), or excludes files ('!glob').
Functions are cut out of a file by their lines: from the line gcc records
as the function's start to its closing brace in column 0 (kernel style).
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from .lcovinfo import FileRecord


class ScopeError(Exception):
    """A scope file or capture that does not fit; the message says where."""


@dataclass
class ScopeRule:
    where: str
    file_glob: str
    function_globs: list[str]


@dataclass
class Scope:
    rules: list[ScopeRule] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)


def parse(text: str, name: str = "coverage/scope") -> Scope:
    scope = Scope()
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        where = f"{name}:{number}"
        if not words:
            continue
        if words[0].startswith("!"):
            if len(words) != 1 or len(words[0]) == 1:
                raise ScopeError(f"{where}: an exclusion is one '!glob' and nothing else: '{raw.strip()}'")
            scope.excludes.append(words[0][1:])
            continue
        if len(words) < 2:
            raise ScopeError(f"{where}: '{raw.strip()}' names no functions (use '*' for the whole file)")
        scope.rules.append(ScopeRule(where, words[0], words[1:]))
    if not scope.rules:
        raise ScopeError(f"{name}: no scope lines: nothing would be measured")
    return scope


def read(path: Path) -> Scope:
    return parse(path.read_text(), str(path))


def function_end(source_lines: list[str], start: int) -> int:
    """Line number of the closing brace of the function starting at start."""
    for number in range(start, len(source_lines) + 1):
        if source_lines[number - 1].startswith("}"):
            return number
    return len(source_lines)


def _wanted_ranges(rec: FileRecord, globs: list[str], source_lines: list[str]) -> list[tuple[int, int]] | None:
    """Line ranges of the functions named by globs; None means the whole file."""
    if "*" in globs:
        return None
    ranges = []
    for fname, start in rec.function_lines.items():
        if any(fnmatch.fnmatchcase(fname, g) for g in globs):
            ranges.append((start, function_end(source_lines, start)))
    return ranges


def _cut(rec: FileRecord, ranges: list[tuple[int, int]]) -> FileRecord:
    def inside(line: int) -> bool:
        return any(a <= line <= b for a, b in ranges)

    out = FileRecord(rec.path)
    out.function_lines = {f: s for f, s in rec.function_lines.items() if inside(s)}
    out.function_hits = {f: c for f, c in rec.function_hits.items() if f in out.function_lines}
    out.line_hits = {n: c for n, c in rec.line_hits.items() if inside(n)}
    out.branch_hits = {k: t for k, t in rec.branch_hits.items() if inside(k[0])}
    return out


def relative_path(rec: FileRecord, source_root: Path) -> str:
    return os.path.relpath(os.path.normpath(rec.path), os.path.normpath(source_root))


def apply(scope: Scope, records: list[FileRecord], source_root: Path) -> dict[str, FileRecord]:
    """The in-scope part of records, by path relative to source_root.

    Every scope line must match something: a rule that silently matched
    nothing would let code leave the gate unnoticed.
    """
    kept: dict[str, FileRecord] = {}
    matched: set[int] = set()  # indexes of the rules that kept something
    for rec in records:
        rel = relative_path(rec, source_root)
        if any(fnmatch.fnmatchcase(rel, g) for g in scope.excludes):
            continue
        for index, rule in enumerate(scope.rules):
            if not fnmatch.fnmatchcase(rel, rule.file_glob):
                continue
            source = (source_root / rel).read_text(errors="replace").splitlines()
            ranges = _wanted_ranges(rec, rule.function_globs, source)
            cut = rec if ranges is None else _cut(rec, ranges)
            missing = [g for g in rule.function_globs if g != "*" and
                       not any(fnmatch.fnmatchcase(f, g) for f in cut.function_lines)]
            if missing:
                raise ScopeError(f"{rule.where}: no function of {rel} matches {' '.join(missing)}")
            matched.add(index)
            kept[rel] = cut
            break
    unmatched = [r for i, r in enumerate(scope.rules) if i not in matched]
    if unmatched:
        lines = "; ".join(f"{r.where}: {r.file_glob} {' '.join(r.function_globs)}" for r in unmatched)
        raise ScopeError(f"scope lines matched no captured code (renamed, or not built in the gcov flavour?): {lines}")
    return kept
