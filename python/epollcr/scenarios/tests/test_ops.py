"""The op table (scenarios/ops.table): its reader, FORMAT.md and the C header."""
from __future__ import annotations

import contextlib
import io
import re
import unittest

from epollcr import TOP
from epollcr.scenarios.ops import OPS, TableError, c_header, format_md, main, read_table
from epollcr.scenarios.scenario import OUTSIDE, TRACED

GOOD = """\
# comment
seed | - | - | N:0..0x7fffffffffffffff | metadata | -
epoll | result | - | NAME:new [cloexec] | `epoll_create1` | fd
ctl | result | - | add|mod EP:name T:name EVENTS:events DATA:data | add or mod | `0`
ctl | result | - | del EP:name T:name | del | `0`
wait | must | - | EP:name MAX:0..MAX_WAIT | wait | events
hwait | - | wait | EP:name MAX:0..MAX_WAIT | queued wait | -
dup2 | result | - | NAME:name NEW:new FD:FD_MIN..FD_LIMIT-1 | dup2 | fd
"""


class Reader(unittest.TestCase):
    def bad(self, line: str, words: str) -> None:
        with self.assertRaises(TableError) as cm:
            read_table(GOOD + line + "\n", "t.table")
        msg = str(cm.exception)
        self.assertTrue(msg.startswith(f"t.table:{GOOD.count(chr(10)) + 1}: "), msg)
        self.assertIn(words, msg)

    def test_reads_forms(self) -> None:
        ops = read_table(GOOD)
        self.assertEqual(list(ops), ["seed", "epoll", "ctl", "wait", "hwait", "dup2"])
        ctl = ops["ctl"]
        self.assertEqual([f.args[0].words for f in ctl.forms], [("add", "mod"), ("del",)])
        self.assertEqual([(f.lo, f.hi) for f in ctl.forms], [(5, 5), (3, 3)])
        self.assertEqual(ctl.usage(), "ctl add|mod EP T EVENTS DATA; ctl del EP T")
        self.assertEqual(ctl.forms[0].usage("mod"), "ctl mod EP T EVENTS DATA")
        epoll = ops["epoll"].forms[0]
        self.assertEqual((epoll.flags, epoll.lo, epoll.hi), (("cloexec",), 1, 2))
        self.assertEqual(ops["hwait"].outside, "wait")
        self.assertEqual(ops["hwait"].base, "wait")
        self.assertEqual(ops["wait"].trace, "must")
        fd = ops["dup2"].forms[0].args[2]
        self.assertEqual((fd.kind, fd.lo, fd.hi, fd.lo_c, fd.hi_c), ("num", 3, 131071, "SCN_FD_MIN", "(SCN_FD_LIMIT - 1)"))
        self.assertEqual(ops["seed"].forms[0].args[0].hi, (1 << 63) - 1)

    def test_errors(self) -> None:
        self.bad("close | result | - | NAME:name", "4 fields, expected 6")
        self.bad("Close | result | - | NAME:name | c | -", "bad op word")
        self.bad("close | yes | - | NAME:name | c | -", "trace 'yes'")
        self.bad("close | result | - | NAME:thing | c | -", "unknown kind 'thing'")
        self.bad("close | result | - | name:name | c | -", "bad placeholder")
        self.bad("close | result | - | N:1..FD_MAX | c | -", "unknown limit 'FD_MAX'")
        self.bad("close | result | - | N:9..1 | c | -", "bad bounds")
        self.bad("close | result | - | NAME:name [bogus] | c | -", "unknown flag 'bogus'")
        self.bad("close | result | - | [cloexec] NAME:name | c | -", "after a flag")
        self.bad("close | result | - | [A:name] B:name | c | -", "after an optional")
        self.bad("close | result | - | A:name add|del | c | -", "choice of words comes first")
        self.bad("close | result | - | A:name A:new | c | -", "placeholder appears twice")
        self.bad("hclose | result | close | NAME:name | c | -", "outside-task op gives no trace result")
        self.bad("hclose | - | nothing | NAME:name | c | -", "not an op of this process")
        self.bad("hhwait | - | hwait | EP:name | c | -", "not an op of this process")
        self.bad("ctl | result | - | del EP:name | c | -", "must be adjacent")
        self.bad("dup2 | result | - | NAME:name | c | -", "needs a choice of words first")

    def test_same_word_twice(self) -> None:
        with self.assertRaises(TableError) as cm:
            read_table("ctl | result | - | add|del A:name | c | -\nctl | result | - | del A:name | c | -\n")
        self.assertIn("word del on two lines", str(cm.exception))


class Table(unittest.TestCase):
    def test_the_table(self) -> None:
        self.assertEqual(OUTSIDE, {"hctl": "ctl", "hwrite": "write", "hread": "read",
                                   "hwait": "wait", "hclose": "close"})
        self.assertEqual(TRACED, {"epoll", "eventfd", "pipe", "socketpair", "file", "dup", "dup2",
                                  "close", "shutdown", "ctl", "fill", "write", "read", "wait",
                                  "params", "timerfd", "settime", "signalfd", "raise"})
        # One line, its first argument a choice of words.
        shutdown = OPS["shutdown"]
        self.assertEqual([f.args[0].words for f in shutdown.forms], [("rd", "wr", "rdwr")])
        self.assertEqual(shutdown.usage(), "shutdown rd|wr|rdwr NAME")
        self.assertEqual(OPS["socketpair"].forms[0].flags, ("dgram", "seqpacket", "nonblock"))

    def test_format_md_has_the_table(self) -> None:
        text = (TOP / "scenarios" / "FORMAT.md").read_text(encoding="utf-8")
        m = re.search(r"<!-- generated from scenarios/ops.table: do not edit by hand -->\n(.*?)"
                      r"<!-- end of generated table -->", text, re.S)
        assert m is not None, "FORMAT.md: no generated operations table"
        self.assertEqual(m.group(1), format_md(OPS),
                         "FORMAT.md's operations table differs from scenarios/ops.table; regenerate it with "
                         "PYTHONPATH=python python3 -m epollcr.scenarios.ops --format-md")

    def test_c_header(self) -> None:
        h = c_header(OPS)
        enum = re.search(r"enum scn_kind \{\n(.*?)\};", h, re.S)
        assert enum is not None
        self.assertEqual(enum.group(1).split(), [f"OP_{n.upper()}," for n, s in OPS.items() if s.outside is None])
        self.assertEqual(h.count("{ .op = "), sum(len(s.forms) for s in OPS.values()))
        self.assertIn('{ .op = "hctl", .kind = OP_CTL, .outside = true, .trace = SCN_TRACE_NONE,', h)
        self.assertIn('.hi = (SCN_FD_LIMIT - 1)', h)
        self.assertIn("#define SCN_FD_LIMIT 131072", h)

    def test_outside_lists_the_outside_ops(self) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(main(["--outside"]), 0)
        self.assertEqual(out.getvalue().split(), list(OUTSIDE))


if __name__ == "__main__":
    unittest.main()
