"""The one graph interpreter (`Function.run`), the named backward steps, and arguments
checked once by the transformations (issue 18, items 2 and 3)."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest
import sympy

import autodiff
import expr
from autodiff import api
from autodiff.forward import forward_program, jvp_sweep
from autodiff.reverse import BackStep, Plan, _sum_to, forward_sweep
from autodiff.rules import instantiate_zeros
from expr import catalog
from expr.ops import OPS, sum_to_axes
from expr.tracer import GraphBuilder, shape_of
from symdiff.program import from_function

ROOT = pathlib.Path(__file__).resolve().parents[1]


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and np.array_equal(a, b)


def chain(steps: int) -> expr.Function:
    """y <- y + 0.001 sin(y), `steps` times: 3 ops a step, value and derivative O(1)."""
    builder = GraphBuilder()
    x = builder.input("x", ())
    y = x
    for _ in range(steps):
        y = y + 0.001 * expr.sin(y)
    return expr.Function(builder, [x.node], [y.node])


def test_run_is_evaluate_and_segments_compose():
    f = catalog.mlp_loss(4, 8)
    inputs = f.bind(catalog.mlp_inputs(4, 8), {})
    whole = f.run(f.start_values(inputs))
    assert all(same(a, b) for a, b in zip(whole, f.evaluate(*inputs)))
    half = len(f.program) // 2
    parts = f.run(f.run(f.start_values(inputs), stop=half), start=half)
    assert all(same(a, b) for a, b in zip(whole, parts))


def test_run_takes_any_step_and_the_entries_of_any_program():
    f = expr.parse("x*y + sin(x)")
    spelled = f.run(f.start_values(["x", "y"]), lambda e, xs: f"{f.op(e[0])}({','.join(xs)})")
    assert spelled[f.outputs[0]] == "add(mul(x,y),sin(x))"
    seen = []
    f.run(f.start_values([1.0, 2.0]), lambda e, xs: seen.append(len(e)), program=forward_program(f))
    assert seen == [7, 7, 7]  # forward_program's entries carry the JVP rule and the shape


def test_a_20000_op_chain_runs_iteratively_in_every_walk():
    f = chain(6_667)
    assert f.size() == 20_001 and f.depth() == 20_001
    x = 0.3
    value = float(f(x))
    _, dots = jvp_sweep(f, [np.float64(x)], [np.float64(1.0)])
    slope = float(dots[f.outputs[0]])
    assert float(autodiff.grad(f)(x)) == pytest.approx(slope, rel=1e-12)
    assert float(expr.reference(f, x)) == pytest.approx(slope, rel=1e-12)
    assert float(expr.reference_value(f, x)) == pytest.approx(value, rel=1e-12)
    program = from_function(chain(300), [sympy.Symbol("x", real=True)])
    assert len(program) == 900


def test_a_failing_kernel_is_our_error_in_the_forward_sweep_too():
    f = expr.trace(lambda a, b: expr.matmul(a, b), np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(expr.ShapeError, match=r"matmul at node 2 failed on operand shapes"):
        forward_sweep(Plan(f, (0,)), [np.ones((2, 3)), np.ones((2, 2))])
    with pytest.raises(expr.ShapeError, match=r"matmul at node 2"):
        f.evaluate(np.ones((2, 3)), np.ones((2, 2)))


def test_backward_steps_are_named():
    f = expr.parse("x*y + exp(x)")
    plan = Plan(f, (0, 1))
    steps = [s for s in plan.back if s is not None]
    assert steps and all(isinstance(s, BackStep) for s in steps)
    mul, exp = (next(s for s in steps if f.op(s.node) == name) for name in ("mul", "exp"))
    assert mul.args == mul.fetch == tuple(f.args(mul.node)) and mul.wants == (True, True)
    assert mul.reads() == mul.args  # d(xy) reads x and y
    assert exp.needs_output and exp.reads() == (exp.node,)  # d exp = exp: the output
    assert not hasattr(plan, "sum_axes")


def test_instantiate_zeros_and_shape_of():
    assert same(instantiate_zeros(None, (2, 3)), np.zeros((2, 3)))
    assert instantiate_zeros(None, (), np.float32).dtype == np.float32
    value = np.ones(2)
    assert instantiate_zeros(value, (2,)) is value
    builder = GraphBuilder()
    assert shape_of(builder.input("x", (4, 1))) == (4, 1)
    assert shape_of(np.float64(1.0)) == shape_of(2.0) == ()


@pytest.mark.parametrize(
    ("shape", "to"), [((4, 3), (3,)), ((4, 3), (1, 3)), ((2, 4, 3), (4, 1)), ((5,), ())]
)
def test_reverse_sum_to_is_the_ops_sum_to_bitwise(shape, to):
    ct = np.random.default_rng(0).standard_normal(shape)
    assert same(_sum_to(ct, to), OPS["sum_to"].kernel(ct, to))
    assert len(sum_to_axes(shape, to)) == len(shape) - sum(
        1 for i, n in enumerate(to) if n == shape[len(shape) - len(to) + i]
    )


def test_transformations_check_their_arguments_at_construction():
    with pytest.raises(autodiff.ArgnumsError, match="out of range"):
        autodiff.grad("x*y", argnums=5)  # a fixed Function: resolved here, not per call
    with pytest.raises(autodiff.ArgnumsError, match="repeats"):
        autodiff.jacrev(lambda x, y: x * y, argnums=(1, 1))
    with pytest.raises(autodiff.ArgnumsError, match="int or a tuple"):
        autodiff.hessian(lambda x: x, argnums="0")
    with pytest.raises(autodiff.AutodiffError, match="has_aux must be True or False"):
        autodiff.value_and_grad(lambda x: (x, 1), has_aux="yes")
    with pytest.raises(autodiff.AutodiffError, match="unknown checkpoint strategy"):
        autodiff.grad("sin(x)", checkpoint="bogus")


def test_argnums_are_resolved_once_for_a_fixed_function(monkeypatch):
    calls = []
    resolve = api.resolve_argnums
    monkeypatch.setattr(api, "resolve_argnums", lambda *a: calls.append(a) or resolve(*a))
    vg = autodiff.value_and_grad("x1*x2 + sin(x1)", argnums=(0, -1))
    for _ in range(3):
        _, (gx, gy) = vg(2.0, 3.0)
    assert len(calls) == 1 and vg.positions == (0, 1)
    assert float(gy) == 2.0 and float(gx) == pytest.approx(3.0 + np.cos(2.0), rel=1e-15)
    per_call = autodiff.grad(lambda x, y: x * y, argnums=-1)  # a Python function: per arity
    assert float(per_call(2.0, 3.0)) == 2.0 and len(calls) == 2


def _imports(path: pathlib.Path) -> set[str]:
    """Every module a file imports, at the top or inside functions (relative as `.name`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_graph_and_the_sympy_modules_import_one_way():
    graph, out, bridge = (
        _imports(ROOT / f"expr/{m}.py") for m in ("graph", "sympy_out", "sympy_bridge")
    )
    assert ".sympy_bridge" not in graph  # graph loads sympy_out lazily (SymPy is heavy)
    assert not {".graph", ".sympy_bridge"} & out
    assert ".graph" in bridge and ".sympy_out" in bridge
