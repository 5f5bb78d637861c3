"""The front end: ops table, tracing, parsing, SymPy round trips, the graph, errors."""

from __future__ import annotations

import subprocess
import sys

import mpmath
import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import domain_point, sampled_ops

import expr
from expr import catalog

# ------------------------------------------------------------------ random formulas
# A formula is a tree of tuples; it is rendered three ways: a Python function over expr
# values, a string for expr.parse, and a SymPy expression for expr.from_sympy.
UNARY = {
    "sin": (expr.sin, sympy.sin),
    "cos": (expr.cos, sympy.cos),
    "tanh": (expr.tanh, sympy.tanh),
    "exp": (expr.exp, sympy.exp),
    "sigmoid": (expr.sigmoid, expr.sympy_functions.sigmoid),
    "softplus": (expr.softplus, expr.sympy_functions.softplus),
}
BINARY = ["+", "-", "*", "/"]


def formulas(variables: tuple[str, ...]) -> st.SearchStrategy:
    leaves = st.one_of(
        st.sampled_from(variables), st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))
    )

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.tuples(st.sampled_from(sorted(UNARY)), children),
            st.tuples(st.sampled_from(BINARY), children, children),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def render_string(tree) -> str:
    if isinstance(tree, str):
        return tree
    if isinstance(tree, float):
        return f"({tree!r})"
    if len(tree) == 2:
        return f"{tree[0]}({render_string(tree[1])})"
    a, b = render_string(tree[1]), render_string(tree[2])
    if tree[0] == "/":
        return f"({a}) / (1 + ({b})**2)"
    return f"({a}) {tree[0]} ({b})"


def render_python(tree, env):
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, float):
        return tree
    if len(tree) == 2:
        return UNARY[tree[0]][0](render_python(tree[1], env))
    a, b = render_python(tree[1], env), render_python(tree[2], env)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / (1 + b**2)}[tree[0]]


def render_sympy(tree, env):
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, float):
        return sympy.Float(tree)
    if len(tree) == 2:
        return UNARY[tree[0]][1](render_sympy(tree[1], env))
    a, b = render_sympy(tree[1], env), render_sympy(tree[2], env)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / (1 + b**2)}[tree[0]]


def close(a, b, rtol=1e-11):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.all(np.abs(a - b) <= rtol * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b))))


@settings(max_examples=150, deadline=None)
@given(
    tree=formulas(("x", "y")),
    x=st.floats(-1.5, 1.5, allow_nan=False),
    y=st.floats(-1.5, 1.5, allow_nan=False),
)
def test_traced_parsed_and_sympy_functions_agree(tree, x, y):
    traced = expr.trace(
        lambda x, y: render_python(tree, {"x": x, "y": y}) + 0 * x + 0 * y, 0.0, 0.0
    )
    try:
        parsed = expr.parse(render_string(tree) + " + 0*x + 0*y", variables=["x", "y"])
    except expr.ParseError as error:  # by design: a constant part overflows, e.g. exp(exp(exp(2)))
        assert "infinite in float64" in str(error)
        return
    sx, sy = sympy.symbols("x y")
    built = expr.from_sympy(render_sympy(tree, {"x": sx, "y": sy}), variables=[sx, sy])
    values = [g(x, y) for g in (traced, parsed, built)]
    if not np.all(np.isfinite(values)):
        return
    assert close(values[0], values[1]) and close(values[0], values[2]), values


def test_the_one_liner_prints_the_textbook_value():
    code = "import expr; f = expr.parse('x1*x2 + sin(x1)'); print(f(2.0, 3.0))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert abs(float(out.stdout) - 6.909297426825682) <= 1e-15 * 6.91


@pytest.mark.parametrize("entry", catalog.entries(scalar=True), ids=lambda e: e.name)
def test_to_sympy_round_trips_every_scalar_catalog_function(entry):
    f = entry.function()
    g = expr.from_sympy(f.to_sympy(), variables=list(f.input_names))
    for seed in range(3):
        x = entry.inputs(seed=seed)
        assert close(f(*x), g(*x), rtol=1e-12)
        exact = f.to_sympy().subs(dict(zip(sympy.symbols(f.input_names, real=True), x)))
        assert close(float(sympy.N(exact, 30)), f(*x), rtol=1e-12)


def test_tensor_graphs_become_sympy_element_by_element():
    rng = np.random.default_rng(1)
    W, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    f = expr.trace(lambda W, x: expr.logsumexp(expr.tanh(W @ x) * 2.0), W, x)
    e = f.to_sympy()
    subs = {sympy.Symbol(f"W_{i}_{j}", real=True): W[i, j] for i in range(2) for j in range(3)}
    subs |= {sympy.Symbol(f"x_{i}", real=True): x[i] for i in range(3)}
    assert close(float(e.subs(subs)), f(W, x), rtol=1e-12)
    g = expr.trace(lambda W: W.T[1:, :] * 3.0, W)
    arr = g.to_sympy()
    assert arr.shape == (2, 2)
    assert close(float(arr[0, 1].subs(subs)), 3.0 * W[1, 1])


# ------------------------------------------------------------------ the ops table
def test_every_op_has_kernel_shape_rule_and_symbolic_form():
    for name, op in expr.OPS.items():
        assert op.name == name
        assert callable(op.kernel) and callable(op.shape) and callable(op.symbolic)
        if op.kind == "elementwise":
            assert op.sympy is not None, name


@pytest.mark.parametrize("name", sampled_ops())
def test_elementwise_kernels_match_their_sympy_counterparts(name):
    op = expr.OPS[name]
    rng = np.random.default_rng(7)
    symbols = sympy.symbols(f"a0:{op.arity}", real=True)
    f = sympy.lambdify(symbols, op.sympy(*symbols), "mpmath")
    for _ in range(20):
        args = domain_point(op, rng)
        with mpmath.workdps(30):
            exact = float(f(*[mpmath.mpf(a) for a in args]))
        assert np.isclose(op.kernel(*args), exact, rtol=1e-14, atol=1e-15), (name, args)


def test_stable_kernels_do_not_overflow():
    assert expr.OPS["sigmoid"].kernel(-800.0) == 0.0 and expr.OPS["sigmoid"].kernel(800.0) == 1.0
    assert expr.OPS["softplus"].kernel(800.0) == 800.0
    assert np.isclose(expr.logsumexp(np.array([1000.0, 1000.0])), 1000.0 + np.log(2))


def test_shape_rules_match_numpy():
    a, b = np.ones((2, 1, 4, 3)), np.ones((3, 3, 5))
    assert expr.OPS["matmul"].shape(a.shape, b.shape) == (a @ b).shape
    assert expr.OPS["matmul"].shape((3,), (3, 5)) == (5,)
    assert expr.OPS["matmul"].shape((4, 3), (3,)) == (4,)
    assert expr.OPS["sum"].shape((2, 3, 4), axis=(0, 2), keepdims=True) == (1, 3, 1)
    assert expr.OPS["getitem"].shape((5, 4), index=(slice(1, 3), None, 2)) == (2, 1)
    assert expr.OPS["sum_to"].kernel(np.ones((2, 3, 4)), newshape=(3, 1)).tolist() == [[8.0]] * 3


# ------------------------------------------------------------------ the graph
def test_function_graph_structure():
    f = expr.trace(lambda x: x * x + expr.sin(x), 1.0)
    assert isinstance(f.graph, nx.DiGraph)
    mul = next(n for n in f.graph.nodes if f.op(n) == "mul")
    assert f.graph.edges[f.inputs[0], mul]["pos"] == (0, 1)
    assert f.size() == 3 and f.depth() == 2
    position = {n: i for i, n in enumerate(f.order)}
    assert all(position[a] < position[n] for n in f.graph.nodes for a in f.args(n))
    assert f(x=2.0) == f(2.0)


def test_multiple_outputs_and_keyword_calls():
    f = expr.trace(lambda a, b: (a + b, a * b), 1.0, 2.0)
    assert f(2.0, b=5.0) == (7.0, 10.0)
    assert not f.single_output


def test_a_20000_op_chain_builds_and_evaluates(sin_chain):
    f = sin_chain
    assert f.size() == 20000 and f.depth() == 20000
    value = 0.5
    for _ in range(20000):
        value = np.sin(value)
    assert f(0.5) == value


def test_numpy_functions_on_tracers_record_expr_ops():
    f = expr.trace(lambda x: np.sum(np.sin(x) * 2.0), np.zeros(3))
    assert f.op_counts() == {"sin": 1, "mul": 1, "sum": 1}
    assert close(f(np.ones(3)), 6 * np.sin(1.0))


def test_concrete_tracing_allows_python_control_flow():
    def piecewise(x):
        return expr.sin(x) if x > 0 else x * x

    assert close(expr.as_function(piecewise, 1.0)(1.0), np.sin(1.0))
    assert expr.as_function(piecewise, -1.0).op_counts() == {"mul": 1}


def test_float32_and_complex_inputs_keep_their_dtype():
    f = expr.parse("exp(x) * sin(x)")
    assert f(np.float32(1.0)).dtype == np.float32
    assert np.iscomplexobj(f(1.0 + 1e-20j))
    assert f(1).dtype == np.float64


def test_table_dot_and_drawing(tmp_path):
    f = expr.parse("x1*x2 + sin(x1)")
    rows = f.table(2.0, 3.0)
    assert [r["label"] for r in rows] == ["v-1", "v0", "v1", "v2", "v3"]
    assert close(rows[-1]["value"], 6.909297426825682)
    assert "rankdir=LR" in f.to_dot() and "v3" in f.to_dot()
    import matplotlib

    matplotlib.use("Agg")
    ax = f.draw(values=f.evaluate(2.0, 3.0))
    ax.figure.savefig(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").stat().st_size > 1000


# ------------------------------------------------------------------ catalog and reference
@pytest.mark.parametrize("entry", catalog.entries(), ids=lambda e: e.name)
def test_catalog_entries_build_and_sample_inside_their_domain(entry):
    f = entry.function()
    for seed in range(3):
        value = f(*entry.inputs(seed=seed))
        assert np.all(np.isfinite(value))
    assert entry.n_inputs() >= 1 and entry.m_outputs() == 1


def test_two_moons():
    X, y = catalog.two_moons(200, noise=0.05, seed=3)
    assert X.shape == (200, 2) and set(y) == {0, 1} and y.sum() == 100
    assert np.array_equal(X, catalog.two_moons(200, noise=0.05, seed=3)[0])


def test_reference_matches_sympy_diff():
    x, y = sympy.symbols("x y", real=True)
    e = sympy.exp(x) * sympy.sin(x * y) / (1 + x**2)
    point = {x: 0.7, y: -1.3}
    grad = expr.reference(expr.from_sympy(e, [x, y]), (0.7, -1.3))
    for g, s in zip(grad, (x, y)):
        assert close(g, float(sympy.diff(e, s).subs(point).evalf(30)), rtol=1e-15)
    hess = expr.reference(expr.from_sympy(e, [x, y]), (0.7, -1.3), order=2)
    exact = sympy.hessian(e, (x, y)).subs(point).evalf(30)
    assert close(hess, np.array(exact, dtype=float), rtol=1e-14)


def test_reference_of_a_tensor_graph_matches_its_scalar_form():
    entry = catalog.get("mlp_loss")
    f = expr.trace(catalog.mlp_loss_fn, *catalog.mlp_inputs(2, batch=3))
    x = catalog.mlp_inputs(2, batch=3, seed=5)
    tensor = expr.reference(f, x)
    flat = [s for a in expr.sympy_bridge.input_symbols(f) for s in np.ravel(a)]
    scalar = expr.from_sympy(f.to_sympy(), flat)
    values = [float(v) for a in x for v in np.ravel(a)]
    expected = np.concatenate([np.ravel(g) for g in expr.reference(scalar, values)])
    assert close(np.concatenate([np.ravel(g) for g in tensor]), expected, rtol=1e-14)
    assert entry.scalar is False


def test_reference_reaches_deep_graphs():
    f = catalog.logistic_map(100)
    g = expr.reference(f, 0.2, exact=True)
    assert abs(g) > 1e20  # the derivative of a chaotic map grows like 2**k


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: expr.parse("foo(x) + 1"), expr.UnknownNameError, ["foo", "sin", "supported"]),
        (lambda: expr.parse("x + z", variables=["x"]), expr.UnknownNameError, ["'z'", "x"]),
        (lambda: expr.parse("x + * 2"), expr.ParseError, ["cannot parse"]),
        (lambda: expr.parse(""), expr.ParseError, ["formula"]),
        (lambda: expr.parse("gamma(x)"), expr.UnknownNameError, ["gamma"]),
        (
            lambda: expr.trace(lambda a, b: a + b, np.ones(3), np.ones(4)),
            expr.ShapeError,
            ["add", "(3,)", "(4,)"],
        ),
        (
            lambda: expr.trace(lambda a, b: a @ b, np.ones((2, 3)), np.ones((2, 3))),
            expr.ShapeError,
            ["matmul", "(2, 3)"],
        ),
        (
            lambda: expr.trace(lambda x: x if x > 0 else -x, 1.0),
            expr.TracerBoolError,
            ["expr.where", "concrete"],
        ),
        (lambda: expr.parse("x*y")(1.0), expr.InputError, ["missing", "y"]),
        (lambda: expr.parse("x*y")(1.0, 2.0, 3.0), expr.InputError, ["takes 2"]),
        (lambda: expr.parse("x*y")(1.0, q=2.0), expr.InputError, ["'q'", "x, y"]),
        (lambda: expr.parse("x")("abc"), expr.InputError, ["dtype"]),
        (lambda: expr.trace(lambda x: x[1.5], np.ones(3)), expr.InputError, ["integer arrays"]),
        (lambda: expr.trace(lambda x: 1 / 0 * x, 1.0), expr.TraceError, ["ZeroDivisionError"]),
        (lambda: expr.reference("log(x)", -1.0), expr.DomainError, ["log"]),
        (lambda: catalog.get("nope"), expr.InputError, ["rosenbrock"]),
        (lambda: expr.as_function(42), expr.InputError, ["accepted"]),
    ],
)
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert isinstance(info.value, expr.ExprError)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
