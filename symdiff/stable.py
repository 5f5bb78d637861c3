"""Stable numeric forms of log-sum-exp, softplus and softmax for `lambdify`.

Written out, log(e^a + e^b) overflows at a = 800 where its value is 800, softplus
log(1 + e^x) gives inf, and the softmax e^a / (e^a + e^b) of the gradient gives inf/inf =
NaN. Before printing, `stabilize` rewrites a program (linear in its size):

- log(S), S a sum of exponentials (or positive constants, c = e^log c) -> `logsumexp`,
  printed as a balanced tree of `numpy.logaddexp` (each max-shifted);
- softplus(u) -> logsumexp(0, u);
- a product with factors e^u ... and S^-k -> e^(u + ... - k logsumexp(S)), so softmax
  terms are exponentials of numbers <= 0.

Sums are found through the program's assignments (t3 = t0 + t1 with t0 = exp(x) counts),
so both the "graph" method's programs and CSE'd SymPy expressions are covered.

>>> import sympy
>>> from symdiff.program import Program
>>> x, y = sympy.symbols("x y", real=True)
>>> p = stabilize(Program((x, y), (), (sympy.exp(x) / (sympy.exp(x) + sympy.exp(y)),)))
>>> print(p)
_lse0 = logsumexp(x, y)
return exp(-_lse0 + x)
"""

from __future__ import annotations

from typing import Any

import sympy

from expr.sympy_functions import softplus

from .program import OUTPUTS, Program
from .size import expression, postorder

#: How many levels of assignments `t = a * b` a product looks through for its factors.
MAX_FACTOR_DEPTH = 8


class logsumexp(sympy.Function):
    """log(sum_i exp(a_i)), printed for numpy as a balanced tree of `numpy.logaddexp`."""

    def _numpycode(self, printer: Any) -> str:
        parts = [printer._print(a) for a in self.args]
        name = printer._module_format("numpy.logaddexp")
        while len(parts) > 1:
            pairs = [parts[i : i + 2] for i in range(0, len(parts), 2)]
            parts = [f"{name}({p[0]}, {p[1]})" if len(p) == 2 else p[0] for p in pairs]
        return parts[0]

    def _eval_rewrite_as_exp(self, *args: Any, **kwargs: Any) -> sympy.Expr:
        return sympy.log(sympy.Add(*[sympy.exp(a) for a in args]))


def _is_positive_number(e: sympy.Basic) -> bool:
    return bool(e.is_Number and e.is_positive)


class _Stabilizer:
    """The rewrite of one program: which symbols hold sums of exponentials, and the
    logsumexp assignments made so far (one per sum)."""

    def __init__(self, program: Program) -> None:
        self.definitions = dict(program.assignments)
        self.used = {s.name for s in program.inputs} | {s.name for s, _ in program.assignments}
        self.sums: set[sympy.Symbol] = set()
        for symbol, rhs in program.assignments:  # in order: a topological pass
            if self._sum_node(rhs):
                self.sums.add(symbol)
        self.lse: dict[sympy.Basic, sympy.Symbol] = {}
        self.pending: list[tuple[sympy.Symbol, sympy.Expr]] = []

    def _sum_node(self, e: sympy.Basic) -> bool:
        """e is exp(u), a positive number, a symbol of a sum, or an Add of those."""
        parts = e.args if e.is_Add else (e,)
        return all(
            isinstance(p, sympy.exp) or _is_positive_number(p) or p in self.sums for p in parts
        )

    def is_sum(self, e: sympy.Basic) -> bool:
        """e is a sum of at least two exponentials (or an exponential and a constant)."""
        return bool(e.is_Add or e.is_Symbol) and self._sum_node(e) and len(self.exponents(e)) > 1

    def exponents(self, e: sympy.Basic) -> list[sympy.Expr]:
        """The u_i of e = sum_i exp(u_i), through the assignments. Iterative, O(sum)."""
        out: list[sympy.Expr] = []
        stack = [e]
        while stack:
            node = stack.pop()
            if node.is_Symbol and node in self.sums:
                stack.append(self.definitions[node])
            elif node.is_Add:
                stack.extend(reversed(node.args))
            elif isinstance(node, sympy.exp):
                out.append(node.args[0])
            else:
                out.append(sympy.log(node))
        return out

    def lse_of(self, total: sympy.Basic) -> sympy.Symbol:
        """The symbol of logsumexp(total), assigned once per sum."""
        if total not in self.lse:
            name = f"_lse{len(self.lse)}"
            while name in self.used:
                name = "_" + name
            self.used.add(name)
            symbol = sympy.Symbol(name, real=True)
            self.pending.append((symbol, logsumexp(*self.exponents(total))))
            self.lse[total] = symbol
        return self.lse[total]

    def _factors(self, e: sympy.Basic, depth: int = 0) -> list[sympy.Basic]:
        """The factors of a product, looking through symbols assigned a product."""
        out: list[sympy.Basic] = []
        for f in e.args if e.is_Mul else (e,):
            inner = self.definitions.get(f) if f.is_Symbol else None
            if inner is not None and inner.is_Mul and depth < MAX_FACTOR_DEPTH:
                out.extend(self._factors(inner, depth + 1))
            else:
                out.append(f)
        return out

    def product(self, node: sympy.Expr, shift: sympy.Expr = sympy.S.Zero) -> sympy.Expr | None:
        """node x e^-shift with e^u ... S^-k ... as e^(u + ... - k lse(S) - shift) times the
        rest, when it has both kinds; (a e^u + b e^v) S^-k as a e^(u - k lse(S)) +
        b e^(v - k lse(S)) (SymPy collects a softmax-weighted sum over one denominator).
        None when there is nothing to combine."""
        ups: list[sympy.Expr] = []
        rest: list[sympy.Basic] = []
        for f in self._factors(node):
            target = self.definitions.get(f, f) if f.is_Symbol else f
            if isinstance(target, sympy.exp):
                ups.append(target.args[0])
            elif target.is_Pow and target.exp.is_negative and self.is_sum(target.base):
                shift = shift - target.exp * self.lse_of(target.base)
            else:
                rest.append(f)
        if shift == 0:
            return None
        if ups:
            return sympy.Mul(*rest, sympy.exp(sympy.Add(*ups) - shift))
        sums = [f for f in rest if f.is_Add]
        if not sums:
            return None
        terms = [self.product(term, shift) or term * sympy.exp(-shift) for term in sums[0].args]
        others = [f for f in rest if f is not sums[0]]
        return sympy.Mul(*others, sympy.Add(*terms))

    def rewrite(self, e: sympy.Basic) -> sympy.Basic:
        """e with the stable forms, bottom-up over its nodes (not into symbols). O(e)."""
        new: dict[int, sympy.Basic] = {}
        for node in postorder([e]):
            if not node.args:
                new[id(node)] = node
                continue
            args = [new[id(a)] for a in node.args]
            rebuilt = node if all(a is b for a, b in zip(args, node.args)) else node.func(*args)
            if isinstance(rebuilt, sympy.log) and self.is_sum(rebuilt.args[0]):
                rebuilt = self.lse_of(rebuilt.args[0])
            elif isinstance(rebuilt, softplus):
                rebuilt = logsumexp(sympy.S.Zero, rebuilt.args[0])
            elif rebuilt.is_Mul:
                rebuilt = self.product(rebuilt) or rebuilt
            new[id(node)] = rebuilt
        return new[id(e)]

    def run(self, program: Program) -> Program:
        assignments: list[tuple[sympy.Symbol, sympy.Expr]] = []
        for symbol, rhs in program.assignments:
            rewritten = self.rewrite(rhs)
            assignments += self.pending
            self.pending = []
            assignments.append((symbol, rewritten))
        outputs = tuple(self.rewrite(expression(out, OUTPUTS)) for out in program.outputs)
        assignments += self.pending
        return Program(program.inputs, tuple(assignments), outputs)


def stabilize(program: Program) -> Program:
    """The program with log-sum-exp, softplus and softmax terms in their stable forms (the
    same values where the written-out forms do not overflow). O(program)."""
    return _Stabilizer(program).run(program)
