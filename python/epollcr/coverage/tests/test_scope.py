"""Scope files and cutting functions out of a capture."""
from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from epollcr.coverage import lcovinfo
from epollcr.coverage import scope

SOURCE = """int keep_me(void)
{
\treturn 1;
}

int drop_me(void)
{
\treturn 2;
}
"""

CAPTURE = """SF:{root}/fs/eventpoll.c
FN:1,keep_me
FN:6,drop_me
FNDA:1,keep_me
FNDA:1,drop_me
BRDA:3,0,0,1
BRDA:8,0,0,1
DA:1,1
DA:3,1
DA:6,1
DA:8,1
end_of_record
SF:{root}/fs/checkpoint/sys.c
FN:1,keep_me
FNDA:0,keep_me
DA:1,0
end_of_record
SF:{root}/fs/checkpoint/files_kunit.c
FN:1,keep_me
FNDA:1,keep_me
DA:1,1
end_of_record
"""


class Parse(unittest.TestCase):
    def test_rules_and_exclusions(self) -> None:
        s = scope.parse("# c\n!fs/x_kunit.c\nfs/*.c *\nfs/e.c a_* b\n")
        self.assertEqual(s.excludes, ["fs/x_kunit.c"])
        self.assertEqual([(r.file_glob, r.function_globs) for r in s.rules],
                         [("fs/*.c", ["*"]), ("fs/e.c", ["a_*", "b"])])

    def test_line_without_functions_names_the_place(self) -> None:
        with self.assertRaisesRegex(scope.ScopeError, r"s:2: 'fs/e.c' names no functions"):
            scope.parse("fs/*.c *\nfs/e.c\n", "s")

    def test_empty_scope_is_an_error(self) -> None:
        with self.assertRaisesRegex(scope.ScopeError, "nothing would be measured"):
            scope.parse("# only a comment\n")


class Apply(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        for rel in ("fs/eventpoll.c", "fs/checkpoint/sys.c", "fs/checkpoint/files_kunit.c"):
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.root / rel).write_text(SOURCE)
        self.records = lcovinfo.parse(CAPTURE.format(root=self.root))

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_function_rule_keeps_only_that_function(self) -> None:
        s = scope.parse("fs/eventpoll.c keep_*\n")
        kept = scope.apply(s, self.records, self.root)["fs/eventpoll.c"]
        self.assertEqual(list(kept.function_lines), ["keep_me"])
        self.assertEqual(sorted(kept.line_hits), [1, 3])
        self.assertEqual(list(kept.branch_hits), [(3, 0, 0)])

    def test_whole_file_rule_and_exclusion(self) -> None:
        s = scope.parse("!fs/checkpoint/*_kunit.c\nfs/checkpoint/*.c *\n")
        self.assertEqual(sorted(scope.apply(s, self.records, self.root)), ["fs/checkpoint/sys.c"])

    def test_rule_matching_nothing_fails(self) -> None:
        s = scope.parse("fs/checkpoint/*.c *\nfs/renamed.c *\n")
        with self.assertRaisesRegex(scope.ScopeError, "fs/renamed.c"):
            scope.apply(s, self.records, self.root)

    def test_function_glob_matching_nothing_fails(self) -> None:
        s = scope.parse("fs/eventpoll.c keep_me gone_fn\n")
        with self.assertRaisesRegex(scope.ScopeError, "no function of fs/eventpoll.c matches gone_fn"):
            scope.apply(s, self.records, self.root)

    def test_function_ends_at_closing_brace_in_column_zero(self) -> None:
        self.assertEqual(scope.function_end(SOURCE.splitlines(), 1), 4)
        self.assertEqual(scope.function_end(SOURCE.splitlines(), 6), 9)


if __name__ == "__main__":
    unittest.main()
