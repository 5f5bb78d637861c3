"""Derivatives of order n = 1..6, the Hessian diagonal and the adaptive Hessian, the domain
behaviour of method="auto", its tolerances, and the V-curve theory for every n, each judged
against an independent reference (mpmath at 50 digits, or expr.reference)."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import expr
import numdiff
from expr import catalog

ONE_INPUT = [e for e in catalog.entries(scalar=True, smooth=True) if len(e.inputs()) == 1]


def exact(f: expr.Function, x: float, n: int) -> float:
    """d^n f / dx^n at x: f's SymPy expression lambdified to mpmath (no symbolic
    derivative, so no expression swell) and differentiated by mpmath at 50 digits."""
    e = f.to_sympy()
    (symbol,) = e.free_symbols
    fn = sympy.lambdify(symbol, e, "mpmath")
    with mpmath.workdps(50):
        return float(mpmath.diff(fn, mpmath.mpf(x), n))


@pytest.mark.parametrize("entry", ONE_INPUT, ids=lambda e: e.name)
@pytest.mark.parametrize("n", [2, 3, 4])
def test_auto_of_order_n_on_the_catalog(entry, n):
    """The error estimate bounds the true error; the accuracy is ~eps^(1 - n/(n+p))."""
    f, (x,) = entry.function(), entry.inputs()
    ref = exact(f, x, n)
    r = numdiff.derivative(f, x, n=n, method="auto", full_output=True)
    true = abs(float(r.value) - ref)
    assert true <= float(r.error), (true, r.error)
    scale = max(abs(ref), 1e-3 * max(abs(exact(f, x, k)) for k in range(n + 1)))
    assert true <= {2: 1e-9, 3: 1e-7, 4: 1e-5}[n] * scale
    assert r.converged and r.nfev <= 21


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("method", ["central", "forward", "backward", "richardson", "auto"])
def test_every_method_gives_order_n(n, method):
    """Default steps for every (method, n); one-sided rows at their highest accuracy (the
    first-order one-sided formula for n = 6 cannot beat ~20% in float64: eps / h^6)."""
    accuracy = 4 if method in ("forward", "backward") else None
    r = numdiff.derivative(np.exp, 0.5, n=n, method=method, accuracy=accuracy, full_output=True)
    tolerance = {"auto": 1e-4, "richardson": 1e-3, "central": 1e-2}.get(method, 0.1)
    if method == "central" and n >= 5:
        tolerance = 5e-2  # round-off eps/h^n dominates: its size depends on the CPU's exp
    assert abs(float(r.value) - np.exp(0.5)) <= tolerance * np.exp(0.5)
    assert r.n == n


@pytest.mark.parametrize("entry", [e for e in catalog.entries(scalar=True, smooth=True)])
def test_adaptive_hessian_and_hessdiag_bound_their_errors(entry):
    f, x = entry.function(), tuple(entry.inputs())
    ref = np.asarray(expr.reference(f, x, order=2), dtype=float)
    ref = ref.reshape(len(x), len(x))
    r = numdiff.hessian(f, x, method="auto", full_output=True)
    true = np.abs(r.value - ref)
    assert np.all(true <= r.error), (true, r.error)
    assert np.all(true <= 1e-7 * max(1.0, float(np.max(np.abs(ref)))))
    d = numdiff.hessdiag(f, x, method="auto", full_output=True)
    diag = np.array([float(v) for v in np.atleast_1d(d.value)]) if len(x) > 1 else [d.value]
    assert np.allclose(np.ravel(diag), np.diag(ref), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("text, x", [("exp(x)*y + y**3", (0.5, 2.0)), ("exp(100*x)", 0.05)])
def test_hessian_step_estimate_is_for_second_derivatives(text, x):
    """step="estimate" balances the second-derivative model (it used the first-derivative
    step and was 1000x worse than the default)."""
    ref = np.atleast_2d(np.asarray(expr.reference(text, x, order=2), dtype=float))
    scale = float(np.max(np.abs(ref)))
    default = np.max(np.abs(numdiff.hessian(text, x) - ref)) / scale
    estimate = np.max(np.abs(numdiff.hessian(text, x, step="estimate") - ref)) / scale
    assert estimate <= max(10 * default, 1e-9) and estimate < 1e-6


def test_auto_never_leaves_the_domain_near_zero():
    points = []

    def log(t):
        points.append(t)
        return np.log(t)

    r = numdiff.derivative(log, 1e-3, method="auto", full_output=True)
    assert min(points) > 0
    assert abs(float(r.value) - 1e3) <= float(r.error) and abs(float(r.value) - 1e3) < 1e-9
    for n in range(1, 7):
        points.clear()
        r = numdiff.derivative(log, 1e-2, n=n, method="auto", full_output=True)
        assert min(points) > 0 and r.converged


def test_auto_goes_one_sided_and_does_not_charge_nan_evaluations():
    calls = []

    def f(t):
        calls.append(t)
        with np.errstate(invalid="ignore"):
            return np.sqrt(t) * np.exp(t) if t >= 1.0 else np.nan

    r = numdiff.derivative(f, 1.0, method="auto", full_output=True)
    exact_value = np.exp(1.0) * (0.5 + 1.0)
    assert abs(float(r.value) - exact_value) <= float(r.error) < 1e-6 and r.converged
    finite = sum(np.isfinite(f_t) for f_t in (f(t) for t in list(calls)))
    assert finite <= 15 < r.nfev  # the budget counts finite evaluations only


def test_a_derivative_that_does_not_exist_is_an_error():
    with pytest.raises(numdiff.ConvergenceError, match="did not converge"):
        numdiff.derivative(lambda t: np.sqrt(t) if t >= 0 else np.nan, 0.0, method="auto")
    r = numdiff.derivative(
        lambda t: np.sqrt(t) if t >= 0 else np.nan, 0.0, method="auto", full_output=True
    )
    assert not r.converged and np.isinf(r.error)


def test_tolerances_stop_early():
    loose = numdiff.derivative(np.exp, 1.0, method="auto", rtol=1e-6, full_output=True)
    tight = numdiff.derivative(np.exp, 1.0, method="auto", full_output=True)
    assert loose.nfev < tight.nfev
    assert abs(float(loose.value) - np.e) <= float(loose.error) <= 1e-6 * np.e


def test_elementwise_derivative_is_one_call_per_round_when_vectorized():
    xs = np.linspace(0.1, 3.0, 7)
    calls = []

    def f(t):
        calls.append(np.shape(t))
        return np.sin(t)

    r = numdiff.derivative(f, xs, method="auto", vectorized=True, full_output=True)
    assert np.allclose(r.value, np.cos(xs), rtol=1e-12, atol=1e-13)
    assert np.all(np.abs(r.value - np.cos(xs)) <= r.error)
    assert r.ncalls == len(calls) <= 6 and r.nfev > 7 * r.ncalls
    plain = numdiff.derivative(np.sin, xs.reshape(7, 1), n=2)
    assert plain.shape == (7, 1) and np.allclose(plain.ravel(), -np.sin(xs), rtol=1e-5)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_sweep_theory_for_order_n(n):
    """The V-curve model |c| M h^p + eps F W / h^n for the n-th derivative: the measured
    optimum of central differences lies within 10x of the theoretical step, and where
    truncation dominates the model matches the measurement within a factor 2."""
    records = numdiff.sweep("exp(x)", 0.5, methods=["central"], n=n)
    summary = numdiff.summaries(records)[0]
    assert summary["reference"] == pytest.approx(np.exp(0.5), rel=1e-14)
    assert summary["n"] == n and summary["derivative_order"] == n + 2
    assert 0.1 < summary["best_step"] / summary["theory_step"] < 10
    steps = [r for r in records if r["kind"] == "step" and 1e-2 < r["step"] < 1e-1]
    assert all(0.5 < r["rel_error"] / r["model_error"] < 2 for r in steps)


@settings(max_examples=25, deadline=None)
@given(
    offsets=st.lists(st.integers(-6, 6), min_size=2, max_size=7, unique=True),
    n=st.integers(1, 4),
    x=st.floats(-1.0, 1.0),
)
def test_fornberg_weights_are_exact_on_polynomials(offsets, n, x):
    """For any distinct offsets, Fornberg's weights differentiate every polynomial of degree
    < len(offsets) exactly (in exact rational arithmetic)."""
    if len(offsets) <= n:
        return
    nodes = [Fraction(o) for o in offsets]
    w = numdiff.fornberg(nodes, n)
    t = sympy.Symbol("t")
    for degree in range(len(nodes)):
        poly = (t + sympy.Rational(Fraction(x).limit_denominator(1000))) ** degree
        value = sum(wi * sympy.Rational(poly.subs(t, o)) for wi, o in zip(w, nodes))
        assert value == sympy.diff(poly, t, n).subs(t, 0)


@pytest.mark.parametrize(
    "f, x, df", [(np.exp, 1e-3, np.exp), (np.log1p, 1e-3, lambda t: 1 / (1 + t))]
)
def test_auto_near_zero_grows_the_step_where_f_allows(f, x, df):
    """Starting below |x|/2 must not cost accuracy for a function that is smooth across 0:
    the probe grows the step once f is seen to be finite and nearly polynomial there."""
    r = numdiff.derivative(f, x, method="auto", full_output=True)
    assert abs(float(r.value) - df(x)) <= float(r.error) <= 1e-11
    assert abs(float(r.value) - df(x)) <= 1e-13 and r.step[0] > x  # the grid spans 0


@pytest.mark.parametrize(
    "f, x",
    [
        (lambda t: np.abs(t - 0.3), 0.3),  # a kink at x
        (lambda t: np.abs(t - 0.3), 0.30001),  # a kink inside the grid
        (lambda t: np.where(t > 0.31, 1.0, 0.0) + t, 0.31),  # a jump at x
    ],
)
def test_kinks_and_jumps_are_not_converged(f, x):
    """Where the derivative does not exist the table does not settle: not a number."""
    with pytest.raises(numdiff.ConvergenceError):
        numdiff.derivative(f, x, method="auto")
    assert not numdiff.derivative(f, x, method="auto", full_output=True).converged


@pytest.mark.parametrize("f", [lambda t: t**3, lambda t: t**5, np.sin, np.cos])
def test_a_zero_or_flat_derivative_still_converges(f):
    r = numdiff.derivative(f, 0.0, method="auto", full_output=True)
    assert (
        r.converged and abs(float(r.value) - float(np.cos(0.0) if f is np.sin else 0.0)) <= r.error
    )
