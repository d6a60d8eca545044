"""python3 -m epollcr.benchreport --uml RAW [--native RAW] [--uml-same-layout RAW]...
       --out DIR [--quick] [--goals TABLE]

Writes DIR/results.json, DIR/results.md and DIR/plot.svg from the raw
output of harness/bench (run with PYTHONPATH=python, as scripts/bench
does), against the goals of TABLE (default: the repository's
harness/bench/goals.table).  Exits 1 with one line naming the file and
line on a raw file that is not a complete run or a malformed goals table.

--uml-same-layout (repeatable): scripts/bench's extra --kernel-only runs
inside UML in the native run's layout, at the sizes where the main UML
run's layout differs from it.  They are one environment,
"uml_native_layout" (ratios.UNL): in results.json (runs, points, phases)
and in the native ratios, which use them where the main UML run's layout
is not the native one; not in the time tables, the phase tables or the
plot, which show the main runs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Sequence

from . import goals as goals_mod
from . import markdown, ratios, records, stats, svgplot

SCHEMA_VERSION = 2


def _summary(s: Optional[stats.Summary]) -> Optional[Dict[str, float]]:
    return None if s is None else {"median": s.median, "min": s.min, "max": s.max,
                                   "count": s.count}


def to_json(runs: Dict[str, records.Run], pts: Sequence[stats.Point],
            sizes: Sequence[stats.SizePoint], mem: Sequence[stats.MemoryPoint],
            rs: Sequence[ratios.Ratio], quick: bool, host: str = "",
            phases: Sequence[stats.PhasePoint] = (), goals_file: str = "") -> Dict[str, Any]:
    """The results.json document (schema: README.md, "Benchmarks")."""
    return {
        "schema_version": SCHEMA_VERSION,
        "quick": quick,
        "host": host,
        "runs": {env: {
            "kernel": r.meta["kernel"],
            "userspace_only": bool(r.meta.get("userspace_only")),
            "floor": bool(r.meta.get("floor")),
            "reps": r.meta["reps"],
            "mem_reps": r.meta.get("mem_reps"),
            "kcmp_full_max": r.meta.get("kcmp_full_max"),
            "kcmp_sample": r.meta.get("kcmp_sample"),
            "layouts": {str(n): {"nsets": s, "per_set": k}
                        for n, (s, k) in sorted(r.layouts.items())},
            "setup_ns": {str(n): ns for n, ns in sorted(r.setup_ns.items())},
            "skipped": [{"n": s["n"], "reason": s["reason"]} for s in r.skipped],
        } for env, r in runs.items()},
        "methods": stats.METHODS,
        "points": [{
            "env": p.env, "n": p.n, "method": p.method, "reps": p.ns.count,
            "median_ns": p.ns.median, "min_ns": p.ns.min, "max_ns": p.ns.max,
            "median_ns_per_item": p.per_item_ns, "extrapolated": p.extrapolated,
            "note": p.note,
        } for p in pts],
        "sizes": [dict(asdict(s), **{
            "image_bytes_per_item": s.per_item(s.image_bytes),
            "item_record_bytes_per_item": s.per_item(s.item_record_bytes),
            "fdinfo_bytes_per_item": s.per_item(s.fdinfo_bytes),
        }) for s in sizes],
        "memory": [{
            "n": m.n, "method": m.method, "reps": m.reps, "sampled_reps": m.sampled_reps,
            "extra_used_bytes": _summary(m.extra_used),
            "extra_slab_vmalloc_bytes": _summary(m.extra_slab_vmalloc),
            "restored_used_bytes": _summary(m.restored_used),
        } for m in mem],
        "phases": [{
            "env": p.env, "n": p.n, "method": p.method, "reps": p.total.count,
            "total": _phase(p, p.total),
            "phases": {name: _phase(p, s) for name, s in p.phases.items()},
        } for p in phases],
        "goals_file": goals_file,
        "ratios": [{
            "key": r.key, "what": r.what, "n": r.n, "n_base": r.n_base, "value": r.value,
            "value_of_minima": r.value_of_minima, "goal": r.goal,
            "goal_text": r.goal_text, "met": r.met, "note": r.note,
        } for r in rs],
    }


def _phase(p: stats.PhasePoint, s: stats.Summary) -> Dict[str, float]:
    return {"median_ns": s.median, "min_ns": s.min, "max_ns": s.max,
            "median_ns_per_item": p.per_item_ns(s)}


def _shown(path: str) -> str:
    """path relative to the repository if it is inside, for results.md."""
    top = goals_mod.DEFAULT_PATH.parents[2]
    full = os.path.abspath(path)
    return os.path.relpath(full, top) if full.startswith(str(top) + os.sep) else path


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="benchreport", description=__doc__.splitlines()[0])
    ap.add_argument("--uml", required=True, help="raw output of the run inside UML")
    ap.add_argument("--native", help="raw output of the --userspace-only run on the host")
    ap.add_argument("--uml-same-layout", action="append", default=[], metavar="RAW",
                    help="raw output of an extra --kernel-only run inside UML in the "
                         "native run's layout (repeatable: one file per layout)")
    ap.add_argument("--out", required=True, help="directory for the results")
    ap.add_argument("--quick", action="store_true", help="mark the results as a smoke run")
    ap.add_argument("--host", default="", help="what to say about the host (e.g. its load)")
    ap.add_argument("--goals", default=str(goals_mod.DEFAULT_PATH),
                    help="the goals table (default: %(default)s)")
    args = ap.parse_args(argv)
    try:
        goals = ratios.load_goals(args.goals)
        runs = {"uml": records.load(args.uml, "uml")}
        if args.native:
            runs["native"] = records.load(args.native, "native")
        if args.uml_same_layout:
            runs[ratios.UNL] = records.merge(
                [records.load(p, ratios.UNL) for p in args.uml_same_layout], ratios.UNL)
    except (goals_mod.GoalError, records.RecordError) as e:
        print(f"benchreport: {e}", file=sys.stderr)
        return 1
    pts = [p for r in runs.values() for p in stats.points(r)]
    sizes = stats.sizes(runs["uml"])
    mem = stats.memory(runs["uml"])
    layouts = {env: r.layouts for env, r in runs.items()}
    rs = ratios.compute(pts, sizes, mem, layouts, goals)
    phases = [p for r in runs.values() for p in stats.phases(r)]
    # The tables and the plot: the main runs only.
    shown_pts = [p for p in pts if p.env != ratios.UNL]
    shown_phases = [p for p in phases if p.env != ratios.UNL]
    goals_file = _shown(args.goals)
    os.makedirs(args.out, exist_ok=True)
    doc = to_json(runs, pts, sizes, mem, rs, args.quick, args.host, phases, goals_file)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    md = markdown.render(runs, shown_pts, sizes, mem, rs, args.quick, args.host, shown_phases,
                         goals_file)
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    title = "epoll C/R: time per item" + (" (quick run)" if args.quick else "")
    with open(os.path.join(args.out, "plot.svg"), "w", encoding="utf-8") as f:
        f.write(svgplot.render(shown_pts, title))
    print(md[md.index("## Ratios"):], end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
