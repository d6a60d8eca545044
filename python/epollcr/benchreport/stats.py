"""Medians and ranges of the raw repetitions, and the figures derived
from them: time per item, the epoll items' share of our syscalls, the
kernel's per-phase breakdown of them, image bytes per item, and kernel
memory around restart."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .records import Run

Record = Dict[str, Any]  # one BENCH line's JSON object

# Every method, in display order, with what it measures.
METHODS: Dict[str, str] = {
    "checkpoint": "checkpoint() syscall",
    "restart": "restart() syscall, into a fresh process",
    "checkpoint_items": "checkpoint() minus the same fds without sets (the items' share)",
    "restart_items": "restart() minus the same fds without sets (the items' share)",
    "checkpoint_targets": "checkpoint() of the same fds without sets",
    "restart_targets": "restart() of the same fds without sets",
    "userspace_dump": "userspace dump: /proc/PID/fdinfo + kcmp(KCMP_EPOLL_TFD)",
    "userspace_restore": "userspace restore: one epoll_ctl(EPOLL_CTL_ADD) per item",
    "floor_walk": "floor: one in-kernel walk copying every item",
    "floor_insert": "floor: in-kernel eventpoll_cr_insert() of every item",
}

# Derived method -> (total, baseline): per repetition, total - baseline.
DERIVED: Dict[str, Tuple[str, str]] = {
    "checkpoint_items": ("checkpoint", "checkpoint_targets"),
    "restart_items": ("restart", "restart_targets"),
}


@dataclass(frozen=True)
class Summary:
    median: float
    min: float
    max: float
    count: int


def summarize(values: Sequence[float]) -> Summary:
    """Median, minimum and maximum of at least one value."""
    if not values:
        raise ValueError("summarize: no values")
    return Summary(float(statistics.median(values)), float(min(values)),
                   float(max(values)), len(values))


@dataclass(frozen=True)
class Point:
    env: str
    n: int
    method: str
    ns: Summary
    extrapolated: bool
    note: str

    @property
    def per_item_ns(self) -> float:
        return self.ns.median / self.n


def _by_rep(run: Run) -> Dict[Tuple[int, str], Dict[int, Record]]:
    out: Dict[Tuple[int, str], Dict[int, Record]] = {}
    for rec in run.samples:
        out.setdefault((rec["n"], rec["method"]), {})[rec["rep"]] = rec
    return out


def _note(recs: List[Record]) -> str:
    sampled = [r for r in recs if r.get("extrapolated")]
    if not sampled:
        return ""
    r = sampled[0]
    return (f"extrapolated: kcmp timed on {r['kcmp_items']} of {r['items']} items "
            f"(evenly spaced), the rest of the dump measured in full")


def points(run: Run) -> List[Point]:
    """One point per (size, method) of the run, derived methods included."""
    grouped = _by_rep(run)
    out: List[Point] = []
    for (n, method), reps in grouped.items():
        recs = [reps[k] for k in sorted(reps)]
        out.append(Point(run.env, n, method, summarize([r["ns"] for r in recs]),
                         any(r.get("extrapolated") for r in recs), _note(recs)))
    for method, (total, base) in DERIVED.items():
        for (n, m), reps in grouped.items():
            if m != total or (n, base) not in grouped:
                continue
            other = grouped[(n, base)]
            diffs = [reps[k]["ns"] - other[k]["ns"] for k in sorted(reps) if k in other]
            if diffs:
                out.append(Point(run.env, n, method, summarize(diffs), False,
                                 f"{total} - {base}, per repetition"))
    order = list(METHODS)
    out.sort(key=lambda p: (order.index(p.method) if p.method in order else len(order),
                            p.n))
    return out


@dataclass(frozen=True)
class PhasePoint:
    """The bench kernel's breakdown of one (env, N, method): per phase, and
    for the phases' sum per repetition (the call's kernel-side time), the
    median and range over the repetitions."""

    env: str
    n: int
    method: str
    phases: Dict[str, Summary]  # in phase_order()'s order
    total: Summary

    def per_item_ns(self, s: Summary) -> float:
        return s.median / self.n


def phase_order(run: Run) -> List[str]:
    """The phase names in the order of the first record, then any that only
    later records name, in the order they appear."""
    out: List[str] = []
    for rec in run.phases:
        out += [k for k in rec["ns"] if k not in out]
    return out


def phases(run: Run) -> List[PhasePoint]:
    """One breakdown per (size, method) with phases records; a phase a
    record lacks counts as 0 there."""
    names = phase_order(run)
    grouped: Dict[Tuple[int, str], Dict[int, Record]] = {}
    for rec in run.phases:
        grouped.setdefault((rec["n"], rec["method"]), {})[rec["rep"]] = rec
    out = []
    for (n, method), reps in grouped.items():
        recs = [reps[k]["ns"] for k in sorted(reps)]
        out.append(PhasePoint(
            run.env, n, method,
            {name: summarize([r.get(name, 0) for r in recs]) for name in names},
            summarize([sum(r.values()) for r in recs])))
    order = list(METHODS)
    out.sort(key=lambda p: (order.index(p.method) if p.method in order else len(order),
                            p.method, p.n))
    return out


@dataclass(frozen=True)
class SizePoint:
    n: int
    image_bytes: Optional[int]
    item_record_bytes: Optional[int]
    targets_image_bytes: Optional[int]
    fdinfo_bytes: Optional[int]

    def per_item(self, value: Optional[int]) -> Optional[float]:
        return None if value is None else value / self.n


def sizes(run: Run) -> List[SizePoint]:
    fdinfo: Dict[int, int] = {}
    for rec in run.samples:
        if rec["method"] == "userspace_dump" and "fdinfo_bytes" in rec:
            fdinfo[rec["n"]] = rec["fdinfo_bytes"]
    out = []
    for n in sorted(set(run.sizes) | set(fdinfo)):
        s = run.sizes.get(n, {})
        out.append(SizePoint(n, s.get("image_bytes"), s.get("item_record_bytes"),
                             s.get("targets_image_bytes"), fdinfo.get(n)))
    return out


@dataclass(frozen=True)
class MemoryPoint:
    n: int
    method: str
    reps: int
    sampled_reps: int              # repetitions whose peak was measured
    extra_used: Optional[Summary]  # peak - after, MemTotal - MemFree
    extra_slab_vmalloc: Optional[Summary]  # peak - after, Slab + VmallocUsed
    restored_used: Summary         # after - before, MemTotal - MemFree


def _peak(rec: Record, what: str) -> Optional[int]:
    """The larger of the sampled peak and the figure taken with restart()
    paused before the image's trailer; None if neither was taken."""
    got = []
    if rec["samples"] > 0:
        got.append(rec[f"peak_{what}"])
    if rec.get(f"blocked_{what}", 0) > 0:
        got.append(rec[f"blocked_{what}"])
    return max(got) if got else None


def memory(run: Run) -> List[MemoryPoint]:
    grouped: Dict[Tuple[int, str], List[Record]] = {}
    for rec in run.memory:
        grouped.setdefault((rec["n"], rec["method"]), []).append(rec)
    out = []
    for (n, method), recs in sorted(grouped.items()):
        used, sv = [], []
        for r in recs:
            pu, ps = _peak(r, "used"), _peak(r, "slab_vmalloc")
            if pu is not None and ps is not None:
                used.append(pu - r["after_used"])
                sv.append(ps - r["after_slab_vmalloc"])
        out.append(MemoryPoint(
            n, method, len(recs), len(used),
            summarize(used) if used else None, summarize(sv) if sv else None,
            summarize([r["after_used"] - r["before_used"] for r in recs])))
    return out


def find(pts: Sequence[Point], env: str, method: str, n: int) -> Optional[Point]:
    for p in pts:
        if p.env == env and p.method == method and p.n == n:
            return p
    return None
