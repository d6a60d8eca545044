"""The ratios issue 8 asks for, each against its goal, from one run."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .stats import MemoryPoint, Point, SizePoint, find

MIB = 1 << 20


@dataclass(frozen=True)
class Ratio:
    key: str
    what: str
    value: Optional[float]
    goal: Optional[float]         # None: informative, no goal
    higher_is_better: bool
    n: Optional[int]              # the size it was measured at
    note: str
    value_of_minima: Optional[float] = None  # the same from the fastest repetitions

    @property
    def met(self) -> Optional[bool]:
        if self.value is None or self.goal is None:
            return None
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal

    @property
    def goal_text(self) -> str:
        if self.goal is None:
            return ""
        op = ">=" if self.higher_is_better else "<="
        if self.key.startswith("restart_memory"):
            return f"{op} {self.goal / MIB:g} MiB"
        return f"{op} {self.goal:g}"


def _pick(ns: Sequence[int], wanted: int) -> Optional[int]:
    """wanted if measured, else the largest measured size (a quick run)."""
    if wanted in ns:
        return wanted
    return max(ns) if ns else None


def _sizes_of(pts: Sequence[Point], env: str, method: str) -> List[int]:
    return sorted({p.n for p in pts if p.env == env and p.method == method})


def _where(n: Optional[int], wanted: int) -> str:
    return "" if n == wanted or n is None else f"at N={n}: N={wanted} was not measured"


Layouts = Dict[str, Dict[int, Tuple[int, int]]]


def _quotient(key: str, what: str, pts: Sequence[Point], num: Tuple[str, str], den: Tuple[str, str],
              wanted: int, goal: Optional[float], higher: bool,
              layouts: Optional[Layouts] = None) -> Ratio:
    """median(num) / median(den) at size wanted (num, den: (env, method))."""
    common = sorted(set(_sizes_of(pts, *num)) & set(_sizes_of(pts, *den)))
    n = _pick(common, wanted)
    a = find(pts, num[0], num[1], n) if n else None
    b = find(pts, den[0], den[1], n) if n else None
    notes = [_where(n, wanted)]
    if a is None or b is None or b.ns.median <= 0:
        return Ratio(key, what, None, goal, higher, n, "not measured in this run")
    for p in (a, b):
        if p.extrapolated:
            notes.append(f"{p.env} {p.method} {p.note}")
    if layouts and n is not None:
        la, lb = layouts.get(num[0], {}).get(n), layouts.get(den[0], {}).get(n)
        if la and lb and la != lb:
            notes.append(f"layouts differ: {num[0]} {la[0]} sets of {la[1]}, "
                         f"{den[0]} {lb[0]} sets of {lb[1]}")
    return Ratio(key, what, a.ns.median / b.ns.median, goal, higher, n,
                 "; ".join(x for x in notes if x),
                 a.ns.min / b.ns.min if b.ns.min > 0 else None)


def _growth(key: str, what: str, pts: Sequence[Point], env: str, method: str,
            goal: float) -> Ratio:
    ns = _sizes_of(pts, env, method)
    hi = _pick([x for x in ns if x > 10000], 1000000)
    lo = 10000 if 10000 in ns else None
    if hi is None or lo is None:
        return Ratio(key, what, None, goal, False, None,
                     "needs N=10000 and a larger size in the same run")
    a, b = find(pts, env, method, hi), find(pts, env, method, lo)
    assert a is not None and b is not None
    return Ratio(key, what, a.per_item_ns / b.per_item_ns, goal, False, hi,
                 _where(hi, 1000000), (a.ns.min / a.n) / (b.ns.min / b.n))


def _size_ratio(key: str, what: str, sizes: Sequence[SizePoint],
                get: Callable[[SizePoint], Optional[int]], goal: Optional[float]) -> Ratio:
    have = {s.n: s for s in sizes if get(s) is not None}
    n = _pick(sorted(have), 1000000)
    if n is None:
        return Ratio(key, what, None, goal, False, None, "not measured in this run")
    value = have[n].per_item(get(have[n]))
    return Ratio(key, what, value, goal, False, n, _where(n, 1000000))


def _memory(key: str, what: str, mem: Sequence[MemoryPoint], slab: bool,
            goal: Optional[float]) -> Ratio:
    have = {m.n: m for m in mem if m.method == "restart"}
    n = _pick(sorted(have), 1000000)
    if n is None:
        return Ratio(key, what, None, goal, False, None, "not measured in this run")
    m = have[n]
    s = m.extra_slab_vmalloc if slab else m.extra_used
    if s is None:
        return Ratio(key, what, None, goal, False, n,
                     "no memory sample fell inside restart (too short for the sampler)")
    note = f"median of {s.count} repetitions ({m.sampled_reps} of {m.reps} sampled)"
    return Ratio(key, what, s.median, goal, False, n, "; ".join(
        x for x in (_where(n, 1000000), note) if x))


def compute(pts: Sequence[Point], sizes: Sequence[SizePoint],
            mem: Sequence[MemoryPoint], layouts: Optional[Layouts] = None) -> List[Ratio]:
    """Every ratio of issue 8 item 3, and the native-baseline variants."""
    U, N = "uml", "native"
    return [
        _quotient("checkpoint_speedup", "checkpoint speedup over the userspace dump (both in UML)",
                  pts, (U, "userspace_dump"), (U, "checkpoint"), 100000, 20, True),
        _quotient("restart_speedup", "restart speedup over the userspace restore (both in UML)",
                  pts, (U, "userspace_restore"), (U, "restart"), 100000, 20, True),
        _quotient("checkpoint_speedup_native",
                  "checkpoint (UML) speedup over the userspace dump run natively on the host",
                  pts, (N, "userspace_dump"), (U, "checkpoint"), 100000, None, True, layouts),
        _quotient("restart_speedup_native",
                  "restart (UML) speedup over the userspace restore run natively on the host",
                  pts, (N, "userspace_restore"), (U, "restart"), 100000, None, True, layouts),
        _quotient("restart_over_floor", "restart time over the floor (insert)",
                  pts, (U, "restart"), (U, "floor_insert"), 1000000, 1.5, False),
        _quotient("restart_items_over_floor",
                  "restart's items share (restart minus the targets-only restart) over the floor",
                  pts, (U, "restart_items"), (U, "floor_insert"), 1000000, None, False),
        _quotient("checkpoint_over_floor", "checkpoint time over the floor (walk)",
                  pts, (U, "checkpoint"), (U, "floor_walk"), 1000000, 2, False),
        _quotient("checkpoint_items_over_floor",
                  "checkpoint's items share (checkpoint minus the targets-only checkpoint) over the floor",
                  pts, (U, "checkpoint_items"), (U, "floor_walk"), 1000000, None, False),
        _growth("checkpoint_growth", "checkpoint time per item, N=1e6 over N=1e4",
                pts, U, "checkpoint", 1.3),
        _growth("restart_growth", "restart time per item, N=1e6 over N=1e4",
                pts, U, "restart", 1.3),
        _size_ratio("image_bytes_per_item", "image bytes per item (whole image / N)",
                    sizes, lambda s: s.image_bytes, 32),
        _size_ratio("item_record_bytes_per_item",
                    "image bytes per item in the epoll item records alone",
                    sizes, lambda s: s.item_record_bytes, None),
        _memory("restart_memory_overhead",
                "restart memory overhead: kernel memory (Slab + VmallocUsed) at restart's "
                "peak beyond what stays restored, bytes", mem, True, MIB),
        _memory("restart_memory_overhead_used",
                "the same in MemTotal - MemFree (coarser: freed pages wait in per-cpu lists)",
                mem, False, None),
    ]
