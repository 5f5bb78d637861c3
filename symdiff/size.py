"""Sizes of SymPy expressions counted on the shared DAG, never on the written-out tree.

SymPy expressions are hashed DAGs: a subexpression used twice is stored once. Every count
here walks each distinct node once (iteratively, with a memo), so an expression whose tree
has 10**30 nodes is measured in time linear in its DAG.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> e = x
>>> for _ in range(100):
...     e = sympy.Mul(e, sympy.Add(e, 1), evaluate=False)
>>> tree_size(e) > 10**30, dag_size(e)
(True, 202)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sympy
from sympy.core.function import _coeff_isneg
from sympy.core.operations import LatticeOp

Exprs = sympy.Basic | Sequence[sympy.Basic]


def _roots(exprs: Any) -> list[sympy.Basic]:
    if isinstance(exprs, sympy.MatrixBase):
        return list(exprs)
    if isinstance(exprs, (list, tuple)):
        return [sympy.sympify(e) for e in exprs]
    return [sympy.sympify(exprs)]


def _memo_sum(
    roots: Iterable[sympy.Basic], local: Any
) -> int:
    """Sum over the tree of `local(node)[0]`, where `local(node)[1]` are the node's children.

    Memoized post-order walk with an explicit stack (keyed by object id: equal objects have
    equal counts, and identity avoids SymPy's deep equality tests). O(DAG) local calls.
    """
    memo: dict[int, int] = {}
    keep: list[sympy.Basic] = []  # keeps children alive so ids stay unique during the walk
    children_of: dict[int, list[sympy.Basic]] = {}
    total = 0
    for root in roots:
        stack: list[sympy.Basic] = [root]
        while stack:
            node = stack[-1]
            key = id(node)
            if key in memo:
                stack.pop()
                continue
            if key not in children_of:
                own, children = local(node)
                children_of[key] = [own, *children]
                keep.extend(children)
                pending = [c for c in children if id(c) not in memo]
                if pending:
                    stack.extend(pending)
                    continue
            own, *children = children_of.pop(key)
            memo[key] = own + sum(memo[id(c)] for c in children)
            stack.pop()
        total += memo[id(root)]
    return total


def _tree_local(node: sympy.Basic) -> tuple[int, tuple]:
    return 1, node.args


def tree_size(exprs: Exprs) -> int:
    """Nodes of the expression tree written out with no sharing (atoms count 1 each).

    Equals `len(list(sympy.preorder_traversal(e)))`, summed over a list of expressions, but
    costs O(distinct subexpressions): a Python int, exact however large.

    >>> x = sympy.Symbol("x")
    >>> tree_size(sympy.sin(x) + x**2)
    6
    """
    return _memo_sum(_roots(exprs), _tree_local)


def dag_size(exprs: Exprs) -> int:
    """Distinct subexpressions (SymPy equality), atoms included: the nodes of the shared DAG.

    O(DAG) with an explicit stack.

    >>> x = sympy.Symbol("x")
    >>> dag_size(sympy.sin(x) * sympy.sin(x) + sympy.sin(x))   # sin(x)**2 + sin(x)
    5
    """
    seen: set[sympy.Basic] = set()
    stack = _roots(exprs)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(a for a in node.args if a not in seen)
    return len(seen)


def _ops_local(a: sympy.Basic) -> tuple[int, list]:
    """One step of `sympy.count_ops`'s walk: the ops counted at `a` and what it visits next.

    A line-by-line transcription of the loop body of `sympy.count_ops(visual=False)` (SymPy
    1.14), where each appended op symbol counts its coefficient (`SUB - ADD` counts 0).
    """
    count = 0
    if a.is_Rational:
        if a is not sympy.S.One:
            count += (a.p < 0) + (a.q != 1)
            return count, []
    elif a.is_Mul:
        if _coeff_isneg(a):
            count += 1
            a = a.as_two_terms()[1] if a.args[0] is sympy.S.NegativeOne else -a
        n, d = sympy.fraction(a)
        if n.is_Integer:
            count += 1 + (n < 0)
            return count, [d]
        if d is not sympy.S.One:
            children = [] if d.is_Integer else [d]
            return count + 1, [*children, n]
    elif a.is_Add:
        aargs = list(a.args)
        children = []
        negs = 0
        for i, ai in enumerate(aargs):
            if _coeff_isneg(ai):
                negs += 1
                children.append(-ai)
            else:
                children.append(ai)
            count += i > 0
        if negs == len(aargs):
            count += 1
        return count, children
    if a.is_Pow and a.exp is sympy.S.NegativeOne:
        return count + 1, [a.base]
    if a == sympy.S.Exp1:
        return count + 1, []
    if a.is_Pow and a.base == sympy.S.Exp1:
        return count + 1, [a.exp]
    if a.is_Mul or isinstance(a, LatticeOp):
        count += len(a.args) - 1
    elif a.args and (
        a.is_Pow
        or a.is_Function
        or isinstance(a, (sympy.Derivative, sympy.Integral, sympy.Sum))
    ):
        count += 1
    return count, ([] if a.is_Symbol else list(a.args))


def count_ops(exprs: Exprs) -> int:
    """`sympy.count_ops(e, visual=False)` (summed over a list), computed on the shared DAG.

    SymPy's own walk visits the written-out tree (exponential on deep compositions); this
    memoized transcription of its rules gives the same number in O(DAG). Non-Expr roots
    (relations, booleans) are passed to SymPy.

    >>> x, y = sympy.symbols("x y")
    >>> count_ops(sympy.sin(x) * y - 1 / x) == sympy.count_ops(sympy.sin(x) * y - 1 / x)
    True
    """
    roots = _roots(exprs)
    plain = [r for r in roots if isinstance(r, sympy.Expr) and not r.is_Relational]
    other = sum(int(sympy.count_ops(r)) for r in roots if not (
        isinstance(r, sympy.Expr) and not r.is_Relational))
    return _memo_sum(plain, _ops_local) + other


def cse_size(replacements: Sequence[tuple[Any, Any]], reduced: Sequence[Any]) -> int:
    """Size of a common-subexpression form: `sum(1 + tree_size(rhs))` over the replacements
    (the assigned symbol counts 1) plus `tree_size` of the reduced expressions, in which each
    use of a replacement symbol counts 1.

    >>> x = sympy.Symbol("x")
    >>> cse_size(*sympy.cse([sympy.sin(x) ** 2 + sympy.sin(x)]))  # x0 = sin(x); x0**2 + x0
    8
    """
    return sum(1 + tree_size(rhs) for _, rhs in replacements) + tree_size(list(reduced))
