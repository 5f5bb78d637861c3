"""The public differentiators: derivative, gradient, jacobian, check_grad (hessian and
hessdiag live in `numdiff.hessians`).

Every one reduces f to F: R^n -> R^m on flat vectors (`numdiff.problem.Problem`), takes
the row of its method from the table `numdiff.methods.METHODS`, runs that row on every
coordinate line (`numdiff.lines.drive`: one batch of points per round, one call of f when
`vectorized=True`) and assembles the columns. Options are keyword-only and are validated
once, here, at the boundary (`plan`); they are declared once, in `numdiff.options`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from expr import checks

from .adaptive import MAX_AUTO_EVALS, Tolerance, check_budget
from .calls import call_user
from .errors import (
    ConvergenceError,
    MethodError,
    NonFiniteError,
    NumdiffError,
    NumdiffShapeError,
    StepError,
)
from .lines import Column, Elementwise, Line, drive
from .methods import METHODS, Method, Plan
from .options import Options, keyword_options
from .probe import estimated_steps
from .problem import Problem, _as_array

__all__ = ["Result", "check_grad", "derivative", "gradient", "jacobian"]


@dataclass
class Result:
    """A derivative with its bookkeeping (returned by `full_output=True`).

    `value` is shaped like the plain return value; `error` the error estimate (method "auto",
    same shape; None otherwise); `converged` whether every extrapolation table of "auto"
    converged (True for fixed stencils); `nfev` counts points where f was evaluated,
    `ncalls` the calls of f (fewer when vectorized); `step` the step per line; `accuracy`
    the accuracy order (for "auto": the lowest its stencils reached); `n` the derivative.
    """

    value: Any
    error: Any
    nfev: int
    ncalls: int
    step: np.ndarray
    method: str
    accuracy: int
    n: int = 1
    converged: bool = True


# ---------------------------------------------------------------- validation at the boundary
def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise NumdiffError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _row(method: Any) -> Method:
    if not isinstance(method, str) or method not in METHODS:
        raise MethodError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return METHODS[method]


def refuse_order(order: Any) -> None:
    """`order=` was ambiguous (derivative order or accuracy order) and is refused."""
    if order is not None:
        raise MethodError(
            f"order= is no longer accepted, because it was ambiguous: for the {order!r}-th "
            f"derivative write n={order!r}; for a formula whose error is O(h^{order!r}) "
            f"write accuracy={order!r}"
        )


def _given_steps(step: Any) -> np.ndarray:
    try:
        steps = np.asarray(step)
    except (TypeError, ValueError):
        steps = np.asarray([], dtype=object)
    if steps.dtype.kind not in "iuf" or steps.ndim > 1 or steps.size == 0:
        raise StepError(
            f"step must be None, 'estimate', a positive number or one per input coordinate, "
            f"got {step!r}"
        )
    steps = steps.astype(np.float64).ravel()
    if not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise StepError(f"step must be positive and finite, got {step!r}")
    return steps


def _step_rule(step: Any, row: Method) -> Callable[[Line, Any], Generator]:
    """The step of each line: the row's default, the probed estimate, or given numbers."""
    if step is None or (not row.probes_step and isinstance(step, str) and step == "estimate"):

        def default(line: Line, rule: Any) -> Generator:
            return float(row.default_step(rule, line.position, line.dtype))
            yield  # pragma: no cover - a generator that needs no evaluation

        return default
    if isinstance(step, str) and step == "estimate":

        def estimate(line: Line, rule: Any) -> Generator:
            return (yield from estimated_steps(line, rule))

        return estimate
    steps = _given_steps(step)

    def given(line: Line, rule: Any) -> Generator:
        if steps.size != 1 and line.index >= steps.size:
            raise StepError(f"step has {steps.size} entries; one per input coordinate is needed")
        return float(steps[0] if steps.size == 1 else steps[line.index])
        yield  # pragma: no cover

    return given


def plan(options: Options, n: Any) -> tuple[Method, Any, Plan]:
    """Validate every option once (and the derivative order n); return (row, formula, plan)."""
    refuse_order(options.order)
    _flag(options.full_output, "full_output")
    row = _row(options.method)
    n = checks.integer(n, "n (the derivative order)", 1, 6, MethodError)
    accuracy = options.accuracy
    if accuracy is not None:
        accuracy = checks.integer(accuracy, "accuracy", 1, 64, MethodError)
    rule = row.rule(n, accuracy)
    max_evals = options.max_evals
    budget = 15 + 6 * ((n - 1) // 2) if max_evals is None else max_evals
    budget = checks.integer(budget, "max_evals", 1, MAX_AUTO_EVALS, StepError)
    if row.formula is None:
        check_budget(n, budget)
    tolerance = Tolerance(
        checks.real(options.atol, "atol", 0.0, error=MethodError),
        checks.real(options.rtol, "rtol", 0.0, error=MethodError),
    )
    step = options.step
    count = 0 if step is None or isinstance(step, str) else _given_steps(step).size
    return row, rule, Plan(n, accuracy, _step_rule(step, row), budget, tolerance, False, count)


def check_step_count(plan_: Plan, lines: int) -> None:
    if plan_.step_count not in (0, 1, lines):
        raise StepError(
            f"step has {plan_.step_count} entries; give one number or one per input "
            f"coordinate ({lines})"
        )


# ---------------------------------------------------------------- assembling results
def _columns(row: Method, rule: Any, plan_: Plan, source: Any, lines: list[Line]) -> list[Column]:
    return drive(source, lines, lambda line: row.run(line, rule, plan_))


def _stack(columns: list[Column], dtype: Any) -> tuple[np.ndarray, np.ndarray | None]:
    jac = np.stack([c.value for c in columns], axis=1).astype(dtype)
    if columns[0].error is None:
        return jac, None
    return jac, np.stack([c.error for c in columns], axis=1)


def refuse_unconverged(columns: list[Column], full_output: bool) -> None:
    """Without full_output a value of "auto" whose table did not converge is an error, never
    a silently wrong number."""
    bad = [k for k, c in enumerate(columns) if not c.converged]
    if bad and not full_output:
        c = columns[bad[0]]
        raise ConvergenceError(
            f"method='auto' did not converge along line {bad[0]}: estimate "
            f"{np.array2string(np.asarray(c.value), precision=6)} with error bound "
            f"{np.array2string(np.asarray(c.error), precision=3)} (the derivative may not "
            "exist there); full_output=True returns it with converged=False"
        )


def _result(
    source: Any, value: Any, error: Any, columns: list[Column], row: Method, plan_: Plan
) -> Result:
    return Result(
        value,
        error,
        source.nfev,
        source.ncalls,
        np.array([c.step for c in columns]),
        row.name,
        min(c.accuracy for c in columns),
        plan_.n,
        all(c.converged for c in columns),
    )


def _problem_columns(
    f: Any, x: Any, options: Options, n: int
) -> tuple[Problem, Method, Plan, list[Column]]:
    row, rule, plan_ = plan(options, n)
    problem = Problem.build(f, x, _flag(options.vectorized, "vectorized"))
    check_step_count(plan_, problem.n)
    columns = _columns(row, rule, plan_, problem, problem.lines())
    refuse_unconverged(columns, options.full_output)
    return problem, row, plan_, columns


def _assembled(problem: Problem, columns: list[Column], row: Method, plan_: Plan, full: bool):
    """The columns as the derivative shaped for the caller (a `Result` when `full`)."""
    jac, err = _stack(columns, problem.dtype)
    value = problem.unflatten_columns(jac)
    if not full:
        return value
    error = None if err is None else problem.unflatten_columns(err)
    return _result(problem, value, error, columns, row, plan_)


@keyword_options
def jacobian(f: Any, x: Any, *, options: Options) -> Any:
    """J = dF/dx by finite differences: shaped out_shape + in_shape (a tuple of such arrays
    when x is a tuple of several inputs), as `expr.reference`.

    Parameters
    ----------
    f : Python callable (black box, numpy), `expr.Function`, formula string or SymPy
        expression. A callable is called as f(x), or f(*x) when x is a tuple/list.
    x : the point (a number, an array, or a tuple/list of them). float32 stays float32.
    method : a row of `numdiff.METHODS` ("central" by default).
    accuracy : the error order p of the formula where a method offers several
        (central: 2, 4, 6, 8; forward/backward: 1..4); default the first.
    step : None (the textbook default from theory, ~eps^(1/(p+1)) max(|x|, 1), see
        `numdiff.steps`; no extra evaluations), "estimate" (the model-optimal step with
        |f| and |f^(p+1)| estimated by a short probe, 5-9 extra evaluations per coordinate),
        a number, or one per input coordinate. Ignored by "auto".
    full_output : return a `Result` (value, error estimate, nfev, ncalls, step, converged).
    vectorized : f accepts all perturbed points at once, stacked on a new leading axis.
    max_evals : evaluation budget per coordinate of method "auto" (default 15).
    atol, rtol : "auto" stops early once error <= atol + rtol |value| (default: never).
    order : refused (ambiguous): use n= for the derivative order, accuracy= for the formula.

    Cost: n times the evaluations per derivative of the method (table in `numdiff.methods`).

    >>> J = jacobian(lambda v: np.array([v[0] * v[1], np.sin(v[0])]), np.array([1.0, 2.0]))
    >>> np.round(J, 6).tolist()
    [[2.0, 1.0], [0.540302, 0.0]]
    """
    problem, row, plan_, columns = _problem_columns(f, x, options, 1)
    return _assembled(problem, columns, row, plan_, options.full_output)


@keyword_options
def derivative(f: Any, x: Any, *, n: int = 1, options: Options) -> Any:
    """f^(n)(x), n = 1..6. For a scalar x, f may be vector valued (the result has f's shape);
    for an array x, f is taken as elementwise and the result is d^n f(x_k) / dx_k^n at each
    point (as scipy.differentiate.derivative), one call of f per round for all points when
    `vectorized=True`. Other parameters as `jacobian`. method="auto" reaches ~1e-13
    relative (n = 1) with <= 15 evaluations and, with `full_output=True`, an error estimate
    that bounds the true error (`converged=False` when its table did not settle).

    >>> round(float(derivative(np.exp, 1.0)), 8)
    2.71828183
    >>> round(float(derivative(np.sin, 0.5, n=2, method="auto")), 10)
    -0.4794255386
    >>> r = derivative("exp(x)", 1.0, method="auto", full_output=True)
    >>> bool(abs(r.value - np.e) <= r.error < 1e-11), r.nfev <= 15
    (True, True)
    >>> np.round(derivative(np.sin, np.array([0.0, np.pi]), vectorized=True), 8).tolist()
    [1.0, -1.0]
    """
    if isinstance(x, (tuple, list)):
        raise NumdiffShapeError(
            f"derivative needs a number or an array of points, got a {type(x).__name__}; for "
            "several inputs use gradient or jacobian"
        )
    if np.ndim(x) != 0:
        return _elementwise(f, x, options, n)
    problem, row, plan_, columns = _problem_columns(f, x, options, n)
    return _assembled(problem, columns, row, plan_, options.full_output)


def _elementwise(f: Any, x: Any, options: Options, n: int) -> Any:
    row, rule, plan_ = plan(options, n)
    xs = _as_array(x, "x")
    if xs.dtype.kind == "c":
        raise NumdiffShapeError("x must be real; the complex step adds i h itself")
    if xs.size == 0:
        raise NumdiffShapeError("x has no points to differentiate at")
    if not np.all(np.isfinite(xs)):
        raise NonFiniteError("x has points that are not finite (nan or inf)")
    if xs.dtype.kind != "f" or xs.dtype.itemsize < 4:
        xs = xs.astype(np.float64)
    fn = Problem.build(f, xs.ravel()[0]).fn  # the same ways in: Function, formula, callable
    source = Elementwise(fn, xs.ravel(), _flag(options.vectorized, "vectorized"))
    check_step_count(plan_, xs.size)
    columns = _columns(row, rule, plan_, source, source.lines())
    refuse_unconverged(columns, options.full_output)
    value = np.array([c.value[0] for c in columns], dtype=xs.dtype).reshape(xs.shape)
    if not options.full_output:
        return value
    error = None
    if columns[0].error is not None:
        error = np.array([c.error[0] for c in columns]).reshape(xs.shape)
    return _result(source, value, error, columns, row, plan_)


@keyword_options
def gradient(f: Any, x: Any, *, options: Options) -> Any:
    """The gradient of a scalar-valued f, shaped like x (a tuple for several inputs).
    Parameters as `jacobian`.

    >>> g = gradient("x1*x2 + sin(x1)", (2.0, 3.0), method="auto")
    >>> [round(float(v), 10) for v in g]
    [2.5838531635, 2.0]
    """
    problem, row, plan_, columns = _problem_columns(f, x, options, 1)
    if problem.m != 1:
        raise NumdiffShapeError(
            f"gradient needs a scalar-valued f; it returns shape {problem.out_shape} (use jacobian)"
        )
    problem.out_shape = ()
    return _assembled(problem, columns, row, plan_, options.full_output)


def check_grad(
    f: Any, grad_fn: Callable[..., Any], x: Any, *, method: str = "central", step: Any = None
) -> float:
    """||grad_fn(x) - FD gradient of f at x||_2 over all entries, as `scipy.optimize.check_grad`.
    grad_fn is called like f (f(x), or f(*x) for a tuple) and returns the gradient shaped
    like x (a tuple of arrays for several inputs). Cost: one gradient by `method`.

    >>> check_grad(lambda v: np.sum(v**2), lambda v: 2 * v, np.array([1.0, 2.0])) < 1e-6
    True
    """
    if not callable(grad_fn):
        raise NumdiffError(f"grad_fn must be callable, got {type(grad_fn).__name__}")
    numeric = gradient(f, x, method=method, step=step)
    args = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    analytic = call_user(grad_fn, args, x)
    if analytic is None:
        raise NumdiffShapeError("grad_fn returned None; it must return the gradient shaped like x")
    numeric_flat = np.concatenate(
        [np.ravel(v) for v in (numeric if isinstance(numeric, tuple) else (numeric,))]
    )
    parts = analytic if isinstance(analytic, (tuple, list)) else (analytic,)
    try:
        arrays = [np.asarray(v) for v in parts]
        if any(a.dtype.kind not in "fiub" for a in arrays):
            kinds = sorted({str(a.dtype) for a in arrays})
            raise TypeError(f"dtype {', '.join(kinds)}; real numbers are needed")
        analytic_flat = np.concatenate([np.ravel(a.astype(float)) for a in arrays])
    except (TypeError, ValueError) as error:
        raise NumdiffShapeError(
            f"grad_fn returned {type(analytic).__name__}, not numbers: {error}"
        ) from None
    if analytic_flat.shape != numeric_flat.shape:
        raise NumdiffShapeError(
            f"grad_fn returned {analytic_flat.size} values, x has {numeric_flat.size} entries"
        )
    if not np.all(np.isfinite(analytic_flat)):
        raise NumdiffShapeError("grad_fn returned a gradient that is not finite (nan or inf)")
    return float(np.sqrt(np.sum((analytic_flat - numeric_flat) ** 2)))
