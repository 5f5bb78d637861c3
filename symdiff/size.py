"""Sizes of SymPy expressions counted on the shared DAG, never on the written-out tree.

SymPy expressions are hashed DAGs: a subexpression used twice is stored once. Every count
here visits each node object once (an iterative post-order walk keyed by object identity,
never recursion, never `preorder_traversal`), so an expression whose tree has 10**30 nodes
is measured in time linear in its DAG. No count builds or compares SymPy expressions: SymPy's
`==` on two equal but distinct deep expressions walks their trees, which is exponential.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> e = x
>>> for _ in range(100):
...     e = sympy.Mul(e, sympy.Add(e, 1), evaluate=False)
>>> tree_size(e) > 10**30, dag_size(e)
(True, 202)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy

from .errors import SymdiffError

Exprs = sympy.Basic | Sequence[sympy.Basic]


def expression(e: Any, name: str) -> sympy.Expr:
    """A SymPy expression or a real number; strings are refused (never sympified)."""
    if isinstance(e, sympy.Basic):
        return e
    if isinstance(e, (int, float, np.integer, np.floating)) and not isinstance(e, bool):
        return sympy.Float(float(e)) if isinstance(e, (float, np.floating)) else sympy.Integer(e)
    raise SymdiffError(
        f"{name} must be a SymPy expression (or a list, Matrix or Program of them), got "
        f"{type(e).__name__} {e!r:.60}"
    )


def _roots(exprs: Any) -> list[sympy.Basic]:
    if isinstance(exprs, sympy.MatrixBase):
        return list(exprs)
    if isinstance(exprs, (list, tuple)):
        return [expression(e, f"exprs[{i}]") for i, e in enumerate(exprs)]
    return [expression(exprs, "exprs")]


def postorder(roots: Sequence[sympy.Basic]) -> list[sympy.Basic]:
    """Every distinct node object under `roots`, children before parents. O(DAG), iterative."""
    order: list[sympy.Basic] = []
    seen: set[int] = set()
    stack: list[tuple[sympy.Basic, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(node.args) if id(c) not in seen)
    return order


def tree_size(exprs: Exprs) -> int:
    """Nodes of the expression tree written out with no sharing (atoms count 1 each).

    Equals `len(list(sympy.preorder_traversal(e)))`, summed over a list of expressions, but
    costs O(DAG): an exact Python int however large.

    >>> x = sympy.Symbol("x")
    >>> tree_size(sympy.sin(x) + x**2)
    6
    """
    roots = _roots(exprs)
    size: dict[int, int] = {}
    for node in postorder(roots):
        size[id(node)] = 1 + sum(size[id(c)] for c in node.args)
    return sum(size[id(r)] for r in roots)


def dag_size(exprs: Exprs) -> int:
    """Distinct subexpressions (structurally different nodes, atoms included): the nodes of
    the expression as a DAG with all sharing. O(DAG); equal but separately built
    subexpressions count once (found by hash-consing, without SymPy's deep `==`).

    >>> x = sympy.Symbol("x")
    >>> dag_size(sympy.sin(x) * sympy.sin(x) + sympy.sin(x))   # sin(x)**2 + sin(x)
    5
    """
    classes: dict[Any, int] = {}
    canon: dict[int, int] = {}
    for node in postorder(_roots(exprs)):
        if node.args:
            key: Any = (type(node), tuple(canon[id(c)] for c in node.args))
        else:
            key = (type(node), node)
        canon[id(node)] = classes.setdefault(key, len(classes))
    return len(classes)


def tree_ops(exprs: Exprs) -> int:
    """Operations of the written-out tree: an Add or Mul of n terms counts n - 1, every other
    compound node (Pow, sin, Piecewise, ...) 1, atoms 0. Close to `sympy.count_ops` (which
    also counts subtraction, negation and division its own way) but O(DAG), exact at any size.

    >>> x = sympy.Symbol("x")
    >>> tree_ops(sympy.sin(x) * x + x**2)
    4
    """
    roots = _roots(exprs)
    ops: dict[int, int] = {}
    for node in postorder(roots):
        if not node.args:
            own = 0
        elif node.is_Add or node.is_Mul:
            own = len(node.args) - 1
        else:
            own = 1
        ops[id(node)] = own + sum(ops[id(c)] for c in node.args)
    return sum(ops[id(r)] for r in roots)


def count_ops(exprs: Exprs) -> int:
    """`sympy.count_ops(e)` summed over a list. Walks the written-out tree: exponential on
    deep compositions, so `symdiff.swell` runs it under the budget and skips it above the
    size budget.

    >>> x = sympy.Symbol("x")
    >>> count_ops(sympy.sin(x) * x - 1 / x)
    4
    """
    return sum(int(sympy.count_ops(r)) for r in _roots(exprs))


def cse_size(replacements: Sequence[tuple[Any, Any]], reduced: Sequence[Any]) -> int:
    """Size of a common-subexpression form: `sum(1 + tree_size(rhs))` over the replacements
    (the assigned symbol counts 1) plus `tree_size` of the reduced expressions, in which each
    use of a replacement symbol counts 1.

    >>> x = sympy.Symbol("x")
    >>> cse_size(*sympy.cse([sympy.sin(x) ** 2 + sympy.sin(x)]))  # x0 = sin(x); x0**2 + x0
    8
    """
    if not isinstance(replacements, (list, tuple)) or not all(
        isinstance(r, (list, tuple)) and len(r) == 2 for r in replacements
    ):
        raise SymdiffError(
            f"replacements must be a list of (symbol, expression) pairs (as sympy.cse "
            f"returns), got {replacements!r:.60}"
        )
    if not isinstance(reduced, (list, tuple)):
        raise SymdiffError(f"reduced must be a list of expressions, got {reduced!r:.60}")
    return sum(1 + tree_size(rhs) for _, rhs in replacements) + tree_size(list(reduced))
