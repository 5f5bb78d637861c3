"""Sparse Hessians by colouring: how many HVP sweeps a Hessian needs, and what it costs.

Three structures as n grows: a dense Hessian (log-sum-exp), a banded one (Rosenbrock,
tridiagonal) and an arrowhead (x_0 coupled to every x_i). The dense Hessian takes n HVPs
(`autodiff.hessian`); `autodiff.sparse_hessian` finds the pattern on the graph, colours it
(star colouring, or distance-2 which ignores symmetry) and takes one HVP per colour. Every
sparse Hessian is checked against the dense one.

>>> rows = sparsity(sizes=(8,), repeat=1)
>>> sorted({(r["problem"], r["method"], r["sweeps"]) for r in rows})[:3]
[('arrowhead', 'dense', 8), ('arrowhead', 'distance2', 8), ('arrowhead', 'star', 2)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..plots import sparsity as plots
from ..records import Record
from ..registry import Experiment, FigureSpec
from ..timing import median_time


def arrowhead(n: int) -> Any:
    """f(x) = sum_i cos(x_0 x_i) + sum_i x_i^4 for i >= 1: H is nonzero on the diagonal,
    the first row and the first column (an arrowhead)."""
    import expr

    def fn(x: Any) -> Any:
        return expr.sum(expr.cos(x[0] * x[1:])) + expr.sum(x**4.0)

    return expr.trace(fn, np.zeros(n), names=["x"])


def _problems() -> dict[str, tuple[str, Callable[[int], Any]]]:
    from expr import catalog

    return {
        "dense": ("log-sum-exp", catalog.logsumexp_vector),
        "banded": ("Rosenbrock (tridiagonal)", catalog.rosenbrock),
        "arrowhead": ("arrowhead", arrowhead),
    }


def _measure(problem: str, n: int, repeat: int, seed: int) -> list[Record]:
    """The dense Hessian and both colourings of one problem at size n."""
    import autodiff

    title, build = _problems()[problem]
    f = build(n)
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
    dense = autodiff.hessian(f)(x)
    scale = max(1.0, float(np.max(np.abs(dense))))
    base = {"problem": problem, "function": title, "n": n}
    rows = [
        {
            **base,
            "method": "dense",
            "sweeps": n,
            "time_s": median_time(lambda: autodiff.hessian(f)(x), repeat=repeat, min_time=0.02),
            "setup_time_s": 0.0,
            "nnz": int(np.count_nonzero(dense)),
            "max_rel_difference": 0.0,
        }
    ]
    for colouring in ("star", "distance2"):
        sparse = autodiff.sparse_hessian(f, colouring=colouring, return_stats=True)
        matrix, stats = sparse(x)  # the first call finds the pattern and colours it
        difference = float(np.max(np.abs(matrix.toarray() - dense))) / scale
        rows.append(
            {
                **base,
                "method": colouring,
                "sweeps": stats.sweeps,
                "time_s": median_time(lambda s=sparse: s(x), repeat=repeat, min_time=0.02),
                "setup_time_s": stats.pattern_seconds + stats.colouring_seconds,
                "nnz": stats.nnz,
                "max_rel_difference": difference,
            }
        )
    return rows


def sparsity(
    sizes: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256, 512), repeat: int = 3, seed: int = 0
) -> list[Record]:
    """Rows (problem, function, n, method = dense | star | distance2, sweeps = HVPs,
    time_s = median time of one Hessian once the pattern is known, setup_time_s = pattern
    + colouring (once per function), nnz, max_rel_difference to the dense Hessian)."""
    return [
        row for problem in _problems() for n in sizes for row in _measure(problem, n, repeat, seed)
    ]


EXPERIMENTS = (
    Experiment(
        "sparsity",
        "Sparse Hessians by graph colouring: sweeps and time against n",
        sparsity,
        (
            FigureSpec(
                "fig15_sparsity",
                "Sparse derivatives: sweeps needed against n",
                plots.plot_sparsity,
                plots.caption_sparsity,
                panels=2,
                select=plots.select_sparsity,
            ),
        ),
        {
            "quick": {"sizes": (4, 16, 64), "repeat": 3},
            "default": {"sizes": (4, 8, 16, 32, 64, 128, 256, 512), "repeat": 3},
            "full": {"sizes": (4, 8, 16, 32, 64, 128, 256, 512, 1024), "repeat": 5},
        },
        weight=4.0,  # seconds of the quick preset on 2 cores, roughly
    ),
)
