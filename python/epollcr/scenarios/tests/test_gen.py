"""Generator: determinism and validity of every category."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

from epollcr import TOP
from epollcr.scenarios.gen import CATEGORIES, generate
from epollcr.scenarios.scenario import parse_text

# The generator as scripts/scenarios runs it, with the package root on the path.
GEN_ENV = dict(os.environ, PYTHONPATH=str(TOP / "python"))


class Generator(unittest.TestCase):
    def test_same_seed_same_text(self) -> None:
        for cat in CATEGORIES:
            lm = 10000 if cat == "large" else 100000
            self.assertEqual(generate(cat, 5, 3, lm), generate(cat, 5, 3, lm), cat)

    def test_different_seed_differs(self) -> None:
        self.assertNotEqual(generate("mixed", 1, 0), generate("mixed", 2, 0))

    def test_every_category_parses(self) -> None:
        for cat in CATEGORIES:
            for i in range(20 if cat != "large" else 2):
                text = generate(cat, 9, i, 10000)
                parse_text(text, f"{cat}-{i}")

    def test_concurrent_lead_within_queued_ops(self) -> None:
        # concurrent-7-66 drew a second hclose of one fd, which queues
        # nothing, and then a lead of 9 over the 8 ops it did queue.
        for i in range(200):
            parse_text(generate("concurrent", 7, i), f"concurrent-7-{i}")

    def test_cli_byte_identical_files(self) -> None:
        outs = []
        for _ in range(2):
            d = tempfile.mkdtemp()
            subprocess.run([sys.executable, "-m", "epollcr.scenarios.gen", "--seed", "3",
                            "--count", "60", "--large-max", "10000", "--out", d],
                           check=True, env=GEN_ENV)
            outs.append({f: open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))})
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(len(outs[0]), 60)
        self.assertTrue(any(f.startswith("large-") for f in outs[0]))

    def test_categories_have_their_features(self) -> None:
        self.assertIn("expect -ELOOP", generate("nested", 1, 0))
        concurrent = "".join(generate("concurrent", 1, i) for i in range(20))
        for op in ("hctl ", "hwrite ", "hread ", "hwait ", "hclose "):
            self.assertIn(op, concurrent)
        self.assertIn("fill ", generate("large", 1, 0, 10000))
        for cat in ("nested", "fd-recycling", "mixed"):
            text = "".join(generate(cat, 1, i) for i in range(40))
            for op in ("timerfd ", "settime ", "sleep ", "signalfd ", "raise "):
                self.assertIn(op, text, cat)

    def test_mixed_and_concurrent_draw_socket_pairs(self) -> None:
        mixed = "".join(generate("mixed", 1, i) for i in range(40))
        for op in ("socketpair ", " dgram", " seqpacket", "shutdown ", "write so", "read so"):
            self.assertIn(op, mixed)
        concurrent = "".join(generate("concurrent", 1, i) for i in range(40))
        for op in ("socketpair ", "hwrite so", "hread so", "hclose so"):
            self.assertIn(op, concurrent)

    def test_socket_pairs_within_what_restart_keeps(self) -> None:
        # No write on a datagram end after its peer's close (the end is
        # disconnected, and checkpoint does not support it), and in
        # concurrent each end on one set, as every target there.
        for cat in ("mixed", "concurrent"):
            for i in range(200):
                kinds: dict[str, str] = {}
                closed: set[str] = set()
                sets: dict[str, set[str]] = {}
                for line in generate(cat, 3, i).splitlines():
                    w = line.split()
                    where = f"{cat}-3-{i}: {line}"
                    if w[0] == "socketpair":
                        kind = "dgram" if "dgram" in w else "seqpacket" if "seqpacket" in w else "stream"
                        kinds[w[1]], kinds[w[2]] = kind, kind
                    elif w[0] == "ctl" and w[3] in kinds:
                        sets.setdefault(w[3], set()).add(w[2])
                        if cat == "concurrent":
                            self.assertEqual(len(sets[w[3]]), 1, where)
                    elif w[0] == "close" and w[1] in kinds:
                        closed.add(w[1])
                    elif w[0] in ("write", "hwrite") and kinds.get(w[1]) == "dgram":
                        peer = w[1][:-1] + ("b" if w[1].endswith("a") else "a")
                        self.assertNotIn(peer, closed, where)

    def test_timers_and_signals_on_one_set_where_sets_nest(self) -> None:
        # An outer set would observe the order in which one wakeup
        # reaches items of different sets, which restart does not keep;
        # every signal is one wakeup of all signalfds, so they are watched
        # by ep1 alone, the set no set watches.
        for cat in ("nested", "concurrent"):
            drawn = 0
            for i in range(100):
                watched: dict[str, int] = {}
                for line in generate(cat, 2, i).splitlines():
                    w = line.split()
                    if w[:2] == ["ctl", "add"] and w[3].startswith(("tm", "sg")):
                        watched[w[3]] = watched.get(w[3], 0) + 1
                        if w[3].startswith("sg"):
                            self.assertEqual(w[2], "ep1", f"{cat}-2-{i}: {line}")
                self.assertTrue(all(n == 1 for n in watched.values()), f"{cat}-2-{i}")
                drawn += bool(watched)
            self.assertGreater(drawn, 20, cat)

    def test_concurrent_timers_steady_and_no_signal_before_the_checkpoint(self) -> None:
        # The interleaving sweep runs each scenario once per scheduling
        # point: a running timer would change the points run to run.  The
        # outside task, with no signal pending, would drop a signalfd item
        # that is ready for the scenario process.
        for i in range(100):
            before = True
            for line in generate("concurrent", 3, i).splitlines():
                w = line.split()
                if w[0] == "settime":
                    self.assertIn((w[2], w[3]), {("1000000", "0"), ("0", "0")}, line)
                before = before and w[0] != "checkpoint"
                self.assertFalse(before and w[0] == "raise", f"concurrent-3-{i}: {line}")

    def test_large_draws_timers_and_signals(self) -> None:
        found = any(line.startswith(("timerfd", "signalfd"))
                    for i in range(20)
                    for line in generate("large", 5, i, large_max=10000).splitlines())
        self.assertTrue(found)

    def test_sleeps_only_before_the_first_checkpoint(self) -> None:
        # FORMAT.md, "Timers and time": a sleep after a checkpoint lets the
        # restored copy's timers drift from the original's.
        for cat in ("nested", "fd-recycling", "mixed", "concurrent"):
            for i in range(100):
                text = generate(cat, 4, i)
                cp = text.find("\ncheckpoint")
                if "\nsleep " in text and cp >= 0:
                    self.assertLess(text.index("\nsleep "), cp, f"{cat}-4-{i}")


if __name__ == "__main__":
    unittest.main()
