"""The reference model against behaviour observed on the real kernel.

Every `expect` in scenarios/corpus was checked on the UML kernel (make check
runs the corpus there), so the model must predict exactly those results
wherever it predicts at all.  The single-rule tests below are small
scenarios whose results were observed the same way.
"""
from __future__ import annotations

import glob
import os
import unittest

from epollcr import TOP
from epollcr.scenarios.model import predict
from epollcr.scenarios.scenario import parse_text

CORPUS = os.path.join(TOP, "scenarios", "corpus")


def check(tc: unittest.TestCase, text: str, name: str = "<test>") -> int:
    scn = parse_text(text, name)
    checked = 0
    for op, p in zip(scn.ops, predict(scn)):
        if op.expect is not None and p is not None:
            tc.assertEqual(p, op.expect, f"{name}:{op.line}: {op.source()}")
            checked += 1
    return checked


class CorpusAgreement(unittest.TestCase):
    def test_every_corpus_expectation(self) -> None:
        files = sorted(glob.glob(os.path.join(CORPUS, "*.scn")))
        self.assertGreater(len(files), 10)
        total = 0
        for f in files:
            with open(f, encoding="utf-8") as fh:
                total += check(self, fh.read(), f)
        self.assertGreater(total, 50)


class Rules(unittest.TestCase):
    """One epoll rule each; expectations as the UML kernel reported them."""

    def test_insert_of_ready_target_queues_it(self) -> None:
        check(self, "epoll ep\neventfd a 2\nctl add ep a in|out 0x5\nwait ep 1 expect 5:5\n")

    def test_lt_requeued_at_tail(self) -> None:
        check(self, "epoll ep\neventfd a 1\neventfd b 1\nctl add ep a in 0xa\n"
              "ctl add ep b in 0xb\nwait ep 1 expect a:1\nwait ep 1 expect b:1\n"
              "wait ep 1 expect a:1\n")

    def test_et_not_requeued(self) -> None:
        check(self, "epoll ep\neventfd a 1\nctl add ep a in|et 0xa\nwait ep 1 expect a:1\n"
              "wait ep 1 expect\n")

    def test_oneshot_disarms_until_mod(self) -> None:
        check(self, "epoll ep\neventfd a 1\nctl add ep a in|oneshot 0xa\nwait ep 1 expect a:1\n"
              "write a 1 expect 8\nwait ep 1 expect\nctl mod ep a in 0xb\nwait ep 1 expect b:1\n")

    def test_maxevents_leaves_rest_at_head(self) -> None:
        check(self, "epoll ep\neventfd a 0\neventfd b 0\neventfd c 0\nctl add ep a in 0xa\n"
              "ctl add ep b in 0xb\nctl add ep c in 0xc\nwrite b 1\nwrite c 1\nwrite a 1\n"
              "wait ep 1 expect b:1\nwait ep 1 expect c:1\nwait ep 3 expect a:1 b:1 c:1\n")

    def test_not_ready_item_dropped_at_scan(self) -> None:
        check(self, "epoll ep\neventfd a 1 nonblock\nctl add ep a in 0xa\nread a 8 expect 8 v=1\n"
              "wait ep 4 expect\n")

    def test_close_last_fd_removes_item(self) -> None:
        check(self, "epoll ep\neventfd a 1\ndup a b\nctl add ep a in 0xa\nclose a\n"
              "wait ep 2 expect a:1\nclose b\nwait ep 2 expect\n")

    def test_wake_newest_first(self) -> None:
        check(self, "epoll ep\neventfd a 0\ndup a b\nctl add ep a in 0x1\nctl add ep b in 0x2\n"
              "write a 1\nwait ep 4 expect 2:1 1:1\n")

    def test_pipe_hup_and_err(self) -> None:
        check(self, "epoll ep\npipe r w nonblock\nctl add ep r in 0x1\nclose w\n"
              "wait ep 4 expect 1:10\n")
        check(self, "epoll ep\npipe r w nonblock\nctl add ep w out 0x2\nclose r\n"
              "wait ep 4 expect 2:c\n")

    def test_eventfd_semaphore(self) -> None:
        check(self, "eventfd a 2 semaphore nonblock\nread a 8 expect 8 v=1\n"
              "read a 8 expect 8 v=1\nread a 8 expect -EAGAIN\n")

    def test_timer_expired_is_readable_far_is_not(self) -> None:
        text = ("epoll ep\ntimerfd t nonblock\ntimerfd far\nsettime t 1000000 0\n"
                "settime far 1000000000000 0\nsleep 2000000\nctl add ep t in 0x1\n"
                "ctl add ep far in 0x2\nwait ep 4 expect 1:1\nread far 8 expect would-block\n"
                "read t 8 expect 8 v=1\nwait ep 4 expect\nread t 8 expect -EAGAIN\n")
        self.assertEqual(check(self, text), 5)

    def test_timer_not_yet_due_is_not_predicted(self) -> None:
        scn = parse_text("timerfd t\nsettime t 1000 0\nread t 8 record\n"
                         "settime t 1000 1000\nsleep 5000\nread t 8 record\n")
        self.assertEqual(predict(scn)[2], None)  # it may have expired, or not
        self.assertEqual(predict(scn)[5], None)  # periodic: ticks not known

    def test_signalfd_ready_while_a_signal_of_its_mask_is_pending(self) -> None:
        text = ("epoll ep\nsignalfd s usr1|segv nonblock\nsignalfd h hup\nctl add ep s in 0x1\n"
                "ctl add ep h in|et 0x2\nraise int expect 0\nwait ep 4 expect\n"
                "raise usr1|segv expect 0\nwait ep 4 expect 1:1\n"
                "read s 128 expect 128 signo=11\nread s 128 expect 128 signo=10\n"
                "read s 128 expect -EAGAIN\nwait ep 4 expect\n")
        # The ET item on h, whose mask has nothing pending, is woken (the
        # queue is shared) but dropped when polled: not reported.
        self.assertEqual(check(self, text), 8)

    def test_checkpoint_wakes_no_signalfd_item(self) -> None:
        # The scenario process parks on a futex at a checkpoint (no
        # signal): a consumed edge with its signal still pending stays
        # consumed, before and after the restart.
        text = ("epoll ep\nsignalfd s usr1 nonblock\nctl add ep s in|et 0x1\n"
                "raise usr1 expect 0\nwait ep 4 expect 1:1\ncheckpoint\n"
                "wait ep 4 expect\nraise usr2 expect 0\nwait ep 4 expect 1:1\n")
        self.assertEqual(check(self, text), 5)

    def test_stream_socket_pair(self) -> None:
        # A read takes bytes across writes; shutdown wakes both ends (no
        # key); the survivor of a close gets HUP, its data, then EOF.
        text = ("epoll ep\nsocketpair a b nonblock\nctl add ep a in|et 0xa\n"
                "ctl add ep b in|out 0xb\nwait ep 4 expect b:4\nwrite a 5 expect 5\n"
                "write a 5 expect 5\nread b 3 expect 3\nwait ep 4 expect b:5\n"
                "write b 1 expect 1\nwait ep 4 expect b:5 a:1\nread b 100 expect 7\n"
                "read b 100 expect -EAGAIN\nread b 0 expect 0\nshutdown wr a expect 0\n"
                "wait ep 4 expect b:5 a:1\nread b 100 expect 0\nwrite a 0 expect -EPIPE\n"
                "close b expect 0\nwait ep 4 expect a:11\nread a 100 expect 1\n"
                "read a 100 expect 0\n")
        self.assertEqual(check(self, text), 18)

    def test_datagram_and_seqpacket_pairs(self) -> None:
        # One message a read, the rest of it dropped; each read frees one,
        # waking the writer's EPOLLOUT; a seqpacket survivor's ECONNRESET
        # comes before its data; a datagram write refused by a peer shut
        # down for receiving frees its skb, which wakes the writer too.
        text = ("epoll ep\nsocketpair d1 d2 dgram nonblock\nsocketpair s1 s2 seqpacket\n"
                "ctl add ep d1 out|et 0xd1\nctl add ep s1 in|rdhup 0x51\nwait ep 4 expect d1:4\n"
                "write d1 100 expect 100\nwrite d1 0 expect 0\nread d2 10 expect 10\n"
                "wait ep 4 expect d1:4\nread d2 10 expect 0\nread d2 10 expect -EAGAIN\n"
                "write s1 4 expect 4\nwrite s2 2 expect 2\nclose s2 expect 0\n"
                "wait ep 4 expect d1:4 51:2019\nread s1 100 expect -ECONNRESET\n"
                "read s1 100 expect 2\nread s1 100 expect 0\nwrite s1 1 expect -EPIPE\n"
                "shutdown rd d2 expect 0\nwait ep 4 expect 51:2011\nwrite d1 1 expect -EPIPE\n"
                "wait ep 4 expect 51:2011 d1:4\n")
        self.assertEqual(check(self, text), 19)

    def test_sockets_not_predicted(self) -> None:
        # A message above SKB_SAFE (its truesize is not bounded here), and a
        # datagram write to a closed peer (-ECONNREFUSED: the end is
        # disconnected); shutdown of anything but a socket is -ENOTSOCK.
        scn = parse_text("epoll ep\neventfd e\nsocketpair a b dgram nonblock\n"
                         "ctl add ep b in 0xb\nshutdown wr e\nwrite a 4096 record\n"
                         "wait ep 4 record\nsocketpair c d dgram\nclose d\nwrite c 1 record\n")
        pred = predict(scn)
        self.assertEqual(pred[4], "-ENOTSOCK")
        self.assertEqual(pred[5:7] + pred[9:], [None, None, None])

    def test_nested_not_predicted(self) -> None:
        scn = parse_text("epoll a\nepoll b\nctl add a b in 0x1\nwait a 1 record\n")
        self.assertIsNone(predict(scn)[-1])

    def test_outside_task_blinds_the_model(self) -> None:
        scn = parse_text("epoll a\neventfd e\nhctl add a e in 0x1\ncheckpoint\nwait a 1 record\n")
        self.assertIsNone(predict(scn)[-1])


if __name__ == "__main__":
    unittest.main()
