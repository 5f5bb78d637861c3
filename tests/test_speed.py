"""Speed machinery: light imports, the bulk-built graph, branch guards of concrete traces
(and, in test_jit.py, `autodiff.jit` and the compiled programs)."""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

import autodiff
import expr


def _imported_modules(code: str) -> set[str]:
    """Top-level names of the modules `python -X importtime -c code` imported."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_black_box_numdiff_imports_neither_sympy_nor_networkx():
    code = (
        "import sys, numpy as np, numdiff; numdiff.derivative(np.sin, 1.0); "
        "assert 'sympy' not in sys.modules, 'sympy imported'"
    )
    names = _imported_modules(code)
    assert "numdiff" in names
    assert not names & {"sympy", "networkx", "matplotlib"}


def test_import_autodiff_and_a_gradient_do_not_import_sympy():
    names = _imported_modules(
        "import autodiff, expr; autodiff.grad(lambda x: expr.sin(x) * x)(1.0)"
    )
    assert "autodiff" in names and not names & {"sympy", "networkx", "matplotlib"}


def test_lazy_names_resolve():
    f = expr.parse("x*y")  # loads the SymPy bridge on first use
    assert float(expr.reference(f, (2.0, 3.0))[0]) == 3.0
    assert expr.sympy_functions.relu.__name__ == "relu"
    with pytest.raises(AttributeError):
        _ = expr.no_such_name


def test_graph_is_built_in_bulk_and_matches_the_records():
    f = expr.trace(lambda x, y: x * x + expr.sin(y) * x, 1.0, 2.0)
    g = f.graph
    assert isinstance(g, nx.DiGraph) and g.number_of_nodes() == f.n_nodes
    assert tuple(nx.lexicographical_topological_sort(g)) == f.order
    square = next(n for n in f.order if f.op(n) == "mul" and f.args(n) == (0, 0))
    assert g.edges[0, square]["pos"] == (0, 1)
    for node in f.order:
        assert g.nodes[node] is f.records[node]  # one set of dicts
        assert tuple(sorted(g.predecessors(node))) == tuple(sorted(set(f.args(node))))


def test_function_from_a_digraph_keeps_the_old_numbering():
    f = expr.trace(lambda x, y: expr.exp(y) + x * 2.0, 1.0, 2.0)
    g = nx.relabel_nodes(f.graph, {n: 10 * n for n in f.graph}, copy=True)
    for node in g.nodes:
        g.nodes[node]["args"] = tuple(10 * a for a in g.nodes[node]["args"])
    rebuilt = expr.Function(g, [10 * n for n in f.inputs], [10 * n for n in f.outputs])
    assert [d["op"] for d in rebuilt.records] == [d["op"] for d in f.records]
    assert rebuilt(1.5, 0.5) == f(1.5, 0.5)


def test_unused_nodes_are_pruned_and_a_long_chain_traces():
    def chain(x):
        _ = expr.cos(x)  # dead
        for _ in range(20000):
            x = expr.sin(x)
        return x

    f = expr.trace(chain, 0.5)
    assert f.size() == 20000 and f.depth() == 20000


def test_concrete_trace_records_branch_guards():
    def f(x):
        return x * 2.0 if x > 0 else -x

    g = expr.trace(f, 1.5, concrete=True)
    assert g.guards == (True,) and g.op_counts() == {"mul": 1}
    assert g.guard_function(1.5) == (1.0,) and g.guard_function(-1.0) == (0.0,)
    assert expr.trace(lambda x: x * 2.0, 1.0, concrete=True).guard_function is None


def test_a_replayed_graph_retakes_its_branches_in_the_outer_trace():
    g = expr.trace(lambda x: x * 2.0 if x > 0 else -x, 1.5, concrete=True)
    outer = expr.trace(lambda x: g(x) + 1.0, 3.0, concrete=True)
    assert outer.guards == (True,)  # re-taken on the outer tracer
    with pytest.raises(expr.TraceError, match="branch"):
        expr.trace(lambda x: g(x), -3.0, concrete=True)


def test_python_function_path_reuses_the_trace_values_bitwise():
    def loss(w, x):
        return expr.sum(expr.tanh(x @ w) ** 2)

    w, x = np.random.default_rng(0).standard_normal((2, 3, 3))
    value, grad = autodiff.value_and_grad(loss)(w, x)
    f = expr.trace(loss, w, x)
    value_f, grad_f = autodiff.value_and_grad(f)(w, x)
    assert value == value_f and np.array_equal(grad, grad_f)
