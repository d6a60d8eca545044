"""Parser and validator: fd prediction, names, errors as file:line: message."""
from __future__ import annotations

import unittest

from epollcr.scenarios.scenario import ScenarioError, parse_text


class Parser(unittest.TestCase):
    def bad(self, text: str, line: int, words: str) -> None:
        with self.assertRaises(ScenarioError) as cm:
            parse_text(text, "t.scn")
        msg = str(cm.exception)
        self.assertTrue(msg.startswith(f"t.scn:{line}: "), msg)
        self.assertIn(words, msg)

    def test_lowest_free_fd(self) -> None:
        s = parse_text("epoll ep\neventfd a\npipe r w\nclose a\ndup r r2\nfill ep w 3 in 0\n")
        self.assertEqual(s.ops[0].fds["new"], 3)
        self.assertEqual((s.ops[2].fds["r"], s.ops[2].fds["w"]), (5, 6))
        self.assertEqual(s.ops[4].fds["new"], 4)
        self.assertEqual(s.ops[5].fds["first"], 7)

    def test_dup2_unbinds_the_victim(self) -> None:
        s = parse_text("eventfd a\neventfd b\ndup2 a c 4\n")
        self.assertEqual(s.names, {"a": 3, "c": 4})
        self.bad("eventfd a\neventfd b\ndup2 a c 4\nclose b\n", 4, "'b' is not open")

    def test_comments_and_suffixes(self) -> None:
        s = parse_text("# c\n\nepoll ep  # trailing\nwait ep 2 expect a:1 b:5\nwait ep 1 record\n")
        self.assertEqual(s.ops[1].expect, "a:1 b:5")
        self.assertTrue(s.ops[2].record)
        self.assertEqual(s.ops[1].line, 4)

    def test_errors(self) -> None:
        self.bad("epoll ep\nfoo\n", 2, "unknown op")
        self.bad("epoll ep\nepoll ep\n", 2, "already bound")
        self.bad("wait ep 1 record\n", 1, "not open")
        self.bad("epoll ep\nwait ep 1\n", 2, "expect")
        self.bad("epoll ep\nwait ep 2000 record\n", 2, "out of range")
        self.bad("epoll ep\neventfd a\nctl add ep a bogus 1\n", 3, "unknown event")
        self.bad("epoll ep\neventfd a\nhctl add ep a in 1\n", 3, "no checkpoint")
        self.bad("checkpoint expect 1\n", 1, "no result")
        self.bad("eventfd a\ndup2 a b 3\n", 2, "already 'a'")
        self.bad("file f a/b\n", 1, "path")
        self.bad("seed 1\nseed 2\n", 2, "twice")
        self.bad("epoll e\neventfd a\nhctl add e a in 1\ncheckpoint 2\n", 4, "lead")

    def test_outside_ops_resolve_at_their_checkpoint(self) -> None:
        # 'a' is fd 4 when queued and fd 7 at the checkpoint.
        s = parse_text("epoll ep\neventfd a\nhwrite a 1\nhread a 8\nhwait ep 4\nhclose a\n"
                       "hctl add ep a in 1\ndup2 a a2 9\nclose a\ndup2 a2 a 7\ncheckpoint 1\n")
        self.assertEqual([op.fds for op in s.ops[2:6]], [{"fd": 7}, {"fd": 7}, {"fd": 3}, {"fd": 7}])
        self.assertEqual(s.ops[6].fds, {"ep": 3, "t": 7})
        # hclose closes the outside task's copy only.
        self.assertEqual(s.names, {"ep": 3, "a2": 9, "a": 7})
        self.bad("eventfd a\nhwrite a 1\nclose a\ncheckpoint\n", 4, "'a' is not open")

    def test_outside_ops_have_no_result(self) -> None:
        self.bad("eventfd a\nhwrite a 1 record\ncheckpoint\n", 2, "no result")
        self.bad("epoll ep\nhwait ep 4 expect\ncheckpoint\n", 2, "no result")
        self.bad("epoll ep\nhwait ep\ncheckpoint\n", 2, "usage")
        self.bad("eventfd a\nhclose a\n", 2, "no checkpoint")

    def test_events(self) -> None:
        s = parse_text("epoll ep\neventfd a\nctl add ep a in|et|oneshot 0x10\n")
        self.assertEqual(s.ops[2].args[3], "in|et|oneshot")


    def test_socket_pairs(self) -> None:
        s = parse_text("socketpair a b\nsocketpair c d dgram nonblock\nshutdown rdwr c\n"
                       "close a\nsocketpair e f seqpacket\nhwrite d 0\ncheckpoint\n")
        self.assertEqual([s.ops[0].fds, s.ops[1].fds], [{"a": 3, "b": 4}, {"a": 5, "b": 6}])
        self.assertEqual(s.ops[2].fds, {"fd": 5})
        self.assertEqual(s.ops[4].fds, {"a": 3, "b": 7})
        self.assertEqual(s.ops[5].fds, {"fd": 6})
        self.bad("socketpair a b dgram seqpacket\n", 1, "two types")
        self.bad("socketpair a b\nshutdown a wr\n", 2, "usage")

    def test_timers_and_signals(self) -> None:
        s = parse_text("timerfd t realtime nonblock\nsettime t 5 0 abstime\nsignalfd s usr1|USR2|1\n"
                       "raise 10\nread t 100000 record\nread s 100000 record\nsleep 1000\n")
        self.assertEqual((s.ops[0].fds["new"], s.ops[2].fds["new"]), (3, 4))
        self.assertEqual(s.ops[1].fds, {"fd": 3})
        self.bad("timerfd t realtime boottime\n", 1, "two clocks")
        self.bad("signalfd s usr1|kill\n", 1, "unknown or reserved signal 'kill'")
        self.bad("signalfd s 9\n", 1, "reserved")
        self.bad("raise pipe\n", 1, "reserved")
        self.bad("timerfd t\nsettime t 1 2 3\n", 2, "unknown flag")
        self.bad("sleep 1 record\n", 1, "no result")
        self.bad("sleep 20000000000\n", 1, "out of range")
        self.bad("timerfd t\nsettime t 2000000000000000 0\n", 2, "out of range")


if __name__ == "__main__":
    unittest.main()
