"""The public differentiators: derivative, gradient, jacobian, hessian, check_grad.

Every one reduces f to F: R^n -> R^m on flat vectors (`numdiff.problem.Problem`), builds
the perturbed points of the chosen method for all n coordinates, evaluates them (one call
of f when `vectorized=True`) and combines. Methods, in the table `METHODS`:

============  =======================================  ==================  ===============
method        formula                                  error               evaluations
============  =======================================  ==================  ===============
forward       (f(x+h) - f(x)) / h; order=2: 3 points   O(h); O(h^2)        n + 1; 2n + 1
backward      (f(x) - f(x-h)) / h; order=2: 3 points   O(h); O(h^2)        n + 1; 2n + 1
central       (f(x+h) - f(x-h)) / 2h; order 4, 6, 8    O(h^2); O(h^order)  2n; order x n
five_point    the order-4 central stencil (5 points)   O(h^4)              4n
richardson    central at h, h/2, h/4, extrapolated     O(h^6)              6n
complex       Im f(x + ih) / h                         O(h^2), no cancel.  n (complex)
auto          adaptive Richardson + error estimate     ~1e-13 relative     <= 15 n
============  =======================================  ==================  ===============

Also the module doc of `numdiff.adaptive` ("auto", step="estimate") and `numdiff.steps`
(the default step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adaptive import auto_column, estimated_steps
from .errors import MethodError, NumdiffShapeError, StepError
from .problem import Problem
from .richardson import extrapolate
from .stencils import (
    COMPLEX_STEP,
    RICHARDSON_LEVELS,
    RICHARDSON_RATIO,
    SECOND_DERIVATIVE,
    STENCILS,
    Stencil,
)
from .steps import default_step


@dataclass
class Result:
    """A derivative with its bookkeeping (returned by `full_output=True`).

    `value` is shaped like the plain return value; `error` is the error estimate (method
    "auto" only, same shape; None otherwise); `nfev` counts points where f was evaluated,
    `ncalls` the calls of f (fewer when vectorized); `step` the step per input coordinate;
    `order` the accuracy order (for "auto": the lowest order its extrapolations reached).
    """

    value: Any
    error: Any
    nfev: int
    ncalls: int
    step: np.ndarray
    method: str
    order: int


@dataclass(frozen=True)
class _Method:
    """How a method is computed: `jacobian(problem, steps, order)` -> (J (m, n), error|None)."""

    jacobian: Callable[..., tuple[np.ndarray, np.ndarray | None]]
    orders: tuple[int, ...]
    stencil: Callable[[int], Stencil | str]


def _points(problem: Problem, offsets: list[tuple[int, float]], dtype: Any = None) -> np.ndarray:
    """Rows x + delta e_j for each (j, delta); j = -1 means x itself."""
    base = problem.x.astype(dtype) if dtype is not None else problem.x
    points = np.repeat(base[None, :], len(offsets), axis=0)
    for row, (j, delta) in enumerate(offsets):
        if j >= 0:
            points[row, j] += delta
    return points


def _stencil_jacobian(problem: Problem, stencil: Stencil, steps: np.ndarray) -> np.ndarray:
    """J[:, j] = sum_i w_i f(x + o_i h_j e_j) / h_j; f(x) is evaluated once for all j."""
    offsets: list[tuple[int, float]] = []
    index: dict[tuple[int, float], int] = {}
    for j in range(problem.n):
        for o in stencil.offsets:
            key = (-1, 0.0) if o == 0.0 else (j, o)
            if key not in index:
                index[key] = len(offsets)
                offsets.append((key[0], o * steps[j]))
    values = problem(_points(problem, offsets))
    jac = np.zeros((problem.m, problem.n), dtype=values.dtype)
    for j in range(problem.n):
        for o, w in zip(stencil.offsets, stencil.weights):
            jac[:, j] += w * values[index[(-1, 0.0) if o == 0.0 else (j, o)]]
        jac[:, j] /= steps[j]
    return jac


def _forward(problem: Problem, steps: np.ndarray, order: int) -> tuple[np.ndarray, None]:
    return _stencil_jacobian(problem, STENCILS["forward", order], steps), None


def _backward(problem: Problem, steps: np.ndarray, order: int) -> tuple[np.ndarray, None]:
    return _stencil_jacobian(problem, STENCILS["backward", order], steps), None


def _central(problem: Problem, steps: np.ndarray, order: int) -> tuple[np.ndarray, None]:
    return _stencil_jacobian(problem, STENCILS["central", order], steps), None


def _complex(problem: Problem, steps: np.ndarray, order: int) -> tuple[np.ndarray, None]:
    """J[:, j] = Im f(x + i h_j e_j) / h_j."""
    ctype = np.result_type(problem.dtype, np.complex64)
    offsets = [(j, 1j * steps[j]) for j in range(problem.n)]
    values = problem.complex_values(_points(problem, offsets, ctype))
    return (np.imag(values) / steps[:, None]).T.astype(problem.dtype), None


def _richardson(problem: Problem, steps: np.ndarray, order: int) -> tuple[np.ndarray, None]:
    """Central differences at h, h/r, h/r^2 per coordinate, extrapolated (Neville in h^2)."""
    levels = [RICHARDSON_RATIO**-k for k in range(RICHARDSON_LEVELS)]
    offsets = [
        (j, sign * steps[j] * lv) for j in range(problem.n) for lv in levels for sign in (1.0, -1.0)
    ]
    values = problem(_points(problem, offsets))
    jac = np.zeros((problem.m, problem.n), dtype=values.dtype)
    row = 0
    for j in range(problem.n):
        diffs = []
        for lv in levels:
            diffs.append((values[row] - values[row + 1]) / (2.0 * steps[j] * lv))
            row += 2
        jac[:, j] = extrapolate(levels, diffs)
    return jac, None


def _auto(
    problem: Problem, steps: np.ndarray, order: int, max_evals: int = 15
) -> tuple[np.ndarray, np.ndarray, int]:
    columns = []
    for j in range(problem.n):
        column = auto_column(problem, j, max_evals)
        columns.append(column)
        steps[j] = column.step
    jac = np.stack([c.value for c in columns], axis=1).astype(problem.dtype)
    return jac, np.stack([c.error for c in columns], axis=1), min(c.order for c in columns)


METHODS: dict[str, _Method] = {
    "forward": _Method(_forward, (1, 2), lambda order: STENCILS["forward", order]),
    "backward": _Method(_backward, (1, 2), lambda order: STENCILS["backward", order]),
    "central": _Method(_central, (2, 4, 6, 8), lambda order: STENCILS["central", order]),
    "five_point": _Method(_central, (4,), lambda order: STENCILS["central", 4]),
    "richardson": _Method(_richardson, (2 * RICHARDSON_LEVELS,), lambda order: "richardson"),
    "complex": _Method(_complex, (2,), lambda order: COMPLEX_STEP),
    "auto": _Method(_auto, (0,), lambda order: "auto"),
}


def resolve(method: str, order: int | None) -> tuple[_Method, int]:
    """The table row of `method` and the order to use (its default when None)."""
    if not isinstance(method, str) or method not in METHODS:
        raise MethodError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    spec = METHODS[method]
    if order is None:
        return spec, spec.orders[0]
    if order not in spec.orders:
        raise MethodError(f"method {method!r} has orders {spec.orders}, got order={order!r}")
    return spec, order


def _steps(problem: Problem, spec: _Method, order: int, step: Any) -> np.ndarray:
    if isinstance(step, str) and step == "estimate":
        stencil = spec.stencil(order)
        if stencil == "auto" or stencil is COMPLEX_STEP:
            return _steps(problem, spec, order, None)
        return estimated_steps(problem, stencil)
    if step is None:
        stencil = spec.stencil(order)
        if stencil == "auto":
            return np.full(problem.n, np.nan)
        return np.broadcast_to(
            default_step(stencil, problem.x, problem.dtype), (problem.n,)
        ).astype(np.float64)
    try:
        steps = np.broadcast_to(np.asarray(step, dtype=np.float64), (problem.n,)).copy()
    except (ValueError, TypeError):
        raise StepError(
            f"step must be a positive number or one per input coordinate ({problem.n}), "
            f"got {step!r}"
        ) from None
    if not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise StepError(f"step must be positive and finite, got {step!r}")
    return steps


def _run(
    f: Any,
    x: Any,
    method: str,
    step: Any,
    order: int | None,
    vectorized: bool,
    max_evals: int = 15,
) -> tuple[Problem, np.ndarray, np.ndarray | None, np.ndarray, int]:
    spec, order = resolve(method, order)
    problem = Problem.build(f, x, vectorized)
    steps = _steps(problem, spec, order, step)
    if spec.jacobian is _auto:
        jac, err, order = _auto(problem, steps, order, max_evals)
    else:
        jac, err = spec.jacobian(problem, steps, order)
    return problem, jac, err, steps, order


def _result(
    problem: Problem,
    value: Any,
    error: Any,
    steps: np.ndarray,
    method: str,
    order: int,
    full_output: bool,
) -> Any:
    if not full_output:
        return value
    return Result(value, error, problem.nfev, problem.ncalls, steps, method, order)


def jacobian(
    f: Any,
    x: Any,
    method: str = "central",
    step: Any = None,
    order: int | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    max_evals: int = 15,
) -> Any:
    """J = dF/dx by finite differences: shaped out_shape + in_shape (a tuple of such arrays
    when x is a tuple of several inputs), as `expr.reference`.

    Parameters
    ----------
    f : Python callable (black box, numpy), `expr.Function`, formula string or SymPy
        expression. A callable is called as f(x), or f(*x) when x is a tuple/list.
    x : the point (a number, an array, or a tuple/list of them). float32 stays float32.
    method : a name in `METHODS` ("central" by default).
    step : None (the textbook default from theory, ~eps^(1/(p+1)) max(|x|, 1), see
        `numdiff.steps`; no extra evaluations), "estimate" (the model-optimal step with
        |f| and |f^(p+1)| estimated by a short probe, 5-9 extra evaluations per coordinate,
        see `numdiff.adaptive.estimated_steps`; for badly scaled or locally linear f), a
        number, or one per input coordinate. Ignored by "auto".
    order : accuracy order where a method offers several (central: 2, 4, 6, 8).
    full_output : return a `Result` (value, error estimate, nfev, ncalls, step).
    vectorized : f accepts all perturbed points at once, stacked on a new leading axis.
    max_evals : evaluation budget per coordinate of method "auto".

    Cost: n times the evaluations per derivative of the method (table in the module doc).

    >>> J = jacobian(lambda v: np.array([v[0] * v[1], np.sin(v[0])]), np.array([1.0, 2.0]))
    >>> np.round(J, 6).tolist()
    [[2.0, 1.0], [0.540302, 0.0]]
    """
    problem, jac, err, steps, order = _run(f, x, method, step, order, vectorized, max_evals)
    value = problem.unflatten_columns(jac)
    error = None if err is None else problem.unflatten_columns(err)
    return _result(problem, value, error, steps, method, order, full_output)


def derivative(
    f: Any,
    x: Any,
    method: str = "central",
    step: Any = None,
    order: int | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    max_evals: int = 15,
) -> Any:
    """f'(x) for a scalar x (f may be vector valued: the result has f's shape). Parameters
    as `jacobian`. method="auto" reaches ~1e-13 relative with <= 15 evaluations and, with
    `full_output=True`, an error estimate that bounds the true error.

    >>> round(float(derivative(np.exp, 1.0)), 8)
    2.71828183
    >>> r = derivative("exp(x)", 1.0, method="auto", full_output=True)
    >>> bool(abs(r.value - np.e) <= r.error < 1e-11), r.nfev <= 15
    (True, True)
    """
    if isinstance(x, (tuple, list)) or np.ndim(x) != 0:
        raise NumdiffShapeError(
            f"derivative needs a scalar x, got shape {np.shape(x)}; use gradient or jacobian"
        )
    return jacobian(f, x, method, step, order, full_output, vectorized, max_evals)


def gradient(
    f: Any,
    x: Any,
    method: str = "central",
    step: Any = None,
    order: int | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    max_evals: int = 15,
) -> Any:
    """The gradient of a scalar-valued f, shaped like x (a tuple for several inputs).
    Parameters as `jacobian`.

    >>> g = gradient("x1*x2 + sin(x1)", (2.0, 3.0), method="auto")
    >>> [round(float(v), 10) for v in g]
    [2.5838531635, 2.0]
    """
    problem, jac, err, steps, order = _run(f, x, method, step, order, vectorized, max_evals)
    if problem.m != 1:
        raise NumdiffShapeError(
            f"gradient needs a scalar-valued f; it returns shape {problem.out_shape} (use jacobian)"
        )
    problem.out_shape = ()
    value = problem.unflatten_columns(jac)
    error = None if err is None else problem.unflatten_columns(err)
    return _result(problem, value, error, steps, method, order, full_output)


def hessian(
    f: Any,
    x: Any,
    step: Any = None,
    order: int = 2,
    full_output: bool = False,
    vectorized: bool = False,
) -> Any:
    """The N x N Hessian of a scalar f over all inputs flattened (as `expr.reference(order=2)`).

    Diagonal: the central second-difference stencil (order 2 or 4); off-diagonal:
    (f(x+hi+hj) - f(x+hi-hj) - f(x-hi+hj) + f(x-hi-hj)) / (4 hi hj), error O(h^2).
    Default step ~ (eps)^(1/4) max(|x|, 1). Cost 1 + (points - 1) N + 2 N (N - 1).

    >>> np.round(hessian("x*y + x**2", (1.0, 2.0)), 6).tolist()
    [[2.0, 1.0], [1.0, 0.0]]
    """
    if (("central", order)) not in SECOND_DERIVATIVE:
        raise MethodError(f"hessian offers order 2 or 4, got {order!r}")
    stencil = SECOND_DERIVATIVE["central", order]
    problem = Problem.build(f, x, vectorized)
    if step is None:
        steps = np.broadcast_to(default_step(stencil, problem.x, problem.dtype), (problem.n,))
    else:
        steps = _steps(problem, METHODS["central"], 2, step)
    n = problem.n
    offsets: list[tuple[Any, float]] = [(-1, 0.0)]
    for j in range(n):
        offsets += [(j, o * steps[j]) for o in stencil.offsets if o != 0.0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    points = _points(problem, offsets)
    mixed = []
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            point = problem.x.copy()
            point[i] += si * steps[i]
            point[j] += sj * steps[j]
            mixed.append(point)
    if mixed:
        points = np.concatenate([points, np.stack(mixed)])
    values = problem(points)
    if problem.m != 1:
        raise NumdiffShapeError(
            f"hessian needs a scalar-valued f; it returns shape {problem.out_shape}"
        )
    values = values[:, 0]
    hess = np.zeros((n, n), dtype=values.dtype)
    row = 1
    for j in range(n):
        total = 0.0
        for o, w in zip(stencil.offsets, stencil.weights):
            if o == 0.0:
                total += w * values[0]
            else:
                total += w * values[row]
                row += 1
        hess[j, j] = total / steps[j] ** 2
    for i, j in pairs:
        pp, pm, mp, mm = values[row : row + 4]
        hess[i, j] = hess[j, i] = (pp - pm - mp + mm) / (4.0 * steps[i] * steps[j])
        row += 4
    return _result(problem, hess, None, np.asarray(steps), "central", order, full_output)


def check_grad(
    f: Any, grad_fn: Callable[..., Any], x: Any, method: str = "central", step: Any = None
) -> float:
    """||grad_fn(x) - FD gradient of f at x||_2 over all entries, as `scipy.optimize.check_grad`.
    grad_fn is called like f (f(x), or f(*x) for a tuple) and returns the gradient shaped
    like x (a tuple of arrays for several inputs). Cost: one gradient by `method`.

    >>> check_grad(lambda v: np.sum(v**2), lambda v: 2 * v, np.array([1.0, 2.0])) < 1e-6
    True
    """
    numeric = gradient(f, x, method=method, step=step)
    args = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    analytic = grad_fn(*args)
    numeric_flat = np.concatenate(
        [np.ravel(v) for v in (numeric if isinstance(numeric, tuple) else (numeric,))]
    )
    parts = analytic if isinstance(analytic, (tuple, list)) else (analytic,)
    try:
        analytic_flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in parts])
    except (TypeError, ValueError) as error:
        raise NumdiffShapeError(
            f"grad_fn returned something that is not numbers: {error}"
        ) from None
    if analytic_flat.shape != numeric_flat.shape:
        raise NumdiffShapeError(
            f"grad_fn returned {analytic_flat.size} values, x has {numeric_flat.size} entries"
        )
    return float(np.sqrt(np.sum((analytic_flat - numeric_flat) ** 2)))
