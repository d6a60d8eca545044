"""Reference model of single-level epoll over eventfds, pipes and socket pairs.

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
  checkpoint the process parks on a futex, not with a signal, so a
  checkpoint wakes no signalfd item.

UNIX socket pairs (net/unix/af_unix.c of 6.12, as patched):
- Each end has a receive queue of skbs (a stream write of N > 0 bytes is
  one skb, a datagram or seqpacket write one message, N = 0 too), its
  shutdown bits and a pending ECONNRESET.  Poll: ERR while the error is
  pending, HUP when both directions are shut, RDHUP|IN|RDNORM once
  receiving is shut, IN|RDNORM while something is queued, and
  OUT|WRNORM|WRBAND while the skbs the end sent that its peer has not
  read are few and small (their truesize, estimated from above, at most
  SOCK_SAFE).  A write beyond that, or of a message above SKB_SAFE,
  leaves the pair unpredicted and blinds the sets that watch it.
- A write wakes the peer (key IN|PRI|RDNORM|RDBAND); a read that frees
  skbs wakes the sender (key OUT|WRNORM|WRBAND), and so does a datagram
  write refused (-EPIPE) by a peer shut down for receiving, which frees
  the skb it had allocated; shutdown wakes the end,
  then (stream and seqpacket) its peer, with the mirrored bits, no key.
  A stream read takes up to N bytes across skbs, a datagram read one
  message (truncated to N); an error is reported after a stream's data,
  before a seqpacket's.  Closing the last fd of an end shuts a stream or
  seqpacket peer down (ECONNRESET if the closed end had unread data) and
  wakes it, no key; the closed end's queue is dropped.  A datagram write
  to a closed peer (-ECONNREFUSED: the end drops its queue and is
  unconnected, which checkpoint does not support) is not predicted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .scenario import (EVENT_BITS, OUTSIDE, U64, Op, Scenario, parse_events, parse_number,
                       parse_signals, signal_list)

IN, PRI, OUT, ERR, HUP = 0x1, 0x2, 0x4, 0x8, 0x10
RDNORM, RDBAND, WRNORM, WRBAND, RDHUP = 0x40, 0x80, 0x100, 0x200, 0x2000
ONESHOT, ET = EVENT_BITS["oneshot"], EVENT_BITS["et"]
EXCLUSIVE, WAKEUP = EVENT_BITS["exclusive"], EVENT_BITS["wakeup"]
PRIVATE = ONESHOT | ET | EXCLUSIVE | WAKEUP
PIPE_SAFE = 4096  # beyond this many buffered bytes, capacity rules apply
FAR = 100 * 10**9  # a timer this far ahead does not fire during a run (ns)
SYNCHRONOUS = (4, 5, 7, 8, 11, 31)  # ILL TRAP BUS FPE SEGV SYS: dequeued first
# A socket end is writable while 4 * (1 + the truesize of its skbs its peer
# has not read) <= SO_SNDBUF (212992 by default: while that sum is at most
# 53247).  An skb of L <= SKB_SAFE bytes has a truesize of at most
# 2 * L + 1024 (a power-of-two head and the sk_buff: 896 for 1 byte, 4352
# for 2048 on UML); while those estimates sum to at most SOCK_SAFE, the
# end is certainly writable.
SOCK_SAFE = 32768
SKB_SAFE = 2048
RCV_SHUTDOWN, SEND_SHUTDOWN = 1, 2
SHUT_BITS = {"rd": RCV_SHUTDOWN, "wr": SEND_SHUTDOWN, "rdwr": RCV_SHUTDOWN | SEND_SHUTDOWN}
SOCK_READABLE = IN | PRI | RDNORM | RDBAND  # sock_def_readable()'s key
SOCK_WRITABLE = OUT | WRNORM | WRBAND       # unix_write_space()'s key

EAGAIN, EBADF, EEXIST, EINVAL, ENOENT, EPERM, EPIPE = (
    "-EAGAIN", "-EBADF", "-EEXIST", "-EINVAL", "-ENOENT", "-EPERM", "-EPIPE")
ECONNRESET, ENOTSOCK = "-ECONNRESET", "-ENOTSOCK"

# An epoll item's key: (identity of the target File, target fd).
Key = tuple[int, int]


@dataclass
class Pipe:
    nbytes: int = 0
    readers: int = 1
    writers: int = 1
    uncertain: bool = False


@dataclass
class SockEnd:
    queue: list[int] = field(default_factory=list)  # skbs queued to it: bytes left of each
    sent: list[int] = field(default_factory=list)   # and the bytes each was sent with
    shutdown: int = 0              # RCV_SHUTDOWN | SEND_SHUTDOWN
    err: bool = False              # ECONNRESET pending
    closed: bool = False


@dataclass
class SockPair:
    type: str                      # stream dgram seqpacket
    ends: tuple[SockEnd, SockEnd] = field(default_factory=lambda: (SockEnd(), SockEnd()))
    files: list[File | None] = field(default_factory=lambda: [None, None])  # None once closed
    uncertain: bool = False

    def wmem(self, end: int) -> int:
        """An estimate from above of what end's unread skbs hold of its send buffer."""
        return sum(2 * n + 1024 for n in self.ends[1 - end].sent)


@dataclass
class File:
    kind: str                      # epoll eventfd piper pipew file timerfd signalfd sock
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
    sock: SockPair | None = None   # sock: its pair
    end: int = 0                   # sock: 0 or 1


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
        if f.kind == "sock":
            return self.poll_sock(f)
        return None  # epoll (nested) and others: not modelled

    def poll_sock(self, f: File) -> int | None:
        p = f.sock
        assert p is not None
        if p.uncertain:
            return None
        me = p.ends[f.end]
        m = ERR if me.err else 0
        if me.shutdown == RCV_SHUTDOWN | SEND_SHUTDOWN:
            m |= HUP
        if me.shutdown & RCV_SHUTDOWN:
            m |= RDHUP | IN | RDNORM
        if me.queue:
            m |= IN | RDNORM
        return m | OUT | WRNORM | WRBAND  # writes beyond SOCK_SAFE make it uncertain

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
        if f.sock is not None:
            self.release_sock(f)
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

    def release_sock(self, f: File) -> None:
        """The last fd of a socket end closed: unix_release_sock()."""
        p = f.sock
        assert p is not None
        me, peer, other = p.ends[f.end], p.ends[1 - f.end], p.files[1 - f.end]
        me.closed, p.files[f.end] = True, None
        if p.uncertain:
            return
        if other is not None:
            if p.type != "dgram":
                peer.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN
                # With CONFIG_AF_UNIX_OOB an empty first skb (a seqpacket's
                # zero-length message) is passed over.
                if me.queue[1:] or me.queue[:1] not in ([], [0]):
                    peer.err = True
                self.wake(other, None)
            if me.queue:
                self.wake(other, SOCK_WRITABLE)  # the peer's skbs are freed
        me.queue.clear()
        me.sent.clear()

    def sock_uncertain(self, p: SockPair) -> None:
        p.uncertain = True
        for f in p.files:
            if f is not None:
                self.blind_watchers(f)

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
        if k == "socketpair":
            flags = a[2:]
            sp = SockPair("dgram" if "dgram" in flags else "seqpacket" if "seqpacket" in flags
                          else "stream")
            for end, name in enumerate(("a", "b")):
                f = File("sock", "nonblock" in flags, sock=sp, end=end)
                sp.files[end] = f
                self.install(fds[name], f)
            return f"{fds['a']} {fds['b']}"
        if k == "shutdown":
            return self.shutdown(self.fds[fds["fd"]], SHUT_BITS[a[0]])
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

    def shutdown(self, f: File, mode: int) -> str | None:
        if f.kind != "sock":
            return ENOTSOCK
        p = f.sock
        assert p is not None
        if p.uncertain:
            return None
        p.ends[f.end].shutdown |= mode
        self.wake(f, None)
        other = p.files[1 - f.end]
        if p.type != "dgram" and other is not None:
            mirror = (SEND_SHUTDOWN if mode & RCV_SHUTDOWN else 0) | (
                RCV_SHUTDOWN if mode & SEND_SHUTDOWN else 0)
            p.ends[1 - f.end].shutdown |= mirror
            self.wake(other, None)
        return "0"

    def write_sock(self, f: File, n: int) -> str | None:
        p = f.sock
        assert p is not None
        if p.uncertain:
            return None
        me, peer, other = p.ends[f.end], p.ends[1 - f.end], p.files[1 - f.end]
        if p.type == "seqpacket" and me.err:  # unix_seqpacket_sendmsg: sock_error() first
            me.err = False
            return ECONNRESET
        if me.shutdown & SEND_SHUTDOWN:
            return EPIPE
        if p.type == "stream" and n == 0:
            return "0"  # no skb, no wakeup
        if other is None and p.type == "dgram":
            self.sock_uncertain(p)  # -ECONNREFUSED, and the end is no pair any more
            return None
        if other is None or peer.shutdown & RCV_SHUTDOWN:
            # Refused after the skb was allocated: freeing it wakes the
            # writer (a stream or seqpacket end is shut down for sending
            # first, so only a datagram gets here).
            self.wake(f, SOCK_WRITABLE)
            return EPIPE
        if n > SKB_SAFE or p.wmem(f.end) + 2 * n + 1024 > SOCK_SAFE:
            self.sock_uncertain(p)
            return None
        peer.queue.append(n)
        peer.sent.append(n)
        self.wake(other, SOCK_READABLE)
        return str(n)

    def read_sock(self, f: File, n: int) -> str | None:
        p = f.sock
        assert p is not None
        m = self.poll_sock(f)
        if m is None:
            return None
        if not f.nonblock and not m & (IN | ERR | HUP):
            return "would-block"  # the runner's poll(POLLIN) before a blocking read
        if n == 0:
            return "0"  # sock_read_iter: nothing is received
        me, other = p.ends[f.end], p.files[1 - f.end]
        if me.err and (p.type != "stream" or not me.queue):
            me.err = False
            return ECONNRESET
        if me.queue:
            if p.type == "stream":
                got = 0
                while me.queue and got < n:
                    take = min(n - got, me.queue[0])
                    got += take
                    me.queue[0] -= take
                    if me.queue[0]:
                        break
                    me.queue.pop(0)
                    me.sent.pop(0)
                    if other is not None:
                        self.wake(other, SOCK_WRITABLE)
                return str(got)
            got = min(n, me.queue.pop(0))
            me.sent.pop(0)
            if other is not None:
                self.wake(other, SOCK_WRITABLE)
            return str(got)
        if me.shutdown & RCV_SHUTDOWN and (p.type != "dgram" or not f.nonblock):
            return "0"
        return EAGAIN

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
        if f.kind == "sock":
            return self.write_sock(f, v)
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
        if f.kind == "sock":
            return self.read_sock(f, n)
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
