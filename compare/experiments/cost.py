"""Cost experiments: a full gradient of f: R^n -> R as n grows, and the forward/reverse
crossover for full Jacobians of f: R^n -> R^m.

Times are medians of repeated runs (see `compare.timing.median_time`); the machine is
shared, so ratios of medians are what the figures show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import expr
from expr import catalog

from .. import backends
from ..plots import cost as pcost
from ..records import Record
from ..registry import Experiment, FigureSpec
from ..timing import median_time, once

#: Function evaluations (or sweeps) each method needs for a gradient of f: R^n -> R.
EVALUATIONS = {
    "forward": lambda n: n + 1,
    "central": lambda n: 2 * n,
    "forward_mode": lambda n: n,
    "reverse": lambda n: 1,
    "sympy": lambda n: 1,
}


def mlp_of_parameters(hidden: int, batch: int = 32, seed: int = 0) -> tuple[expr.Function, tuple]:
    """The softmax cross-entropy of a 2-hidden-2 tanh MLP on a fixed two-moons batch, as a
    Function of its parameters (W1, b1, W2, b2) only: n = 5 * hidden + 2 inputs. Returns
    (function, parameters).

    >>> f, params = mlp_of_parameters(3, batch=4)
    >>> f.input_names, sum(p.size for p in params)
    (('W1', 'b1', 'W2', 'b2'), 17)
    """
    W1, b1, W2, b2, X, Y = catalog.mlp_inputs(hidden, batch, seed=seed)

    def loss(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        return catalog.mlp_loss_fn(W1, b1, W2, b2, X, Y)

    return expr.trace(loss, W1, b1, W2, b2), (W1, b1, W2, b2)


def _instances(
    sizes: tuple[int, ...], mlp_hidden: tuple[int, ...], seed: int
) -> list[tuple[str, int, int, expr.Function, tuple]]:
    """(function name, n, size parameter, f, inputs) for Rosenbrock(n) and the MLP."""
    entry = catalog.get("rosenbrock")
    out = [("rosenbrock", n, n, entry.function(n), entry.inputs(n, seed=seed)) for n in sizes]
    for hidden in mlp_hidden:
        f, params = mlp_of_parameters(hidden, seed=seed)
        out.append(("mlp", 5 * hidden + 2, hidden, f, params))
    return out


def cost_scaling(
    sizes: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256),
    symbolic_max: int = 64,
    repeat: int = 5,
    mlp_hidden: tuple[int, ...] = (1, 2, 4, 8, 16, 32),
    mlp_symbolic_max: int = 12,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[Record]:
    """Time of f and of its full gradient by forward and central differences, forward mode
    (jacfwd, n sweeps), reverse mode (grad, 1 sweep) and symbolic (diff + lambdify once:
    kind="setup"; then per evaluation), for Rosenbrock(n) (n in `sizes`) and for the loss
    of a 2-h-2 tanh MLP on 32 two-moons points as a function of its n = 5h + 2 parameters
    (h in `mlp_hidden`). `cost` = time / time(f). Symbolic runs up to n = `symbolic_max`
    (Rosenbrock) and `mlp_symbolic_max` (MLP).

    Records, three tables: kind="function" (function, n, size = n or h, time_s of f),
    kind="gradient" (function, n, size, method, time_s, cost, evaluations = the count the
    method's theory predicts), kind="setup" (function, n, size, method, time_s, cost of
    SymPy's one-off diff + lambdify). Each cost is the ratio of two adjacent medians (the
    method's, and f's timed just before it).
    """
    rows: list[Record] = []
    for name, n, size, f, x in _instances(sizes, mlp_hidden, seed):
        if progress is not None:
            progress(f"{name} n = {n}")
        common = {"function": name, "n": n, "size": size}
        limit = symbolic_max if name == "rosenbrock" else mlp_symbolic_max
        timed, setup = _gradient_callables(f, symbolic=n <= limit)
        t_f, timings, costs = _time_gradients(f, x, timed, repeat)
        rows.append({**common, "kind": "function", "time_s": t_f})
        if setup is not None:
            rows.append(
                {**common, "method": "sympy", "kind": "setup", "time_s": setup, "cost": setup / t_f}
            )
        rows += [
            {
                **common,
                "method": method,
                "kind": "gradient",
                "time_s": seconds,
                "cost": costs[method],
                "evaluations": EVALUATIONS[method](n),
            }
            for method, seconds in timings.items()
        ]
    return rows


def _gradient_callables(f: expr.Function, symbolic: bool) -> tuple[dict[str, Any], float | None]:
    """(method -> gradient callable, seconds of SymPy's one-off diff + lambdify or None):
    the methods of figure 3, symbolic only when `symbolic`."""
    timed: dict[str, Any] = {
        method: backends.gradient_callable(f, method)
        for method in ("forward", "central", "forward_mode", "reverse")
    }
    setup = None
    if symbolic:
        timed["sympy"], setup = once(lambda: backends.symbolic_callable(f, "sympy"))
    return timed, setup


def _time_gradients(
    f: expr.Function, x: tuple, timed: dict[str, Any], repeat: int
) -> tuple[float, dict[str, float], dict[str, float]]:
    """(median seconds of f, of each method's gradient, each method's cost in f's).

    The machine is shared: f is timed right next to each method, and each cost is the ratio
    of these two adjacent medians (robust to slow drifts of the load). Reverse mode runs
    its compiled program (autodiff.jit): its cost is taken against the compiled f; the
    other methods call f itself and are taken against it."""
    t_f = median_time(lambda: f(*x), repeat=repeat, min_time=5e-3)
    compiled = backends.compiled_callable(f)
    timings, costs = {}, {}
    for method, call in timed.items():
        base = compiled if method == "reverse" else f
        t_local = median_time(lambda base=base: base(*x), repeat=repeat, min_time=5e-3)
        timings[method] = median_time(lambda call=call: call(*x), repeat=repeat, min_time=5e-3)
        costs[method] = timings[method] / t_local
        t_f = t_f if method == "reverse" else min(t_f, t_local)
    return t_f, timings, costs


def _layer_function(n: int, m: int, hidden: int, seed: int) -> expr.Function:
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((hidden, n)) / np.sqrt(n)
    W2 = rng.standard_normal((m, hidden)) / np.sqrt(hidden)

    def layers(x: Any) -> Any:
        return expr.tanh(W2 @ expr.tanh(W1 @ x))

    return expr.trace(layers, np.zeros(n), names=["x"])


def crossover(
    total: int = 256,
    hidden: int = 16,
    repeat: int = 5,
    seed: int = 0,
) -> list[Record]:
    """Full Jacobian of f(x) = tanh(W2 tanh(W1 x)): R^n -> R^m with n * m = `total`, by
    jacfwd (n forward sweeps) and jacrev (m reverse sweeps).

    Records: n, m, n_over_m, time_jacfwd_s, time_jacrev_s, ratio (= time_jacfwd_s /
    time_jacrev_s), max_abs_difference (max |J_fwd - J_rev|), hidden.
    """
    rows: list[Record] = []
    n = 1
    while n <= total:
        m = total // n
        f = _layer_function(n, m, hidden, seed)
        x = np.random.default_rng(seed + n).standard_normal(n)
        fwd = backends.jacobian_callable(f, "forward_mode")
        rev = backends.jacobian_callable(f, "reverse")
        agree = float(np.max(np.abs(np.asarray(fwd(x)) - np.asarray(rev(x)))))
        t_fwd = median_time(lambda fwd=fwd, x=x: fwd(x), repeat=repeat)
        t_rev = median_time(lambda rev=rev, x=x: rev(x), repeat=repeat)
        rows.append(
            {
                "n": n,
                "m": m,
                "n_over_m": n / m,
                "time_jacfwd_s": t_fwd,
                "time_jacrev_s": t_rev,
                "ratio": t_fwd / t_rev,
                "max_abs_difference": agree,
                "hidden": hidden,
            }
        )
        n *= 2
    return rows


EXPERIMENTS = (
    Experiment(
        "cost_scaling",
        "Cost of a full gradient vs number of inputs",
        cost_scaling,
        (
            FigureSpec(
                "fig03_cost_scaling",
                "Cost of a full gradient vs n",
                pcost.plot_cost_scaling,
                pcost.caption_cost_scaling,
                panels=4,
                select=pcost.select_cost_scaling,
            ),
        ),
        {
            "quick": {
                "sizes": (2, 4, 8, 16, 32),
                "symbolic_max": 16,
                "repeat": 5,
                "mlp_hidden": (1, 2, 4, 8),
                "mlp_symbolic_max": 7,
            },
            "default": {
                "sizes": (2, 4, 8, 16, 32, 64, 128, 256),
                "symbolic_max": 64,
                "repeat": 5,
                "mlp_hidden": (1, 2, 4, 8, 16, 32, 64),
                "mlp_symbolic_max": 12,
            },
            "full": {
                "sizes": (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
                "symbolic_max": 128,
                "repeat": 9,
                "mlp_hidden": (1, 2, 4, 8, 16, 32, 64, 128),
                "mlp_symbolic_max": 22,
            },
        },
        weight=6.0,  # seconds of the quick preset on 2 cores, roughly
    ),
    Experiment(
        "crossover",
        "Forward vs reverse mode for full Jacobians",
        crossover,
        (
            FigureSpec(
                "fig04_crossover",
                "Forward vs reverse crossover",
                pcost.plot_crossover,
                pcost.caption_crossover,
                select=pcost.select_crossover,
            ),
        ),
        {
            "quick": {"total": 64, "repeat": 3},
            "default": {"total": 1024, "repeat": 5},
            "full": {"total": 1024, "repeat": 9},
        },
    ),
)
