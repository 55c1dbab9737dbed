"""Tooling that only calls into the areas: the demo center and the province-scale seed (demo, scale), the bench
(bench, bench_tools, soak, bench_dashboards, page_driver). Nothing in the portal imports this package; `portal.cli`
runs it."""
