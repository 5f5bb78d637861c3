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

import numpy as np

import expr

from .adaptive import Tolerance
from .errors import MethodError, NumdiffError, StepError
from .lines import drive
from .methods import METHODS, Plan
from .problem import Problem
from .stencils import STENCILS
from .steps import machine_epsilon, model_error, optimal_step, scale

DEFAULT_METHODS = ("forward", "central", "five_point", "richardson", "complex")

# Sweep method names -> (row of numdiff.METHODS, accuracy): fixed-step methods only ("auto"
# chooses its own step).
SWEEP_METHODS: dict[str, tuple[str, int]] = {
    "forward": ("forward", 1),
    "backward": ("backward", 1),
    "central": ("central", 2),
    "five_point": ("five_point", 4),
    "central6": ("central", 6),
    "central8": ("central", 8),
    "richardson": ("richardson", 6),
    "complex": ("complex", 2),
}


def _resolve(method: Any, n: int) -> tuple[str, str, Any]:
    """(label, row name, formula) of a sweep method: a name in SWEEP_METHODS or a
    (method, accuracy) row of STENCILS."""
    if isinstance(method, tuple) and len(method) == 2:
        key = (str(method[0]), n, method[1])
        if key not in STENCILS:
            raise NumdiffError(
                f"no stencil {method!r} for n={n}; the table has (method, accuracy) pairs "
                f"{sorted({(k[0], k[2]) for k in STENCILS})}"
            )
        return f"{key[0]}{key[2]}", key[0], STENCILS[key]
    if not isinstance(method, str) or method not in SWEEP_METHODS:
        raise NumdiffError(
            f"unknown sweep method {method!r}; choose from {', '.join(SWEEP_METHODS)} or "
            "give a (method, accuracy) row of numdiff.STENCILS"
        )
    name, accuracy = SWEEP_METHODS[method]
    try:
        rule = METHODS[name].rule(n, accuracy)
    except MethodError as error:
        raise NumdiffError(f"sweep method {method!r}: {error}") from None
    return method, name, rule


def _values(problem: Problem, j: int, name: str, rule: Any, steps: np.ndarray, n: int):
    """The method's estimate at every step (nan where f is not finite), through the row's
    own computation: one line per step, all in one batch."""
    row = METHODS[name]

    def given(line, formula):
        return float(steps[line.index])
        yield  # pragma: no cover

    plan = Plan(n, None, given, 0, Tolerance(), measure=True)
    direction = np.eye(problem.n)[j]
    lines = [problem.line(direction, k) for k in range(steps.size)]
    with np.errstate(all="ignore"):
        columns = drive(problem, lines, lambda line: row.run(line, rule, plan))
    return np.array([float(np.real(c.value[0])) for c in columns])


def _mpmath_derivative(
    problem: Problem, j: int, k: int, max_ops: int, digits: int = 50, signed: bool = False
) -> float | None:
    """|d^k f / dx_j^k| (signed with `signed`) at x in 50-digit mpmath, or None when f is a
    black box.

    f (`Function.to_sympy()`) is lambdified to mpmath without differentiating it (no
    expression swell) and `mpmath.diff` differentiates numerically at `digits` digits of
    working precision, far beyond what the model needs."""
    import mpmath
    import sympy

    f = problem.function
    if f is None or problem.m != 1 or any(s != () for s in problem.shapes):
        return None
    if f.size() > max_ops:  # the SymPy tree of a DAG can grow exponentially with depth
        return None
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
        value = float(mpmath.re(value))
        return value if signed else abs(value)


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


def _sweep_steps(steps: Any) -> np.ndarray:
    steps = np.logspace(-16, 0, 129) if steps is None else steps
    if isinstance(steps, str):
        raise StepError(f"sweep: steps must be an array of positive numbers, got {steps!r}")
    try:
        array = np.asarray(steps)
    except (TypeError, ValueError):
        array = np.asarray([], dtype=object)
    if array.dtype.kind not in "iuf":
        raise StepError(f"sweep: steps must be real positive numbers, got {steps!r}")
    array = array.astype(np.float64).ravel()
    if array.size == 0 or not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise StepError("sweep: steps must be a non-empty array of positive finite numbers")
    if array.size > 100_000:
        raise StepError(f"sweep: at most 100000 steps, got {array.size}")
    return array


def _reference(problem: Problem, wrt: int, n: int, reference: Any, max_ops: int) -> float:
    """The exact n-th derivative along wrt: given, or expr.reference (n = 1), or 50-digit
    mpmath (n >= 2); refused when it is not a finite number."""
    if reference is None:
        if problem.function is None:
            raise NumdiffError(
                "sweep: give reference= (the exact derivative) for a black-box callable; "
                "for expr.Function, strings and SymPy it is computed with expr.reference"
            )
        if n == 1:
            exact = expr.reference(problem.function, _float64_point(problem))
            parts = exact if isinstance(exact, tuple) else (exact,)
            reference = np.concatenate([np.ravel(np.asarray(e, dtype=float)) for e in parts])[wrt]
        else:
            reference = _mpmath_derivative(problem, wrt, n, 10**9, signed=True)
            if reference is None:
                raise NumdiffError(f"sweep: give reference= for the derivative n={n} of this f")
    if isinstance(reference, (str, bytes, bool)) or not np.isscalar(reference):
        raise NumdiffError(f"sweep: reference must be a number, got {reference!r}")
    try:
        value = float(reference)
    except (TypeError, ValueError):
        raise NumdiffError(f"sweep: reference must be a real number, got {reference!r}") from None
    if not math.isfinite(value):
        raise NumdiffError(f"sweep: reference must be finite, got {reference!r}")
    return value


def _sweep_problem(
    f: Any, x: Any, methods: Any, dtype: Any, wrt: Any, n: Any
) -> tuple[Problem, float]:
    """Validate the sweep's arguments; the problem (in `dtype`) and |f(x)|."""
    if isinstance(methods, str) or not isinstance(methods, (list, tuple)):
        raise NumdiffError(
            f"sweep: methods must be a list of method names, got {methods!r} "
            f"(for one method write methods=[{methods!r}])"
        )
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 6:
        raise NumdiffError(f"sweep: n must be an integer in [1, 6], got {n!r}")
    several = isinstance(x, (tuple, list))
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise NumdiffError(f"sweep: dtype must be a float dtype, got {dtype!r}") from None
        x = type(x)(np.asarray(v, dtype=dtype) for v in x) if several else np.asarray(x, dtype)
    problem = Problem.build(f, x)
    value_bound = abs(float(np.asarray(problem.center_value()[0], dtype=np.float64)))
    if problem.m != 1:
        raise NumdiffError(f"sweep needs a scalar-valued f; it returns {problem.out_shape}")
    if isinstance(wrt, bool) or not isinstance(wrt, int) or not 0 <= wrt < problem.n:
        raise NumdiffError(f"wrt={wrt!r} is not a coordinate of x (it has {problem.n})")
    return problem, value_bound


def sweep(
    f: Any,
    x: Any,
    *,
    steps: Sequence[float] | np.ndarray | None = None,
    methods: Sequence[str | tuple[str, int]] = DEFAULT_METHODS,
    reference: float | None = None,
    dtype: Any = None,
    wrt: int = 0,
    name: str | None = None,
    model_max_ops: int = 24,
    n: int = 1,
) -> list[dict[str, Any]]:
    """Error of each method at each step (module docstring for the records and the model).

    Parameters
    ----------
    f, x : as for `numdiff.derivative` (f scalar-valued; x a number or a tuple of inputs).
    steps : the steps h (positive; default np.logspace(-16, 0, 129)).
    methods : a list of names in `SWEEP_METHODS` or (method, accuracy) rows of `STENCILS`.
    reference : the exact f^(n)(x); by default `expr.reference(f, x)` (n = 1) or 50-digit
        mpmath (n >= 2), which need f in a form `expr` reads (a black box needs `reference=`).
    dtype : evaluate in this float dtype (np.float32 for the single-precision V-curves);
        default the dtype of x. wrt : the flat input coordinate to differentiate along.
    name : the "function" field of the records (default: f's name or text).
    model_max_ops : graphs with more ops than this get the model constant M by differences
        instead of 50-digit mpmath (the SymPy tree of a deep DAG grows exponentially).
    n : the derivative order (1..6): the model is |c| M h^p + eps F W / h^n, M = |f^(n+p)|.

    Cost: sum over methods of (points per step) x len(steps) evaluations, plus the model
    constants (one SymPy derivative or a few evaluations per method).
    """
    steps = _sweep_steps(steps)
    if isinstance(model_max_ops, bool) or not isinstance(model_max_ops, int) or model_max_ops < 0:
        raise NumdiffError(f"sweep: model_max_ops must be an integer >= 0, got {model_max_ops!r}")
    if name is not None and not isinstance(name, str):
        raise NumdiffError(f"sweep: name must be a string or None, got {name!r}")
    problem, value_bound = _sweep_problem(f, x, methods, dtype, wrt, n)
    reference = _reference(problem, wrt, n, reference, model_max_ops)
    records: list[dict[str, Any]] = []
    for method in methods:
        label, method_name, rule = _resolve(method, n)
        values = _values(problem, wrt, method_name, rule, steps, n)
        base = {
            "function": _name(f, name),
            "x": float(problem.x[wrt]),
            "wrt": wrt,
            "dtype": str(problem.dtype),
            "method": method_name,
            "n": n,
            "order": rule.accuracy,
            "label": label,
        }
        bound, source = _model(problem, wrt, rule, model_max_ops)
        rows = _records(problem, rule, steps, values, reference, value_bound, bound, base)
        rows[-1]["constants"] = source
        records += rows
    return records


def _model(problem: Problem, wrt: int, rule: Any, max_ops: int) -> tuple[float, str]:
    """M = |f^(n+p)(x)| along wrt: 50-digit mpmath, or differences for a black box."""
    k = rule.derivative + rule.accuracy
    bound = _mpmath_derivative(problem, wrt, k, max_ops)
    if bound is None:
        return _fd_derivative(problem, wrt, k), "finite difference"
    return bound, "mpmath"


def _records(
    problem: Problem,
    rule: Any,
    steps: np.ndarray,
    values: np.ndarray,
    reference: float,
    value_bound: float,
    bound: float,
    base: dict,
) -> list[dict[str, Any]]:
    """The step records and the summary of one method (module docstring)."""
    eps = machine_epsilon(problem.dtype)
    scale_ref = abs(reference) if reference != 0 else 1.0
    with np.errstate(all="ignore"):
        abs_error = np.abs(values - reference)
    rel_error = abs_error / scale_ref
    model = model_error(rule, steps, bound, value_bound, eps) / scale_ref + rule.rounding * eps
    theory_step, theory_error = optimal_step(rule, bound, value_bound, eps)
    theory_error = theory_error / scale_ref + rule.rounding * eps
    if rule.roundoff_weight == 0:  # no cancellation: the largest step below the floor
        floor = rule.rounding * eps * scale_ref
        with np.errstate(divide="ignore"):
            truncation = abs(rule.error_constant) * bound
            theory_step = (floor / truncation) ** (1.0 / rule.accuracy) if truncation else np.inf
    rows = [
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
        for h, v, ae, re, me in zip(steps, values, abs_error, rel_error, model)
    ]
    finite = np.where(np.isfinite(rel_error), rel_error, np.inf)
    best = int(np.argmin(finite))
    rows.append(
        {
            **base,
            "kind": "summary",
            "best_step": float(steps[best]),
            "best_error": float(finite[best]),
            "theory_step": float(theory_step),
            "theory_error": float(theory_error),
            "derivative_bound": bound,
            "derivative_order": rule.derivative + rule.accuracy,
            "value_bound": value_bound,
            "eps": eps,
            "reference": reference,
            "nfev_per_step": rule.points,
        }
    )
    return rows


def _float64_point(problem: Problem) -> Any:
    parts = problem._split(problem.x.astype(np.float64))
    parts = [p[()] if p.ndim == 0 else p for p in parts]
    return tuple(parts) if problem.several else parts[0]


def summaries(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary records of a sweep (one per method)."""
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence):
        raise NumdiffError(f"summaries needs the list of records of sweep, got {records!r}")
    if not all(isinstance(r, dict) and "kind" in r for r in records):
        raise NumdiffError("summaries needs the records of sweep (dicts with a 'kind' field)")
    return [r for r in records if r["kind"] == "summary"]


__all__ = ["DEFAULT_METHODS", "SWEEP_METHODS", "summaries", "sweep"]
