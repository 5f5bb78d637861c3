"""The formula table, Richardson extrapolation and the default steps of numdiff."""

from __future__ import annotations

from fractions import Fraction
from math import factorial

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from numdiff import stencils
from numdiff.richardson import extrapolate, tableau, weights
from numdiff.stencils import STENCILS
from numdiff.steps import default_step, machine_epsilon, optimal_step, power_of_two

ALL = list(STENCILS.values())
FIRST = {(k[0], k[2]): s for k, s in STENCILS.items() if k[1] == 1 and k[0] != "richardson"}


@pytest.mark.parametrize("stencil", ALL, ids=lambda s: f"{s.method}-n{s.derivative}-p{s.accuracy}")
def test_weights_and_error_constant_rederived_from_taylor(stencil):
    """Every row of the computed table against an independent Vandermonde solve (SymPy)."""
    offsets = list(stencil.exact_offsets)
    d, p = stencil.derivative, stencil.accuracy
    # sum_i w_i o_i^k / k! = [k == d] for k < p + d: the stencil is exact to that degree
    moment = [
        sum(w * o**k for w, o in zip(stencil.exact_weights, offsets)) / factorial(k)
        for k in range(p + d + 1)
    ]
    assert moment[:d] == [0] * d and moment[d] == 1
    assert all(m == 0 for m in moment[d + 1 : p + d])
    assert float(moment[p + d]) == pytest.approx(stencil.error_constant, rel=1e-15)
    if len(offsets) > d + p + 1:  # richardson n >= 5: more points than its accuracy needs
        return
    # the weights are the unique solution of the Vandermonde system
    n = len(offsets)
    system = sympy.Matrix(n, n, lambda k, i: sympy.Rational(offsets[i]) ** k)
    rhs = sympy.Matrix([factorial(d) if k == d else 0 for k in range(n)])
    solved = system.LUsolve(rhs)
    assert [sympy.Rational(w) for w in stencil.exact_weights] == list(solved)


@pytest.mark.parametrize("key", [k for k in STENCILS if k[1] <= 3])
def test_measured_order_matches_table(key):
    stencil = STENCILS[key]
    p, n = stencil.accuracy, stencil.derivative
    slopes = []
    for h in (1e-3 ** (1 / n), 1e-2, 0.05, 0.1, 0.2, 0.4):  # the asymptotic range moves with n, p
        errors = [abs(stencils.apply(stencil, np.exp, 0.3, s) - np.exp(0.3)) for s in (h, h / 2)]
        slopes.append(np.log2(errors[0] / errors[1]))
    assert min(abs(s - p) for s in slopes) < 0.2, slopes


def test_fornberg_reproduces_textbook_rows_and_refuses_too_few_points():
    from numdiff import MethodError, fornberg

    assert [str(w) for w in fornberg([Fraction(k) for k in range(-2, 3)], 4)] == [
        "1",
        "-4",
        "6",
        "-4",
        "1",
    ]
    with pytest.raises(MethodError, match="distinct offsets"):
        fornberg([Fraction(0), Fraction(1)], 2)


def test_the_complex_step_function():
    assert stencils.complex_step(np.sin, 0.7, 1e-30) == pytest.approx(np.cos(0.7), rel=1e-15)


def test_richardson_weights_sum_to_one_and_tableau_agrees():
    steps = [0.4, 0.2, 0.1, 0.05]
    c = weights(steps)
    assert c.sum() == pytest.approx(1.0, abs=1e-14)
    values = [np.sin(1 + h) - np.sin(1 - h) for h in steps]
    values = [v / (2 * h) for v, h in zip(values, steps)]
    assert float(tableau(steps, values)[-1][-1]) == pytest.approx(
        float(extrapolate(steps, values)), abs=1e-15
    )
    assert float(extrapolate(steps, values)) == pytest.approx(np.cos(1.0), abs=1e-12)


def test_default_steps_follow_theory_and_dtype():
    eps64, eps32 = machine_epsilon(np.float64), machine_epsilon(np.float32)
    assert eps32 == np.finfo(np.float32).eps
    for key, exponent in [
        (("forward", 1), 1 / 2),
        (("central", 2), 1 / 3),
        (("central", 4), 1 / 5),
    ]:
        h64 = float(default_step(FIRST[key], 1.0, np.float64))
        h32 = float(default_step(FIRST[key], 1.0, np.float32))
        assert h64 == float(power_of_two(h64))
        assert 0.1 < h64 / eps64**exponent < 10.0
        assert 0.1 < h32 / eps32**exponent < 10.0
        # scaled by max(|x|, 1)
        assert float(default_step(FIRST[key], 1000.0)) / h64 == pytest.approx(1024, rel=0.5)
        assert float(default_step(FIRST[key], 1e-3)) == h64


def test_optimal_step_balances_the_two_terms():
    stencil = STENCILS["central", 1, 2]
    h, err = optimal_step(stencil, derivative_bound=1.0, value_bound=1.0, eps=2.0**-52)
    # d/dh (c M h^2 + eps F W / h) = 0  <=>  2 c M h^3 = eps F W
    assert 2 * (1 / 6) * h**3 == pytest.approx(2.0**-52, rel=1e-12)
    assert err == pytest.approx((1 / 6) * h**2 + 2.0**-52 / h, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    coefficients=st.lists(st.floats(-2, 2), min_size=1, max_size=8),
    x=st.floats(-1.5, 1.5),
)
def test_stencils_are_exact_on_polynomials_of_their_degree(coefficients, x):
    """A first-derivative stencil of order p is exact (up to round-off) on polynomials of
    degree <= p; checked at a large step, where round-off is small."""
    poly = np.polynomial.Polynomial(coefficients)
    exact = poly.deriv()(x)
    size = 1 + float(np.sum(np.abs(coefficients))) * 4 ** len(coefficients)
    for (method, order), stencil in FIRST.items():
        if len(coefficients) - 1 <= order:
            value = stencils.apply(stencil, poly, x, 0.5)
            assert abs(value - exact) <= 1e-13 * size, (method, order)
