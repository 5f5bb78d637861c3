"""Ties of maximum, minimum and the max reduction: every backend splits them as the ops table
says (CONTRIBUTING, "Conventions at kinks"): 1/2 each for a binary tie, op by op through
nested calls, 1/k each for a k-way tie of one max reduction.

Backends: `expr.reference` (50 digits), autodiff reverse (grad) and forward (jacfwd), and
symdiff's "sympy" and "graph" methods (lambdified), each checked against the exact split.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy

import autodiff
import expr
import symdiff
from expr.sympy_functions import amax

THIRD = 1 / 3

#: name -> (function, point, exact gradient flattened in input order).
CASES: dict[str, tuple[Callable, tuple, list[float]]] = {
    "max 3-way": (lambda x: expr.max(x), (np.array([1.0, 1.0, 1.0]),), [THIRD] * 3),
    "max 2-way of 3": (lambda x: expr.max(x), (np.array([1.0, 0.0, 1.0]),), [0.5, 0.0, 0.5]),
    "min 3-way (max of -x)": (lambda x: -expr.max(-x), (np.array([2.0, 2.0, 2.0]),), [THIRD] * 3),
    "max axis 1, 3-way and 2-way rows": (
        lambda x: expr.sum(expr.max(x, axis=1) ** 2),
        (np.array([[1.0, 1.0, 1.0], [2.0, -1.0, 2.0]]),),
        [2 / 3, 2 / 3, 2 / 3, 2.0, 0.0, 2.0],
    ),
    "max 4-way over a matrix": (
        lambda x: 3.0 * expr.max(x),
        (np.array([[0.5, 0.5], [0.5, 0.5]]),),
        [0.75] * 4,
    ),
    "maximum 2-way": (lambda x, y: expr.maximum(x, y), (1.0, 1.0), [0.5, 0.5]),
    "minimum 2-way": (lambda x, y: expr.minimum(x, y) * 4.0, (1.0, 1.0), [2.0, 2.0]),
    "maximum nested 3-way": (
        lambda x, y, z: expr.maximum(expr.maximum(x, y), z),
        (0.0, 0.0, 0.0),
        [0.25, 0.25, 0.5],
    ),
    "minimum nested 3-way": (
        lambda x, y, z: expr.minimum(x, expr.minimum(y, z)),
        (-1.0, -1.0, -1.0),
        [0.5, 0.25, 0.25],
    ),
    "maximum repeated argument": (
        lambda x, y: expr.maximum(expr.maximum(x, y), y) ** 2,
        (1.5, 1.5),
        [0.75, 2.25],
    ),
    "minimum of maximum": (
        lambda x, y: expr.minimum(expr.maximum(x, y), x),
        (0.0, 0.0),
        [0.75, 0.25],
    ),
    "max reduction of maximum": (
        lambda x, y: expr.max(expr.stack([expr.maximum(x, y), x, y])),
        (1.0, 1.0),
        [0.5, 0.5],
    ),
}


def flat(values: object) -> list[float]:
    parts = values if isinstance(values, (list, tuple)) else [values]
    return [float(v) for part in parts for v in np.ravel(np.asarray(part, dtype=float))]


def gradients(fn: Callable, point: tuple) -> dict[str, list[float]]:
    """The gradient at `point` by every backend, flattened in input order."""
    f = expr.trace(fn, *point)
    argnums = tuple(range(len(point)))
    got = {
        "reference": flat(expr.reference(f, point if len(point) > 1 else point[0])),
        "reverse": flat(autodiff.grad(f, argnums=argnums)(*point)),
        "forward": flat(autodiff.jacfwd(f, argnums=argnums)(*point)),
    }
    variables = symdiff.variables(f)
    inputs = [v for x in point for v in np.ravel(x)]
    for method in symdiff.METHODS:
        compiled = symdiff.lambdify(symdiff.gradient(f, method=method), variables)
        got[f"symdiff {method}"] = flat(compiled(*inputs))
    return got


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_backend_splits_ties_as_the_table_says(name: str) -> None:
    fn, point, exact = CASES[name]
    for backend, got in gradients(fn, point).items():
        assert np.allclose(got, exact, rtol=1e-12, atol=1e-15), (backend, got, exact)


def test_symdiff_keeps_the_tie_split_in_its_sympy_forms() -> None:
    """The SymPy forms differentiate to the convention by themselves: amax splits a k-way
    tie 1/k, maximum/minimum are not flattened (Max(Max(x, y), y) would be Max(x, y))."""
    x, y, z = sympy.symbols("x y z", real=True)
    tie = {x: 1, y: 1, z: 1}
    assert [sympy.diff(amax(x, y, z), s).subs(tie) for s in (x, y, z)] == [sympy.Rational(1, 3)] * 3
    nested = expr.sympy_functions.maximum(expr.sympy_functions.maximum(x, y), y)
    assert nested.args[0] == expr.sympy_functions.maximum(x, y)
    assert [sympy.diff(nested, s).subs(tie) for s in (x, y)] == [
        sympy.Rational(1, 4),
        sympy.Rational(3, 4),
    ]
    assert amax(x) == x and amax(1, 3, 2) == 3


def test_from_sympy_reads_the_tie_forms_back() -> None:
    """amax comes back as one max reduction (1/3 each at a 3-way tie), and SymPy's own
    Max/Min still read as maximum/minimum."""
    x, y, z = sympy.symbols("x y z", real=True)
    f = expr.from_sympy(amax(x, y, 2 * z), [x, y, z])
    assert flat(autodiff.grad(f, argnums=(0, 1, 2))(2.0, 2.0, 1.0)) == pytest.approx(
        [THIRD, THIRD, 2 * THIRD]
    )
    g = expr.from_sympy(sympy.Max(x, y) - sympy.Min(x, z), [x, y, z])
    assert float(g(1.0, 3.0, -2.0)) == 5.0
