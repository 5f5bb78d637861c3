"""Checkpointing experiments as tidy records (flat dicts), for tables, CSV and figures.

`memory_records` runs the tanh chain under each strategy for each depth (memory vs depth);
`tradeoff_records` runs one depth under binomial(s) for several s and the segment
strategies (memory vs recomputation), each record beside revolve's optimal frontier
`revolve_frontier`. Every number in a record is measured by the executor, except the
``theory_*`` fields.

>>> rows = memory_records(depths=(4,), strategies=(None, "sqrt"), width=4, batch=2)
>>> [(r["strategy"], r["forward_evals"]) for r in rows]
[('none', 5), ('sqrt', 8)]
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

import expr
from expr import catalog

from .checkpoint import checkpoint_sequential
from .schedule import Binomial, as_strategy, binomial, every, revolve_forward_steps


def tanh_layer(h: Any, W: Any, b: Any) -> Any:
    """One layer of the tanh chain: tanh(h W + b)."""
    return expr.tanh(h @ W + b)


def half_mean_square(h: Any) -> Any:
    """The chain's loss 0.5 mean(h^2)."""
    return 0.5 * expr.mean(h * h)


def tanh_chain_problem(depth: int, width: int = 64, batch: int = 16, seed: int = 0) -> tuple:
    """(layers, x, params) of `expr.catalog.tanh_chain`: `depth` tanh layers sharing W, b,
    then the loss as one more (parameter-free) step."""
    x, W, b = catalog.tanh_chain_inputs(width, batch, seed=seed)
    layers = [tanh_layer] * depth + [half_mean_square]
    params = [(W, b)] * depth + [()]
    return layers, x, params


DEFAULT_STRATEGIES = (None, "sqrt", every(8), binomial(4), binomial(16))


def _record(
    depth: int, strategy: Any, width: int, batch: int, repeat: int, trace_memory: bool
) -> dict[str, Any]:
    layers, x, params = tanh_chain_problem(depth, width, batch)
    times, cpu_times = [], []
    result = None
    for _ in range(max(1, repeat)):
        result = checkpoint_sequential(layers, x, params, strategy=strategy)
        times.append(result.stats.time_s)
        cpu_times.append(result.stats.cpu_s)
    traced = None
    if trace_memory:
        traced = checkpoint_sequential(
            layers, x, params, strategy=strategy, trace_memory=True
        ).stats.tracemalloc_peak
    stats = result.stats
    activation = x.nbytes
    return {
        "strategy": str(as_strategy(strategy)),
        "T": depth,
        "width": width,
        "batch": batch,
        "activation_bytes": activation,
        "peak_bytes": stats.peak_bytes,
        "peak_values": stats.peak_values,
        "peak_activations": stats.peak_bytes / activation,
        "peak_snapshots": stats.peak_snapshots,
        "forward_evals": stats.forward_evals,
        "backward_evals": stats.backward_evals,
        "forward_per_T": stats.forward_evals / depth,
        "forward_ops": stats.forward_ops,
        "backward_ops": stats.backward_ops,
        "time_s": statistics.median(times),
        "cpu_s": statistics.median(cpu_times),
        "tracemalloc_peak": traced,
    }


def memory_records(
    depths: Iterable[int] = (16, 64, 256, 1024),
    strategies: Sequence[Any] = DEFAULT_STRATEGIES,
    width: int = 64,
    batch: int = 16,
    repeat: int = 1,
    trace_memory: bool = False,
) -> list[dict[str, Any]]:
    """One record per (T, strategy): measured peak stored bytes/values, forward and backward
    step evaluations, median wall and CPU time over `repeat` runs (and the tracemalloc peak of one
    more run when `trace_memory`). T counts tanh layers; the loss is one extra step.
    Cost: sum over records of forward_evals layer evaluations."""
    return [
        _record(depth, strategy, width, batch, repeat, trace_memory)
        for depth in depths
        for strategy in strategies
    ]


def revolve_frontier(depth: int, snapshots: Iterable[int]) -> list[dict[str, Any]]:
    """Revolve's optimum (theory, no run): with s snapshots a chain of `depth` steps needs
    depth + t(depth, s) forward steps and holds s + 1 activations at most.

    >>> revolve_frontier(8, [1, 8])[0]["theory_forward_per_T"]
    4.5
    """
    return [
        {
            "strategy": f"binomial({s})",
            "T": depth,
            "snapshots": s,
            "theory_forward_evals": depth + revolve_forward_steps(depth, s),
            "theory_forward_per_T": (depth + revolve_forward_steps(depth, s)) / depth,
            "theory_activations": s + 1,
        }
        for s in snapshots
    ]


def tradeoff_records(
    depth: int = 256,
    snapshots: Iterable[int] = (1, 2, 3, 4, 6, 8, 12, 16, 32, 64),
    width: int = 64,
    batch: int = 16,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    """Memory against recomputation at fixed T: binomial(s) for each s, "sqrt", every(k)
    for a few k and store-all, measured; binomial rows also carry revolve's optimum for the
    T + 1 steps run (T layers and the loss) as ``theory_forward_evals`` (and per layer)."""
    snapshots = list(snapshots)
    k = math.isqrt(depth) + 1
    strategies: list[Any] = [binomial(s) for s in snapshots]
    strategies += [None, "sqrt", every(max(1, k // 2)), every(2 * k)]
    rows = []
    for strategy in strategies:
        row = _record(depth, strategy, width, batch, repeat, trace_memory=False)
        strategy = as_strategy(strategy)
        if isinstance(strategy, Binomial):
            steps = depth + 1
            optimum = steps + revolve_forward_steps(steps, strategy.snapshots)
            row["theory_forward_evals"] = optimum
            row["theory_forward_per_T"] = optimum / depth
            row["theory_activations"] = strategy.snapshots + 1
        rows.append(row)
    return rows


def as_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as a fixed-width text table (for benchmarks and reports)."""
    cells = [[_fmt(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)
