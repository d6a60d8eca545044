"""Time per item against N, log-log, as a standalone SVG (no libraries)."""
from __future__ import annotations

import math
from typing import Dict, List, Sequence, Tuple
from xml.sax.saxutils import escape

from .stats import Point

# (env, method) -> (legend label, colour, dashed)
SERIES: Dict[Tuple[str, str], Tuple[str, str, bool]] = {
    ("uml", "checkpoint"): ("checkpoint()", "#1f77b4", False),
    ("uml", "restart"): ("restart()", "#d62728", False),
    ("uml", "userspace_dump"): ("userspace dump (fdinfo + kcmp)", "#2ca02c", False),
    ("uml", "userspace_restore"): ("userspace restore (epoll_ctl)", "#ff7f0e", False),
    ("uml", "floor_walk"): ("floor: walk", "#9467bd", False),
    ("uml", "floor_insert"): ("floor: insert", "#8c564b", False),
    ("native", "userspace_dump"): ("userspace dump, native host kernel", "#2ca02c", True),
    ("native", "userspace_restore"): ("userspace restore, native host kernel", "#ff7f0e", True),
}

W, H = 820, 520
LEFT, RIGHT, TOP, BOTTOM = 80, 300, 40, 60


def _decades(lo: float, hi: float) -> Tuple[int, int]:
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return a, b if b > a else a + 1


def _fmt_pow(e: int, unit: str = "") -> str:
    if unit == "ns":
        names = {0: "1 ns", 1: "10 ns", 2: "100 ns", 3: "1 µs", 4: "10 µs",
                 5: "100 µs", 6: "1 ms", 7: "10 ms", 8: "100 ms", 9: "1 s"}
        return names.get(e, f"1e{e} ns")
    return f"1e{e}" if e >= 4 or e < 0 else str(10 ** e)


def render(points: Sequence[Point], title: str) -> str:
    """The SVG text of the plot of every SERIES present in points."""
    series: Dict[Tuple[str, str], List[Point]] = {}
    for p in points:
        if (p.env, p.method) in SERIES and p.ns.median > 0:
            series.setdefault((p.env, p.method), []).append(p)
    xs = [p.n for ps in series.values() for p in ps] or [1000, 1000000]
    ys = [p.per_item_ns for ps in series.values() for p in ps] or [1, 1000]
    x0, x1 = _decades(min(xs), max(xs))
    y0, y1 = _decades(min(ys), max(ys))
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (math.log10(x) - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return TOP + ph - (math.log10(y) - y0) / (y1 - y0) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="15">{escape(title)}</text>']
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 18}" text-anchor="middle">'
                   f'{_fmt_pow(e)}</text>')
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(_fmt_pow(e, "ns"))}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 18}" text-anchor="middle">'
               'N (epoll items, all sets)</text>')
    out.append(f'<text transform="translate(18 {TOP + ph / 2}) rotate(-90)" '
               'text-anchor="middle">time per item (median)</text>')
    ly = TOP + 8
    for key, (label, colour, dashed) in SERIES.items():
        ps = sorted(series.get(key, []), key=lambda p: p.n)
        if not ps:
            continue
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        path = " ".join(f"{'M' if i == 0 else 'L'}{px(p.n):.1f},{py(p.per_item_ns):.1f}"
                        for i, p in enumerate(ps))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for p in ps:
            fill = "white" if p.extrapolated else colour
            out.append(f'<circle cx="{px(p.n):.1f}" cy="{py(p.per_item_ns):.1f}" r="4" '
                       f'fill="{fill}" stroke="{colour}" stroke-width="2"/>')
        lx = LEFT + pw + 16
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 28}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 34}" y="{ly + 4}">{escape(label)}</text>')
        ly += 20
    lx = LEFT + pw + 16
    out.append(f'<circle cx="{lx + 14}" cy="{ly + 6}" r="4" fill="white" stroke="#333" '
               'stroke-width="2"/>')
    out.append(f'<text x="{lx + 34}" y="{ly + 10}">extrapolated (kcmp sampled)</text>')
    out.append(f'<text x="{lx}" y="{ly + 34}" fill="#555">solid: inside UML (bench kernel)</text>')
    out.append(f'<text x="{lx}" y="{ly + 50}" fill="#555">dashed: natively on the host</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
