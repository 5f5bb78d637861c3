"""Error of each method over a range of steps: the V-curves, with the model beside them.

`sweep` returns tidy records (flat dicts, one list): one record per (method, step) with
kind="step", and one per method with kind="summary". Step records carry function, x, wrt,
dtype, method, order, label, step, value, reference, abs_error, rel_error and model_error
(the relative error the truncation + round-off model predicts at that step). Summary
records carry best_step / best_error (measured minimum of rel_error), theory_step /
theory_error (the model's optimum), and the constants behind the model.

The model of a stencil of order p, error constant c and weight sum W (`numdiff.steps`):

    rel_error(h) ~ (|c| M h^p + eps F W / h) / |f'(x)|

with eps the machine epsilon of the dtype swept and M = |f^(p+1)(x)|. The round-off
constant eps F W, F = |f(x)|, bounds the effect of each function value being correctly
rounded (relative error <= eps / 2) plus the rounding of x + o h (the same order).

M is computed at 50 digits when f is an `expr.Function`, formula string or SymPy
expression: f is lambdified to mpmath (not differentiated symbolically, so no expression
swell) and `mpmath.diff` differentiates it at 50-digit working precision ("constants":
"mpmath"). For a black-box callable M is estimated in float64 by a symmetric difference of
order 2 for the (p+1)-th derivative at a moderate step (`_fd_derivative`, "constants":
"finite difference"). The complex step has no round-off term in the difference: its model
is |f'''| h^2 / 6 / |f'| plus eps / 2 for the rounding of the result, and its theory_step
is the largest step at which the truncation falls below eps / 2.

>>> records = sweep("exp(x)", 1.0, steps=np.logspace(-8, -2, 7), methods=["central"])
>>> summary = [r for r in records if r["kind"] == "summary"][0]
>>> 1e-6 < summary["theory_step"] < 1e-4, summary["best_error"] < 1e-9
(True, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

import expr

from .errors import NumdiffError, StepError
from .problem import Problem
from .richardson import extrapolate
from .stencils import COMPLEX_STEP, RICHARDSON_LEVELS, RICHARDSON_RATIO, STENCILS, Stencil
from .steps import machine_epsilon, model_constants, model_error, optimal_step, scale

DEFAULT_METHODS = ("forward", "central", "five_point", "richardson", "complex")

# Sweep method names -> (table key or special, label). "richardson" and "complex" are the
# two formulas that are not a plain row of STENCILS.
SWEEP_METHODS: dict[str, tuple[str, int]] = {
    "forward": ("forward", 1),
    "backward": ("backward", 1),
    "central": ("central", 2),
    "five_point": ("central", 4),
    "central6": ("central", 6),
    "central8": ("central", 8),
    "richardson": ("richardson", 2 * RICHARDSON_LEVELS),
    "complex": ("complex", 2),
}


def _resolve(method: str | tuple[str, int]) -> tuple[str, str, int, Stencil | str]:
    """(label, method, order, stencil-or-"richardson") of a sweep method."""
    if isinstance(method, tuple):
        key = (str(method[0]), int(method[1]))
        if key not in STENCILS:
            raise NumdiffError(f"no stencil {key}; the table has {sorted(STENCILS)}")
        label = f"{key[0]}{key[1]}"
        return label, key[0], key[1], STENCILS[key]
    if method not in SWEEP_METHODS:
        raise NumdiffError(
            f"unknown sweep method {method!r}; choose from {', '.join(SWEEP_METHODS)} or "
            "give a (method, order) row of numdiff.STENCILS"
        )
    name, order = SWEEP_METHODS[method]
    if name == "richardson":
        return method, name, order, "richardson"
    if name == "complex":
        return method, name, order, COMPLEX_STEP
    return method, name, order, STENCILS[name, order]


def _values(problem: Problem, j: int, stencil: Stencil | str, steps: np.ndarray) -> np.ndarray:
    """The method's derivative estimate at every step (nan where f is not finite)."""
    x = problem.x
    if stencil is COMPLEX_STEP:
        ctype = np.result_type(problem.dtype, np.complex64)
        points = np.repeat(x.astype(ctype)[None, :], steps.size, axis=0)
        points[:, j] += (1j * steps).astype(ctype)
        values = problem.complex_values(points, check=False)[:, 0]
        actual = np.imag(points[:, j]).astype(np.float64)  # the step as stored in dtype
        with np.errstate(all="ignore"):
            return np.imag(values).astype(np.float64) / actual
    if isinstance(stencil, str):
        levels = [RICHARDSON_RATIO**-k for k in range(RICHARDSON_LEVELS)]
        offsets = [s * lv for lv in levels for s in (1.0, -1.0)]
        shifts = np.outer(steps, offsets).astype(problem.dtype)
    else:
        shifts = np.outer(steps, stencil.offsets).astype(problem.dtype)
    points = np.repeat(x[None, :], shifts.size, axis=0)
    points[:, j] = x[j] + shifts.ravel()
    values = problem(points, check=False)[:, 0].astype(np.float64).reshape(shifts.shape)
    with np.errstate(all="ignore"):
        if isinstance(stencil, str):
            diffs = [
                (values[:, 2 * k] - values[:, 2 * k + 1]) / (2.0 * steps * levels[k])
                for k in range(RICHARDSON_LEVELS)
            ]
            return np.asarray(extrapolate(levels, diffs))
        return values @ np.asarray(stencil.weights) / steps


def _mpmath_derivative(
    problem: Problem, j: int, k: int, max_ops: int, digits: int = 50
) -> float | None:
    """|d^k f / dx_j^k| at x in 50-digit mpmath, or None when f is a black box.

    f (`Function.to_sympy()`) is lambdified to mpmath without differentiating it (no
    expression swell) and `mpmath.diff` differentiates numerically at `digits` digits of
    working precision, far beyond what the model needs."""
    f = problem.function
    if f is None or problem.m != 1 or any(s != () for s in problem.shapes):
        return None
    if f.size() > max_ops:  # the SymPy tree of a DAG can grow exponentially with depth
        return None
    import sympy  # only for the 50-digit model constants

    e = f.to_sympy()
    by_name = {s.name: s for s in e.free_symbols}
    names = f.input_names
    if names[j] not in by_name:
        return 0.0
    symbols = [by_name.get(n, sympy.Symbol(n)) for n in names]
    fn = sympy.lambdify(symbols, e, "mpmath")
    with mpmath.workdps(digits):
        point = [mpmath.mpf(float(v)) for v in problem.x]

        def along(t: Any) -> Any:
            args = list(point)
            args[j] = t
            return fn(*args)

        try:
            value = mpmath.diff(along, point[j], k)
        except (ValueError, ZeroDivisionError, TypeError):
            return None
        return abs(float(mpmath.re(value)))


def _fd_derivative(problem: Problem, j: int, k: int) -> float:
    """|f^(k)(x)| along coordinate j by a symmetric difference of order 2 on k + 2 (k even)
    or k + 3 (k odd) points, weights from the Vandermonde system, evaluated in float64 at
    h = eps^(1/(k+3)) max(|x|, 1) (round-off eps / h^k and truncation h^2 balanced)."""
    eps = machine_epsilon(np.float64)
    count = k + 2 if k % 2 == 0 else k + 3
    offsets = np.arange(count, dtype=np.float64) - (count - 1) / 2.0
    rhs = np.zeros(count)
    rhs[k] = float(math.factorial(k))
    w = np.linalg.solve(np.vander(offsets, count, increasing=True).T, rhs)
    h = float(eps ** (1.0 / (k + 3)) * scale(problem.x[j]))
    in_float64 = dataclasses.replace(
        problem, x=problem.x.astype(np.float64), dtype=np.dtype(np.float64), nfev=0, ncalls=0
    )
    points = np.repeat(in_float64.x[None, :], count, axis=0)
    points[:, j] += offsets * h
    values = in_float64(points)[:, 0]
    return abs(float(values @ w) / h**k)


def _name(f: Any, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(f, str):
        return f
    if isinstance(f, expr.Function):
        return f.name
    return str(getattr(f, "__name__", type(f).__name__))


def sweep(
    f: Any,
    x: Any,
    steps: Sequence[float] | np.ndarray | None = None,
    methods: Sequence[str | tuple[str, int]] = DEFAULT_METHODS,
    reference: float | None = None,
    dtype: Any = None,
    wrt: int = 0,
    name: str | None = None,
    model_max_ops: int = 24,
) -> list[dict[str, Any]]:
    """Error of each method at each step (module docstring for the records and the model).

    Parameters
    ----------
    f, x : as for `numdiff.derivative` (f scalar-valued; x a number or a tuple of inputs).
    steps : the steps h (positive; default np.logspace(-16, 0, 129)); methods : names in `SWEEP_METHODS` or (method, order)
        rows of `STENCILS`.
    reference : the exact f'(x); by default `expr.reference(f, x)` (50-digit mpmath), which
        needs f in a form `expr` reads (a black-box callable needs `reference=`).
    dtype : evaluate in this float dtype (np.float32 for the single-precision V-curves);
        default the dtype of x. wrt : the flat input coordinate to differentiate along.
    name : the "function" field of the records (default: f's name or text).
    model_max_ops : graphs with more ops than this get the model constant M by differences
        instead of 50-digit mpmath (the SymPy tree of a deep DAG grows exponentially).

    Cost: sum over methods of (points per step) x len(steps) evaluations, plus the model
    constants (one SymPy derivative or a few evaluations per method).
    """
    steps = np.logspace(-16, 0, 129) if steps is None else steps
    steps = np.asarray(steps, dtype=np.float64).ravel()
    if steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise StepError("sweep: steps must be a non-empty array of positive finite numbers")
    several = isinstance(x, (tuple, list))
    if dtype is not None:
        x = type(x)(np.asarray(v, dtype=dtype) for v in x) if several else np.asarray(x, dtype)
    problem = Problem.build(f, x)
    value_bound = abs(float(np.asarray(problem(problem.x[None, :])[0, 0], dtype=np.float64)))
    if problem.m != 1:
        raise NumdiffError(f"sweep needs a scalar-valued f; it returns {problem.out_shape}")
    if not 0 <= wrt < problem.n:
        raise NumdiffError(f"wrt={wrt} is not a coordinate of x (it has {problem.n})")
    if reference is None:
        if problem.function is None:
            raise NumdiffError(
                "sweep: give reference= (the exact derivative) for a black-box callable; "
                "for expr.Function, strings and SymPy it is computed with expr.reference"
            )
        exact = expr.reference(problem.function, _float64_point(problem))
        exact_flat = np.concatenate(
            [
                np.ravel(np.asarray(e, dtype=float))
                for e in (exact if isinstance(exact, tuple) else (exact,))
            ]
        )
        reference = float(exact_flat[wrt])
    reference = float(reference)
    eps = machine_epsilon(problem.dtype)
    label_of = _name(f, name)
    x_value = float(problem.x[wrt])
    scale_ref = abs(reference) if reference != 0 else 1.0
    records: list[dict[str, Any]] = []
    for method in methods:
        label, method_name, order, stencil = _resolve(method)
        values = _values(problem, wrt, stencil, steps)
        with np.errstate(all="ignore"):
            abs_error = np.abs(values - reference)
        rel_error = abs_error / scale_ref
        k = model_constants(stencil)[0] + 1
        bound = _mpmath_derivative(problem, wrt, k, model_max_ops)
        source = "mpmath"
        if bound is None:
            bound, source = _fd_derivative(problem, wrt, k), "finite difference"
        model = model_error(stencil, steps, bound, value_bound, eps) / scale_ref
        theory_step, theory_error = optimal_step(stencil, bound, value_bound, eps)
        theory_error /= scale_ref
        if stencil is COMPLEX_STEP:
            model = model + eps / 2.0
            theory_step = float(np.sqrt(6.0 * eps * scale_ref / bound)) if bound else np.inf
            theory_error = eps / 2.0
        base = {
            "function": label_of,
            "x": x_value,
            "wrt": wrt,
            "dtype": str(problem.dtype),
            "method": method_name,
            "order": order,
            "label": label,
        }
        for h, v, ae, re, me in zip(steps, values, abs_error, rel_error, model):
            records.append(
                {
                    **base,
                    "kind": "step",
                    "step": float(h),
                    "value": float(v),
                    "reference": reference,
                    "abs_error": float(ae),
                    "rel_error": float(re),
                    "model_error": float(me),
                }
            )
        finite = np.where(np.isfinite(rel_error), rel_error, np.inf)
        best = int(np.argmin(finite))
        records.append(
            {
                **base,
                "kind": "summary",
                "best_step": float(steps[best]),
                "best_error": float(finite[best]),
                "theory_step": float(theory_step),
                "theory_error": float(theory_error),
                "derivative_bound": bound,
                "derivative_order": k,
                "value_bound": value_bound,
                "eps": eps,
                "constants": source,
                "reference": reference,
                "nfev_per_step": _points_per_step(stencil),
            }
        )
    return records


def _points_per_step(stencil: Stencil | str) -> int:
    if isinstance(stencil, str):
        return 2 * RICHARDSON_LEVELS
    return 1 if stencil is COMPLEX_STEP else stencil.points


def _float64_point(problem: Problem) -> Any:
    parts = problem._split(problem.x.astype(np.float64))
    parts = [p[()] if p.ndim == 0 else p for p in parts]
    return tuple(parts) if problem.several else parts[0]


def summaries(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary records of a sweep (one per method)."""
    return [r for r in records if r["kind"] == "summary"]


__all__ = ["DEFAULT_METHODS", "SWEEP_METHODS", "summaries", "sweep"]
