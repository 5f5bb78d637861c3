"""Every catalog function: forward mode, reverse mode, jacfwd and jacrev agree with the 50-digit
reference (`expr.reference`) to 1e-12 relative at random points; the cheap-gradient principle
holds for counted ops; hvp is cheap and equals hessian @ v."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff
import expr
from expr import catalog

# Small sizes: the reference goes through SymPy element by element on tensor graphs.
SMALL = {
    "mlp_loss": (3, 4),
    "tanh_chain": (2, 3, 2),
    "product": 4,
    "rosenbrock": 4,
    "logsumexp": 4,
    "logistic": 5,
    "nested_sin_exp": 5,
}


def build(entry, seed):
    """(Function, inputs) of an entry at a small size and a random point."""
    if entry.name == "mlp_loss":
        hidden, batch = SMALL["mlp_loss"]
        return catalog.mlp_loss(hidden, batch), catalog.mlp_inputs(hidden, batch, seed)
    if entry.name == "tanh_chain":
        depth, width, batch = SMALL["tanh_chain"]
        return catalog.tanh_chain(depth, width, batch), catalog.tanh_chain_inputs(
            width, batch, seed
        )
    size = SMALL.get(entry.name)
    return entry.function(size), entry.inputs(size, seed)


def relative_error(value, exact):
    value, exact = np.asarray(value, float), np.asarray(exact, float)
    return float(np.max(np.abs(value - exact), initial=0.0) / max(np.max(np.abs(exact)), 1e-300))


def check_entry(entry, seed):
    f, inputs = build(entry, seed)
    argnums = tuple(range(f.n_inputs))
    exact = expr.reference(f, tuple(inputs))
    exact = exact if isinstance(exact, tuple) else (exact,)
    value, grads = autodiff.value_and_grad(f, argnums=argnums)(*inputs)
    assert value == pytest.approx(float(expr.reference_value(f, tuple(inputs))), rel=1e-13)
    forward = autodiff.jacfwd(f, argnums=argnums)(*inputs)
    backward = autodiff.jacrev(f, argnums=argnums)(*inputs)
    scale = max(np.max(np.abs(np.asarray(e, float))) for e in exact)
    for g, fw, bw, ref in zip(grads, forward, backward, exact):
        for got in (g, fw, bw):
            assert np.shape(got) == np.shape(ref)
            err = np.max(np.abs(np.asarray(got, float) - ref), initial=0.0) / max(scale, 1e-300)
            assert err <= 1e-12, (entry.name, seed, err)
    # forward mode along a random direction equals <grad, direction>
    rng = np.random.default_rng(seed)
    directions = [rng.standard_normal(np.shape(x)) for x in inputs]
    _, tangent = autodiff.jvp(f, inputs, directions)
    expected = sum(float(np.sum(np.asarray(r, float) * d)) for r, d in zip(exact, directions))
    assert float(tangent) == pytest.approx(expected, rel=1e-11, abs=1e-12 * scale)


@pytest.mark.parametrize("name", catalog.names())
def test_textbook_point(name):
    entry = catalog.get(name)
    if entry.point is None:
        pytest.skip("no textbook point")
    f = entry.function()
    inputs = entry.point
    argnums = tuple(range(f.n_inputs))
    exact = expr.reference(f, tuple(inputs))
    exact = exact if isinstance(exact, tuple) else (exact,)
    grads = autodiff.grad(f, argnums=argnums)(*inputs)
    for g, ref in zip(grads, exact):
        assert relative_error(g, ref) <= 1e-12 or float(np.max(np.abs(ref))) == 0.0


@pytest.mark.parametrize("name", catalog.names())
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**20))
def test_catalog_against_reference(name, seed):
    check_entry(catalog.get(name), seed)


def test_worked_example_numbers():
    """x1 x2 + sin(x1) at (2, 3): gradient (x2 + cos x1, x1)."""
    g = autodiff.grad("x1*x2 + sin(x1)", argnums=(0, 1))(2.0, 3.0)
    assert g == (3.0 + np.cos(2.0), 2.0)


@pytest.mark.parametrize("name", catalog.names())
def test_cheap_gradient_principle(name):
    """Ops of value and gradient together <= 4x the ops of f (counted on recorded graphs)."""
    entry = catalog.get(name)
    f = entry.function()
    counts = autodiff.op_counts(f, *entry.inputs(), argnums=tuple(range(f.n_inputs)))
    assert counts["value_and_grad"] <= 4 * counts["f"], counts


@pytest.mark.parametrize("n", [10, 1000])
def test_hvp_is_cheap_and_equals_hessian_times_v(n):
    f = catalog.rosenbrock(n)
    rng = np.random.default_rng(n)
    x, v = rng.uniform(-1.5, 1.5, n), rng.standard_normal(n)
    hv = autodiff.hvp(f, (x,), (v,))
    H = autodiff.hessian(f)(x)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12, atol=1e-12 * np.max(np.abs(H @ v)))
    counts = autodiff.op_counts(f, x)
    assert counts["hvp"] <= 10 * counts["f"], counts
    if n == 10:  # the Hessian itself against 50-digit mpmath
        exact = expr.reference(f, x, order=2)
        np.testing.assert_allclose(H, exact, rtol=1e-12, atol=1e-12 * np.max(np.abs(exact)))


def test_hvp_cost_does_not_grow_with_n():
    small = autodiff.op_counts(catalog.rosenbrock(10), np.zeros(10))
    large = autodiff.op_counts(catalog.rosenbrock(1000), np.zeros(1000))
    assert small["hvp"] == large["hvp"]
