"""Accuracy experiments: error vs step size (the V-curves), the error of every method on
every catalog function, and the same sweeps in float32.

Errors are relative, max-norm: ||d - d_ref||_inf / ||d_ref||_inf, against the 50-digit
mpmath reference `expr.reference`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import expr
from expr import catalog

from .. import backends
from ..errors import CompareError
from ..plots import accuracy as pa
from ..records import Record
from ..registry import Experiment, FigureSpec

#: Functions of the V-curve figure: (catalog name, panel label).
SWEEP_FUNCTIONS = (
    ("exp", "exp(x) at x = 1"),
    ("sin", "sin(x) at x = 1"),
    ("exp100", "exp(100x) at x = 0.05"),
    ("logistic", "logistic $l_4$ at $x_0$ = 0.2"),
)
FD_METHODS = ("forward", "central", "central4", "complex_step")
#: Presets of the step-size sweeps: the number of steps in [1e-16, 1].
STEP_PRESETS = {"quick": {"points": 33}, "default": {"points": 65}, "full": {"points": 161}}


def _steps(points: int) -> np.ndarray:
    return np.logspace(-16, 0, points)


def accuracy_sweep(
    functions: tuple[str, ...] = tuple(n for n, _ in SWEEP_FUNCTIONS),
    points: int = 49,
    methods: tuple[str, ...] = FD_METHODS,
    dtype: str = "float64",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[Record]:
    """Relative error of each finite-difference method vs step h (`points` steps log-spaced
    in [1e-16, 1]), the theoretical optimal step of each, and the error of reverse/forward
    AD and symbolic differentiation at the same point. Cost: O(len(functions) * points)
    evaluations.

    Records: kind="curve" (function, method, h, rel_error, model_rel_error),
    kind="optimum" (function, method, h, rel_error of the model there, best_h,
    best_rel_error), kind="exact" (function, method, rel_error).
    """
    if dtype not in ("float32", "float64"):
        raise CompareError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    labels = dict(SWEEP_FUNCTIONS)
    rows: list[Record] = []
    for name in functions:
        if progress is not None:
            progress(f"{name}, {dtype}: {points} steps")
        entry = catalog.get(name)
        f = entry.function()
        x = entry.point
        ref = expr.reference(f, x)
        label = labels.get(name, entry.description)
        common = {"function": name, "label": label, "x0": float(x[0]), "dtype": dtype}
        for row in backends.fd_sweep(f, x, _steps(points), methods, ref, dtype=dtype):
            rows.append({**common, **row})
        if dtype == "float64":
            for method, error in backends.exact_errors(f, x, ref).items():
                rows.append({**common, "kind": "exact", "method": method, "rel_error": error})
    return rows


def precision(
    functions: tuple[str, ...] = ("exp", "sin"),
    points: int = 49,
    methods: tuple[str, ...] = ("forward", "central", "complex_step"),
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[Record]:
    """The V-curves in float32 and float64 (the optimal step moves with machine epsilon)."""
    rows: list[Record] = []
    for dtype in ("float32", "float64"):
        for record in accuracy_sweep(
            functions, points, methods, dtype=dtype, seed=seed, progress=progress
        ):
            if record["kind"] != "exact":
                rows.append(record)
    return rows


def _table_methods() -> tuple[str, ...]:
    return (
        "reverse",
        "forward_mode",
        "sympy",
        "graph",
        "central",
        "forward",
        "central4",
        "richardson",
        "complex_step",
    )


def accuracy_table(
    include_families: bool = True,
    methods: tuple[str, ...] | None = None,
    max_inputs: int = 16,
    seed: int = 0,
) -> list[Record]:
    """Error of every method (default steps) on every scalar-valued smooth catalog function
    at its textbook point (families at their default size; functions of more than
    `max_inputs` scalar inputs are left out: SymPy differentiates tensors element by element,
    too slow for a default run). One record per (function, method): rel_error; a method
    that fails on a function gives a row of the table kind="failure" (function, method,
    exception) instead.
    """
    methods = backends.check_methods(methods or _table_methods())
    rows: list[Record] = []
    for entry in catalog.entries(smooth=True):
        if entry.family is not None and not include_families:
            continue
        f = entry.function()
        if any(np.prod(s, dtype=np.int64) != 1 for s in f.output_shapes):
            continue
        x = entry.inputs(None, seed=seed)
        if sum(int(np.size(v)) for v in x) > max_inputs:
            continue
        ref = backends.flat(expr.reference(f, x))
        for method in methods:
            row: dict[str, Any] = {
                "function": entry.name,
                "description": entry.description,
                "n_inputs": int(ref.size),
                "method": method,
            }
            try:
                estimate = backends.flat(backends.gradient(f, x, method))
                row["rel_error"] = backends.relative_error(estimate, ref)
            except expr.ExprError as error:
                row = {"kind": "failure", "function": entry.name, "method": method}
                row["exception"] = f"{type(error).__name__}: {error}"[:120]
            rows.append(row)
    return rows


EXPERIMENTS = (
    Experiment(
        "accuracy_sweep",
        "Error vs step size: the V-curves",
        accuracy_sweep,
        (
            FigureSpec(
                "fig01_accuracy_sweep",
                "Step size vs error: the V-curve",
                pa.plot_accuracy_sweep,
                pa.caption_accuracy_sweep,
                panels=4,
                select=pa.select_accuracy_sweep,
            ),
        ),
        STEP_PRESETS,
    ),
    Experiment(
        "accuracy_table",
        "Error of every method on every function",
        accuracy_table,
        (
            FigureSpec(
                "fig02_accuracy_table",
                "Error of every method on every function",
                pa.plot_accuracy_table,
                pa.caption_accuracy_table,
                select=pa.select_accuracy_table,
            ),
        ),
        {"quick": {"include_families": False}, "default": {}, "full": {}},
    ),
    Experiment(
        "precision",
        "float32 vs float64",
        precision,
        (
            FigureSpec(
                "fig13_precision",
                "float32 vs float64",
                pa.plot_precision,
                pa.caption_precision,
                panels=2,
                select=pa.select_precision,
            ),
        ),
        STEP_PRESETS,
    ),
)
