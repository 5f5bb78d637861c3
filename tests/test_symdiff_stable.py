"""Lambdified symbolic gradients agree with the 50-digit reference wherever autodiff does,
at large arguments too: log-sum-exp, softplus and softmax are printed in stable forms
(`symdiff.stable`), so they overflow only where the value itself does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy

import autodiff
import expr
import symdiff
from expr import catalog

# small sizes: the "sympy" method writes tensor graphs out element by element
SMALL = {"product": 3, "rosenbrock": 3, "logsumexp": 3, "logistic": 3, "nested_sin_exp": 3}
SPECIAL = {
    "mlp_loss": (catalog.mlp_loss(2, batch=4), catalog.mlp_inputs(2, batch=4, seed=1), 4),
    "tanh_chain": (catalog.tanh_chain(2, 2, 2), catalog.tanh_chain_inputs(2, 2, seed=1), 3),
}


def _flat(g: Any) -> np.ndarray:
    parts = g if isinstance(g, tuple) else (g,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _cases() -> list[tuple[str, float]]:
    return [(e.name, scale) for e in catalog.entries() for scale in (50.0, 400.0)]


@pytest.mark.parametrize(("name", "scale"), _cases())
def test_lambdified_gradients_match_the_reference_at_large_arguments(
    name: str, scale: float
) -> None:
    if name in SPECIAL:
        f, base, scaled = SPECIAL[name]  # scale the parameters, not the data
    else:
        entry = catalog.get(name)
        f, base, scaled = entry.function(SMALL.get(name)), entry.inputs(SMALL.get(name), 1), None
    xs = tuple(
        np.asarray(a, dtype=float) * (scale if scaled is None or i < scaled else 1.0)
        for i, a in enumerate(base)
    )
    try:
        ad = _flat(autodiff.grad(f, argnums=tuple(range(len(xs))))(*xs))
        ref = _flat(expr.reference(f, xs))
    except expr.ExprError:
        return  # outside the domain, or too ill-conditioned for the reference: they say so
    tolerance = 1e-8 * np.maximum(1.0, np.abs(ref))
    if not np.all(np.abs(ad - ref) <= tolerance):
        return  # autodiff itself loses the digits here (cancellation): not a printing test
    variables = symdiff.variables(f)
    values = [v for a in xs for v in np.ravel(a)]
    for method in ("graph", "sympy"):
        got = symdiff.lambdify(symdiff.gradient(f, method=method), variables)(*values).ravel()
        np.testing.assert_array_less(np.abs(got - ref), tolerance + 1e-300, err_msg=method)


def test_the_issue_examples() -> None:
    """The gradient of logsumexp at 800 was NaN, softplus at 800 was inf."""
    f = catalog.logsumexp_vector(3)
    g = symdiff.lambdify(symdiff.gradient(f, method="graph"), symdiff.variables(f))
    np.testing.assert_allclose(
        g(800.0, 800.0, 800.0), [1 / 3] * 3, rtol=1e-12
    )  # e^(x - lse): eps * 800
    np.testing.assert_allclose(g(-800.0, 0.0, 800.0), [0.0, 0.0, 1.0], atol=1e-300)
    x = sympy.Symbol("x", real=True)
    softplus = expr.parse("softplus(x)").to_sympy()
    assert symdiff.lambdify(softplus, [x])(800.0) == pytest.approx(800.0, rel=1e-15)
    assert symdiff.lambdify(softplus, [x])(-800.0) == pytest.approx(np.exp(-800.0), rel=1e-12)
    written = sympy.log(sympy.exp(x) + 1)
    assert symdiff.lambdify(written, [x])(1000.0) == pytest.approx(1000.0, rel=1e-15)


def test_stable_forms_keep_their_values_where_nothing_overflows() -> None:
    rng = np.random.default_rng(0)
    x, y, z = sympy.symbols("x y z", real=True)
    s = sympy.exp(x) + sympy.exp(y) + 2
    exprs = [sympy.log(s), sympy.exp(x) / s, (x * sympy.exp(y) + sympy.exp(z)) / s, x / s]
    fn = symdiff.lambdify(exprs, [x, y, z])
    plain = sympy.lambdify([x, y, z], exprs, modules="numpy")
    for point in rng.uniform(-5, 5, size=(20, 3)):
        np.testing.assert_allclose(fn(*point), plain(*point), rtol=1e-13, atol=1e-300)
