"""`autodiff.Dual` through every op of `expr.OPS` (the cases of the rule table's tests, so
an op added to the table with its test case is covered here too), against forward mode."""

from __future__ import annotations

import numpy as np
import pytest
from test_autodiff_rules import CASES, case_function

import autodiff
import expr
from autodiff import Dual

RNG = np.random.default_rng(11)


def test_the_cases_cover_every_op():
    builtin = {name for name, op in expr.OPS.items() if getattr(op, "builtin", True)}
    assert builtin - {c[0] for c in CASES} <= {"polygamma"}  # its order: below


def test_dual_of_polygamma_differentiates_the_argument_not_the_order():
    import scipy.special

    x = np.array([0.5, 1.5, 3.0])
    d = expr.polygamma(1.0, Dual(x, 1.0))
    np.testing.assert_allclose(d.tangent, scipy.special.polygamma(2, x), rtol=1e-14)


@pytest.mark.parametrize("name,attrs,makers", CASES, ids=[c[0] for c in CASES])
def test_dual_matches_forward_mode_for_every_op(name, attrs, makers):
    inputs = [m() for m in makers]
    tangents = [RNG.standard_normal(np.shape(x)) for x in inputs]
    d = expr.apply(name, *[Dual(x, t) for x, t in zip(inputs, tangents)], **attrs)
    out, jv = autodiff.jvp(case_function(name, attrs, inputs), inputs, tangents)
    assert isinstance(d, Dual)
    np.testing.assert_allclose(d.primal, out, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(d.tangent, jv, rtol=1e-14, atol=1e-14)
    assert np.shape(d.tangent) == np.shape(d.primal)


def test_dual_through_the_functions_users_reach_for():
    x, w = np.array([0.2, -0.4, 1.0]), np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.1]])
    v = np.array([1.0, 0.0, -2.0])

    def f(x):
        h = expr.sigmoid(x @ w)
        return expr.logsumexp(h) + expr.sum(np.sin(x)) + np.sum(x[1:] ** 2.0) + expr.max(x)

    d = f(Dual(x, v))
    _, jv = autodiff.jvp(f, (x,), (v,))
    assert d.primal == pytest.approx(float(f(x)), rel=1e-15)
    assert d.tangent == pytest.approx(float(jv), rel=1e-14)


def test_duals_of_duals_give_second_derivatives():
    x = Dual(Dual(0.7, 1.0), Dual(1.0, 0.0))
    y = expr.exp(x) * expr.sin(x)
    assert y.tangent.tangent == pytest.approx(2 * np.exp(0.7) * np.cos(0.7), rel=1e-14)
