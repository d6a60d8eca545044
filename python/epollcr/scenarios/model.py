"""Reference model of single-level epoll over eventfds and pipes.

It predicts the trace result of every op (FORMAT.md) or says it cannot
(None): nested sets, an outside task, EPOLLEXCLUSIVE/EPOLLWAKEUP, regular file
content and full pipes are left to the differential check (A against B).

Rules, as in fs/eventpoll.c of 6.12:
- ADD and MOD OR in EPOLLERR|EPOLLHUP; if the target is ready for the item's
  events and the item is not queued, it goes to the tail of the ready list.
- A wakeup with key K queues an item (at the tail, if not queued) when the
  item is armed and K & events != 0 (no key: any armed item).  Items of
  one target are woken newest first (their wait-queue entries are added at
  the head).
- epoll_wait splices the ready list out, re-polls each item in order, drops
  items no longer ready, reports at most MAX; a level-triggered item is
  re-queued at the tail, an edge-triggered one is not, a one-shot one is
  disarmed (events &= private bits).  Unvisited items go back to the head.
- Closing the last fd of a file removes its items from every set.

Timers and signals:
- The model's clock is the sum of the `sleep`s so far.  A timer whose
  deadline it has passed has certainly expired (a sleep takes at least its
  time), one more than FAR ahead certainly has not; in between, and the
  ticks of a periodic timer, are not predicted (its sets are blinded).
  Timers expiring in one sleep wake their items (key EPOLLIN) in deadline
  order.  Relative timers keep their time left across a checkpoint, so a
  checkpoint changes nothing.
- The scenario process blocks every signal a scenario names; a `raise` of
  a signal not pending makes it pending and wakes every signalfd's items
  (all signalfds of a process share one wait queue: key none, newest item
  first); a signalfd is readable while a signal of its mask is pending; a
  read dequeues the synchronous ones first, then the lowest.  Pending
  signals are carried over to the restored copy (FORMAT.md).  At a
  checkpoint the process stops itself with SIGSTOP, which wakes every
  signalfd's items too (an edge-triggered one with a signal pending fires
  again; with scenario-run --every-step, at every op: not modelled).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .scenario import (EVENT_BITS, OUTSIDE, U64, Op, Scenario, parse_events, parse_number,
                       parse_signals, signal_list)

IN, OUT, ERR, HUP = 0x1, 0x4, 0x8, 0x10
RDNORM, WRNORM = 0x40, 0x100
ONESHOT, ET = EVENT_BITS["oneshot"], EVENT_BITS["et"]
EXCLUSIVE, WAKEUP = EVENT_BITS["exclusive"], EVENT_BITS["wakeup"]
PRIVATE = ONESHOT | ET | EXCLUSIVE | WAKEUP
PIPE_SAFE = 4096  # beyond this many buffered bytes, capacity rules apply
FAR = 100 * 10**9  # a timer this far ahead does not fire during a run (ns)
SYNCHRONOUS = (4, 5, 7, 8, 11, 31)  # ILL TRAP BUS FPE SEGV SYS: dequeued first

EAGAIN, EBADF, EEXIST, EINVAL, ENOENT, EPERM, EPIPE = (
    "-EAGAIN", "-EBADF", "-EEXIST", "-EINVAL", "-ENOENT", "-EPERM", "-EPIPE")

# An epoll item's key: (identity of the target File, target fd).
Key = tuple[int, int]


@dataclass
class Pipe:
    nbytes: int = 0
    readers: int = 1
    writers: int = 1
    uncertain: bool = False


@dataclass
class File:
    kind: str                      # epoll eventfd piper pipew file
    nonblock: bool = False
    count: int = 0                 # eventfd
    semaphore: bool = False
    pipe: Pipe | None = None
    refs: int = 0                  # fds referring to it
    items: dict[Key, Item] = field(default_factory=dict)   # epoll: key -> Item
    ready: list[Key] = field(default_factory=list)         # epoll: ready keys in order
    watchers: list[tuple[File, Key]] = field(default_factory=list)  # (epoll File, key) watching it
    nested: bool = False           # epoll with an epoll target, or uncertain
    armed: bool = False            # timerfd: set and not yet expired (one-shot)
    deadline: int = 0              # timerfd: on the model's clock
    interval: int = 0              # timerfd
    ticks: int = 0                 # timerfd: a one-shot's unread expiry
    unknown: bool = False          # timerfd: its state is not predicted
    sigmask: int = 0               # signalfd: bit (signo - 1)


@dataclass
class Item:
    target: File
    events: int
    data: int
    queued: bool = False


class Model:
    def __init__(self) -> None:
        self.fds: dict[int, File] = {}
        self.blind = False  # an outside task ran: nothing is predicted
        self.pending: list[Op] = []  # outside-task ops queued for the next checkpoint
        self.now = 0  # the model's clock: the sleeps so far (ns)
        self.signals = 0  # pending signals, bit (signo - 1)
        # The items watching any signalfd: one wait queue per process.
        self.sig_watchers: list[tuple[File, Key]] = []

    # -- readiness --
    def poll(self, f: File) -> int | None:
        if f.kind == "eventfd":
            m = IN if f.count > 0 else 0
            if f.count == U64:
                m |= ERR
            if U64 - 1 > f.count:
                m |= OUT
            return m
        if f.kind in ("piper", "pipew"):
            p = f.pipe
            assert p is not None
            if p.uncertain:
                return None
            if f.kind == "piper":
                return (IN | RDNORM if p.nbytes else 0) | (0 if p.writers else HUP)
            return OUT | WRNORM | (0 if p.readers else ERR)
        if f.kind == "timerfd":
            return self.poll_timer(f)
        if f.kind == "signalfd":
            return IN if self.signals & f.sigmask else 0
        return None  # epoll (nested) and others: not modelled

    def poll_timer(self, f: File) -> int | None:
        if f.unknown:
            return None
        if not f.armed:
            return IN if f.ticks else 0
        if f.deadline <= self.now:
            return IN  # a periodic timer that expired: not re-armed until read
        return 0 if f.deadline - self.now > FAR else None

    def wake(self, f: File, key: int | None) -> None:
        # ep_ptable_queue_proc adds to the head of the wait queue: the item
        # added last is woken first.
        for ep, k in reversed(f.watchers):
            it = ep.items[k]
            if not it.events & ~PRIVATE:
                continue
            if key is not None and not key & it.events:
                continue
            if not it.queued:
                it.queued = True
                ep.ready.append(k)

    # -- file lifetime --
    def install(self, fd: int, f: File) -> None:
        f.refs += 1
        old = self.fds.get(fd)
        self.fds[fd] = f
        if old is not None:
            self.put(old)

    def close(self, fd: int) -> None:
        self.put(self.fds.pop(fd))

    def put(self, f: File) -> None:
        f.refs -= 1
        if f.refs:
            return
        for ep, k in list(f.watchers):
            if ep.items[k].target is f:  # signalfds share their watchers
                self.remove_item(ep, k)
        if f.kind == "epoll":
            for k in list(f.items):
                self.remove_item(f, k)
        if f.pipe is not None:
            p = f.pipe
            if f.kind == "piper":
                p.readers -= 1
            else:
                p.writers -= 1
            if (p.readers == 0) != (p.writers == 0):
                for other in self.fds.values():
                    if other.pipe is p:
                        self.wake(other, None)
                        break
                # both ends of the pipe may be open under several fds; the
                # other end is one File, woken once above.

    def remove_item(self, ep: File, k: Key) -> None:
        it = ep.items.pop(k)
        it.target.watchers.remove((ep, k))
        if it.queued:
            ep.ready.remove(k)

    # -- ops --
    def run(self, scn: Scenario) -> list[str | None]:
        """The predicted result of every op (None: not predicted or no result)."""
        return [self.step(op) for op in scn.ops]

    def step(self, op: Op) -> str | None:
        r = self._step(op)
        return None if self.blind else r

    def _step(self, op: Op) -> str | None:
        k, a, fds = op.kind, op.args, op.fds
        if k == "epoll":
            self.install(fds["new"], File("epoll"))
            return str(fds["new"])
        if k == "eventfd":
            rest = a[1:]
            init = 0
            if rest and rest[0] not in ("semaphore", "nonblock"):
                init = parse_number(rest[0], "init")
            self.install(fds["new"], File("eventfd", "nonblock" in rest, init,
                                          "semaphore" in rest))
            return str(fds["new"])
        if k == "pipe":
            p = Pipe()
            nb = len(a) == 3
            self.install(fds["r"], File("piper", nb, pipe=p))
            self.install(fds["w"], File("pipew", nb, pipe=p))
            return f"{fds['r']} {fds['w']}"
        if k == "file":
            self.install(fds["new"], File("file"))
            return str(fds["new"])
        if k == "timerfd":
            self.install(fds["new"], File("timerfd", "nonblock" in a))
            return str(fds["new"])
        if k == "signalfd":
            f = File("signalfd", "nonblock" in a, watchers=self.sig_watchers,
                     sigmask=parse_signals(a[1]))
            self.install(fds["new"], f)
            return str(fds["new"])
        if k == "settime":
            return self.settime(self.fds[fds["fd"]], parse_number(a[1], "value"),
                                parse_number(a[2], "interval"))
        if k == "raise":
            self.raise_signals(parse_signals(a[0]))
            return "0"
        if k == "sleep":
            self.sleep(parse_number(a[0], "ns"))
            return None
        if k in ("dup", "dup2"):
            self.install(fds["new"], self.fds[fds["old"]])
            return str(fds["new"])
        if k == "close":
            self.close(fds["fd"])
            return "0"
        if k == "ctl":
            return self.ctl(a[0], fds["ep"], fds["t"], a[3:])
        if k == "fill":
            ep, t = fds["ep"], fds["t"]
            target = self.fds[t]
            count = parse_number(a[2], "count")
            fd = fds["first"]
            for i in range(count):
                while fd in self.fds:
                    fd += 1
                self.install(fd, target)
                r = self.ctl("add", ep, fd, [a[3], hex(parse_number(a[4], "data") + i)])
                if r != "0":
                    return None if r is None else f"{r}@{i}"
            return str(count)
        if k == "write":
            return self.write(self.fds[fds["fd"]], parse_number(a[1], "value"))
        if k == "read":
            return self.read(self.fds[fds["fd"]], parse_number(a[1], "size"))
        if k == "wait":
            return self.wait(self.fds[fds["ep"]], parse_number(a[1], "max"))
        if k == "params":
            epf = self.fds[fds["ep"]]
            ok = parse_number(a[1], "usecs") <= 0x7FFFFFFF and parse_number(a[3], "p") <= 1
            return ("0" if ok else EINVAL) if epf.kind == "epoll" else None
        if k == "checkpoint":
            # The process stops itself there (SIGSTOP): a signal, so every
            # signalfd's items are woken.
            self.wake_signalfds()
            if self.pending:
                self.blind = True
            self.pending = []
            return None
        if k in OUTSIDE:
            self.pending.append(op)
        return None

    def blind_watchers(self, f: File) -> None:
        """f may change readiness at a moment the model does not know."""
        for ep, _ in f.watchers:
            ep.nested = True

    def settime(self, f: File, value: int, interval: int) -> str | None:
        if f.kind != "timerfd":
            return None
        f.armed, f.ticks, f.unknown = value > 0, 0, False
        f.deadline, f.interval = self.now + value, interval
        if f.armed and self.poll_timer(f) is None:
            self.blind_watchers(f)
        return "0"

    def sleep(self, ns: int) -> None:
        end = self.now + ns
        timers = {id(f): f for f in self.fds.values() if f.kind == "timerfd"}.values()
        due = sorted((f for f in timers if f.armed and not f.unknown and self.now < f.deadline <= end),
                     key=lambda f: f.deadline)
        for i, f in enumerate(due):
            self.now = f.deadline
            if not f.interval:
                f.armed, f.ticks = False, 1
            if any(g is not f and g.deadline == f.deadline for g in due):
                self.blind_watchers(f)  # which of two at one instant wakes first
            self.wake(f, IN)
        self.now = end
        for f in timers:
            if f.armed and self.poll_timer(f) is None:
                self.blind_watchers(f)

    def raise_signals(self, mask: int) -> None:
        for sig in signal_list(mask):
            bit = 1 << (sig - 1)
            if self.signals & bit:
                continue  # a standard signal already pending: nothing happens
            self.signals |= bit
            self.wake_signalfds()

    def wake_signalfds(self) -> None:
        """A signal sent to the process: every signalfd's items, no key."""
        if self.sig_watchers:
            ep, k = self.sig_watchers[0]
            self.wake(ep.items[k].target, None)

    def read_signal(self, f: File) -> str | None:
        ready = signal_list(self.signals & f.sigmask)
        if not ready:
            return EAGAIN if f.nonblock else "would-block"
        sync = [sig for sig in ready if sig in SYNCHRONOUS]
        sig = (sync or ready)[0]
        self.signals &= ~(1 << (sig - 1))
        return f"128 signo={sig}"

    def read_timer(self, f: File) -> str | None:
        m = self.poll_timer(f)
        if m is None:
            return None
        if not m:
            return EAGAIN if f.nonblock else "would-block"
        if f.armed:  # a periodic timer: how many periods passed is not known
            f.unknown = True
            self.blind_watchers(f)
            return None
        f.ticks = 0
        return "8 v=1"

    def ctl(self, sub: str, epfd: int, tfd: int, rest: list[str]) -> str | None:
        ep, t = self.fds[epfd], self.fds[tfd]
        if ep.kind != "epoll" or t is ep:
            return EINVAL
        if t.kind == "file":
            return EPERM
        if t.kind == "epoll":
            ep.nested = True
            return None
        key = (id(t), tfd)
        events = parse_events(rest[0]) if rest else 0
        if events & (EXCLUSIVE | WAKEUP):
            ep.nested = True
            return None
        if sub == "add":
            if key in ep.items:
                return EEXIST
            it = Item(t, events | ERR | HUP, parse_number(rest[1], "data"))
            ep.items[key] = it
            t.watchers.append((ep, key))
            self.queue_if_ready(ep, key)
            return "0"
        if key not in ep.items:
            return ENOENT
        if sub == "del":
            self.remove_item(ep, key)
            return "0"
        it = ep.items[key]
        it.events = events | ERR | HUP
        it.data = parse_number(rest[1], "data")
        self.queue_if_ready(ep, key)
        return "0"

    def queue_if_ready(self, ep: File, key: Key) -> None:
        it = ep.items[key]
        m = self.poll(it.target)
        if m is None:
            ep.nested = True
            return
        if m & it.events and not it.queued:
            it.queued = True
            ep.ready.append(key)

    def write(self, f: File, v: int) -> str | None:
        if f.kind == "eventfd":
            if v == U64:
                return EINVAL
            if U64 - f.count <= v:
                return EAGAIN if f.nonblock else None
            f.count += v
            self.wake(f, IN)
            return "8"
        if f.kind == "pipew":
            p = f.pipe
            assert p is not None
            if v == 0:
                return "0"
            if not p.readers:
                return EPIPE
            if p.uncertain or p.nbytes + v > PIPE_SAFE:
                p.uncertain = True
                return None
            p.nbytes += v
            for other in {id(x): x for x in self.fds.values() if x.pipe is p and x.kind == "piper"}.values():
                self.wake(other, IN | RDNORM)
            return str(v)
        if f.kind == "piper":
            return EBADF
        return None

    def read(self, f: File, n: int) -> str | None:
        if f.kind == "timerfd":
            return self.read_timer(f)
        if f.kind == "signalfd":
            return self.read_signal(f)
        if f.kind == "eventfd":
            if f.count == 0:
                return EAGAIN if f.nonblock else "would-block"
            v = 1 if f.semaphore else f.count
            f.count -= v
            self.wake(f, OUT)
            return f"8 v={v}"
        if f.kind == "piper":
            p = f.pipe
            assert p is not None
            if p.uncertain:
                return None
            if n == 0:
                return "0"
            if p.nbytes == 0:
                if not p.writers:
                    return "0"
                return EAGAIN if f.nonblock else "would-block"
            r = min(n, p.nbytes)
            p.nbytes -= r
            return str(r)
        if f.kind == "pipew":
            return EBADF
        return None

    def wait(self, ep: File, maxevents: int) -> str | None:
        if ep.kind != "epoll" or maxevents <= 0:
            return EINVAL
        if ep.nested:
            return None
        if any(self.poll(ep.items[k].target) is None for k in ep.ready):
            ep.nested = True
            return None
        tx, ep.ready = ep.ready, []
        out: list[str] = []
        i = 0
        while i < len(tx):
            if len(out) >= maxevents:
                break
            key = tx[i]
            i += 1
            it = ep.items[key]
            it.queued = False
            m = self.poll(it.target)
            assert m is not None
            rev = m & it.events
            if not rev:
                continue
            out.append(f"{it.data:x}:{rev:x}")
            if it.events & ONESHOT:
                it.events &= PRIVATE
            elif not it.events & ET:
                it.queued = True
                ep.ready.append(key)
        ep.ready = tx[i:] + ep.ready
        return " ".join(out)


def predict(scn: Scenario) -> list[str | None]:
    return Model().run(scn)
