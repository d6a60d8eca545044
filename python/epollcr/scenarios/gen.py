"""Seeded scenario generator, one function per category.

    PYTHONPATH=python python3 -m epollcr.scenarios.gen --seed N --count M --category C --out DIR

Writes DIR/C-N-IIIII.scn (CATEGORY=all: a round robin over the categories,
with one large scenario in every LARGE_EVERY).  The same arguments give
byte-identical files.  The reference model's predictions are embedded as
`expect` (else `record`).
"""
from __future__ import annotations

import argparse
import os
import random
import sys

from .model import predict
from .scenario import TRACED, parse_text

CATEGORIES = ("nested", "fd-recycling", "concurrent", "large", "mixed")
ROUND_ROBIN = ("nested", "fd-recycling", "concurrent", "mixed")
LARGE_EVERY = 50


class Builder:
    """Emits op lines and tracks which names are open."""

    def __init__(self, rng: random.Random, extra: random.Random | None = None,
                 steady_timers: bool = False, sockets: random.Random | None = None) -> None:
        self.rng = rng
        # Only timers whose image does not depend on when it is taken
        # (STEADY_TIMER_KINDS): for runs without time travel (QEMU).
        self.steady_timers = steady_timers
        # Draws for the timerfd/signalfd lines, apart from rng so that the
        # other lines stay those each seed always gave.
        self.extra = extra or random.Random(0)
        self.timers: list[str] = []
        self.sigfds: list[str] = []
        # Draws for the socket pairs' lines, apart from rng and extra for
        # the same reason.
        self.sx = sockets or random.Random(0)
        self.socks: dict[str, tuple[str, str]] = {}  # open socket ends: (type, peer)
        self.peer_closed: set[str] = set()  # ends whose peer was closed
        self.lines: list[str] = []
        self.eps: list[str] = []
        self.targets: list[str] = []      # eventfds and pipe ends
        self.readable: list[str] = []     # eventfds and pipe read ends
        self.writable: list[str] = []     # eventfds and pipe write ends
        self.n = 0

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def op(self, line: str) -> None:
        self.lines.append(line)

    def epoll(self) -> str:
        e = self.name("ep")
        self.op(f"epoll {e}" + (" cloexec" if self.rng.random() < 0.2 else ""))
        self.eps.append(e)
        return e

    def eventfd(self) -> str:
        e = self.name("e")
        init = self.rng.choice([0, 0, 1, 3])
        flags = [f for f, p in (("semaphore", 0.3), ("nonblock", 0.7)) if self.rng.random() < p]
        self.op(" ".join([f"eventfd {e} {init}"] + flags))
        self.targets.append(e)
        self.readable.append(e)
        self.writable.append(e)
        return e

    def pipe(self) -> tuple[str, str]:
        r, w = self.name("r"), self.name("w")
        self.op(f"pipe {r} {w}" + (" nonblock" if self.rng.random() < 0.7 else ""))
        self.targets += [r, w]
        self.readable.append(r)
        self.writable.append(w)
        return r, w

    def target(self) -> str:
        return self.eventfd() if self.rng.random() < 0.6 else self.rng.choice(self.pipe())

    def forget(self, name: str) -> None:
        for lst in (self.eps, self.targets, self.readable, self.writable,
                    self.timers, self.sigfds):
            if name in lst:
                lst.remove(name)

    def events(self, et: bool = True) -> str:
        base = self.rng.choice(["in", "in", "out", "in|out", "in|rdhup"])
        if et and self.rng.random() < 0.3:
            base += "|et"
        if et and self.rng.random() < 0.25:
            base += "|oneshot"
        return base

    def data(self) -> str:
        return hex(self.rng.choice([self.rng.randrange(1 << 16), self.rng.randrange(1 << 64)]))

    def add(self, ep: str, t: str, sub: str = "add") -> None:
        self.op(f"ctl {sub} {ep} {t} {self.events()} {self.data()}")

    def poke(self) -> None:
        """A readiness change: a write or a read on some target."""
        rng = self.rng
        if rng.random() < 0.6 and self.writable:
            w = rng.choice(self.writable)
            self.op(f"write {w} {rng.choice([1, 1, 2, 5, 64])}")
        elif self.readable:
            r = rng.choice(self.readable)
            self.op(f"read {r} {rng.choice([1, 8, 100])}")

    def wait(self, ep: str | None = None) -> None:
        if ep is None:
            ep = self.rng.choice(self.eps)
        self.op(f"wait {ep} {self.rng.choice([1, 1, 2, 3, 8, 64])} record")

    def text(self, seed: int, category: str, index: int) -> str:
        head = [f"# generated: gen.py --seed {seed} --category {category} --index {index}",
                f"seed {seed}", f"category {category}"]
        return "\n".join(head + self.lines) + "\n"


TIMER_KINDS = ("expired", "far", "far-abs", "disarmed", "periodic")
# Expired one-shot and disarmed timers do not run: their images are the
# same whenever they are taken, under time travel or not.
STEADY_TIMER_KINDS = ("expired", "disarmed")


def timers_and_signals(b: Builder, one_set: bool = False, outside: bool = False,
                       signal_sets: list[str] | None = None) -> None:
    """Timerfds and signalfds, set up before the first checkpoint: timers
    that expired in a sleep (one-shot or periodic), timers far in the
    future or disarmed; signalfds, maybe with a signal pending.  Their
    names are their own (tm1, sg1): the other names stay as they were.

    one_set: each is watched by one set at most, for categories whose
    sets watch other sets: the order in which one wakeup reaches items
    of different sets is not restored (README, "Known gaps"), and an
    outer set would observe it.  signal_sets: the only sets that may
    watch a signalfd (default: any); all of a process's signalfds share
    one wait queue, so a signal is one wakeup that reaches every
    signalfd's items, in whichever sets.

    outside: for the category whose outside task polls the sets.  Only
    timers whose image does not depend on when it is taken
    (STEADY_TIMER_KINDS): the interleaving sweep runs a scenario once per
    scheduling point and needs each run's points to be the same.  And no
    signal raised: a signalfd is readable only for a task with a signal
    of its mask pending, the outside task has none, and its epoll_wait
    drops the item a signal made ready (restart then re-polls it in the
    restorer, which has the signal)."""
    x = b.extra
    if x.random() < 0.5 or any(line.startswith("checkpoint") for line in b.lines):
        return
    for i in range(x.randint(0, 2)):
        t = f"tm{i + 1}"
        clock = x.choice(["", "", " realtime", " boottime"])
        b.op(f"timerfd {t}{clock}" + (" nonblock" if x.random() < 0.7 else ""))
        kind = x.choice(TIMER_KINDS)
        if b.steady_timers or outside:
            kind = {"far": "disarmed", "far-abs": "disarmed",
                    "periodic": "expired"}.get(kind, kind)
        value, interval, flag = {
            "expired": (1000000, 0, ""), "far": (1000 * 10**9, 0, ""),
            "far-abs": (1000 * 10**9, 10**9, " abstime"), "disarmed": (0, 0, ""),
            "periodic": (1000000, 1000000, "")}[kind]
        b.op(f"settime {t} {value} {interval}{flag}")
        b.timers.append(t)
    if b.timers:
        b.op("sleep 3000000")  # sleeps only before the first checkpoint (FORMAT.md)
    for i in range(x.randint(0, 2)):
        sg = f"sg{i + 1}"
        sigs = x.choice(["usr1", "usr2", "usr1|usr2", "hup|usr1"])
        b.op(f"signalfd {sg} {sigs}" + (" nonblock" if x.random() < 0.7 else ""))
        b.sigfds.append(sg)
    for t in b.timers + b.sigfds:
        sets = (signal_sets or b.eps) if t in b.sigfds else b.eps
        for ep in [x.choice(sets)] if one_set else sets:
            if x.random() < 0.7:
                ev = x.choice(["in", "in", "in|et", "in|oneshot"])
                b.op(f"ctl add {ep} {t} {ev} {hex(x.randrange(1 << 16))}")
    if b.sigfds and x.random() < 0.5 and not outside:
        b.op(f"raise {x.choice(['usr1', 'usr2', 'int'])}")


def timers_and_signals_tail(b: Builder) -> None:
    """At the end of every category's scenario, after its last checkpoint:
    raise, read and wait on them (nothing if there are none)."""
    x = b.extra
    if not b.timers and not b.sigfds:
        return
    for _ in range(x.randint(1, 4)):
        r = x.random()
        if r < 0.3 and b.sigfds:
            b.op(f"raise {x.choice(['usr1', 'usr2', 'hup', 'usr1|usr2'])}")
        elif r < 0.6:
            b.op(f"read {x.choice(b.timers + b.sigfds)} 8")
        else:
            b.wait(x.choice(b.eps))
    b.op("checkpoint")
    for ep in b.eps:
        b.wait(ep)
    for t in b.timers + b.sigfds:
        b.op(f"read {t} 8")


SOCK_TYPES = ("stream", "stream", "dgram", "seqpacket")


def sock_events(x: random.Random, kind: str) -> str:
    """An item's events on a socket end."""
    base = x.choice(["in", "in", "out", "in|out", "in|rdhup", "rdhup", "in|out|rdhup"])
    if x.random() < 0.3:
        base += "|et"
    if x.random() < 0.25:
        base += "|oneshot"
    return base


def socket_pairs(b: Builder, owner: dict[str, str] | None = None) -> None:
    """Socket pairs (stream, datagram, seqpacket), some bytes queued, and
    items on their ends, in about half the scenarios.  Drawn from b.sx,
    with names of their own (so1a, so1b), so the other lines stay those
    each seed always gave.  owner: each end is watched by its one set
    there (else any set may watch it)."""
    x = b.sx
    if x.random() < 0.5:
        return
    for i in range(x.randint(1, 2)):
        a, c = f"so{i + 1}a", f"so{i + 1}b"
        kind = x.choice(SOCK_TYPES)
        b.op(f"socketpair {a} {c}" + ("" if kind == "stream" else f" {kind}")
             + (" nonblock" if x.random() < 0.7 else ""))
        b.socks[a], b.socks[c] = (kind, c), (kind, a)
    for end, (kind, _) in b.socks.items():
        if owner is not None:
            owner[end] = x.choice(b.eps)
        for ep in [owner[end]] if owner is not None else b.eps:
            if x.random() < 0.6:
                b.op(f"ctl add {ep} {end} {sock_events(x, kind)} {hex(x.randrange(1 << 16))}")
    for _ in range(x.randint(0, 3)):
        sock_write(b)


def sock_write(b: Builder, op: str = "write") -> None:
    """A write (op: or an outside task's hwrite) on an open end, but not
    on a datagram end whose peer is closed: that write is -ECONNREFUSED
    and leaves the end unconnected, which checkpoint does not support."""
    x = b.sx
    ends = [e for e in b.socks if not (b.socks[e][0] == "dgram" and e in b.peer_closed)]
    if ends:
        end = x.choice(ends)
        sizes = [1, 1, 2, 5, 64] if b.socks[end][0] == "stream" else [0, 1, 2, 5, 64]
        b.op(f"{op} {end} {x.choice(sizes)}")


def socket_hop(b: Builder, closed: set[str]) -> None:
    """Now and then an outside-task op on a socket end (drawn from b.sx):
    hwrite, hread, or hclose of the outside task's copy (once an end;
    closed has those closed)."""
    x = b.sx
    if not b.socks or x.random() < 0.6:
        return
    r = x.random()
    end = x.choice(sorted(b.socks))
    if r < 0.5:
        sock_write(b, "hwrite")
    elif r < 0.85:
        b.op(f"hread {end} {x.choice([1, 8, 100])}")
    elif end not in closed:
        b.op(f"hclose {end}")
        closed.add(end)


def socket_step(b: Builder, owner: dict[str, str] | None = None) -> None:
    """Now and then, an op on the socket pairs: a write, a read, a shutdown,
    a change of an item (owner: on the end's one set), a close, a wait
    (drawn from b.sx)."""
    x = b.sx
    if not b.socks or x.random() < 0.6:
        return
    r = x.random()
    end = x.choice(sorted(b.socks))
    kind, peer = b.socks[end]
    if r < 0.35:
        sock_write(b)
    elif r < 0.65:
        b.op(f"read {end} {x.choice([1, 8, 100, 100, 0])}")
    elif r < 0.75:
        b.op(f"shutdown {x.choice(['rd', 'wr', 'rdwr'])} {end}")
    elif r < 0.85:
        ep = owner[end] if owner is not None else x.choice(b.eps)
        sub = x.choice(["add", "mod", "del"])
        if sub == "del":
            b.op(f"ctl del {ep} {end}")
        else:
            b.op(f"ctl {sub} {ep} {end} {sock_events(x, kind)} {hex(x.randrange(1 << 16))}")
    elif r < 0.9:
        b.op(f"close {end}")
        del b.socks[end]
        b.peer_closed.add(peer)
    else:
        b.op(f"wait {x.choice(b.eps)} {x.choice([1, 2, 8, 64])} record")


def gen_mixed(b: Builder, cps: int = 2) -> None:
    rng = b.rng
    for _ in range(rng.randint(1, 3)):
        b.epoll()
    for _ in range(rng.randint(2, 6)):
        b.target()
    for t in list(b.targets):
        for ep in b.eps:
            if rng.random() < 0.6:
                b.add(ep, t)
    timers_and_signals(b)
    socket_pairs(b)
    steps = rng.randint(6, 20)
    cp_at = sorted(rng.sample(range(steps), min(cps, steps)))
    for s in range(steps):
        x = rng.random()
        if x < 0.35:
            b.poke()
        elif x < 0.65:
            b.wait()
        elif x < 0.75 and b.targets:
            b.add(rng.choice(b.eps), rng.choice(b.targets), rng.choice(["add", "mod", "mod"]))
        elif x < 0.8 and b.targets:
            b.op(f"ctl del {rng.choice(b.eps)} {rng.choice(b.targets)}")
        elif x < 0.85 and len(b.targets) > 1:
            t = rng.choice(b.targets)
            b.op(f"close {t}")
            b.forget(t)
        elif x < 0.9:
            t = b.target()
            b.add(rng.choice(b.eps), t)
        else:
            ep = rng.choice(b.eps)
            b.op(f"params {ep} {rng.randrange(100)} {rng.randrange(64)} {rng.randrange(2)}")
        socket_step(b)
        if s in cp_at:
            b.op("checkpoint")
            for ep in b.eps:
                b.wait(ep)
    for ep in b.eps:
        b.wait(ep)
        b.wait(ep)


def gen_nested(b: Builder) -> None:
    rng = b.rng
    depth = rng.randint(1, 5)
    chain = [b.epoll() for _ in range(depth + 1)]
    leaves = [b.target() for _ in range(rng.randint(1, 3))]
    for t in leaves:
        b.add(chain[-1], t)
    order = list(range(depth))
    if rng.random() < 0.5:
        order.reverse()
    for i in order:  # chain[i] watches chain[i+1]
        b.op(f"ctl add {chain[i]} {chain[i + 1]} in {hex(0x100 + i)} record")
    if rng.random() < 0.6:  # diamond / shared inner set
        extra = b.epoll()
        b.op(f"ctl add {extra} {chain[-1]} in|et 0x77 record")
        b.op(f"ctl add {chain[0]} {extra} in 0x78 record")
    if depth >= 1:  # a cycle must fail
        b.op(f"ctl add {chain[-1]} {chain[0]} in 0x99 expect -ELOOP")
    b.op(f"ctl add {chain[0]} {chain[0]} in 0x98 expect -EINVAL")
    timers_and_signals(b, one_set=True, signal_sets=[chain[0]])
    for _ in range(rng.randint(2, 8)):
        b.poke()
        if rng.random() < 0.4:
            b.op("checkpoint")
        b.wait(rng.choice(b.eps))
    b.op("checkpoint")
    for ep in b.eps:
        b.wait(ep)


def gen_fd_recycling(b: Builder) -> None:
    rng = b.rng
    ep = b.epoll()
    a = b.eventfd()
    b.add(ep, a)
    # Keep a alive under another number, then reuse a's number for another file.
    keep = b.name("k")
    b.op(f"dup {a} {keep}")
    other = b.eventfd()
    b.add(ep, other)
    reused = b.name("x")
    b.op(f"close {a}")
    b.forget(a)
    b.op(f"dup {other} {reused}")          # takes a's old number
    b.op(f"ctl add {ep} {reused} in {b.data()}")  # a second item under that number
    b.targets.append(keep)
    b.writable.append(keep)
    b.readable.append(keep)
    b.targets.append(reused)
    timers_and_signals(b)
    for _ in range(rng.randint(3, 10)):
        x = rng.random()
        t = rng.choice(b.targets) if b.targets else None
        if x < 0.25:
            b.poke()
        elif x < 0.45:
            b.wait(ep)
        elif x < 0.6 and t:
            names = parse_text(b.text(0, "x", 0)).names
            fd = rng.randint(3, 16)
            while fd == names[t] or fd == names[ep]:
                fd += 1
            n = b.name("d")
            b.op(f"dup2 {t} {n} {fd}")
            for victim, vfd in names.items():
                if vfd == fd:  # dup2 closed it
                    b.forget(victim)
            for lst in (b.targets, b.readable, b.writable):
                if t in lst:
                    lst.append(n)
        elif x < 0.7 and t:
            b.add(ep, t, rng.choice(["add", "mod"]))
        elif x < 0.8 and t and len(b.targets) > 2:
            b.op(f"close {t}")
            b.forget(t)
        else:
            b.target()
            b.add(ep, b.targets[-1])
        if rng.random() < 0.3:
            b.op("checkpoint")
    b.op("checkpoint")
    b.wait(ep)
    b.wait(ep)


def gen_concurrent(b: Builder) -> None:
    """An outside task acts on shared sets and targets during a checkpoint.

    Inner sets watch eventfds and pipes; an outer set watches the inner
    ones and some targets directly.  The outside task changes items
    (hctl), writes, reads and drains targets (hwrite, hread), consumes
    events with epoll_wait (hwait) and closes its copy of an fd (hclose).
    Each target belongs to one set: the order in which one wakeup reaches
    items of different sets is not restored (README, "Known gaps"), and
    an outer set would observe it.  Socket pairs, in about half the
    scenarios, have their ends watched the same way and get outside-task
    ops of their own (socket_pairs, socket_hop: the other lines stay
    those each seed always gave), and so do timers and signalfds
    (timers_and_signals with outside=True says which).
    """
    rng = b.rng
    outer = b.epoll()
    inners = [b.epoll() for _ in range(rng.randint(1, 2))]
    for _ in range(rng.randint(3, 7)):
        b.target()
    owner = {t: rng.choice(inners + [outer]) for t in b.targets}
    present: set[tuple[str, str]] = set()
    for t in b.targets:
        if rng.random() < 0.6:
            b.add(owner[t], t)
            present.add((owner[t], t))
    for inner in inners:
        if rng.random() < 0.8:
            b.op(f"ctl add {outer} {inner} in{'|et' if rng.random() < 0.4 else ''} {b.data()}")
    socket_pairs(b, owner)
    timers_and_signals(b, one_set=True, outside=True, signal_sets=[outer])
    for _ in range(rng.randint(0, 3)):
        b.poke()
    n = rng.randint(1, 12)
    queued = 0
    closed: set[str] = set()
    for _ in range(n):
        queued += 1
        r = rng.random()
        if r < 0.3:
            t = rng.choice(b.targets)
            ep = owner[t]
            if (ep, t) in present and rng.random() < 0.4:
                b.op(f"hctl del {ep} {t}")
                present.discard((ep, t))
            elif (ep, t) in present:
                b.op(f"hctl mod {ep} {t} {b.events()} {b.data()}")
            else:
                b.op(f"hctl add {ep} {t} {b.events()} {b.data()}")
                present.add((ep, t))
        elif r < 0.55:
            w = rng.choice(b.writable)
            b.op(f"hwrite {w} {rng.choice([1, 1, 2, 5, 64])}")
        elif r < 0.75:
            rd = rng.choice(b.readable)
            b.op(f"hread {rd} {rng.choice([1, 8, 100])}")
        elif r < 0.93:
            b.op(f"hwait {rng.choice(inners + [outer])} {rng.choice([1, 2, 8])}")
        else:
            t = rng.choice(b.targets)
            if t not in closed:
                b.op(f"hclose {t}")
                closed.add(t)
            else:
                queued -= 1  # a second close of one fd is not queued
        socket_hop(b, closed)
    # The lead is drawn from 0..n, as it always was, so that every seed
    # still gives the scenarios it gave; it may not exceed what was queued
    # (nor, for the same reason, count the socket pairs' ops).
    b.op(f"checkpoint {min(rng.randint(0, n), queued)}")
    for _ in range(rng.randint(1, 4)):
        b.poke()
        b.wait(outer)
    for inner in inners:
        b.wait(inner)
    if b.socks:
        for _ in range(b.sx.randint(1, 4)):
            socket_step(b, owner)
        for ep in b.eps:
            b.op(f"wait {ep} 64 record")


def gen_large(b: Builder, lo: int = 10000, hi: int = 100000) -> None:
    rng = b.rng
    total = rng.randint(lo, hi)
    nsets = rng.randint(2, 4)
    eps = [b.epoll() for _ in range(nsets)]
    ts = [b.eventfd() for _ in range(rng.randint(2, 5))]
    per = total // nsets
    for i, ep in enumerate(eps):
        left = per
        while left:
            c = min(left, rng.randint(1000, 20000))
            t = rng.choice(ts)
            ev = rng.choice(["in", "in|et", "in|oneshot", "out"])
            b.op(f"fill {ep} {t} {c} {ev} {hex((i << 40) + (per - left))}")
            left -= c
    for t in ts:
        if rng.random() < 0.5:
            b.op(f"write {t} 1")
    timers_and_signals(b)
    for ep in eps:
        b.wait(ep)
    b.op("checkpoint")
    for ep in eps:
        b.op(f"wait {ep} {rng.choice([64, 256, 1024])} record")
        b.wait(ep)


def generate(category: str, seed: int, index: int, large_max: int = 100000,
             steady_timers: bool = False) -> str:
    rng = random.Random(f"{seed}:{category}:{index}")
    b = Builder(rng, random.Random(f"{seed}:{category}:{index}:timers-signals"),
                steady_timers, random.Random(f"{seed}:{category}:{index}:sockets"))
    if category == "nested":
        gen_nested(b)
    elif category == "fd-recycling":
        gen_fd_recycling(b)
    elif category == "concurrent":
        gen_concurrent(b)
    elif category == "large":
        gen_large(b, min(10000, large_max), large_max)
    elif category == "mixed":
        choice = rng.random()
        if choice < 0.15:
            gen_fd_recycling(b)
        gen_mixed(b, rng.randint(1, 3))
    else:
        raise ValueError(f"unknown category '{category}'")
    # Once, at the end: mixed may run fd-recycling's lines first.
    timers_and_signals_tail(b)
    return annotate(b.text(seed, category, index), f"{category}-{seed}-{index}")


def annotate(text: str, path: str) -> str:
    """Adds the model's predictions as `expect` to waits marked `record` and
    to ops without a suffix."""
    scn = parse_text(text, path)
    pred = predict(scn)
    lines = text.split("\n")
    for op, p in zip(scn.ops, pred):
        if op.expect is not None or (op.record and op.kind != "wait"):
            continue
        if p is not None and op.kind in TRACED:
            lines[op.line - 1] = op.text() + " expect" + (" " + p if p else "")
    return "\n".join(lines)


def category_of(category: str, i: int) -> str:
    if category != "all":
        return category
    if i % LARGE_EVERY == LARGE_EVERY - 1:
        return "large"
    return ROUND_ROBIN[i % len(ROUND_ROBIN)]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--first", type=int, default=0, help="first index")
    ap.add_argument("--category", default="all", choices=CATEGORIES + ("all",))
    ap.add_argument("--large-max", type=int, default=100000,
                    help="most items of a large scenario")
    ap.add_argument("--out", required=True)
    ap.add_argument("--list", help="also write the file names to this list file")
    ap.add_argument("--steady-timers", action="store_true",
                    help="only timers that do not run (for kernels without time travel)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    names = []
    for i in range(args.first, args.first + args.count):
        cat = category_of(args.category, i)
        name = os.path.join(args.out, f"{cat}-{args.seed}-{i:06d}.scn")
        with open(name, "w", encoding="utf-8") as f:
            f.write(generate(cat, args.seed, i, args.large_max, args.steady_timers))
        names.append(name)
    if args.list:
        with open(args.list, "w", encoding="utf-8") as f:
            f.write("".join(n + "\n" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
