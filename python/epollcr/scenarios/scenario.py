"""Scenario files: parse, validate and predict fd numbers (see FORMAT.md)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

FD_MIN = 3
FD_LIMIT = 131072
MAX_WAIT = 1024
U64 = (1 << 64) - 1

EVENT_BITS = {
    "in": 0x1, "pri": 0x2, "out": 0x4, "err": 0x8, "hup": 0x10,
    "rdnorm": 0x40, "rdband": 0x80, "wrnorm": 0x100, "wrband": 0x200,
    "msg": 0x400, "rdhup": 0x2000, "exclusive": 1 << 28, "wakeup": 1 << 29,
    "oneshot": 1 << 30, "et": 1 << 31,
}
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PATH_RE = re.compile(r"[A-Za-z0-9._-]+\Z")
# Ops that produce a trace line (and so may carry expect/record).
# The outside task's ops, by the op each performs; queued for the next checkpoint.
OUTSIDE = {"hctl": "ctl", "hwrite": "write", "hread": "read", "hwait": "wait", "hclose": "close"}
TRACED = {"epoll", "eventfd", "pipe", "file", "dup", "dup2", "close", "ctl",
          "fill", "write", "read", "wait", "params"}


class ScenarioError(Exception):
    """A malformed scenario: str() is 'file:line: message'."""


@dataclass
class Op:
    line: int
    kind: str
    args: list[str]            # tokens after the op word, suffix excluded
    fds: dict[str, int] = field(default_factory=dict)  # resolved operand fds
    expect: str | None = None  # expected result, or None
    record: bool = False

    def text(self) -> str:
        return " ".join([self.kind] + self.args)

    def source(self) -> str:
        s = self.text()
        if self.expect is not None:
            s += " expect" + (" " + self.expect if self.expect else "")
        elif self.record:
            s += " record"
        return s


@dataclass
class Object:
    kind: str   # epoll eventfd piper pipew file
    ident: int  # open-file identity (dups share it)


@dataclass
class Scenario:
    path: str
    ops: list[Op]
    seed: int | None = None
    category: str | None = None
    names: dict[str, int] = field(default_factory=dict)  # bound at the end


def parse_number(tok: str, what: str, limit: int = U64) -> int:
    try:
        v = int(tok, 16) if tok.lower().startswith("0x") else int(tok, 10)
    except ValueError:
        raise ValueError(f"{what}: '{tok}' is not a number") from None
    if v < 0 or v > limit:
        raise ValueError(f"{what}: {tok} out of range 0..{limit}")
    return v


def parse_events(tok: str) -> int:
    if tok.lower().startswith("0x") or tok.isdigit():
        return parse_number(tok, "events", 0xFFFFFFFF)
    v = 0
    for part in tok.split("|"):
        if part not in EVENT_BITS:
            raise ValueError(f"unknown event '{part}'")
        v |= EVENT_BITS[part]
    return v


class _State:
    """Names, fd numbers and open-file identities while parsing."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.fds: dict[int, Object] = {}
        self.next_ident = 1
        self.hint = FD_MIN  # no free fd below it

    def lowest(self) -> int:
        fd = self.hint
        while fd in self.fds:
            fd += 1
        self.hint = fd
        if fd >= FD_LIMIT:
            raise ValueError(f"fd limit {FD_LIMIT} reached")
        return fd

    def new_object(self, kind: str) -> Object:
        self.next_ident += 1
        return Object(kind, self.next_ident - 1)

    def bind(self, name: str, obj: Object, fd: int | None = None) -> int:
        if not NAME_RE.match(name):
            raise ValueError(f"bad name '{name}'")
        if name in self.names:
            raise ValueError(f"name '{name}' is already bound")
        if fd is None:
            fd = self.lowest()
        self.names[name] = fd
        self.fds[fd] = obj
        return fd

    def fd_of(self, name: str) -> int:
        if name not in self.names:
            raise ValueError(f"name '{name}' is not open")
        return self.names[name]

    def close_fd(self, fd: int) -> None:
        self.fds.pop(fd, None)
        self.hint = min(self.hint, fd)
        for n, f in list(self.names.items()):
            if f == fd:
                del self.names[n]


def _need(args: list[str], lo: int, hi: int, usage: str) -> None:
    if not lo <= len(args) <= hi:
        raise ValueError(f"usage: {usage}")


def _parse_op(st: _State, op: Op, hctl_names: list[tuple[Op, list[str]]]) -> None:
    a, k = op.args, op.kind
    if k == "seed":
        _need(a, 1, 1, "seed N")
        parse_number(a[0], "seed")
    elif k == "category":
        _need(a, 1, 1, "category NAME")
    elif k == "epoll":
        _need(a, 1, 2, "epoll NAME [cloexec]")
        if len(a) == 2 and a[1] != "cloexec":
            raise ValueError(f"epoll: unknown flag '{a[1]}'")
        op.fds["new"] = st.bind(a[0], st.new_object("epoll"))
    elif k == "eventfd":
        _need(a, 1, 4, "eventfd NAME [INIT] [semaphore] [nonblock]")
        rest = a[1:]
        if rest and rest[0] not in ("semaphore", "nonblock"):
            parse_number(rest[0], "eventfd initial value", 0xFFFFFFFF)
            rest = rest[1:]
        for f in rest:
            if f not in ("semaphore", "nonblock"):
                raise ValueError(f"eventfd: unknown flag '{f}'")
        op.fds["new"] = st.bind(a[0], st.new_object("eventfd"))
    elif k == "pipe":
        _need(a, 2, 3, "pipe R W [nonblock]")
        if len(a) == 3 and a[2] != "nonblock":
            raise ValueError(f"pipe: unknown flag '{a[2]}'")
        if a[0] == a[1]:
            raise ValueError("pipe: the two ends need two names")
        r = st.new_object("piper")
        w = Object("pipew", r.ident)
        op.fds["r"] = st.bind(a[0], r)
        op.fds["w"] = st.bind(a[1], w)
    elif k == "file":
        _need(a, 2, 2, "file NAME PATH")
        if not PATH_RE.match(a[1]):
            raise ValueError(f"file: path '{a[1]}' must match [A-Za-z0-9._-]+")
        op.fds["new"] = st.bind(a[0], st.new_object("file"))
    elif k == "dup":
        _need(a, 2, 2, "dup NAME NEW")
        fd = st.fd_of(a[0])
        op.fds["old"] = fd
        op.fds["new"] = st.bind(a[1], st.fds[fd])
    elif k == "dup2":
        _need(a, 3, 3, "dup2 NAME NEW FD")
        fd = st.fd_of(a[0])
        target = parse_number(a[2], "dup2 fd", FD_LIMIT - 1)
        if target < FD_MIN:
            raise ValueError(f"dup2: fd {target} is below {FD_MIN}")
        if target == fd:
            raise ValueError(f"dup2: fd {target} is already '{a[0]}'")
        obj = st.fds[fd]
        st.close_fd(target)
        op.fds["old"] = fd
        op.fds["new"] = st.bind(a[1], obj, target)
    elif k == "close":
        _need(a, 1, 1, "close NAME")
        fd = st.fd_of(a[0])
        op.fds["fd"] = fd
        st.close_fd(fd)
    elif k in ("ctl", "hctl"):
        if not a or a[0] not in ("add", "mod", "del"):
            raise ValueError(f"usage: {k} add|mod|del EP TARGET [EVENTS DATA]")
        if a[0] == "del":
            _need(a, 3, 3, f"{k} del EP TARGET")
        else:
            _need(a, 5, 5, f"{k} {a[0]} EP TARGET EVENTS DATA")
            parse_events(a[3])
            parse_number(a[4], "data")
        if k == "hctl":
            st.fd_of(a[1]), st.fd_of(a[2])
            hctl_names.append((op, [a[1], a[2]]))
            op.fds["ep"], op.fds["t"] = -1, -1
        else:
            op.fds["ep"] = st.fd_of(a[1])
            op.fds["t"] = st.fd_of(a[2])
    elif k in OUTSIDE and k != "hctl":
        base = OUTSIDE[k]
        _need(a, *((1, 1) if base == "close" else (2, 2)), f"{k} NAME" + ("" if base == "close" else " N"))
        fd = st.fd_of(a[0])
        if base in ("write", "read"):
            parse_number(a[1], "size", U64 if st.fds[fd].kind == "eventfd" else 65536)
        elif base == "wait":
            parse_number(a[1], "maxevents", MAX_WAIT)
        hctl_names.append((op, [a[0]]))
    elif k == "fill":
        _need(a, 5, 5, "fill EP TARGET COUNT EVENTS DATA")
        op.fds["ep"] = st.fd_of(a[0])
        op.fds["t"] = st.fd_of(a[1])
        count = parse_number(a[2], "fill count", FD_LIMIT)
        parse_events(a[3])
        parse_number(a[4], "data")
        obj = st.fds[op.fds["t"]]
        first = st.lowest()
        for _ in range(count):
            st.fds[st.lowest()] = obj
        op.fds["first"] = first
    elif k in ("write", "read"):
        _need(a, 2, 2, f"{k} NAME N")
        op.fds["fd"] = st.fd_of(a[0])
        parse_number(a[1], "size", U64 if st.fds[op.fds["fd"]].kind == "eventfd" else 65536)
    elif k == "wait":
        _need(a, 2, 2, "wait EP MAXEVENTS")
        op.fds["ep"] = st.fd_of(a[0])
        parse_number(a[1], "maxevents", MAX_WAIT)
        if op.expect is None and not op.record:
            raise ValueError("wait needs 'expect ...' or 'record'")
    elif k == "params":
        _need(a, 4, 4, "params EP USECS BUDGET PREFER")
        op.fds["ep"] = st.fd_of(a[0])
        parse_number(a[1], "usecs", 0xFFFFFFFF)
        parse_number(a[2], "budget", 0xFFFF)
        parse_number(a[3], "prefer", 0xFF)
    elif k == "checkpoint":
        _need(a, 0, 1, "checkpoint [LEAD]")
        lead = parse_number(a[0], "lead") if a else 0
        if lead > len(hctl_names):
            raise ValueError(f"checkpoint: lead {lead} > {len(hctl_names)} queued outside-task ops")
        for hop, names in hctl_names:
            if hop.kind == "hctl":
                hop.fds["ep"] = st.fd_of(names[0])
                hop.fds["t"] = st.fd_of(names[1])
            else:
                hop.fds["fd"] = st.fd_of(names[0])
        hctl_names.clear()
    else:
        raise ValueError(f"unknown op '{k}'")


def split_line(raw: str) -> list[str]:
    toks: list[str] = []
    for t in raw.split():
        if t.startswith("#"):
            break
        toks.append(t)
    return toks


def parse_text(text: str, path: str = "<string>") -> Scenario:
    st = _State()
    ops: list[Op] = []
    hctl: list[tuple[Op, list[str]]] = []
    scn = Scenario(path, ops)
    helper_cps = 0
    for lineno, raw in enumerate(text.split("\n"), 1):
        toks = split_line(raw)
        if not toks:
            continue
        try:
            op = Op(lineno, toks[0], toks[1:])
            if "expect" in op.args:
                i = op.args.index("expect")
                op.expect = " ".join(op.args[i + 1:])
                op.args = op.args[:i]
            elif op.args and op.args[-1] == "record":
                op.record = True
                op.args = op.args[:-1]
            if (op.expect is not None or op.record) and op.kind not in TRACED:
                raise ValueError(f"'{op.kind}' gives no result to expect or record")
            if op.kind == "checkpoint" and hctl:
                helper_cps += 1
                if helper_cps > 1:
                    raise ValueError("only one checkpoint may have queued outside-task ops")
            if op.kind == "seed":
                if scn.seed is not None:
                    raise ValueError("seed given twice")
                scn.seed = int(op.args[0]) if op.args and op.args[0].isdigit() else None
            if op.kind == "category" and op.args:
                scn.category = op.args[0]
            _parse_op(st, op, hctl)
        except ValueError as e:
            raise ScenarioError(f"{path}:{lineno}: {e}") from None
        ops.append(op)
    if hctl:
        raise ScenarioError(f"{path}:{hctl[-1][0].line}: outside-task op with no checkpoint after it")
    scn.names = dict(st.names)
    return scn


def parse_file(path: str) -> Scenario:
    with open(path, encoding="utf-8") as f:
        return parse_text(f.read(), path)


def render(ops: list[Op], header: list[str] | None = None) -> str:
    """Scenario text of ops (one per line), header lines first."""
    return "".join(f"{h}\n" for h in (header or [])) + "".join(op.source() + "\n" for op in ops)
