"""Tests of epollcr.benchreport.  Run: PYTHONPATH=python python3 -m epollcr.ktap_unittest"""
from __future__ import annotations

import io
import json
import os
import tempfile
import unittest
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout, redirect_stderr
from typing import Dict, List

from epollcr.benchreport import __main__ as cli
from epollcr.benchreport import markdown, ratios, records, stats, svgplot


def line(kind: str, **kw: object) -> str:
    return "BENCH " + json.dumps(dict(kind=kind, **kw))


def raw_run(ns: List[int], userspace_only: bool = False) -> List[str]:
    """A small synthetic run: time per item grows with N for the userspace dump."""
    out = ["noise before the records",
           line("meta", kernel="6.12.0", userspace_only=userspace_only, floor=True,
                nsets=4, reps=3, mem_reps=1, kcmp_full_max=1000, kcmp_sample=100)]
    for n in ns:
        out.append(line("layout", n=n, nsets=4, per_set=n // 4))
        for rep in range(3):
            j = rep * 10  # jitter
            out.append(line("sample", n=n, method="userspace_dump", rep=rep,
                            ns=n * n // 10 + j, extrapolated=n > 1000, items=n,
                            kcmp_items=min(n, 100), fdinfo_bytes=80 * n))
            out.append(line("sample", n=n, method="userspace_restore", rep=rep, ns=5000 * n + j))
            if not userspace_only:
                out.append(line("sample", n=n, method="checkpoint", rep=rep, ns=100 * n + j))
                out.append(line("sample", n=n, method="checkpoint_targets", rep=rep, ns=40 * n))
                out.append(line("sample", n=n, method="restart", rep=rep, ns=300 * n + j))
                out.append(line("sample", n=n, method="restart_targets", rep=rep, ns=100 * n))
                out.append(line("sample", n=n, method="floor_walk", rep=rep, ns=50 * n))
                out.append(line("sample", n=n, method="floor_insert", rep=rep, ns=200 * n))
        if not userspace_only:
            out.append(line("size", n=n, image_bytes=36 * n, item_record_bytes=24 * n))
            out.append(line("size", n=n, targets_image_bytes=12 * n))
            out.append(line("memory", n=n, method="restart", rep=0, samples=5, op_ns=1,
                            before_used=1000, after_used=1000 + 200 * n,
                            peak_used=1000 + 200 * n + 4096, before_slab_vmalloc=0,
                            after_slab_vmalloc=100, peak_slab_vmalloc=300))
    out.append(line("done", sizes=len(ns)))
    return out


class RecordsTest(unittest.TestCase):
    def test_parses_a_complete_run(self) -> None:
        run = records.parse_lines(raw_run([1000, 10000]), "uml", "x.raw")
        self.assertEqual(run.meta["kernel"], "6.12.0")
        self.assertEqual(run.layouts[10000], (4, 2500))
        self.assertEqual(run.sizes[1000]["targets_image_bytes"], 12000)
        self.assertEqual(len(run.memory), 2)

    def test_errors_name_file_and_line(self) -> None:
        lines = raw_run([1000])
        cases = {
            "BENCH {oops": "x.raw:1: bad BENCH record",
            line("sample", n=1, method="m", rep=0): 'sample record without "ns"',
            line("sample", n=1, method=3, rep=0, ns=1): '"method" is not a string',
            line("weird"): "unknown kind 'weird'",
        }
        for bad, want in cases.items():
            with self.subTest(bad=bad):
                where = 1 if bad.startswith("BENCH {oops") else 3
                trial = lines[:where - 1] + [bad] + lines[where - 1:]
                with self.assertRaises(records.RecordError) as cm:
                    records.parse_lines(trial, "uml", "x.raw")
                self.assertIn(want, str(cm.exception))
                self.assertIn(f"x.raw:{where}", str(cm.exception))

    def test_unfinished_run_is_an_error(self) -> None:
        with self.assertRaisesRegex(records.RecordError, 'before its "done" record'):
            records.parse_lines(raw_run([1000])[:-1], "uml", "x.raw")
        with self.assertRaisesRegex(records.RecordError, "no BENCH records"):
            records.parse_lines(["hello"], "uml", "x.raw")


class StatsTest(unittest.TestCase):
    def test_summarize(self) -> None:
        s = stats.summarize([5, 1, 3, 9])
        self.assertEqual((s.median, s.min, s.max, s.count), (4.0, 1.0, 9.0, 4))
        with self.assertRaises(ValueError):
            stats.summarize([])

    def test_points_and_derived(self) -> None:
        pts = stats.points(records.parse_lines(raw_run([1000]), "uml", "x"))
        ck = stats.find(pts, "uml", "checkpoint_items", 1000)
        self.assertIsNotNone(ck)
        assert ck is not None
        self.assertEqual(ck.ns.median, 100 * 1000 + 10 - 40 * 1000)
        dump = stats.find(pts, "uml", "userspace_dump", 1000)
        assert dump is not None
        self.assertFalse(dump.extrapolated)
        self.assertEqual(pts[0].method, "checkpoint")  # display order

    def test_extrapolated_points_say_so(self) -> None:
        pts = stats.points(records.parse_lines(raw_run([10000]), "uml", "x"))
        dump = stats.find(pts, "uml", "userspace_dump", 10000)
        assert dump is not None
        self.assertTrue(dump.extrapolated)
        self.assertIn("100 of 10000", dump.note)

    def test_memory(self) -> None:
        mem = stats.memory(records.parse_lines(raw_run([1000]), "uml", "x"))
        self.assertEqual(len(mem), 1)
        assert mem[0].extra_used is not None and mem[0].extra_slab_vmalloc is not None
        self.assertEqual(mem[0].extra_used.median, 4096)
        self.assertEqual(mem[0].extra_slab_vmalloc.median, 200)
        self.assertEqual(mem[0].restored_used.median, 200000)


class RatiosTest(unittest.TestCase):
    def compute(self, ns: List[int]) -> Dict[str, ratios.Ratio]:
        run = records.parse_lines(raw_run(ns), "uml", "x")
        rs = ratios.compute(stats.points(run), stats.sizes(run), stats.memory(run))
        return {r.key: r for r in rs}

    def test_full_run(self) -> None:
        rs = self.compute([1000, 10000, 100000, 1000000])
        sp = rs["checkpoint_speedup"]
        self.assertEqual(sp.n, 100000)
        assert sp.value is not None
        self.assertAlmostEqual(sp.value, (100000 ** 2 // 10 + 10) / (100 * 100000 + 10))
        self.assertTrue(sp.met)
        self.assertIn("extrapolated", sp.note)
        self.assertAlmostEqual(rs["restart_over_floor"].value or 0, 1.5, places=4)
        self.assertFalse(rs["restart_over_floor"].met)  # 1.5 plus the jitter
        self.assertIsNone(rs["restart_items_over_floor"].met)  # informative
        self.assertAlmostEqual(rs["checkpoint_over_floor"].value or 0, 2, places=4)
        self.assertAlmostEqual(rs["checkpoint_growth"].value or 0, 1, places=3)
        self.assertEqual(rs["image_bytes_per_item"].value, 36)
        self.assertFalse(rs["image_bytes_per_item"].met)
        self.assertEqual(rs["restart_memory_overhead"].value, 200)
        self.assertEqual(rs["restart_memory_overhead_used"].value, 4096)
        self.assertEqual(rs["restart_memory_overhead"].goal_text, "<= 1 MiB")
        self.assertIsNone(rs["checkpoint_speedup_native"].value)

    def test_quick_run_uses_the_largest_size_and_says_so(self) -> None:
        rs = self.compute([1000, 10000])
        self.assertEqual(rs["checkpoint_speedup"].n, 10000)
        self.assertIn("N=100000 was not measured", rs["checkpoint_speedup"].note)
        self.assertIsNone(rs["checkpoint_growth"].value)


class RenderTest(unittest.TestCase):
    def test_svg_is_well_formed_and_log_scaled(self) -> None:
        run = records.parse_lines(raw_run([1000, 10000, 100000]), "uml", "x")
        svg = svgplot.render(stats.points(run), "t <&>")
        root = ET.fromstring(svg)
        self.assertTrue(root.tag.endswith("svg"))
        self.assertIn("t &lt;&amp;&gt;", svg)
        self.assertIn("fill=\"white\" stroke=\"#2ca02c\"", svg)  # hollow: extrapolated
        self.assertIn(">1e5</text>", svg)

    def test_markdown_and_main(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            uml, nat = os.path.join(d, "uml.raw"), os.path.join(d, "native.raw")
            with open(uml, "w") as f:
                f.write("\n".join(raw_run([1000, 10000])) + "\n")
            with open(nat, "w") as f:
                f.write("\n".join(raw_run([1000, 10000], userspace_only=True)) + "\n")
            out = io.StringIO()
            with redirect_stdout(out):
                rc = cli.main(["--uml", uml, "--native", nat, "--out", d, "--quick"])
            self.assertEqual(rc, 0)
            self.assertIn("## Ratios", out.getvalue())
            with open(os.path.join(d, "results.json")) as f:
                doc = json.load(f)
            self.assertEqual(doc["schema_version"], 1)
            self.assertTrue(doc["quick"])
            self.assertEqual(sorted(doc["runs"]), ["native", "uml"])
            envs = {(p["env"], p["method"]) for p in doc["points"]}
            self.assertIn(("native", "userspace_dump"), envs)
            with open(os.path.join(d, "results.md")) as f:
                md = f.read()
            self.assertIn("| `checkpoint` | UML |", md)
            self.assertIn("| `userspace_dump` | native |", md)
            self.assertIn("Quick run", md)
            ET.parse(os.path.join(d, "plot.svg"))

    def test_main_reports_a_bad_file_in_one_line(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "uml.raw")
            with open(bad, "w") as f:
                f.write(line("meta", kernel="k", nsets=4, reps=1) + "\nBENCH {\n")
            err = io.StringIO()
            with redirect_stderr(err):
                rc = cli.main(["--uml", bad, "--out", d])
            self.assertEqual(rc, 1)
            self.assertEqual(len(err.getvalue().strip().splitlines()), 1)
            self.assertIn("uml.raw:2: bad BENCH record", err.getvalue())


if __name__ == "__main__":
    unittest.main()
