"""Every function of the table, through every way in and every backend, against the
50-digit reference: expr.<name>, numpy's function on a tracer, from_sympy, parse; autodiff
(both modes), symdiff (both methods, lambdified); plus the composite functions, indexing,
tracer methods and operators, and a user op from `expr.define_op` through every backend."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import sympy
from strategies import domain_point, sampled_ops

import autodiff
import expr
import numdiff
import symdiff

RNG = np.random.default_rng(11)
BUILTIN = [n for n in sampled_ops() if expr.OPS[n].builtin]


def scaled_error(got, ref) -> float:
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    return float(np.max(np.abs(got - ref) / np.maximum(1.0, np.abs(ref)), initial=0.0))


def _names(n: int) -> list[str]:
    return ["x", "y", "z"][:n]


def ways_in(name: str, point: list[float]) -> dict[str, expr.Function]:
    """The op as a Function built every way the front end offers."""
    op = expr.OPS[name]
    names = _names(op.arity)
    fn = getattr(expr, name) if name.islower() and hasattr(expr, name) else None
    ways = {"apply": expr.trace(lambda *xs: expr.apply(name, *xs), *point, names=names)}
    if fn is not None and name not in ("where",):
        ways["expr." + name] = expr.trace(lambda *xs: fn(*xs), *point, names=names)
    if op.numpy:
        ways["numpy"] = expr.trace(lambda *xs: op.numpy[0](*xs), *point, names=names)
    symbols = sympy.symbols(names, real=True)
    ways["from_sympy"] = expr.from_sympy(op.sympy(*symbols), names)
    ways["parse"] = expr.parse(f"{name}({', '.join(names)})", names)
    return ways


@pytest.mark.parametrize("name", BUILTIN)
def test_every_way_in_and_every_backend_matches_the_reference(name):
    op = expr.OPS[name]
    point = domain_point(op, RNG)
    ref = np.asarray(expr.reference(ways_in(name, point)["apply"], tuple(point)), float)
    argnums = tuple(range(op.arity))
    for way, f in ways_in(name, point).items():
        assert scaled_error(f(*point), op.kernel(*point)) <= 1e-14, (way, "value")
        results = {
            "reverse": autodiff.grad(f, argnums=argnums)(*point),
            "forward": autodiff.jacfwd(f, argnums=argnums)(*point),
        }
        if way in ("parse", "from_sympy"):  # the other ways record the same one-op graph
            results["reference"] = expr.reference(f, tuple(point))
            variables = symdiff.variables(f)
            for method in symdiff.METHODS:
                gradient = symdiff.gradient(f, method=method)
                results[method] = symdiff.lambdify(gradient, variables)(*point)
        for backend, got in results.items():
            got = np.ravel(np.asarray(got, dtype=float))
            assert scaled_error(got, ref) <= 1e-13, (way, backend, got, ref)


def test_the_names_of_the_issue_are_all_there():
    names = [
        "arcsin",
        "arccos",
        "arctan",
        "arctan2",
        "sinh",
        "cosh",
        "arcsinh",
        "arccosh",
        "arctanh",
        "log1p",
        "expm1",
        "log2",
        "log10",
        "exp2",
        "cbrt",
        "square",
        "reciprocal",
        "hypot",
        "erf",
        "erfc",
        "gammaln",
        "digamma",
        "floor",
        "ceil",
        "rint",
        "clip",
        "mod",
        "logaddexp",
        "softmax",
        "log_softmax",
        "gelu",
        "silu",
        "elu",
        "leaky_relu",
        "prod",
        "var",
        "std",
        "min",
        "stack",
        "concatenate",
        "squeeze",
        "expand_dims",
        "flip",
        "diagonal",
        "matrix_trace",
        "outer",
        "atan",
        "asin",
        "ln",
    ]
    assert [n for n in names if not hasattr(expr, n)] == []
    for alias, name in [("atan", "arctan"), ("ln", "log"), ("Heaviside", "heaviside")]:
        assert expr.ops.resolve_name(alias) == name
    assert expr.ops.resolve_name("Max") == "maximum"


def test_polygamma_through_parse_and_from_sympy():
    x = sympy.Symbol("x", real=True)
    for f in (expr.parse("polygamma(1, x)"), expr.from_sympy(sympy.polygamma(1, x))):
        assert scaled_error(autodiff.grad(f)(1.5), expr.reference(f, 1.5)) <= 1e-13


# ------------------------------------------------------------------ composites
def _check_gradients(fn, *xs):
    f = expr.trace(fn, *xs)
    argnums = tuple(range(len(xs)))
    ref = expr.reference(f, xs if len(xs) > 1 else xs[0])
    ref = ref if isinstance(ref, tuple) else (ref,)
    for transform in (autodiff.jacrev, autodiff.jacfwd):
        got = transform(f, argnums=argnums)(*xs)
        for g, r in zip(got, ref):
            assert scaled_error(g, r) <= 1e-13, transform.__name__


M = RNG.uniform(-1.5, 1.5, (3, 4))
V = RNG.uniform(-1.5, 1.5, 4)

COMPOSITE_CASES = {
    "softmax": (lambda x: expr.softmax(x, axis=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    "log_softmax": (lambda x: expr.log_softmax(x, axis=0), lambda x: x - np.log(np.exp(x).sum(0))),
    "var": (lambda x: expr.var(x, axis=1, ddof=1), lambda x: np.var(x, axis=1, ddof=1)),
    "std": (lambda x: expr.std(x, axis=0), lambda x: np.std(x, axis=0)),
    "prod": (lambda x: expr.prod(x, axis=1), lambda x: np.prod(x, axis=1)),
    "prod_all": (lambda x: expr.prod(x), np.prod),
    "min": (lambda x: expr.min(x, axis=0), lambda x: np.min(x, axis=0)),
    "clip": (lambda x: expr.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7)),
    "stack": (lambda x: expr.stack([x, 2 * x], axis=1), lambda x: np.stack([x, 2 * x], axis=1)),
    "concatenate": (lambda x: expr.concatenate([x, x[:1]], axis=0), lambda x: np.concatenate([x, x[:1]])),
    "squeeze": (lambda x: expr.squeeze(x[:1]), lambda x: np.squeeze(x[:1])),
    "expand_dims": (lambda x: expr.expand_dims(x, 1), lambda x: np.expand_dims(x, 1)),
    "flip": (lambda x: expr.flip(x, axis=1), lambda x: np.flip(x, axis=1)),
    "diagonal": (lambda x: expr.diagonal(x, offset=1), lambda x: np.diagonal(x, offset=1)),
    "diagonal_neg": (lambda x: expr.diagonal(x, offset=-1), lambda x: np.diagonal(x, offset=-1)),
    "trace": (lambda x: expr.matrix_trace(x) + np.trace(x, offset=1), lambda x: np.trace(x) + np.trace(x, offset=1)),
    "outer": (lambda x: expr.outer(x[0], x[1]), lambda x: np.outer(x[0], x[1])),
    "dot": (lambda x: expr.dot(x, x.T), lambda x: np.dot(x, x.T)),
    "gather": (lambda x: x[[0, 2, 2], 1:], lambda x: x[[0, 2, 2], 1:]),
    "mask": (lambda x: x[np.asarray(M) > 0], lambda x: x[M > 0]),
    "mask_row": (lambda x: x[:, np.array([True, False, True, True])], lambda x: x[:, [0, 2, 3]]),
    "methods": (lambda x: x.sum(0) + x.mean(1)[0] * x.max() - x.min(), lambda x: x.sum(0) + x.mean(1)[0] * x.max() - x.min()),
    "reshape_ravel_T": (lambda x: x.T.reshape(2, 6)[1] + x.ravel()[:6], lambda x: x.T.reshape(2, 6)[1] + x.ravel()[:6]),
    "numpy_functions": (lambda x: np.sum(np.arctan(x), axis=0) + np.mean(np.tanh(x)), lambda x: np.sum(np.arctan(x), axis=0) + np.mean(np.tanh(x))),
}  # fmt: skip


@pytest.mark.parametrize("name", list(COMPOSITE_CASES))
def test_composites_match_numpy_and_the_reference(name):
    ours, theirs = COMPOSITE_CASES[name]
    np.testing.assert_allclose(ours(M), theirs(M), rtol=1e-14, atol=1e-15)
    _check_gradients(ours, M)


def test_prod_has_exact_gradients_at_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    g = autodiff.grad(lambda x: expr.prod(x))(x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 0.0, 0.0])
    x[3] = 4.0
    np.testing.assert_array_equal(autodiff.grad(lambda x: expr.prod(x))(x), [0, 120, 0, 0, 0])


def test_gather_with_repeats_scatter_adds():
    g = autodiff.grad(lambda x: expr.sum(x[[0, 0, 2]] * np.array([1.0, 2.0, 3.0])))(V)
    np.testing.assert_array_equal(g, [3.0, 0.0, 3.0, 0.0])


def test_dot_follows_numpy():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3, 5))
    for x, y in [(a, b), (a[0], b), (a, b[0]), (a[0], a[1]), (2.0, a), (b, b[0, 0])]:
        np.testing.assert_allclose(expr.dot(x, y), np.dot(x, y), rtol=1e-14)
        f = expr.trace(lambda p, q: expr.sum(expr.dot(p, q)), x, y)
        np.testing.assert_allclose(f(x, y), np.sum(np.dot(x, y)), rtol=1e-13)


# ------------------------------------------------------------------ operators
def test_comparison_and_integer_operators_are_ops_with_numpy_results():
    x, y = np.array([1.0, 2.0, -3.5, 4.0]), np.array([1.0, 0.5, 2.0, 4.0])
    f = expr.trace(lambda x, y: (x == y, x != y, x % y, x // y, -x % 1.5), x, y)
    assert [f.op(n) for n in f.outputs] == ["eq", "ne", "mod", "floordiv", "mod"]
    expected = (x == y, x != y, x % y, x // y, -x % 1.5)
    for got, want in zip(f(x, y), expected):
        np.testing.assert_array_equal(got, np.asarray(want, dtype=float))
    assert float(expr.trace(lambda x, y: expr.sum(x == y), x, x)(x, x)) == 4.0
    g = autodiff.grad(lambda x, y: expr.sum(x % y), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(g[0], np.ones(4))
    np.testing.assert_array_equal(g[1], -np.floor(x / y))


def test_where_with_equality_is_no_longer_identity():
    f = expr.trace(lambda x: expr.where(x == 1.0, 10.0 * x, x), 0.0)
    assert f(1.0) == 10.0 and f(2.0) == 2.0


def test_tracer_attributes():
    f = expr.trace(lambda x: expr.sum(x) * x.ndim + x.size + (x.dtype == np.float64), M)
    assert f.op_counts()["sum"] == 1
    assert float(f(M)) == pytest.approx(float(M.sum()) * 2 + 12 + 1)


# ------------------------------------------------------------------ a user's op
@pytest.fixture(scope="module")
def softsign():
    """A new elementwise op, defined once: kernel and SymPy counterpart, nothing else."""
    return expr.define_op("softsign_fixture", **SOFTSIGN, domain=[(0.1, 5.0)])


SOFTSIGN = {
    "kernel": lambda x: np.asarray(x) / (1.0 + np.abs(x)),
    "sympy": lambda x: x / (1 + sympy.Abs(x)),
}


def test_user_op_through_every_backend(softsign):
    x = 0.7
    exact = 1.0 / (1.0 + x) ** 2
    second = -2.0 / (1.0 + x) ** 3
    assert float(softsign(x)) == pytest.approx(x / 1.7)
    traced = expr.trace(lambda x: softsign(x), x)
    assert traced.op_counts() == {"softsign_fixture": 1}
    parsed = expr.parse("softsign_fixture(x)")
    for f in (traced, parsed):
        assert autodiff.grad(f)(x) == pytest.approx(exact, rel=1e-14)
        assert autodiff.jacfwd(f)(x) == pytest.approx(exact, rel=1e-14)
        assert float(autodiff.hessian(f)(x)) == pytest.approx(second, rel=1e-13)
        assert float(autodiff.hvp(f, (x,), (1.0,))) == pytest.approx(second, rel=1e-13)
        assert float(expr.reference(f, x)) == pytest.approx(exact, rel=1e-15)
        assert float(expr.reference(f, x, order=2)[0, 0]) == pytest.approx(second, rel=1e-13)
        for method in symdiff.METHODS:
            d = symdiff.derivative(f, method=method)
            assert float(symdiff.lambdify(d, symdiff.variables(f))(x)) == pytest.approx(exact)
        assert numdiff.derivative(f, x) == pytest.approx(exact, rel=1e-8)
    assert str(traced.to_sympy()) == "softsign_fixture(x)"  # SymPy keeps the op's name
    assert expr.from_sympy(traced.to_sympy()).op_counts() == {"softsign_fixture": 1}
    with pytest.raises(numdiff.ComplexStepError, match="holomorphic"):
        numdiff.derivative(traced, x, method="complex")  # |x| of a complex x is no continuation
    vector = np.array([0.5, 1.0, 2.0])
    g = autodiff.grad(lambda v: expr.sum(softsign(v)))(vector)
    np.testing.assert_allclose(g, 1.0 / (1.0 + vector) ** 2, rtol=1e-14)
    assert autodiff.Dual.lift("softsign_fixture", autodiff.Dual(x, 1.0)).tangent == pytest.approx(
        exact
    )


def test_define_op_refuses_bad_definitions(softsign):
    with pytest.raises(expr.InputError, match="taken"):
        expr.define_op("sin", kernel=np.sin, sympy=sympy.sin)
    with pytest.raises(expr.InputError, match="identifier"):
        expr.define_op("not a name", kernel=np.sin, sympy=sympy.sin)
    with pytest.raises(expr.InputError, match="SymPy expression"):
        expr.define_op("bad_counterpart", kernel=np.sin, sympy=lambda x: "sin(x)")
    with pytest.raises(expr.InputError, match="callables"):
        expr.define_op("bad_kernel", kernel=None, sympy=sympy.sin)
    assert "bad_counterpart" not in expr.OPS
    again = expr.define_op("softsign_fixture", **SOFTSIGN)  # the same definition again
    assert float(again(1.0)) == 0.5
    with pytest.raises(expr.InputError, match="taken"):  # another one under that name
        expr.define_op("softsign_fixture", kernel=np.tanh, sympy=sympy.tanh)


def test_readme_lists_every_function_from_the_table():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(
        r"<!-- supported functions: generated, do not edit -->\n(.*?)\n<!-- end", text, re.S
    )
    assert block is not None and block.group(1) == expr.functions.supported_functions()


def test_the_new_user_of_the_issue_is_served():
    """atan, sinh, log1p, erf and np.arcsin were refused by every backend."""
    x = sympy.Symbol("x")
    e = sympy.atan(x) * sympy.sinh(x) + sympy.erf(x) + sympy.log(1 + x)
    ref = float(expr.reference(e, 0.5))
    for method in symdiff.METHODS:
        (d,) = symdiff.gradient(e, method=method)
        assert float(d.subs(dict.fromkeys(d.free_symbols, 0.5))) == pytest.approx(ref, rel=1e-14)
    assert autodiff.grad(e)(0.5) == pytest.approx(ref, rel=1e-14)
    g = autodiff.grad(lambda x: np.arcsin(x) + expr.log1p(x))(0.5)
    assert g == pytest.approx(1 / np.sqrt(0.75) + 1 / 1.5, rel=1e-14)
