"""Runs the python unit tests and prints KTAP, one line per test, for make
check (kunit.py parse reads it).

    PYTHONPATH=python python3 -m epollcr.ktap_unittest [PACKAGE...]

PACKAGE (default: epollcr, every test) is a package under python/, e.g.
epollcr.scenarios; its tests are the test_*.py files of its tests/
packages.  Exits 1 if a test failed.
"""
from __future__ import annotations

import sys
import unittest
from pathlib import Path
from types import TracebackType
from typing import Callable, Sequence, Tuple, Type, Union

# The package root, python/: what PYTHONPATH names.
ROOT = Path(__file__).resolve().parent.parent

_ExcInfo = Union[Tuple[Type[BaseException], BaseException, TracebackType], Tuple[None, None, None]]


class KtapResult(unittest.TestResult):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def _line(self, ok: bool, test: unittest.TestCase, note: str = "") -> None:
        name = test.id().replace(" ", "_")
        self.lines.append(f"{'' if ok else 'not '}ok {len(self.lines) + 1} {name}{note}")

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test: unittest.TestCase, err: _ExcInfo) -> None:
        super().addFailure(test, err)
        self._diag(err, test)
        self._line(False, test)

    def addError(self, test: unittest.TestCase, err: _ExcInfo) -> None:
        super().addError(test, err)
        self._diag(err, test)
        self._line(False, test)

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._line(True, test, f" # SKIP {reason}")

    def _diag(self, err: _ExcInfo, test: unittest.TestCase) -> None:
        # unittest's own formatting (drops its frames); private, so untyped.
        fmt: Callable[[_ExcInfo, unittest.TestCase], str] = getattr(self, "_exc_info_to_string")
        for ln in fmt(err, test).splitlines():
            self.lines.append(f"# {ln}")


def main(argv: Sequence[str]) -> int:
    suite = unittest.TestSuite()
    for pkg in argv or ["epollcr"]:
        start = ROOT.joinpath(*pkg.split("."))
        if not start.is_dir():
            print(f"ktap_unittest: no package {pkg} under {ROOT}", file=sys.stderr)
            return 2
        suite.addTests(unittest.defaultTestLoader.discover(str(start), top_level_dir=str(ROOT)))
    res = KtapResult()
    suite.run(res)
    n = sum(1 for ln in res.lines if not ln.startswith("#"))
    print(f"KTAP version 1\n1..{n}")
    print("\n".join(res.lines))
    return 0 if res.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
