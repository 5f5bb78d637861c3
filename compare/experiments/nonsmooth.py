"""Non-smooth points: |x|, relu and max at and near their kinks, through every backend."""

from __future__ import annotations

from typing import Any

import expr

from .. import backends
from ..plots import nonsmooth as pn
from ..records import Record
from ..registry import Experiment, FigureSpec

#: (function, inputs, label, convention or true derivative d/dx, at the kink?)
CASES: tuple[tuple[str, tuple[float, ...], str, float, bool], ...] = (
    ("abs", (0.0,), "|x| at x = 0", 0.0, True),
    ("abs", (1e-3,), "|x| at x = 1e-3", 1.0, False),
    ("abs", (-1e-3,), "|x| at x = -1e-3", -1.0, False),
    ("relu", (0.0,), "relu at x = 0", 0.0, True),
    ("relu", (1e-3,), "relu at x = 1e-3", 1.0, False),
    ("relu", (-1e-3,), "relu at x = -1e-3", 0.0, False),
    ("maximum", (0.5, 0.5), "max(x, y) at x = y", 0.5, True),
    ("maximum", (0.5 + 1e-3, 0.5), "max(x, y) at x = y + 1e-3", 1.0, False),
    ("maximum", (0.5 - 1e-3, 0.5), "max(x, y) at x = y - 1e-3", 0.0, False),
)

METHODS = ("reverse", "forward_mode", "sympy", "graph", "central", "forward", "complex_step")


def nonsmooth(methods: tuple[str, ...] = METHODS, seed: int = 0) -> list[Record]:
    """d/dx of |x|, relu(x), max(x, y) at and 1e-3 away from the kink by every method.

    Records: case, function, x, method, derivative (of the first input), expected (the
    documented convention at the kink: abs'(0) = relu'(0) = 0, max splits 1/2-1/2; the
    true derivative elsewhere), at_kink, matches; a method that raises gives a row of the
    table kind="raises" (case, function, x, method, expected, at_kink, exception, clean_error).
    """
    methods = backends.check_methods(methods)
    rows: list[Record] = []
    for name, xs, label, expected, at_kink in CASES:
        f = expr.catalog.get(name).function()
        for method in methods:
            row: dict[str, Any] = {
                "case": label,
                "function": name,
                "x": xs[0],
                "method": method,
                "expected": expected,
                "at_kink": at_kink,
            }
            try:
                value = float(backends.flat(backends.gradient(f, xs, method))[0])
                row["derivative"] = value
                row["matches"] = bool(abs(value - expected) <= 1e-6)
            except Exception as error:  # what a method raises at a kink is part of the data
                row["kind"] = "raises"
                row["exception"] = f"{type(error).__name__}: {error}"[:160]
                row["clean_error"] = isinstance(error, expr.ExprError)
            rows.append(row)
    return rows


def nonsmooth_table(records: list[Record]) -> list[tuple[str, str]]:
    """The returned derivatives as a markdown table (cases down, methods across)."""
    from ..records import select, unique
    from ..report import markdown_table
    from ..style import label

    methods = unique(records, "method")
    rows = []
    for case in unique(records, "case"):
        found = select(records, case=case)
        row: dict[str, Any] = {"case": case, "expected": found[0].get("expected")}
        for r in found:
            value = r.get("derivative")
            row[label(r["method"])] = "raises" if value is None else f"{value:.6g}"
        rows.append(row)
    columns = ["case", *(label(m) for m in methods), "expected"]
    return [("Non-smooth points: d/dx returned by each method", markdown_table(rows, columns))]


EXPERIMENTS = (
    Experiment(
        "nonsmooth",
        "Non-smooth points",
        nonsmooth,
        (
            FigureSpec(
                "fig12_nonsmooth",
                "Non-smooth points",
                pn.plot_nonsmooth,
                pn.caption_nonsmooth,
                select=pn.select_nonsmooth,
            ),
        ),
        tables=nonsmooth_table,
    ),
)
