"""results.md: the tables of one benchmark run."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from .ratios import MIB, Ratio
from .records import Run
from .stats import METHODS, MemoryPoint, Point, SizePoint, Summary

ENV_LABEL = {"uml": "UML", "native": "native"}


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
    if r.key.startswith("restart_memory"):
        return _bytes(r.value)
    return f"{r.value:.3g}"


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
           host: str = "") -> str:
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
    out += ["", "## Ratios (issue 8, item 3)", "",
            "Value: from the medians; in parentheses, from the fastest repetitions "
            "(the least disturbed by other work on the host).", "",
            "| ratio | N | value | goal | met | notes |", "|---|---|---|---|---|---|"]
    for r in ratios:
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        best = "" if r.value_of_minima is None else f" ({r.value_of_minima:.3g})"
        out.append(f"| {r.what} | {'' if r.n is None else f'{r.n:,}'} | {_ratio_value(r)}{best} | "
                   f"{r.goal_text} | {met} | {r.note} |")
    return "\n".join(out) + "\n"
