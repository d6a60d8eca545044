"""Malformed scenarios: both parsers (scenario.py and harness/scenario/parse.c,
run natively as build/harness/scenario-run, which parses every file before
it runs any) give the same 'FILE:LINE: message' for each."""
from __future__ import annotations

import os
import subprocess
import tempfile
import unittest

from epollcr import TOP
from epollcr.scenarios.scenario import ScenarioError, parse_text

RUNNER = TOP / "build" / "harness" / "scenario-run"
# What the runner is built from: older than any of them, it is skipped.
SOURCES = [TOP / "scenarios" / "ops.table", *sorted((TOP / "harness" / "scenario").glob("*.[ch]"))]

E, EA = "epoll ep\n", "epoll ep\neventfd a\n"
# (text, line, message)
CASES = [
    ("foo\n", 1, "unknown op 'foo'"),
    ("epoll\n", 1, "usage: epoll NAME [cloexec]"),
    ("epoll ep x\n", 1, "epoll: unknown flag 'x'"),
    ("epoll ep cloexec extra\n", 1, "usage: epoll NAME [cloexec]"),
    ("epoll 1ep\n", 1, "bad name '1ep'"),
    ("epoll " + "n" * 64 + "\n", 1, "bad name '" + "n" * 64 + "'"),
    (E + "epoll ep\n", 2, "name 'ep' is already bound"),
    ("eventfd a bogus\n", 1, "eventfd INIT: 'bogus' is not a number"),
    ("eventfd a 0 bogus\n", 1, "eventfd: unknown flag 'bogus'"),
    ("eventfd a 0x100000000\n", 1, "eventfd INIT: 0x100000000 out of range 0..4294967295"),
    ("eventfd a 1 semaphore nonblock extra\n", 1, "usage: eventfd NAME [INIT] [semaphore] [nonblock]"),
    ("pipe r r\n", 1, "pipe: the two ends need two names"),
    ("socketpair a a\n", 1, "socketpair: the two ends need two names"),
    ("socketpair a b dgram seqpacket\n", 1, "socketpair: dgram and seqpacket are two types"),
    ("socketpair a b stream\n", 1, "socketpair: unknown flag 'stream'"),
    ("socketpair a\n", 1, "usage: socketpair A B [dgram] [seqpacket] [nonblock]"),
    ("socketpair a b\nshutdown both a\n", 2, "usage: shutdown rd|wr|rdwr NAME"),
    ("socketpair a b\nshutdown wr\n", 2, "usage: shutdown wr NAME"),
    ("socketpair a b\nshutdown rd c\n", 2, "name 'c' is not open"),
    ("socketpair a b dgram\nwrite a 70000\n", 2, "write N: 70000 out of range 0..65536"),
    ("file f a/b\n", 1, "file: path 'a/b' must match [A-Za-z0-9._-]+, at most 63 characters"),
    ("file f " + "p" * 64 + "\n", 1, "file: path '" + "p" * 64 + "' must match [A-Za-z0-9._-]+, at most 63 characters"),
    ("dup x y\n", 1, "name 'x' is not open"),
    ("eventfd a\ndup2 a b 3\n", 2, "dup2: fd 3 is already 'a'"),
    ("eventfd a\ndup2 a b 2\n", 2, "dup2 FD: 2 out of range 3..131071"),
    ("eventfd a\ndup2 a b\n", 2, "usage: dup2 NAME NEW FD"),
    (EA + "ctl foo ep a\n", 3, "usage: ctl add|mod EP TARGET EVENTS DATA; ctl del EP TARGET"),
    (EA + "ctl\n", 3, "usage: ctl add|mod EP TARGET EVENTS DATA; ctl del EP TARGET"),
    (EA + "ctl mod ep a in\n", 3, "usage: ctl mod EP TARGET EVENTS DATA"),
    (EA + "ctl del ep a in 1\n", 3, "usage: ctl del EP TARGET"),
    (EA + "ctl add ep a in|bogus 1\n", 3, "unknown event 'bogus'"),
    (EA + "ctl add ep a in||out 1\n", 3, "unknown event ''"),
    (EA + "ctl add ep a 0x100000000 1\n", 3, "ctl EVENTS: 0x100000000 out of range 0..4294967295"),
    (EA + "ctl add ep a in -1\n", 3, "ctl DATA: '-1' is not a number"),
    (EA + "ctl add ep a in 0x\n", 3, "ctl DATA: '0x' is not a number"),
    (EA + "ctl add ep a in 18446744073709551616\n", 3,
     "ctl DATA: 18446744073709551616 out of range 0..18446744073709551615"),
    (EA + "ctl mod ep b in 1\n", 3, "name 'b' is not open"),
    (EA + "fill ep a 200000 in 0\n", 3, "fill COUNT: 200000 out of range 0..131072"),
    ("pipe r w\nwrite w 70000\n", 2, "write N: 70000 out of range 0..65536"),
    ("pipe r w\nread r 70000 record\n", 2, "read N: 70000 out of range 0..65536"),
    (E + "wait ep 1\n", 2, "wait needs 'expect ...' or 'record'"),
    (E + "wait ep record\n", 2, "usage: wait EP MAXEVENTS"),
    (E + "wait ep 2000 record\n", 2, "wait MAXEVENTS: 2000 out of range 0..1024"),
    (E + "params ep 1 70000 1\n", 2, "params BUDGET: 70000 out of range 0..65535"),
    ("checkpoint x\n", 1, "checkpoint LEAD: 'x' is not a number"),
    ("checkpoint 1\n", 1, "checkpoint: lead 1 > 0 queued outside-task ops"),
    ("checkpoint expect 1\n", 1, "'checkpoint' gives no result to expect or record"),
    ("seed 1\nseed 2\n", 2, "seed given twice"),
    ("category a record\n", 1, "'category' gives no result to expect or record"),
    (E + "hwait ep\ncheckpoint\n", 2, "usage: hwait EP MAXEVENTS"),
    (E + "hwait ep 4 expect\ncheckpoint\n", 2, "'hwait' gives no result to expect or record"),
    ("eventfd a\nhwrite a 1 record\ncheckpoint\n", 2, "'hwrite' gives no result to expect or record"),
    ("pipe r w\nhwrite w 70000\ncheckpoint\n", 2, "hwrite N: 70000 out of range 0..65536"),
    ("eventfd a\nhclose a\n", 2, "outside-task op with no checkpoint after it"),
    (EA + "hctl foo ep a\ncheckpoint\n", 3, "usage: hctl add|mod EP TARGET EVENTS DATA; hctl del EP TARGET"),
    (EA + "hctl add ep a\ncheckpoint\n", 3, "usage: hctl add EP TARGET EVENTS DATA"),
    ("epoll e\neventfd a\nhctl add e a in 1\ncheckpoint 2\n", 4, "checkpoint: lead 2 > 1 queued outside-task ops"),
    ("epoll e\neventfd a\nhctl add e a in 1\ncheckpoint\nhwrite a 1\ncheckpoint\n", 6,
     "only one checkpoint may have queued outside-task ops"),
    ("eventfd a\nhwrite a 1\nclose a\ncheckpoint\n", 4, "name 'a' is not open"),
    ("epoll ep record record\n", 1, "epoll: unknown flag 'record'"),
]


class Malformed(unittest.TestCase):
    def test_python(self) -> None:
        for text, line, msg in CASES:
            with self.assertRaises(ScenarioError, msg=text) as cm:
                parse_text(text, "t.scn")
            self.assertEqual(str(cm.exception), f"t.scn:{line}: {msg}", text)

    def test_c(self) -> None:
        if not RUNNER.exists():
            self.skipTest(f"no {RUNNER.relative_to(TOP)} (make harness)")
        if RUNNER.stat().st_mtime < max(p.stat().st_mtime for p in SOURCES):
            self.skipTest(f"{RUNNER.relative_to(TOP)} is older than its sources (make harness)")
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i, (text, _, _) in enumerate(CASES):
                paths.append(os.path.join(d, f"c{i:03d}.scn"))
                with open(paths[-1], "w", encoding="utf-8") as f:
                    f.write(text)
            r = subprocess.run([str(RUNNER), *paths], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        want = [f"{p}:{line}: {msg}" for p, (_, line, msg) in zip(paths, CASES)]
        want.append(f"scenario-run: {len(CASES)} malformed scenario files; nothing ran")
        self.assertEqual(r.stderr.splitlines(), want)


if __name__ == "__main__":
    unittest.main()
