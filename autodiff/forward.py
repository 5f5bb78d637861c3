"""Forward mode: values and tangents in one sweep in topological order (dual numbers over
the graph), and `Dual`, a + b·ε for teaching.

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> values, tangents = jvp_sweep(f, [2.0, 3.0], [1.0, 0.0])
>>> round(float(tangents[f.outputs[0]]), 6)
2.583853
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer, apply
from expr.tracer import UFUNC_OPS, reassert_guards

from .errors import AutodiffError, MissingRuleError
from .rules import RULES, shape_of

Value = Any


def forward_program(f: Function) -> tuple:
    """The program with each step's JVP rule and output shape:
    (node, kernel, args, attrs, op, jvp or None, out_shape). O(nodes)."""
    nodes = f.records
    program = []
    for node, kernel, args, attrs in f.program:
        op = nodes[node]["op"]
        rule = RULES.get(op)
        program.append(
            (
                node,
                kernel,
                args,
                attrs,
                op,
                None if rule is None else rule.jvp,
                nodes[node]["shape"],
            )
        )
    return tuple(program)


def jvp_sweep(
    f: Function,
    inputs: Sequence[Value],
    tangents: Sequence[Value | None],
    program: tuple | None = None,
) -> tuple[list, list]:
    """Values and tangents of every node (lists indexed by node; tangent None = zero).

    `tangents[i]` is the tangent of input i (None for zero). Each op runs its kernel and,
    when an argument has a tangent, its JVP rule; a tangent is broadcast up to the output's
    shape in this one place. Cost: about 2-3x the evaluation of f. Tracer inputs record.
    """
    program = forward_program(f) if program is None else program
    count = f.n_nodes
    values: list = [None] * count
    dots: list = [None] * count
    for node, value, tangent in zip(f.inputs, inputs, tangents):
        values[node] = value
        dots[node] = tangent
    for node, value in f.constants:
        values[node] = value
    traced = any(isinstance(v, Tracer) for v in (*inputs, *tangents))
    with np.errstate(all="ignore"):
        for node, kernel, args, attrs, op, jvp, shape in program:
            xs = [values[a] for a in args]
            y = apply(op, *xs, **attrs) if traced else kernel(*xs, **attrs)
            values[node] = y
            ts = [dots[a] for a in args]
            if all(t is None for t in ts):
                continue
            if jvp is None:
                raise MissingRuleError(
                    f"op {op!r} at node {node} has no derivative rule "
                    f"(ops with rules: {', '.join(sorted(RULES))})"
                )
            t = jvp(ts, xs, y, attrs)
            if t is not None and shape_of(t) != shape:
                t = expr.broadcast_to(t, shape)
            dots[node] = t
    if traced:
        reassert_guards(f, [values[n] for n in f.inputs])
    return values, dots


class Dual:
    """A dual number a + b·ε with ε² = 0: f(a + b·ε) = f(a) + f'(a)·b·ε.

    Arithmetic operators and every op whose kernel is a numpy ufunc (`expr.sin`,
    `expr.exp`, `expr.tanh`, `np.sqrt`, ...) work, through the same JVP rules as forward
    mode. Comparisons compare the primal parts, so Python control flow works.
    Cost: one rule per operation.

    >>> d = expr.sin(Dual(0.0, 1.0)) * Dual(2.0, 0.0)
    >>> float(d.primal), float(d.tangent)
    (0.0, 2.0)
    """

    __slots__ = ("primal", "tangent")
    __array_priority__ = 1000

    def __init__(self, primal: Value, tangent: Value = 0.0) -> None:
        self.primal = primal
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    @staticmethod
    def lift(op: str, *args: Any) -> Dual:
        """Apply op `op` (a name in `expr.OPS`) to duals and numbers."""
        if op not in RULES or expr.OPS[op].kind != "elementwise":
            raise AutodiffError(
                f"Dual supports the elementwise ops ({', '.join(expr.ops.ELEMENTWISE)}); "
                f"got {op!r} (use autodiff.jvp for tensor ops)"
            )
        xs = [a.primal if isinstance(a, Dual) else a for a in args]
        ts = [a.tangent if isinstance(a, Dual) else None for a in args]
        y = expr.OPS[op].kernel(*xs)
        t = RULES[op].jvp(ts, xs, y, {})
        return Dual(y, 0.0 * y if t is None else t)

    def __add__(self, other: Any) -> Dual:
        return Dual.lift("add", self, other)

    def __radd__(self, other: Any) -> Dual:
        return Dual.lift("add", other, self)

    def __sub__(self, other: Any) -> Dual:
        return Dual.lift("sub", self, other)

    def __rsub__(self, other: Any) -> Dual:
        return Dual.lift("sub", other, self)

    def __mul__(self, other: Any) -> Dual:
        return Dual.lift("mul", self, other)

    def __rmul__(self, other: Any) -> Dual:
        return Dual.lift("mul", other, self)

    def __truediv__(self, other: Any) -> Dual:
        return Dual.lift("div", self, other)

    def __rtruediv__(self, other: Any) -> Dual:
        return Dual.lift("div", other, self)

    def __pow__(self, other: Any) -> Dual:
        return Dual.lift("pow", self, other)

    def __rpow__(self, other: Any) -> Dual:
        return Dual.lift("pow", other, self)

    def __neg__(self) -> Dual:
        return Dual.lift("neg", self)

    def __abs__(self) -> Dual:
        return Dual.lift("abs", self)

    def _primal_of(self, other: Any) -> Value:
        return other.primal if isinstance(other, Dual) else other

    def __lt__(self, other: Any) -> bool:
        return bool(self.primal < self._primal_of(other))

    def __le__(self, other: Any) -> bool:
        return bool(self.primal <= self._primal_of(other))

    def __gt__(self, other: Any) -> bool:
        return bool(self.primal > self._primal_of(other))

    def __ge__(self, other: Any) -> bool:
        return bool(self.primal >= self._primal_of(other))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = UFUNC_OPS.get(ufunc)
        if method != "__call__" or op is None or kwargs or op not in RULES:
            raise AutodiffError(
                f"Dual does not support numpy's {ufunc.__name__}.{method}; supported: "
                f"{', '.join(sorted(set(UFUNC_OPS.values()) - {'matmul'}))}"
            )
        return Dual.lift(op, *inputs)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise AutodiffError(
            "a Dual cannot become a numpy array: the ops whose kernels are not numpy ufuncs "
            "(sigmoid, softplus, relu, where, comparisons, reductions) take Dual.lift(name, ...) "
            "or autodiff.jvp on the function"
        )
