"""Tests of epollcr.kernellog and its wrapper scripts/scan-kernel-log.

Run: PYTHONPATH=python python3 -m epollcr.ktap_unittest epollcr.tests
"""
from __future__ import annotations

import io
import os
import subprocess
import tempfile
import unittest
from contextlib import redirect_stdout, redirect_stderr

from epollcr import TOP
from epollcr import kernellog as scan

CLEAN = """\
[    0.000000] Linux version 6.12.117 (root@host) #1 Tue
[    0.100000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15807)
[    0.200000] FAULT_INJECTION: forcing a failure.
[    0.200001] CPU: 0 UID: 0 PID: 1 Comm: cr-test Not tainted 6.12.117 #1
[    0.200002] Call Trace:
[    1.000000] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[    1.500000] uml-init: kmemleak: scan done
[    2.000000] reboot: Power down
"""

KASAN = """\
[    1.0] ==================================================================
[    1.0] BUG: KASAN: slab-use-after-free in ckpt_read+0x10/0x20
[    1.0] Read of size 8 at addr 000000006123 by task cr-test/42
[    1.0] ==================================================================
[    1.1] unrelated line after the report
"""

KCSAN = """\
[    4.0] ==================================================================
[    4.0] BUG: KCSAN: data-race in ep_poll_callback / ckpt_freeze
[    4.0]
[    4.0] write to 0xffff888003c1a0e8 of 8 bytes by task 71 on cpu 2:
[    4.0]  ep_poll_callback+0x1a2/0x3f0
[    4.0]
[    4.0] read to 0xffff888003c1a0e8 of 8 bytes by task 70 on cpu 0:
[    4.0]  ckpt_freeze+0x3c/0x210
[    4.0] ==================================================================
[    4.1] unrelated line after the report
"""

WARN = """\
[    2.0] ------------[ cut here ]------------
[    2.0] WARNING: CPU: 0 PID: 7 at fs/checkpoint/files.c:100 ckpt_restart_files+0x1/0x2
[    2.0] Modules linked in:
[    2.0] ---[ end trace 0000000000000000 ]---
[    2.1] after
"""

UBSAN = """\
[    3.0] ------------[ cut here ]------------
[    3.0] UBSAN: shift-out-of-bounds in fs/checkpoint/image.c:12:3
[    3.0] ---[ end trace 0000000000000000 ]---
"""

LOCKDEP = """\
[    4.0] ======================================================
[    4.0] WARNING: possible circular locking dependency detected
[    4.0] 6.12.117 #1 Not tainted
"""

SLEEP = "[    5.0] BUG: sleeping function called from invalid context at mm/slub.c:4100\n"
LEAK = """\
[    6.0] uml-init: kmemleak: unreferenced object 0x0000000061234567 (size 64):
[    6.0] uml-init: kmemleak:   comm "cr-test", pid 42, jiffies 4294937296
[    6.0] uml-init: kmemleak:   backtrace (crc 0):
[    6.0] uml-init: kmemleak: unreferenced object 0x0000000061234600 (size 32):
[    6.0] uml-init: kmemleak: scan done
"""
LIST = "[    7.0] list_del corruption, 0000000061234567->next is LIST_POISON1 (dead000000000100)\n"
LIST_WARN = """\
[    8.0] ------------[ cut here ]------------
[    8.0] list_add corruption. prev->next should be next (000000006f0d8a40), but was 0000000000000000.
[    8.0] WARNING: CPU: 0 PID: 25 at lib/list_debug.c:32 __list_add_valid_or_report+0x9c/0x110
[    8.0] ---[ end trace 0000000000000000 ]---
[    8.1] ------------[ cut here ]------------
[    8.1] WARNING: CPU: 0 PID: 25 at fs/checkpoint/files.c:1 f+0x1/0x2
"""


def kinds(text: str) -> list[str]:
    return [r.kind for r in scan.scan_lines(text.splitlines(True), "log")]


class ScanLines(unittest.TestCase):
    def test_clean_log_has_no_report(self) -> None:
        self.assertEqual(kinds(CLEAN), [])

    def test_kasan_report_ends_at_its_closing_rule(self) -> None:
        reports = scan.scan_lines((CLEAN + KASAN).splitlines(True), "log")
        self.assertEqual([r.kind for r in reports], ["KASAN"])
        self.assertEqual(len(reports[0].lines), 3)
        self.assertIn("slab-use-after-free", reports[0].headline)

    def test_kcsan_report_is_one_report_to_its_closing_rule(self) -> None:
        reports = scan.scan_lines((CLEAN + KCSAN).splitlines(True), "log")
        self.assertEqual([r.kind for r in reports], ["KCSAN"])
        self.assertEqual(len(reports[0].lines), 8)
        self.assertIn("ep_poll_callback / ckpt_freeze", reports[0].headline)

    def test_cut_here_and_warning_are_one_warn(self) -> None:
        reports = scan.scan_lines(WARN.splitlines(True), "log")
        self.assertEqual([r.kind for r in reports], ["WARN"])
        self.assertIn("files.c:100", reports[0].headline)
        self.assertEqual(reports[0].lineno, 1)

    def test_ubsan_after_cut_here_is_named_ubsan(self) -> None:
        self.assertEqual(kinds(UBSAN), ["UBSAN"])

    def test_lockdep_and_sleeping_in_atomic(self) -> None:
        self.assertEqual(kinds(LOCKDEP + SLEEP), ["lockdep", "lockdep"])

    def test_every_leaked_object_is_a_report(self) -> None:
        self.assertEqual(kinds(LEAK), ["kmemleak", "kmemleak"])

    def test_list_corruption(self) -> None:
        self.assertEqual(kinds(LIST), ["list corruption"])

    def test_message_warn_is_one_report_named_by_message(self) -> None:
        reports = scan.scan_lines(LIST_WARN.splitlines(True), "log")
        self.assertEqual([r.kind for r in reports], ["list corruption", "WARN"])
        self.assertIn("list_add corruption", reports[0].headline)
        self.assertEqual(len(reports[0].lines), 4)

    def test_report_is_capped(self) -> None:
        text = SLEEP + "".join(f"[ 9.0] frame {i}\n" for i in range(500))
        reports = scan.scan_lines(text.splitlines(True), "log")
        self.assertEqual(len(reports[0].lines), scan.MAX_LINES)

    def test_allowed_reports_are_listed_not_counted(self) -> None:
        import re
        saved = scan.ALLOWED
        scan.ALLOWED = ((re.compile(r"files\.c:100"), "test"),)
        try:
            found, skipped = self.scan_text(WARN + KASAN)
        finally:
            scan.ALLOWED = saved
        self.assertEqual([r.kind for r in found], ["KASAN"])
        self.assertEqual([why for _, why in skipped], ["test"])

    def scan_text(self, text: str) -> tuple[list[scan.Report], list[tuple[scan.Report, str]]]:
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(text)
        try:
            return scan.scan_file(f.name)
        finally:
            os.unlink(f.name)


class Main(unittest.TestCase):
    def run_main(self, text: str) -> tuple[int, str]:
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(text)
        out = io.StringIO()
        try:
            with redirect_stdout(out):
                rc = scan.main([f.name])
        finally:
            os.unlink(f.name)
        return rc, out.getvalue()

    def test_clean_exits_zero_silently(self) -> None:
        self.assertEqual(self.run_main(CLEAN), (0, ""))

    def test_report_exits_one_and_prints_it(self) -> None:
        rc, out = self.run_main(CLEAN + KASAN)
        self.assertEqual(rc, 1)
        self.assertIn(":10: KASAN: ", out)
        self.assertIn("Read of size 8", out)
        self.assertIn("1 report(s)", out)

    def test_missing_file_is_one_line_and_two(self) -> None:
        err = io.StringIO()
        with redirect_stderr(err):
            rc = scan.main(["/nonexistent/kernel.log"])
        self.assertEqual(rc, 2)
        self.assertEqual(err.getvalue().count("\n"), 1)
        self.assertIn("/nonexistent/kernel.log", err.getvalue())

    def test_no_argument_is_usage_error(self) -> None:
        with redirect_stderr(io.StringIO()):
            self.assertEqual(scan.main([]), 2)


class Wrapper(unittest.TestCase):
    """scripts/scan-kernel-log, as harness/launch/run-lib.sh and scripts/check run it."""

    def run_script(self, text: str) -> subprocess.CompletedProcess[str]:
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(text)
        try:
            return subprocess.run([str(TOP / "scripts" / "scan-kernel-log"), f.name],
                                  capture_output=True, text=True, cwd="/")
        finally:
            os.unlink(f.name)

    def test_clean_log_exits_zero(self) -> None:
        r = self.run_script(CLEAN)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_report_exits_one(self) -> None:
        r = self.run_script(CLEAN + KASAN)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":10: KASAN: ", r.stdout)


if __name__ == "__main__":
    unittest.main()
