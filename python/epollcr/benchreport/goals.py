"""Reads the benchmark's goals table (harness/bench/goals.table): one goal
per line, "KEY COMPARISON VALUE UNIT N DESCRIPTION...", '#' comment lines
and blank lines ignored.  The file's header comment documents the columns.

Which keys exist, and which units each takes, is the ratios' business
(ratios.QUANTITIES); this module only checks a file against them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

MIB = 1 << 20

# The repository's own table: python/epollcr/benchreport/ -> the top.
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "harness" / "bench" / "goals.table"

COLUMNS = ("key", "comparison", "value", "unit", "N", "description")

# What kind of figure a ratio key is -> the units its goal may be given in,
# with their scale to the figure's own unit (a plain ratio, or bytes).
UNITS: Dict[str, Dict[str, float]] = {
    "ratio": {"x": 1.0},
    "growth": {"x": 1.0},            # N column: HI/LO, e.g. 1e6/1e4
    "bytes_per_item": {"bytes": 1.0},
    "memory": {"bytes": 1.0, "KiB": 1024.0, "MiB": float(MIB)},
}
UNITS_SCALE: Dict[str, float] = {u: s for units in UNITS.values() for u, s in units.items()}


class GoalError(Exception):
    """A malformed goals file; the message names file:line."""


@dataclass(frozen=True)
class Goal:
    key: str
    higher_is_better: bool      # ">=" (True) or "<=" (False)
    value: float                # in the figure's own unit (ratio or bytes)
    unit: str                   # as written: x, bytes, KiB, MiB
    n: int                      # the size the figure is measured at
    n_base: Optional[int]       # growth only: the size it is compared to
    description: str
    where: str                  # file:line

    @property
    def text(self) -> str:
        """The goal as results.md shows it, e.g. "<= 2x", ">= 5x", "<= 2 MiB"."""
        op = ">=" if self.higher_is_better else "<="
        shown = self.value / UNITS_SCALE.get(self.unit, 1.0)
        return f"{op} {shown:g}x" if self.unit == "x" else f"{op} {shown:g} {self.unit}"



def _size(text: str) -> Optional[int]:
    """A size written as 1000000 or 1e6; None if it is not a whole number >= 1."""
    try:
        v = float(text)
    except ValueError:
        return None
    if not math.isfinite(v) or v < 1 or v != int(v):
        return None
    return int(v)


def parse(lines: List[str], path: str, quantities: Mapping[str, str]) -> List[Goal]:
    """The goals of a file's lines, in file order.  quantities: every known
    ratio key -> its kind (a key of UNITS)."""
    out: List[Goal] = []
    first: Dict[str, int] = {}
    for i, raw in enumerate(lines, 1):
        where = f"{path}:{i}"
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        cols = text.split(None, len(COLUMNS) - 1)
        if len(cols) < len(COLUMNS):
            raise GoalError(f"{where}: expected {len(COLUMNS)} columns ({', '.join(COLUMNS)}), "
                            f"found {len(cols)}")
        key, cmp, value_s, unit, n_s, description = cols
        if key not in quantities:
            raise GoalError(f"{where}: unknown ratio key {key!r} "
                            f"(known: {', '.join(sorted(quantities))})")
        if cmp not in ("<=", ">="):
            raise GoalError(f"{where}: comparison must be <= or >=, not {cmp!r}")
        try:
            value = float(value_s)
        except ValueError:
            raise GoalError(f"{where}: value {value_s!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise GoalError(f"{where}: value {value_s!r} is not a finite number >= 0")
        quantity = quantities[key]
        units = UNITS[quantity]
        if unit not in units:
            raise GoalError(f"{where}: unit {unit!r} does not fit {key} (a {quantity}: "
                            f"one of {', '.join(units)})")
        n, n_base = _sizes(n_s, quantity, key, where)
        if key in first:
            raise GoalError(f"{where}: a second goal for {key!r} (the first is on line "
                            f"{first[key]})")
        first[key] = i
        out.append(Goal(key, cmp == ">=", value * units[unit], unit, n, n_base,
                        description, where))
    return out


def _sizes(text: str, quantity: str, key: str, where: str) -> Tuple[int, Optional[int]]:
    if quantity == "growth":
        hi_s, slash, lo_s = text.partition("/")
        hi, lo = _size(hi_s), _size(lo_s)
        if not slash or hi is None or lo is None:
            raise GoalError(f"{where}: N {text!r}: {key} compares two sizes, "
                            "write them as HI/LO (e.g. 1e6/1e4)")
        if hi <= lo:
            raise GoalError(f"{where}: N {text!r}: the first size must be the larger")
        return hi, lo
    n = _size(text)
    if n is None:
        raise GoalError(f"{where}: N {text!r} is not a size (a whole number such as "
                        "100000 or 1e5)")
    return n, None


def load(path: str, quantities: Mapping[str, str]) -> List[Goal]:
    """Reads one goals file."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise GoalError(f"{path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise GoalError(f"{path}: not UTF-8 text") from None
    return parse(lines, path, quantities)
