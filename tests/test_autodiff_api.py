"""The transformations' API: ways in, argnums, higher order, Dual, introspection, counts,
and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import autodiff
import expr
from autodiff import rules
from expr import catalog


def poly(x, y):
    return x**3.0 * y + expr.sin(x * y)


def poly_grad(x, y):
    return (3 * x**2 * y + y * np.cos(x * y), x**3 + x * np.cos(x * y))


# ------------------------------------------------------------------ ways in
@pytest.mark.parametrize(
    "f",
    [
        poly,
        "x**3*y + sin(x*y)",
        sympy.sympify("x**3*y + sin(x*y)"),
        expr.trace(poly, 1.0, 1.0),
    ],
    ids=["python", "string", "sympy", "function"],
)
def test_every_way_in_gives_the_same_gradient(f):
    g = autodiff.grad(f, argnums=(0, 1))(0.7, -1.3)
    np.testing.assert_allclose(g, poly_grad(0.7, -1.3), rtol=1e-14)
    value, g0 = autodiff.value_and_grad(f)(0.7, -1.3)
    assert value == pytest.approx(0.7**3 * -1.3 + np.sin(0.7 * -1.3), rel=1e-15)
    assert g0 == pytest.approx(poly_grad(0.7, -1.3)[0], rel=1e-14)


def test_python_control_flow_is_traced_at_the_arguments():
    def f(x):
        return x * x if x > 0 else -3.0 * x

    g = autodiff.grad(f)
    assert g(2.0) == 4.0
    assert g(-2.0) == -3.0


def test_function_is_the_cached_fast_path():
    f = catalog.mlp_loss(4, 8)
    vg = autodiff.value_and_grad(f, argnums=(0, 1, 2, 3))
    args = catalog.mlp_inputs(4, 8)
    first = vg(*args)
    second = vg(*args)
    assert first[0] == second[0]
    assert vg.positions == (0, 1, 2, 3) and "plan" in vars(vg)  # built once, kept
    hessian = autodiff.hessian(f, argnums=1)
    hessian(*args)
    assert hessian.positions == (1,) and "gradient" in vars(hessian)


def test_argnums_int_tuple_and_negative():
    x, y = 0.3, 0.9
    gx = autodiff.grad(poly)(x, y)
    gy = autodiff.grad(poly, argnums=-1)(x, y)
    both = autodiff.grad(poly, argnums=(1, 0))(x, y)
    assert both == (gy, gx)
    assert isinstance(autodiff.grad(poly, argnums=(0,))(x, y), tuple)


def test_unused_input_gets_zeros():
    g = autodiff.grad(lambda x, y: expr.sum(x * 2.0), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(g[1], np.zeros(3))


# ------------------------------------------------------------------ higher order
def test_grad_of_grad_of_python_function():
    d2 = autodiff.grad(autodiff.grad(lambda x: x**4.0))
    d3 = autodiff.grad(d2)
    assert d2(1.5) == pytest.approx(12 * 1.5**2, rel=1e-14)
    assert d3(1.5) == pytest.approx(24 * 1.5, rel=1e-14)


def test_grad_graph_is_a_function_and_differentiates_again():
    g = autodiff.grad_graph("x**3*y + sin(x*y)", (0, 1))
    assert isinstance(g, expr.Function)
    np.testing.assert_allclose(g(0.4, 0.8), poly_grad(0.4, 0.8), rtol=1e-14)
    H = autodiff.jacfwd(lambda x, y: g(x, y)[0], argnums=(0, 1))(0.4, 0.8)
    exact = expr.reference("x**3*y + sin(x*y)", (0.4, 0.8), order=2)
    np.testing.assert_allclose(H, exact[0], rtol=1e-12)


def test_hessian_blocks_and_hvp_tuple():
    f = "x**3*y + sin(x*y)"
    H = autodiff.hessian(f, argnums=(0, 1))(0.4, 0.8)
    exact = expr.reference(f, (0.4, 0.8), order=2)
    np.testing.assert_allclose(np.array([[float(b) for b in row] for row in H]), exact, rtol=1e-12)
    hv = autodiff.hvp(f, (0.4, 0.8), (1.0, 2.0))
    np.testing.assert_allclose(hv, exact @ [1.0, 2.0], rtol=1e-12)


def test_hessian_of_tensor_function_against_reference():
    f = catalog.mlp_loss(2, 3)
    args = catalog.mlp_inputs(2, 3, seed=4)
    H = autodiff.hessian(f, argnums=0)(*args)
    assert H.shape == (2, 2, 2, 2)
    exact = expr.reference(f, args, order=2)[:4, :4]
    np.testing.assert_allclose(H.reshape(4, 4), exact, rtol=1e-10, atol=1e-12)


def test_jacobians_of_vector_function():
    def f(x):
        return expr.tanh(x[1:] * x[:-1]) @ np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])

    x = np.array([0.3, -0.7, 1.1, 0.2])
    jf = autodiff.jacfwd(f)(x)
    jr = autodiff.jacrev(f)(x)
    exact = expr.reference(f, x)
    assert jf.shape == jr.shape == (2, 4)
    np.testing.assert_allclose(jf, exact, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(jr, exact, rtol=1e-13, atol=1e-15)


def test_vjp_and_jvp_several_outputs():
    f = expr.trace(lambda x, y: (x * y, expr.sin(x)), 1.0, 2.0)
    out, pullback = autodiff.vjp(f, 0.5, 2.0)
    assert out[0] == 1.0
    gx, gy = pullback((1.0, 1.0))
    assert gx == pytest.approx(2.0 + np.cos(0.5), rel=1e-15)
    assert gy == 0.5
    out, tangent = autodiff.jvp(f, (0.5, 2.0), (1.0, 0.0))
    assert tangent == pytest.approx((2.0, np.cos(0.5)), rel=1e-15)


# ------------------------------------------------------------------ Dual numbers
def test_dual_numbers_match_forward_mode():
    def f(x):
        return expr.exp(expr.sin(x) * x) / (1.0 + x**2.0) - expr.tanh(x)

    d = f(autodiff.Dual(0.8, 1.0))
    assert d.primal == pytest.approx(float(f(0.8)), rel=1e-15)
    assert d.tangent == pytest.approx(float(autodiff.grad(f)(0.8)), rel=1e-14)
    assert np.sqrt(autodiff.Dual(4.0, 1.0)).tangent == 0.25
    assert autodiff.Dual.lift("sigmoid", autodiff.Dual(0.0, 1.0)).tangent == 0.25
    assert (autodiff.Dual(1.0, 1.0) > 0.5) is True
    assert expr.sigmoid(autodiff.Dual(0.0, 1.0)).tangent == 0.25
    with pytest.raises(autodiff.AutodiffError, match="drop its tangent"):
        float(autodiff.Dual(0.0, 1.0))


# ------------------------------------------------------------------ introspection and counts
def test_backward_table_of_worked_example():
    rows = autodiff.backward_table("x1*x2 + sin(x1)", 2.0, 3.0)
    by_label = {r["label"]: float(r["adjoint"]) for r in rows}
    assert by_label == pytest.approx(
        {"v3": 1.0, "v2": 1.0, "v1": 1.0, "v0": 2.0, "v-1": 3.0 + np.cos(2.0)}, rel=1e-15
    )
    assert [r["label"] for r in rows] == ["v3", "v2", "v1", "v0", "v-1"]


def test_adjoints_annotate_the_drawing():
    import matplotlib

    matplotlib.use("Agg")
    f = expr.parse("x1*x2 + sin(x1)")
    adj = autodiff.adjoints(f, 2.0, 3.0)
    ax = f.draw(values=f.evaluate(2.0, 3.0), adjoints=adj)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "adj = 2.58385" in texts
    assert "adj =" in f.to_dot(adjoints=adj)


def test_stats_count_ops_and_stored_bytes():
    x = np.linspace(-1, 1, 50)
    f = expr.trace(lambda x: expr.sum(expr.tanh(expr.tanh(x) * 2.0)), x)
    _value, g, stats = autodiff.value_and_grad(f, return_stats=True)(x)
    assert stats["forward_ops"] == f.size() == 4
    assert stats["backward_ops"] == 4
    # tanh reads its output twice over: two (50,) arrays are stored, nothing else
    assert stats["stored_values"] == 2
    assert stats["stored_bytes"] == 2 * 50 * 8
    g2, stats2 = autodiff.grad(f, return_stats=True)(x)
    np.testing.assert_array_equal(g, g2)
    assert stats2["forward_ops"] == 4


def test_sweeps_run_segment_by_segment():
    f = catalog.tanh_chain(6, 4, 3)
    args = catalog.tanh_chain_inputs(4, 3)
    plan = autodiff.Plan(f, (0, 1, 2))
    values = autodiff.forward_sweep(plan, list(args), stop=5)
    autodiff.forward_sweep(plan, start=5, values=values)
    out = f.outputs[0]
    adjoints = autodiff.backward_sweep(plan, values, seeds={out: 1.0}, start=7)
    autodiff.backward_sweep(plan, values, adjoints, stop=7)
    whole = autodiff.grad(f, argnums=(0, 1, 2))(*args)
    for node, g in zip(f.inputs, whole):
        np.testing.assert_array_equal(adjoints[node], g)


# ------------------------------------------------------------------ errors
def test_non_scalar_output_error():
    with pytest.raises(autodiff.NonScalarOutputError, match="scalar"):
        autodiff.grad(lambda x: x * 2.0)(np.ones(3))


def test_argnums_errors():
    with pytest.raises(autodiff.ArgnumsError, match="out of range"):
        autodiff.grad(poly, argnums=2)(1.0, 2.0)
    with pytest.raises(autodiff.ArgnumsError, match="int or a tuple"):
        autodiff.grad(poly, argnums="x")
    with pytest.raises(autodiff.ArgnumsError, match="repeats"):
        autodiff.grad(poly, argnums=(0, 0))(1.0, 2.0)


def test_missing_rule_error(monkeypatch):
    monkeypatch.delitem(rules.RULES, "transpose")  # elementwise ops would get derived rules
    f = expr.trace(lambda x: expr.sum(x.T * x), np.ones((2, 2)))
    with pytest.raises(autodiff.MissingRuleError, match="'transpose'"):
        autodiff.grad(f)(np.ones((2, 2)))
    with pytest.raises(autodiff.MissingRuleError, match="'transpose'"):
        autodiff.jvp(f, (np.ones((2, 2)),), (np.ones((2, 2)),))


def test_nan_in_backward_sweep_names_the_node():
    f = expr.trace(lambda x: expr.sqrt(x * x), 1.0)
    with pytest.raises(autodiff.NaNError, match=r"node \d+ .*mul"):
        autodiff.grad(f)(0.0)
    assert np.isnan(autodiff.grad(f, check_nan=False)(0.0))


def test_input_shape_error():
    f = expr.parse("x**2")
    with pytest.raises(autodiff.InputShapeError, match="shape"):
        autodiff.grad(f)(np.ones(3))


def test_errors_are_expr_errors():
    assert issubclass(autodiff.AutodiffError, expr.ExprError)
    with pytest.raises(expr.ExprError):
        autodiff.grad(poly)(1.0)  # a missing input


def test_deep_chain_is_iterative(sin_chain):
    f = sin_chain  # 20,000 ops
    g = autodiff.grad(f)(0.5)
    _, t = autodiff.jvp(f, (0.5,), (1.0,))
    assert 0.0 < g < 1.0 and g == pytest.approx(t, rel=1e-12)
