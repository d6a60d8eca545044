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
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .scenario import EVENT_BITS, OUTSIDE, U64, Op, Scenario, parse_number, parse_events

IN, OUT, ERR, HUP = 0x1, 0x4, 0x8, 0x10
RDNORM, WRNORM = 0x40, 0x100
ONESHOT, ET = EVENT_BITS["oneshot"], EVENT_BITS["et"]
EXCLUSIVE, WAKEUP = EVENT_BITS["exclusive"], EVENT_BITS["wakeup"]
PRIVATE = ONESHOT | ET | EXCLUSIVE | WAKEUP
PIPE_SAFE = 4096  # beyond this many buffered bytes, capacity rules apply

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
        return None  # epoll (nested) and others: not modelled

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
            if self.pending:
                self.blind = True
            self.pending = []
            return None
        if k in OUTSIDE:
            self.pending.append(op)
        return None

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
