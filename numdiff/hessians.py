"""Second derivatives of a scalar f: the Hessian diagonal (`hessdiag`) and the full Hessian
(`hessian`), by the central second-difference stencils or adaptively (method="auto").

method="central": H_jj by the central stencil for n = 2 (accuracy 2 or 4) at step h_j,
H_ij = (f(x+hi+hj) - f(x+hi-hj) - f(x-hi+hj) + f(x-hi-hj)) / (4 hi hj), error O(h^2);
default step ~ eps^(1/4) max(|x|, 1) (step="estimate": the model-optimal step for the
second-derivative stencil, from a probe of f^(4)). Cost 1 + (points - 1) N + 2 N (N - 1).

method="auto": H_jj = the adaptive second derivative along e_j (`numdiff.adaptive`), and
H_ij = (D_ij - H_ii - H_jj) / 2 with D_ij the adaptive second derivative along e_i + e_j
(= H_ii + 2 H_ij + H_jj); each entry gets an error estimate (the errors of the three
terms, halved for H_ij: the estimate of a sum bounds by the sum of the bounds). Cost
<= max_evals (default 15) per line, N (N + 1) / 2 lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .api import _flag, _result, check_step_count, plan, refuse_unconverged
from .errors import MethodError, NumdiffShapeError
from .lines import Column, drive
from .options import Options, keyword_options
from .problem import Problem

SECOND_METHODS = ("central", "auto")  # rows of numdiff.METHODS offering Hessians


def _setup(f: Any, x: Any, options: Options):
    method = options.method
    if not isinstance(method, str) or method not in SECOND_METHODS:
        raise MethodError(
            f"second derivatives offer method 'central' or 'auto', got method={method!r}"
        )
    row, rule, plan_ = plan(options, 2)
    problem = Problem.build(f, x, _flag(options.vectorized, "vectorized"))
    check_step_count(plan_, problem.n)
    value = problem.center_value()
    if problem.m != 1:
        raise NumdiffShapeError(
            f"second derivatives need a scalar-valued f; it returns shape {problem.out_shape}"
        )
    del value
    return row, rule, plan_, problem


def _diagonal(row, rule, plan_, problem):
    columns = drive(problem, problem.lines(), lambda line: row.run(line, rule, plan_))
    values = np.array([float(c.value[0]) for c in columns])
    errors = None if columns[0].error is None else np.array([float(c.error[0]) for c in columns])
    return columns, values, errors


def _shaped(problem: Problem, flat: np.ndarray) -> Any:
    parts = problem._split(flat.astype(problem.dtype))
    parts = [p[()] if p.ndim == 0 else p for p in parts]
    return tuple(parts) if problem.several else parts[0]


@keyword_options
def hessdiag(f: Any, x: Any, *, options: Options) -> Any:
    """d^2 f / dx_j^2 for every input coordinate, shaped like x (a tuple for several inputs),
    as numdifftools.Hessdiag. Options as `hessian`. Cost: one second derivative per
    coordinate (3 points for central, f(x) shared; <= max_evals for auto).

    >>> [round(float(v), 8) for v in hessdiag("x**3 * y + y**2", (1.0, 2.0))]
    [12.0, 2.0]
    """
    row, rule, plan_, problem = _setup(f, x, options)
    full_output = options.full_output
    columns, values, errors = _diagonal(row, rule, plan_, problem)
    refuse_unconverged(columns, full_output)
    value = _shaped(problem, values)
    if not full_output:
        return value
    error = None if errors is None else _shaped(problem, errors)
    return _result(problem, value, error, columns, row, plan_)


@keyword_options
def hessian(f: Any, x: Any, *, options: Options) -> Any:
    """The N x N Hessian of a scalar f over all inputs flattened (as `expr.reference(order=2)`),
    by method "central" (accuracy 2 or 4) or "auto" (adaptive, with a per-entry error
    estimate in `Result.error` when `full_output=True`). See the module docstring.

    >>> np.round(hessian("x*y + x**2", (1.0, 2.0)), 6).tolist()
    [[2.0, 1.0], [1.0, 0.0]]
    >>> r = hessian("x*y + exp(x)", (1.0, 2.0), method="auto", full_output=True)
    >>> bool(np.all(np.abs(r.value - [[np.e, 1.0], [1.0, 0.0]]) <= r.error))
    True
    """
    row, rule, plan_, problem = _setup(f, x, options)
    full_output = options.full_output
    columns, diagonal, diagonal_error = _diagonal(row, rule, plan_, problem)
    steps = np.array([c.step for c in columns])
    pairs = [(i, j) for i in range(problem.n) for j in range(i + 1, problem.n)]
    error = None if diagonal_error is None else np.diag(diagonal_error)
    filling = _Filling(problem, row, rule, plan_, steps, np.diag(diagonal), error)
    mixed = MIXED[row.name](filling, pairs) if pairs else []
    refuse_unconverged(columns + mixed, full_output)
    hess = filling.hess.astype(problem.dtype)
    if not full_output:
        return hess
    result = _result(problem, hess, error, columns, row, plan_)
    result.converged = all(c.converged for c in columns + mixed)
    return result


@dataclass
class _Filling:
    """A Hessian being filled in: the problem, the method's row, formula and plan, the steps
    of the diagonal; the matrix and its error estimate (None for fixed stencils)."""

    problem: Problem
    row: Any
    rule: Any
    plan: Any
    steps: np.ndarray
    hess: np.ndarray
    error: np.ndarray | None


def _mixed_auto(h: _Filling, pairs: list) -> list[Column]:
    """H_ij = (D_ij - H_ii - H_jj) / 2 from the adaptive second derivative along e_i + e_j,
    its error the sum of the three bounds halved; fills hess and error in place."""
    lines = []
    for k, (i, j) in enumerate(pairs):
        u = np.zeros(h.problem.n)
        u[i] = u[j] = 1.0
        lines.append(h.problem.line(u, k))
    mixed = drive(h.problem, lines, lambda line: h.row.run(line, h.rule, h.plan))
    hess, error = h.hess, h.error
    for (i, j), c in zip(pairs, mixed):
        hess[i, j] = hess[j, i] = (float(c.value[0]) - hess[i, i] - hess[j, j]) / 2.0
        error[i, j] = error[j, i] = (float(c.error[0]) + error[i, i] + error[j, j]) / 2.0
    return mixed


def _mixed_central(h: _Filling, pairs: list) -> list[Column]:
    """The 4-point product rule for every pair (i, j), one batch of 4 N (N - 1) / 2 points
    at the diagonal's steps; fills hess in place (no error estimate)."""
    points, steps = [], h.steps
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            point = h.problem.x.copy()
            point[i] += si * steps[i]
            point[j] += sj * steps[j]
            points.append(point)
    values = h.problem(np.stack(points))[:, 0]
    for k, (i, j) in enumerate(pairs):
        pp, pm, mp, mm = values[4 * k : 4 * k + 4]
        h.hess[i, j] = h.hess[j, i] = (pp - pm - mp + mm) / (4.0 * steps[i] * steps[j])
    return []


# The off-diagonal entries of each second-derivative method (a row name of SECOND_METHODS).
MIXED = {"central": _mixed_central, "auto": _mixed_auto}
