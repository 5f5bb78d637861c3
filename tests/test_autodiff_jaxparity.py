"""autodiff at JAX parity (issue 13): pytrees, has_aux, keyword arguments, nesting with
closures (no perturbation confusion), multi-output Jacobians, traceable jacrev/jacfwd,
linearize, the hvp convention, float32 kept, and NaN/domain reporting of every
transformation. Each feature is checked on the same function against JAX (a test-only
peer) to 1e-14, or against exact values."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff
import expr

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

RTOL = 1e-14


def close(ours, theirs, rtol=RTOL):
    """Same structure (dict keys, tuple/list lengths) and values to rtol."""
    ours_leaves, ours_tree = autodiff.pytree.flatten(ours)
    theirs_leaves, theirs_tree = autodiff.pytree.flatten(jax.tree_util.tree_map(np.asarray, theirs))
    assert ours_tree == theirs_tree, (ours_tree, theirs_tree)
    for a, b in zip(ours_leaves, theirs_leaves):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol)
    return True


# the same model written twice: with expr ops (ours) and jax.numpy (JAX's)
def loss(params, x, scale=1.0, ns=expr):
    hidden = ns.tanh(x @ params["w"] + params["b"])
    out = hidden @ params["layers"][0] + params["layers"][1]
    return scale * ns.sum(out * out) + ns.sum(params["b"] * params["b"])


def jax_loss(params, x, scale=1.0):
    return loss(params, x, scale, ns=jnp)


def make_params(rng):
    return {
        "w": rng.standard_normal((3, 4)),
        "b": rng.standard_normal(4),
        "layers": [rng.standard_normal((4, 2)), rng.standard_normal(2)],
        "unused": None,
    }


@pytest.fixture
def data():
    rng = np.random.default_rng(13)
    return make_params(rng), rng.standard_normal((5, 3))


@pytest.mark.peers
def test_pytree_gradient_has_the_arguments_structure(data):
    params, x = data
    ours = autodiff.grad(loss)(params, x, scale=0.5)
    theirs = jax.grad(jax_loss)(params, x, scale=0.5)
    assert close(ours, theirs)
    both = autodiff.grad(loss, argnums=(0, 1))(params, x)
    assert close(both, jax.grad(jax_loss, argnums=(0, 1))(params, x))


@pytest.mark.peers
def test_value_and_grad_and_grad_with_aux(data):
    params, x = data

    def with_aux(ns):
        return lambda p, x: (loss(p, x, ns=ns), {"norm": ns.sum(p["b"] * p["b"]), "tag": 3})

    (value, aux), g = autodiff.value_and_grad(with_aux(expr), has_aux=True)(params, x)
    (jvalue, jaux), jg = jax.value_and_grad(with_aux(jnp), has_aux=True)(params, x)
    assert close((value, aux["norm"]), (jvalue, jaux["norm"])) and aux["tag"] == 3
    assert close(g, jg)
    g2, aux2 = autodiff.grad(with_aux(expr), has_aux=True)(params, x)
    assert close(g2, jg) and float(aux2["norm"]) == pytest.approx(float(jaux["norm"]), rel=RTOL)


@pytest.mark.peers
def test_vjp_jvp_jacobians_of_pytrees_with_aux(data):
    params, x = data

    def f(ns):
        return lambda p: ({"h": ns.tanh(x @ p["w"]), "s": ns.sum(p["b"])}, ns.sum(p["b"]))

    out, pullback, aux = autodiff.vjp(f(expr), params, has_aux=True)
    jout, jpullback, jaux = jax.vjp(f(jnp), params, has_aux=True)
    ct = {"h": np.ones((5, 4)), "s": 2.0}
    assert close(out, jout) and close(pullback(ct), jpullback(ct))
    tangent = jax.tree_util.tree_map(np.ones_like, params)
    assert close(
        autodiff.jvp(lambda p: f(expr)(p)[0], (params,), (tangent,)),
        jax.jvp(lambda p: f(jnp)(p)[0], (params,), (tangent,)),
    )
    for ours, theirs in [(autodiff.jacrev, jax.jacrev), (autodiff.jacfwd, jax.jacfwd)]:
        jac, aux = ours(f(expr), has_aux=True)(params)
        jjac, jaux = theirs(f(jnp), has_aux=True)(params)
        assert close(jac, jjac) and close(aux, jaux)


@pytest.mark.peers
def test_tuple_outputs_and_jacfwd_of_jacrev_is_the_hessian():
    x = np.array([0.3, -0.7, 1.1])

    def f(ns):
        return lambda x, y: (ns.sin(x) * y, ns.sum(x * x) * y)

    for ours, theirs in [(autodiff.jacrev, jax.jacrev), (autodiff.jacfwd, jax.jacfwd)]:
        assert close(ours(f(expr), argnums=(0, 1))(x, 2.0), theirs(f(jnp), argnums=(0, 1))(x, 2.0))

    def g(ns):
        return lambda x: ns.sum(ns.sin(x) * x[0]) + x[1] * x[2] ** 3.0

    hessian = autodiff.jacfwd(autodiff.jacrev(g(expr)))(x)
    assert close(hessian, jax.hessian(g(jnp))(x))
    assert close(autodiff.hessian(g(expr))(x), hessian)
    assert close(autodiff.jacrev(autodiff.jacfwd(g(expr)))(x), hessian)


@pytest.mark.peers
def test_hessian_of_pytree_arguments_has_jax_structure():
    def f(ns):
        return lambda p, y: ns.sum(ns.sin(p["a"]) * p["b"][0]) * y**2.0

    p = {"a": np.array([0.3, 0.5]), "b": [np.array(1.5)]}
    ours = autodiff.hessian(f(expr), argnums=(0, 1))(p, 0.7)
    assert close(ours, jax.hessian(f(jnp), argnums=(0, 1))(p, 0.7))


def test_nested_grad_closing_over_the_outer_value():
    def inner(x):
        return autodiff.grad(lambda y: expr.sin(x * y))(2.0)  # = x cos(2x)

    x0 = 0.7
    exact = np.cos(2 * x0) - 2 * x0 * np.sin(2 * x0)
    assert autodiff.grad(inner)(x0) == pytest.approx(exact, rel=RTOL)
    _, t = autodiff.jvp(inner, (x0,), (1.0,))
    assert t == pytest.approx(exact, rel=RTOL)


def test_no_perturbation_confusion():
    """Siskind & Pearlmutter: d/dx [x · d/dy (x + y)] = 1 (a confused AD gives 2)."""
    assert autodiff.grad(lambda x: x * autodiff.grad(lambda y: x + y)(1.0))(3.0) == 1.0
    _, t = autodiff.jvp(
        lambda x: x * autodiff.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (3.0,), (1.0,)
    )
    assert t == 1.0
    three = autodiff.grad(
        lambda x: autodiff.grad(lambda y: autodiff.grad(lambda z: x * y * z)(1.0))(2.0)
    )
    assert three(5.0) == 1.0  # d/dx d/dy d/dz xyz = 1


def test_inner_transformations_may_return_the_outer_value():
    assert autodiff.grad(lambda x: x * autodiff.jvp(lambda y: x, (1.0,), (1.0,))[0])(3.0) == 6.0
    assert autodiff.grad(lambda x: x * autodiff.jvp(lambda y: x, (1.0,), (1.0,))[1])(3.0) == 0.0
    assert autodiff.grad(lambda x: autodiff.linearize(lambda y: x * y, 1.0)[1](2.0))(3.0) == 2.0
    inner_jacobian = autodiff.jacrev(lambda x: autodiff.jacrev(lambda y: x * y)(np.ones(2)))
    np.testing.assert_array_equal(
        inner_jacobian(np.array([1.0, 2.0])), np.eye(2)[:, None, :] * np.eye(2)[:, :, None]
    )


@pytest.mark.peers
def test_nesting_matches_jax():
    def f(ns, grad):
        return lambda x: x * grad(lambda y: ns.sin(x * y) * ns.exp(y))(0.3)

    ours = autodiff.grad(f(expr, autodiff.grad))(1.2)
    assert ours == pytest.approx(float(jax.grad(f(jnp, jax.grad))(1.2)), rel=RTOL)


@pytest.mark.peers
def test_linearize_and_hvp_convention():
    x, v = np.array([0.2, 0.5, -0.4]), np.array([1.0, -2.0, 0.5])

    def f(ns):
        return lambda x: ns.sum(ns.sin(x) * ns.exp(x[0] * x))

    y, f_jvp = autodiff.linearize(f(expr), x)
    jy, jf_jvp = jax.linearize(f(jnp), x)
    assert close((y, f_jvp(v)), (jy, jf_jvp(v)))
    _, jhv = jax.jvp(jax.grad(f(jnp)), (x,), (v,))
    assert close(autodiff.hvp(f(expr), (x,), (v,)), jhv)
    with pytest.raises(autodiff.AutodiffError, match=r"hvp\(f, \(x,\), \(v,\)\)"):
        autodiff.hvp(f(expr))(x, v)
    with pytest.raises(autodiff.AutodiffError, match="like jvp"):
        autodiff.hvp(f(expr), argnums=0)


def test_arguments_not_in_argnums_pass_as_they_are():
    def f(x, n, label):
        for _ in range(n):  # an int drives Python control flow
            x = expr.sin(x)
        return x * (2.0 if label == "double" else 1.0)

    assert autodiff.grad(f)(0.3, 2, "double") == pytest.approx(
        2 * np.cos(np.sin(0.3)) * np.cos(0.3), rel=RTOL
    )


def test_float16_is_kept_too():
    x = np.array([0.5, 1.0], dtype=np.float16)
    assert autodiff.grad(lambda x: expr.sum(x * x))(x).dtype == np.float16
    assert autodiff.jacrev(lambda x: x * x)(x).dtype == np.float16


def test_keyword_arguments_pass_through_undifferentiated():
    def f(x, *, power, shift=0.0):
        return expr.sum((x + shift) ** power)

    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(
        autodiff.grad(f)(x, power=3.0, shift=1.0), 3 * (x + 1) ** 2, rtol=RTOL
    )
    np.testing.assert_allclose(autodiff.jacrev(f)(x, power=2.0), 2 * x, rtol=RTOL)
    np.testing.assert_allclose(autodiff.hessian(f)(x, power=2.0), 2 * np.eye(2), rtol=RTOL)


TRANSFORMATIONS_32 = {
    "grad": lambda f, x: autodiff.grad(f)(x),
    "value_and_grad": lambda f, x: autodiff.value_and_grad(f)(x)[1],
    "jvp": lambda f, x: autodiff.jvp(f, (x,), (np.ones_like(x),))[1],
    "vjp": lambda f, x: autodiff.vjp(f, x)[1](np.float32(1.0))[0],
    "jacfwd": lambda f, x: autodiff.jacfwd(f)(x),
    "jacrev": lambda f, x: autodiff.jacrev(f)(x),
    "hessian": lambda f, x: autodiff.hessian(f)(x),
    "hvp": lambda f, x: autodiff.hvp(f, (x,), (np.ones_like(x),)),
    "linearize": lambda f, x: autodiff.linearize(f, x)[1](np.ones_like(x)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMATIONS_32))
def test_float32_in_float32_out(name):
    f = lambda x: expr.sum(expr.sin(x) * x * np.ones(3))  # noqa: E731 (a float64 constant inside)
    x = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    out32 = TRANSFORMATIONS_32[name](f, x)
    out64 = TRANSFORMATIONS_32[name](f, x.astype(np.float64))
    assert np.asarray(out32).dtype == np.float32, name
    assert np.asarray(out64).dtype == np.float64, name
    np.testing.assert_allclose(out32, out64, rtol=1e-6)


NAN_CALLS = {
    "grad": lambda f, x: autodiff.grad(f)(x),
    "value_and_grad": lambda f, x: autodiff.value_and_grad(f)(x),
    "jvp": lambda f, x: autodiff.jvp(f, (x,), (1.0,)),
    "vjp": lambda f, x: autodiff.vjp(f, x),
    "jacfwd": lambda f, x: autodiff.jacfwd(f)(x),
    "jacrev": lambda f, x: autodiff.jacrev(f)(x),
    "hessian": lambda f, x: autodiff.hessian(f)(x),
    "hvp": lambda f, x: autodiff.hvp(f, (x,), (1.0,)),
    "linearize": lambda f, x: autodiff.linearize(f, x),
    "checkpoint_sequential": lambda f, x: autodiff.checkpoint_sequential(
        [lambda h: 2.0 * h, f], x, strategy="sqrt"
    ),
    "sequential_vjp": lambda f, x: autodiff.sequential_vjp([lambda h: 2.0 * h, f], x)[1](1.0),
}


@pytest.mark.parametrize("name", sorted(NAN_CALLS))
@pytest.mark.parametrize("way", ["python", "string"])
def test_every_transformation_reports_a_domain_error_by_node(name, way):
    f = (lambda x: expr.log(x) * 2.0) if way == "python" else "log(x) * 2"
    if name in ("checkpoint_sequential", "sequential_vjp") and way == "string":
        f = expr.parse(f)
    with pytest.raises(autodiff.NaNError, match=r"node \d+ \(v\d+ = log of v\d+\).*domain"):
        NAN_CALLS[name](f, -1.0)


@pytest.mark.parametrize("name", sorted(NAN_CALLS))
def test_every_transformation_refuses_a_nan_input(name):
    with pytest.raises(autodiff.NaNError, match="contains NaN"):
        NAN_CALLS[name](lambda x: expr.sin(x) * x, float("nan"))


def test_nan_in_the_derivative_only_is_reported_too():
    # sqrt(x)^2 at 0: value finite, 0.5 / sqrt(0) * 0 -> inf * 0 = NaN in the derivative
    f = lambda x: expr.sqrt(x) * expr.sqrt(x)  # noqa: E731
    for call in (
        lambda: autodiff.grad(f)(0.0),
        lambda: autodiff.jacrev(f)(0.0),
        lambda: autodiff.vjp(f, 0.0)[1](1.0),
    ):
        with pytest.raises(autodiff.NaNError, match="backward sweep at node"):
            call()
    with pytest.raises(autodiff.NaNError, match="tangent at node"):
        autodiff.jvp(lambda x: expr.sqrt(x) * 0.0, (0.0,), (1.0,))
    assert autodiff.jvp(lambda x: expr.sqrt(x) * 0.0, (0.0,), (1.0,), check_nan=False)[0] == 0.0


@pytest.mark.peers
def test_readme_from_jax_lines_are_the_same_and_agree():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text[text.index("**From JAX**") :]
    blocks = [re.search(rf"```{tag}\n(.*?)```", section, flags=re.S) for tag in ("py", "python")]
    theirs, ours = ([line for line in b.group(1).splitlines() if line] for b in blocks)
    assert theirs[2:] == ours[2:] and len(ours[2:]) == 5  # only the imports differ
    results = []
    for lines in (theirs, ours):
        scope: dict = {}
        exec("\n".join(line for line in lines if not line.startswith("print")), scope)
        results.append((scope["value"], scope["g"], scope["H"]))
    assert close(results[1], results[0])
