"""Scenario files: parse, validate and predict fd numbers (see FORMAT.md).

Every op's syntax comes from scenarios/ops.table (ops.py); _semantics has
what each op does to names and fds."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .ops import FD_LIMIT, FD_MIN, OPS, Form, OpSpec
from .ops import U64 as U64  # re-exported: model.py

EVENT_BITS = {
    "in": 0x1, "pri": 0x2, "out": 0x4, "err": 0x8, "hup": 0x10,
    "rdnorm": 0x40, "rdband": 0x80, "wrnorm": 0x100, "wrband": 0x200,
    "msg": 0x400, "rdhup": 0x2000, "exclusive": 1 << 28, "wakeup": 1 << 29,
    "oneshot": 1 << 30, "et": 1 << 31,
}
# The signals a scenario may name (parse.c's signal_names): not KILL, STOP
# or CONT (the runner's), nor PIPE and CHLD (the runner's own ops raise them).
SIGNALS = {
    "hup": 1, "int": 2, "quit": 3, "ill": 4, "trap": 5, "abrt": 6, "bus": 7, "fpe": 8,
    "usr1": 10, "segv": 11, "usr2": 12, "alrm": 14, "term": 15, "stkflt": 16,
    "tstp": 20, "ttin": 21, "ttou": 22, "urg": 23, "xcpu": 24, "xfsz": 25,
    "vtalrm": 26, "prof": 27, "winch": 28, "io": 29, "pwr": 30, "sys": 31,
}
# Reads of these move one fixed-size record: N is not a size.
FIXED_SIZE = ("eventfd", "timerfd", "signalfd")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PATH_RE = re.compile(r"[A-Za-z0-9._-]+\Z")
NAME_MAX = PATH_MAX = 63  # the C parser's buffers
NUMBER_RE = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]+)\Z")
# The op word syntax (ops.table): the outside task's ops, by the op each
# performs (queued for the next checkpoint), and the ops with a trace result.
OUTSIDE = {name: spec.outside for name, spec in OPS.items() if spec.outside is not None}
TRACED = {name for name, spec in OPS.items() if spec.trace != "-"}


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
    kind: str   # epoll eventfd piper pipew file timerfd signalfd sock
    ident: int  # open-file identity (dups share it)


@dataclass
class Scenario:
    path: str
    ops: list[Op]
    seed: int | None = None
    category: str | None = None
    names: dict[str, int] = field(default_factory=dict)  # bound at the end


def parse_number(tok: str, what: str, limit: int = U64, lo: int = 0) -> int:
    if not NUMBER_RE.match(tok):
        raise ValueError(f"{what}: '{tok}' is not a number")
    v = int(tok, 16) if tok[1:2] in ("x", "X") else int(tok, 10)
    if v < lo or v > limit:
        raise ValueError(f"{what}: {tok} out of range {lo}..{limit}")
    return v


def parse_events(tok: str, what: str = "events") -> int:
    if tok[:1].isdigit():
        return parse_number(tok, what, 0xFFFFFFFF)
    v = 0
    for part in tok.split("|"):
        if part not in EVENT_BITS:
            raise ValueError(f"unknown event '{part}'")
        v |= EVENT_BITS[part]
    return v


def parse_signals(tok: str) -> int:
    """SIGS: names or numbers joined with '|', as a mask of bit (signo - 1)."""
    v = 0
    for part in tok.split("|"):
        sig = SIGNALS.get(part.lower(), -1)
        if part.isdigit() and 0 < len(part) < 8 and int(part) in SIGNALS.values():
            sig = int(part)
        if sig < 0:
            raise ValueError(f"unknown or reserved signal '{part}'")
        v |= 1 << (sig - 1)
    return v


def signal_list(mask: int) -> list[int]:
    """The signal numbers of a mask, ascending."""
    return [sig for sig in range(1, 65) if mask >> (sig - 1) & 1]


@dataclass
class Args:
    """An op line's arguments, checked against its form in ops.table."""
    form: Form
    toks: dict[str, str]      # by placeholder; optional ones only if given
    nums: dict[str, int]      # numbers, EVENTS and DATA, by placeholder
    flags: set[str]
    names: list[str]          # the bound names it uses, in order


def check_args(spec: OpSpec, a: list[str]) -> Args:
    """The table's syntax checks: the form, arity, each token's kind and bounds, flags."""
    form, word = spec.forms[0], None
    if form.args and form.args[0].kind == "choice":
        picked = [f for f in spec.forms if a and a[0] in f.args[0].words]
        if not picked:
            raise ValueError(f"usage: {spec.usage()}")
        form, word = picked[0], a[0]
    if not form.lo <= len(a) <= form.hi:
        raise ValueError(f"usage: {form.usage(word)}")
    v = Args(form, {}, {}, set(), [])
    i = 0
    for arg in form.args:
        if i == len(a) or (arg.optional and a[i] in form.flags):
            break
        tok = a[i]
        i += 1
        v.toks[arg.ph] = tok
        what = f"{spec.name} {arg.ph}"
        if arg.kind == "num":
            v.nums[arg.ph] = parse_number(tok, what, arg.hi, arg.lo)
        elif arg.kind == "events":
            v.nums[arg.ph] = parse_events(tok, what)
        elif arg.kind == "signals":
            v.nums[arg.ph] = parse_signals(tok)
        elif arg.kind == "data":
            v.nums[arg.ph] = parse_number(tok, what)
        elif arg.kind == "path" and not (PATH_RE.match(tok) and len(tok) <= PATH_MAX):
            raise ValueError(f"{spec.name}: path '{tok}' must match [A-Za-z0-9._-]+, "
                             f"at most {PATH_MAX} characters")
        elif arg.kind == "name":
            v.names.append(tok)
    for tok in a[i:]:
        if tok not in form.flags:
            raise ValueError(f"{spec.name}: unknown flag '{tok}'")
        v.flags.add(tok)
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
        if not NAME_RE.match(name) or len(name) > NAME_MAX:
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


Pending = list[tuple[Op, list[str]]]


def _size(st: _State, op: Op, fd: int, v: Args) -> None:
    """read/write: a pipe, file or socket moves at most 64 KiB."""
    if st.fds[fd].kind not in FIXED_SIZE:
        parse_number(v.toks["N"], f"{op.kind} N", 65536)


def _semantics(st: _State, scn: Scenario, op: Op, spec: OpSpec, v: Args, pending: Pending) -> None:
    """What an op does to names and fds; its syntax is checked (check_args)."""
    k, t = spec.base, v.toks
    if spec.outside is not None:
        # Names must be open now; they are resolved at the next checkpoint.
        fds = [st.fd_of(n) for n in v.names]
        if k in ("write", "read"):
            _size(st, op, fds[0], v)
        if k == "ctl":
            op.fds["ep"], op.fds["t"] = -1, -1
        pending.append((op, v.names))
    elif k == "seed":
        if scn.seed is not None:
            raise ValueError("seed given twice")
        scn.seed = v.nums["N"]
    elif k == "category":
        scn.category = t["NAME"]
    elif k in ("epoll", "eventfd", "file", "signalfd"):
        op.fds["new"] = st.bind(t["NAME"], st.new_object(k))
    elif k == "timerfd":
        if {"realtime", "boottime"} <= v.flags:
            raise ValueError("timerfd: realtime and boottime are two clocks")
        op.fds["new"] = st.bind(t["NAME"], st.new_object(k))
    elif k == "settime":
        op.fds["fd"] = st.fd_of(t["NAME"])
    elif k in ("raise", "sleep"):
        pass
    elif k == "pipe":
        if t["R"] == t["W"]:
            raise ValueError("pipe: the two ends need two names")
        r = st.new_object("piper")
        w = Object("pipew", r.ident)
        op.fds["r"] = st.bind(t["R"], r)
        op.fds["w"] = st.bind(t["W"], w)
    elif k == "socketpair":
        if {"dgram", "seqpacket"} <= v.flags:
            raise ValueError("socketpair: dgram and seqpacket are two types")
        if t["A"] == t["B"]:
            raise ValueError("socketpair: the two ends need two names")
        op.fds["a"] = st.bind(t["A"], st.new_object("sock"))
        op.fds["b"] = st.bind(t["B"], st.new_object("sock"))
    elif k == "shutdown":
        op.fds["fd"] = st.fd_of(t["NAME"])
    elif k == "dup":
        fd = st.fd_of(t["NAME"])
        op.fds["old"] = fd
        op.fds["new"] = st.bind(t["NEW"], st.fds[fd])
    elif k == "dup2":
        fd = st.fd_of(t["NAME"])
        target = v.nums["FD"]
        if target == fd:
            raise ValueError(f"dup2: fd {target} is already '{t['NAME']}'")
        obj = st.fds[fd]
        st.close_fd(target)
        op.fds["old"] = fd
        op.fds["new"] = st.bind(t["NEW"], obj, target)
    elif k == "close":
        fd = st.fd_of(t["NAME"])
        op.fds["fd"] = fd
        st.close_fd(fd)
    elif k == "ctl":
        op.fds["ep"] = st.fd_of(t["EP"])
        op.fds["t"] = st.fd_of(t["TARGET"])
    elif k == "fill":
        op.fds["ep"] = st.fd_of(t["EP"])
        op.fds["t"] = st.fd_of(t["TARGET"])
        obj = st.fds[op.fds["t"]]
        first = st.lowest()
        for _ in range(v.nums["COUNT"]):
            st.fds[st.lowest()] = obj
        op.fds["first"] = first
    elif k in ("write", "read"):
        op.fds["fd"] = st.fd_of(t["NAME"])
        _size(st, op, op.fds["fd"], v)
    elif k in ("wait", "params"):
        op.fds["ep"] = st.fd_of(t["EP"])
    elif k == "checkpoint":
        lead = v.nums.get("LEAD", 0)
        if lead > len(pending):
            raise ValueError(f"checkpoint: lead {lead} > {len(pending)} queued outside-task ops")
        for hop, names in pending:
            if OUTSIDE[hop.kind] == "ctl":
                hop.fds["ep"] = st.fd_of(names[0])
                hop.fds["t"] = st.fd_of(names[1])
            else:
                hop.fds["fd"] = st.fd_of(names[0])
        pending.clear()
    else:
        raise ValueError(f"op '{op.kind}' has no semantics in scenario.py")


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
            spec = OPS.get(op.kind)
            if spec is None:
                raise ValueError(f"unknown op '{op.kind}'")
            if "expect" in op.args:
                i = op.args.index("expect")
                op.expect = " ".join(op.args[i + 1:])
                op.args = op.args[:i]
            elif op.args and op.args[-1] == "record":
                op.record = True
                op.args = op.args[:-1]
            if (op.expect is not None or op.record) and spec.trace == "-":
                raise ValueError(f"'{op.kind}' gives no result to expect or record")
            if spec.trace == "must" and op.expect is None and not op.record:
                raise ValueError(f"{op.kind} needs 'expect ...' or 'record'")
            if op.kind == "checkpoint" and hctl:
                helper_cps += 1
                if helper_cps > 1:
                    raise ValueError("only one checkpoint may have queued outside-task ops")
            _semantics(st, scn, op, spec, check_args(spec, op.args), hctl)
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
