"""The ops table: every primitive defined once, with its numpy kernel, output-shape rule and
SymPy counterpart.

An op is applied by `expr.tracer.apply`; graphs store the op's name. The table `OPS` is the
only mutable-looking module state of the package and is filled once, at import.

>>> float(OPS["sin"].kernel(0.0))
0.0
>>> OPS["add"].shape((2, 1), (3,))
(2, 3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InputError, ShapeError
from .lazy import LazyModule

# SymPy loads on first symbolic use, not at `import expr` (see expr.lazy).
sympy = LazyModule("sympy")
_sympy_functions = LazyModule("expr.sympy_functions")
relu, sigmoid, softplus = (
    _sympy_functions.relu,
    _sympy_functions.sigmoid,
    _sympy_functions.softplus,
)

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Op:
    """One primitive.

    kernel(*arrays, **attrs) computes it with numpy; shape(*shapes, **attrs) gives the output
    shape or raises `ShapeError`; sympy(*exprs, **attrs) is the scalar SymPy counterpart
    (elementwise ops only); symbolic(*object_arrays, **attrs) applies the op to numpy object
    arrays of SymPy expressions (every op), which is how tensor graphs become SymPy.
    """

    name: str
    arity: int
    kernel: Callable[..., Any]
    shape: Callable[..., Shape]
    symbolic: Callable[..., Any]
    sympy: Callable[..., sympy.Expr] | None = None
    kind: str = "elementwise"
    smooth: bool = True
    piecewise_constant: bool = False
    doc: str = ""
    attrs: tuple[str, ...] = field(default=())


OPS: dict[str, Op] = {}


def _register(op: Op) -> None:
    OPS[op.name] = op


# ----------------------------------------------------------------------------- shape rules
def _broadcast(name: str) -> Callable[..., Shape]:
    def rule(*shapes: Shape) -> Shape:
        first = shapes[0]
        if shapes.count(first) == len(shapes):  # the common case, without numpy's call
            return tuple(first)
        try:
            return tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            shown = " and ".join(str(tuple(s)) for s in shapes)
            raise ShapeError(
                f"{name}: shapes {shown} do not broadcast (trailing axes must be equal or 1)"
            ) from None

    return rule


def normalize_axis(axis: int | tuple[int, ...] | None, ndim: int, name: str) -> tuple | None:
    """Axis argument of a reduction as a sorted tuple of non-negative ints (None = all axes)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ShapeError(f"{name}: axis {axis!r} is out of range for an array of {ndim} dims")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _reduced(shape: Shape, axis: tuple | None, keepdims: bool) -> Shape:
    axes = range(len(shape)) if axis is None else axis
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _reduction_shape(shape: Shape, axis: tuple | None = None, keepdims: bool = False) -> Shape:
    return _reduced(tuple(shape), axis, keepdims)


def _matmul_shape(a: Shape, b: Shape) -> Shape:
    if len(a) == 0 or len(b) == 0:
        raise ShapeError(f"matmul: operands must have at least 1 dim, got shapes {a} and {b}")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ShapeError(
            f"matmul: shapes {a} and {b} do not align (inner dims {a2[-1]} != {b2[-2]})"
        )
    try:
        batch = tuple(np.broadcast_shapes(a2[:-2], b2[:-2]))
    except ValueError:
        raise ShapeError(f"matmul: batch dims of {a} and {b} do not broadcast") from None
    out = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def _transpose_shape(shape: Shape, axes: tuple | None = None) -> Shape:
    axes = tuple(reversed(range(len(shape)))) if axes is None else axes
    return tuple(shape[i] for i in axes)


def _reshape_shape(shape: Shape, newshape: Shape) -> Shape:
    size = int(np.prod(shape))
    if int(np.prod(newshape)) != size:
        raise ShapeError(f"reshape: cannot reshape {shape} ({size} elements) into {newshape}")
    return tuple(newshape)


def _broadcast_to_shape(shape: Shape, newshape: Shape) -> Shape:
    try:
        np.broadcast_shapes(shape, newshape)
        if tuple(np.broadcast_shapes(shape, newshape)) != tuple(newshape):
            raise ValueError
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {shape} to {newshape}") from None
    return tuple(newshape)


def _sum_to_shape(shape: Shape, newshape: Shape) -> Shape:
    _broadcast_to_shape(newshape, shape)
    return tuple(newshape)


def _probe(shape: Shape) -> np.ndarray:
    """A zero-copy array of the given shape, for asking numpy about indexing."""
    return np.broadcast_to(np.zeros(()), shape)


def _getitem_shape(shape: Shape, index: tuple) -> Shape:
    try:
        return _probe(shape)[index].shape
    except IndexError as error:
        raise ShapeError(f"getitem: index {index!r} does not fit shape {shape}: {error}") from None


def _scatter_shape(shape: Shape, index: tuple, newshape: Shape) -> Shape:
    if _getitem_shape(newshape, index) != tuple(shape):
        raise ShapeError(f"scatter: a {shape} block does not fit {newshape}[{index!r}]")
    return tuple(newshape)


def check_basic_index(index: Any) -> tuple:
    """Index as a tuple of ints, slices, None and Ellipsis; anything else is refused."""
    index = index if isinstance(index, tuple) else (index,)
    for item in index:
        if not (
            isinstance(item, (int, np.integer, slice)) or item is None or item is Ellipsis
        ) or isinstance(item, bool):
            raise InputError(
                f"only basic indexing is supported (ints, slices, None, ...), got {item!r}"
            )
    return tuple(int(i) if isinstance(i, np.integer) else i for i in index)


# ----------------------------------------------------------------------------- kernels
def _as_float(mask: np.ndarray, *like: Any) -> np.ndarray:
    dtypes = [np.asarray(x).dtype for x in like]
    dtype = np.result_type(*dtypes, np.float32) if dtypes else np.float64
    if dtype.kind not in "fc":
        dtype = np.float64
    return np.asarray(mask, dtype=np.real(np.zeros((), dtype)).dtype)


def _sigmoid(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return np.log(1.0 + np.exp(x))
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _relu(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return np.where(np.real(x) > 0, x, np.zeros((), x.dtype))


def _where(c: Any, a: Any, b: Any) -> np.ndarray:
    return np.where(np.asarray(c) != 0, a, b)


def _compare(fn: Callable) -> Callable:
    def kernel(a: Any, b: Any) -> np.ndarray:
        return _as_float(fn(np.real(a), np.real(b)), a, b)

    return kernel


def _logsumexp(x: Any, axis: tuple | None = None, keepdims: bool = False) -> np.ndarray:
    x = np.asarray(x)
    m = np.max(np.real(x), axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _sum_to(x: Any, newshape: Shape) -> np.ndarray:
    """Sum x over the axes that broadcasting added or stretched, giving `newshape`."""
    x = np.asarray(x)
    lead = x.ndim - len(newshape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(newshape) if n == 1 and x.shape[lead + i] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    return np.reshape(out, newshape)


def _scatter(x: Any, index: tuple, newshape: Shape) -> np.ndarray:
    x = np.asarray(x)
    out = np.zeros(newshape, dtype=x.dtype if x.dtype.kind in "fcO" else np.float64)
    if x.dtype == object:
        out = out.astype(object)
    out[index] = x[()] if x.ndim == 0 else x  # a 0-d object array would be stored whole
    return out


# ----------------------------------------------------------------------------- SymPy side
def _vectorized(fn: Callable[..., sympy.Expr], arity: int) -> Callable[..., Any]:
    ufunc = np.frompyfunc(fn, arity, 1)

    def symbolic(*args: Any) -> np.ndarray:
        return np.asarray(ufunc(*args), dtype=object)

    return symbolic


def _sym_max(x: np.ndarray, axis: tuple | None = None, keepdims: bool = False) -> np.ndarray:
    axes = range(x.ndim) if axis is None else axis
    out = np.asarray(x, dtype=object)
    for a in sorted(axes, reverse=True):
        out = np.frompyfunc(sympy.Max, 2, 1).reduce(out, axis=a, keepdims=True)
    out = np.asarray(out, dtype=object)
    return out if keepdims else np.asarray(out.reshape(_reduced(x.shape, axis, False)), object)


def _sym_sum(x: np.ndarray, axis: tuple | None = None, keepdims: bool = False) -> np.ndarray:
    return np.asarray(np.sum(np.asarray(x, dtype=object), axis=axis, keepdims=keepdims), object)


def _sym_mean(x: np.ndarray, axis: tuple | None = None, keepdims: bool = False) -> np.ndarray:
    x = np.asarray(x, dtype=object)
    count = x.size // max(int(np.prod(_reduced(x.shape, axis, False), dtype=np.int64)), 1)
    return _vectorized(lambda s: s / count, 1)(_sym_sum(x, axis, keepdims))


def _sym_logsumexp(x: np.ndarray, axis: tuple | None = None, keepdims: bool = False) -> Any:
    return _vectorized(sympy.log, 1)(_sym_sum(_vectorized(sympy.exp, 1)(x), axis, keepdims))


def _structural(kernel: Callable) -> Callable:
    def symbolic(*args: Any, **attrs: Any) -> np.ndarray:
        return np.asarray(kernel(*[np.asarray(a, dtype=object) for a in args], **attrs), object)

    return symbolic


def _piecewise01(relation: Callable) -> Callable:
    return lambda a, b: sympy.Piecewise((1, relation(a, b)), (0, True))


# ----------------------------------------------------------------------------- the table
def _elementwise(
    name: str,
    arity: int,
    kernel: Callable,
    counterpart: Callable,
    doc: str,
    *,
    smooth: bool = True,
    piecewise_constant: bool = False,
) -> None:
    _register(
        Op(
            name,
            arity,
            kernel,
            _broadcast(name),
            _vectorized(counterpart, arity),
            sympy=counterpart,
            smooth=smooth,
            piecewise_constant=piecewise_constant,
            doc=doc,
        )
    )


_elementwise("add", 2, np.add, lambda a, b: a + b, "a + b")
_elementwise("sub", 2, np.subtract, lambda a, b: a - b, "a - b")
_elementwise("mul", 2, np.multiply, lambda a, b: a * b, "a * b")
_elementwise("div", 2, np.divide, lambda a, b: a / b, "a / b")
_elementwise("pow", 2, np.power, lambda a, b: a**b, "a ** b")
_elementwise("neg", 1, np.negative, lambda a: -a, "-a")
_elementwise("sin", 1, np.sin, sympy.sin, "sin a")
_elementwise("cos", 1, np.cos, sympy.cos, "cos a")
_elementwise("tan", 1, np.tan, sympy.tan, "tan a")
_elementwise("exp", 1, np.exp, sympy.exp, "e ** a")
_elementwise("log", 1, np.log, sympy.log, "natural log of a")
_elementwise("sqrt", 1, np.sqrt, sympy.sqrt, "square root of a")
_elementwise("tanh", 1, np.tanh, sympy.tanh, "tanh a")
_elementwise("sigmoid", 1, _sigmoid, sigmoid, "1 / (1 + e ** -a)")
_elementwise("softplus", 1, _softplus, softplus, "log(1 + e ** a)")
_elementwise(
    "relu",
    1,
    _relu,
    relu,
    "max(a, 0); derivative 0 at a = 0",
    smooth=False,
)
_elementwise("abs", 1, np.abs, sympy.Abs, "|a|; derivative sign(a), 0 at a = 0", smooth=False)
_elementwise(
    "maximum", 2, np.maximum, sympy.Max, "max(a, b); ties split the derivative", smooth=False
)
_elementwise(
    "minimum", 2, np.minimum, sympy.Min, "min(a, b); ties split the derivative", smooth=False
)
_elementwise(
    "where",
    3,
    _where,
    lambda c, a, b: sympy.Piecewise((a, sympy.Ne(c, 0)), (b, True)),
    "a where c != 0 else b",
    smooth=False,
)
_elementwise(
    "sign",
    1,
    lambda a: np.sign(np.real(a)).astype(np.asarray(a).dtype),
    sympy.sign,
    "sign of a (-1, 0, 1)",
    smooth=False,
    piecewise_constant=True,
)
_elementwise(
    "step",
    2,
    lambda a, b: _as_float(np.heaviside(np.real(a) - np.real(b), 0.5), a, b),
    lambda a, b: sympy.Piecewise((1, a > b), (sympy.S.Half, sympy.Eq(a, b)), (0, True)),
    "Heaviside step of a - b: 1 where a > b, 0.5 at a tie, 0 where a < b",
    smooth=False,
    piecewise_constant=True,
)
for _name, _fn, _rel in [
    ("gt", np.greater, lambda a, b: a > b),
    ("ge", np.greater_equal, lambda a, b: a >= b),
    ("lt", np.less, lambda a, b: a < b),
    ("le", np.less_equal, lambda a, b: a <= b),
    ("eq", np.equal, sympy.Eq),
]:
    _elementwise(
        _name,
        2,
        _compare(_fn),
        _piecewise01(_rel),
        f"1.0 where a {_name} b else 0.0",
        smooth=False,
        piecewise_constant=True,
    )


def _reduction(name: str, kernel: Callable, symbolic: Callable, doc: str) -> None:
    _register(
        Op(
            name,
            1,
            kernel,
            _reduction_shape,
            symbolic,
            kind="reduction",
            smooth=name not in ("max",),
            doc=doc,
            attrs=("axis", "keepdims"),
        )
    )


_reduction("sum", np.sum, _sym_sum, "sum over axes")
_reduction("mean", np.mean, _sym_mean, "mean over axes")
_reduction("max", np.max, _sym_max, "max over axes; ties split the derivative")
_reduction("logsumexp", _logsumexp, _sym_logsumexp, "log(sum(exp(a))) over axes, stable")

for _op in [
    Op(
        "matmul",
        2,
        np.matmul,
        _matmul_shape,
        _structural(np.matmul),
        kind="linear algebra",
        doc="a @ b",
    ),
    Op(
        "transpose",
        1,
        np.transpose,
        _transpose_shape,
        _structural(np.transpose),
        kind="structural",
        doc="permute axes",
        attrs=("axes",),
    ),
    Op(
        "reshape",
        1,
        lambda x, newshape: np.reshape(x, newshape),
        _reshape_shape,
        _structural(lambda x, newshape: np.reshape(x, newshape)),
        kind="structural",
        doc="same elements, new shape",
        attrs=("newshape",),
    ),
    Op(
        "broadcast_to",
        1,
        lambda x, newshape: np.broadcast_to(x, newshape),
        _broadcast_to_shape,
        _structural(lambda x, newshape: np.array(np.broadcast_to(x, newshape))),
        kind="structural",
        doc="repeat along broadcast axes",
        attrs=("newshape",),
    ),
    Op(
        "sum_to",
        1,
        _sum_to,
        _sum_to_shape,
        _structural(_sum_to),
        kind="structural",
        doc="sum over broadcast axes down to newshape (adjoint of broadcast_to)",
        attrs=("newshape",),
    ),
    Op(
        "getitem",
        1,
        lambda x, index: np.asarray(x)[index],
        _getitem_shape,
        _structural(lambda x, index: x[index]),
        kind="structural",
        doc="basic indexing a[index]",
        attrs=("index",),
    ),
    Op(
        "scatter",
        1,
        _scatter,
        _scatter_shape,
        _structural(lambda x, index, newshape: _scatter_object(x, index, newshape)),
        kind="structural",
        doc="zeros(newshape) with a[index] = x (adjoint of getitem)",
        attrs=("index", "newshape"),
    ),
]:
    _register(_op)


def _scatter_object(x: np.ndarray, index: tuple, newshape: Shape) -> np.ndarray:
    out = np.full(newshape, sympy.Integer(0), dtype=object)
    out[index] = x[()] if np.ndim(x) == 0 and isinstance(x, np.ndarray) else x
    return out


ELEMENTWISE = tuple(name for name, op in OPS.items() if op.kind == "elementwise")
