"""The ops table: every primitive defined once — name and aliases, numpy (or scipy.special)
kernel, SymPy counterpart, output-shape rule and domain.

Everything else is derived from this table: the `expr.<name>` functions, numpy dispatch on
tracers (`np.arctan(t)` records "arctan"), the function names formulas and `from_sympy`
accept, the reference's local partials, `autodiff`'s derived rules and the test strategies.
`OPS` is the one sanctioned module-level registry: it is filled at import and grows only
through `register` / `expr.define_op`.

>>> float(OPS["sin"].kernel(0.0))
0.0
>>> OPS["add"].shape((2, 1), (3,))
(2, 3)
>>> resolve_name("atan")
'arctan'
"""

from __future__ import annotations

import functools
import keyword
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InputError, ShapeError, TracerBoolError, UnknownNameError
from .lazy import Deferred, LazyModule

# SymPy (and its codegen functions) and scipy.special load on first use, not at
# `import expr` (see expr.lazy): the table holds deferred references to them.
sympy = LazyModule("sympy")
cfunctions = LazyModule("sympy.codegen.cfunctions")
sf = LazyModule("expr.sympy_functions")
special = LazyModule("scipy.special")

Shape = tuple[int, ...]
Interval = tuple[float, float]
INF = math.inf


@dataclass(frozen=True)
class Op:
    """One primitive.

    kernel(*arrays, **attrs) computes it with numpy; shape(*shapes, **attrs) gives the output
    shape or raises `ShapeError`; sympy(*exprs) is the scalar SymPy counterpart (elementwise
    ops only); symbolic(*object_arrays, **attrs) applies the op to numpy object arrays of
    SymPy expressions (every op), which is how tensor graphs become SymPy. `aliases` are
    further names formulas and `expr` accept; `numpy` the numpy functions that record this op
    when called on a tracer; `domain` one open interval per argument inside which the op is
    smooth and real (tests draw points there; None: no interval describes it);
    `holomorphic` whether the kernel on complex input is the analytic continuation (what
    the complex step needs; a user op from `define_op` must say so).
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
    aliases: tuple[str, ...] = field(default=())
    numpy: tuple[Callable[..., Any], ...] = field(default=())
    domain: tuple[Interval, ...] | None = None
    builtin: bool = True
    holomorphic: bool = True


#: Every op by its canonical name.
OPS: dict[str, Op] = {}
#: Every accepted name (canonical names and aliases) -> canonical op name.
ALIASES: dict[str, str] = {}


#: numpy ufuncs and functions that record an op when called on a tracer -> op name.
class _UfuncTable(dict):
    """numpy function -> op name. Entries of a module not imported yet (scipy.special's)
    hold a `Deferred`; a lookup that misses adds the real functions of loaded modules."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            for fn, name in list(self.items()):
                if isinstance(fn, Deferred) and fn.loaded():
                    self[fn.resolve()] = name
        return dict.get(self, key, default)


UFUNC_OPS: dict[Any, str] = _UfuncTable()
#: SymPy function classes that are an op's counterpart -> op name (what from_sympy maps),
#: and those of the piecewise-constant ops (derivative 0 by convention). Both are worked out
#: from the registered ops' counterparts when first read (that calls SymPy, which
#: `import expr` does not load): `register` queues each op.
_UNSETTLED: list[Op] = []


def _settle_heads() -> None:
    """Add the heads of the ops registered since the last read (in registration order)."""
    if not _UNSETTLED:
        return
    from sympy.core.function import Application

    while _UNSETTLED:
        op = _UNSETTLED.pop(0)
        symbols = sympy.symbols(f"a0:{op.arity}", real=True)
        built = op.sympy(*symbols)
        if isinstance(built, Application) and tuple(built.args[: op.arity]) == symbols:
            dict.setdefault(SYMPY_HEADS, built.func, op.name)
        if op.piecewise_constant and not isinstance(built, sympy.Piecewise):
            set.add(STEP_HEADS, built.func)


def _settled(base: type, reads: tuple[str, ...]) -> type:
    """A subclass of `base` (dict, set) whose `reads` settle the queued heads first."""

    def settling(name: str) -> Callable[..., Any]:
        read = getattr(base, name)

        def method(self: Any, *args: Any) -> Any:
            _settle_heads()
            return read(self, *args)

        method.__name__ = name
        return method

    return type(f"_Settled{base.__name__}", (base,), {name: settling(name) for name in reads})


_SettledDict = _settled(dict, ("get", "__getitem__", "__contains__", "__iter__", "__len__", "copy"))
_SettledSet = _settled(set, ("__contains__", "__iter__", "__len__", "copy"))


SYMPY_HEADS: dict[Any, str] = _SettledDict()
STEP_HEADS: set[Any] = _SettledSet()


def register(op: Op) -> Op:
    """Add `op` to the table (its name, aliases and numpy functions must be new)."""
    names = (op.name, *op.aliases)
    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise InputError(f"op name {name!r} must be a Python identifier")
        if name in ALIASES:
            raise InputError(
                f"op name {name!r} is taken (by op {ALIASES[name]!r}); choose another name"
            )
    taken = [fn for fn in op.numpy if fn in UFUNC_OPS]
    if taken:
        raise InputError(f"numpy's {taken[0].__name__} already records op {UFUNC_OPS[taken[0]]!r}")
    OPS[op.name] = op
    for name in names:
        ALIASES[name] = op.name
    for fn in op.numpy:
        UFUNC_OPS[fn] = op.name
    if op.kind == "elementwise" and op.sympy is not None:
        _UNSETTLED.append(op)  # its SymPy heads, worked out when first read
    return op


def registry_state() -> tuple:
    """A copy of every table `register` fills, for `restore_registry` (test isolation)."""
    return tuple(table.copy() for table in (OPS, ALIASES, UFUNC_OPS, SYMPY_HEADS, STEP_HEADS))


def restore_registry(state: tuple) -> None:
    """Put the tables back as `registry_state` saw them (ops defined since are gone)."""
    for table, before in zip((OPS, ALIASES, UFUNC_OPS, SYMPY_HEADS, STEP_HEADS), state):
        table.clear()
        table.update(before)


def resolve_name(name: str) -> str:
    """The canonical op name of `name` (an op name or an alias); `UnknownNameError` if none.

    >>> resolve_name("ln"), resolve_name("Heaviside")
    ('log', 'heaviside')
    """
    try:
        return ALIASES[name]
    except (KeyError, TypeError):
        shown = ", ".join(formula_names())
        raise UnknownNameError(f"unknown function {name!r}; supported: {shown}") from None


#: Formula spellings that differ from the op names (in a formula max(a, b) is elementwise).
FORMULA_SPELLINGS = {"max": "maximum", "min": "minimum"}


def resolve_formula_name(name: str) -> str:
    """The elementwise op a formula's function name calls: an elementwise op's name or
    alias, or max/min (maximum/minimum); `UnknownNameError` listing the names otherwise.

    >>> resolve_formula_name("atan"), resolve_formula_name("max")
    ('arctan', 'maximum')
    """
    if isinstance(name, str) and name in FORMULA_SPELLINGS:
        return FORMULA_SPELLINGS[name]
    op = ALIASES.get(name) if isinstance(name, str) else None
    if op is None or OPS[op].kind != "elementwise":
        shown = ", ".join(formula_names())
        raise UnknownNameError(f"unknown function {name!r}; supported: {shown}")
    return op


def lookup(name: str) -> Op:
    """The `Op` of an op name or alias (see `resolve_name`)."""
    return OPS[resolve_name(name)]


def formula_names() -> list[str]:
    """Every name (with aliases) of the elementwise ops, the functions a formula may call."""
    return sorted((n for n, op in ALIASES.items() if OPS[op].kind == "elementwise"), key=str.lower)


# ----------------------------------------------------------------------------- shape rules
def _broadcast(name: str) -> Callable[..., Shape]:
    def rule(*shapes: Shape) -> Shape:
        first = shapes[0]
        if shapes.count(first) == len(shapes):  # the common case, without numpy's call
            return tuple(first)
        if len(shapes) == 2:  # the next most common: two shapes, without numpy's call
            shape = _broadcast_two(tuple(first), tuple(shapes[1]))
            if shape is not None:
                return shape
        try:
            return tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            shown = " and ".join(str(tuple(s)) for s in shapes)
            raise ShapeError(
                f"{name}: shapes {shown} do not broadcast (trailing axes must be equal or 1)"
            ) from None

    return rule


def _broadcast_two(a: Shape, b: Shape) -> Shape | None:
    """numpy's broadcast of two shapes, or None when they do not broadcast."""
    if len(a) < len(b):
        a, b = b, a
    b = (1,) * (len(a) - len(b)) + b
    out = []
    for m, n in zip(a, b):
        if m != n and n != 1 and m != 1:
            return None
        out.append(n if m == 1 else m)
    return tuple(out)


def normalize_axis(axis: int | tuple[int, ...] | None, ndim: int, name: str) -> tuple | None:
    """Axis argument of a reduction as a sorted tuple of non-negative ints (None = all axes)."""
    if axis is None:
        return None
    if type(axis) is int and 0 <= axis < ndim:  # the common case, checked at once
        return (axis,)
    try:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    except TypeError:
        raise ShapeError(
            f"{name}: axis must be an int, a tuple of ints or None, got {axis!r}"
        ) from None
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
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
        batch = () if len(a2) == len(b2) == 2 else tuple(np.broadcast_shapes(a2[:-2], b2[:-2]))
    except ValueError:
        raise ShapeError(f"matmul: batch dims of {a} and {b} do not broadcast") from None
    out = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def check_sizes(newshape: Any, name: str, argument: str = "newshape") -> Shape:
    """`newshape` as a tuple of non-negative ints; floats, bools and negatives are refused."""
    items = (newshape,) if isinstance(newshape, (int, np.integer)) else newshape
    try:
        items = tuple(items)
    except TypeError:
        raise InputError(
            f"{name}: {argument} must be a tuple of ints, got {type(newshape).__name__}"
        ) from None
    for n in items:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError(
                f"{name}: {argument} must hold non-negative ints, got {newshape!r} "
                f"(the entry {n!r})"
            )
    return tuple(int(n) for n in items)


def check_axes(axes: Any, ndim: int, name: str = "transpose") -> tuple[int, ...]:
    """`axes` as a permutation of range(ndim) (negative entries count from the end)."""
    try:
        items = tuple(axes)
    except TypeError:
        raise InputError(f"{name}: axes must be a tuple of ints, got {axes!r}") from None
    bad = [
        a
        for a in items
        if isinstance(a, (bool, np.bool_))
        or not isinstance(a, (int, np.integer))
        or not -ndim <= a < ndim
    ]
    if bad or len(items) != ndim:
        raise ShapeError(
            f"{name}: axes {axes!r} are not a permutation of the {ndim} axes of the value "
            f"(accepted: each of 0..{ndim - 1} once, or -{ndim}..-1)"
        )
    out = tuple(int(a) % ndim for a in items)
    if sorted(out) != list(range(ndim)):
        raise ShapeError(f"{name}: axes {axes!r} are not a permutation (an axis repeats)")
    return out


def _transpose_shape(shape: Shape, axes: tuple | None = None) -> Shape:
    axes = tuple(reversed(range(len(shape)))) if axes is None else check_axes(axes, len(shape))
    return tuple(shape[i] for i in axes)


def _reshape_shape(shape: Shape, newshape: Shape) -> Shape:
    newshape = check_sizes(newshape, "reshape")
    size = math.prod(shape)
    if math.prod(newshape) != size:
        raise ShapeError(f"reshape: cannot reshape {shape} ({size} elements) into {newshape}")
    return newshape


def _broadcast_to_shape(shape: Shape, newshape: Shape) -> Shape:
    newshape = check_sizes(newshape, "broadcast_to")
    try:
        if tuple(np.broadcast_shapes(shape, newshape)) != newshape:
            raise ValueError
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {shape} to {newshape}") from None
    return newshape


def _sum_to_shape(shape: Shape, newshape: Shape) -> Shape:
    _broadcast_to_shape(newshape, shape)
    return tuple(newshape)


def _probe(shape: Shape) -> np.ndarray:
    """A zero-copy array of the given shape, for asking numpy about indexing."""
    return np.broadcast_to(np.zeros(()), shape)


def _numpy_index(index: tuple) -> tuple:
    """An index attribute as numpy reads it: nested tuples (integer arrays) become arrays."""
    return tuple(np.asarray(i, dtype=np.intp) if isinstance(i, tuple) else i for i in index)


def _getitem_shape(shape: Shape, index: tuple) -> Shape:
    try:
        return _probe(shape)[_numpy_index(index)].shape
    except IndexError as error:
        raise ShapeError(f"getitem: index {index!r} does not fit shape {shape}: {error}") from None


def _scatter_shape(shape: Shape, index: tuple, newshape: Shape) -> Shape:
    if _getitem_shape(newshape, index) != tuple(shape):
        raise ShapeError(f"scatter: a {shape} block does not fit {newshape}[{index!r}]")
    return tuple(newshape)


def _index_item(item: Any) -> Any:
    """One entry of an index: an int, slice, None or Ellipsis as is; an integer array (or
    list) as nested tuples; a boolean mask as the nested tuples of its True positions."""
    if isinstance(item, (bool, np.bool_)):
        raise InputError(f"index: a bare bool {item!r} is not an index (use a boolean array)")
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, slice) or item is None or item is Ellipsis:
        return item
    try:
        array = np.asarray(item)
    except TracerBoolError:  # a Tracer refuses to become an array: its value is not known
        raise InputError(
            "index: a traced value cannot be an index (its value is unknown while tracing); "
            "use expr.where for a data-dependent choice"
        ) from None
    if array.dtype == bool:
        return tuple(tuple(int(i) for i in axis) for axis in np.nonzero(array))
    if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f"):
        raise InputError(
            f"index: {item!r} is not an index; accepted: ints, slices, None, ..., integer "
            "arrays and boolean masks"
        )
    return np.asarray(array, dtype=np.intp).tolist() if array.ndim else int(array)


def check_index(index: Any) -> tuple:
    """Index as a hashable tuple: ints, slices, None, Ellipsis, integer arrays (as nested
    tuples) and boolean masks (expanded to their True positions); anything else refused.

    >>> check_index(([0, 2], slice(None)))
    ((0, 2), slice(None, None, None))
    """
    items = index if isinstance(index, tuple) else (index,)
    out: list[Any] = []
    for item in items:
        converted = _index_item(item)
        if isinstance(item, np.ndarray | list) and np.asarray(item).dtype == bool:
            out.extend(converted)  # a k-dim mask indexes k axes
        else:
            out.append(_nested_tuple(converted))
    return tuple(out)


def _nested_tuple(value: Any) -> Any:
    return tuple(_nested_tuple(v) for v in value) if isinstance(value, list) else value


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


@functools.lru_cache(maxsize=1024)  # a pure function of two shapes: a memo, not state
def sum_to_axes(shape: Shape, newshape: Shape) -> tuple[int, ...]:
    """The axes `sum_to` sums to take `shape` down to `newshape`: the leading axes
    broadcasting added, and those it stretched from 1.

    >>> sum_to_axes((4, 2, 3), (1, 3))
    (0, 1)
    """
    lead = len(shape) - len(newshape)
    stretched = [lead + i for i, n in enumerate(newshape) if n == 1 and shape[lead + i] != 1]
    return (*range(lead), *stretched)


def _sum_to(x: Any, newshape: Shape) -> np.ndarray:
    """Sum x over the axes that broadcasting added or stretched, giving `newshape`."""
    x = np.asarray(x)
    axes = sum_to_axes(x.shape, tuple(newshape))
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    return np.reshape(out, newshape)


def _scatter(x: Any, index: tuple, newshape: Shape) -> np.ndarray:
    """zeros(newshape) with x added at `index` (repeated positions add up)."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind in "fcO" else np.dtype(np.float64)
    if dtype.kind == "O":
        out = np.full(newshape, sympy.Integer(0), dtype=object)
    else:
        out = np.zeros(newshape, dtype=dtype)
    np.add.at(out, _numpy_index(index), x[()] if x.ndim == 0 else x)
    return out


def _getitem(x: Any, index: tuple) -> np.ndarray:
    return np.asarray(x)[_numpy_index(index)]


# ----------------------------------------------------------------------------- SymPy side
def _vectorized(fn: Callable[..., sympy.Expr], arity: int) -> Callable[..., Any]:
    ufunc = np.frompyfunc(fn, arity, 1)

    def symbolic(*args: Any) -> np.ndarray:
        return np.asarray(ufunc(*args), dtype=object)

    return symbolic


def _sym_max(x: np.ndarray, axis: tuple | None = None, keepdims: bool = False) -> np.ndarray:
    """One `amax` of all the reduced entries per output (not nested pairwise Max: its
    derivative splits a k-way tie 1/k each, as autodiff's rule and the reference do)."""
    x = np.asarray(x, dtype=object)
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    rows = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
    rows = rows.reshape(*(x.shape[a] for a in kept), -1)
    out = np.empty(rows.shape[:-1], dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = sf.amax(*rows[index])
    return out.reshape(_reduced(x.shape, axis, True)) if keepdims else out


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


# ----------------------------------------------------------------------------- kernels: network pieces
def _gelu(x: Any) -> np.ndarray:
    """x Phi(x) written with erfc, so the left tail does not cancel."""
    return 0.5 * x * special.erfc(-np.asarray(x) / math.sqrt(2.0))


def _elu(x: Any, alpha: Any) -> np.ndarray:
    positive = np.real(x) > 0
    return np.where(positive, x, alpha * np.expm1(np.where(positive, 0, x)))


def _leaky_relu(x: Any, slope: Any) -> np.ndarray:
    return np.where(np.real(x) > 0, x, slope * np.asarray(x))


# ----------------------------------------------------------------------------- the table
def elementwise_op(
    name: str,
    kernel: Callable,
    counterpart: Callable,
    doc: str,
    *,
    arity: int = 1,
    aliases: tuple[str, ...] = (),
    numpy: tuple[Callable, ...] = (),
    domain: tuple[Interval, ...] | str | None = "real",
    smooth: bool = True,
    piecewise_constant: bool = False,
    builtin: bool = True,
    holomorphic: bool = True,
) -> Op:
    """An elementwise `Op` (numpy broadcasting; SymPy counterpart vectorized over object
    arrays). `domain` "real" (the default) is the whole real line for every argument."""
    return Op(
        name,
        arity,
        kernel,
        _broadcast(name),
        _vectorized(counterpart, arity),
        sympy=counterpart,
        smooth=smooth,
        piecewise_constant=piecewise_constant,
        doc=doc,
        aliases=tuple(aliases),
        numpy=tuple(numpy),
        domain=((-INF, INF),) * arity if domain == "real" else domain,
        builtin=builtin,
        holomorphic=holomorphic,
    )


def _elementwise(
    name: str, arity: int, kernel: Callable, counterpart: Callable, doc: str, **options: Any
) -> None:
    register(elementwise_op(name, kernel, counterpart, doc, arity=arity, **options))


POSITIVE: tuple[Interval, ...] = ((0.0, INF),)
UNIT: tuple[Interval, ...] = ((-1.0, 1.0),)
PIECEWISE_CONSTANT = {"smooth": False, "piecewise_constant": True}

# fmt: off
# name, arity, kernel, SymPy counterpart, doc; options: aliases, numpy functions, domain
_elementwise("add", 2, np.add, lambda a, b: a + b, "a + b", numpy=(np.add,))
_elementwise("sub", 2, np.subtract, lambda a, b: a - b, "a - b", aliases=("subtract",),
             numpy=(np.subtract,))
_elementwise("mul", 2, np.multiply, lambda a, b: a * b, "a * b", aliases=("multiply",),
             numpy=(np.multiply,))
_elementwise("div", 2, np.divide, lambda a, b: a / b, "a / b", aliases=("divide",),
             numpy=(np.divide,), domain=((-INF, INF), (0.0, INF)))
_elementwise("pow", 2, np.power, lambda a, b: a**b, "a ** b", aliases=("power",),
             numpy=(np.power,), domain=((0.0, INF), (-INF, INF)))
_elementwise("neg", 1, np.negative, lambda a: -a, "-a", aliases=("negative",),
             numpy=(np.negative,))
_elementwise("square", 1, np.square, lambda a: a**2, "a ** 2", numpy=(np.square,))
_elementwise("reciprocal", 1, np.reciprocal, lambda a: 1 / a, "1 / a",
             numpy=(np.reciprocal,), domain=POSITIVE)
_elementwise("sqrt", 1, np.sqrt, sympy.sqrt, "square root of a", numpy=(np.sqrt,),
             domain=POSITIVE)
_elementwise("cbrt", 1, np.cbrt, sf.cbrt, "real cube root of a", numpy=(np.cbrt,),
             domain=POSITIVE)
_elementwise("hypot", 2, np.hypot, cfunctions.hypot, "sqrt(a ** 2 + b ** 2)",
             numpy=(np.hypot,), domain=POSITIVE * 2)
# trigonometric and inverse trigonometric
_elementwise("sin", 1, np.sin, sympy.sin, "sin a", numpy=(np.sin,))
_elementwise("cos", 1, np.cos, sympy.cos, "cos a", numpy=(np.cos,))
_elementwise("tan", 1, np.tan, sympy.tan, "tan a", numpy=(np.tan,),
             domain=((-math.pi / 2, math.pi / 2),))
_elementwise("arcsin", 1, np.arcsin, sympy.asin, "inverse sine", aliases=("asin",),
             numpy=(np.arcsin,), domain=UNIT)
_elementwise("arccos", 1, np.arccos, sympy.acos, "inverse cosine", aliases=("acos",),
             numpy=(np.arccos,), domain=UNIT)
_elementwise("arctan", 1, np.arctan, sympy.atan, "inverse tangent", aliases=("atan",),
             numpy=(np.arctan,))
_elementwise("arctan2", 2, np.arctan2, sympy.atan2, "angle of the point (b, a)",
             aliases=("atan2",), numpy=(np.arctan2,), domain=((-INF, INF), (0.0, INF)))
# hyperbolic and inverse hyperbolic
_elementwise("sinh", 1, np.sinh, sympy.sinh, "sinh a", numpy=(np.sinh,))
_elementwise("cosh", 1, np.cosh, sympy.cosh, "cosh a", numpy=(np.cosh,))
_elementwise("tanh", 1, np.tanh, sympy.tanh, "tanh a", numpy=(np.tanh,))
_elementwise("arcsinh", 1, np.arcsinh, sympy.asinh, "inverse sinh", aliases=("asinh",),
             numpy=(np.arcsinh,))
_elementwise("arccosh", 1, np.arccosh, sympy.acosh, "inverse cosh", aliases=("acosh",),
             numpy=(np.arccosh,), domain=((1.0, INF),))
_elementwise("arctanh", 1, np.arctanh, sympy.atanh, "inverse tanh", aliases=("atanh",),
             numpy=(np.arctanh,), domain=UNIT)
# exponentials and logarithms
_elementwise("exp", 1, np.exp, sympy.exp, "e ** a", numpy=(np.exp,))
_elementwise("exp2", 1, np.exp2, lambda a: 2**a, "2 ** a", numpy=(np.exp2,))
_elementwise("expm1", 1, np.expm1, cfunctions.expm1, "e ** a - 1, accurate near 0",
             numpy=(np.expm1,))
_elementwise("log", 1, np.log, sympy.log, "natural log of a", aliases=("ln",),
             numpy=(np.log,), domain=POSITIVE)
_elementwise("log2", 1, np.log2, cfunctions.log2, "base-2 log of a", numpy=(np.log2,),
             domain=POSITIVE)
_elementwise("log10", 1, np.log10, cfunctions.log10, "base-10 log of a",
             numpy=(np.log10,), domain=POSITIVE)
_elementwise("log1p", 1, np.log1p, cfunctions.log1p, "log(1 + a), accurate near 0",
             numpy=(np.log1p,), domain=((-1.0, INF),))
_elementwise("logaddexp", 2, np.logaddexp, sf.logaddexp, "log(e ** a + e ** b), stable",
             numpy=(np.logaddexp,))
# special functions (scipy.special kernels)
_elementwise("erf", 1, special.erf, sympy.erf, "error function",
             numpy=(special.erf,))
_elementwise("erfc", 1, special.erfc, sympy.erfc, "1 - erf(a), accurate in the tail",
             numpy=(special.erfc,))
_elementwise("gammaln", 1, special.gammaln, sympy.loggamma, "log |Gamma(a)|",
             aliases=("loggamma", "lgamma"), numpy=(special.gammaln,), domain=POSITIVE)
_elementwise("digamma", 1, special.digamma, sympy.digamma, "Gamma'(a) / Gamma(a)",
             aliases=("psi",), numpy=(special.digamma,), domain=POSITIVE)
_elementwise("polygamma", 2, special.polygamma, sympy.polygamma,
             "n-th derivative of digamma (n a non-negative integer constant)", domain=None)
# network pieces
_elementwise("sigmoid", 1, _sigmoid, sf.sigmoid, "1 / (1 + e ** -a)", aliases=("expit",),
             numpy=(special.expit,))
_elementwise("softplus", 1, _softplus, sf.softplus, "log(1 + e ** a)")
_elementwise("gelu", 1, _gelu, lambda a: a * sympy.erfc(-a / sympy.sqrt(2)) / 2,
             "a Phi(a), Phi the normal CDF (the erf form)")
_elementwise("silu", 1, lambda a: a * _sigmoid(a), lambda a: a * sf.sigmoid(a),
             "a sigmoid(a)", aliases=("swish",))
_elementwise("relu", 1, _relu, sf.relu, "max(a, 0); derivative 0 at a = 0", smooth=False)
_elementwise("elu", 2, _elu,
             lambda a, b: sympy.Piecewise((a, a > 0), (b * cfunctions.expm1(a), True)),
             "a where a > 0 else alpha (e ** a - 1)", smooth=False,
             domain=((-INF, INF), (0.0, 2.0)))
_elementwise("leaky_relu", 2, _leaky_relu,
             lambda a, b: sympy.Piecewise((a, a > 0), (b * a, True)),
             "a where a > 0 else slope a", smooth=False, domain=((-INF, INF), (0.0, 1.0)))
# kinks: abs'(0) = 0, ties of maximum/minimum split the derivative
_elementwise("abs", 1, np.abs, sympy.Abs, "|a|; derivative sign(a), 0 at a = 0",
             aliases=("Abs", "absolute", "fabs"), numpy=(np.absolute, np.fabs), smooth=False)
_elementwise("maximum", 2, np.maximum, sf.maximum, "max(a, b); ties split the derivative",
             aliases=("Max",), numpy=(np.maximum, np.fmax), smooth=False)
_elementwise("minimum", 2, np.minimum, sf.minimum, "min(a, b); ties split the derivative",
             aliases=("Min",), numpy=(np.minimum, np.fmin), smooth=False)
_elementwise("where", 3, _where, lambda c, a, b: sympy.Piecewise((a, sympy.Ne(c, 0)), (b, True)),
             "a where c != 0 else b", smooth=False)
_elementwise("mod", 2, np.mod, sf.mod, "a - b floor(a / b) (numpy.mod, Python's %)",
             aliases=("Mod", "remainder"), numpy=(np.mod,), smooth=False,
             domain=((-INF, INF), (0.0, INF)))
# piecewise constant: derivative 0
_elementwise("sign", 1, lambda a: np.sign(np.real(a)).astype(np.asarray(a).dtype), sympy.sign,
             "sign of a (-1, 0, 1)", numpy=(np.sign,), **PIECEWISE_CONSTANT)
_elementwise("floor", 1, np.floor, sympy.floor, "largest integer <= a", numpy=(np.floor,),
             **PIECEWISE_CONSTANT)
_elementwise("ceil", 1, np.ceil, sympy.ceiling, "smallest integer >= a",
             aliases=("ceiling",), numpy=(np.ceil,), **PIECEWISE_CONSTANT)
_elementwise("rint", 1, np.rint, sf.rint, "nearest integer, ties to even", numpy=(np.rint,),
             **PIECEWISE_CONSTANT)
_elementwise("floordiv", 2, np.floor_divide, lambda a, b: sympy.floor(a / b),
             "floor(a / b) (numpy.floor_divide, Python's //)", aliases=("floor_divide",),
             numpy=(np.floor_divide,), domain=((-INF, INF), (0.0, INF)), **PIECEWISE_CONSTANT)
_elementwise("heaviside", 1, lambda a: _as_float(np.heaviside(np.real(a), 0.5), a),
             lambda a: sympy.Heaviside(a, sympy.S.Half),
             "Heaviside step of a: 1 where a > 0, 0.5 at 0, 0 where a < 0",
             aliases=("Heaviside",), **PIECEWISE_CONSTANT)
_elementwise("step", 2, lambda a, b: _as_float(np.heaviside(np.real(a) - np.real(b), 0.5), a, b),
             lambda a, b: sympy.Piecewise((1, a > b), (sympy.S.Half, sympy.Eq(a, b)), (0, True)),
             "Heaviside step of a - b: 1 where a > b, 0.5 at a tie, 0 where a < b",
             **PIECEWISE_CONSTANT)
for _name, _fn, _relation, _symbol, _alias in [
    ("gt", np.greater, lambda a, b: a > b, ">", "greater"),
    ("ge", np.greater_equal, lambda a, b: a >= b, ">=", "greater_equal"),
    ("lt", np.less, lambda a, b: a < b, "<", "less"),
    ("le", np.less_equal, lambda a, b: a <= b, "<=", "less_equal"),
    ("eq", np.equal, sympy.Eq, "==", "equal"),
    ("ne", np.not_equal, sympy.Ne, "!=", "not_equal"),
]:
    _elementwise(_name, 2, _compare(_fn), _piecewise01(_relation),
                 f"1.0 where a {_symbol} b else 0.0", aliases=(_alias,), numpy=(_fn,),
                 **PIECEWISE_CONSTANT)
# fmt: on


def _reduction(name: str, kernel: Callable, symbolic: Callable, doc: str, **options: Any) -> None:
    register(
        Op(
            name,
            1,
            kernel,
            _reduction_shape,
            symbolic,
            kind="reduction",
            doc=doc,
            attrs=("axis", "keepdims"),
            **options,
        )
    )


_reduction("sum", np.sum, _sym_sum, "sum over axes")
_reduction("mean", np.mean, _sym_mean, "mean over axes")
_reduction(
    "max",
    np.max,
    _sym_max,
    "max over axes; ties split the derivative",
    smooth=False,
    aliases=("amax",),
)
_reduction("logsumexp", _logsumexp, _sym_logsumexp, "log(sum(exp(a))) over axes, stable")


def _structural_op(
    name: str,
    kernel: Callable,
    shape: Callable,
    doc: str,
    attrs: tuple[str, ...],
    symbolic: Callable | None = None,
) -> None:
    register(
        Op(
            name,
            1,
            kernel,
            shape,
            symbolic or _structural(kernel),
            kind="structural",
            doc=doc,
            attrs=attrs,
        )
    )


register(
    Op(
        "matmul",
        2,
        np.matmul,
        _matmul_shape,
        _structural(np.matmul),
        kind="linear algebra",
        doc="a @ b",
        numpy=(np.matmul,),
    )
)
_structural_op("transpose", np.transpose, _transpose_shape, "permute axes", ("axes",))
_structural_op(
    "reshape",
    lambda x, newshape: np.reshape(x, newshape),
    _reshape_shape,
    "same elements, new shape",
    ("newshape",),
)
_structural_op(
    "broadcast_to",
    lambda x, newshape: np.broadcast_to(x, newshape),
    _broadcast_to_shape,
    "repeat along broadcast axes",
    ("newshape",),
    _structural(lambda x, newshape: np.array(np.broadcast_to(x, newshape))),
)
_structural_op(
    "sum_to",
    _sum_to,
    _sum_to_shape,
    "sum over broadcast axes down to newshape (adjoint of broadcast_to)",
    ("newshape",),
)
_structural_op(
    "getitem",
    _getitem,
    _getitem_shape,
    "a[index]: basic, integer-array and boolean-mask indexing (a gather)",
    ("index",),
)
_structural_op(
    "scatter",
    _scatter,
    _scatter_shape,
    "zeros(newshape) with x added at index (scatter-add: the adjoint of getitem)",
    ("index", "newshape"),
)


#: Names of the elementwise ops at import (user ops from `define_op` come later).
ELEMENTWISE = tuple(name for name, op in OPS.items() if op.kind == "elementwise")
