"""The scenario ops, read from scenarios/ops.table (its header says the format).

The table is the one definition of every op's syntax: its arguments and
their kinds, bounds and flags, whether it gives a trace result (and so takes
expect/record) and whether it is an outside-task op.  scenario.py checks
lines against it; the C parser gets it as a generated header:

    python3 -m epollcr.scenarios.ops --c-header [TABLE]   # C header on stdout
    python3 -m epollcr.scenarios.ops --format-md [TABLE]  # FORMAT.md's operations table
    python3 -m epollcr.scenarios.ops --outside [TABLE]    # the outside-task ops, one a line
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import TOP

TABLE = TOP / "scenarios" / "ops.table"

FD_MIN = 3
FD_LIMIT = 131072
MAX_WAIT = 1024
U64 = (1 << 64) - 1
# Limits a bound may name, and what the C header writes for them.
LIMITS = {"FD_MIN": (FD_MIN, "SCN_FD_MIN"), "FD_LIMIT": (FD_LIMIT, "SCN_FD_LIMIT"),
          "MAX_WAIT": (MAX_WAIT, "SCN_MAX_WAIT")}
FLAGS = ("cloexec", "nonblock", "semaphore", "realtime", "boottime", "abstime",
         "dgram", "seqpacket")  # C: SCN_CLOEXEC, ...
KINDS = ("new", "name", "word", "path", "events", "signals", "data", "num", "choice")
TRACES = ("-", "result", "must")
MAX_ARGS = 8   # the sizes of struct scn_form's arrays (harness/scenario/scn.h)
MAX_WORDS = 3

_PH_RE = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_OP_RE = re.compile(r"[a-z][a-z0-9]*\Z")
_WORD_RE = re.compile(r"[a-z][a-z0-9]*\Z")
_BOUND_RE = re.compile(r"(0x[0-9a-fA-F]+|[0-9]+|[A-Z_]+(-1)?)\Z")


class TableError(Exception):
    """A malformed ops.table: str() is 'file:line: message'."""


@dataclass(frozen=True)
class Arg:
    ph: str                  # placeholder: what usage and FORMAT.md show
    kind: str                # one of KINDS
    optional: bool = False
    lo: int = 0              # num: bounds
    hi: int = 0
    lo_c: str = "0"          # num: the bounds as C expressions
    hi_c: str = "0"
    words: tuple[str, ...] = ()  # choice
    bounds: str = ""         # num: the bounds as FORMAT.md shows them

    def usage(self) -> str:
        return f"[{self.ph}]" if self.optional else self.ph


@dataclass(frozen=True)
class Form:
    """One line of the table: an op, or one shape of an op that has several."""
    op: str
    trace: str               # one of TRACES
    outside: str | None      # the op an outside-task op queues
    args: tuple[Arg, ...]
    flags: tuple[str, ...]   # allowed trailing flags, in table order
    does: str
    result: str
    line: int

    @property
    def base(self) -> str:
        """The op this line parses and runs as (an outside op: the one it queues)."""
        return self.outside or self.op

    @property
    def lo(self) -> int:
        return sum(1 for a in self.args if not a.optional)

    @property
    def hi(self) -> int:
        return len(self.args) + len(self.flags)

    def usage(self, word: str | None = None) -> str:
        """The op's usage line; word replaces a choice's alternatives."""
        parts = [self.op]
        for a in self.args:
            parts.append(word if a.kind == "choice" and word else a.usage())
        parts += [f"[{f}]" for f in self.flags]
        return " ".join(parts)

    def syntax(self) -> str:
        """The line as FORMAT.md shows it."""
        return self.usage()


@dataclass(frozen=True)
class OpSpec:
    """An op word: its lines (several when its first argument picks one)."""
    name: str
    forms: tuple[Form, ...]

    @property
    def trace(self) -> str:
        return self.forms[0].trace

    @property
    def outside(self) -> str | None:
        return self.forms[0].outside

    @property
    def base(self) -> str:
        return self.forms[0].base

    def usage(self) -> str:
        return "; ".join(f.usage() for f in self.forms)


def _bound(tok: str, where: str) -> tuple[int, str]:
    if not _BOUND_RE.match(tok):
        raise TableError(f"{where}: bad bound '{tok}'")
    if tok[0].isdigit():
        return int(tok, 0), tok + ("ull" if int(tok, 0) > 0x7FFFFFFF else "")
    name, minus = (tok[:-2], 1) if tok.endswith("-1") else (tok, 0)
    if name not in LIMITS:
        raise TableError(f"{where}: unknown limit '{name}' (known: {', '.join(LIMITS)})")
    v, c = LIMITS[name]
    return v - minus, f"({c} - 1)" if minus else c


def _arg(tok: str, first: bool, where: str) -> Arg:
    optional = tok.startswith("[") and tok.endswith("]")
    body = tok[1:-1] if optional else tok
    if ":" not in body:
        words = tuple(body.split("|"))
        if optional or not first or not all(_WORD_RE.match(w) for w in words):
            raise TableError(f"{where}: bad argument '{tok}' (a choice of words comes first, unbracketed)")
        if len(words) > MAX_WORDS:
            raise TableError(f"{where}: more than {MAX_WORDS} words in '{tok}'")
        return Arg("|".join(words), "choice", words=words)
    ph, kind = body.split(":", 1)
    if not _PH_RE.match(ph):
        raise TableError(f"{where}: bad placeholder '{ph}' (upper case)")
    if ".." in kind:
        lo_t, hi_t = kind.split("..", 1)
        lo, lo_c = _bound(lo_t, where)
        hi, hi_c = _bound(hi_t, where)
        if not 0 <= lo <= hi <= U64:
            raise TableError(f"{where}: bad bounds '{kind}'")
        show = "..".join(t if t.startswith("0x") else str(v) for t, v in ((lo_t, lo), (hi_t, hi)))
        return Arg(ph, "num", optional, lo, hi, lo_c, hi_c, bounds=show)
    if kind not in KINDS or kind in ("num", "choice"):
        raise TableError(f"{where}: unknown kind '{kind}' in '{tok}'")
    return Arg(ph, kind, optional)


def _form(line: str, lineno: int, where: str) -> Form:
    fields = [f.strip() for f in line.split(" | ")]
    if len(fields) != 6:
        raise TableError(f"{where}: {len(fields)} fields, expected 6: op | trace | outside | args | does | result")
    op, trace, outside, args_f, does, result = fields
    if not _OP_RE.match(op):
        raise TableError(f"{where}: bad op word '{op}'")
    if trace not in TRACES:
        raise TableError(f"{where}: trace '{trace}' is not one of {' '.join(TRACES)}")
    if outside != "-" and trace != "-":
        raise TableError(f"{where}: an outside-task op gives no trace result (trace must be -)")
    args: list[Arg] = []
    flags: list[str] = []
    for i, tok in enumerate(args_f.split()):
        inner = tok[1:-1] if tok.startswith("[") and tok.endswith("]") else None
        if inner is not None and ":" not in inner:
            if inner not in FLAGS:
                raise TableError(f"{where}: unknown flag '{inner}' (known: {' '.join(FLAGS)})")
            if inner in flags:
                raise TableError(f"{where}: flag '{inner}' given twice")
            flags.append(inner)
            continue
        if flags:
            raise TableError(f"{where}: argument '{tok}' after a flag")
        a = _arg(tok, i == 0, where)
        if not a.optional and args and args[-1].optional:
            raise TableError(f"{where}: required argument '{tok}' after an optional one")
        args.append(a)
    if len(args) + len(flags) > MAX_ARGS:
        raise TableError(f"{where}: more than {MAX_ARGS} arguments")
    if len({a.ph for a in args}) != len(args):
        raise TableError(f"{where}: a placeholder appears twice")
    return Form(op, trace, None if outside == "-" else outside, tuple(args), tuple(flags),
                does, result, lineno)


def read_table(text: str, path: str = "ops.table") -> dict[str, OpSpec]:
    """The ops of a table, by op word, in table order."""
    forms: dict[str, list[Form]] = {}
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        f = _form(line, lineno, where)
        same = forms.setdefault(f.op, [])
        if same:
            prev = same[0]
            if list(forms)[-1] != f.op:
                raise TableError(f"{where}: the lines of '{f.op}' must be adjacent")
            if (f.trace, f.outside) != (prev.trace, prev.outside):
                raise TableError(f"{where}: '{f.op}' lines differ in trace or outside")
            if not (f.args and f.args[0].kind == "choice" and prev.args[0].kind == "choice"):
                raise TableError(f"{where}: an op with several lines needs a choice of words first")
            taken = {w for g in same for w in g.args[0].words}
            if taken & set(f.args[0].words):
                raise TableError(f"{where}: '{f.op}' word {sorted(taken & set(f.args[0].words))[0]} on two lines")
        same.append(f)
    ops = {name: OpSpec(name, tuple(fs)) for name, fs in forms.items()}
    for spec in ops.values():
        if spec.outside is not None:
            base = ops.get(spec.outside)
            if base is None or base.outside is not None:
                raise TableError(f"{path}:{spec.forms[0].line}: '{spec.name}' queues "
                                 f"'{spec.outside}', which is not an op of this process")
    return ops


def load(path: Path = TABLE) -> dict[str, OpSpec]:
    try:
        return read_table(path.read_text(encoding="utf-8"), str(path))
    except OSError as e:
        raise TableError(f"{path}: {e.strerror}") from None


OPS = load()
# Every op this process runs (an outside op runs as one of them), in table order.
BASE_OPS = tuple(name for name, spec in OPS.items() if spec.outside is None)


def _c_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_header(ops: dict[str, OpSpec], source: str = "scenarios/ops.table") -> str:
    """The C parser's view of the table: enum scn_kind and, where
    SCN_OPS_TABLE is defined, the forms (types in scn.h)."""
    base = [n for n, s in ops.items() if s.outside is None]
    out = [f"/* Generated from {source} by python3 -m epollcr.scenarios.ops --c-header; do not edit. */",
           "#ifndef SCN_OPS_H", "#define SCN_OPS_H", "",
           "/* The limits a bound may name. */"]
    out += [f"#define {c} {v}" for v, c in LIMITS.values()]
    out += ["",
           "/* The ops the scenario process runs (outside-task ops run as one). */",
           "enum scn_kind {"]
    out += [f"\tOP_{n.upper()}," for n in base]
    out += ["};", f"#define SCN_NKINDS {len(base)}", "",
            "#ifdef SCN_OPS_TABLE", "static const struct scn_form scn_forms[] = {"]
    for spec in ops.values():
        for f in spec.forms:
            out.append(f"\t{{ .op = {_c_str(f.op)}, .kind = OP_{f.base.upper()}, "
                       f".outside = {'true' if f.outside else 'false'}, "
                       f".trace = SCN_TRACE_{ {'-': 'NONE', 'result': 'RESULT', 'must': 'MUST'}[f.trace]},")
            out.append(f"\t  .nargs = {len(f.args)}, .lo = {f.lo}, .hi = {f.hi}, "
                       f".usage = {_c_str(f.usage())},")
            out.append("\t  .flag_names = { " + "".join(f"{_c_str(x)}, " for x in f.flags) + "NULL },")
            out.append("\t  .flag_bits = { " + "".join(f"SCN_{x.upper()}, " for x in f.flags) + "0 },")
            out.append("\t  .args = {")
            for a in f.args:
                fields = [f".ph = {_c_str(a.ph)}", f".kind = SCN_ARG_{a.kind.upper()}"]
                if a.optional:
                    fields.append(".optional = true")
                if a.kind == "num":
                    fields += [f".lo = {a.lo_c}", f".hi = {a.hi_c}"]
                if a.kind == "choice":
                    fields.append(".words = { " + "".join(f"{_c_str(w)}, " for w in a.words) + "NULL }")
                out.append("\t\t{ " + ", ".join(fields) + " },")
            out.append("\t} },")
    out += ["};", "#endif /* SCN_OPS_TABLE */", "", "#endif /* SCN_OPS_H */", ""]
    return "\n".join(out)


def _md(s: str) -> str:
    return s.replace("|", "\\|")


def format_md(ops: dict[str, OpSpec]) -> str:
    """FORMAT.md's operations table."""
    rows = ["| line | does | numbers | trace result |", "|---|---|---|---|"]
    for spec in ops.values():
        for f in spec.forms:
            nums = ", ".join(f"`{a.ph}` {a.bounds}" for a in f.args if a.kind == "num") or "-"
            rows.append(f"| `{_md(f.syntax())}` | {_md(f.does)} | {nums} | {_md(f.result)} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--c-header", action="store_true", help="the C parser's header")
    what.add_argument("--format-md", action="store_true", help="FORMAT.md's operations table")
    what.add_argument("--outside", action="store_true", help="the outside-task ops, one a line")
    ap.add_argument("table", nargs="?", default=str(TABLE))
    args = ap.parse_args(argv)
    try:
        ops = load(Path(args.table))
    except TableError as e:
        print(e, file=sys.stderr)
        return 1
    if args.outside:
        sys.stdout.write("".join(f"{n}\n" for n, s in ops.items() if s.outside is not None))
    else:
        sys.stdout.write(c_header(ops) if args.c_header else format_md(ops))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
