"""Tests of epollcr.benchreport.  Run: PYTHONPATH=python python3 -m epollcr.ktap_unittest"""
from __future__ import annotations

import io
import json
import os
import tempfile
import unittest
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout, redirect_stderr
from typing import Any, Dict, List, Optional, Tuple

from epollcr.benchreport import __main__ as cli
from epollcr.benchreport import goals, layouts, markdown, ratios, records, stats, svgplot


def line(kind: str, **kw: object) -> str:
    return "BENCH " + json.dumps(dict(kind=kind, **kw))


PHASE_METHODS = ("checkpoint", "restart", "checkpoint_targets", "restart_targets")


def phase_ns(method: str, n: int, rep: int) -> Dict[str, int]:
    """The synthetic breakdown: checkpoint's items grow with rep (median
    60 ns per item at rep 1), restart's install too (median 10); release is
    zero everywhere, install zero for checkpoint."""
    if method.startswith("checkpoint"):
        return {"other": 2 * n, "collect": 3 * n, "items": (50 + 10 * rep) * n,
                "install": 0, "release": 0}
    return {"other": n, "collect": 0, "items": 200 * n, "install": 5 * (rep + 1) * n,
            "release": 0}


def raw_run(ns: List[int], userspace_only: bool = False, phases: bool = False,
            layouts: Optional[Dict[int, Tuple[int, int]]] = None, kernel_only: bool = False,
            restart_per_item: int = 300, checkpoint_per_item: int = 100) -> List[str]:
    """A small synthetic run: time per item grows with N for the userspace dump.
    kernel_only: no userspace method (bench --kernel-only)."""
    out = ["noise before the records",
           line("meta", kernel="6.12.0", userspace_only=userspace_only, floor=True,
                nsets=4, reps=3, mem_reps=1, kcmp_full_max=1000, kcmp_sample=100)]
    for n in ns:
        nsets, per_set = (layouts or {}).get(n, (4, n // 4))
        out.append(line("layout", n=n, nsets=nsets, per_set=per_set))
        for rep in range(3):
            j = rep * 10  # jitter
            if not kernel_only:
                out.append(line("sample", n=n, method="userspace_dump", rep=rep,
                                ns=n * n // 10 + j, extrapolated=n > 1000, items=n,
                                kcmp_items=min(n, 100), fdinfo_bytes=80 * n))
                out.append(line("sample", n=n, method="userspace_restore", rep=rep,
                                ns=5000 * n + j))
            if not userspace_only:
                for method, ns_ in (("checkpoint", checkpoint_per_item * n + j),
                                    ("checkpoint_targets", 40 * n),
                                    ("restart", restart_per_item * n + j),
                                    ("restart_targets", 100 * n)):
                    out.append(line("sample", n=n, method=method, rep=rep, ns=ns_))
                    if phases:
                        out.append(line("phases", n=n, method=method, rep=rep,
                                        ns=phase_ns(method, n, rep)))
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


def repo_goals() -> List[goals.Goal]:
    """The repository's own table, harness/bench/goals.table."""
    return ratios.load_goals(str(goals.DEFAULT_PATH))


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


    def test_parses_phases_records(self) -> None:
        run = records.parse_lines(raw_run([1000], phases=True), "uml", "x.raw")
        self.assertEqual(len(run.phases), 3 * len(PHASE_METHODS))
        self.assertEqual(list(run.phases[0]["ns"]),
                         ["other", "collect", "items", "install", "release"])
        self.assertEqual(records.parse_lines(raw_run([1000]), "uml", "x").phases, [])

    def test_bad_phases_records_name_file_and_line(self) -> None:
        lines = raw_run([1000])
        cases = {
            line("phases", n=1, method="checkpoint", rep=0): '"ns" is not an object',
            line("phases", n=1, method="checkpoint", rep=0, ns={}): '"ns" is not an object',
            line("phases", n=1, method="checkpoint", rep=0, ns=[1]): '"ns" is not an object',
            line("phases", n=1, method="checkpoint", rep=0, ns={"io": "7"}):
                "phase 'io' is not a number",
            line("phases", n=1, method="checkpoint", rep=0, ns={"io": True}):
                "phase 'io' is not a number",
            line("phases", n=1, rep=0, ns={"io": 7}): 'phases record without "method"',
        }
        for bad, want in cases.items():
            with self.subTest(bad=bad):
                trial = lines[:2] + [bad] + lines[2:]
                with self.assertRaises(records.RecordError) as cm:
                    records.parse_lines(trial, "uml", "x.raw")
                self.assertIn(want, str(cm.exception))
                self.assertIn("x.raw:3:", str(cm.exception))


class MergeTest(unittest.TestCase):
    def test_merges_runs_of_disjoint_sizes(self) -> None:
        a = records.parse_lines(raw_run([100000], layouts={100000: (8, 12500)},
                                        kernel_only=True, phases=True), "x", "a.raw")
        b = records.parse_lines(raw_run([1000000], layouts={1000000: (64, 15625)},
                                        kernel_only=True), "x", "b.raw")
        m = records.merge([a, b], ratios.UNL)
        self.assertEqual((m.env, m.path), (ratios.UNL, "a.raw, b.raw"))
        self.assertEqual(m.meta, a.meta)
        self.assertEqual(m.layouts, {100000: (8, 12500), 1000000: (64, 15625)})
        self.assertEqual(len(m.samples), len(a.samples) + len(b.samples))
        self.assertEqual(len(m.phases), len(a.phases))
        self.assertEqual(sorted(m.sizes), [100000, 1000000])
        self.assertEqual(len(m.memory), 2)
        self.assertEqual({p.env for p in stats.points(m)}, {ratios.UNL})
        restart = stats.find(stats.points(m), ratios.UNL, "restart", 1000000)
        assert restart is not None
        self.assertEqual(restart.ns.median, 300 * 1000000 + 10)

    def test_a_size_in_two_files_is_an_error(self) -> None:
        a = records.parse_lines(raw_run([1000]), "x", "a.raw")
        b = records.parse_lines(raw_run([1000, 10000]), "x", "b.raw")
        with self.assertRaisesRegex(records.RecordError,
                                    "^b.raw: N=1000 was measured in a.raw too$"):
            records.merge([a, b], ratios.UNL)


class LayoutsTest(unittest.TestCase):
    def test_groups_the_differing_sizes_by_native_sets(self) -> None:
        uml = {1000: (4, 250), 10000: (4, 2500), 100000: (4, 25000), 200000: (4, 50000),
               1000000: (4, 250000), 5: (1, 5)}
        native = {1000: (4, 250), 10000: (8, 1250), 100000: (8, 12500),
                  200000: (16, 12500), 1000000: (64, 15625), 7: (1, 7)}
        self.assertEqual(layouts.differing(uml, native),
                         [(8, [10000, 100000]), (16, [200000]), (64, [1000000])])
        self.assertEqual(layouts.differing(uml, uml), [])

    def test_main_prints_one_line_per_group(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            uml, nat = os.path.join(d, "uml.raw"), os.path.join(d, "native.raw")
            with open(uml, "w") as f:
                f.write("\n".join(raw_run([1000, 100000, 1000000])) + "\n")
            with open(nat, "w") as f:
                f.write("\n".join(raw_run([1000, 100000, 1000000], userspace_only=True,
                                          layouts={100000: (8, 12500),
                                                   1000000: (64, 15625)})) + "\n")
            out = io.StringIO()
            with redirect_stdout(out):
                rc = layouts.main(["--uml", uml, "--native", nat])
            self.assertEqual(rc, 0)
            self.assertEqual(out.getvalue().splitlines(), [
                "8\t100000\tN=100,000: UML 4 sets of 25,000, native 8 sets of 12,500",
                "64\t1000000\tN=1,000,000: UML 4 sets of 250,000, native 64 sets of 15,625",
            ])
            out = io.StringIO()
            with redirect_stdout(out):
                rc = layouts.main(["--uml", uml, "--native", uml])
            self.assertEqual((rc, out.getvalue()), (0, ""))
            with open(nat, "w") as f:
                f.write("\n".join(raw_run([1000])[:-1]) + "\n")
            err = io.StringIO()
            with redirect_stderr(err):
                rc = layouts.main(["--uml", uml, "--native", nat])
            self.assertEqual(rc, 1)
            self.assertIn('native.raw:', err.getvalue())
            self.assertIn('before its "done" record', err.getvalue())


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

    def test_phases_medians_and_total(self) -> None:
        run = records.parse_lines(raw_run([1000, 10000], phases=True), "uml", "x")
        ph = stats.phases(run)
        self.assertEqual([(p.method, p.n) for p in ph][:2],
                         [("checkpoint", 1000), ("checkpoint", 10000)])  # display order
        self.assertEqual(len(ph), 2 * len(PHASE_METHODS))
        ck = ph[1]
        self.assertEqual(list(ck.phases), ["other", "collect", "items", "install", "release"])
        self.assertEqual(ck.phases["items"].median, 60 * 10000)
        self.assertEqual((ck.phases["items"].min, ck.phases["items"].max),
                         (50 * 10000, 70 * 10000))
        self.assertEqual(ck.per_item_ns(ck.phases["items"]), 60)
        self.assertEqual(ck.phases["install"].max, 0)
        self.assertEqual(ck.total.median, 65 * 10000)  # the median of per-rep sums
        self.assertEqual(ck.total.count, 3)

    def test_phases_total_is_the_median_of_sums(self) -> None:
        lines = [line("meta", kernel="k", nsets=1, reps=3)]
        for rep, (a, b) in enumerate([(1, 10), (2, 30), (3, 20)]):
            lines.append(line("phases", n=1, method="restart", rep=rep, ns={"a": a, "b": b}))
        lines.append(line("phases", n=1, method="checkpoint", rep=0, ns={"b": 1, "late": 4}))
        lines.append(line("done", sizes=1))
        run = records.parse_lines(lines, "uml", "x")
        self.assertEqual(stats.phase_order(run), ["a", "b", "late"])
        by = {p.method: p for p in stats.phases(run)}
        self.assertEqual(by["restart"].total.median, 23)  # not 2 + 20
        self.assertEqual(by["restart"].phases["late"].median, 0)  # absent counts as 0
        self.assertEqual(by["checkpoint"].phases["a"].median, 0)
        self.assertEqual(by["checkpoint"].total.median, 5)


GOOD_TABLE = """\
# a header comment
   # an indented one

checkpoint_over_floor   <=  2    x     1e6      checkpoint over the floor
restart_growth          <=  1.2  x     1e6/1e4  restart per item, # not a comment
restart_memory_overhead <=  512  KiB   1000000  memory
image_bytes_per_item    <=  28   bytes 1e6      bytes
restart_speedup_native  >=  5    x     1e5      native
"""


class GoalsTest(unittest.TestCase):
    def parse(self, text: str) -> List[goals.Goal]:
        return goals.parse(text.splitlines(), "g.table", ratios.QUANTITIES)

    def test_good_table(self) -> None:
        gs = self.parse(GOOD_TABLE)
        self.assertEqual([g.key for g in gs], ["checkpoint_over_floor", "restart_growth",
                                               "restart_memory_overhead",
                                               "image_bytes_per_item",
                                               "restart_speedup_native"])
        by = {g.key: g for g in gs}
        self.assertEqual((by["restart_growth"].n, by["restart_growth"].n_base), (1000000, 10000))
        self.assertEqual(by["restart_growth"].description, "restart per item, # not a comment")
        self.assertEqual(by["restart_growth"].where, "g.table:5")
        self.assertEqual(by["restart_memory_overhead"].value, 512 * 1024)
        self.assertEqual(by["restart_memory_overhead"].text, "<= 512 KiB")
        self.assertEqual(by["checkpoint_over_floor"].text, "<= 2x")
        self.assertIsNone(by["checkpoint_over_floor"].n_base)
        self.assertEqual(by["image_bytes_per_item"].text, "<= 28 bytes")
        self.assertTrue(by["restart_speedup_native"].higher_is_better)
        self.assertFalse(by["checkpoint_over_floor"].higher_is_better)
        self.assertEqual(by["restart_speedup_native"].n, 100000)
        self.assertEqual(self.parse("# nothing\n"), [])

    def test_the_repository_table_is_issue_16s(self) -> None:
        got = {g.key: (">=" if g.higher_is_better else "<=", g.value, g.n, g.n_base)
               for g in repo_goals()}
        self.assertEqual(got, {
            "checkpoint_over_floor": ("<=", 2, 1000000, None),
            "checkpoint_growth": ("<=", 1.2, 1000000, 10000),
            "restart_over_floor": ("<=", 1.3, 1000000, None),
            "restart_growth": ("<=", 1.2, 1000000, 10000),
            "restart_speedup_native": (">=", 5, 100000, None),
            "restart_memory_overhead": ("<=", 2 * ratios.MIB, 1000000, None),
            "image_bytes_per_item": ("<=", 28, 1000000, None),
        })

    def test_malformed_lines_name_file_and_line(self) -> None:
        cases = {
            "checkpoint_over_floor <= 2 x 1e6": "expected 6 columns",
            "no_such_ratio <= 2 x 1e6 d": "unknown ratio key 'no_such_ratio'",
            "checkpoint_over_floor < 2 x 1e6 d": "comparison must be <= or >=, not '<'",
            "checkpoint_over_floor <= two x 1e6 d": "value 'two' is not a number",
            "checkpoint_over_floor <= nan x 1e6 d": "not a finite number",
            "checkpoint_over_floor <= -1 x 1e6 d": "not a finite number",
            "checkpoint_over_floor <= 2 MiB 1e6 d": "unit 'MiB' does not fit",
            "restart_memory_overhead <= 2 x 1e6 d": "unit 'x' does not fit",
            "image_bytes_per_item <= 28 x 1e6 d": "unit 'x' does not fit",
            "checkpoint_over_floor <= 2 x 1.5e3x d": "N '1.5e3x' is not a size",
            "checkpoint_over_floor <= 2 x 1500.5 d": "N '1500.5' is not a size",
            "checkpoint_over_floor <= 2 x 0 d": "N '0' is not a size",
            "checkpoint_over_floor <= 2 x 1e6/1e4 d": "N '1e6/1e4' is not a size",
            "checkpoint_growth <= 1.2 x 1e6 d": "write them as HI/LO",
            "checkpoint_growth <= 1.2 x 1e4/1e6 d": "the first size must be the larger",
            "checkpoint_over_floor <= 3 x 1e6 again": "a second goal for "
                                                      "'checkpoint_over_floor' (the first "
                                                      "is on line 4)",
        }
        for bad, want in cases.items():
            with self.subTest(bad=bad):
                lines = GOOD_TABLE.splitlines()
                trial = lines[:6] + [bad] + lines[6:]
                with self.assertRaises(goals.GoalError) as cm:
                    goals.parse(trial, "g.table", ratios.QUANTITIES)
                self.assertIn(want, str(cm.exception))
                self.assertTrue(str(cm.exception).startswith("g.table:7: "), str(cm.exception))

    def test_a_missing_file_is_an_error(self) -> None:
        with self.assertRaisesRegex(goals.GoalError, "^/nonexistent/goals.table: "):
            ratios.load_goals("/nonexistent/goals.table")


class RatiosTest(unittest.TestCase):
    def compute(self, ns: List[int], native: Optional[Dict[int, Tuple[int, int]]] = None,
                gs: Optional[List[goals.Goal]] = None,
                extra: Optional[Dict[int, Tuple[int, int]]] = None
                ) -> Dict[str, ratios.Ratio]:
        """The ratios of a UML run of sizes ns, with a native run of those
        layouts if native is given, against gs (default: the repository's);
        extra: scripts/bench's extra --kernel-only UML run (ratios.UNL) at
        its sizes in its layouts, its restart 250 ns per item (the main
        run's 300), its checkpoint 80 (100)."""
        runs = [records.parse_lines(raw_run(ns), "uml", "x")]
        if native is not None:
            runs.append(records.parse_lines(raw_run(ns, userspace_only=True, layouts=native),
                                            "native", "y"))
        if extra is not None:
            runs.append(records.parse_lines(
                raw_run(sorted(extra), layouts=extra, kernel_only=True, restart_per_item=250,
                        checkpoint_per_item=80), ratios.UNL, "z"))
        pts = [p for r in runs for p in stats.points(r)]
        rs = ratios.compute(pts, stats.sizes(runs[0]), stats.memory(runs[0]),
                            {r.env: r.layouts for r in runs},
                            repo_goals() if gs is None else gs)
        return {r.key: r for r in rs}

    def test_full_run(self) -> None:
        rs = self.compute([1000, 10000, 100000, 1000000])
        sp = rs["checkpoint_speedup"]
        self.assertEqual(sp.n, 100000)
        assert sp.value is not None
        self.assertAlmostEqual(sp.value, (100000 ** 2 // 10 + 10) / (100 * 100000 + 10))
        self.assertIsNone(sp.goal)  # issue 16 has no goal for it: informative
        self.assertIsNone(sp.met)
        self.assertIn("extrapolated", sp.note)
        self.assertAlmostEqual(rs["restart_over_floor"].value or 0, 1.5, places=4)
        self.assertFalse(rs["restart_over_floor"].met)  # goal 1.3
        self.assertEqual(rs["restart_over_floor"].goal_text, "<= 1.3x")
        self.assertIsNone(rs["restart_items_over_floor"].met)  # informative
        self.assertIsNotNone(rs["restart_items_over_floor"].value)
        self.assertAlmostEqual(rs["checkpoint_over_floor"].value or 0, 2, places=4)
        self.assertEqual(rs["checkpoint_over_floor"].value_of_minima, 2)
        g = rs["checkpoint_growth"]
        self.assertAlmostEqual(g.value or 0, 1, places=3)
        self.assertTrue(g.met)
        self.assertEqual((g.n, g.n_base), (1000000, 10000))
        self.assertEqual(rs["image_bytes_per_item"].value, 36)
        self.assertFalse(rs["image_bytes_per_item"].met)  # goal 28
        self.assertEqual(rs["restart_memory_overhead"].value, 200)
        self.assertTrue(rs["restart_memory_overhead"].met)
        self.assertEqual(rs["restart_memory_overhead"].goal, 2 * ratios.MIB)
        self.assertEqual(rs["restart_memory_overhead"].goal_text, "<= 2 MiB")
        self.assertEqual(rs["restart_memory_overhead_used"].value, 4096)
        self.assertIsNone(rs["restart_memory_overhead_used"].goal)
        self.assertIsNone(rs["checkpoint_speedup_native"].value)
        self.assertIsNone(rs["restart_speedup_native"].met)  # a goal, unknown: no native run
        self.assertEqual(set(rs), set(ratios.QUANTITIES))

    def test_goals_come_first_in_the_tables_order(self) -> None:
        run = records.parse_lines(raw_run([1000]), "uml", "x")
        keys = [r.key for r in ratios.compute(stats.points(run), stats.sizes(run),
                                              stats.memory(run), None, repo_goals())]
        self.assertEqual(keys[:7], [g.key for g in repo_goals()])
        self.assertEqual(keys[7:], [s.key for s in ratios.CATALOGUE if s.key not in keys[:7]])

    def test_the_goal_sets_n_and_description(self) -> None:
        gs = goals.parse(["restart_over_floor <= 1.5 x 1e3 at one thousand",
                          "restart_growth <= 1.1 x 1e4/1e3 small growth"], "g", ratios.QUANTITIES)
        rs = self.compute([1000, 10000, 100000], gs=gs)
        r = rs["restart_over_floor"]
        self.assertEqual((r.n, r.what, r.note), (1000, "at one thousand", ""))
        self.assertEqual(r.goal, 1.5)
        self.assertEqual((rs["restart_growth"].n, rs["restart_growth"].n_base), (10000, 1000))
        self.assertIsNone(rs["image_bytes_per_item"].goal)  # not in gs: informative
        self.assertEqual(rs["image_bytes_per_item"].n, 100000)  # the largest, not 1e6
        self.assertIn("N=1000000 was not measured", rs["image_bytes_per_item"].note)

    def test_native_ratio_needs_equal_layouts(self) -> None:
        ns = [1000, 10000, 100000]
        same = self.compute(ns, native={})
        r = same["restart_speedup_native"]
        self.assertEqual(r.n, 100000)
        self.assertAlmostEqual(r.value or 0, (5000 * 100000 + 10) / (300 * 100000 + 10))
        self.assertTrue(r.met)
        self.assertIsNotNone(same["checkpoint_speedup_native"].value)
        differ = self.compute(ns, native={100000: (8, 12500)})
        r = differ["restart_speedup_native"]
        self.assertIsNone(r.value)
        self.assertIsNone(r.value_of_minima)
        self.assertIsNone(r.met)
        self.assertEqual(r.goal, 5)
        self.assertEqual(r.note, "not comparable: layouts differ "
                                 "(uml 4 sets of 25,000, native 8 sets of 12,500)")
        self.assertIsNone(differ["checkpoint_speedup_native"].value)
        # Another size's layout does not matter.
        other = self.compute(ns, native={1000: (8, 125)})
        self.assertTrue(other["restart_speedup_native"].met)

    def test_native_ratio_from_the_extra_run_in_the_native_layout(self) -> None:
        ns = [1000, 10000, 100000]
        rs = self.compute(ns, native={100000: (8, 12500)}, extra={100000: (8, 12500)})
        r = rs["restart_speedup_native"]
        self.assertEqual(r.n, 100000)
        self.assertAlmostEqual(r.value or 0, (5000 * 100000 + 10) / (250 * 100000 + 10))
        self.assertEqual(r.value_of_minima, 5000 / 250)
        self.assertTrue(r.met)
        self.assertEqual(r.note, "layout: both 8 sets of 12,500 (restart from the extra run "
                                 "uml_native_layout; uml 4 sets of 25,000)")
        c = rs["checkpoint_speedup_native"]
        self.assertAlmostEqual(c.value or 0, (100000 ** 2 // 10 + 10) / (80 * 100000 + 10))
        self.assertIn("layout: both 8 sets of 12,500 (checkpoint from the extra run "
                      "uml_native_layout; uml 4 sets of 25,000)", c.note)
        self.assertIn("native userspace_dump extrapolated", c.note)

    def test_the_extra_run_leaves_the_other_ratios_alone(self) -> None:
        ns = [1000, 10000, 100000, 1000000]
        native = {100000: (8, 12500), 1000000: (64, 15625)}
        plain = self.compute(ns, native=native)
        extra = self.compute(ns, native=native,
                             extra={100000: (8, 12500), 1000000: (64, 15625)})
        self.assertIsNone(plain["restart_speedup_native"].value)
        self.assertIsNotNone(extra["restart_speedup_native"].value)
        for key in set(ratios.QUANTITIES) - {"restart_speedup_native",
                                              "checkpoint_speedup_native"}:
            with self.subTest(key=key):
                self.assertEqual(plain[key], extra[key])

    def test_still_not_comparable_if_the_extra_run_differs_too(self) -> None:
        rs = self.compute([1000, 10000, 100000], native={100000: (8, 12500)},
                          extra={100000: (16, 6250)})
        r = rs["restart_speedup_native"]
        self.assertIsNone(r.value)
        self.assertIsNone(r.met)
        self.assertEqual(r.note, "not comparable: layouts differ (uml 4 sets of 25,000, "
                                 "uml_native_layout 16 sets of 6,250, "
                                 "native 8 sets of 12,500)")
        self.assertIsNone(rs["checkpoint_speedup_native"].value)
        # An extra run at another size only does not help either.
        other = self.compute([1000, 10000, 100000], native={100000: (8, 12500)},
                             extra={10000: (8, 1250)})
        self.assertIsNone(other["restart_speedup_native"].value)
        self.assertEqual(other["restart_speedup_native"].note,
                         "not comparable: layouts differ "
                         "(uml 4 sets of 25,000, native 8 sets of 12,500)")

    def test_the_main_uml_run_is_preferred_when_its_layout_matches(self) -> None:
        rs = self.compute([1000, 10000, 100000], native={}, extra={100000: (4, 25000)})
        r = rs["restart_speedup_native"]
        self.assertAlmostEqual(r.value or 0, (5000 * 100000 + 10) / (300 * 100000 + 10))
        self.assertEqual(r.note, "layout: both 4 sets of 25,000")
        c = rs["checkpoint_speedup_native"]
        self.assertAlmostEqual(c.value or 0, (100000 ** 2 // 10 + 10) / (100 * 100000 + 10))

    def test_native_ratio_with_an_unknown_layout(self) -> None:
        uml = records.parse_lines(raw_run([100000]), "uml", "x")
        nat = records.parse_lines(raw_run([100000], userspace_only=True), "native", "y")
        pts = stats.points(uml) + stats.points(nat)
        rs = {r.key: r for r in ratios.compute(pts, [], [], {"uml": uml.layouts}, repo_goals())}
        self.assertIsNone(rs["restart_speedup_native"].value)
        self.assertIn("not comparable: layouts unknown (uml 4 sets of 25,000, native unknown)",
                      rs["restart_speedup_native"].note)

    def test_quick_run_uses_the_largest_size_and_says_so(self) -> None:
        rs = self.compute([1000, 10000])
        self.assertEqual(rs["checkpoint_speedup"].n, 10000)
        self.assertIn("N=100000 was not measured", rs["checkpoint_speedup"].note)
        self.assertIsNone(rs["checkpoint_growth"].value)
        self.assertIn("needs N=10000 and a larger size", rs["checkpoint_growth"].note)
        self.assertIsNone(rs["checkpoint_growth"].met)


def table_after(md: str, heading: str) -> List[List[str]]:
    """The rows of the first table after heading, cells stripped, the
    separator row dropped."""
    lines = md.splitlines()
    i = lines.index(heading) + 1
    while not lines[i].startswith("|"):
        i += 1
    rows = []
    while i < len(lines) and lines[i].startswith("|"):
        if not lines[i].startswith("|---"):
            rows.append([c.strip() for c in lines[i].strip("|").split("|")])
        i += 1
    return rows


class RenderTest(unittest.TestCase):
    def test_svg_is_well_formed_and_log_scaled(self) -> None:
        run = records.parse_lines(raw_run([1000, 10000, 100000]), "uml", "x")
        svg = svgplot.render(stats.points(run), "t <&>")
        root = ET.fromstring(svg)
        self.assertTrue(root.tag.endswith("svg"))
        self.assertIn("t &lt;&amp;&gt;", svg)
        self.assertIn("fill=\"white\" stroke=\"#2ca02c\"", svg)  # hollow: extrapolated
        self.assertIn(">1e5</text>", svg)

    def render(self, ns: List[int], phases: bool) -> str:
        run = records.parse_lines(raw_run(ns, phases=phases), "uml", "x")
        pts = stats.points(run)
        rs = ratios.compute(pts, stats.sizes(run), stats.memory(run), None, repo_goals())
        return markdown.render({"uml": run}, pts, stats.sizes(run), stats.memory(run), rs,
                               False, "", stats.phases(run), "harness/bench/goals.table")

    def test_where_the_time_goes(self) -> None:
        md = self.render([1000, 10000], phases=True)
        self.assertIn("## Where the time goes", md)
        ck = table_after(md, "### `checkpoint` (UML)")
        self.assertEqual(ck, [
            ["N", "other", "collect", "items", "total (kernel)", "sample (userspace)"],
            ["1,000", "2", "3", "60", "65", "100"],
            ["10,000", "2", "3", "60", "65", "100"],
        ])
        rs = table_after(md, "### `restart` (UML)")
        self.assertEqual(rs[0], ["N", "other", "items", "install", "total (kernel)",
                                 "sample (userspace)"])
        self.assertEqual(rs[2], ["10,000", "1", "200", "10", "211", "300"])
        self.assertIn("Largest phase of `checkpoint` at N=10,000: `items`, 60 ns/item, "
                      "92% of the kernel total.", md)
        self.assertIn("Largest phase of `restart` at N=10,000: `items`, 200 ns/item, "
                      "95% of the kernel total.", md)
        self.assertNotIn("`checkpoint_targets` (UML)", md)

    def test_small_phases_do_not_read_as_zero(self) -> None:
        self.assertEqual(markdown._ns_per_item(0.25), "0.25")
        self.assertEqual(markdown._ns_per_item(3.46), "3.5")
        self.assertEqual(markdown._ns_per_item(1234.4), "1,234")
        self.assertEqual(markdown._ns_per_item(0), "0")

    def test_no_phases_is_one_line(self) -> None:
        md = self.render([1000], phases=False)
        section = md[md.index("## Where the time goes"):md.index("## Image")]
        body = [x for x in section.splitlines()[1:] if x.strip()]
        self.assertEqual(body, ["No per-phase breakdown in this run: only the bench kernel "
                                "(`make bench`) records one (`phases` records)."])

    def test_ratio_tables(self) -> None:
        md = self.render([1000, 10000], phases=False)
        self.assertIn("Goals from `harness/bench/goals.table`.", md)
        goal_rows = table_after(md, "## Ratios and goals")
        self.assertEqual(goal_rows[0], ["ratio", "N", "value", "goal", "met", "notes"])
        self.assertEqual(len(goal_rows), 1 + len(repo_goals()))
        by = {r[0]: r for r in goal_rows[1:]}
        floor = by["checkpoint time over the floor (walk)"]
        self.assertEqual(floor[1:5], ["10,000", "2 (2)", "<= 2x", "**no**"])
        growth = by["checkpoint time per item, N=1e6 over N=1e4"]
        self.assertEqual(growth[3:5], ["<= 1.2x", "unknown"])
        mem = [r for r in goal_rows if r[0].startswith("restart's extra kernel memory")][0]
        self.assertEqual(mem[2:5], ["200 B", "<= 2 MiB", "yes"])
        info = table_after(md, "Informative, without a goal:")
        self.assertEqual(info[0], ["ratio", "N", "value", "notes"])
        self.assertIn("checkpoint speedup over the userspace dump (both in UML)",
                      [r[0] for r in info])

    def test_markdown_and_main(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            uml, nat = os.path.join(d, "uml.raw"), os.path.join(d, "native.raw")
            with open(uml, "w") as f:
                f.write("\n".join(raw_run([1000, 10000], phases=True)) + "\n")
            with open(nat, "w") as f:
                f.write("\n".join(raw_run([1000, 10000], userspace_only=True,
                                          layouts={10000: (8, 1250)})) + "\n")
            out = io.StringIO()
            with redirect_stdout(out):
                rc = cli.main(["--uml", uml, "--native", nat, "--out", d, "--quick"])
            self.assertEqual(rc, 0)
            self.assertTrue(out.getvalue().startswith("## Ratios and goals"))
            with open(os.path.join(d, "results.json")) as f:
                doc = json.load(f)
            self.assertEqual(doc["schema_version"], 2)
            self.assertTrue(doc["quick"])
            self.assertEqual(sorted(doc["runs"]), ["native", "uml"])
            self.assertEqual(doc["goals_file"], "harness/bench/goals.table")
            envs = {(p["env"], p["method"]) for p in doc["points"]}
            self.assertIn(("native", "userspace_dump"), envs)
            ph = [p for p in doc["phases"] if p["method"] == "checkpoint" and p["n"] == 10000]
            self.assertEqual(len(ph), 1)
            self.assertEqual((ph[0]["env"], ph[0]["reps"]), ("uml", 3))
            self.assertEqual(list(ph[0]["phases"]),
                             ["other", "collect", "items", "install", "release"])
            self.assertEqual(ph[0]["phases"]["items"]["median_ns"], 600000)
            self.assertEqual(ph[0]["phases"]["items"]["median_ns_per_item"], 60)
            self.assertEqual(ph[0]["total"]["median_ns"], 650000)
            self.assertEqual(len(doc["phases"]), 2 * len(PHASE_METHODS))
            rs = {r["key"]: r for r in doc["ratios"]}
            self.assertIsNone(rs["restart_speedup_native"]["value"])
            self.assertIsNone(rs["restart_speedup_native"]["met"])
            self.assertIn("layouts differ", rs["restart_speedup_native"]["note"])
            self.assertEqual(rs["restart_growth"]["goal_text"], "<= 1.2x")
            self.assertEqual(rs["restart_growth"]["n_base"], 10000)
            with open(os.path.join(d, "results.md")) as f:
                md = f.read()
            self.assertIn("| `checkpoint` | UML |", md)
            self.assertIn("| `userspace_dump` | native |", md)
            self.assertIn("### `restart` (UML)", md)
            self.assertIn("Quick run", md)
            ET.parse(os.path.join(d, "plot.svg"))

    def test_main_with_extra_runs_in_the_native_layout(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            def write(name: str, lines: List[str]) -> str:
                path = os.path.join(d, name)
                with open(path, "w") as f:
                    f.write("\n".join(lines) + "\n")
                return path
            ns = [1000, 10000, 100000]
            native = {10000: (8, 1250), 100000: (16, 6250)}
            uml = write("uml.raw", raw_run(ns, phases=True))
            nat = write("native.raw", raw_run(ns, userspace_only=True, layouts=native))
            ex8 = write("uml-native-layout-8sets.raw",
                        raw_run([10000], layouts={10000: (8, 1250)}, kernel_only=True,
                                phases=True, restart_per_item=250))
            ex16 = write("uml-native-layout-16sets.raw",
                         raw_run([100000], layouts={100000: (16, 6250)}, kernel_only=True,
                                 phases=True, restart_per_item=200))
            base = ["--uml", uml, "--native", nat, "--host", "h"]
            outs: Dict[str, Tuple[Dict[str, Any], str, str]] = {}
            runs: List[Tuple[str, List[str]]] = [
                ("plain", []),
                ("extra", ["--uml-same-layout", ex8, "--uml-same-layout", ex16])]
            for name, extra in runs:
                out = os.path.join(d, name)
                with redirect_stdout(io.StringIO()):
                    self.assertEqual(cli.main(base + extra + ["--out", out]), 0)
                with open(os.path.join(out, "results.json")) as f:
                    doc = json.load(f)
                with open(os.path.join(out, "results.md")) as f:
                    md = f.read()
                with open(os.path.join(out, "plot.svg")) as f:
                    svg = f.read()
                outs[name] = (doc, md, svg)
            doc, md, svg = outs["extra"]
            self.assertEqual(sorted(doc["runs"]), ["native", "uml", "uml_native_layout"])
            self.assertEqual(doc["runs"]["uml_native_layout"]["layouts"],
                             {"10000": {"nsets": 8, "per_set": 1250},
                              "100000": {"nsets": 16, "per_set": 6250}})
            mine = {(p["n"], p["method"]): p for p in doc["points"]
                    if p["env"] == "uml_native_layout"}
            self.assertEqual(mine[(100000, "restart")]["median_ns"], 200 * 100000 + 10)
            self.assertEqual(mine[(10000, "restart")]["median_ns"], 250 * 10000 + 10)
            self.assertNotIn((10000, "userspace_restore"), mine)
            self.assertTrue(any(p["env"] == "uml_native_layout" for p in doc["phases"]))
            rs = {r["key"]: r for r in doc["ratios"]}
            r = rs["restart_speedup_native"]
            self.assertEqual(r["n"], 100000)
            self.assertAlmostEqual(r["value"], (5000 * 100000 + 10) / (200 * 100000 + 10))
            self.assertTrue(r["met"])
            self.assertEqual(r["note"], "layout: both 16 sets of 6,250 (restart from the "
                                        "extra run uml_native_layout; uml 4 sets of 25,000)")
            plain_doc, plain_md, plain_svg = outs["plain"]
            plain_rs = {x["key"]: x for x in plain_doc["ratios"]}
            self.assertIsNone(plain_rs["restart_speedup_native"]["value"])
            self.assertIn("layouts differ", plain_rs["restart_speedup_native"]["note"])
            # The other ratios, the tables and the plot are the main runs'.
            others = {k: v for k, v in rs.items()
                      if k not in ("restart_speedup_native", "checkpoint_speedup_native")}
            self.assertEqual(others, {k: v for k, v in plain_rs.items() if k in others})
            self.assertEqual(len(others), len(rs) - 2)
            self.assertEqual(svg, plain_svg)
            self.assertEqual(md[md.index("## Time"):md.index("## Ratios")],
                             plain_md[plain_md.index("## Time"):plain_md.index("## Ratios")])
            self.assertNotIn("extra run in the native layout (--kernel-only) |", md)
            self.assertIn("- **UML, extra run in the native layout (--kernel-only)**: kernel "
                          "6.12.0, 3 repetitions; layouts N=10,000: 8 sets of 1,250, "
                          "N=100,000: 16 sets of 6,250", md)
            self.assertEqual([p for p in doc["points"] if p["env"] != "uml_native_layout"],
                             plain_doc["points"])

    def test_main_with_the_smoke_runs_records(self) -> None:
        # The default kernel's smoke run: no floor, no phases, one size.
        with tempfile.TemporaryDirectory() as d:
            uml = os.path.join(d, "uml.raw")
            lines = [x for x in raw_run([1000]) if '"floor_' not in x]
            with open(uml, "w") as f:
                f.write("\n".join(lines) + "\n")
            with redirect_stdout(io.StringIO()):
                rc = cli.main(["--uml", uml, "--out", d, "--quick"])
            self.assertEqual(rc, 0)
            with open(os.path.join(d, "results.json")) as f:
                self.assertEqual(json.load(f)["phases"], [])
            with open(os.path.join(d, "results.md")) as f:
                self.assertIn("No per-phase breakdown in this run", f.read())

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

    def test_main_reports_a_bad_goals_table_in_one_line(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            uml, table = os.path.join(d, "uml.raw"), os.path.join(d, "goals.table")
            with open(uml, "w") as f:
                f.write("\n".join(raw_run([1000])) + "\n")
            with open(table, "w") as f:
                f.write("# goals\nrestart_over_floor <= 1.3 x 1e6 fine\n"
                        "checkpoint_over_floor =< 2 x 1e6 oops\n")
            err = io.StringIO()
            with redirect_stderr(err), redirect_stdout(io.StringIO()):
                rc = cli.main(["--uml", uml, "--out", d, "--goals", table])
            self.assertEqual(rc, 1)
            self.assertEqual(len(err.getvalue().strip().splitlines()), 1)
            self.assertIn(f"{table}:3: comparison must be <= or >=, not '=<'", err.getvalue())
            self.assertFalse(os.path.exists(os.path.join(d, "results.json")))

    def test_main_uses_the_goals_option(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            uml, table = os.path.join(d, "uml.raw"), os.path.join(d, "mine.table")
            with open(uml, "w") as f:
                f.write("\n".join(raw_run([1000])) + "\n")
            with open(table, "w") as f:
                f.write("image_bytes_per_item <= 40 bytes 1e3 my bytes goal\n")
            with redirect_stdout(io.StringIO()):
                rc = cli.main(["--uml", uml, "--out", d, "--goals", table])
            self.assertEqual(rc, 0)
            with open(os.path.join(d, "results.json")) as f:
                doc = json.load(f)
            self.assertEqual(doc["goals_file"], table)
            goals_ = [r for r in doc["ratios"] if r["goal"] is not None]
            self.assertEqual([(r["key"], r["what"], r["met"]) for r in goals_],
                             [("image_bytes_per_item", "my bytes goal", True)])


if __name__ == "__main__":
    unittest.main()
