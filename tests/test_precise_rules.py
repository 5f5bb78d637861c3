"""Rules written so the derivative keeps its digits where the textbook form cancels:
tanh' = sech^2 (not 1 - tanh^2), sigmoid' = sigmoid(x) sigmoid(-x) (not y (1 - y)),
and x**b at 0 for b = 0 and 2. Checked against mpmath over the whole float range, and
against PyTorch and JAX, which both lose the digits."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import autodiff
import expr

TINY = np.finfo(np.float64).tiny  # below it results are subnormal: fewer digits exist


def _grid(limit: float) -> np.ndarray:
    magnitudes = np.concatenate([np.logspace(-300, 0, 31), np.linspace(1.0, limit, 200)])
    return np.concatenate([-magnitudes[::-1], [0.0], magnitudes])


def _relative(got: np.ndarray, exact: list[float]) -> np.ndarray:
    exact = np.array(exact)
    keep = np.abs(exact) >= TINY
    return np.abs(got[keep] - exact[keep]) / np.abs(exact[keep])


def _exact(fn, xs: np.ndarray) -> list[float]:
    with mpmath.workdps(60):
        return [float(fn(mpmath.mpf(float(x)))) for x in xs]


def _sech2(x):
    return mpmath.sech(x) ** 2


def _dsigmoid(x):
    e = mpmath.exp(-abs(x))  # e / (1 + e)^2 does not cancel (s (1 - s) would, even here)
    return e / (1 + e) ** 2


CASES = [
    ("tanh", expr.tanh, _sech2, lambda x: -2 * mpmath.sech(x) ** 2 * mpmath.tanh(x), 356.0),
    ("sigmoid", expr.sigmoid, _dsigmoid, None, 745.0),
]


@pytest.mark.parametrize("name,fn,first,second,limit", CASES, ids=[c[0] for c in CASES])
def test_first_derivative_to_a_few_ulps_over_the_float_range(name, fn, first, second, limit):
    xs = _grid(limit)
    exact = _exact(first, xs)
    f = expr.trace(lambda x: expr.sum(fn(x)), xs)
    reverse = autodiff.grad(f)(xs)
    _, forward = autodiff.jvp(lambda x: fn(x), (xs,), (np.ones_like(xs),))
    for got in (reverse, forward):
        assert np.max(_relative(np.asarray(got), exact)) <= 1e-13
    assert np.all(np.isfinite(reverse))


def test_tanh_second_derivative_keeps_its_digits():
    """Differentiating seed / cosh / cosh again passes through 1 / cosh^3, which underflows
    for |x| > 236 (the second derivative is then 0 instead of < 1e-205): up to there it
    keeps every digit."""
    xs = _grid(230.0)
    exact = _exact(CASES[0][3], xs)
    second = autodiff.grad(lambda x: expr.sum(autodiff.grad(lambda y: expr.sum(expr.tanh(y)))(x)))
    assert np.max(_relative(np.asarray(second(xs)), exact)) <= 1e-13


def test_the_issue_points():
    """grad tanh at 12 was 3e-7 off, sigmoid at 35 was 6e-2 off (relative)."""
    with mpmath.workdps(60):
        tanh12 = float(mpmath.sech(12) ** 2)
        sigmoid35 = float(_dsigmoid(mpmath.mpf(35)))
    assert autodiff.grad("tanh(x)")(12.0) == pytest.approx(tanh12, rel=1e-14)
    assert autodiff.grad("sigmoid(x)")(35.0) == pytest.approx(sigmoid35, rel=1e-14)
    assert float(expr.reference("tanh(x)", 100.0)) == pytest.approx(
        float(_exact(_sech2, np.array([100.0]))[0]), rel=1e-14
    )


@pytest.mark.parametrize("exponent,grad,hess", [(0.0, 0.0, 0.0), (2.0, 0.0, 2.0), (3.0, 0.0, 0.0)])
def test_power_at_zero_is_exact(exponent, grad, hess):
    f = f"x**{exponent}"
    assert autodiff.grad(f)(0.0) == grad
    assert autodiff.jacfwd(f)(0.0) == grad
    assert float(autodiff.hessian(f)(0.0)) == hess
    assert float(expr.reference(f, 0.0, order=2)[0, 0]) == pytest.approx(hess, abs=1e-30)


def test_power_with_traced_exponent_at_zero():
    g = autodiff.grad(lambda x, b: x**b, argnums=(0, 1))(0.0, 2.0)
    assert g == (0.0, 0.0)
    h = autodiff.hessian(lambda x, b: x**b, argnums=(0, 1))(0.0, 2.0)
    assert np.all(np.isfinite(np.asarray(h, dtype=float)))


@pytest.mark.peers
def test_torch_and_jax_lose_the_digits_we_keep():
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    xs = np.array([12.0, 20.0, 35.0])
    exact_tanh = np.array(_exact(_sech2, xs))
    exact_sigmoid = np.array(_exact(_dsigmoid, xs))
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    torch.tanh(t).sum().backward()
    torch_tanh = t.grad.numpy()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).sum().backward()
    torch_sigmoid = t.grad.numpy()
    jax_tanh = np.asarray(jax.vmap(jax.grad(jax.numpy.tanh))(xs))
    jax_sigmoid = np.asarray(jax.vmap(jax.grad(jax.nn.sigmoid))(xs))
    ours_tanh = autodiff.grad(lambda x: expr.sum(expr.tanh(x)))(xs)
    ours_sigmoid = autodiff.grad(lambda x: expr.sum(expr.sigmoid(x)))(xs)

    def worst(got, exact):
        return float(np.max(np.abs(got - exact) / exact))

    assert worst(ours_tanh, exact_tanh) <= 1e-13
    assert worst(ours_sigmoid, exact_sigmoid) <= 1e-13
    for peer in (torch_tanh, jax_tanh):
        assert worst(peer, exact_tanh) > 1e-8  # 1 - tanh^2 cancels
    for peer in (torch_sigmoid, jax_sigmoid):
        assert worst(peer, exact_sigmoid) > 1e-3  # y (1 - y) cancels


def test_pow_hessian_with_an_exponent_passing_through_zero():
    """Regression (found by hypothesis): masking d(a**b)/da wherever b = 0 dropped the
    cross term d²/da db = 1/a, so (1.5 + 1.35 tanh x)**(2.7 tanh x) had Hessian 3.63, not 6.06."""
    f = expr.trace(lambda x: (1.5 + 1.35 * expr.tanh(x)) ** (2.7 * expr.tanh(x)), 0.0)
    reference = float(expr.reference(f, 0.0, order=2)[0, 0])
    assert float(autodiff.hessian(f)(0.0)) == pytest.approx(reference, rel=1e-13)
    cross = autodiff.hessian(lambda a, b: a**b, argnums=(0, 1))(2.0, 0.0)
    assert float(cross[0][1]) == pytest.approx(0.5, rel=1e-15)
