"""JAX-style transformations: grad, value_and_grad, jvp, vjp, linearize, jacfwd, jacrev,
hessian, hvp.

Each accepts an `expr.Function`, a formula string, a SymPy expression, or a Python function
written with expr ops (traced concretely at the call's arguments, so Python control flow
works as in define-by-run engines). A Function (or string/SymPy, converted once) is the fast
path: the transformation object caches its plan and traced gradient graph. Arguments of
Python functions may be pytrees; keyword arguments pass through undifferentiated. Called on
`expr.Tracer`s (inside an outer trace or transformation), or on a function that closes over
an outer tracer, the same code records the derivative into the outer graph: that is how
gradients of gradients and nested transformations work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer
from expr.graph import as_input
from expr.tracer import shape_of

from .checkpoint import Regions, as_strategy, checkpointed_value_and_grad
from .errors import (
    ArgnumsError,
    AutodiffError,
    InputShapeError,
)
from .forward import check_tangents, forward_program, jvp_sweep
from .jit import GradientProgram, same_graph
from .pytree import flatten
from .reverse import (
    Plan,
    backward_sweep,
    check_backward,
    check_forward,
    check_inputs,
    forward_sweep,
    gradient_function,
    gradients,
    require_scalar,
    reverse,
)
from .rules import instantiate_zeros
from .stats import Stats
from .tracing import Call, _scalar, bind_call, keep_dtype, numeric, trace_call

Value = Any
Argnums = int | Sequence[int]


# ----------------------------------------------------------------------------- helpers
def check_argnums(argnums: Argnums) -> tuple[tuple[int, ...], bool]:
    """argnums validated (once, by a transformation's constructor): (its ints, whether a
    tuple was given). An int, or a non-empty tuple (or list) of distinct ints; negative
    ones count from the end, as Python indices.

    >>> check_argnums((0, -1)), check_argnums(2)
    (((0, -1), True), ((2,), False))
    """
    many = not isinstance(argnums, (int, np.integer))
    if many and not isinstance(argnums, (tuple, list)):
        raise ArgnumsError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    items = tuple(argnums) if many else (argnums,)
    if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in items):
        raise ArgnumsError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    if many and not items:
        raise ArgnumsError("argnums is an empty tuple; give at least one input position")
    if len(set(items)) != len(items):
        raise ArgnumsError(f"argnums {argnums!r} repeats an input")
    return tuple(int(a) for a in items), many


def resolve_argnums(given: tuple[int, ...], n_inputs: int, shown: Any = None) -> tuple[int, ...]:
    """Checked argnums (`check_argnums`) as input positions 0..n_inputs-1; `shown` is the
    argnums as the user wrote them, for the error."""
    shown = given if shown is None else shown
    if not all(-n_inputs <= a < n_inputs for a in given):
        raise ArgnumsError(
            f"argnums {shown!r} is out of range for a function of {n_inputs} inputs "
            f"(valid: 0..{n_inputs - 1}, or negative from the end)"
        )
    positions = tuple(a % n_inputs for a in given)
    if len(set(positions)) != len(positions):
        raise ArgnumsError(f"argnums {shown!r} repeats an input")
    return positions


def normalize_argnums(argnums: Argnums, n_inputs: int) -> tuple[tuple[int, ...], bool]:
    """argnums as (positions, was_tuple): `check_argnums`, then `resolve_argnums`.

    >>> normalize_argnums((0, -1), 3)
    ((0, 2), True)
    """
    given, many = check_argnums(argnums)
    return resolve_argnums(given, n_inputs, argnums), many


def bind_inputs(
    function: Function, args: Sequence[Any], signature: tuple | None = None
) -> list[Value]:
    """The arguments as input arrays, checked against the shapes the Function was built for
    (`signature` = (input_names, input_shapes), computed when None)."""
    names, shapes = signature or (function.input_names, function.input_shapes)
    if len(args) != len(names):
        function.bind(args, {})  # raises expr's InputError naming the inputs
    inputs = [as_input(value, name) for value, name in zip(args, names)]
    for name, value, shape in zip(names, inputs, shapes):
        if type(value) is np.ndarray and value.shape == shape:
            continue  # the common case, without shape_of's call
        if shape_of(value) != shape:
            raise InputShapeError(
                f"{function.name}: input {name!r} has shape {shape_of(value)} but the "
                f"function was built for shape {shape}; pass a Python function (traced at the "
                "arguments) or build the Function for these shapes"
            )
    return inputs


def check_flag(value: Any, name: str, what: str) -> None:
    """Our error unless `value` is True or False (a string such as "no" would be truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise AutodiffError(f"{what}: {name} must be True or False, got {value!r}")


#: The most sweeps a Jacobian or Hessian may take (one per input or output element);
#: beyond it, use jvp/vjp/hvp for products, which cost one sweep each.
MAX_SWEEPS = 20_000


def check_sweeps(count: int, what: str, per: str) -> None:
    if count > MAX_SWEEPS:
        raise AutodiffError(
            f"{what} would take {count:,} sweeps (one per {per} element); the limit is "
            f"{MAX_SWEEPS:,}. Use jvp/vjp (or hvp) for Jacobian- (Hessian-) vector products"
        )


def _tagged(function: Function) -> bool:
    """Whether any node of `function` lies in an `autodiff.checkpoint` region."""
    return any("checkpoint" in data for data in function.records)


@dataclass
class _LastTrace:
    """The last call's trace of a Python function (its graph, differentiated positions, and
    the compiled program once the same graph came again)."""

    function: Function
    positions: tuple[int, ...]
    program: GradientProgram | None = None


class Transformation:
    """Base of the transformation objects: turns `f` and a call's arguments into a `Call`
    (a Function and its inputs). `argnums` and `has_aux` are checked once, here; for a
    fixed Function (or a string or SymPy expression, converted once) the positions are
    resolved here too, and what is derived from it (plan, gradient graph, compiled
    program) is built on first use and kept (cached properties)."""

    what = "transformation"

    def __init__(self, f: Any, argnums: Argnums = 0, has_aux: bool = False) -> None:
        self.given, self.many = check_argnums(argnums)
        check_flag(has_aux, "has_aux", self.what)
        self.f = f
        self.argnums = argnums
        self.has_aux = has_aux
        self._fixed: Function | None = None
        if isinstance(f, Function) or not callable(f):
            self._fixed = f if isinstance(f, Function) else expr.as_function(f)
        if self._fixed is not None and has_aux:
            raise AutodiffError(
                f"{self.what}: has_aux=True needs a Python function returning (output, aux); "
                f"{self._fixed.name} is an expr.Function"
            )
        #: the differentiated input positions of the fixed Function (None: per call)
        self.positions = None if self._fixed is None else self.resolve(self._fixed.n_inputs)
        self._last_trace: _LastTrace | None = None

    def resolve(self, n_inputs: int) -> tuple[int, ...]:
        """The differentiated positions among `n_inputs` arguments."""
        return resolve_argnums(self.given, n_inputs, self.argnums)

    def call(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Call:
        """The Function to differentiate and its inputs for this call (traced at the
        arguments for a Python function)."""
        fixed = self._fixed
        if fixed is not None:
            return bind_call(fixed, args, kwargs, self.positions, self.many, self.bind)
        positions = self.resolve(len(args))
        call = None
        last = self._last_trace
        if (
            last is not None
            and not last.function.guards
            and not self.has_aux  # aux values are the concrete values of the trace
            and not any(isinstance(a, Tracer) for a in args)
        ):
            # The last call's trace took no branch: try without values first (cheaper, and
            # enough to find that graph again and run its compiled program); if f branches
            # on a traced value now, trace again with values (f runs twice in this call).
            try:
                call = trace_call(
                    self.f, args, kwargs, positions, self.has_aux, self.what, False, last.function
                )
            except expr.TracerBoolError:
                call = None
            if call is not None and call.traced:
                call = None
        if call is None:
            call = trace_call(self.f, args, kwargs, positions, self.has_aux, self.what)
        call.many = self.many
        return call

    @cached_property
    def _signature(self) -> tuple:
        return self._fixed.input_names, self._fixed.input_shapes

    def bind(self, args: Sequence[Any]) -> list[Value]:
        """`bind_inputs` of the fixed Function, its names and shapes read once."""
        return bind_inputs(self._fixed, args, self._signature)

    @cached_property
    def plan(self) -> Plan:
        """The Plan of the fixed Function."""
        return Plan(self._fixed, self.positions)

    def plan_for(self, call: Call) -> Plan:
        """The Plan of this call's Function (kept for the fixed Function)."""
        return self.plan if call.function is self._fixed else Plan(call.function, call.wrt)

    @cached_property
    def gradient(self) -> Function:
        """The gradient graph of the fixed Function (`gradient_function`)."""
        return gradient_function(self._fixed, self.positions)

    @cached_property
    def gradient_program(self) -> GradientProgram:
        """The compiled value-and-gradient program of the fixed Function."""
        return GradientProgram(self._fixed, self.positions)

    @cached_property
    def tagged(self) -> bool:
        """Whether the fixed Function has `autodiff.checkpoint` regions."""
        return _tagged(self._fixed)

    def compiled(self, call: Call, args: Sequence[Any], stats: Any) -> Any:
        """(value, grads) by the compiled value-and-gradient program (autodiff.jit) of the
        fixed Function, or of a Python function whose trace is the same graph as the last
        call's (it is traced at every call all the same); None where the interpreter runs
        (the first call of a graph, traced inputs, stats, a NaN in the result)."""
        function, positions = call.function, call.wrt
        if stats is not None or call.traced:
            return None
        if function is self._fixed:
            program = self.gradient_program
        else:
            last = self._last_trace
            if (
                last is None
                or last.positions != positions
                or (function is not last.function and not same_graph(last.function, function))
            ):
                self._last_trace = _LastTrace(function, positions)
                return None
            if last.program is None:
                last.program = GradientProgram(last.function, last.positions)
            program = last.program
        plain = len(args) == function.n_inputs and all(type(a) is float for a in args)
        return program(call.inputs, args if plain else ())

    def with_aux(self, call: Call, result: Any) -> Any:
        return (result, call.aux) if self.has_aux else result


# ----------------------------------------------------------------------------- reverse
class ValueAndGrad(Transformation):
    """The callable `value_and_grad` returns (see there)."""

    def __init__(
        self,
        f: Any,
        argnums: Argnums,
        with_value: bool,
        checkpoint: Any = None,
        return_stats: bool = False,
        check_nan: bool = True,
        has_aux: bool = False,
    ) -> None:
        self.what = "value_and_grad" if with_value else "grad"
        super().__init__(f, argnums, has_aux)
        check_flag(return_stats, "return_stats", self.what)
        check_flag(check_nan, "check_nan", self.what)
        self.return_stats = return_stats
        self.check_nan = check_nan
        self.with_value = with_value
        self.checkpoint = None if checkpoint is None else as_strategy(checkpoint)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = self.call(args, kwargs)
        function, positions = call.function, call.wrt
        require_scalar(function, self.what)
        stats = Stats() if self.return_stats else None
        strategy = self.checkpoint
        if strategy is None and (self.tagged if function is self._fixed else _tagged(function)):
            strategy = Regions()  # regions marked with autodiff.checkpoint are recomputed
        if strategy is not None:
            value, grads = checkpointed_value_and_grad(
                function, call.inputs, positions, strategy, stats, self.check_nan
            )
        else:
            result = self.compiled(call, args, stats)
            if result is not None:
                value, grads = result
            else:
                plan = self.plan_for(call)
                traced_here = stats is None and not call.traced  # values of this trace at args
                known = function.take_trace_values() if traced_here else None
                values, grads = reverse(
                    plan, call.inputs, stats=stats, check_nan=self.check_nan, values=known
                )
                value = function.outputs_of(values)
        grads = [_scalar(keep_dtype(g, call.dtype(p))) for g, p in zip(grads, positions)]
        grad = call.per_argument(grads)
        value = self.with_aux(call, value)
        result = (value, grad) if self.with_value else self.with_aux(call, grad)
        if self.return_stats:
            return (*result, stats.as_dict()) if self.with_value else (result, stats.as_dict())
        return result


def value_and_grad(
    f: Any,
    argnums: Argnums = 0,
    *,
    checkpoint: Any = None,
    return_stats: bool = False,
    check_nan: bool = True,
    has_aux: bool = False,
) -> ValueAndGrad:
    """(f(x), ∇f(x)) by reverse mode: one forward sweep, one backward sweep, O(cost of f).

    f's arguments may be pytrees (nested tuples, lists, dicts, None of arrays); the gradient
    has the structure of the argument. argnums: an int (the gradient of that argument) or a
    tuple (a tuple of gradients); other arguments and keyword arguments are passed through,
    not differentiated. has_aux: f returns (output, aux); the result is ((value, aux), grad).
    checkpoint: None (store everything, but recompute regions marked with
    `autodiff.checkpoint`) or a strategy: "none", "sqrt", "regions", `autodiff.every(k)`,
    `autodiff.binomial(snapshots=s)`, `autodiff.budget(bytes=B)` (normalized once, here).
    return_stats: also return a dict of counts (forward_ops, backward_ops, stored_values,
    stored_bytes = peak live stored bytes, seconds). check_nan: raise `NaNError` naming the
    node where a NaN appeared in the backward sweep.

    >>> value, g = value_and_grad("x1*x2 + sin(x1)", argnums=(0, 1))(2.0, 3.0)
    >>> round(float(value), 6), [round(float(v), 6) for v in g]
    (6.909297, [2.583853, 2.0])
    """
    return ValueAndGrad(f, argnums, True, checkpoint, return_stats, check_nan, has_aux)


def grad(f: Any, argnums: Argnums = 0, **options: Any) -> ValueAndGrad:
    """∇f by reverse mode: `value_and_grad` (whose keyword options — checkpoint,
    return_stats, check_nan, has_aux — it takes) returning only the gradient; with
    return_stats a pair (gradient, stats), with has_aux a pair (gradient, aux). f must
    have one scalar output.

    >>> round(float(grad("sin(x)")(0.0)), 6)
    1.0
    """
    unknown = sorted(set(options) - set(REVERSE_OPTIONS))
    if unknown:
        raise AutodiffError(
            f"grad has no option {unknown[0]!r}; its options: {', '.join(REVERSE_OPTIONS)}"
        )
    return ValueAndGrad(f, argnums, False, **options)


#: The keyword options of `value_and_grad` and `grad`.
REVERSE_OPTIONS = ("checkpoint", "return_stats", "check_nan", "has_aux")


class _Everything(Transformation):
    """A transformation of every argument (vjp, jvp, linearize): argnums = all of them."""

    def __init__(self, f: Any, what: str, has_aux: bool = False) -> None:
        self.what = what
        super().__init__(f, 0, has_aux)
        self.many = True

    def resolve(self, n_inputs: int) -> tuple[int, ...]:
        return tuple(range(n_inputs))

    def every(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Call:
        if not args:
            raise AutodiffError(f"{self.what}: give the primal arguments of the function")
        return self.call(args, kwargs)


def vjp(
    f: Any, *primals: Any, has_aux: bool = False, check_nan: bool = True
) -> tuple[Any, Callable[..., tuple]]:
    """(f(primals), vjp_fn) where vjp_fn(u) = uᵀ J for every primal (a tuple, like JAX); with
    has_aux, (f(primals), vjp_fn, aux).

    The forward sweep runs once; each call of vjp_fn is one backward sweep (O(cost of f)).
    u has the structure of the output (a tuple for several outputs); the cotangents have
    the structure of the primals (pytrees). check_nan: `NaNError` naming the node where a
    NaN appears (an input, an op outside its domain, an undefined derivative).

    >>> out, pullback = vjp("x*y", 2.0, 3.0)
    >>> [float(v) for v in pullback(1.0)]
    [3.0, 2.0]
    """
    check_flag(check_nan, "check_nan", "vjp")
    transformation = _Everything(f, "vjp", has_aux)
    call = transformation.every(primals, {})
    function = call.function
    plan = Plan(function, call.wrt)
    values = forward_sweep(plan, call.inputs)
    if check_nan and not call.traced:
        check_inputs(call.names, call.inputs)
        check_forward(function, values)
    out = call.outputs(values)

    def vjp_fn(cotangent: Any) -> tuple:
        leaves = _match(call.out_tree, cotangent, "vjp_fn", "cotangent", "output")
        seeds: dict[int, Value] = {}
        for node, ct, shape in zip(function.outputs, leaves, function.output_shapes):
            ct = _array(ct, "vjp_fn", "cotangent")
            if shape_of(ct) != shape:
                raise InputShapeError(
                    f"vjp_fn: cotangent has shape {shape_of(ct)}, but the output it "
                    f"pulls back has shape {shape}"
                )
            seeds[node] = ct if node not in seeds else seeds[node] + ct
        adjoints = backward_sweep(plan, values, seeds=dict(seeds))
        grads = gradients(plan, adjoints)
        if check_nan and not call.traced and not any(isinstance(c, Tracer) for c in leaves):
            check_inputs(["u"] * len(leaves), leaves, "cotangent")
            check_backward(plan, call.inputs, seeds, grads)
        grads = [_scalar(keep_dtype(g, call.dtype(p))) for g, p in zip(grads, call.wrt)]
        return call.per_argument(grads)

    return (out, vjp_fn, call.aux) if has_aux else (out, vjp_fn)


def _match(tree: Any, value: Any, where: str, argument: str, of: str) -> list:
    """The leaves of `value`, which must have the structure `tree` (of the `of`)."""
    leaves, structure = flatten(value)
    if structure != tree:
        raise AutodiffError(
            f"{where}: the {argument} must have the structure of the {of}, {tree}; got "
            f"{structure} ({type(value).__name__})"
        )
    return leaves


def _array(value: Any, where: str, argument: str) -> Value:
    """A tangent or cotangent as a float array (tracers pass through)."""
    if isinstance(value, Tracer):
        return value
    array = numeric(value)
    if array is None:
        raise AutodiffError(
            f"{where}: a {argument} must be numbers or an array, got {type(value).__name__} "
            f"({value!r:.60})"
        )
    return array


def grad_graph(
    f: Any, argnums: Argnums = 0, *example_args: Any, with_value: bool = False
) -> Function:
    """The gradient of f as a new Function (of all f's inputs), recorded by running the
    reverse sweep on tracers; its outputs are the gradients for argnums (value first when
    with_value). Differentiate it again for higher order. O(cost of f) ops.

    >>> g = grad_graph("x**3")
    >>> float(g(2.0)[0])
    12.0
    """
    function = expr.as_function(f, *example_args)
    positions, _ = normalize_argnums(argnums, function.n_inputs)
    return gradient_function(function, positions, with_value)


# ----------------------------------------------------------------------------- forward
def _primals_tuple(value: Any, where: str, argument: str) -> tuple:
    if not isinstance(value, (tuple, list)):
        raise AutodiffError(
            f"{where}: {argument} must be a tuple (or list) with one entry per argument of "
            f"the function, got {type(value).__name__}; e.g. {where}(f, (x,), (v,))"
        )
    return tuple(value)


def _tangent_leaves(call: Call, tangents: tuple, where: str) -> list:
    """The tangent of every input of `call` (None for captured inputs), checked."""
    if len(tangents) != len(call.trees):
        raise AutodiffError(f"{where}: {len(call.trees)} primals but {len(tangents)} tangents")
    dots: list[Any] = []
    for tree, tangent in zip(call.trees, tangents):
        dots += _match(tree, tangent, where, "tangents", "primals")
    dots = [_array(t, where, "tangent") for t in dots]
    names = call.names or call.function.input_names
    for t, x, name in zip(dots, call.inputs, names):
        if shape_of(t) != shape_of(x):
            raise InputShapeError(
                f"{where}: the tangent of {name!r} has shape {shape_of(t)}, its primal "
                f"{shape_of(x)}"
            )
    return dots + [None] * (len(call.inputs) - len(dots))


def jvp(
    f: Any,
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    has_aux: bool = False,
    check_nan: bool = True,
) -> tuple[Any, Any]:
    """(f(primals), J·tangents) by forward mode in one sweep (about 2-3x the cost of f).

    primals and tangents are tuples with one entry (a pytree) per argument, of the same
    structures; the output tangent has the output's structure. has_aux: f returns
    (output, aux) and the result is (output, tangent, aux). check_nan: see `vjp`.

    >>> out, t = jvp("x*y", (2.0, 3.0), (1.0, 0.0))
    >>> float(out), float(t)
    (6.0, 3.0)
    """
    check_flag(check_nan, "check_nan", "jvp")
    primals = _primals_tuple(primals, "jvp", "primals")
    tangents = _primals_tuple(tangents, "jvp", "tangents")
    transformation = _Everything(f, "jvp", has_aux)
    call = transformation.every(primals, {})
    dots = _tangent_leaves(call, tangents, "jvp")
    values, out_dots = _jvp_checked(call, dots, check_nan)
    out = call.outputs(values)
    t = _output_tangents(call, values, out_dots)
    return (out, t, call.aux) if has_aux else (out, t)


def _jvp_checked(call: Call, dots: list, check_nan: bool, program: tuple | None = None) -> tuple:
    function = call.function
    values, out_dots = jvp_sweep(function, call.inputs, dots, program)
    if check_nan and not call.traced and not any(isinstance(d, Tracer) for d in dots):
        names = call.names or function.input_names
        check_inputs(names, call.inputs)
        check_inputs(names, [d for d in dots if d is not None], "the tangent of")
        check_forward(function, values)
        check_tangents(function, values, out_dots)
    return values, out_dots


def _output_tangents(call: Call, values: list, dots: list) -> Any:
    dtype = call.input_dtype()
    outs = [
        _scalar(keep_dtype(instantiate_zeros(dots[n], shape_of(values[n])), dtype))
        for n in call.function.outputs
    ]
    return call.out_tree.unflatten(outs)


def _dtype(value: Value) -> Any:
    return None if isinstance(value, Tracer) else np.asarray(value).dtype


def linearize(f: Any, *primals: Any, check_nan: bool = True) -> tuple[Any, Callable[..., Any]]:
    """(f(primals), f_jvp) with f_jvp(*tangents) = J·tangents, as JAX's linearize: the
    tangent map is traced once into a linear Function of the tangents (the primal values
    are its constants), so each f_jvp call costs only the linear part, no primal work.

    >>> y, f_jvp = linearize(lambda x: expr.sin(x) * x, 1.0)
    >>> round(float(y), 6), round(float(f_jvp(2.0)), 6)
    (0.841471, 2.763547)
    """
    check_flag(check_nan, "check_nan", "linearize")
    transformation = _Everything(f, "linearize")
    call = transformation.every(primals, {})
    function = call.function
    n = len(call.wrt)
    values = function.evaluate(*call.inputs)
    if check_nan and not call.traced:
        check_inputs(call.names or function.input_names, call.inputs)
        check_forward(function, values)
    program = forward_program(function)

    def tangent_map(*ts: Any) -> tuple:
        _, dots = jvp_sweep(function, call.inputs, [*ts, *[None] * (len(call.inputs) - n)], program)
        outs = function.outputs
        return tuple(
            instantiate_zeros(dots[o], shape_of(values[o]), _dtype(values[o])) for o in outs
        )

    examples = [np.zeros(shape_of(x), dtype=_dtype(x) or np.float64) for x in call.inputs[:n]]
    linear = trace_call(tangent_map, examples, {}, tuple(range(n)), what="linearize")

    def f_jvp(*tangents: Any) -> Any:
        dots = _tangent_leaves(call, tangents, "linearize's f_jvp")[:n]
        outs = linear.function(*dots, *linear.inputs[n:])
        outs = outs if isinstance(outs, tuple) else (outs,)
        outs = [keep_dtype(t, call.input_dtype()) for t in outs]
        return call.out_tree.unflatten(outs)

    return call.outputs(values), f_jvp


# ----------------------------------------------------------------------------- Jacobians
def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _basis(shape: tuple[int, ...], dtype: Any = None) -> Any:
    size = int(np.prod(shape, dtype=np.int64))
    for k in range(size):
        e = np.zeros(size, dtype=dtype or np.float64)
        e[k] = 1.0
        yield e.reshape(shape)


def _stack(parts: list, shape: tuple[int, ...]) -> Value:
    """parts (each of `shape`) stacked on a new first axis; with expr ops when any part is a
    tracer (each part scattered into its row and summed: O(len(parts)² · size))."""
    if not any(isinstance(p, Tracer) for p in parts):
        return np.stack([np.reshape(p, shape) for p in parts], axis=0)
    newshape = (len(parts), *shape)
    total = None
    for k, part in enumerate(parts):
        row = expr.apply("scatter", expr.reshape(part, shape), index=(k,), newshape=newshape)
        total = row if total is None else total + row
    return total


def _assemble(parts: list, out_shape: tuple, in_shape: tuple, last: bool) -> Value:
    """Columns (one per input element) or rows (one per output element) as out + in shape."""
    if not parts:
        return np.zeros(out_shape + in_shape)
    stacked = _stack(parts, out_shape if last else in_shape)
    if last:  # (n_in, *out) -> (*out, n_in)
        n = len(out_shape)
        stacked = expr.transpose(stacked, (*range(1, n + 1), 0)) if n else stacked
    return expr.reshape(stacked, out_shape + in_shape)


class Jacobian(Transformation):
    """The callable `jacfwd` / `jacrev` returns: blocks J[i][j] = d out_i / d in_j of
    shape out_i + in_j, for every output leaf i and differentiated input leaf j, returned
    in the output's structure of the arguments' structures (as JAX)."""

    def __init__(
        self,
        f: Any,
        argnums: Argnums,
        has_aux: bool,
        mode: str,
        check_nan: bool,
        scalar_for: str = "",
    ) -> None:
        self.what = mode
        super().__init__(f, argnums, has_aux)
        check_flag(check_nan, "check_nan", mode)
        self.check_nan = check_nan
        self.scalar_for = scalar_for

    @cached_property
    def jvp_program(self) -> tuple:
        """The `forward_program` of the fixed Function."""
        return forward_program(self._fixed)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = self.call(args, kwargs)
        if self.scalar_for:
            require_scalar(call.function, self.scalar_for)
        blocks = self.forward(call) if self.what == "jacfwd" else self.reverse(call)
        result = []
        for row in blocks:
            cast = [keep_dtype(_scalar(b), call.dtype(p)) for b, p in zip(row, call.wrt)]
            result.append(call.per_argument(cast))
        return self.with_aux(call, call.out_tree.unflatten(result))

    def forward(self, call: Call) -> list[list[Value]]:
        function = call.function
        program = self.jvp_program if function is self._fixed else forward_program(function)
        shapes = [function.shape(n) for n in function.outputs]
        columns = [[[] for _ in call.wrt] for _ in shapes]
        check_sweeps(sum(_size(function.input_shapes[p]) for p in call.wrt), "jacfwd", "input")
        for j, p in enumerate(call.wrt):
            for e in _basis(function.input_shapes[p], call.dtype(p)):
                dots = [e if i == p else None for i in range(len(call.inputs))]
                _, out_dots = _jvp_checked(call, dots, self.check_nan, program)
                for i, out in enumerate(function.outputs):
                    columns[i][j].append(instantiate_zeros(out_dots[out], shapes[i]))
        return [
            [
                _assemble(columns[i][j], shapes[i], function.input_shapes[p], last=True)
                for j, p in enumerate(call.wrt)
            ]
            for i in range(len(shapes))
        ]

    def reverse(self, call: Call) -> list[list[Value]]:
        function = call.function
        check_sweeps(sum(_size(function.shape(n)) for n in function.outputs), "jacrev", "output")
        plan = self.plan_for(call)
        values = forward_sweep(plan, call.inputs)
        check = self.check_nan and not call.traced
        if check:
            check_inputs(call.names or function.input_names, call.inputs)
            check_forward(function, values)
        blocks = []
        for out in function.outputs:
            rows: list[list[Value]] = [[] for _ in call.wrt]
            for e in _basis(function.shape(out), _dtype(values[out])):
                adjoints = backward_sweep(plan, values, seeds={out: e})
                grads = gradients(plan, adjoints)
                if check:
                    check_backward(plan, call.inputs, {out: e}, grads)
                for row, g in zip(rows, grads):
                    row.append(g)
            blocks.append(
                [
                    _assemble(row, function.shape(out), function.input_shapes[p], last=False)
                    for row, p in zip(rows, call.wrt)
                ]
            )
        return blocks


def jacfwd(
    f: Any, argnums: Argnums = 0, *, has_aux: bool = False, check_nan: bool = True
) -> Jacobian:
    """The Jacobian by forward mode: one JVP per input element, out_shape + in_shape.

    Cost: n_inputs x (cost of a JVP). Best when inputs are few. Outputs and arguments may
    be pytrees (the result nests the arguments' structure inside the output's, as JAX);
    traceable, so jacfwd(jacrev(f)) is the Hessian. has_aux: returns (jacobian, aux).

    >>> [float(d) for d in jacfwd("x*y", argnums=(0, 1))(2.0, 3.0)]
    [3.0, 2.0]
    """
    return Jacobian(f, argnums, has_aux, "jacfwd", check_nan)


def jacrev(
    f: Any, argnums: Argnums = 0, *, has_aux: bool = False, check_nan: bool = True
) -> Jacobian:
    """The Jacobian by reverse mode: one forward sweep, one backward sweep per output
    element, out_shape + in_shape. Cost: n_outputs x (cost of a VJP). Pytrees, has_aux and
    tracing as `jacfwd`.

    >>> [float(d) for d in jacrev("x*y", argnums=(0, 1))(2.0, 3.0)]
    [3.0, 2.0]
    """
    return Jacobian(f, argnums, has_aux, "jacrev", check_nan)


# ----------------------------------------------------------------------------- second order
def _check_domain(f: Any, args: Sequence[Any], kwargs: dict, what: str) -> None:
    """NaN checks of f itself at args (a derivative graph may no longer hold the op that
    left its domain: the gradient of log(x) is 1/x). One forward evaluation."""
    call = _Everything(f, what).call(args, kwargs)
    if not call.traced:
        check_inputs(call.names or call.function.input_names, call.inputs)
        check_forward(call.function, call.function.evaluate(*call.inputs))


class Hessian(Transformation):
    """The callable `hessian` returns."""

    what = "hessian"

    def __init__(self, f: Any, argnums: Argnums = 0, check_nan: bool = True) -> None:
        super().__init__(f, argnums)
        check_flag(check_nan, "check_nan", "hessian")
        self.check_nan = check_nan

    @cached_property
    def gradient_jvp_program(self) -> tuple:
        """The `forward_program` of the fixed Function's gradient graph."""
        return forward_program(self.gradient)

    @cached_property
    def nested(self) -> Jacobian:
        """jacfwd of jacrev: the Hessian of a Python function, or on tracers."""
        f = self.f if self._fixed is None else self._fixed
        inner = Jacobian(f, self.argnums, False, "jacrev", self.check_nan, "hessian")
        return Jacobian(inner, self.argnums, False, "jacfwd", self.check_nan)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._fixed is None or any(isinstance(a, Tracer) for a in args) or kwargs:
            if self.check_nan:
                _check_domain(
                    self.f if self._fixed is None else self._fixed, args, kwargs, "hessian"
                )
            return self.nested(*args, **kwargs)
        call = self.call(args, kwargs)
        function, positions, inputs = call.function, call.wrt, call.inputs
        require_scalar(function, "hessian")
        check_sweeps(sum(_size(function.input_shapes[p]) for p in positions), "hessian", "input")
        if self.check_nan:
            check_inputs(function.input_names, inputs)
            check_forward(function, function.evaluate(*inputs))
        gradient, program = self.gradient, self.gradient_jvp_program
        shapes = function.input_shapes
        blocks = [[[] for _ in positions] for _ in positions]
        for j, p in enumerate(positions):
            for e in _basis(shapes[p], call.dtype(p)):
                dots = [e if i == p else None for i in range(len(inputs))]
                values, out_dots = jvp_sweep(gradient, inputs, dots, program)
                if self.check_nan:
                    check_forward(gradient, values)
                    check_tangents(gradient, values, out_dots)
                for i, node in enumerate(gradient.outputs):
                    blocks[i][j].append(instantiate_zeros(out_dots[node], shapes[positions[i]]))
        result = tuple(
            tuple(
                keep_dtype(
                    _assemble(blocks[i][j], shapes[positions[i]], shapes[positions[j]], last=True),
                    call.dtype(positions[i]),
                    call.dtype(positions[j]),
                )
                for j in range(len(positions))
            )
            for i in range(len(positions))
        )
        return result if call.many else result[0][0]


def hessian(f: Any, argnums: Argnums = 0, *, check_nan: bool = True) -> Hessian:
    """The Hessian: forward mode over reverse mode (jacfwd of jacrev; for a fixed Function,
    of its cached gradient graph).

    Shape in_shape + in_shape for an int argnums; a tuple of tuples of blocks for a tuple
    (pytree arguments: the argument's structure of the argument's structure, as JAX).
    Cost: n_inputs x (cost of a JVP of the gradient) = O(n · cost of f).

    >>> hessian("x**3")(2.0)
    array(12.)
    """
    return Hessian(f, argnums, check_nan)


_HVP_HELP = (
    "hvp takes (f, primals, tangents) like jvp: hvp(f, (x,), (v,)) is H(x)·v, and "
    "hvp(f, (x, y), (vx, vy)) the Hessian over all arguments times (vx, vy)"
)


def hvp(
    f: Any,
    primals: Sequence[Any] | None = None,
    tangents: Sequence[Any] | None = None,
    *,
    check_nan: bool = True,
    **kwargs: Any,
) -> Any:
    """Hessian-vector product H·v = d/dt ∇f(primals + t·tangents), forward-over-reverse:
    one JVP of the gradient, so O(cost of f) whatever the number of inputs. The convention
    is jvp's (and the JAX cookbook's): `hvp(f, (x,), (v,))`; the result has the structure
    of the primals (one entry per primal in a tuple when there are several).

    >>> float(hvp("x**3", (2.0,), (1.0,)))
    12.0
    """
    if kwargs or primals is None or tangents is None:
        given = ", ".join([*(["primals"] if primals is not None else []), *kwargs])
        raise AutodiffError(f"{_HVP_HELP}; got hvp(f{', ' + given if given else ''})")
    check_flag(check_nan, "check_nan", "hvp")
    primals = _primals_tuple(primals, "hvp", "primals")
    tangents = _primals_tuple(tangents, "hvp", "tangents")
    if not primals:
        raise AutodiffError(f"{_HVP_HELP}; got no primals")
    if check_nan:
        _check_domain(f, primals, {}, "hvp")
    gradient = ValueAndGrad(f, tuple(range(len(primals))), False)
    _, t = jvp(gradient, primals, tangents, check_nan=check_nan)
    leaves, tree = flatten(t)
    dtypes = [_dtype(as_input(x, "primal")) for x in flatten(primals)[0]]
    t = tree.unflatten([keep_dtype(v, d) for v, d in zip(leaves, dtypes)])
    return t if len(primals) > 1 else t[0]
