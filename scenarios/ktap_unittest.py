"""Runs the python unit tests (tests/test_*.py) and prints KTAP, one line
per test, for make check (kunit.py parse reads it)."""
from __future__ import annotations

import sys
import unittest


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

    def addFailure(self, test: unittest.TestCase, err) -> None:  # type: ignore[no-untyped-def]
        super().addFailure(test, err)
        self._diag(err, test)
        self._line(False, test)

    def addError(self, test: unittest.TestCase, err) -> None:  # type: ignore[no-untyped-def]
        super().addError(test, err)
        self._diag(err, test)
        self._line(False, test)

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._line(True, test, f" # SKIP {reason}")

    def _diag(self, err, test: unittest.TestCase) -> None:  # type: ignore[no-untyped-def]
        for ln in self._exc_info_to_string(err, test).splitlines():
            self.lines.append(f"# {ln}")


def main() -> int:
    suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
    res = KtapResult()
    suite.run(res)
    n = sum(1 for ln in res.lines if not ln.startswith("#"))
    print(f"KTAP version 1\n1..{n}")
    print("\n".join(res.lines))
    return 0 if res.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
