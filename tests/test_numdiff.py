"""numdiff's public API: every way in, shapes, counts, float32, vectorized calls, errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import expr
import numdiff
from expr import catalog

FIXED = ["forward", "backward", "central", "five_point", "richardson", "complex"]
TOL = {
    "forward": 1e-6,
    "backward": 1e-6,
    "central": 1e-9,
    "five_point": 1e-11,
    "richardson": 1e-11,
    "complex": 1e-15,
    "auto": 1e-13,
}


def _flat(value):
    parts = value if isinstance(value, tuple) else (value,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


@pytest.mark.parametrize("method", [*FIXED, "auto"])
def test_every_way_in_gives_the_same_derivative(method):
    x = 0.4
    exact = np.cos(x) * np.exp(np.sin(x))
    as_string = numdiff.derivative("exp(sin(x))", x, method=method)
    as_sympy = numdiff.derivative(sympy.exp(sympy.sin(sympy.Symbol("x"))), x, method=method)
    as_function = numdiff.derivative(expr.parse("exp(sin(x))"), x, method=method)
    as_callable = numdiff.derivative(lambda t: np.exp(np.sin(t)), x, method=method)
    for value in (as_string, as_sympy, as_function, as_callable):
        assert abs(value - exact) <= TOL[method] * abs(exact)


@pytest.mark.parametrize("method", [*FIXED, "auto"])
def test_gradient_and_jacobian_shapes_match_reference(method):
    f = catalog.rosenbrock(3)
    x = np.array([0.3, -0.4, 0.8])
    g = numdiff.gradient(f, x, method=method)
    ref = expr.reference(f, x)
    assert g.shape == (3,)
    scale = np.max(np.abs(ref))
    assert np.max(np.abs(g - ref)) <= 10 * TOL[method] * scale
    several = numdiff.gradient("x1*x2 + sin(x1)", (2.0, 3.0), method=method)
    assert isinstance(several, tuple) and len(several) == 2
    ref2 = expr.reference("x1*x2 + sin(x1)", (2.0, 3.0))
    assert np.allclose(_flat(several), _flat(ref2), rtol=10 * TOL[method], atol=1e-15)


def test_jacobian_of_a_vector_function_and_tensor_inputs():
    def f(v):
        return np.array([v[0] * v[1], np.sin(v[0]), v[1] ** 2])

    x = np.array([0.5, 2.0])
    J = numdiff.jacobian(f, x, method="auto")
    exact = np.array([[2.0, 0.5], [np.cos(0.5), 0.0], [0.0, 4.0]])
    assert J.shape == (3, 2)
    assert np.allclose(J, exact, rtol=1e-12, atol=1e-13)
    entry = catalog.get("mlp_loss")
    fm, inputs = entry.function(2), catalog.mlp_inputs(2, batch=4)
    fm = catalog.mlp_loss(2, batch=4)
    grads = numdiff.gradient(fm, inputs, method="central", accuracy=4)
    refs = expr.reference(fm, inputs)
    for g, r in zip(grads, refs):
        assert g.shape == r.shape
        assert np.allclose(g, r, rtol=1e-8, atol=1e-9)


def test_hessian_against_reference():
    f = catalog.rosenbrock(3)
    x = np.array([0.3, -0.4, 0.8])
    ref = expr.reference(f, x, order=2)
    for order, tol in ((2, 1e-5), (4, 1e-7)):
        H = numdiff.hessian(f, x, accuracy=order)
        assert H.shape == (3, 3) and np.allclose(H, H.T)
        assert np.max(np.abs(H - ref)) <= tol * np.max(np.abs(ref))
    Hw = numdiff.hessian("x1*x2 + sin(x1)", (2.0, 3.0), full_output=True)
    assert np.allclose(Hw.value, expr.reference("x1*x2 + sin(x1)", (2.0, 3.0), order=2), atol=1e-6)
    assert Hw.nfev == 1 + 2 * 2 + 4  # x, 2 per diagonal, 4 per mixed pair


def test_check_grad():
    f = catalog.rosenbrock(4)
    x = np.array([0.1, 0.2, -0.3, 0.4])
    good = numdiff.check_grad(f, lambda v: expr.reference(f, v), x)
    bad = numdiff.check_grad(f, lambda v: expr.reference(f, v) * 1.01, x)
    assert good < 1e-7 < 1e-3 < bad
    with pytest.raises(numdiff.NumdiffShapeError, match="returned 3 values"):
        numdiff.check_grad(f, lambda v: np.zeros(3), x)


@pytest.mark.parametrize(
    "method, per_coordinate, shared",
    [
        ("forward", 1, 1),
        ("backward", 1, 1),
        ("central", 2, 0),
        ("five_point", 4, 0),
        ("richardson", 6, 0),
        ("complex", 1, 0),
    ],
)
def test_evaluation_counts(method, per_coordinate, shared):
    n = 5
    r = numdiff.gradient(catalog.product(n), tuple([1.1] * n), method=method, full_output=True)
    assert r.nfev == per_coordinate * n + shared
    # a black box is called once per point unless it says it takes batches
    calls = []

    def f(v):
        calls.append(np.shape(v))
        return np.sum(np.sin(v), axis=-1)

    x = np.linspace(0.1, 0.5, n)
    plain = numdiff.gradient(
        f, x, method=method if method != "complex" else "central", full_output=True
    )
    assert plain.ncalls == plain.nfev == len(calls)
    calls.clear()
    batched = numdiff.gradient(
        f, x, method=method if method != "complex" else "central", vectorized=True, full_output=True
    )
    assert batched.ncalls == 1 == len(calls) and batched.nfev == plain.nfev
    assert np.allclose(batched.value, plain.value, rtol=0, atol=0)


def test_float32_inputs_get_float32_steps_and_results():
    x32 = np.float32(1.0)
    r32 = numdiff.derivative(np.exp, x32, full_output=True)
    r64 = numdiff.derivative(np.exp, 1.0, full_output=True)
    assert np.asarray(r32.value).dtype == np.float32
    assert r32.step[0] > 100 * r64.step[0]
    assert abs(float(r32.value) - np.e) / np.e < 1e-3  # float32 central: ~eps^(2/3)
    auto32 = numdiff.derivative("exp(x)", x32, method="auto", full_output=True)
    true = abs(float(auto32.value) - np.e)
    assert true <= float(auto32.error) and true / np.e < 1e-5


def test_user_steps_and_the_estimate_option():
    a = numdiff.derivative(np.sin, 1.0, step=1e-4, full_output=True)
    assert a.step[0] == 1e-4
    est = numdiff.derivative(lambda t: np.exp(100 * t), 0.05, step="estimate", full_output=True)
    plain = numdiff.derivative(lambda t: np.exp(100 * t), 0.05)
    exact = 100 * np.exp(5.0)
    assert abs(est.value - exact) / exact < 1e-9 < abs(plain - exact) / exact
    assert est.nfev <= 2 + 9


@pytest.mark.parametrize("bad", [0.0, -1e-3, np.nan, np.inf, [1e-3, 1e-3]])
def test_bad_steps(bad):
    with pytest.raises(numdiff.StepError, match="step"):
        numdiff.derivative(np.sin, 1.0, step=bad)


def test_errors_are_numdiff_errors_with_clear_messages():
    assert issubclass(numdiff.NumdiffError, expr.ExprError)
    with pytest.raises(numdiff.MethodError, match=r"unknown method 'centre'.*central"):
        numdiff.derivative(np.sin, 1.0, method="centre")
    with pytest.raises(numdiff.MethodError, match="accuracies"):
        numdiff.derivative(np.sin, 1.0, method="central", accuracy=3)
    with pytest.raises(numdiff.MethodError, match=r"n=2.*accuracy=2"):
        numdiff.derivative(np.sin, 1.0, order=2)  # the old, ambiguous name
    with pytest.raises(numdiff.NonFiniteError, match="not finite"):
        numdiff.derivative(np.log, 0.0)
    with pytest.raises(numdiff.NumdiffShapeError, match="gradient or jacobian"):
        numdiff.derivative(np.sin, (1.0, 2.0))
    with pytest.raises(numdiff.NumdiffShapeError, match="scalar-valued"):
        numdiff.gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(numdiff.NumdiffShapeError, match="takes 2 inputs"):
        numdiff.gradient("x*y", 1.0)
    with pytest.raises(numdiff.NumdiffShapeError, match="vectorized"):
        numdiff.gradient(lambda v: np.sum(v), np.ones(3), vectorized=True)
    with pytest.raises(numdiff.NumdiffError, match="cannot differentiate"):
        numdiff.derivative(42, 1.0)
    with pytest.raises(numdiff.NumdiffShapeError, match="real numbers"):
        numdiff.derivative(np.sin, "one")

    def boom(t):
        raise ValueError("boom")

    with pytest.raises(numdiff.EvaluationError, match="f raised ValueError: boom") as info:
        numdiff.derivative(boom, 1.0, method="auto")
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize(
    "text, op", [("abs(x)", "abs"), ("x*abs(x)", "abs"), ("sqrt(abs(x))", "abs")]
)
def test_complex_step_refuses_functions_that_drop_the_imaginary_part(text, op):
    with pytest.raises(numdiff.ComplexStepError, match=op):
        numdiff.derivative(text, 0.5, method="complex")


def test_complex_step_on_black_boxes_and_piecewise_functions():
    with pytest.raises(numdiff.ComplexStepError, match="real value for a complex input"):
        numdiff.derivative(np.abs, 0.5, method="complex")
    with pytest.raises(numdiff.ComplexStepError):
        numdiff.derivative(lambda t: float(np.real(t)) ** 2, 0.5, method="complex")
    # sign is piecewise constant and keeps the complex dtype: its derivative 0 comes out
    value = numdiff.derivative("sin(x) + sign(x)", 0.5, method="complex")
    assert value == pytest.approx(np.cos(0.5), rel=4e-16)  # not the last bit
    # relu keeps the imaginary part on both sides of its kink, with relu'(0) = 0
    assert numdiff.derivative("relu(x)", 0.5, method="complex") == 1.0
    assert numdiff.derivative("relu(x)", -0.5, method="complex") == 0.0
    assert numdiff.derivative("relu(x)", 0.0, method="complex") == 0.0


@pytest.mark.parametrize("x", [1.0, np.float32(1.0)])
def test_a_scalar_point_gives_a_numpy_scalar(x):
    d = numdiff.derivative(np.sin, x)
    assert isinstance(d, np.generic) and d.dtype == np.asarray(x).dtype
    assert round(d, 3) == pytest.approx(0.540)
    assert all(isinstance(g, np.generic) for g in numdiff.gradient(lambda a, b: a * b, (1.0, 2.0)))
