"""Every accepted form of a function, made scalar: the graph, its input symbols, its outputs.

Tensor inputs are handled element by element: `x` of shape (2, 3) becomes the real symbols
`x_0_0 ... x_1_2` (as `expr.Function.to_sympy` names them), and the graph is rebuilt with
one scalar node per element. Fine for small tensors; cost O(elements x graph).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import sympy
from sympy.core.cache import clear_cache

import expr
from expr.sympy_bridge import input_symbols

from .errors import SymdiffError
from .size import expression


def fresh_cache() -> None:
    """Empty SymPy's global cache before building a deep expression.

    SymPy caches constructors in a bounded LRU cache keyed by their arguments. When a deep
    shared expression is built a second time after some of its parts were evicted, a new
    part equals an old cached one without being the same object, and the cache lookup runs
    SymPy's `==` down both trees: exponential in depth (minutes at logistic depth 50).
    Starting from an empty cache makes every rebuilt part new, so lookups stay shallow.
    """
    clear_cache()


class Scalar:
    """A function with scalar nodes only.

    `function`: the original `expr.Function`; `graph`: the scalar `expr.Function` (inputs =
    `symbols`, in order); `symbols`: the real SymPy symbols of all input elements, flattened
    in input order; `groups`: input name -> positions of its elements in `symbols`;
    `outputs`: the output expressions flattened (SymPy, inlined: a shared DAG in memory),
    built on first use.
    """

    def __init__(
        self,
        function: expr.Function,
        graph: expr.Function | None,
        symbols: tuple[sympy.Symbol, ...],
        groups: dict[str, tuple[int, ...]],
    ) -> None:
        self.function = function
        self.symbols = symbols
        self.groups = groups
        self._graph = graph

    @cached_property
    def outputs(self) -> tuple[sympy.Expr, ...]:
        fresh_cache()
        outs = self.function.to_sympy()
        outs = outs if isinstance(outs, tuple) else (outs,)
        return tuple(
            expression(e, "to_sympy's outputs")
            for out in outs
            for e in np.asarray(out, dtype=object).ravel()
        )

    @property
    def graph(self) -> expr.Function:
        if self._graph is None:
            self._graph = expr.from_sympy(list(self.outputs), self.symbols, name=self.function.name)
        return self._graph


def as_scalar(f: Any, args: Sequence[Any] = ()) -> Scalar:
    """`f` (an `expr.Function`, formula string, SymPy expression, or Python function written
    with expr ops, traced at `args`) as a `Scalar`.

    >>> s = as_scalar("x*y + sin(x)")
    >>> [str(v) for v in s.symbols], s.outputs
    (['x', 'y'], (x*y + sin(x),))
    """
    if not isinstance(args, (list, tuple)):
        raise SymdiffError(
            f"args must be a tuple of example inputs (for a Python function), got {args!r:.60}"
        )
    if callable(f) and not isinstance(f, (sympy.Basic, expr.Function)) and not args:
        raise SymdiffError(
            "a Python function needs example inputs to be traced: pass args=(x0, ...)"
        )
    try:
        function = expr.as_function(f, *args)
    except expr.ExprError:
        raise
    except Exception as error:  # an unexpected object deep inside SymPy or the tracer
        raise SymdiffError(
            f"cannot read {type(f).__name__} as a function ({error}); accepted: expr.Function, "
            "a formula string, a SymPy expression, or a Python function with example args"
        ) from None
    flat: list[sympy.Symbol] = []
    groups: dict[str, tuple[int, ...]] = {}
    for name, group in zip(function.input_names, input_symbols(function)):
        elements = list(np.asarray(group, dtype=object).ravel())
        groups[name] = tuple(range(len(flat), len(flat) + len(elements)))
        flat.extend(elements)
    scalar_graph = all(function.shape(n) == () for n in function.graph.nodes)
    return Scalar(function, function if scalar_graph else None, tuple(flat), groups)


def resolve_wrt(scalar: Scalar, wrt: Any) -> list[int]:
    """Positions in `scalar.symbols` of the variables `wrt` names.

    `wrt` is None (all inputs), a name or SymPy symbol, or a sequence of them. A tensor
    input's name stands for all its elements; an element is named like `x_0_1`.
    """
    if wrt is None:
        return list(range(len(scalar.symbols)))
    if isinstance(wrt, (str, sympy.Symbol)):
        items = [wrt]
    elif isinstance(wrt, (list, tuple)) and wrt:
        items = list(wrt)
    else:
        raise SymdiffError(
            f"wrt must be a variable name, a SymPy symbol or a non-empty list of them, got "
            f"{wrt!r:.60}"
        )
    by_name = {s.name: i for i, s in enumerate(scalar.symbols)}
    out: list[int] = []
    for item in items:
        if isinstance(item, sympy.Symbol):
            item = item.name
        if not isinstance(item, str):
            raise SymdiffError(
                f"wrt must be a variable name, a SymPy symbol or a list of them, got {item!r}"
            )
        if item in scalar.groups:
            out.extend(scalar.groups[item])
        elif item in by_name:
            out.append(by_name[item])
        else:
            known = ", ".join(sorted(set(scalar.groups) | set(by_name)))
            raise SymdiffError(
                f"unknown variable {item!r} in wrt; {scalar.function.name} has variables {known}"
            )
    return out
