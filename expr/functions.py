"""numpy-like functions over expr values: they compute on numbers and record on tracers.

One function per elementwise op of `expr.ops.OPS` (and per lower-case alias) is generated
from the table; the reductions and structural ops take their attributes here; the
`COMPOSITES` (softmax, var, stack, diagonal, ...) are written with those primitives, so
every backend handles them without rules of their own. `define_op` adds a user's op.

>>> float(sin(0.0)), float(sum([1.0, 2.0])), round(float(arctan(1.0) * 4), 12)
(0.0, 3.0, 3.14159265359)
"""

from __future__ import annotations

import builtins
import inspect
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops
from .errors import InputError, ShapeError, TraceError
from .ops import OPS, check_axes, check_sizes, normalize_axis
from .tracer import OpValue, Tracer, apply, shape_of

Value = Any


# ----------------------------------------------------------------------------- elementwise
def op_function(op: ops.Op, name: str | None = None) -> Callable[..., Value]:
    """The numpy-like function of an elementwise op: `fn(a, b, ...)` applies it."""
    params = "abc"[: op.arity] if op.arity <= 3 else [f"a{i}" for i in range(op.arity)]

    def fn(*args: Value) -> Value:
        if len(args) != op.arity:
            raise InputError(f"{op.name} takes {op.arity} arguments, got {len(args)}")
        return apply(op.name, *args)

    fn.__name__ = fn.__qualname__ = name or op.name
    fn.__doc__ = f"Elementwise {op.doc} (op {op.name!r}, numpy broadcasting)."
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_ONLY) for p in params]
    )
    return fn


def _generated_names() -> dict[str, Callable[..., Value]]:
    out = {}
    for op in OPS.values():
        if op.kind != "elementwise":
            continue
        for name in (op.name, *op.aliases):
            if name.islower() and name not in ("max", "min", "round"):
                out[name] = op_function(op, name)
    return out


ELEMENTWISE_FUNCTIONS = _generated_names()
globals().update(ELEMENTWISE_FUNCTIONS)
add, subtract, multiply, divide, negative, square, sqrt, exp = (
    ELEMENTWISE_FUNCTIONS[n]
    for n in ("add", "subtract", "multiply", "divide", "negative", "square", "sqrt", "exp")
)


def leaky_relu(x: Value, negative_slope: float = 0.01) -> Value:
    """x where x > 0 else negative_slope * x (derivative negative_slope at x <= 0)."""
    return apply("leaky_relu", x, negative_slope)


def elu(x: Value, alpha: float = 1.0) -> Value:
    """x where x > 0 else alpha (e ** x - 1)."""
    return apply("elu", x, alpha)


def where(cond: Value, a: Value, b: Value) -> Value:
    """a where cond != 0 else b (elementwise, broadcasting); no derivative flows to cond.

    >>> float(where(1.0, 2.0, 3.0))
    2.0
    """
    return apply("where", cond, a, b)


def clip(x: Value, a_min: Value, a_max: Value) -> Value:
    """x limited to [a_min, a_max] (minimum(maximum(x, a_min), a_max)).

    >>> clip([-2.0, 0.5, 3.0], -1.0, 1.0).tolist()
    [-1.0, 0.5, 1.0]
    """
    return apply("minimum", apply("maximum", x, a_min), a_max)


# ----------------------------------------------------------------------------- reductions
def _reduction(name: str, doc: str) -> Callable[..., Value]:
    def fn(x: Value, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Value:
        axis = normalize_axis(axis, len(shape_of(x)), name)
        return apply(name, x, axis=axis, keepdims=bool(keepdims))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


sum = _reduction("sum", "Sum over `axis` (all axes when None).\n\n>>> float(sum([1.0, 2.0]))\n3.0")
mean = _reduction(
    "mean", "Mean over `axis` (all axes when None).\n\n>>> float(mean([1.0, 3.0]))\n2.0"
)
max = _reduction("max", "Maximum over `axis`; at ties the derivative is split evenly.")
logsumexp = _reduction(
    "logsumexp",
    "log(sum(exp(x))) over `axis`, computed stably (the max is shifted out).\n\n"
    ">>> round(float(logsumexp([0.0, 0.0])), 6)\n0.693147",
)
amax = max


def min(x: Value, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Value:
    """Minimum over `axis` (-max(-x)); at ties the derivative is split evenly.

    >>> float(min([3.0, 1.0, 2.0]))
    1.0
    """
    return negative(max(negative(x), axis=axis, keepdims=keepdims))


amin = min


def _count(shape: tuple, axis: tuple | None) -> int:
    return math.prod(shape[i] for i in (range(len(shape)) if axis is None else axis))


def var(
    x: Value, axis: int | tuple[int, ...] | None = None, ddof: int = 0, keepdims: bool = False
) -> Value:
    """Variance sum((x - mean)^2) / (N - ddof) over `axis`. O(size).

    >>> float(var([1.0, 2.0, 3.0, 4.0]))
    1.25
    """
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape), "var")
    count = _count(shape, axes) - ddof
    if count <= 0:
        raise InputError(f"var: ddof={ddof!r} leaves {count} degrees of freedom (need > 0)")
    centered = subtract(x, mean(x, axis=axes, keepdims=True))
    return divide(sum(square(centered), axis=axes, keepdims=keepdims), float(count))


def std(
    x: Value, axis: int | tuple[int, ...] | None = None, ddof: int = 0, keepdims: bool = False
) -> Value:
    """Standard deviation sqrt(var(x)); its derivative is infinite where var is 0.

    >>> float(std([1.0, 3.0]))
    1.0
    """
    return sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def prod(x: Value, axis: int | None = None, keepdims: bool = False) -> Value:
    """Product over `axis` (all when None) by pairwise halving: O(log n) multiply nodes,
    exact derivatives also where entries are 0.

    >>> float(prod([2.0, 3.0, 4.0]))
    24.0
    """
    shape = shape_of(x)
    if axis is None:
        out = prod(reshape(x, (-1,)), axis=0)
        return reshape(out, (1,) * len(shape)) if keepdims else out
    (axis,) = normalize_axis(axis, len(shape), "prod")
    n = shape[axis]
    if n == 0:
        raise InputError("prod: the product over an empty axis is not supported")
    lead = (slice(None),) * axis
    while n > 1:
        half = n // 2
        pair = multiply(x[(*lead, slice(0, half))], x[(*lead, slice(half, 2 * half))])
        x = concatenate([pair, x[(*lead, slice(2 * half, n))]], axis=axis) if n % 2 else pair
        n = half + n % 2
    return x if keepdims else squeeze(x, axis=axis)


# ----------------------------------------------------------------------------- network pieces
def softmax(x: Value, axis: int = -1) -> Value:
    """exp(x - logsumexp(x)) along `axis` (stable for large entries).

    >>> softmax([0.0, 0.0]).tolist()
    [0.5, 0.5]
    """
    return exp(log_softmax(x, axis=axis))


def log_softmax(x: Value, axis: int = -1) -> Value:
    """x - logsumexp(x) along `axis`."""
    return subtract(x, logsumexp(x, axis=axis, keepdims=True))


# ----------------------------------------------------------------------------- linear algebra
def matmul(a: Value, b: Value) -> Value:
    """Matrix product a @ b with numpy's rules (1-D operands, batched leading dims)."""
    return apply("matmul", a, b)


def dot(a: Value, b: Value) -> Value:
    """numpy.dot: a product with a scalar, the inner product of vectors, and otherwise the
    sum over the last axis of a and the second-to-last of b (the last when b is 1-D).

    >>> float(dot([1.0, 2.0], [3.0, 4.0])), dot(np.ones((2, 3)), np.ones((4, 3, 5))).shape
    (11.0, (2, 4, 5))
    """
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    if len(sb) <= 2:
        return matmul(a, b)
    k = sb[-2]
    if sa[-1] != k:
        raise ShapeError(f"dot: shapes {sa} and {sb} do not align ({sa[-1]} != {k})")
    moved = transpose(b, (len(sb) - 2, *range(len(sb) - 2), len(sb) - 1))
    product = matmul(reshape(a, (-1, k)), reshape(moved, (k, -1)))
    return reshape(product, (*sa[:-1], *sb[:-2], sb[-1]))


def outer(a: Value, b: Value) -> Value:
    """numpy.outer: a and b flattened, out[i, j] = a[i] b[j].

    >>> outer([1.0, 2.0], [3.0, 4.0]).tolist()
    [[3.0, 4.0], [6.0, 8.0]]
    """
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def diagonal(x: Value, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
    """numpy.diagonal: the entries x[.., i, .., i + offset, ..], as a last axis.

    >>> diagonal(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 3.0]
    """
    shape = shape_of(x)
    axis1, axis2 = (normalize_axis(a, len(shape), "diagonal")[0] for a in (axis1, axis2))
    if axis1 == axis2:
        raise ShapeError(f"diagonal: axis1 and axis2 must differ, got {axis1} twice")
    rest = [i for i in range(len(shape)) if i not in (axis1, axis2)]
    moved = transpose(x, (*rest, axis1, axis2))
    rows, cols = shape[axis1], shape[axis2]
    count = builtins.max(
        0, builtins.min(rows, cols - offset) if offset >= 0 else builtins.min(rows + offset, cols)
    )
    first = np.arange(count)
    i, j = (first, first + offset) if offset >= 0 else (first - offset, first)
    return moved[(Ellipsis, i, j)]


def trace(x: Value, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
    """numpy.trace: the sum of the diagonal (`expr.matrix_trace`, since `expr.trace` traces
    a function; np.trace on a tracer lands here).

    >>> float(trace(np.eye(3)))
    3.0
    """
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


matrix_trace = trace


# ----------------------------------------------------------------------------- structure
def transpose(x: Value, axes: Sequence[int] | None = None) -> Value:
    """Permute axes (reverse them when `axes` is None); out-of-range axes are refused."""
    ndim = len(shape_of(x))
    axes = tuple(builtins.reversed(builtins.range(ndim))) if axes is None else axes
    return apply("transpose", x, axes=check_axes(axes, ndim))


def reshape(x: Value, newshape: int | Sequence[int]) -> Value:
    """Same elements in a new shape; one entry may be -1. Sizes must be ints."""
    shape = shape_of(x)
    items = (newshape,) if isinstance(newshape, (int, np.integer)) else newshape
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence | np.ndarray):
        raise InputError(f"reshape: newshape must be an int or a tuple of ints, got {newshape!r}")
    items = tuple(items)
    if items.count(-1) == 1:
        rest = check_sizes(tuple(n for n in items if not _is_minus_one(n)), "reshape")
        size, known = math.prod(shape), math.prod(rest)
        if known == 0 or size % known:
            raise ShapeError(f"reshape: cannot reshape {shape} into {items}")
        items = tuple(size // known if _is_minus_one(n) else int(n) for n in items)
    return apply("reshape", x, newshape=check_sizes(items, "reshape"))


def _is_minus_one(n: Any) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n == -1


def ravel(x: Value) -> Value:
    """x as a 1-D array (C order)."""
    return reshape(x, (-1,))


def broadcast_to(x: Value, newshape: Sequence[int]) -> Value:
    """Repeat x along broadcast axes to `newshape` (a tuple of ints)."""
    return apply("broadcast_to", x, newshape=check_sizes(newshape, "broadcast_to"))


def sum_to(x: Value, newshape: Sequence[int]) -> Value:
    """Sum x over broadcast axes down to `newshape` (the adjoint of `broadcast_to`)."""
    return apply("sum_to", x, newshape=check_sizes(newshape, "sum_to"))


def squeeze(x: Value, axis: int | tuple[int, ...] | None = None) -> Value:
    """Drop axes of length 1 (those in `axis`, or all).

    >>> squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape), "squeeze")
    axes = tuple(i for i, n in enumerate(shape) if n == 1) if axes is None else axes
    wide = [i for i in axes if shape[i] != 1]
    if wide:
        raise ShapeError(f"squeeze: axis {wide[0]} of shape {shape} has length {shape[wide[0]]}")
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def expand_dims(x: Value, axis: int | tuple[int, ...]) -> Value:
    """Insert axes of length 1 at the positions `axis` of the result.

    >>> expand_dims(np.ones(3), 0).shape
    (1, 3)
    """
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape) + len(np.atleast_1d(axis)), "expand_dims")
    out, rest = [], iter(shape)
    for i in range(len(shape) + len(axes)):
        out.append(1 if i in axes else next(rest))
    return reshape(x, tuple(out))


def flip(x: Value, axis: int | tuple[int, ...] | None = None) -> Value:
    """Reverse the order of entries along `axis` (all axes when None).

    >>> flip([1.0, 2.0, 3.0]).tolist()
    [3.0, 2.0, 1.0]
    """
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape), "flip")
    axes = range(len(shape)) if axes is None else axes
    return _index(x)[
        tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(len(shape)))
    ]


def _index(x: Value) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def concatenate(values: Sequence[Value], axis: int = 0) -> Value:
    """Join arrays along an existing axis: each is scattered into its block and the blocks
    added (a linear map, so every backend differentiates it).

    >>> concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    values = _sequence(values, "concatenate")
    shapes = [tuple(shape_of(v)) for v in values]
    if not shapes[0]:
        raise ShapeError("concatenate: 0-d values cannot be joined (use stack)")
    (axis,) = normalize_axis(axis, len(shapes[0]), "concatenate")
    others = {s[:axis] + s[axis + 1 :] for s in shapes}
    if len(others) != 1 or len({len(s) for s in shapes}) != 1:
        raise ShapeError(f"concatenate: shapes {shapes} differ off axis {axis}")
    total = builtins.sum(s[axis] for s in shapes)
    newshape = (*shapes[0][:axis], total, *shapes[0][axis + 1 :])
    out, start = None, 0
    for value, shape in zip(values, shapes):
        index = (*(slice(None),) * axis, slice(start, start + shape[axis]))
        block = apply("scatter", value, index=index, newshape=newshape)
        out = block if out is None else add(out, block)
        start += shape[axis]
    return out


def stack(values: Sequence[Value], axis: int = 0) -> Value:
    """Join arrays of one shape along a new axis.

    >>> stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    values = _sequence(values, "stack")
    return concatenate([expand_dims(v, axis) for v in values], axis=axis)


def _sequence(values: Any, name: str) -> list[Value]:
    if isinstance(values, (str, bytes, Tracer, np.ndarray)) or not isinstance(values, Sequence):
        raise InputError(f"{name}: expected a list or tuple of arrays, got {type(values).__name__}")
    if not values:
        raise InputError(f"{name}: needs at least one array")
    return list(values)


__all__ = sorted(
    {*ELEMENTWISE_FUNCTIONS, "amax", "broadcast_to", "logsumexp", "matmul", "max", "mean",
     "reshape", "sum", "sum_to", "transpose", "where"}
)  # fmt: skip

COMPOSITES = (
    "amin", "clip", "concatenate", "diagonal", "dot", "expand_dims", "flip", "log_softmax",
    "matrix_trace", "min", "outer", "prod", "ravel", "softmax", "squeeze", "stack", "std",
    "var",
)  # fmt: skip
"""Functions written with the primitives (no op of their own)."""
__all__ += COMPOSITES


# ----------------------------------------------------------------------------- array methods
def _reshape_method(x: Value, *newshape: Any) -> Value:
    """x.reshape(2, 3) or x.reshape((2, 3)), as numpy's method."""
    return reshape(x, newshape[0] if len(newshape) == 1 else newshape)


def _transpose_method(x: Value, *axes: Any) -> Value:
    """x.transpose(1, 0), x.transpose((1, 0)) or x.transpose() (axes reversed)."""
    return transpose(x, (axes[0] if len(axes) == 1 else axes) if axes else None)


def _array_function(x: Value, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    """numpy's function protocol on a tracer: np.<name>(tracer, ...) is expr's <name>."""
    ours = globals().get(func.__name__)
    if ours is None or not callable(ours):
        raise TraceError(f"numpy's {func.__name__} has no expr counterpart; use the expr functions")
    return ours(*args, **kwargs)


#: The numpy-like methods of a traced value (and of an `OpValue` such as `autodiff.Dual`):
#: the functions above, attached here since `expr.tracer` (a layer below) cannot import them.
ARRAY_METHODS = {
    "sum": sum, "mean": mean, "max": max, "min": min, "prod": prod, "var": var, "std": std,
    "ravel": ravel, "flatten": ravel, "squeeze": squeeze, "reshape": _reshape_method,
    "transpose": _transpose_method, "T": property(transpose),
}  # fmt: skip
for _name, _method in ARRAY_METHODS.items():
    setattr(Tracer, _name, _method)
    setattr(OpValue, _name, _method)
Tracer.__array_function__ = _array_function  # type: ignore[method-assign]


def supported_functions() -> str:
    """Every function `expr` offers, from the table (markdown, for the README):
    elementwise ops with their aliases, reductions, structural ops, composites."""

    def names(kind: str) -> str:
        items = []
        for op in OPS.values():
            if op.kind == kind and op.builtin:
                aliases = f" ({', '.join(op.aliases)})" if op.aliases else ""
                items.append(f"`{op.name}`{aliases}")
        return ", ".join(items)

    groups = [
        ("Elementwise (also numpy's ufunc of the name on a tracer, and in formulas)",
         names("elementwise")),
        ("Reductions (`axis`, `keepdims`)", names("reduction")),
        ("Structure and linear algebra", f"{names('linear algebra')}, {names('structural')}"),
        ("Composites (written with the ops above)", ", ".join(f"`{n}`" for n in COMPOSITES)),
    ]  # fmt: skip
    return "\n".join(
        textwrap.fill(f"- **{title}:** {body}.", width=92, subsequent_indent="  ",
                      break_on_hyphens=False)
        for title, body in groups
    )  # fmt: skip


# ----------------------------------------------------------------------------- define_op
def define_op(
    name: str,
    kernel: Callable[..., Any],
    sympy: Callable[..., Any],
    *,
    arity: int | None = None,
    aliases: Sequence[str] = (),
    numpy: Sequence[Callable[..., Any]] = (),
    domain: Sequence[tuple[float, float]] | None = None,
    doc: str = "",
    smooth: bool = True,
    piecewise_constant: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Value]:
    """Register a user's elementwise primitive and return its numpy-like function.

    `kernel` computes it on numpy arrays; `sympy` is its SymPy counterpart (a callable of
    SymPy expressions). After this, formulas (`parse("name(x)")`), `from_sympy`, every
    autodiff transformation (the rule is derived from `sympy`), both symdiff methods,
    numdiff and `expr.reference` know the op (the complex step only with
    `holomorphic=True`: the kernel then must be the analytic continuation on complex
    input). The table is the one module-level registry.

    >>> import numpy as np, sympy
    >>> cube = define_op("doc_cube", lambda x: np.asarray(x) ** 3, lambda x: x**3)
    >>> float(cube(2.0))
    8.0
    """
    arity = _checked_arity(name, kernel, sympy, arity, aliases)
    existing = OPS.get(name) if isinstance(name, str) else None
    if (
        existing is not None
        and not existing.builtin
        and existing.kernel is kernel
        and getattr(existing.sympy, "counterpart", None) is sympy
    ):
        return op_function(existing)
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"op name {name!r} must be a Python identifier")
    op = ops.elementwise_op(
        name,
        kernel,
        _user_function(name, sympy, arity),
        doc or f"user op {name}",
        arity=arity,
        aliases=tuple(aliases),
        numpy=tuple(numpy),
        domain="real" if domain is None else tuple(tuple(d) for d in domain),
        smooth=smooth,
        piecewise_constant=piecewise_constant,
        builtin=False,
        holomorphic=bool(holomorphic),
    )
    return op_function(ops.register(op))


def _checked_arity(name: Any, kernel: Any, sympy: Any, arity: Any, aliases: Any) -> int:
    """define_op's arguments checked (the counterpart run on symbols); the op's arity."""
    if not callable(kernel) or not callable(sympy):
        raise InputError("define_op: kernel and sympy must be callables")
    if arity is None:
        arity = _arity(sympy)
    if not isinstance(arity, int) or isinstance(arity, bool) or arity < 1:
        raise InputError(f"define_op: arity must be a positive int, got {arity!r}")
    _check_counterpart(name, sympy, arity)
    if isinstance(aliases, str):
        raise InputError(f"define_op: aliases must be a list of names, got the string {aliases!r}")
    return arity


def _arity(counterpart: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(counterpart).parameters.values()
    except (TypeError, ValueError):
        raise InputError(
            "define_op: give arity=..., the counterpart's signature is unknown"
        ) from None
    return builtins.sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def _check_counterpart(name: Any, counterpart: Callable[..., Any], arity: int) -> None:
    import sympy  # define_op only: `import expr` does not load SymPy

    symbols = sympy.symbols(f"a0:{arity}", real=True)
    try:
        value = counterpart(*symbols)
    except Exception as error:
        raise InputError(
            f"define_op {name!r}: the SymPy counterpart failed on symbols: {error}"
        ) from error
    if not isinstance(value, sympy.Expr):
        raise InputError(
            f"define_op {name!r}: the SymPy counterpart must return a SymPy expression, "
            f"got {type(value).__name__}"
        )


def _user_function(name: str, counterpart: Any, arity: int) -> type:
    """`expr.sympy_functions.user_function`, imported here on use (SymPy loads with it)."""
    from .sympy_functions import user_function

    return user_function(name, counterpart, arity)
