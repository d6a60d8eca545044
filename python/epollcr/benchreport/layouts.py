"""python3 -m epollcr.benchreport.layouts --uml RAW --native RAW

What scripts/bench asks before its extra UML run: the sizes at which the
native run's layout (sets x items per set) differs from the UML run's,
grouped by the native number of sets, one group a line:

    NSETS<TAB>N1,N2,...<TAB>what differs

Nothing if every size both measured has the same layout.  Exits 1 with
one line naming the file and line on a raw file that is not a complete run.
"""
from __future__ import annotations

import argparse
import sys
from typing import Dict, List, Optional, Tuple

from . import records

Layout = Tuple[int, int]  # (nsets, per_set)


def differing(uml: Dict[int, Layout], native: Dict[int, Layout]
              ) -> List[Tuple[int, List[int]]]:
    """(native nsets, sizes) for every size both runs laid out differently,
    by increasing nsets, each group's sizes increasing."""
    groups: Dict[int, List[int]] = {}
    for n in sorted(set(uml) & set(native)):
        if uml[n] != native[n]:
            groups.setdefault(native[n][0], []).append(n)
    return sorted(groups.items())


def describe(n: int, uml: Layout, native: Layout) -> str:
    return (f"N={n:,}: UML {uml[0]} sets of {uml[1]:,}, "
            f"native {native[0]} sets of {native[1]:,}")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="benchreport.layouts",
                                 description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--uml", required=True, help="raw output of the run inside UML")
    ap.add_argument("--native", required=True, help="raw output of the native run")
    args = ap.parse_args(argv)
    try:
        uml = records.load(args.uml, "uml").layouts
        native = records.load(args.native, "native").layouts
    except records.RecordError as e:
        print(f"benchreport.layouts: {e}", file=sys.stderr)
        return 1
    for nsets, ns in differing(uml, native):
        why = "; ".join(describe(n, uml[n], native[n]) for n in ns)
        print(f"{nsets}\t{','.join(str(n) for n in ns)}\t{why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
