"""Tracer values: operator overloading that records ops into a graph instead of computing.

`apply(name, *args, **attrs)` is the single entry point of every op: on plain numbers it runs
the numpy kernel at once; when any argument is a `Tracer` it records a node (and, in a
*concrete* trace, also computes the value, so Python control flow can look at it).
"""

from __future__ import annotations

import functools
import itertools
import linecache
import operator
import re
import sys
from typing import Any

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


def _conversion_error(kind: str) -> TracerBoolError:
    """The error for float()/int()/complex() of a tracer, naming the caller's function
    (math.exp, float, ...) as read from the calling line of source when possible."""
    callee = _calling_function(sys._getframe(2)) or kind
    name = callee.rpartition(".")[2]
    if callee.startswith(("math.", "cmath.")):
        numpy_name = _MATH_TO_NUMPY.get(name, name)
        use = (
            f"use expr.{numpy_name} or np.{numpy_name}"
            if hasattr(np, numpy_name)
            else "use the expr functions (expr.exp, expr.sin, ...)"
        )
    else:
        callee += "()"
        use = "keep it an expr value: compute with expr functions, operators or numpy's ufuncs"
    return TracerBoolError(
        f"{callee} converts a traced value to a Python {kind}, which would drop its "
        f"dependence on the inputs (a silently wrong derivative); {use}"
    )


_MATH_TO_NUMPY = {"fabs": "abs", "pow": "power", "atan": "arctan", "asin": "arcsin",
                  "acos": "arccos", "atan2": "arctan2", "asinh": "arcsinh", "acosh": "arccosh",
                  "atanh": "arctanh"}  # fmt: skip


def _calling_function(frame: Any) -> str | None:
    """The dotted name called by the expression `frame` is executing (`math.exp` for
    `math.exp(x) * 2`), from the instruction's source position (Python >= 3.11)."""
    try:
        positions = list(frame.f_code.co_positions())[frame.f_lasti // 2]
        line, end_line, col, end_col = positions
        source = linecache.getline(frame.f_code.co_filename, line)
    except (AttributeError, IndexError, TypeError):
        return None
    if line != end_line or col is None or not source:
        return None
    found = re.match(r"\s*([A-Za-z_][\w.]*)\s*\(", source[col:end_col])
    return found.group(1) if found else None


#: Creation numbers of builders: a later builder is an inner (nested) trace.
_SERIALS = itertools.count()


class GraphBuilder:
    """Collects the nodes of one trace as plain records (dicts in a list; ids are creation
    order, which is a topological order since an op's arguments exist before it).
    `expr.Function` turns them into its networkx DiGraph in one bulk step, so tracing costs
    a list append per op. `guards` are the branch decisions of a concrete trace:
    (node, bool) for every `bool()` taken on a traced value.

    A builder with `captures` set (a transformation tracing its function) lifts a tracer of
    an older, outer trace that its function closes over into an extra input (`capture`);
    `captured` lists (input node, outer tracer) so the caller can feed the outer tracer in.
    """

    def __init__(self, concrete: bool = False, keep_values: bool = False) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.concrete = concrete
        #: each node's concrete value, when kept (for `Function.take_trace_values`)
        self.values: list[Any] | None = [] if keep_values else None
        self.tags: dict[str, Any] = {}  # trace-level attributes (checkpoint region count)
        self.guards: list[tuple[int, bool]] = []
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

    def number_of_nodes(self) -> int:
        return len(self.nodes)

    def input(self, name: str, shape: tuple, value: Any = None) -> Tracer:
        shape = tuple(shape)
        self.nodes.append({"op": "input", "name": name, "shape": shape, "args": (), "attrs": {}})
        if self.values is not None:
            self.values.append(value)
        return Tracer(self, len(self.nodes) - 1, shape, value)

    def const(self, value: Any, exact: Any = None) -> Tracer:
        if exact is None and type(value) is float:  # the common case: a Python number
            node = self._scalar_consts.get(("<f8", value))
            if node is not None:
                return Tracer(self, node, (), self.nodes[node]["value"])
        array = np.array(value)  # a copy: a closed-over array is a constant of the trace
        if array.dtype.kind not in "fc":
            array = array.astype(np.float64)
        key = None
        if array.ndim == 0 and exact is None:
            key = (array.dtype.str, array.item())
            node = self._scalar_consts.get(key)
            if node is not None:
                return Tracer(self, node, (), self.nodes[node]["value"])
        stored = array.item() if array.ndim == 0 else array
        data = {"op": "const", "value": stored, "shape": array.shape, "args": (), "attrs": {}}
        if exact is not None:
            data["exact"] = exact
        self.nodes.append(data)
        if self.values is not None:
            self.values.append(stored)
        node = len(self.nodes) - 1
        if key is not None:
            self._scalar_consts[key] = node
        return Tracer(self, node, array.shape, stored)

    def guard(self, node: int, decision: bool) -> None:
        """Record that the trace took the branch where bool(node's value) is `decision`."""
        self.guards.append((node, decision))


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
    op = OPS.get(name)
    if op is None:
        raise UnknownNameError(f"unknown op {name!r}; the ops are {', '.join(sorted(OPS))}")
    if len(args) == 1 and type(args[0]) is Tracer:  # one traced argument: the hot path
        return _record(args[0].builder, name, op, [args[0]], attrs)
    builder = None
    mixed = False
    for arg in args:
        if isinstance(arg, Tracer):
            if builder is not None and arg.builder is not builder:
                mixed = True
            if builder is None or arg.builder.serial > builder.serial:
                builder = arg.builder  # the newest trace is the innermost
        elif isinstance(arg, OpValue):
            return type(arg).apply_op(name, *args, **attrs)
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
    return _record(builder, name, op, tracers, attrs)


def _binary(name: str, x: Any, y: Any) -> Any:
    """`apply(name, x, y)` for the arithmetic operators of a Tracer (x or y is one): the
    same record, with the dispatch of two operands of one trace written out (the hot
    path); anything else (two traces, an `OpValue`) goes through `apply`."""
    tracer, other = (x, y) if isinstance(x, Tracer) else (y, x)
    if isinstance(other, Tracer):
        if other.builder is not tracer.builder:
            return apply(name, x, y)
    elif isinstance(other, OpValue):
        return apply(name, x, y)
    builder = tracer.builder
    x = x if isinstance(x, Tracer) else builder.const(x)
    y = y if isinstance(y, Tracer) else builder.const(y)
    return _record(builder, name, OPS[name], [x, y], {})


def _record(builder: GraphBuilder, name: str, op: Any, tracers: list, attrs: dict) -> Tracer:
    """Append the node of op `name` on `tracers` (computing its value in a concrete
    trace) and return its Tracer."""
    shape = tracers[0].shape
    if len(tracers) == 2:
        other = tracers[1].shape
        if other != shape or op.kind != "elementwise":  # equal shapes give that shape
            shape = op.shape(shape, other, **attrs)
    elif len(tracers) != 1 or op.kind != "elementwise":
        shapes = [t.shape for t in tracers]
        if op.kind != "elementwise" or shapes.count(shape) != len(shapes):
            shape = op.shape(*shapes, **attrs)
    value = None
    if builder.concrete:
        values = [t.value for t in tracers]
        if all(v is not None for v in values):  # (errstate: expr.trace)
            arithmetic = _SCALAR_ARITHMETIC.get(name)
            if arithmetic is not None and _float64_scalars(values):
                value = arithmetic(*values)  # numpy's scalar math: the same IEEE result
            else:
                value = op.kernel(*values, **attrs)
    records = builder.nodes
    node = len(records)
    records.append(
        {"op": name, "args": tuple([t.node for t in tracers]), "attrs": attrs, "shape": shape}
    )
    if builder.values is not None:
        builder.values.append(value)
    return Tracer(builder, node, shape, value)


#: Correctly rounded ops whose numpy-scalar operators give the kernels' exact results.
_SCALAR_ARITHMETIC = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "neg": operator.neg,
}


def _float64_scalars(values: list) -> bool:
    """Whether an arithmetic op on `values` runs as numpy float64 scalar math: every value
    a np.float64 or a Python float, at least one a np.float64 (so the result is one)."""
    found = False
    for v in values:
        kind = type(v)
        if kind is np.float64:
            found = True
        elif kind is not float:
            return False
    return found


def shape_of(value: Any) -> tuple[int, ...]:
    """Shape of a numpy value, a Python number or a `Tracer` (np.shape cannot take tracers).

    >>> shape_of(np.zeros((2, 3))), shape_of(1.5)
    ((2, 3), ())
    """
    return value.shape if isinstance(value, (Tracer, np.ndarray, np.generic)) else np.shape(value)


def reassert_guards(function: Any, inputs: Any) -> None:
    """Check a concretely traced Function's branch decisions at `inputs` before its graph is
    used there: on numbers, each condition is evaluated (the guard graph only: nothing when
    the trace took no branch); on the concrete tracers of an outer trace that replays the
    Function, `bool()` of each records the decision as a guard of that trace too. A decision
    that comes out the other way raises `TraceError` (the graph does not hold at these
    inputs; never the other branch's value, silently). Abstract tracers cannot branch: then
    nothing is done. O(nodes of the guard graph)."""
    guards = function.guard_function
    if guards is None or any(isinstance(x, Tracer) and x.value is None for x in inputs):
        return
    for index, (value, decision) in enumerate(zip(guards(*inputs), function.guards)):
        if bool(value) != decision:
            node = guards.outputs[index]
            raise TraceError(
                f"{function.name} was traced on the branch where condition {index + 1} of "
                f"{len(function.guards)} ({guards.op(node)} at node {node} of its guard graph) "
                f"is {decision}; at these inputs it is {not decision}, so its graph does not "
                "apply: trace the Python function at these inputs instead (autodiff.jit and "
                "the transformations of a Python function retrace by themselves)"
            )


def binary_operators(name: str, binary: Any = None) -> tuple[Any, Any]:
    """The operator methods `x <op> y` and `y <op> x` of op `name`, through `binary`
    (`apply`, or a faster dispatch with the same result), for Tracer and `autodiff.Dual`."""
    binary = binary or apply

    def left(self: Any, other: Any) -> Any:
        return binary(name, self, other)

    def right(self: Any, other: Any) -> Any:
        return binary(name, other, self)

    left.__doc__ = right.__doc__ = f"Op {name!r} of the operands (the operator's order)."
    return left, right


def unary_operator(name: str) -> Any:
    """The operator method of a one-argument op (`-x`, `abs(x)`)."""

    def method(self: Any) -> Any:
        return apply(name, self)

    method.__doc__ = f"Op {name!r}."
    return method


#: The arithmetic operators: (op name, the stem of its dunder), each also reflected.
ARITHMETIC = (
    ("add", "add"), ("sub", "sub"), ("mul", "mul"), ("div", "truediv"), ("pow", "pow"),
    ("matmul", "matmul"),
)  # fmt: skip


def with_arithmetic(binary: Any = None, error: type = TracerBoolError) -> Any:
    """Class decorator: + - * / ** @ (and their reflected forms), unary -, + and abs() as
    methods applying the op through `binary` (`apply` by default), and indexing, len() and
    iteration over the first axis (len() of a 0-d value raises `error`), for Tracer and Dual.
    """

    def decorate(cls: type) -> type:
        for name, stem in ARITHMETIC:
            left, right = binary_operators(name, binary)
            setattr(cls, f"__{stem}__", left)
            setattr(cls, f"__r{stem}__", right)
        cls.__neg__ = unary_operator("neg")
        cls.__abs__ = unary_operator("abs")
        cls.__pos__ = _identity
        cls.__getitem__ = _getitem
        cls.__len__ = functools.partialmethod(_length, error)
        cls.__iter__ = _iterate
        return cls

    return decorate


def _getitem(x: Any, index: Any) -> Any:
    """x[index]: op getitem (basic, integer-array and boolean-mask indices)."""
    return apply("getitem", x, index=check_index(index))


def _length(x: Any, error: type) -> int:
    """The length of the first axis (a 0-d value has none)."""
    if not x.shape:
        raise error(f"len() of a 0-d {type(x).__name__}")
    return x.shape[0]


def _iterate(x: Any) -> Any:
    """The entries along the first axis."""
    return (x[i] for i in range(len(x)))


def _identity(x: Any) -> Any:
    """+x is x."""
    return x


@with_arithmetic(_binary)  # the hot path: two operands of one trace
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

    # + - * / ** @ -x abs(x) x[i] len(x): `with_arithmetic` (above the class); the others here
    __mod__, __rmod__ = binary_operators("mod")
    __floordiv__, __rfloordiv__ = binary_operators("floordiv")
    __gt__ = binary_operators("gt")[0]
    __ge__ = binary_operators("ge")[0]
    __lt__ = binary_operators("lt")[0]
    __le__ = binary_operators("le")[0]
    __eq__ = binary_operators("eq")[0]  # type: ignore[assignment]
    __ne__ = binary_operators("ne")[0]  # type: ignore[assignment]

    __hash__ = object.__hash__  # identity: tracers stay usable as dict keys

    # The numpy-like methods (sum, mean, max, min, prod, var, std, reshape, ravel, flatten,
    # squeeze, transpose, T) are the `expr.functions` of the same names, attached by that
    # module (`ARRAY_METHODS`), as JAX's numpy layer attaches its array methods: this
    # module imports only `ops`.

    @property
    def dtype(self) -> np.dtype:
        """float64, or the dtype of the concrete value (float32 and complex are kept)."""
        return np.dtype(np.float64) if self.value is None else np.result_type(self.value)

    # Python needs concrete values here --------------------------------------------------
    def _concrete(self, kind: str) -> Any:
        if self.value is None:
            raise TracerBoolError(f"{kind} of a traced value: {_BOOL_HELP}")
        return self.value

    def __bool__(self) -> bool:
        decision = bool(self._concrete("bool()"))
        self.builder.guard(self.node, decision)  # the trace holds only on this branch
        return decision

    # float(), int(), complex(), math.* would drop the dependence on the inputs: refused in
    # every mode (a concrete trace has the number, but its derivative would silently be 0).
    def __float__(self) -> float:
        raise _conversion_error("float")

    def __int__(self) -> int:
        raise _conversion_error("int")

    def __complex__(self) -> complex:
        raise _conversion_error("complex")

    def __round__(self, ndigits: int | None = None) -> Any:
        raise _conversion_error("int" if ndigits is None else "float")

    def __trunc__(self) -> int:
        raise _conversion_error("int")

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
        return _binary(name, *inputs) if len(inputs) == 2 else apply(name, *inputs)

    # __array_function__ (np.<name>(tracer) is expr.<name>): attached by `expr.functions`.

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TracerBoolError(f"converting a traced value to a numpy array: {_BOOL_HELP}")
