"""Reads the "BENCH {json}" lines harness/bench prints, one run per file."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

PREFIX = "BENCH "
KINDS = ("meta", "layout", "setup", "sample", "phases", "size", "memory", "skip", "done")


class RecordError(Exception):
    """A raw file that is not a complete run; the message names file:line."""


@dataclass
class Run:
    """One run of harness/bench: in UML, or natively on the host."""

    env: str
    path: str
    meta: Dict[str, Any] = field(default_factory=dict)
    layouts: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    setup_ns: Dict[int, int] = field(default_factory=dict)
    samples: List[Dict[str, Any]] = field(default_factory=list)
    # "phases" records (the bench kernel only): n, method, rep, and ns, a
    # phase name -> ns object in the kernel's order.
    phases: List[Dict[str, Any]] = field(default_factory=list)
    sizes: Dict[int, Dict[str, int]] = field(default_factory=dict)
    memory: List[Dict[str, Any]] = field(default_factory=list)
    skipped: List[Dict[str, Any]] = field(default_factory=list)


def _need(rec: Dict[str, Any], where: str, numbers: Tuple[str, ...],
          strings: Tuple[str, ...] = ()) -> None:
    for k in numbers + strings:
        if k not in rec:
            raise RecordError(f"{where}: {rec['kind']} record without \"{k}\"")
    for k in numbers:
        if isinstance(rec[k], bool) or not isinstance(rec[k], (int, float)):
            raise RecordError(f"{where}: {rec['kind']} record: \"{k}\" is not a number")
    for k in strings:
        if not isinstance(rec[k], str):
            raise RecordError(f"{where}: {rec['kind']} record: \"{k}\" is not a string")


def parse_lines(lines: List[str], env: str, path: str) -> Run:
    """Builds a Run from the lines of one raw file; other lines are ignored."""
    run = Run(env=env, path=path)
    done = False
    for i, line in enumerate(lines, 1):
        where = f"{path}:{i}"
        start = line.find(PREFIX)
        if start < 0:
            continue
        try:
            rec = json.loads(line[start + len(PREFIX):])
        except json.JSONDecodeError as e:
            raise RecordError(f"{where}: bad BENCH record: {e.msg}") from None
        if not isinstance(rec, dict):
            raise RecordError(f"{where}: BENCH record is not a JSON object")
        if rec.get("kind") not in KINDS:
            raise RecordError(f"{where}: BENCH record of unknown kind {rec.get('kind')!r}")
        kind = rec["kind"]
        if kind != "meta" and not run.meta:
            raise RecordError(f"{where}: {kind} record before the meta record")
        if kind == "meta":
            _need(rec, where, ("nsets", "reps"), ("kernel",))
            run.meta = rec
        elif kind == "layout":
            _need(rec, where, ("n", "nsets", "per_set"))
            run.layouts[rec["n"]] = (rec["nsets"], rec["per_set"])
        elif kind == "setup":
            _need(rec, where, ("n", "ns"))
            run.setup_ns[rec["n"]] = rec["ns"]
        elif kind == "sample":
            _need(rec, where, ("n", "rep", "ns"), ("method",))
            run.samples.append(rec)
        elif kind == "phases":
            _need(rec, where, ("n", "rep"), ("method",))
            ns = rec.get("ns")
            if not isinstance(ns, dict) or not ns:
                raise RecordError(f"{where}: phases record: \"ns\" is not an object "
                                  "of phase times")
            for name, v in ns.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise RecordError(f"{where}: phases record: phase {name!r} is not a number")
            run.phases.append(rec)
        elif kind == "size":
            _need(rec, where, ("n",))
            run.sizes.setdefault(rec["n"], {}).update(
                {k: v for k, v in rec.items() if k not in ("kind", "n")})
        elif kind == "memory":
            _need(rec, where, ("n", "rep", "samples", "before_used", "after_used",
                              "peak_used", "before_slab_vmalloc", "after_slab_vmalloc",
                              "peak_slab_vmalloc"), ("method",))
            run.memory.append(rec)
        elif kind == "skip":
            _need(rec, where, ("n",), ("reason",))
            run.skipped.append(rec)
        else:
            done = True
    if not run.meta:
        raise RecordError(f"{path}: no BENCH records (did the benchmark start?)")
    if not done:
        raise RecordError(f"{path}:{len(lines)}: the run ended before its \"done\" record "
                          "(crashed, timed out or failed; see the lines above it)")
    return run


def load(path: str, env: str) -> Run:
    """Reads one raw file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise RecordError(f"{path}: {e.strerror}") from None
    return parse_lines(lines, env, path)


def merge(runs: List[Run], env: str) -> Run:
    """One Run of env from runs of disjoint sizes (scripts/bench's extra UML
    runs, one per layout): the first run's meta, every run's records.  A
    size measured by two of them is an error naming both files."""
    if not runs:
        raise ValueError("merge: no runs")
    out = Run(env=env, path=", ".join(r.path for r in runs), meta=dict(runs[0].meta))
    seen: Dict[int, str] = {}
    for r in runs:
        for n in sorted(set(r.layouts) | {rec["n"] for rec in r.samples}):
            if n in seen:
                raise RecordError(f"{r.path}: N={n} was measured in {seen[n]} too")
            seen[n] = r.path
        out.layouts.update(r.layouts)
        out.setup_ns.update(r.setup_ns)
        out.samples += r.samples
        out.phases += r.phases
        for n, s in r.sizes.items():
            out.sizes.setdefault(n, {}).update(s)
        out.memory += r.memory
        out.skipped += r.skipped
    return out
