"""results.md: the tables of one benchmark run."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from .ratios import MIB, UNL, Ratio
from .records import Run
from .stats import METHODS, MemoryPoint, PhasePoint, Point, SizePoint, Summary, find

ENV_LABEL = {"uml": "UML", "native": "native",
             UNL: "UML, extra run in the native layout (--kernel-only)"}


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.3g}"


def _bytes(b: Optional[float]) -> str:
    if b is None:
        return "–"
    if abs(b) >= MIB:
        return f"{b / MIB:.3g} MiB"
    if abs(b) >= 1024:
        return f"{b / 1024:.3g} KiB"
    return f"{b:.0f} B"


def _ratio_value(r: Ratio) -> str:
    if r.value is None:
        return "–"
    if r.quantity == "memory":
        return _bytes(r.value)
    best = "" if r.value_of_minima is None else f" ({r.value_of_minima:.3g})"
    return f"{r.value:.3g}{best}"


def _ns_per_item(x: float) -> str:
    """Time per item as the time table writes it; below 10 ns with two
    significant digits, so that a small phase does not read as 0."""
    return f"{x:,.0f}" if x == 0 or abs(x) >= 10 else f"{x:.2g}"


# The methods "Where the time goes" has a table for.
PHASE_METHODS = ("checkpoint", "restart")


def _phase_section(runs: Dict[str, Run], pts: Sequence[Point],
                   phases: Sequence[PhasePoint]) -> List[str]:
    out = ["", "## Where the time goes", ""]
    if not phases:
        return out + ["No per-phase breakdown in this run: only the bench kernel "
                      "(`make bench`) records one (`phases` records)."]
    out += ["The bench kernel's own clock around each phase of the call, in ns per item: "
            "the median over the repetitions of the phase's time, divided by N. "
            "`total (kernel)`: the median of the phases' sum, the call's kernel-side time; "
            "`sample (userspace)`: the call timed from userspace, as in the time table "
            "(slightly more: the syscall's entry and exit). Phases that are zero at every N "
            "are left out."]
    envs = [env for env in runs if any(p.env == env for p in phases)]
    envs += sorted({p.env for p in phases} - set(envs))
    for env in envs:
        for method in PHASE_METHODS:
            mine = sorted((p for p in phases if p.env == env and p.method == method),
                          key=lambda p: p.n)
            out += ["", f"### `{method}` ({ENV_LABEL.get(env, env)})", ""]
            if not mine:
                out.append(f"No `{method}` breakdown in this run.")
                continue
            names = [name for name in mine[0].phases
                     if any(p.phases[name].max != 0 for p in mine)]
            head = ["N"] + names + ["total (kernel)", "sample (userspace)"]
            out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            for p in mine:
                sample = find(pts, env, method, p.n)
                cells = [_ns_per_item(p.per_item_ns(p.phases[name])) for name in names]
                cells.append(_ns_per_item(p.per_item_ns(p.total)))
                cells.append("–" if sample is None else _ns_per_item(sample.per_item_ns))
                out.append(f"| {p.n:,} | " + " | ".join(cells) + " |")
            top = mine[-1]
            if names:
                big = max(names, key=lambda name: top.phases[name].median)
                share = (f", {100 * top.phases[big].median / top.total.median:.0f}% of the "
                         "kernel total" if top.total.median > 0 else "")
                out += ["", f"Largest phase of `{method}` at N={top.n:,}: `{big}`, "
                        f"{_ns_per_item(top.per_item_ns(top.phases[big]))} ns/item{share}."]
    return out


def _n_text(r: Ratio) -> str:
    if r.n is None:
        return ""
    return f"{r.n:,}" if r.n_base is None else f"{r.n:,} / {r.n_base:,}"


def _ratio_tables(ratios: Sequence[Ratio]) -> List[str]:
    goals = [r for r in ratios if r.goal is not None]
    info = [r for r in ratios if r.goal is None]
    out = ["| ratio | N | value | goal | met | notes |", "|---|---|---|---|---|---|"]
    for r in goals:
        met = {True: "yes", False: "**no**", None: "unknown"}[r.met]
        out.append(f"| {r.what} | {_n_text(r)} | {_ratio_value(r)} | "
                   f"{r.goal_text} | {met} | {r.note} |")
    if not goals:
        out = ["No goals (the goals table is empty)."]
    if info:
        out += ["", "Informative, without a goal:", "",
                "| ratio | N | value | notes |", "|---|---|---|---|"]
        for r in info:
            out.append(f"| {r.what} | {_n_text(r)} | {_ratio_value(r)} | {r.note} |")
    return out


def _time_table(pts: Sequence[Point], ns: List[int]) -> List[str]:
    head = "| method | where | " + " | ".join(f"N={n:,}" for n in ns) + " |"
    out = [head, "|" + "---|" * (len(ns) + 2)]
    rows: Dict[Tuple[str, str], Dict[int, Point]] = {}
    for p in pts:
        rows.setdefault((p.method, p.env), {})[p.n] = p
    order = list(METHODS)
    for (method, env) in sorted(rows, key=lambda k: (order.index(k[0]) if k[0] in order
                                                       else len(order), k[1] != "uml")):
        cells = []
        for n in ns:
            pt = rows[(method, env)].get(n)
            if pt is None:
                cells.append("–")
            else:
                star = "*" if pt.extrapolated else ""
                cells.append(f"{_ms(pt.ns.median)}{star} [{_ms(pt.ns.min)}–{_ms(pt.ns.max)}]"
                             f"<br>{pt.per_item_ns:,.0f} ns/item")
        out.append(f"| `{method}` | {ENV_LABEL.get(env, env)} | " + " | ".join(cells) + " |")
    return out


def render(runs: Dict[str, Run], pts: Sequence[Point], sizes: Sequence[SizePoint],
           mem: Sequence[MemoryPoint], ratios: Sequence[Ratio], quick: bool,
           host: str = "", phases: Sequence[PhasePoint] = (), goals_file: str = "") -> str:
    ns = sorted({p.n for p in pts})
    out = ["# epoll checkpoint/restart benchmark", ""]
    if quick:
        out += ["**Quick run (QUICK=1): fewer sizes and repetitions; a smoke test, "
                "not figures to quote.**", ""]
    for env, run in runs.items():
        layouts = ", ".join(f"N={n:,}: {s} sets of {k:,}"
                            for n, (s, k) in sorted(run.layouts.items()))
        out.append(f"- **{ENV_LABEL.get(env, env)}**: kernel {run.meta['kernel']}, "
                   f"{run.meta['reps']} repetitions; layouts {layouts or '–'}")
        for s in run.skipped:
            out.append(f"  - N={s['n']:,} skipped: {s['reason']}")
    if host:
        out.append(f"- **host**: {host}")
    out += ["", "## Time", "",
            "Median in ms, [min–max] over the repetitions, and median time per item. "
            "`*`: extrapolated (see the notes).", ""]
    out += _time_table(pts, ns)
    notes = sorted({f"{ENV_LABEL.get(p.env, p.env)} `{p.method}` N={p.n:,}: {p.note}"
                    for p in pts if p.extrapolated})
    if notes:
        out += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    out += ["", "Methods:", ""] + [f"- `{m}`: {what}" for m, what in METHODS.items()]
    out += _phase_section(runs, pts, phases)
    out += ["", "## Image and fdinfo bytes per item", "",
            "| N | image | per item | item records per item | targets-only image "
            "| fdinfo text per item |", "|---|---|---|---|---|---|"]
    for sz in sizes:
        per = sz.per_item(sz.image_bytes)
        rec = sz.per_item(sz.item_record_bytes)
        fd = sz.per_item(sz.fdinfo_bytes)
        out.append(f"| {sz.n:,} | {_bytes(sz.image_bytes)} | "
                   f"{'–' if per is None else f'{per:.1f}'} | "
                   f"{'–' if rec is None else f'{rec:.1f}'} | {_bytes(sz.targets_image_bytes)} | "
                   f"{'–' if fd is None else f'{fd:.1f}'} |")
    out += ["", "## Kernel memory around restart (UML)", "",
            "Extra = peak sampled during the operation minus the level right after it, "
            "with what was restored still alive: median [min–max].", "",
            "| N | operation | reps sampled | extra (MemTotal−MemFree) "
            "| extra (Slab+VmallocUsed) | restored state (MemTotal−MemFree) |",
            "|---|---|---|---|---|---|"]
    for m in mem:
        def rng(s: Optional[Summary]) -> str:
            return "–" if s is None else \
                f"{_bytes(s.median)} [{_bytes(s.min)}–{_bytes(s.max)}]"
        out.append(f"| {m.n:,} | `{m.method}` | {m.sampled_reps}/{m.reps} | "
                   f"{rng(m.extra_used)} | {rng(m.extra_slab_vmalloc)} | "
                   f"{rng(m.restored_used)} |")
    source = f" from `{goals_file}`" if goals_file else ""
    out += ["", "## Ratios and goals", "",
            f"Goals{source}. Value: from the medians; in parentheses, from the fastest "
            "repetitions (the least disturbed by other work on the host). A goal whose "
            "figure could not be computed is `unknown`, not met.", ""]
    out += _ratio_tables(ratios)
    return "\n".join(out) + "\n"
