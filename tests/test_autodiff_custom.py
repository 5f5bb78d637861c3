"""custom_vjp, custom_jvp and stop_gradient against JAX (issue 13): the custom rule is what
is used (a rule that differs from the true derivative shows it), in both modes, inside
traced functions, under nesting and at second order; and our errors for bad rules."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff
import expr

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

RTOL = 1e-14
X = np.array([0.3, -1.2, 2.0])


def scaled_sin(custom_vjp, ns):
    """sin with a deliberately scaled gradient, 2 cos x (so the rule is visible)."""

    @custom_vjp
    def f(x):
        return ns.sin(x)

    def fwd(x):
        return ns.sin(x), ns.cos(x)

    def bwd(cos_x, g):
        return (2.0 * g * cos_x,)

    f.defvjp(fwd, bwd)
    return f


def exact_sin(custom_vjp, ns):
    @custom_vjp
    def f(x):
        return ns.sin(x)

    f.defvjp(lambda x: (ns.sin(x), x), lambda x, g: (g * ns.cos(x),))
    return f


def custom_exp(custom_jvp, ns, scale):
    """exp with the tangent rule scale · exp(x) · t: scale 3 shows the rule is what is used;
    scale 1 is exact, and its rule calls f itself, so it differentiates again."""

    @custom_jvp
    def f(x):
        return ns.exp(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        y = f(primals[0])
        return y, scale * y * tangents[0]

    return f


def loss(f, ns):
    return lambda x: ns.sum(f(x) * x)


@pytest.mark.peers
def test_custom_vjp_reverse_mode_uses_the_rule_as_jax():
    ours = loss(scaled_sin(autodiff.custom_vjp, expr), expr)
    theirs = loss(scaled_sin(jax.custom_vjp, jnp), jnp)
    np.testing.assert_allclose(autodiff.grad(ours)(X), jax.grad(theirs)(X), rtol=RTOL)
    np.testing.assert_allclose(autodiff.jacrev(ours)(X), jax.jacrev(theirs)(X), rtol=RTOL)


@pytest.mark.peers
def test_custom_vjp_nested_and_second_order_match_jax():
    """With a rule equal to the derivative (here sin' = cos written by hand). With a rule
    that differs, JAX differentiates fwd's own ops at the outer level while we apply the
    rule again (a region replayed on tracers calls the custom function)."""
    ours = loss(exact_sin(autodiff.custom_vjp, expr), expr)
    theirs = loss(exact_sin(jax.custom_vjp, jnp), jnp)
    # differentiable again: the bwd is written with expr ops
    np.testing.assert_allclose(
        autodiff.jacrev(autodiff.grad(ours))(X), jax.jacrev(jax.grad(theirs))(X), rtol=RTOL
    )
    np.testing.assert_allclose(
        autodiff.hessian(ours)(X), jax.jacrev(jax.grad(theirs))(X), rtol=RTOL
    )
    ours_nested = nested(autodiff.grad, ours)
    assert ours_nested == pytest.approx(float(nested(jax.grad, theirs)), rel=RTOL)


def test_custom_vjp_forward_mode_is_the_transposed_rule():
    """JAX refuses forward mode of a custom_vjp; ours transposes the (linear) bwd, so both
    modes agree on the custom derivative."""
    f = loss(scaled_sin(autodiff.custom_vjp, expr), expr)
    expected = 2.0 * np.cos(X) * X + np.sin(X)
    np.testing.assert_allclose(autodiff.grad(f)(X), expected, rtol=RTOL)
    np.testing.assert_allclose(autodiff.jacfwd(f)(X), expected, rtol=RTOL)
    _, t = autodiff.jvp(f, (X,), (np.ones(3),))
    assert t == pytest.approx(expected.sum(), rel=RTOL)


@pytest.mark.peers
def test_custom_jvp_both_modes_and_second_order_match_jax():
    v = np.array([1.0, -0.5, 2.0])
    transformations = [
        (autodiff.grad, jax.grad),
        (autodiff.jacfwd, jax.jacfwd),
        (autodiff.jacrev, jax.jacrev),
    ]
    for scale, second in [(3.0, False), (1.0, True)]:
        ours = loss(custom_exp(autodiff.custom_jvp, expr, scale), expr)
        theirs = loss(custom_exp(jax.custom_jvp, jnp, scale), jnp)
        assert close_pair(autodiff.jvp(ours, (X,), (v,)), jax.jvp(theirs, (X,), (v,)))
        more = [(autodiff.hessian, jax.hessian)] if second else []
        for ours_t, theirs_t in transformations + more:
            np.testing.assert_allclose(ours_t(ours)(X), theirs_t(theirs)(X), rtol=RTOL)
        if second:
            ours_nested = nested(autodiff.grad, ours)
            assert ours_nested == pytest.approx(float(nested(jax.grad, theirs)), rel=RTOL)


def nested(grad, fn):
    """d/da of d/db fn(a·b) at b = 2, a = 0.5: the inner function closes over a."""
    return grad(lambda a: grad(lambda b: fn(a * b))(2.0))(0.5)


def close_pair(a, b):
    for u, w in zip(a, b):
        np.testing.assert_allclose(np.asarray(u), np.asarray(w), rtol=RTOL)
    return True


@pytest.mark.peers
def test_stop_gradient_matches_jax():
    def f(stop, ns):
        return lambda x: ns.sum(x * stop(ns.sin(x)) + stop(x) ** 2.0 * x)

    ours, theirs = f(autodiff.stop_gradient, expr), f(jax.lax.stop_gradient, jnp)
    for ours_t, theirs_t in [
        (autodiff.grad, jax.grad),
        (autodiff.jacfwd, jax.jacfwd),
        (autodiff.hessian, jax.hessian),
    ]:
        np.testing.assert_allclose(ours_t(ours)(X), theirs_t(theirs)(X), rtol=RTOL)
    assert autodiff.stop_gradient(2.0) == 2.0


def test_custom_rules_on_numbers_just_run_and_pytrees_work():
    f = scaled_sin(autodiff.custom_vjp, expr)
    np.testing.assert_allclose(f(X), np.sin(X), rtol=RTOL)

    @autodiff.custom_vjp
    def weighted(p):
        return expr.sum(p["w"] * p["x"])

    weighted.defvjp(lambda p: (weighted(p), p), lambda p, g: ({"w": g * p["x"], "x": None},))
    g = autodiff.grad(weighted)({"w": X, "x": 2.0 * X})
    np.testing.assert_allclose(g["w"], 2.0 * X, rtol=RTOL)
    np.testing.assert_array_equal(g["x"], np.zeros(3))  # the rule says: no gradient for x


def test_custom_function_without_a_rule_op_works():
    """The interior of a custom region is never differentiated, so it may use ops (here a
    comparison-based rounding) whose true derivative is useless: straight-through."""

    @autodiff.custom_vjp
    def round_ste(x):
        return x - expr.where(expr.gt(x - 0.5 * expr.sign(x), 0.0), 0.0, 0.0) + 0.0 * x

    round_ste.defvjp(lambda x: (round_ste(x), None), lambda _, g: (g,))
    np.testing.assert_allclose(autodiff.grad(lambda x: expr.sum(round_ste(x) * x))(X), 2 * X)


BAD_RULES = {
    "bwd returns a bare array": (lambda res, g: g, "must return a tuple"),
    "bwd returns two cotangents": (lambda res, g: (g, g), "2 cotangents for 1 arguments"),
    "bwd returns the wrong shape": (lambda res, g: (np.ones(5),), r"shape \(5,\)"),
    "bwd returns a string": (lambda res, g: ("grad",), "str"),
}


@pytest.mark.parametrize("name", sorted(BAD_RULES))
def test_bad_bwd_is_our_error_naming_the_function(name):
    bwd, words = BAD_RULES[name]

    @autodiff.custom_vjp
    def my_sin(x):
        return expr.sin(x)

    my_sin.defvjp(lambda x: (expr.sin(x), None), bwd)
    with pytest.raises(autodiff.CustomRuleError, match="my_sin") as info:
        autodiff.grad(lambda x: expr.sum(my_sin(x)))(X)
    assert info.match(words)


def test_other_rule_errors():
    @autodiff.custom_vjp
    def no_rule(x):
        return x

    with pytest.raises(autodiff.CustomRuleError, match=r"no_rule.defvjp\(fwd, bwd\)"):
        no_rule(1.0)
    with pytest.raises(autodiff.CustomRuleError, match="bwd must be a function"):
        no_rule.defvjp(lambda x: (x, None), "bwd")
    with pytest.raises(autodiff.CustomRuleError, match="needs a function"):
        autodiff.custom_jvp(3.0)

    @autodiff.custom_jvp
    def bad_jvp(x):
        return expr.sin(x)

    bad_jvp.defjvp(lambda primals, tangents: (expr.sin(primals[0]), np.ones(4)))
    with pytest.raises(autodiff.CustomRuleError, match=r"bad_jvp.*shape \(4,\)"):
        autodiff.jvp(lambda x: expr.sum(bad_jvp(x)), (X,), (X,))
    bad_jvp.defjvp(lambda primals, tangents: expr.sin(primals[0]))
    with pytest.raises(autodiff.CustomRuleError, match="pair"):
        autodiff.grad(lambda x: expr.sum(bad_jvp(x)))(X)
