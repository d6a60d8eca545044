"""Hit and total counts of lines, functions and branches."""
from __future__ import annotations

from dataclasses import dataclass

from .lcovinfo import FileRecord

KINDS = ("lines", "functions", "branches")


@dataclass
class Count:
    hit: int = 0
    total: int = 0

    @property
    def percent(self) -> float:
        # Nothing to cover is fully covered (a file without branches).
        return 100.0 if self.total == 0 else round(100.0 * self.hit / self.total, 2)

    def add(self, other: "Count") -> None:
        self.hit += other.hit
        self.total += other.total

    def as_json(self) -> dict[str, float | int]:
        return {"hit": self.hit, "total": self.total, "percent": self.percent}


def measure(rec: FileRecord) -> dict[str, Count]:
    return {
        "lines": Count(sum(1 for c in rec.line_hits.values() if c), len(rec.line_hits)),
        "functions": Count(sum(1 for f in rec.function_lines if rec.function_hits.get(f, 0)),
                           len(rec.function_lines)),
        "branches": Count(sum(1 for t in rec.branch_hits.values() if t), len(rec.branch_hits)),
    }


def overall(files: dict[str, FileRecord]) -> dict[str, Count]:
    total = {k: Count() for k in KINDS}
    for rec in files.values():
        for kind, count in measure(rec).items():
            total[kind].add(count)
    return total


def summary_json(files: dict[str, FileRecord]) -> dict[str, object]:
    return {
        "overall": {k: c.as_json() for k, c in overall(files).items()},
        "files": {path: {k: c.as_json() for k, c in measure(rec).items()}
                  for path, rec in sorted(files.items())},
    }
