"""symdiff derivatives: both methods, lambdified to float64, judged by expr.reference."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import expr
import symdiff
from expr import catalog

SCALAR_ENTRIES = catalog.entries(scalar=True)
METHODS = ("sympy", "graph")


def _flat(values) -> np.ndarray:
    parts = values if isinstance(values, tuple) else (values,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _away_from_kink(entry, point) -> bool:
    if entry.smooth:
        return True
    values = _flat(tuple(point))
    if entry.name == "maximum":
        return abs(values[0] - values[1]) > 1e-3
    return bool(np.all(np.abs(values) > 1e-3))


def _points(entry):
    points = [entry.inputs(seed=s) for s in (0, 1, 2, 3)]
    return [p for p in points if _away_from_kink(entry, p)]


def _check_close(got, want, rtol=1e-12):
    got, want = np.asarray(got, float), np.asarray(want, float)
    scale = np.maximum(np.abs(want), 1e-300)
    worst = np.max(np.abs(got - want) / np.maximum(scale, np.max(np.abs(want)) * 1e-12 + 1e-300))
    assert worst <= rtol, (got, want, worst)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("entry", SCALAR_ENTRIES, ids=[e.name for e in SCALAR_ENTRIES])
def test_gradient_matches_reference(entry, method):
    f = entry.function()
    grad = symdiff.gradient(f, method)
    numeric = symdiff.lambdify(grad, symdiff.variables(f))
    points = _points(entry)
    assert len(points) >= 2
    for point in points:
        got = numeric(*_flat(tuple(point)))
        _check_close(got, _flat(expr.reference(f, point)))


@pytest.mark.parametrize("method", METHODS)
def test_tensor_input_rosenbrock(method):
    entry = catalog.get("rosenbrock")
    f = entry.function(3)
    grad = symdiff.gradient(f, method)
    names = [s.name for s in symdiff.variables(f)]
    assert names == ["x_0", "x_1", "x_2"]
    numeric = symdiff.lambdify(grad, symdiff.variables(f))
    for seed in (0, 1):
        (x,) = entry.inputs(3, seed)
        _check_close(numeric(*x), expr.reference(f, x))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["xy_sin", "squire_trapp", "linear_square", "sigmoid"])
def test_hessian_matches_reference(name, method):
    entry = catalog.get(name)
    f = entry.function()
    hess = symdiff.hessian(f, method)
    assert hess.shape == (f.n_inputs, f.n_inputs)
    numeric = symdiff.lambdify(hess, symdiff.variables(f))
    point = entry.inputs(seed=1)
    _check_close(numeric(*point), expr.reference(f, point, order=2), rtol=1e-10)


def test_methods_agree_symbolically():
    for text in ["x*y + sin(x)", "exp(x*y)/(1 + y**2)", "tanh(x)**2*y"]:
        for a, b in zip(symdiff.gradient(text), symdiff.gradient(text, "graph")):
            assert sympy.simplify(a - b) == 0


def test_every_way_in():
    x = sympy.Symbol("x")
    want = sympy.cos(x) * sympy.exp(sympy.sin(x))
    for method in METHODS:
        for f, args in [
            ("exp(sin(x))", ()),
            (sympy.exp(sympy.sin(x)), ()),
            (expr.parse("exp(sin(x))"), ()),
            (lambda x: expr.exp(expr.sin(x)), (0.3,)),
        ]:
            got = symdiff.derivative(f, "x", method, args=args)
            assert sympy.simplify(got.subs(sympy.Symbol("x", real=True), x) - want) == 0


def test_jacobian_of_vector_function():
    x, y = sympy.symbols("x y")
    for method in METHODS:
        jac = symdiff.jacobian([x * y, sympy.sin(x) + y], method)
        numeric = symdiff.lambdify(jac, ["x", "y"])
        np.testing.assert_allclose(numeric(0.5, 2.0), [[2.0, 0.5], [np.cos(0.5), 1.0]])


def test_wrt_selects_variables():
    assert symdiff.gradient("x**2 * y", wrt="y") == [sympy.Symbol("x", real=True) ** 2]
    f = catalog.rosenbrock(3)
    assert len(symdiff.gradient(f, "graph", wrt=["x_1"])) == 1
    assert len(symdiff.gradient(f, "graph", wrt="x")) == 3


def test_graph_derivative_of_deep_logistic_is_fast_and_right():
    import time

    f = catalog.logistic_map(100)
    start = time.perf_counter()
    d = symdiff.derivative(f, "x", method="graph")
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0  # ~0.3 s here; generous for a loaded machine
    assert symdiff.tree_size(d) > 10**30
    # l_k is chaotic (float64 rounding grows like 2**k), so check the value at depth 20
    f20 = catalog.logistic_map(20)
    d20 = symdiff.derivative(f20, "x", method="graph")
    value = symdiff.lambdify(d20, symdiff.variables(f20))(0.2)
    _check_close(value, expr.reference(f20, 0.2), rtol=1e-8)


def test_derivative_program_is_linear_in_depth():
    sizes = [len(symdiff.derivative_program(catalog.logistic_map(k))) for k in (25, 50, 100)]
    assert sizes[1] - sizes[0] == (sizes[2] - sizes[1]) // 2
    text = str(symdiff.derivative_program("sin(x)**2"))
    assert text.splitlines()[-1].startswith("return")


def test_lambdify_program_and_shapes():
    x = sympy.Symbol("x", real=True)
    program = symdiff.derivative_program("x**3")
    assert float(symdiff.lambdify(program, [x])(2.0)[0]) == 12.0
    fn = symdiff.lambdify(sympy.Matrix([[x, 2 * x]]), [x])
    assert fn(np.array([1.0, 2.0])).shape == (1, 2, 2)
    assert symdiff.lambdify(x**2, [x])(3.0).dtype == np.float64


def test_errors_are_clear():
    with pytest.raises(symdiff.SymdiffError, match="unknown method 'magic'"):
        symdiff.gradient("x", "magic")
    with pytest.raises(symdiff.SymdiffError, match=r"unknown variable 'z'.*x, y"):
        symdiff.gradient("x*y", wrt="z")
    with pytest.raises(symdiff.SymdiffError, match="exactly one scalar variable"):
        symdiff.derivative("x*y")
    with pytest.raises(symdiff.SymdiffError, match="scalar-valued"):
        symdiff.gradient([sympy.Symbol("x"), sympy.Symbol("y")])
    with pytest.raises(expr.ExprError, match="example inputs"):
        symdiff.gradient(lambda x: x * x)
    with pytest.raises(symdiff.SymdiffError, match="not among the symbols"):
        symdiff.lambdify(sympy.Symbol("q"), ["x"])
    with pytest.raises(symdiff.SymdiffError, match="order must be 1 or 2"):
        symdiff.derivative_program("x", order=3)
    assert issubclass(symdiff.BudgetExceeded, symdiff.SymdiffError)
    assert issubclass(symdiff.SymdiffError, expr.ExprError)


def test_a_budget_stops_a_runaway_derivative():
    import time

    start = time.perf_counter()
    with pytest.raises(symdiff.BudgetExceeded, match="budget"):
        symdiff.gradient(catalog.logistic_map(18), budget_s=0.5)
    assert time.perf_counter() - start < 5.0
    assert symdiff.gradient("x*y", budget_s=10.0) == symdiff.gradient("x*y")
