"""Straight-line programs of SymPy assignments, and their reverse-mode differentiation.

A `Program` is what `sympy.cse` returns — assignments `(symbol, rhs)` in order, each rhs a
small SymPy expression of the inputs and earlier symbols, then the output expressions — but
built from the `expr` graph (one assignment per op node) and differentiated node by node:
the "graph" method. Each rhs's local partials come from `sympy.diff` of that small rhs (an
op's SymPy counterpart, `expr.OPS[name].sympy`); reverse accumulation adds one adjoint
assignment per node reached. Sharing is kept, so the derivative program is a constant
multiple of the function's size, however large its written-out tree.

>>> import expr
>>> p = from_function(expr.parse("x*x + sin(x)"), [sympy.Symbol("x", real=True)])
>>> print(p)
v1 = x**2
v2 = sin(x)
v3 = v1 + v2
return v3
>>> print(reverse(p, p.inputs).inline()[0])
2*x + cos(x)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy.core.cache import clear_cache

import expr

from .errors import BudgetExceeded, SymdiffError
from .size import expression

#: What a Program's outputs are called in error messages.
OUTPUTS = "a Program's outputs"


@dataclass(frozen=True)
class Program:
    """Assignments `(symbol, rhs)` evaluated in order, then `outputs` (SymPy expressions of
    the inputs and the assigned symbols). `inputs` are the free variables."""

    inputs: tuple[sympy.Symbol, ...]
    assignments: tuple[tuple[sympy.Symbol, sympy.Expr], ...]
    outputs: tuple[sympy.Expr, ...]

    def inline(self, deadline: float | None = None) -> list[sympy.Expr]:
        """The outputs as SymPy expressions of the inputs only, built bottom-up without
        expanding, so shared subexpressions stay shared in memory (a DAG whose written-out
        tree may be exponentially larger). O(total size of the rhs) SymPy constructions.
        Empties SymPy's cache first (see `symdiff.source.fresh_cache`). Past `deadline`
        (a `time.perf_counter()` value) it stops with `BudgetExceeded`."""
        clear_cache()
        env: dict[sympy.Symbol, sympy.Expr] = {}
        for index, (symbol, rhs) in enumerate(self.assignments):
            if deadline is not None and time.perf_counter() > deadline:
                raise BudgetExceeded(
                    f"inline stopped at assignment {index} of {len(self.assignments)}",
                    step="inline",
                )
            env[symbol] = rhs.xreplace(env)
        return [expression(out, OUTPUTS).xreplace(env) for out in self.outputs]

    def cse(self) -> tuple[list[tuple[sympy.Symbol, sympy.Expr]], list[sympy.Expr]]:
        """The program in `sympy.cse`'s output format: (replacements, reduced outputs)."""
        return list(self.assignments), list(self.outputs)

    def __len__(self) -> int:
        return len(self.assignments)

    def __str__(self) -> str:
        lines = [f"{symbol} = {rhs}" for symbol, rhs in self.assignments]
        lines.append("return " + ", ".join(str(out) for out in self.outputs))
        return "\n".join(lines)


class _Names:
    """Fresh real symbols `prefix + number`, never clashing with names already in use."""

    def __init__(self, used: set[str]) -> None:
        self.used = set(used)

    def new(self, prefix: str, number: int) -> sympy.Symbol:
        name = f"{prefix}{number}"
        while name in self.used:
            name = "_" + name
        self.used.add(name)
        return sympy.Symbol(name, real=True)


def _constant(data: dict) -> sympy.Expr:
    """A constant node as SymPy: its exact value when known, an Integer when integral."""
    if data.get("exact") is not None:
        return expression(data["exact"], "a constant's exact value")
    value = np.asarray(data["value"])
    if value.ndim != 0 or np.iscomplexobj(value):
        raise SymdiffError(f"symdiff handles real scalar constants, got {value!r}")
    number = float(value)
    return sympy.Integer(int(number)) if number.is_integer() else sympy.Float(number)


def _apply(op_name: str, args: list[sympy.Expr], attrs: dict) -> sympy.Expr:
    op = expr.OPS[op_name]
    if op.sympy is not None:
        return op.sympy(*args)
    objects = [np.asarray(a, dtype=object) for a in args]
    return expression(np.asarray(op.symbolic(*objects, **attrs), dtype=object)[()], op_name)


def _gathered(node: int, op_name: str, args: list[Any], attrs: dict) -> np.ndarray:
    """A tensor node that only gathers scalar values (how `expr.from_sympy` writes the max
    reduction's `amax(x1, ..., xk)`: the xi stacked, then `max`): its elements as an object
    array, each a symbol or number already. Any other tensor node is refused."""
    objects = [np.asarray(a, dtype=object) for a in args]
    op = expr.OPS[op_name]
    value = op.sympy(*objects) if op.sympy is not None else op.symbolic(*objects, **attrs)
    value = np.asarray(value, dtype=object)
    if not all(expression(v, f"node {node}").is_Atom for v in value.flat):
        raise SymdiffError(f"node {node} ({op_name}) is not scalar")
    return value


def from_function(graph: expr.Function, symbols: Sequence[sympy.Symbol]) -> Program:
    """The program of a scalar `expr.Function`: one assignment `v<node> = op(args)` per op
    node (constants inlined). O(nodes).

    >>> import expr
    >>> print(from_function(expr.parse("exp(2*x)"), [sympy.Symbol("x")]))
    v2 = 2*x
    v3 = exp(v2)
    return v3
    """
    if len(symbols) != graph.n_inputs:
        raise SymdiffError(f"{graph.name} has {graph.n_inputs} inputs, got {len(symbols)} symbols")
    names = _Names({s.name for s in symbols})
    records = graph.records
    assignments = []

    def step(entry: tuple, args: list[Any]) -> Any:
        node, data = entry[0], records[entry[0]]
        if data["shape"] != ():
            return _gathered(node, data["op"], args, entry[3])
        rhs = _apply(data["op"], args, entry[3])
        if rhs.is_Atom:
            return rhs
        symbol = names.new("v", node)
        assignments.append((symbol, rhs))
        return symbol

    values = graph.run(graph.start_values(symbols, _constant), step)
    outputs = tuple(values[n] for n in graph.outputs)
    return Program(tuple(symbols), tuple(assignments), outputs)


class _RealAbs(sympy.Function):
    """|u| for a real u whose realness SymPy cannot prove (log(u), u**0.5, ...): d|u| = sign(u) du
    (abs'(0) = 0), not SymPy's general (re(u) re(u)' + im(u) im(u)') / |u|, which is 0/0
    (NaN) where u = 0."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.sign(self.args[0])


def real_diff(e: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """d e / d symbol for a real-valued e (every value the toolkit computes is real), with
    step-function deltas dropped (`no_delta`). O(tree of e).

    >>> x = sympy.Symbol("x", real=True)
    >>> real_diff(sympy.Abs(sympy.log(x)), x)
    sign(log(x))/x
    """
    if not e.has(sympy.Abs):
        return no_delta(sympy.diff(e, symbol))
    d = sympy.diff(e.replace(sympy.Abs, _RealAbs), symbol)
    return no_delta(d.replace(_RealAbs, sympy.Abs))


def no_delta(e: sympy.Expr) -> sympy.Expr:
    """Derivatives of step functions (sign, Heaviside, floor, comparisons: the ops the table
    marks piecewise constant) are 0 away from the kink and 0 by the toolkit's convention at
    it: drop SymPy's DiracDelta terms and the unevaluated Derivative(floor(u)), ... it leaves."""
    steps = expr.ops.STEP_HEADS

    def of_step(d: Any) -> bool:
        inner = d.expr if isinstance(d, sympy.Subs) else d
        return isinstance(inner, sympy.Derivative) and inner.expr.func in steps

    deltas = e.atoms(sympy.DiracDelta) | {
        d for d in e.atoms(sympy.Derivative, sympy.Subs) if of_step(d)
    }
    return e.xreplace(dict.fromkeys(deltas, sympy.S.Zero)) if deltas else e


def _partials(rhs: sympy.Expr, known: set[sympy.Symbol]) -> list[tuple[sympy.Symbol, Any]]:
    out = []
    for symbol in sorted(rhs.free_symbols & known, key=lambda s: s.name):
        partial = real_diff(rhs, symbol)
        if partial != 0:
            out.append((symbol, partial))
    return out


class _LocalPartials:
    """`_partials` computed once per shape of right-hand side: the rhs with its known symbols
    renamed to placeholders (same assumptions) is the key, so a chain of 50,000 sin nodes
    calls `sympy.diff` once and renames the result back 50,000 times. O(rhs) per call."""

    def __init__(self, known: set[sympy.Symbol]) -> None:
        self.known = known
        self.templates: dict[sympy.Expr, list[tuple[int, Any]]] = {}

    def __call__(self, rhs: sympy.Expr) -> list[tuple[sympy.Symbol, Any]]:
        symbols = sorted(rhs.free_symbols & self.known, key=lambda s: s.name)
        holders = [sympy.Symbol(f"_symdiff_{i}", **s.assumptions0) for i, s in enumerate(symbols)]
        if any(h.name in {s.name for s in rhs.free_symbols} for h in holders):
            return _partials(rhs, self.known)  # a clash with the placeholder names
        key = rhs.xreplace(dict(zip(symbols, holders)))
        if key not in self.templates:
            derivatives = [real_diff(key, h) for h in holders]
            self.templates[key] = [(i, d) for i, d in enumerate(derivatives) if d != 0]
        back = dict(zip(holders, symbols))
        return [(symbols[i], d.xreplace(back)) for i, d in self.templates[key]]


def reverse(program: Program, wrt: Sequence[sympy.Symbol], prefix: str = "w") -> Program:
    """The Jacobian of `program`'s outputs w.r.t. `wrt` by reverse accumulation, as a program:
    the original assignments, then for each output one adjoint assignment `w<k> = sum of
    adjoint x local partial` per node reached; outputs are the Jacobian row-major
    (outputs x wrt). O(outputs x program) small `sympy.diff` calls.

    >>> x, y = sympy.symbols("x y", real=True)
    >>> p = Program((x, y), ((sympy.Symbol("v"), x * y),), (sympy.sin(sympy.Symbol("v")),))
    >>> print(reverse(p, [x, y]))
    v = x*y
    w0 = cos(v)
    return w0*y, w0*x
    """
    known = set(program.inputs) | {s for s, _ in program.assignments}
    missing = [s for s in wrt if s not in known]
    if missing:
        raise SymdiffError(f"cannot differentiate w.r.t. {missing}: not inputs of the program")
    used = {s.name for s in known} | {
        s.name for out in program.outputs for s in expression(out, OUTPUTS).free_symbols
    }
    names = _Names(used)
    partials = _LocalPartials(known)
    local: dict[int, list] = {}
    extra: list[tuple[sympy.Symbol, sympy.Expr]] = []
    jacobian: list[sympy.Expr] = []
    counter = 0
    for out in program.outputs:
        adjoint: dict[sympy.Symbol, list[sympy.Expr]] = {}
        for symbol, partial in partials(expression(out, OUTPUTS)):
            adjoint.setdefault(symbol, []).append(partial)
        for index in range(len(program.assignments) - 1, -1, -1):
            symbol, rhs = program.assignments[index]
            terms = adjoint.pop(symbol, None)
            if not terms:
                continue
            seed = sympy.Add(*terms)
            if seed == 0:
                continue
            if not seed.is_Atom:
                name = names.new(prefix, counter)
                counter += 1
                extra.append((name, seed))
                seed = name
            if index not in local:
                local[index] = partials(rhs)
            for arg, partial in local[index]:
                adjoint.setdefault(arg, []).append(seed * partial)
        jacobian.extend(sympy.Add(*adjoint.get(s, [])) for s in wrt)
    return Program(program.inputs, program.assignments + tuple(extra), tuple(jacobian))
