"""`autodiff.jit`: trace once per input signature, compile, cache (JAX's `jit` semantics).

`jit(f)(*args)` traces f concretely at args (the tracers carry the values, so Python
control flow works) and compiles the recorded graph into straight-line numpy code
(`autodiff.compile`). Later calls with the same *signature* run that code without running
f. The signature is: the shape and dtype of every array argument, whether it is a Python
scalar, the structure of tuple/list/dict arguments, and the values of the static
arguments (`static_argnums`, which must be hashable).

* **Control flow.** Each `bool()` the trace took on a traced value (`if x > 0:`) is a
  guard of that trace. Every call re-checks the guards with a small compiled program of
  the conditions alone; when one comes out differently, f is traced again on the branch
  now taken and both traces are kept (at most `max_traces` per signature; beyond that,
  calls run f itself).
* **Closed-over values are constants of the trace**, as in JAX: an array or number that
  f reads from an enclosing scope or a global is recorded by value when f is traced, so
  changing it later does not change the jitted function. Pass it as an argument instead.
* **Composition.** `jit(grad(f))`, `jit(value_and_grad(f))`, `jit(jvp...)` record the whole
  derivative program (forward and backward sweep) and compile it. Called on tracers, as in
  `grad(jit(f))` or a jit inside another trace, a jitted function runs f inline, so the
  outer transformation records its ops: every transformation composes in both orders.
* **NaN.** When a compiled result holds a NaN, the call is repeated by f itself, so the
  caller sees f's own behaviour (value_and_grad's `NaNError` naming the node, or the NaN).
* **Python scalars.** When every argument is a Python float (or int) and the whole graph
  is 0-d, the program is plain float arithmetic with `math` functions (see
  `autodiff.compile` for the last-bit caveat of libm vs numpy's SIMD functions).

Cost: the first call of a signature traces and compiles (O(ops)); a call after that is
the signature lookup, the guard check, and one kernel call per op.

>>> import expr
>>> f = jit(lambda x, y: expr.sin(x) * y if x > 0 else -y)
>>> round(float(f(1.0, 2.0)), 6), float(f(-1.0, 2.0)), f.traces
(1.682942, -2.0, 2)
>>> round(float(f(0.5, 2.0)), 6), f.traces  # the first branch again: no new trace
(0.958851, 2)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer
from expr.graph import as_input

from .compile import Compiled, compile_function
from .errors import JitError
from .pytree import LEAF, TreeDef, flatten
from .reverse import any_nan, gradient_function
from .tracing import _scalar, same_records

Value = Any
_LEAF_TYPES = (np.ndarray, np.generic, float, int, complex)


# ----------------------------------------------------------------------------- the cache
@dataclass(frozen=True)
class Guards:
    """The branch decisions a concrete trace took, with its conditions compiled (for one
    dtype signature of the inputs; `program` None when the trace took no branch)."""

    program: Compiled | None
    decisions: tuple[bool, ...]

    @classmethod
    def of(cls, function: Function, inputs: Sequence[Value]) -> Guards:
        conditions = function.guard_function
        if conditions is None:
            return cls(None, ())
        with np.errstate(all="ignore"):
            program = compile_function(conditions, conditions.evaluate(*inputs))
        return cls(program, function.guards)

    def hold(self, inputs: Sequence[Value]) -> bool:
        """Whether every decision comes out the same at `inputs`. O(guard graph)."""
        if self.program is None:
            return True
        with np.errstate(all="ignore"):
            conditions = self.program.run(*inputs)
        return tuple([bool(c) for c in conditions]) == self.decisions


@dataclass
class Trace:
    """One cached trace: the graph, its compiled programs, and its branch decisions."""

    function: Function
    program: Compiled
    scalar_program: Compiled | None
    guards: Guards
    out_structure: Any

    def run(self, inputs: Sequence[Value], scalars: Sequence[float] | None) -> tuple:
        """The outputs: plain float arithmetic when possible, else the numpy program."""
        if scalars is not None and self.scalar_program is not None:
            try:
                return self.scalar_program.run(*scalars)
            except (ArithmeticError, ValueError):
                pass  # a math domain error: numpy's inf/NaN semantics below
        with np.errstate(all="ignore"):
            return self.program.run(*inputs)


class Jitted:
    """The callable `jit` returns (see the module doc)."""

    def __init__(
        self, fn: Callable[..., Any], static_argnums: int | Sequence[int] = (), max_traces: int = 64
    ) -> None:
        if not callable(fn):
            raise JitError(f"jit needs a function, got {type(fn).__name__}")
        statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
        if any(isinstance(i, bool) or not isinstance(i, int) for i in statics):
            raise JitError(f"static_argnums must be ints, got {static_argnums!r}")
        if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
            raise JitError(f"max_traces must be a positive int, got {max_traces!r}")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.static_argnums = statics
        self.max_traces = max_traces
        self.traces = 0  #: how many times f was traced
        self._cache: dict[Any, list[Trace]] = {}

    def __call__(self, *args: Any) -> Any:
        call = self._prepare(args)
        if call is None:
            return self.fn(*args)  # inside another trace: record f's ops there
        key, inputs, scalars, statics, structure = call
        traces = self._cache.setdefault(key, [])
        for trace in traces:
            if trace.guards.hold(inputs):
                break
        else:
            if len(traces) >= self.max_traces:
                return self.fn(*args)  # control flow too varied to cache: run f itself
            trace = self._trace(args, statics, inputs, structure, scalars is not None)
            traces.append(trace)
        outputs = trace.run(inputs, scalars)
        if any_nan(outputs):
            return self.fn(*args)  # f's own NaN behaviour (NaNError or the NaN)
        return trace.out_structure.unflatten([_scalar(v) for v in outputs])

    def _prepare(self, args: tuple) -> tuple | None:
        """(cache key, inputs, Python floats or None, static positions, argument structure
        or None for flat arguments) of a call; None when an argument holds a tracer."""
        if not self.static_argnums:
            fast = _flat_signature(args)
            if fast is not None:  # the common call: float arrays and Python numbers only
                key, inputs, scalars = fast
                return key, inputs, scalars, (), None  # a flat list: built when traced
        statics = tuple(i % len(args) for i in self.static_argnums if -len(args) <= i < len(args))
        leaves, structure = flatten([a for i, a in enumerate(args) if i not in statics])
        if any(isinstance(x, Tracer) for x in leaves):
            return None
        key = self._signature(args, statics, leaves, structure)
        inputs = [as_input(x, f"argument leaf {i}") for i, x in enumerate(leaves)]
        plain = all(type(x) in (float, int) for x in leaves)
        return key, inputs, [float(x) for x in leaves] if plain else None, statics, structure

    def _signature(self, args: tuple, statics: tuple, leaves: list, structure: Any) -> tuple:
        """The cache key of a call (see the module doc; `_flat_signature` keys the calls
        with flat arguments and no static ones)."""
        parts = []
        for i, x in enumerate(leaves):
            if not isinstance(x, _LEAF_TYPES):
                raise JitError(
                    f"{self.__name__}: argument leaf {i} is a {type(x).__name__}; jit takes "
                    "arrays, numbers and tuples/lists/dicts of them (mark other arguments "
                    "static with static_argnums)"
                )
            if type(x) in (float, int, bool, complex):
                parts.append(type(x))
            else:
                parts.append((np.shape(x), x.dtype))
        try:
            static_values = tuple((i, args[i]) for i in statics)
            hash(static_values)
        except TypeError:
            raise JitError(
                f"{self.__name__}: static arguments must be hashable, got "
                f"{[type(args[i]).__name__ for i in statics]}"
            ) from None
        return (structure, static_values, tuple(parts))

    def _trace(
        self, args: tuple, statics: tuple, inputs: list, structure: Any, scalar: bool
    ) -> Trace:
        out_structure: list[Any] = []
        if structure is None:  # flat arguments (`_flat_signature`)
            structure = TreeDef("list", (), (LEAF,) * len(args), len(args))

        def flat(*tracers: Any) -> list:
            dynamic = iter(structure.unflatten(tracers))
            call = [args[i] if i in statics else next(dynamic) for i in range(len(args))]
            leaves, shape = flatten(self.fn(*call))
            out_structure.append(shape)
            return leaves

        names = [f"x{i}" for i in range(len(inputs))]
        function = expr.trace(flat, *inputs, names=names, concrete=True, keep_values=True)
        function.name = getattr(self.fn, "__name__", "f")
        self.traces += 1
        values = function.take_trace_values()
        program = compile_function(function, values)
        scalar_program = None
        all_scalar = scalar and all(data["shape"] == () for data in function.records)
        if all_scalar and all(np.isrealobj(v) for v in values):
            scalar_program = compile_function(function, values, scalar=True)
        return Trace(
            function, program, scalar_program, Guards.of(function, inputs), out_structure[0]
        )


def _flat_signature(args: tuple) -> tuple[tuple, list, list[float] | None] | None:
    """(cache key, inputs, Python floats or None) when every argument is a float or
    complex ndarray or a Python float or int; None otherwise. One pass, no pytree walk."""
    parts: list[Any] = []
    inputs: list[Any] = []
    scalars: list[float] | None = []
    for x in args:
        kind = type(x)
        if kind is np.ndarray and x.dtype.kind in "fc":
            parts.append((x.shape, x.dtype))
            inputs.append(x)
            scalars = None
        elif kind is float or kind is int:
            parts.append(kind)
            value = float(x)
            inputs.append(np.asarray(value))  # as `as_input` makes it
            if scalars is not None:
                scalars.append(value)
        else:
            return None
    return ("flat", tuple(parts)), inputs, scalars


class GradientProgram:
    """value_and_grad of one fixed Function as a compiled program (the traced-Function
    fast path of `autodiff.value_and_grad`): the gradient graph with the value
    (`gradient_function(..., with_value=True)`), compiled for each dtype signature of the
    inputs from its second call on (a single call is cheaper interpreted). The branch
    decisions of a concretely traced Function are checked first, by its compiled guards.
    Returns (value, grads), or None when the caller should run the interpreter instead
    (first call, non-float inputs, a branch the Function was not traced on, so that the
    interpreter's `TraceError` is the one seen, or a NaN in the result, so that its NaN
    report is)."""

    def __init__(self, function: Function, positions: tuple[int, ...]) -> None:
        self.function = function
        self.positions = positions
        self.calls = 0
        self.graph: Function | None = None
        self.programs: dict[tuple, Compiled] = {}
        self.guards: dict[tuple, Guards] = {}  # per dtype signature of the inputs

    def __call__(
        self, inputs: Sequence[Value], args: Sequence[Any] = ()
    ) -> tuple[Value, list[Value]] | None:
        """(value, grads) at the bound `inputs`; `args`, the arguments as given, select
        the plain-float program when they are all Python floats."""
        self.calls += 1
        if self.calls < 2:
            return None
        scalar = bool(args) and all(type(a) is float for a in args)
        key = (
            scalar,
            *[x.dtype if type(x) is np.ndarray else getattr(x, "dtype", None) for x in inputs],
        )
        program = self.programs.get(key)
        if program is None and not all(d is not None and d.kind == "f" for d in key[1:]):
            return None  # complex step and friends: the interpreter
        if self.function.guards:  # checked before anything runs (or compiles) at inputs
            guards = self.guards.get(key[1:])
            if guards is None:
                guards = self.guards[key[1:]] = Guards.of(self.function, inputs)
            if not guards.hold(inputs):
                return None  # another branch: the interpreter's TraceError says so
        if program is None:
            program = self.programs[key] = self._compile(inputs, scalar)
        try:
            outputs = program.run(*args) if program.scalar else None
        except (ArithmeticError, ValueError):  # a math domain error: numpy's inf/NaN below
            outputs = None
        if outputs is None:
            with np.errstate(all="ignore"):
                outputs = self.programs[(False, *key[1:])].run(*inputs)
        if any_nan(outputs):
            return None
        return _scalar(outputs[0]), list(outputs[1:])

    def _compile(self, inputs: Sequence[Value], scalar: bool) -> Compiled:
        if self.graph is None:
            self.graph = gradient_function(self.function, self.positions, with_value=True)
        with np.errstate(all="ignore"):
            values = self.graph.evaluate(*inputs)
        numpy_key = (False, *(x.dtype for x in inputs))
        if numpy_key not in self.programs:
            self.programs[numpy_key] = compile_function(self.graph, values)
        if scalar and all(d["shape"] == () for d in self.graph.records):
            return compile_function(self.graph, values, scalar=True)
        return self.programs[numpy_key]


def same_graph(f: Function, g: Function) -> bool:
    """Whether two Functions are the same graph: the same ops, arguments, attributes,
    shapes, input names, branch decisions and constants (bit for bit, so -0.0 is not 0.0),
    node by node. O(nodes + constant elements)."""
    if f.n_nodes != g.n_nodes or f.inputs != g.inputs or f.outputs != g.outputs:
        return False
    return f.guards == g.guards and same_records(f.records, g.records)


def jit(
    fn: Callable[..., Any] | None = None,
    *,
    static_argnums: int | Sequence[int] = (),
    max_traces: int = 64,
) -> Any:
    """f, traced once per input signature and compiled to straight-line numpy code.

    Use as `jit(f)`, `jit(f, static_argnums=1)` or the decorator `@jit`. See the module
    doc for signatures, guards, closures as constants, composition and NaN handling.

    >>> import expr
    >>> import autodiff
    >>> step = jit(autodiff.value_and_grad(lambda w: expr.sum(expr.tanh(w) ** 2)))
    >>> value, g = step(np.array([0.5, -1.0]))
    >>> round(float(value), 6), [round(float(v), 6) for v in g]
    (0.793578, [0.726862, -0.6397])
    """
    if fn is None:
        return functools.partial(jit, static_argnums=static_argnums, max_traces=max_traces)
    return Jitted(fn, static_argnums, max_traces)
