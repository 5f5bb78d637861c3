"""Tracer values: operator overloading that records ops into a graph instead of computing.

`apply(name, *args, **attrs)` is the single entry point of every op: on plain numbers it runs
the numpy kernel at once; when any argument is a `Tracer` it records a node (and, in a
*concrete* trace, also computes the value, so Python control flow can look at it).
"""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import numpy as np

from .errors import InputError, TraceError, TracerBoolError, UnknownNameError
from .ops import OPS, UFUNC_OPS, check_index

_BOOL_HELP = (
    "a traced value has no concrete truth value, so Python's `if`, `while`, `and`, `or`, "
    "`bool()`, `float()` and `int()` cannot be used on it. Use expr.where(cond, a, b) "
    "(with expr.gt/lt/... or the comparison operators) for a branch inside the graph, or "
    "call the function through a transformation at concrete values (autodiff.grad(fn)(x) "
    "traces at x, so Python control flow works as in define-by-run engines)"
)


#: Creation numbers of builders: a later builder is an inner (nested) trace.
_SERIALS = itertools.count()


class GraphBuilder:
    """Collects nodes of one trace into a `networkx.DiGraph` (ids are creation order).

    A builder with `captures` set (a transformation tracing its function) lifts a tracer of
    an older, outer trace that its function closes over into an extra input (`capture`);
    `captured` lists (input node, outer tracer) so the caller can feed the outer tracer in.
    """

    def __init__(self, concrete: bool = False) -> None:
        self.graph = nx.DiGraph()
        self.concrete = concrete
        self._scalar_consts: dict[tuple, int] = {}
        self.serial = next(_SERIALS)
        self.captures = False
        self.captured: list[tuple[int, Tracer]] = []
        self._lifted: dict[tuple[int, int], Tracer] = {}

    def capture(self, outer: Tracer) -> Tracer:
        """`outer` (a tracer of an outer trace) as an input of this trace, once per node."""
        if not self.captures:
            raise TraceError(
                "a value from another trace is used here (a function that closes over a "
                "traced value of a finished or outer trace); pass that value as an argument"
            )
        key = (outer.builder.serial, outer.node)
        if key not in self._lifted:
            name = f"captured_{len(self.captured)}"
            tracer = self.input(name, outer.shape, outer.value if self.concrete else None)
            self._lifted[key] = tracer
            self.captured.append((tracer.node, outer))
        return self._lifted[key]

    def _add(self, **data: Any) -> int:
        node = self.graph.number_of_nodes()
        self.graph.add_node(node, **data)
        return node

    def input(self, name: str, shape: tuple, value: Any = None) -> Tracer:
        node = self._add(op="input", name=name, shape=tuple(shape), args=(), attrs={})
        return Tracer(self, node, tuple(shape), value)

    def const(self, value: Any, exact: Any = None) -> Tracer:
        array = np.asarray(value)
        if array.dtype.kind not in "fc":
            array = array.astype(np.float64)
        key = None
        if array.ndim == 0 and exact is None:
            key = (array.dtype.str, array.item())
            if key in self._scalar_consts:
                node = self._scalar_consts[key]
                return Tracer(self, node, (), self.graph.nodes[node]["value"])
        stored = array.item() if array.ndim == 0 else array
        node = self._add(op="const", value=stored, shape=array.shape, args=(), attrs={})
        if exact is not None:
            self.graph.nodes[node]["exact"] = exact
        if key is not None:
            self._scalar_consts[key] = node
        return Tracer(self, node, array.shape, stored)

    def op(self, name: str, args: list[int], attrs: dict, shape: tuple) -> int:
        node = self._add(op=name, args=tuple(args), attrs=attrs, shape=tuple(shape))
        for position, arg in enumerate(args):
            if self.graph.has_edge(arg, node):
                self.graph.edges[arg, node]["pos"] += (position,)
            else:
                self.graph.add_edge(arg, node, pos=(position,))
        return node


class OpValue:
    """Base of value types that carry out every op themselves (`autodiff.Dual`): `apply`
    hands an op with such an argument to `type(arg).apply_op(name, *args, **attrs)`, so
    every `expr.<name>` function and every op of the table reaches them."""

    __slots__ = ()

    @classmethod
    def apply_op(cls, name: str, *args: Any, **attrs: Any) -> Any:
        raise NotImplementedError


def apply(name: str, *args: Any, **attrs: Any) -> Any:
    """Apply op `name`: numpy at once on numbers, a new graph node on tracers.

    >>> float(apply("mul", 2.0, 3.0))
    6.0
    """
    if name not in OPS:
        raise UnknownNameError(f"unknown op {name!r}; the ops are {', '.join(sorted(OPS))}")
    op = OPS[name]
    for arg in args:
        if isinstance(arg, OpValue):
            return type(arg).apply_op(name, *args, **attrs)
    builder = None
    mixed = False
    for arg in args:
        if isinstance(arg, Tracer):
            if builder is not None and arg.builder is not builder:
                mixed = True
            if builder is None or arg.builder.serial > builder.serial:
                builder = arg.builder  # the newest trace is the innermost
    if builder is None:
        try:
            return op.kernel(*args, **attrs)
        except (ValueError, TypeError, IndexError) as error:
            op.shape(*[np.shape(a) for a in args], **attrs)  # names the shapes, if they are it
            raise InputError(f"{name}: numpy refused the arguments: {error}") from None
    if mixed and not builder.captures:
        raise TraceError(
            f"{name}: its arguments come from two different traces (a function that "
            "closes over a traced value of an outer trace); pass that value as an "
            "argument instead, or differentiate with an autodiff transformation"
        )
    tracers = [
        (a if a.builder is builder else builder.capture(a))
        if isinstance(a, Tracer)
        else builder.const(a)
        for a in args
    ]
    shape = op.shape(*[t.shape for t in tracers], **attrs)
    node = builder.op(name, [t.node for t in tracers], attrs, shape)
    value = None
    if builder.concrete and all(t.value is not None for t in tracers):
        with np.errstate(all="ignore"):
            value = op.kernel(*[t.value for t in tracers], **attrs)
    return Tracer(builder, node, shape, value)


class Tracer:
    """A value inside a trace: it knows its node and shape (and, when concrete, its value)."""

    __slots__ = ("builder", "node", "shape", "value")

    def __init__(self, builder: GraphBuilder, node: int, shape: tuple, value: Any = None):
        self.builder = builder
        self.node = node
        self.shape = shape
        self.value = value

    def __repr__(self) -> str:
        return f"Tracer(node={self.node}, shape={self.shape})"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def T(self) -> Tracer:
        from .functions import transpose

        return transpose(self)

    # arithmetic -----------------------------------------------------------------------
    def __add__(self, other: Any) -> Tracer:
        return apply("add", self, other)

    def __radd__(self, other: Any) -> Tracer:
        return apply("add", other, self)

    def __sub__(self, other: Any) -> Tracer:
        return apply("sub", self, other)

    def __rsub__(self, other: Any) -> Tracer:
        return apply("sub", other, self)

    def __mul__(self, other: Any) -> Tracer:
        return apply("mul", self, other)

    def __rmul__(self, other: Any) -> Tracer:
        return apply("mul", other, self)

    def __truediv__(self, other: Any) -> Tracer:
        return apply("div", self, other)

    def __rtruediv__(self, other: Any) -> Tracer:
        return apply("div", other, self)

    def __pow__(self, other: Any) -> Tracer:
        return apply("pow", self, other)

    def __rpow__(self, other: Any) -> Tracer:
        return apply("pow", other, self)

    def __matmul__(self, other: Any) -> Tracer:
        return apply("matmul", self, other)

    def __rmatmul__(self, other: Any) -> Tracer:
        return apply("matmul", other, self)

    def __neg__(self) -> Tracer:
        return apply("neg", self)

    def __pos__(self) -> Tracer:
        return self

    def __abs__(self) -> Tracer:
        return apply("abs", self)

    def __gt__(self, other: Any) -> Tracer:
        return apply("gt", self, other)

    def __ge__(self, other: Any) -> Tracer:
        return apply("ge", self, other)

    def __lt__(self, other: Any) -> Tracer:
        return apply("lt", self, other)

    def __le__(self, other: Any) -> Tracer:
        return apply("le", self, other)

    def __eq__(self, other: Any) -> Tracer:  # type: ignore[override]
        return apply("eq", self, other)

    def __ne__(self, other: Any) -> Tracer:  # type: ignore[override]
        return apply("ne", self, other)

    def __mod__(self, other: Any) -> Tracer:
        return apply("mod", self, other)

    def __rmod__(self, other: Any) -> Tracer:
        return apply("mod", other, self)

    def __floordiv__(self, other: Any) -> Tracer:
        return apply("floordiv", self, other)

    def __rfloordiv__(self, other: Any) -> Tracer:
        return apply("floordiv", other, self)

    __hash__ = object.__hash__  # identity: tracers stay usable as dict keys

    def __getitem__(self, index: Any) -> Tracer:
        return apply("getitem", self, index=check_index(index))

    def __len__(self) -> int:
        if not self.shape:
            raise TracerBoolError("len() of a 0-d traced value")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # numpy-like methods -----------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        from .functions import sum as sum_

        return sum_(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        from .functions import mean

        return mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        from .functions import max as max_

        return max_(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        from .functions import min as min_

        return min_(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        from .functions import prod

        return prod(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tracer:
        from .functions import var

        return var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tracer:
        from .functions import std

        return std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tracer:
        from .functions import reshape

        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def ravel(self) -> Tracer:
        from .functions import ravel

        return ravel(self)

    flatten = ravel

    def squeeze(self, axis: Any = None) -> Tracer:
        from .functions import squeeze

        return squeeze(self, axis)

    @property
    def dtype(self) -> np.dtype:
        """float64, or the dtype of the concrete value (float32 and complex are kept)."""
        return np.dtype(np.float64) if self.value is None else np.result_type(self.value)

    def transpose(self, *axes: Any) -> Tracer:
        from .functions import transpose

        return transpose(self, (axes[0] if len(axes) == 1 else axes) if axes else None)

    # Python needs concrete values here --------------------------------------------------
    def _concrete(self, kind: str) -> Any:
        if self.value is None:
            raise TracerBoolError(f"{kind} of a traced value: {_BOOL_HELP}")
        return self.value

    def __bool__(self) -> bool:
        return bool(self._concrete("bool()"))

    def __float__(self) -> float:
        return float(self._concrete("float()"))

    def __int__(self) -> int:
        return int(self._concrete("int()"))

    def __index__(self) -> int:
        raise TracerBoolError(f"using a traced value as an index or size: {_BOOL_HELP}")

    # numpy interoperability: np.sin(tracer) records expr.sin -------------------------------
    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = UFUNC_OPS.get(ufunc)
        if method != "__call__" or name is None or kwargs:
            raise TraceError(
                f"numpy's {ufunc.__name__}.{method} has no expr op; use the expr functions "
                f"({', '.join(sorted(OPS))})"
            )
        return apply(name, *inputs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from . import functions

        ours = getattr(functions, func.__name__, None)
        if ours is None or not callable(ours):
            raise TraceError(
                f"numpy's {func.__name__} has no expr counterpart; use the expr functions"
            )
        return ours(*args, **kwargs)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TracerBoolError(f"converting a traced value to a numpy array: {_BOOL_HELP}")
