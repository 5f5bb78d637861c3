"""JAX-style transformations: grad, value_and_grad, jvp, vjp, jacfwd, jacrev, hessian, hvp.

Each accepts an `expr.Function`, a formula string, a SymPy expression, or a Python function
written with expr ops (traced concretely at the call's arguments, so Python control flow
works as in define-by-run engines). A Function (or string/SymPy, converted once) is the fast
path: the transformation object caches its plan and traced gradient graph. Called on
`expr.Tracer`s (inside an outer trace or transformation) the same code records the
derivative into the outer graph: that is how gradients of gradients work.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer
from expr.graph import as_input

from .errors import (
    ArgnumsError,
    AutodiffError,
    CheckpointUnavailableError,
    InputShapeError,
    NonScalarOutputError,
)
from .forward import forward_program, jvp_sweep
from .jit import GradientProgram, same_graph
from .reverse import Plan, SweepStats, backward_sweep, forward_sweep, reverse

Value = Any
Argnums = int | Sequence[int]


# ----------------------------------------------------------------------------- helpers
def _traced(args: Sequence[Any]) -> bool:
    return any(isinstance(a, Tracer) for a in args)


def _scalar(value: Value) -> Value:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def normalize_argnums(argnums: Argnums, n_inputs: int) -> tuple[tuple[int, ...], bool]:
    """argnums as (positions, was_tuple); positions may be negative like Python indices.

    >>> normalize_argnums((0, -1), 3)
    ((0, 2), True)
    """
    many = not isinstance(argnums, (int, np.integer))
    items = tuple(argnums) if many else (argnums,)
    positions = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ArgnumsError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -n_inputs <= a < n_inputs:
            raise ArgnumsError(
                f"argnums {argnums!r} is out of range for a function of {n_inputs} inputs "
                f"(valid: 0..{n_inputs - 1}, or negative from the end)"
            )
        positions.append(int(a) % n_inputs)
    if many and not positions:
        raise ArgnumsError("argnums is an empty tuple; give at least one input position")
    if len(set(positions)) != len(positions):
        raise ArgnumsError(f"argnums {argnums!r} repeats an input")
    return tuple(positions), many


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
        if shape_of_value(value) != shape:
            raise InputShapeError(
                f"{function.name}: input {name!r} has shape {shape_of_value(value)} but the "
                f"function was built for shape {shape}; pass a Python function (traced at the "
                "arguments) or build the Function for these shapes"
            )
    return inputs


def shape_of_value(value: Value) -> tuple[int, ...]:
    return value.shape if isinstance(value, Tracer) else np.shape(value)


def require_scalar(function: Function, what: str) -> None:
    """`NonScalarOutputError` unless the Function has one output of shape ()."""
    if not function.single_output or function.output_shapes[0] != ():
        shapes = function.output_shapes if not function.single_output else function.output_shapes[0]
        raise NonScalarOutputError(
            f"{what} needs a function with one scalar output; {function.name} returns shape "
            f"{shapes}. Use jacrev/jacfwd for a Jacobian, or vjp with a cotangent"
        )


def _tagged(function: Function) -> bool:
    """Whether any node of `function` lies in an `autodiff.checkpoint` region."""
    return any("checkpoint" in data for data in function.records)


def _checkpoint_hook() -> Callable[..., Any]:
    if importlib.util.find_spec("autodiff.checkpoint") is None:
        raise CheckpointUnavailableError(
            "checkpoint= needs the autodiff.checkpoint module, which is not installed"
        )
    # import_module, not `from . import checkpoint`: the package attribute `checkpoint` is
    # the decorator function that module exports, the module itself is in sys.modules.
    module = importlib.import_module("autodiff.checkpoint")
    return module.checkpointed_value_and_grad


class Transformation:
    """Base of the transformation objects: turns `f` into a Function per call, and caches
    what is derived from a fixed Function (plans, traced gradient graphs) on itself."""

    def __init__(self, f: Any, argnums: Argnums = 0) -> None:
        if not isinstance(argnums, (int, np.integer, tuple, list)):
            raise ArgnumsError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
        if not isinstance(argnums, (int, np.integer)):
            argnums = tuple(argnums)
        items = (argnums,) if isinstance(argnums, (int, np.integer)) else argnums
        if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in items):
            raise ArgnumsError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
        self.f = f
        self.argnums = argnums
        self._fixed: Function | None = f if isinstance(f, Function) else None
        self._derived: dict[Any, Any] = {}
        if self._fixed is None and not callable(f):
            self._fixed = expr.as_function(f)

    def function(self, args: Sequence[Any]) -> Function:
        """The Function to differentiate at `args` (traced there for a Python function).

        A Python function is traced at every call. When the previous call's trace took no
        branch, this one is first tried without values (cheaper, and enough to find the
        same graph again, whose compiled program then runs); if f now branches on a
        traced value, it is traced again with values (so f runs twice in that call)."""
        if self._fixed is not None:
            return self._fixed
        if _traced(args):
            if all(
                (isinstance(a, Tracer) and a.value is not None) or not isinstance(a, Tracer)
                for a in args
            ):
                examples = [a.value if isinstance(a, Tracer) else a for a in args]
                return expr.as_function(self.f, *examples)
            return expr.trace(self.f, *[np.zeros(shape_of_value(a)) for a in args])
        last = self._derived.get("last trace")
        if last is not None and not last[0].guards:
            try:
                return expr.trace(self.f, *args)
            except expr.TracerBoolError:
                pass
        return expr.trace(self.f, *args, concrete=True, keep_values=True)

    def derived(self, function: Function, key: Any, build: Callable[[], Any]) -> Any:
        """`build()`, cached per key when `function` is the fixed one."""
        if function is not self._fixed:
            return build()
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def bind(self, function: Function, args: Sequence[Any]) -> list[Value]:
        """`bind_inputs` with the Function's names and shapes cached."""
        signature = self.derived(
            function, "signature", lambda: (function.input_names, function.input_shapes)
        )
        return bind_inputs(function, args, signature)

    def positions(self, function: Function) -> tuple[tuple[int, ...], bool]:
        return normalize_argnums(self.argnums, function.n_inputs)

    def plan(self, function: Function, positions: tuple[int, ...]) -> Plan:
        return self.derived(function, ("plan", positions), lambda: Plan(function, positions))

    def compiled(
        self, function: Function, positions: tuple[int, ...], inputs: list, stats: Any
    ) -> GradientProgram | None:
        """The compiled value-and-gradient program (autodiff.jit) of the fixed Function,
        or of a Python function whose trace is the same graph as the previous call's
        (it is traced at every call all the same); None where the interpreter runs."""
        if stats is not None or _traced(inputs):
            return None
        if function is not self._fixed:
            last = self._derived.get("last trace")
            if last is None or last[1] != positions or not same_graph(last[0], function):
                last = self._derived["last trace"] = (function, positions, None)
                return None
            if last[2] is None:
                last = self._derived["last trace"] = (*last[:2], GradientProgram(*last[:2]))
            return last[2]
        key = ("compiled", positions)
        return self.derived(function, key, lambda: GradientProgram(function, positions))

    def grad_graph(self, function: Function, positions: tuple[int, ...]) -> Function:
        return self.derived(
            function, ("grad_graph", positions), lambda: grad_graph(function, positions)
        )


# ----------------------------------------------------------------------------- reverse
class ValueAndGrad(Transformation):
    """The callable `value_and_grad` returns (see there)."""

    def __init__(
        self,
        f: Any,
        argnums: Argnums = 0,
        checkpoint: Any = None,
        return_stats: bool = False,
        check_nan: bool = True,
        with_value: bool = True,
    ) -> None:
        super().__init__(f, argnums)
        self.checkpoint = checkpoint
        self.return_stats = return_stats
        self.check_nan = check_nan
        self.with_value = with_value
        if checkpoint is not None:
            _checkpoint_hook()

    def __call__(self, *args: Any) -> Any:
        function = self.function(args)
        positions, many = self.positions(function)
        require_scalar(function, "grad" if not self.with_value else "value_and_grad")
        inputs = self.bind(function, args)
        stats = SweepStats() if self.return_stats else None
        strategy = self.checkpoint
        if strategy is None and self.derived(function, "tagged", lambda: _tagged(function)):
            strategy = "regions"  # regions marked with autodiff.checkpoint are recomputed
        if strategy is not None:
            value, grads = _checkpoint_hook()(function, inputs, positions, strategy, stats)
        else:
            compiled = self.compiled(function, positions, inputs, stats)
            result = None if compiled is None else compiled(inputs, args)
            if result is not None:
                value, grads = result
            else:
                plan = self.plan(function, positions)
                known = function.take_trace_values() if stats is None else None  # traced at args
                values, grads = reverse(
                    plan, inputs, stats=stats, check_nan=self.check_nan, values=known
                )
                value = function.outputs_of(values)
        grads = [_scalar(g) for g in grads]
        grad = tuple(grads) if many else grads[0]
        result = (value, grad) if self.with_value else grad
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
) -> ValueAndGrad:
    """(f(x), ∇f(x)) by reverse mode: one forward sweep, one backward sweep, O(cost of f).

    argnums: an int (the gradient is one array) or a tuple (a tuple of arrays).
    checkpoint: None (store everything) or a strategy understood by `autodiff.checkpoint`.
    return_stats: also return a dict of counts (forward_ops, backward_ops, stored_values,
    stored_bytes = peak live stored bytes, seconds). check_nan: raise `NaNError` naming the
    node where a NaN appeared in the backward sweep.

    >>> value, g = value_and_grad("x1*x2 + sin(x1)", argnums=(0, 1))(2.0, 3.0)
    >>> round(float(value), 6), [round(float(v), 6) for v in g]
    (6.909297, [2.583853, 2.0])
    """
    return ValueAndGrad(f, argnums, checkpoint, return_stats, check_nan)


def grad(
    f: Any,
    argnums: Argnums = 0,
    *,
    checkpoint: Any = None,
    return_stats: bool = False,
    check_nan: bool = True,
) -> ValueAndGrad:
    """∇f by reverse mode (see `value_and_grad`; this returns only the gradient, and with
    return_stats a pair (gradient, stats)). f must have one scalar output.

    >>> round(float(grad("sin(x)")(0.0)), 6)
    1.0
    """
    return ValueAndGrad(f, argnums, checkpoint, return_stats, check_nan, with_value=False)


def vjp(f: Any, *primals: Any) -> tuple[Any, Callable[..., tuple]]:
    """(f(primals), vjp_fn) where vjp_fn(u) = uᵀ J for every input (a tuple, like JAX).

    The forward sweep runs once; each call of vjp_fn is one backward sweep (O(cost of f)).
    For several outputs, u is a tuple with one cotangent per output.

    >>> out, pullback = vjp("x*y", 2.0, 3.0)
    >>> [float(v) for v in pullback(1.0)]
    [3.0, 2.0]
    """
    function = expr.as_function(f, *primals)
    inputs = bind_inputs(function, primals)
    plan = Plan(function, tuple(range(function.n_inputs)))
    values = forward_sweep(plan, inputs)
    out = function.outputs_of(values)

    def vjp_fn(cotangent: Any) -> tuple:
        cts = (cotangent,) if function.single_output else tuple(cotangent)
        if len(cts) != len(function.outputs):
            raise AutodiffError(
                f"vjp_fn needs {len(function.outputs)} cotangents (one per output), got {len(cts)}"
            )
        seeds: dict[int, Value] = {}
        for node, ct, shape in zip(function.outputs, cts, function.output_shapes):
            ct = ct if isinstance(ct, Tracer) else np.asarray(ct, dtype=np.result_type(ct, float))
            if shape_of_value(ct) != shape:
                raise InputShapeError(
                    f"vjp_fn: cotangent has shape {shape_of_value(ct)}, but the output it "
                    f"pulls back has shape {shape}"
                )
            seeds[node] = ct if node not in seeds else seeds[node] + ct
        adjoints = backward_sweep(plan, values, seeds=seeds)
        return tuple(
            _scalar(np.zeros(plan.shapes[n]) if adjoints[n] is None else adjoints[n])
            for n in plan.wrt
        )

    return out, vjp_fn


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
    require_scalar(function, "grad_graph")
    plan = Plan(function, positions)

    def gradient(*xs: Any) -> tuple:
        values, grads = reverse(plan, list(xs), check_nan=False)
        outs = tuple(grads)
        return (values[function.outputs[0]], *outs) if with_value else outs

    examples = [np.zeros(shape) for shape in function.input_shapes]
    graph = expr.trace(gradient, *examples, names=function.input_names)
    graph.name = f"grad_{function.name}"
    return graph


# ----------------------------------------------------------------------------- forward
def jvp(f: Any, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(primals), J·tangents) by forward mode in one sweep (about 2-3x the cost of f).

    >>> out, t = jvp("x*y", (2.0, 3.0), (1.0, 0.0))
    >>> float(out), float(t)
    (6.0, 3.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    function = expr.as_function(f, *primals)
    inputs = bind_inputs(function, primals)
    if len(tangents) != len(inputs):
        raise AutodiffError(f"jvp: {len(inputs)} primals but {len(tangents)} tangents")
    dots = [_tangent(t, x, name) for t, x, name in zip(tangents, inputs, function.input_names)]
    values, out_dots = jvp_sweep(function, inputs, dots)
    return function.outputs_of(values), _outputs_tangent(function, values, out_dots)


def _tangent(t: Any, x: Value, name: str) -> Value:
    if t is None:
        return None
    t = t if isinstance(t, Tracer) else np.asarray(t, dtype=np.result_type(t, np.float64))
    if shape_of_value(t) != shape_of_value(x):
        raise InputShapeError(
            f"tangent of {name!r} has shape {shape_of_value(t)}, its primal {shape_of_value(x)}"
        )
    return t


def _outputs_tangent(function: Function, values: list, dots: list) -> Any:
    outs = tuple(
        _scalar(np.zeros(np.shape(values[n])) if dots[n] is None else dots[n])
        for n in function.outputs
    )
    return outs[0] if function.single_output else outs


# ----------------------------------------------------------------------------- Jacobians
def _basis(shape: tuple[int, ...]) -> Any:
    size = int(np.prod(shape, dtype=np.int64))
    for k in range(size):
        e = np.zeros(size)
        e[k] = 1.0
        yield e.reshape(shape)


class JacFwd(Transformation):
    """The callable `jacfwd` returns."""

    def __call__(self, *args: Any) -> Any:
        function = self.function(args)
        positions, many = self.positions(function)
        inputs = self.bind(function, args)
        if not function.single_output:
            raise AutodiffError("jacfwd needs a function with one output")
        program = self.derived(function, "forward", lambda: forward_program(function))
        out_shape = function.output_shapes[0]
        blocks = []
        for p in positions:
            columns = []
            for e in _basis(function.input_shapes[p]):
                dots = [e if i == p else None for i in range(len(inputs))]
                _values, out_dots = jvp_sweep(function, inputs, dots, program)
                t = out_dots[function.outputs[0]]
                columns.append(
                    np.zeros(out_shape) if t is None else t if _traced([t]) else np.asarray(t)
                )
            blocks.append(_assemble(columns, out_shape, function.input_shapes[p], last=True))
        return tuple(blocks) if many else blocks[0]


class JacRev(Transformation):
    """The callable `jacrev` returns."""

    def __call__(self, *args: Any) -> Any:
        function = self.function(args)
        positions, many = self.positions(function)
        inputs = self.bind(function, args)
        if not function.single_output:
            raise AutodiffError("jacrev needs a function with one output")
        plan = self.plan(function, positions)
        values = forward_sweep(plan, inputs)
        out = function.outputs[0]
        rows: list[list[np.ndarray]] = [[] for _ in positions]
        for e in _basis(function.output_shapes[0]):
            adjoints = backward_sweep(plan, values, seeds={out: e})
            for row, node in zip(rows, plan.wrt):
                row.append(
                    np.zeros(plan.shapes[node]) if adjoints[node] is None else adjoints[node]
                )
        blocks = [
            _assemble(row, function.output_shapes[0], function.input_shapes[p], last=False)
            for row, p in zip(rows, positions)
        ]
        return tuple(blocks) if many else blocks[0]


def _assemble(parts: list[np.ndarray], out_shape: tuple, in_shape: tuple, last: bool) -> np.ndarray:
    """Columns (one per input element) or rows (one per output element) as out + in shape."""
    if not parts:
        return np.zeros(out_shape + in_shape)
    if _traced(parts):  # inside a trace (jit(jacrev(f))): the same stacking, recorded
        return _assemble_traced(parts, out_shape, in_shape, last)
    if last:
        stacked = np.stack([np.reshape(c, out_shape) for c in parts], axis=-1)
    else:
        stacked = np.stack([np.reshape(r, in_shape) for r in parts], axis=0)
    return stacked.reshape(out_shape + in_shape)


def _assemble_traced(parts: list, out_shape: tuple, in_shape: tuple, last: bool) -> Any:
    """`_assemble` with expr ops: each part scattered into its slot of the stack, summed.
    O(parts x size of the result) (Jacobians inside traces are small)."""
    n, shape = len(parts), out_shape if last else in_shape
    stacked_shape = (*shape, n) if last else (n, *shape)
    total = None
    for k, part in enumerate(parts):
        index = (Ellipsis, k) if last else (k,)
        piece = expr.apply(
            "scatter", expr.reshape(part, shape), index=index, newshape=stacked_shape
        )
        total = piece if total is None else total + piece
    return expr.reshape(total, out_shape + in_shape)


def jacfwd(f: Any, argnums: Argnums = 0) -> JacFwd:
    """The Jacobian by forward mode: one JVP per input element, out_shape + in_shape.

    Cost: n_inputs x (cost of a JVP). Best when inputs are few.

    >>> jacfwd("x*y", argnums=(0, 1))(2.0, 3.0)
    (array(3.), array(2.))
    """
    return JacFwd(f, argnums)


def jacrev(f: Any, argnums: Argnums = 0) -> JacRev:
    """The Jacobian by reverse mode: one forward sweep, one backward sweep per output
    element, out_shape + in_shape. Cost: n_outputs x (cost of a VJP).

    >>> jacrev("x*y", argnums=(0, 1))(2.0, 3.0)
    (array(3.), array(2.))
    """
    return JacRev(f, argnums)


# ----------------------------------------------------------------------------- second order
class Hessian(Transformation):
    """The callable `hessian` returns."""

    def __call__(self, *args: Any) -> Any:
        function = self.function(args)
        positions, many = self.positions(function)
        require_scalar(function, "hessian")
        inputs = self.bind(function, args)
        gradient = self.grad_graph(function, positions)
        program = self.derived(function, ("forward", positions), lambda: forward_program(gradient))
        shapes = function.input_shapes
        blocks = [[[] for _ in positions] for _ in positions]
        for j, p in enumerate(positions):
            for e in _basis(shapes[p]):
                dots = [e if i == p else None for i in range(len(inputs))]
                _values, out_dots = jvp_sweep(gradient, inputs, dots, program)
                for i, node in enumerate(gradient.outputs):
                    t = out_dots[node]
                    blocks[i][j].append(np.zeros(shapes[positions[i]]) if t is None else t)
        result = tuple(
            tuple(
                _assemble(blocks[i][j], shapes[positions[i]], shapes[positions[j]], last=True)
                for j in range(len(positions))
            )
            for i in range(len(positions))
        )
        return result if many else result[0][0]


class HVP(Transformation):
    """The callable `hvp` returns."""

    def __call__(self, *args: Any) -> Any:
        if not args:
            raise AutodiffError("hvp(f)(*args, v): give the arguments and then the direction v")
        *args, v = args
        function = self.function(args)
        positions, many = self.positions(function)
        require_scalar(function, "hvp")
        inputs = self.bind(function, args)
        directions = tuple(v) if many else (v,)
        if len(directions) != len(positions):
            raise AutodiffError(
                f"hvp: {len(positions)} directions are needed (one per argnum), got "
                f"{len(directions)}"
            )
        gradient = self.grad_graph(function, positions)
        dots: list[Any] = [None] * len(inputs)
        for p, d in zip(positions, directions):
            dots[p] = _tangent(d, inputs[p], function.input_names[p])
        program = self.derived(function, ("forward", positions), lambda: forward_program(gradient))
        _values, out_dots = jvp_sweep(gradient, inputs, dots, program)
        outs = [
            _scalar(np.zeros(shapes) if out_dots[n] is None else out_dots[n])
            for n, shapes in zip(gradient.outputs, (function.input_shapes[p] for p in positions))
        ]
        return tuple(outs) if many else outs[0]


def hessian(f: Any, argnums: Argnums = 0) -> Hessian:
    """The Hessian: forward mode over the traced gradient graph (jacfwd of grad).

    Shape in_shape + in_shape for an int argnums; a tuple of tuples of blocks for a tuple.
    Cost: n_inputs x (cost of a JVP of the gradient) = O(n · cost of f).

    >>> hessian("x**3")(2.0)
    array(12.)
    """
    return Hessian(f, argnums)


def hvp(f: Any, argnums: Argnums = 0) -> HVP:
    """Hessian-vector product H·v, forward-over-reverse: one JVP of the traced gradient, so
    O(cost of f) whatever the number of inputs. Call as hvp(f)(*args, v) (v a tuple of
    directions when argnums is a tuple).

    >>> float(hvp("x**3")(2.0, 1.0))
    12.0
    """
    return HVP(f, argnums)
