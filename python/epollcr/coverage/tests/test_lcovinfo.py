"""Tracefile parsing, merging and writing."""
from __future__ import annotations

import unittest

from epollcr.coverage import lcovinfo

SAMPLE = """TN:
SF:/src/fs/checkpoint/sys.c
FN:10,ckpt_alloc
FN:20,ckpt_free
FNDA:3,ckpt_alloc
FNDA:0,ckpt_free
FNF:2
FNH:1
BRDA:12,0,0,2
BRDA:12,0,1,-
BRF:2
BRH:1
DA:10,3
DA:12,3
DA:20,0
LF:3
LH:2
end_of_record
"""


class Parse(unittest.TestCase):
    def test_reads_functions_lines_and_branches(self) -> None:
        (rec,) = lcovinfo.parse(SAMPLE)
        self.assertEqual(rec.path, "/src/fs/checkpoint/sys.c")
        self.assertEqual(rec.function_lines, {"ckpt_alloc": 10, "ckpt_free": 20})
        self.assertEqual(rec.function_hits, {"ckpt_alloc": 3, "ckpt_free": 0})
        self.assertEqual(rec.line_hits, {10: 3, 12: 3, 20: 0})
        self.assertEqual(rec.branch_hits, {(12, 0, 0): 2, (12, 0, 1): None})

    def test_format_round_trips(self) -> None:
        records = lcovinfo.parse(SAMPLE)
        self.assertEqual(lcovinfo.parse(lcovinfo.format_records(records)), records)

    def test_format_recomputes_summary_fields(self) -> None:
        text = lcovinfo.format_records(lcovinfo.parse(SAMPLE.replace("LH:2", "LH:3")))
        self.assertIn("LH:2\n", text)
        self.assertIn("BRH:1\n", text)
        self.assertIn("FNH:1\n", text)

    def test_unknown_line_names_the_place(self) -> None:
        with self.assertRaisesRegex(lcovinfo.TracefileError, r"x.info:3: unknown tracefile line 'XX:1'"):
            lcovinfo.parse("TN:\nSF:/a.c\nXX:1\nend_of_record\n", "x.info")

    def test_bad_number_names_the_place(self) -> None:
        with self.assertRaisesRegex(lcovinfo.TracefileError, r"<tracefile>:2: expected 2 numbers"):
            lcovinfo.parse("SF:/a.c\nDA:ten,1\nend_of_record\n")

    def test_missing_end_of_record_is_an_error(self) -> None:
        with self.assertRaisesRegex(lcovinfo.TracefileError, "no end_of_record"):
            lcovinfo.parse("SF:/a.c\nDA:1,1\n")


class Merge(unittest.TestCase):
    def test_sums_counts_of_the_same_file(self) -> None:
        a = lcovinfo.parse(SAMPLE)
        b = lcovinfo.parse(SAMPLE.replace("DA:20,0", "DA:20,5").replace("BRDA:12,0,1,-", "BRDA:12,0,1,1"))
        (rec,) = lcovinfo.merge(a, b)
        self.assertEqual(rec.line_hits, {10: 6, 12: 6, 20: 5})
        self.assertEqual(rec.branch_hits, {(12, 0, 0): 4, (12, 0, 1): 1})
        self.assertEqual(rec.function_hits["ckpt_alloc"], 6)

    def test_never_run_branch_stays_unrun(self) -> None:
        (rec,) = lcovinfo.merge(lcovinfo.parse(SAMPLE), lcovinfo.parse(SAMPLE))
        self.assertIsNone(rec.branch_hits[(12, 0, 1)])

    def test_keeps_files_of_every_capture(self) -> None:
        other = SAMPLE.replace("/src/fs/checkpoint/sys.c", "/src/fs/eventpoll.c")
        merged = lcovinfo.merge(lcovinfo.parse(SAMPLE), lcovinfo.parse(other))
        self.assertEqual([r.path for r in merged], ["/src/fs/checkpoint/sys.c", "/src/fs/eventpoll.c"])


if __name__ == "__main__":
    unittest.main()
