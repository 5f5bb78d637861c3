"""numpy-like functions over expr values: they compute on numbers and record on tracers.

>>> float(sin(0.0)), float(sum([1.0, 2.0]))
(0.0, 3.0)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .errors import ShapeError
from .ops import normalize_axis
from .tracer import Tracer, apply

Value = Any


def _shape(x: Value) -> tuple:
    return x.shape if isinstance(x, Tracer) else np.shape(x)


def _unary(name: str, doc: str):
    def fn(x: Value) -> Value:
        return apply(name, x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {doc}."
    return fn


def _binary(name: str, doc: str):
    def fn(a: Value, b: Value) -> Value:
        return apply(name, a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {doc}, with numpy broadcasting."
    return fn


sin = _unary("sin", "sin x")
cos = _unary("cos", "cos x")
tan = _unary("tan", "tan x")
exp = _unary("exp", "e ** x")
log = _unary("log", "natural logarithm")
sqrt = _unary("sqrt", "square root")
tanh = _unary("tanh", "tanh x")
sigmoid = _unary("sigmoid", "logistic sigmoid 1 / (1 + e ** -x)")
softplus = _unary("softplus", "softplus log(1 + e ** x), computed stably")
relu = _unary("relu", "max(x, 0)")
absolute = _unary("abs", "|x|")
sign = _unary("sign", "sign of x")
negative = _unary("neg", "-x")
add = _binary("add", "a + b")
subtract = _binary("sub", "a - b")
multiply = _binary("mul", "a * b")
divide = _binary("div", "a / b")
power = _binary("pow", "a ** b")
maximum = _binary("maximum", "max(a, b)")
minimum = _binary("minimum", "min(a, b)")
gt = _binary("gt", "1.0 where a > b else 0.0")
ge = _binary("ge", "1.0 where a >= b else 0.0")
lt = _binary("lt", "1.0 where a < b else 0.0")
le = _binary("le", "1.0 where a <= b else 0.0")
eq = _binary("eq", "1.0 where a == b else 0.0")
step = _binary("step", "Heaviside step of a - b (1, 0.5 at a tie, 0)")
abs = absolute
greater, greater_equal, less, less_equal, equal = gt, ge, lt, le, eq


def where(cond: Value, a: Value, b: Value) -> Value:
    """a where cond != 0 else b (elementwise, broadcasting); no derivative flows to cond.

    >>> float(where(1.0, 2.0, 3.0))
    2.0
    """
    return apply("where", cond, a, b)


def _reduction(name: str):
    def fn(x: Value, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Value:
        axis = normalize_axis(axis, len(_shape(x)), name)
        return apply(name, x, axis=axis, keepdims=bool(keepdims))

    fn.__name__ = fn.__qualname__ = name
    return fn


sum = _reduction("sum")
mean = _reduction("mean")
max = _reduction("max")
logsumexp = _reduction("logsumexp")
amax = max
sum.__doc__ = "Sum over `axis` (all axes when None).\n\n>>> float(sum([1.0, 2.0]))\n3.0"
mean.__doc__ = "Mean over `axis` (all axes when None).\n\n>>> float(mean([1.0, 3.0]))\n2.0"
max.__doc__ = "Maximum over `axis`; at ties the derivative is split evenly."
logsumexp.__doc__ = (
    "log(sum(exp(x))) over `axis`, computed stably (the max is shifted out).\n\n"
    ">>> round(float(logsumexp([0.0, 0.0])), 6)\n0.693147"
)


def matmul(a: Value, b: Value) -> Value:
    """Matrix product a @ b with numpy's rules (1-D operands, batched leading dims)."""
    return apply("matmul", a, b)


dot = matmul


def transpose(x: Value, axes: tuple[int, ...] | None = None) -> Value:
    """Permute axes (reverse them when `axes` is None)."""
    ndim = len(_shape(x))
    axes = tuple(builtins.reversed(builtins.range(ndim))) if axes is None else tuple(axes)
    if sorted(a % ndim if ndim else a for a in axes) != list(builtins.range(ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {ndim} axes")
    return apply("transpose", x, axes=tuple(a % ndim for a in axes))


def reshape(x: Value, newshape: int | tuple[int, ...]) -> Value:
    """Same elements in a new shape; one entry may be -1."""
    shape = _shape(x)
    newshape = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(newshape)
    size = int(np.prod(shape, dtype=np.int64))
    if newshape.count(-1) == 1:
        rest = int(np.prod([n for n in newshape if n != -1], dtype=np.int64))
        if rest == 0 or size % rest:
            raise ShapeError(f"reshape: cannot reshape {shape} into {newshape}")
        newshape = tuple(size // rest if n == -1 else int(n) for n in newshape)
    return apply("reshape", x, newshape=tuple(int(n) for n in newshape))


def broadcast_to(x: Value, newshape: tuple[int, ...]) -> Value:
    """Repeat x along broadcast axes to `newshape`."""
    return apply("broadcast_to", x, newshape=tuple(int(n) for n in newshape))


def sum_to(x: Value, newshape: tuple[int, ...]) -> Value:
    """Sum x over broadcast axes down to `newshape` (the adjoint of `broadcast_to`)."""
    return apply("sum_to", x, newshape=tuple(int(n) for n in newshape))


def square(x: Value) -> Value:
    """x * x."""
    return apply("mul", x, x)
