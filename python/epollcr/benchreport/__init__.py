"""Turns the raw output of harness/bench into build/bench/results.{json,md}
and plot.svg.  See README.md, "Benchmarks", for the schema.

Modules, one job each: records (reads BENCH lines), stats (medians,
points, derived figures), ratios (the issue 8 ratios against their goals),
markdown, svgplot, and __main__ (the command line).
"""
