"""Thresholds and the failures the gate prints."""
from __future__ import annotations

import unittest

from epollcr.coverage import gate
from epollcr.coverage import lcovinfo


def record(lines: dict[int, int], functions: dict[str, int], branches: dict[int, int | None]) -> lcovinfo.FileRecord:
    rec = lcovinfo.FileRecord("/src/f.c")
    rec.line_hits = dict(lines)
    rec.function_lines = {f: i + 1 for i, f in enumerate(functions)}
    rec.function_hits = dict(functions)
    rec.branch_hits = {(n, 0, 0): t for n, t in branches.items()}
    return rec


LIMITS = {"lines": 95.0, "functions": 100.0, "branches": 80.0}


class Thresholds(unittest.TestCase):
    def test_reads_each_kind(self) -> None:
        self.assertEqual(gate.parse("# x\nlines 95\nfunctions 100\nbranches 80\n"), LIMITS)

    def test_typo_names_the_place(self) -> None:
        with self.assertRaisesRegex(gate.ThresholdsError, r"t:2: expected '<lines\|functions\|branches> <percent>'"):
            gate.parse("lines 95\nbranchs 80\nfunctions 100\n", "t")

    def test_missing_kind_is_an_error(self) -> None:
        with self.assertRaisesRegex(gate.ThresholdsError, "no threshold for branches"):
            gate.parse("lines 95\nfunctions 100\n")

    def test_out_of_range_is_an_error(self) -> None:
        with self.assertRaisesRegex(gate.ThresholdsError, "between 0 and 100"):
            gate.parse("lines 195\nfunctions 100\nbranches 80\n")


class Failures(unittest.TestCase):
    def test_covered_file_passes(self) -> None:
        rec = record({1: 1, 2: 1}, {"f": 1}, {1: 1})
        self.assertEqual(gate.failures({"f.c": rec}, LIMITS), [])

    def test_lists_uncovered_lines_as_ranges(self) -> None:
        lines = {n: 1 for n in range(1, 41)} | {41: 0, 42: 0, 43: 0, 50: 0}
        out = gate.failures({"f.c": record(lines, {"f": 1}, {})}, LIMITS)
        self.assertEqual(out[0], "all C/R code: lines 90.91% (40/44) < 95.0%")
        self.assertIn("f.c:", out)
        self.assertIn("  lines 90.91% (40/44) < 95.0%; uncovered on lines: 41-43, 50", out)

    def test_names_functions_never_called(self) -> None:
        out = gate.failures({"f.c": record({1: 1}, {"used": 1, "unused": 0}, {})}, LIMITS)
        self.assertIn("  functions 50.0% (1/2) < 100.0%; not called: unused", out)

    def test_unrun_branch_counts_as_uncovered(self) -> None:
        out = gate.failures({"f.c": record({1: 1}, {"f": 1}, {7: None, 8: 1})}, LIMITS)
        self.assertIn("  branches 50.0% (1/2) < 80.0%; uncovered on lines: 7", out)

    def test_gate_is_on_the_total(self) -> None:
        weak = record({1: 1, 2: 0}, {"f": 1}, {})
        strong = record({n: 1 for n in range(1, 101)}, {"g": 1}, {})
        self.assertEqual(gate.failures({"weak.c": weak, "strong.c": strong}, LIMITS), [])
        self.assertEqual(gate.files_below({"weak.c": weak, "strong.c": strong}, LIMITS)[0], "weak.c:")

    def test_ranges(self) -> None:
        self.assertEqual(gate.ranges([9, 3, 4, 5, 12, 13]), "3-5, 9, 12-13")


if __name__ == "__main__":
    unittest.main()
