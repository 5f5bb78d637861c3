"""`Dual`, a + b·ε with ε² = 0, for teaching: f(a + b·ε) = f(a) + f'(a)·b·ε.

Every op of `expr.OPS` works on Duals (arithmetic, `expr.<name>` functions, numpy ufuncs and
functions, reductions, matmul, indexing): `expr.apply` hands an op with a Dual argument to
`Dual.apply_op`, which runs the op on the primals and the op's JVP rule from
`autodiff.rules.RULES` on the tangents, so Duals follow the table as it grows. Cost: one
kernel and one rule per operation.

>>> import expr
>>> d = expr.sin(Dual(0.0, 1.0)) * Dual(2.0, 0.0)
>>> float(d.primal), float(d.tangent)
(0.0, 2.0)
>>> round(float(expr.logsumexp(Dual(np.zeros(2), np.array([1.0, 0.0]))).tangent), 12)
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

import expr
from expr import Tracer, apply, functions
from expr.tracer import UFUNC_OPS, OpValue, shape_of, with_arithmetic

from .errors import AutodiffError, MissingRuleError
from .rules import RULES

Value = Any


def _broadcast(t: Value, shape: tuple[int, ...]) -> Value:
    if shape_of(t) == shape:
        return t
    if isinstance(t, Tracer):
        return expr.broadcast_to(t, shape)
    return np.array(np.broadcast_to(t, shape))


@with_arithmetic(error=AutodiffError)
class Dual(OpValue):
    """A dual number (or array) `primal` + `tangent`·ε; the tangent has the primal's shape
    (a scalar tangent is broadcast). Comparisons with <, <=, >, >= compare the primals and
    give a bool, so Python control flow works; `expr.gt(...)` etc. give Duals.

    >>> d = Dual(np.array([1.0, 2.0]), 1.0)
    >>> float(expr.sum(d * d).tangent)
    6.0
    """

    __slots__ = ("primal", "tangent")
    __array_priority__ = 1000

    def __init__(self, primal: Value, tangent: Value = 0.0) -> None:
        if not isinstance(primal, (Tracer, Dual)):
            primal = expr.graph.as_input(primal, "primal")
            primal = primal[()] if primal.ndim == 0 else primal
        if not isinstance(tangent, (Tracer, Dual)):
            tangent = expr.graph.as_input(tangent, "tangent")
        shape = shape_of(primal)
        try:
            np.broadcast_shapes(shape_of(tangent), shape)
        except ValueError:
            raise AutodiffError(
                f"Dual: the tangent has shape {shape_of(tangent)}, which does not broadcast "
                f"to the primal's shape {shape}"
            ) from None
        self.primal = primal
        self.tangent = _broadcast(tangent, shape)

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    @property
    def shape(self) -> tuple[int, ...]:
        return shape_of(self.primal)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @classmethod
    def apply_op(cls, name: str, *args: Any, **attrs: Any) -> Dual:
        """Op `name` of `expr.OPS` on duals and numbers: the kernel on the primals, the JVP
        rule on the tangents (zero for plain numbers)."""
        rule = RULES.get(name)
        if rule is None:
            raise MissingRuleError(f"Dual: op {name!r} has no derivative rule in autodiff.rules")
        xs = [a.primal if isinstance(a, Dual) else a for a in args]
        ts = [a.tangent if isinstance(a, Dual) else None for a in args]
        y = apply(name, *xs, **attrs)
        t = rule.jvp(ts, xs, y, attrs)
        if t is None:
            return Dual(y, np.zeros(shape_of(y)))
        return Dual(y, _broadcast(t, shape_of(y)))

    @staticmethod
    def lift(op: str, *args: Any, **attrs: Any) -> Dual:
        """Apply op `op` (a name in `expr.OPS`) to duals and numbers."""
        return apply(op, *args, **attrs)

    # + - * / ** @ -x abs(x) x[i] len(x): `with_arithmetic`; .sum() .T ...: expr.functions
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

    def __bool__(self) -> bool:
        return bool(self.primal)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        raise AutodiffError(
            "float() of a Dual would drop its tangent; use d.primal (the value) or "
            "d.tangent (the derivative), and expr ops (expr.exp, not math.exp) on Duals"
        )

    # numpy interoperability ------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = UFUNC_OPS.get(ufunc)
        if method != "__call__" or op is None or kwargs:
            raise AutodiffError(
                f"Dual does not support numpy's {ufunc.__name__}.{method}; use the expr "
                "functions (every op of expr.OPS works on Duals)"
            )
        return apply(op, *inputs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.shape:
            return self.shape
        if func is np.ndim:
            return self.ndim
        ours = getattr(functions, func.__name__, None)
        if ours is None or not callable(ours):
            raise AutodiffError(f"numpy's {func.__name__} has no expr counterpart for Duals")
        return ours(*args, **kwargs)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise AutodiffError(
            "a Dual cannot become a numpy array (it would drop the tangent); use d.primal and "
            "d.tangent, or the expr functions on the Dual"
        )
