"""The ratios of one run, each against its goal from the goals table
(harness/bench/goals.table, see goals.py) or informative if it has none."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import goals as goals_mod
from .goals import MIB, Goal
from .stats import MemoryPoint, Point, SizePoint, find

__all__ = ["MIB", "Ratio", "CATALOGUE", "QUANTITIES", "UNL", "compute", "load_goals"]


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
    quantity: str = "ratio"       # ratio, growth, bytes_per_item, memory (goals.UNITS)
    goal_text: str = ""           # e.g. "<= 2x"; empty if informative
    n_base: Optional[int] = None  # growth: the smaller size compared against

    @property
    def met(self) -> Optional[bool]:
        """None if informative, or if the figure could not be computed."""
        if self.value is None or self.goal is None:
            return None
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal


Env = Tuple[str, str]  # (env, method)
Layouts = Dict[str, Dict[int, Tuple[int, int]]]


@dataclass(frozen=True)
class Quotient:
    """median(num) / median(den) at size n.  Across two environments, from
    the first of den's environment and den_alt whose layout at n equals
    num's (den_alt: the same method measured again in another layout)."""
    key: str
    what: str
    num: Env
    den: Env
    n: int
    den_alt: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Growth:
    """Time per item of method at n over the same at n_base."""
    key: str
    what: str
    env: str
    method: str
    n: int
    n_base: int


@dataclass(frozen=True)
class PerItem:
    """An image size divided by N."""
    key: str
    what: str
    get: Callable[[SizePoint], Optional[int]]
    n: int


@dataclass(frozen=True)
class Memory:
    """restart's extra memory (memory points of method restart)."""
    key: str
    what: str
    slab: bool
    n: int


Spec = Union[Quotient, Growth, PerItem, Memory]

U, NAT = "uml", "native"
# scripts/bench's extra UML run (--kernel-only) in the native run's layout,
# at the sizes where the main UML run's layout differs from it.
UNL = "uml_native_layout"

# Every ratio the report knows, in display order, with the size it is
# measured at when the goals table does not say.
CATALOGUE: List[Spec] = [
    Quotient("checkpoint_speedup", "checkpoint speedup over the userspace dump (both in UML)",
             (U, "userspace_dump"), (U, "checkpoint"), 100000),
    Quotient("restart_speedup", "restart speedup over the userspace restore (both in UML)",
             (U, "userspace_restore"), (U, "restart"), 100000),
    Quotient("checkpoint_speedup_native",
             "checkpoint (UML) speedup over the userspace dump run natively on the host",
             (NAT, "userspace_dump"), (U, "checkpoint"), 100000, (UNL,)),
    Quotient("restart_speedup_native",
             "restart (UML) speedup over the userspace restore run natively on the host",
             (NAT, "userspace_restore"), (U, "restart"), 100000, (UNL,)),
    Quotient("restart_over_floor", "restart time over the floor (insert)",
             (U, "restart"), (U, "floor_insert"), 1000000),
    Quotient("restart_items_over_floor",
             "restart's items share (restart minus the targets-only restart) over the floor",
             (U, "restart_items"), (U, "floor_insert"), 1000000),
    Quotient("checkpoint_over_floor", "checkpoint time over the floor (walk)",
             (U, "checkpoint"), (U, "floor_walk"), 1000000),
    Quotient("checkpoint_items_over_floor",
             "checkpoint's items share (checkpoint minus the targets-only checkpoint) "
             "over the floor",
             (U, "checkpoint_items"), (U, "floor_walk"), 1000000),
    Growth("checkpoint_growth", "checkpoint time per item, N=1e6 over N=1e4",
           U, "checkpoint", 1000000, 10000),
    Growth("restart_growth", "restart time per item, N=1e6 over N=1e4",
           U, "restart", 1000000, 10000),
    PerItem("image_bytes_per_item", "image bytes per item (whole image / N)",
            lambda s: s.image_bytes, 1000000),
    PerItem("item_record_bytes_per_item",
            "image bytes per item in the epoll item records alone",
            lambda s: s.item_record_bytes, 1000000),
    Memory("restart_memory_overhead",
           "restart memory overhead: kernel memory (Slab + VmallocUsed) at restart's "
           "peak beyond what stays restored, bytes", True, 1000000),
    Memory("restart_memory_overhead_used",
           "the same in MemTotal - MemFree (coarser: freed pages wait in per-cpu lists)",
           False, 1000000),
]


def _quantity(spec: Spec) -> str:
    if isinstance(spec, Growth):
        return "growth"
    if isinstance(spec, PerItem):
        return "bytes_per_item"
    if isinstance(spec, Memory):
        return "memory"
    return "ratio"


# Every ratio key -> its kind, what the goals table is checked against.
QUANTITIES: Dict[str, str] = {s.key: _quantity(s) for s in CATALOGUE}


def load_goals(path: str) -> List[Goal]:
    """The goals table at path (goals.GoalError if it is malformed)."""
    return goals_mod.load(path, QUANTITIES)


def _pick(ns: Sequence[int], wanted: int) -> Optional[int]:
    """wanted if measured, else the largest measured size (a quick run)."""
    if wanted in ns:
        return wanted
    return max(ns) if ns else None


def _sizes_of(pts: Sequence[Point], env: str, method: str) -> List[int]:
    return sorted({p.n for p in pts if p.env == env and p.method == method})


def _where(n: Optional[int], wanted: int) -> str:
    return "" if n == wanted or n is None else f"at N={n}: N={wanted} was not measured"


def _layout(env: str, lay: Optional[Tuple[int, int]]) -> str:
    return f"{env} unknown" if lay is None else f"{env} {lay[0]} sets of {lay[1]:,}"


def _quotient(spec: Quotient, pts: Sequence[Point], wanted: int,
              layouts: Optional[Layouts]) -> Tuple[Optional[float], Optional[float],
                                                   Optional[int], str]:
    dens = (spec.den[0],) + (spec.den_alt if spec.num[0] != spec.den[0] else ())
    den_sizes = {n for env in dens for n in _sizes_of(pts, env, spec.den[1])}
    common = sorted(set(_sizes_of(pts, *spec.num)) & den_sizes)
    n = _pick(common, wanted)
    a = find(pts, spec.num[0], spec.num[1], n) if n else None
    found = [(env, find(pts, env, spec.den[1], n) if n else None) for env in dens]
    cands = [(env, p) for env, p in found if p is not None]
    notes = [_where(n, wanted)]
    if a is None or not cands:
        return None, None, n, "not measured in this run"
    b = cands[0][1]
    if spec.num[0] != spec.den[0]:
        # Two environments: only the same workload compares.  The first
        # environment of den whose layout at n is num's.
        lay = layouts or {}
        la = lay.get(spec.num[0], {}).get(a.n)
        same = [(env, p) for env, p in cands if la is not None and
                lay.get(env, {}).get(p.n) == la]
        if not same:
            lbs = [(env, lay.get(env, {}).get(p.n)) for env, p in cands]
            why = "layouts differ" if la and all(lb for _, lb in lbs) else "layouts unknown"
            shown = ", ".join(_layout(env, lb) for env, lb in lbs)
            notes.append(f"not comparable: {why} ({shown}, {_layout(spec.num[0], la)})")
            return None, None, n, "; ".join(x for x in notes if x)
        env, b = same[0]
        assert la is not None
        used = f"layout: both {la[0]} sets of {la[1]:,}"
        if env != spec.den[0]:
            main = lay.get(spec.den[0], {}).get(b.n)
            used += f" ({spec.den[1]} from the extra run {env}; {_layout(spec.den[0], main)})"
        notes.append(used)
    if b.ns.median <= 0:
        return None, None, n, "not measured in this run"
    for p in (a, b):
        if p.extrapolated:
            notes.append(f"{p.env} {p.method} {p.note}")
    return (a.ns.median / b.ns.median, a.ns.min / b.ns.min if b.ns.min > 0 else None, n,
            "; ".join(x for x in notes if x))


def _growth(spec: Growth, pts: Sequence[Point], wanted: int, base: int
            ) -> Tuple[Optional[float], Optional[float], Optional[int], str]:
    ns = _sizes_of(pts, spec.env, spec.method)
    hi = _pick([x for x in ns if x > base], wanted)
    if hi is None or base not in ns:
        return None, None, None, f"needs N={base} and a larger size in the same run"
    a, b = find(pts, spec.env, spec.method, hi), find(pts, spec.env, spec.method, base)
    assert a is not None and b is not None
    return (a.per_item_ns / b.per_item_ns, (a.ns.min / a.n) / (b.ns.min / b.n), hi,
            _where(hi, wanted))


def _per_item(spec: PerItem, sizes: Sequence[SizePoint], wanted: int
              ) -> Tuple[Optional[float], Optional[float], Optional[int], str]:
    have = {s.n: s for s in sizes if spec.get(s) is not None}
    n = _pick(sorted(have), wanted)
    if n is None:
        return None, None, None, "not measured in this run"
    return have[n].per_item(spec.get(have[n])), None, n, _where(n, wanted)


def _memory(spec: Memory, mem: Sequence[MemoryPoint], wanted: int
            ) -> Tuple[Optional[float], Optional[float], Optional[int], str]:
    have = {m.n: m for m in mem if m.method == "restart"}
    n = _pick(sorted(have), wanted)
    if n is None:
        return None, None, None, "not measured in this run"
    m = have[n]
    s = m.extra_slab_vmalloc if spec.slab else m.extra_used
    if s is None:
        return None, None, n, "no memory sample fell inside restart (too short for the sampler)"
    note = f"median of {s.count} repetitions ({m.sampled_reps} of {m.reps} sampled)"
    return s.median, None, n, "; ".join(x for x in (_where(n, wanted), note) if x)


def compute(pts: Sequence[Point], sizes: Sequence[SizePoint],
            mem: Sequence[MemoryPoint], layouts: Optional[Layouts] = None,
            goals: Sequence[Goal] = ()) -> List[Ratio]:
    """Every ratio of CATALOGUE: first those with a goal, in the goals'
    order, at the goal's N; then the informative ones, in CATALOGUE order.
    A ratio across two environments (the native baselines) is computed
    only where their layouts are equal: from the main UML run if its layout
    at N is the native one, else from the extra run in the native layout
    (UNL) if there is one."""
    by_key = {g.key: g for g in goals}
    specs = {s.key: s for s in CATALOGUE}
    unknown = [g.key for g in goals if g.key not in specs]
    if unknown:
        raise ValueError(f"goals for unknown ratios: {', '.join(unknown)}")
    order = [specs[g.key] for g in goals] + [s for s in CATALOGUE if s.key not in by_key]
    out = []
    for spec in order:
        g = by_key.get(spec.key)
        wanted = g.n if g else spec.n
        base: Optional[int] = None
        if isinstance(spec, Quotient):
            got = _quotient(spec, pts, wanted, layouts)
        elif isinstance(spec, Growth):
            base = g.n_base if g and g.n_base else spec.n_base
            got = _growth(spec, pts, wanted, base)
        elif isinstance(spec, PerItem):
            got = _per_item(spec, sizes, wanted)
        else:
            got = _memory(spec, mem, wanted)
        value, of_minima, n, note = got
        out.append(Ratio(spec.key, g.description if g else spec.what, value,
                         g.value if g else None, g.higher_is_better if g else False,
                         n, note, of_minima, _quantity(spec), g.text if g else "", base))
    return out
