"""From SymPy expressions (or a `Program`) to a float64 numpy function, linear in the DAG.

`sympy.lambdify(..., cse=True)` walks the written-out tree before its CSE (hopeless on a
derivative whose tree has 10**12 nodes). Here the shared nodes become assignments first
(one per node used twice, or every few levels of a deep chain), which `sympy.lambdify`
then prints line by line through its `cse=` hook.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> f = lambdify([sympy.sin(x) ** 2, sympy.sin(x)], [x])
>>> f(0.5).round(6).tolist()
[0.229849, 0.479426]
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy

from .errors import SymdiffError
from .program import OUTPUTS, Program
from .size import expression, postorder
from .stable import stabilize

#: Longest chain of single-use nodes printed inline (keeps the printer's recursion shallow).
MAX_INLINE_DEPTH = 24


def to_program(exprs: Sequence[sympy.Expr], symbols: Sequence[sympy.Symbol]) -> Program:
    """The expressions as a program: each compound node used more than once (or deeper than
    `MAX_INLINE_DEPTH` single-use levels) becomes an assignment `t<k> = ...`. O(DAG).

    >>> x = sympy.Symbol("x")
    >>> print(to_program([sympy.sin(x) ** 2 + sympy.sin(x)], [x]))
    t0 = sin(x)
    return t0**2 + t0
    """
    roots = [expression(e, f"exprs[{i}]") for i, e in enumerate(exprs)]
    order = postorder(roots)
    uses: dict[int, int] = {}
    for node in order:
        for child in node.args:
            uses[id(child)] = uses.get(id(child), 0) + 1
    taken = {s.name for s in symbols}
    new: dict[int, sympy.Basic] = {}
    depth: dict[int, int] = {}
    assignments: list[tuple[sympy.Symbol, sympy.Expr]] = []
    for node in order:
        if not node.args:
            new[id(node)], depth[id(node)] = node, 0
            continue
        args = [new[id(c)] for c in node.args]
        same = all(a is c for a, c in zip(args, node.args))
        rebuilt = node if same else node.func(*args)
        level = 1 + max(depth[id(c)] for c in node.args)
        shared = uses.get(id(node), 0) > 1 or level > MAX_INLINE_DEPTH
        if shared and isinstance(node, sympy.Expr):
            name = f"t{len(assignments)}"
            while name in taken:
                name = "_" + name
            symbol = sympy.Symbol(name, real=True)
            assignments.append((symbol, rebuilt))
            new[id(node)], depth[id(node)] = symbol, 0
        else:
            new[id(node)], depth[id(node)] = rebuilt, level
    return Program(tuple(symbols), tuple(assignments), tuple(new[id(r)] for r in roots))


def lambdify(exprs: Any, symbols: Sequence[Any]) -> Callable[..., np.ndarray]:
    """A numpy function of the `symbols` (scalars or arrays, broadcast) computing `exprs` in
    float64: one expression gives an array of its value, a list a stacked array, a Matrix an
    array of its shape; a `Program` its outputs. SymPy's lambdify with CSE (the assignments);
    log-sum-exp, softplus and softmax are printed in stable forms (`symdiff.stable`), so
    the result overflows only where the value does.

    >>> x = sympy.Symbol("x", real=True)
    >>> g = lambdify([sympy.log(1 + sympy.exp(x)), sympy.exp(x) / (1 + sympy.exp(x))], [x])
    >>> g(800.0).tolist()
    [800.0, 1.0]
    """
    symbols = _symbols(symbols)
    shape: tuple[int, ...] | None = None
    if isinstance(exprs, Program):
        program = exprs
    else:
        if isinstance(exprs, sympy.MatrixBase):
            shape = exprs.shape
            flat = [expression(e, "exprs") for e in exprs]
        elif isinstance(exprs, (list, tuple)):
            flat = [expression(e, f"exprs[{i}]") for i, e in enumerate(exprs)]
            shape = (len(flat),)
        else:
            flat = [expression(exprs, "exprs")]
            shape = ()
        program = to_program(flat, symbols)
    known = {s.name for s in symbols} | {s.name for s, _ in program.assignments}
    free = {s.name for out in program.outputs for s in expression(out, OUTPUTS).free_symbols}
    free |= {s.name for _, rhs in program.assignments for s in rhs.free_symbols}
    unknown = sorted(free - known)
    if unknown:
        raise SymdiffError(
            f"lambdify: the expressions use {', '.join(unknown)}, which are not among the "
            f"symbols {', '.join(s.name for s in symbols)}"
        )
    program = stabilize(program)
    assignments = list(program.assignments)
    compiled = sympy.lambdify(
        symbols, list(program.outputs), modules=["scipy", "numpy"], cse=lambda e: (assignments, e)
    )
    out_shape = (len(program.outputs),) if shape is None else shape

    names = [s.name for s in symbols]

    def evaluate(*values: Any) -> np.ndarray:
        arrays = _arguments(values, names)
        with np.errstate(all="ignore"):
            results = compiled(*arrays)
        stacked = np.array(np.broadcast_arrays(*results), dtype=np.float64)
        bad = np.isnan(stacked).reshape(len(results), -1).any(axis=1)
        if bad.any():
            raise SymdiffError(
                f"output {int(np.argmax(bad))} is NaN at these (non-NaN) arguments: a value "
                "outside an op's domain (log or sqrt of a negative number, 0/0, inf - inf)"
            )
        return stacked.reshape(out_shape + stacked.shape[1:])

    return evaluate


def _symbols(symbols: Any) -> list[sympy.Symbol]:
    """The argument symbols: a list or tuple of names (identifiers) or SymPy symbols."""
    if not isinstance(symbols, (list, tuple)):
        raise SymdiffError(
            f"symbols must be a list or tuple of names or SymPy symbols, got {symbols!r:.60}"
        )
    out = []
    for i, s in enumerate(symbols):
        if isinstance(s, str) and s.isidentifier() and not keyword.iskeyword(s):
            s = sympy.Symbol(s, real=True)
        if not isinstance(s, sympy.Symbol) or not s.name.isidentifier():
            raise SymdiffError(
                f"symbols[{i}] must be a Python identifier or a SymPy symbol named by one, "
                f"got {s!r:.60}"
            )
        out.append(s)
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise SymdiffError(f"symbols must be distinct, got {names}")
    return out


def _arguments(values: Sequence[Any], names: list[str]) -> list[np.ndarray]:
    """The call's arguments as float64 arrays, one per symbol, none of them NaN."""
    if len(values) != len(names):
        raise SymdiffError(
            f"the function takes {len(names)} arguments ({', '.join(names)}), got {len(values)}"
        )
    arrays = []
    for name, value in zip(names, values):
        try:
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise SymdiffError(f"argument {name} must be real numbers, got {value!r:.60}") from None
        if np.isnan(array).any():
            raise SymdiffError(f"argument {name} is NaN")
        arrays.append(array)
    try:  # broadcast up front: numpy's select/logical_and.reduce do not broadcast
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{n}: {a.shape}" for n, a in zip(names, arrays))
        raise SymdiffError(f"the arguments do not broadcast together ({shapes})") from None
