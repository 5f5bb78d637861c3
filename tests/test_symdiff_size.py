"""Sizes counted on the shared DAG: exact, iterative, fast at 10**30."""

from __future__ import annotations

import sys
import time

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiff
from expr import catalog

x, y = sympy.symbols("x y")
LEAVES = [x, y, sympy.Integer(2), sympy.Rational(1, 3), sympy.Float(0.5), sympy.Integer(-1)]
UNARY = [sympy.sin, sympy.exp, sympy.log, sympy.sqrt, lambda a: -a, lambda a: 1 / a]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a**b]


@st.composite
def expressions(draw, depth=4):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(LEAVES))
    if draw(st.booleans()):
        return draw(st.sampled_from(UNARY))(draw(expressions(depth=depth - 1)))
    a = draw(expressions(depth=depth - 1))
    b = draw(expressions(depth=depth - 1))
    return draw(st.sampled_from(BINARY))(a, b)


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_sizes_match_sympy_tree_walks(e):
    nodes = list(sympy.preorder_traversal(e))
    assert symdiff.tree_size(e) == len(nodes)
    assert symdiff.dag_size(e) == len(set(nodes))
    assert symdiff.count_ops(e) == sympy.count_ops(e)
    assert symdiff.tree_size([e, e]) == 2 * len(nodes)


def test_tree_ops_rule():
    assert symdiff.tree_ops(sympy.sin(x) * y + x**2) == 4  # Mul, sin, Pow, Add
    assert symdiff.tree_ops(x + y + 1) == 2
    assert symdiff.tree_ops(x) == 0


def test_cse_size_rule():
    replacements, reduced = sympy.cse([sympy.sin(x) ** 2 + sympy.sin(x)])
    # x0 = sin(x): 1 + 2 ; x0**2 + x0: Add(Pow(x0, 2), x0) = 5
    assert symdiff.cse_size(replacements, reduced) == 8


def _doubling_chain(depth: int) -> sympy.Expr:
    e = x
    for _ in range(depth):
        e = sympy.Mul(e, sympy.Add(e, 1, evaluate=False), evaluate=False)
    return e


def test_counts_10_to_30_in_under_a_second():
    e = _doubling_chain(110)
    start = time.perf_counter()
    size = symdiff.tree_size(e)
    elapsed = time.perf_counter() - start
    # T(k) = 1 + T(k-1) + (2 + T(k-1)) = 2 T(k-1) + 3, T(0) = 1  ->  T(k) = 2**(k+2) - 3
    assert size == 2**112 - 3 > 10**30
    assert symdiff.dag_size(e) == 2 * 110 + 2
    assert elapsed < 1.0


def test_deep_chain_needs_no_recursion():
    e = x
    depth = 3 * sys.getrecursionlimit()
    for _ in range(depth):
        e = sympy.sin(e, evaluate=False)
    assert symdiff.tree_size(e) == depth + 1
    assert symdiff.dag_size(e) == depth + 1
    assert symdiff.tree_ops(e) == depth


def test_graph_derivative_of_logistic_100_counted_exactly():
    d = symdiff.derivative(catalog.logistic_map(100), "x", method="graph")
    start = time.perf_counter()
    size, dag = symdiff.tree_size(d), symdiff.dag_size(d)
    assert time.perf_counter() - start < 1.0
    assert isinstance(size, int) and size > 10**30
    assert dag < 1000
