"""The lecture classics: the worked example, the logistic map, expression swell and the
cheap-gradient ratio."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import expr
from expr import catalog

from .. import backends
from ..errors import CompareError
from ..plots import classic as pc
from ..plots import worked as pw
from ..records import Record, select
from ..registry import Experiment, FigureSpec
from ..report import markdown_table
from ..timing import median_time
from .accuracy import STEP_PRESETS, _steps


def worked_example(seed: int = 0) -> list[Record]:
    """x1·x2 + sin(x1) at (2, 3): the forward table (kind="forward"), the backward table
    (kind="backward": adjoint of every node, seed 1 at the output), the forward-mode table
    in Dual numbers (kind="dual", one per seed input: value and tangent of every node) and
    the gradient checked against the 50-digit reference (kind="gradient")."""
    entry = catalog.get("worked_example")
    f = entry.function()
    x = entry.point
    rows: list[Record] = []
    for step, row in enumerate(f.table(*x)):
        rows.append(
            {
                "kind": "forward",
                "step": step,
                "node": row["node"],
                "label": row["label"],
                "op": row["op"],
                "expression": row["expression"],
                "value": float(row["value"]),
            }
        )
    for step, row in enumerate(backends.backward_table(f, x)):
        rows.append({"kind": "backward", "step": step, **row})
    for seed, name in enumerate(f.input_names):  # forward mode with Dual numbers (seed 002)
        for step, row in enumerate(backends.dual_table(f, x, seed)):
            rows.append({"kind": "dual", "seed": name, "step": step, **row})
    grads = backends.flat(backends.gradient(f, x, "reverse"))
    ref = backends.flat(expr.reference(f, x))
    for i, name in enumerate(f.input_names):
        rows.append(
            {
                "kind": "gradient",
                "input": i,
                "name": name,
                "value": float(grads[i]),
                "reference": float(ref[i]),
                "rel_error": abs(float(grads[i]) - float(ref[i])) / abs(float(ref[i])),
            }
        )
    return rows


def worked_tables(records: list[Record]) -> list[tuple[str, str]]:
    """The forward and backward tables for the report."""
    forward = sorted(select(records, kind="forward"), key=lambda r: r["step"])
    backward = sorted(select(records, kind="backward"), key=lambda r: r["step"])
    dual = sorted(select(records, kind="dual"), key=lambda r: (r["seed"], r["step"]))
    first = [r for r in dual if r["seed"] == dual[0]["seed"]] if dual else []
    return [
        (
            "Worked example: forward sweep",
            markdown_table(forward, ["label", "expression", "value"], {"value": ".6f"}),
        ),
        (
            "Worked example: backward sweep",
            markdown_table(backward, ["label", "expression", "adjoint"], {"adjoint": ".6f"}),
        ),
        (
            f"Worked example: forward mode with Dual numbers (seed d{first[0]['seed']} = 1)"
            if first
            else "Worked example: forward mode with Dual numbers",
            markdown_table(
                first, ["label", "op", "value", "tangent"], {"value": ".6f", "tangent": ".6f"}
            ),
        ),
    ]


def logistic_classic(max_depth: int = 4, points: int = 65, seed: int = 0) -> list[Record]:
    """l_1..l_max_depth of the logistic map with the sizes of dl_n/dx (raw SymPy diff,
    expanded, after CSE), kind="table"; and the forward/central/complex-step sweep for l_4
    at x0 = 0.2 (kind="curve"/"optimum"/"exact")."""
    rows: list[Record] = []
    for n in range(1, max_depth + 1):
        f = catalog.logistic_map(n)
        rows.append({"kind": "table", "n": n, **backends.symbolic_sizes(f)})
    f = catalog.logistic_map(4)
    x = (0.2,)
    ref = expr.reference(f, x)
    common = {"function": "logistic4", "label": "logistic $l_4$ at $x_0$ = 0.2", "x0": 0.2}
    for row in backends.fd_sweep(f, x, _steps(points), ("forward", "central", "complex_step"), ref):
        rows.append({**common, **row})
    for method, error in backends.exact_errors(f, x, ref).items():
        rows.append({**common, "kind": "exact", "method": method, "rel_error": error})
    return rows


def swell_depths(max_depth: int) -> list[int]:
    """Depths of the cheap swell series: every k up to 20, then every 5 up to max_depth.

    >>> swell_depths(30)[-4:]
    [19, 20, 25, 30]
    """
    if not isinstance(max_depth, int) or max_depth < 1:
        raise CompareError(f"max_depth must be an int >= 1, got {max_depth!r}")
    return list(range(1, min(max_depth, 20) + 1)) + list(range(25, max_depth + 1, 5))


def swell(
    max_depth: int = 100,
    sympy_max_depth: int = 30,
    seconds: float = 5.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[Record]:
    """Size of d l_k/dx of the logistic map against the depth k.

    The cheap series run to `max_depth` (every k to 20, then every 5): the symbolic
    "graph" method's derivative as a tree (counted exactly on its DAG), as a DAG and as
    its assignment program; the reverse-mode gradient graph (op nodes); the function
    itself (op nodes; and, from symdiff, its SymPy form's size as a tree). SymPy's diff (tree, DAG, expanded, after
    CSE) runs k = 1, 2, ... up to `sympy_max_depth` until a step takes over `seconds`
    (that series is then stopped, marked `stopped`).

    Records: depth, measure, size, stopped, time_s (symdiff's time for that form),
    budget_s.
    """
    if not isinstance(sympy_max_depth, int) or sympy_max_depth < 1:
        raise CompareError(f"sympy_max_depth must be an int >= 1, got {sympy_max_depth!r}")
    depths = swell_depths(max_depth)
    sympy_depths = range(1, min(sympy_max_depth, max_depth) + 1)
    rows = backends.swell_records(sympy_depths, seconds, progress=progress)
    rows += backends.swell_records(depths, seconds, method="graph", progress=progress)
    for depth in depths:
        if progress is not None:
            progress(f"AD graph depth {depth}")
        f = catalog.logistic_map(depth)
        rows.append({"depth": depth, "measure": "function", "size": f.size(), "stopped": False})
        rows.append(
            {
                "depth": depth,
                "measure": "ad_graph",
                "size": backends.gradient_graph_size(f, (0.2,)),
                "stopped": False,
            }
        )
    return rows


def cheap_gradient(repeat: int = 5, seed: int = 0) -> list[Record]:
    """ops(value + gradient) / ops(f) counted by the instrumented reverse executor, and the
    time ratio, for every catalog function with a scalar output (families at their default
    size). Records: function, n_inputs, ops_f, ops_grad, ratio_ops, time_f_s, time_grad_s,
    ratio_time."""
    rows: list[Record] = []
    for entry in catalog.entries(smooth=True):
        f = entry.function()
        if any(int(np.prod(s, dtype=np.int64)) != 1 for s in f.output_shapes):
            continue
        x = entry.inputs(None, seed=seed)
        counts = backends.op_counts(f, x)
        value_and_grad = backends.value_and_grad_callable(f)  # compiled from its 2nd call
        compiled = backends.compiled_callable(f)  # so f is timed compiled too
        t_f = median_time(lambda f=compiled, x=x: f(*x), repeat=repeat, min_time=5e-3)
        t_g = median_time(lambda g=value_and_grad, x=x: g(*x), repeat=repeat, min_time=5e-3)
        rows.append(
            {
                "function": entry.name,
                "n_inputs": entry.n_inputs(),
                "ops_f": counts["ops_f"],
                "ops_grad": counts["ops_grad"],
                "ratio_ops": counts["ops_grad"] / counts["ops_f"],
                "time_f_s": t_f,
                "time_grad_s": t_g,
                "ratio_time": t_g / t_f,
            }
        )
    return rows


def logistic_tables(records: list[Record]) -> list[tuple[str, str]]:
    """l_1..l_n and their raw SymPy derivatives, with op counts, for the report."""
    rows = sorted(select(records, kind="table"), key=lambda r: r["n"])
    return [
        (
            "The logistic map: l_n, its derivative by SymPy, and their sizes (ops)",
            markdown_table(
                rows,
                ["n", "l_n", "derivative_raw", "size_f", "size_raw", "size_expanded", "size_cse"],
            ),
        )
    ]


EXPERIMENTS = (
    Experiment(
        "swell",
        "Expression swell: tree vs DAG vs CSE vs AD graph",
        swell,
        (
            FigureSpec(
                "fig05_swell",
                "Expression swell",
                pc.plot_swell,
                pc.caption_swell,
                panels=2,
                select=pc.select_swell,
            ),
        ),
        {
            "quick": {"max_depth": 50, "seconds": 1.0},
            "default": {"max_depth": 100, "seconds": 5.0},
            "full": {"max_depth": 100, "sympy_max_depth": 40, "seconds": 60.0},
        },
        weight=7.0,  # seconds of the quick preset on 2 cores, roughly
    ),
    Experiment(
        "cheap_gradient",
        "The cheap-gradient ratio",
        cheap_gradient,
        (
            FigureSpec(
                "fig08_cheap_gradient",
                "Cheap gradient ratio",
                pc.plot_cheap_gradient,
                pc.caption_cheap_gradient,
                select=pc.select_cheap_gradient,
            ),
        ),
        {"quick": {"repeat": 3}, "default": {"repeat": 5}, "full": {"repeat": 11}},
    ),
    Experiment(
        "worked_example",
        "The worked example x1·x2 + sin(x1) at (2, 3)",
        worked_example,
        (
            FigureSpec(
                "fig10_worked_example",
                "The worked example",
                pw.plot_worked_example,
                pw.caption_worked_example,
                panels=3,
                select=pw.select_worked_example,
            ),
        ),
        tables=worked_tables,
    ),
    Experiment(
        "logistic_classic",
        "The logistic-map classic",
        logistic_classic,
        (
            FigureSpec(
                "fig11_logistic_classic",
                "The logistic-map classic",
                pc.plot_logistic_classic,
                pc.caption_logistic_classic,
                panels=2,
                select=pc.select_logistic_classic,
            ),
        ),
        STEP_PRESETS,
        logistic_tables,
        limits={"max_depth": 6},  # SymPy expands d l_n/dx in full: 2^n terms
    ),
)
