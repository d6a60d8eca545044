"""Turns the raw output of harness/bench into build/bench/results.{json,md}
and plot.svg.  See README.md, "Benchmarks", for the schema.

Modules, one job each: records (reads BENCH lines), stats (medians,
points, derived figures, the kernel's per-phase breakdown), goals (reads
harness/bench/goals.table), ratios (every ratio, against its goal from
that table), markdown, svgplot, __main__ (the command line), and layouts
(which sizes scripts/bench reruns in UML in the native run's layout).
"""
