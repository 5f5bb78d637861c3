"""Expression swell of the logistic map l_{k+1} = 4 l_k (1 - l_k): both symbolic methods.

Prints one table per method (sizes of d l_k / dx in each form, time to differentiate, peak
memory, where the budget stopped the curve). Run:

    MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 \
        python benchmarks/bench_swell.py [--budget 10] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys

import symdiff

DEPTHS = [1, 2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 16, 20, 30, 50, 75, 100]
COLUMNS = [
    ("size", "k"),
    ("mode", "mode"),
    ("tree_size", "tree"),
    ("dag_size", "dag"),
    ("cse_size", "cse"),
    ("count_ops", "count_ops"),
    ("tree_ops", "tree_ops"),
    ("diff_s", "diff s"),
    ("transform_s", "transform s"),
    ("peak_bytes", "peak bytes"),
    ("exceeded_step", "stopped at"),
]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, int) and value >= 10**7:
        return f"{value:.2e}"
    return str(value)


def table(rows: list[dict]) -> str:
    cells = [[label for _, label in COLUMNS]]
    cells += [[_cell(row.get(key)) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per step")
    parser.add_argument("--depths", type=int, nargs="*", default=DEPTHS)
    parser.add_argument("--csv", help="also write the records to this CSV file")
    args = parser.parse_args(argv)
    malloc = {k: os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}
    print(
        f"malloc settings: {malloc}; budget {args.budget:g} s per step; fork: {symdiff.can_fork()}"
    )
    records = []
    for method, modes in [
        ("sympy", ("raw", "cse", "expanded")),
        ("graph", ("raw", "program", "cse", "expanded")),
    ]:
        rows = symdiff.swell_curve(
            "logistic", args.depths, methods=[method], modes=modes, budget_s=args.budget
        )
        records += rows
        shown = [r for r in rows if r["skipped"] != "stopped"]
        print(f"\nmethod = {method!r}: d l_k / dx\n{table(shown)}")
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
