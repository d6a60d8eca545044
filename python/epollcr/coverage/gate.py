"""The thresholds of coverage/thresholds and the failures they find."""
from __future__ import annotations

from pathlib import Path

from .lcovinfo import FileRecord
from .measure import KINDS, measure, overall


class ThresholdsError(Exception):
    """A thresholds file that is not 'kind percent' lines; says where."""


def parse(text: str, name: str = "coverage/thresholds") -> dict[str, float]:
    limits: dict[str, float] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = f"{name}:{number}"
        if len(words) != 2 or words[0] not in KINDS:
            raise ThresholdsError(f"{where}: expected '<{'|'.join(KINDS)}> <percent>', got '{raw.strip()}'")
        try:
            value = float(words[1])
        except ValueError:
            raise ThresholdsError(f"{where}: '{words[1]}' is not a percentage") from None
        if not 0 <= value <= 100:
            raise ThresholdsError(f"{where}: {value} is not between 0 and 100")
        if words[0] in limits:
            raise ThresholdsError(f"{where}: {words[0]} is set twice")
        limits[words[0]] = value
    missing = [k for k in KINDS if k not in limits]
    if missing:
        raise ThresholdsError(f"{name}: no threshold for {', '.join(missing)}")
    return limits


def read(path: Path) -> dict[str, float]:
    return parse(path.read_text(), str(path))


def ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9'."""
    out: list[str] = []
    for n in sorted(numbers):
        if out and n == int(out[-1].split("-")[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def uncovered(rec: FileRecord) -> dict[str, str]:
    return {
        "lines": ranges([n for n, c in rec.line_hits.items() if not c]),
        "functions": ", ".join(sorted(f for f in rec.function_lines if not rec.function_hits.get(f, 0))),
        "branches": ranges(sorted({k[0] for k, t in rec.branch_hits.items() if not t})),
    }


def files_below(files: dict[str, FileRecord], limits: dict[str, float]) -> list[str]:
    """The files under a threshold, each with what it leaves uncovered."""
    out: list[str] = []
    for path, rec in sorted(files.items()):
        counts = measure(rec)
        below = [k for k in KINDS if counts[k].percent < limits[k]]
        if not below:
            continue
        missed = uncovered(rec)
        out.append(f"{path}:")
        for kind in below:
            c = counts[kind]
            what = "not called" if kind == "functions" else "uncovered on lines"
            out.append(f"  {kind} {c.percent}% ({c.hit}/{c.total}) < {limits[kind]}%; {what}: {missed[kind]}")
    return out


def failures(files: dict[str, FileRecord], limits: dict[str, float]) -> list[str]:
    """Empty if all of the code meets the thresholds; else what misses them.

    The gate is on the code as a whole: a small file's few error branches
    would otherwise swing it.  A whole file left untested still fails it,
    through the 100% of functions.
    """
    total = overall(files)
    out = [f"all C/R code: {k} {total[k].percent}% ({total[k].hit}/{total[k].total}) < {limits[k]}%"
           for k in KINDS if total[k].percent < limits[k]]
    if out:
        out += files_below(files, limits)
    return out
