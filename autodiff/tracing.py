"""Calling a transformation: its arguments (pytrees, keyword arguments) as the inputs of one
`expr.Function`, and the results back in the arguments' structure.

`trace_call` traces a Python function concretely at the call's arguments: the leaves of the
differentiated arguments become the Function's inputs; other arguments and keyword arguments
are passed as they are (constants of the trace). A tracer of an *outer* trace that the
function closes over is lifted into an extra input of this trace (`GraphBuilder.capture`);
its value is the outer tracer, so the derivative, evaluated on it, records into the outer
trace (nesting without "two different traces", and without perturbation confusion: the
extra inputs are never differentiated here). O(size of the traced graph).

>>> import expr
>>> call = trace_call(lambda p: p["w"] * p["b"], ({"b": 2.0, "w": 3.0},), {}, (0,))
>>> call.function.input_names, [float(v) for v in call.inputs]
(('p_b', 'p_w'), [2.0, 3.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer
from expr.graph import as_input
from expr.trace import _parameter_names, check_plain_output
from expr.tracer import GraphBuilder, shape_of

from .errors import AutodiffError
from .pytree import LEAF, TreeDef, flatten

Value = Any


class OutputError(AutodiffError):
    """The differentiated function returned something that is not numbers or expr values
    (None, a string, an object), or has_aux=True without a (output, aux) pair."""


@dataclass
class Call:
    """One call of a transformation, ready for the sweeps.

    `function`'s inputs are `inputs` (the leaves of the differentiated arguments, then any
    captured outer tracers); `wrt` are the positions of the differentiated inputs; `trees`
    the structure of each differentiated argument (`many`: argnums was a tuple); `out_tree`
    the structure of the output; `aux` the auxiliary result (has_aux)."""

    function: Function
    inputs: list
    wrt: tuple[int, ...]
    trees: tuple[TreeDef, ...]
    many: bool
    out_tree: TreeDef
    aux: Any = None
    names: tuple[str, ...] = field(default=())

    def per_argument(self, leaves: Sequence[Value]) -> Any:
        """One value per differentiated leaf, regrouped as the differentiated arguments."""
        groups, start = [], 0
        for tree in self.trees:
            if tree is LEAF:  # an array argument: its one leaf
                groups.append(leaves[start])
            else:
                groups.append(tree.unflatten(leaves[start : start + tree.num_leaves]))
            start += tree.num_leaves
        return tuple(groups) if self.many else groups[0]

    def outputs(self, values: Sequence[Value]) -> Any:
        """The output values (node values list) in the output's structure."""
        return self.out_tree.unflatten([_scalar(values[n]) for n in self.function.outputs])

    def dtype(self, position: int) -> Any:
        """The dtype of input `position` (None for tracers)."""
        value = self.inputs[position]
        if type(value) is np.ndarray:
            return value.dtype
        return None if isinstance(value, Tracer) else np.asarray(value).dtype

    def input_dtype(self) -> Any:
        """The common dtype of the differentiated inputs (None if any is a tracer)."""
        dtypes = [self.dtype(p) for p in self.wrt]
        return None if any(d is None for d in dtypes) else np.result_type(*dtypes)

    @property
    def traced(self) -> bool:
        return any(isinstance(v, Tracer) for v in self.inputs)


def _scalar(value: Value) -> Value:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def keep_dtype(value: Value, *dtypes: Any) -> Value:
    """`value` cast to the result type of real float `dtypes` (float32 in, float32 out);
    tracers, complex values and float64 pass unchanged."""
    if len(dtypes) == 1 and getattr(value, "dtype", None) == dtypes[0]:
        return value  # the common case: already the input's dtype
    if isinstance(value, Tracer) or any(d is None or d.kind != "f" for d in dtypes):
        return value
    target = np.result_type(*dtypes)
    array = np.asarray(value)
    if array.dtype.kind == "f" and array.dtype != target:
        return _scalar(array.astype(target))
    return value


def function_name(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__).replace("<lambda>", "f")


def trace_call(
    fn: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    positions: Sequence[int],
    has_aux: bool = False,
    what: str = "the transformation",
    concrete: bool = True,
) -> Call:
    """Trace `fn(*args, **kwargs)` with the leaves of args[p] (p in `positions`) as inputs;
    concretely (values kept for one `take_trace_values`), or without values when not
    `concrete` (a `TracerBoolError` then says f needs them)."""
    builder = GraphBuilder(concrete=concrete, keep_values=concrete)
    builder.captures = True
    try:
        call_args, nodes, inputs, trees, names = _trace_inputs(builder, fn, args, positions, what)
        n_inputs = builder.number_of_nodes()
        label = function_name(fn)
        try:
            with np.errstate(all="ignore"):  # concrete values: NaN/inf are checked downstream
                result = fn(*call_args, **kwargs)
        except expr.ExprError:
            raise
        except Exception as error:
            raise expr.TraceError(
                f"{what}: calling {label} raised {type(error).__name__}: {error}"
            ) from error
        applied_ops = builder.number_of_nodes() > n_inputs  # before outputs add constants
        outputs, out_tree, aux = _trace_outputs(builder, result, has_aux, label, what)
        if not applied_ops:  # (a plain output after ops is a constant built from them)
            for leaf in flatten(result[0] if has_aux else result)[0]:
                check_plain_output(leaf, f"{what}: {label}", applied_ops)
    finally:
        builder.captures = False  # a tracer that leaks out of this call is an error later
    for node, outer in builder.captured:
        nodes.append(node)
        inputs.append(outer)
    function = Function(builder, nodes, outputs, single_output=out_tree is LEAF, name=label)
    wrt = tuple(range(len(names)))
    return Call(function, inputs, wrt, tuple(trees), False, out_tree, aux, tuple(names))


def _trace_inputs(
    builder: GraphBuilder, fn: Any, args: Sequence[Any], positions: Sequence[int], what: str
) -> tuple[list, list, list, list, list]:
    """The call's arguments with an input tracer for every leaf of args[p], p in positions;
    and the input nodes, values, argument structures and input names."""
    names = _parameter_names(fn, len(args))
    call_args = list(args)
    nodes, inputs, trees, input_names = [], [], [], []
    concrete = builder.concrete
    for p in positions:
        arg = args[p]
        if type(arg) is np.ndarray and arg.dtype.kind in "fc":  # one array: the common case
            tracer = builder.input(names[p], arg.shape, arg if concrete else None)
            nodes.append(tracer.node)
            inputs.append(arg)
            input_names.append(names[p])
            trees.append(LEAF)
            call_args[p] = tracer
            continue
        leaves, tree = ([arg], LEAF) if type(arg) is float else flatten(arg)
        if not leaves:
            raise AutodiffError(
                f"{what}: argument {p} ({names[p]}) is {args[p]!r}, which holds no numbers to "
                "differentiate; pass arrays or numbers (or a tuple, list or dict of them)"
            )
        tracers = []
        for k, leaf in enumerate(leaves):
            name = names[p] if tree is LEAF else f"{names[p]}_{_path(tree, k)}"
            value = as_input(leaf, name)
            example = value.value if isinstance(value, Tracer) else value
            shape = shape_of(value)
            tracers.append(builder.input(name, shape, example if concrete else None))
            nodes.append(tracers[-1].node)
            inputs.append(value)
            input_names.append(name)
        trees.append(tree)
        call_args[p] = tracers[0] if tree is LEAF else tree.unflatten(tracers)
    return call_args, nodes, inputs, trees, input_names


def _trace_outputs(
    builder: GraphBuilder, result: Any, has_aux: bool, label: str, what: str
) -> tuple[list[int], TreeDef, Any]:
    """The output nodes and structure of what the traced function returned, and its aux."""
    aux = None
    if has_aux:
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise OutputError(
                f"{what} with has_aux=True: {label} must return a pair (output, aux), got "
                f"{type(result).__name__}"
            )
        result, aux = result
        aux = _concrete_aux(aux, builder)
    out_leaves, out_tree = flatten(result)
    if not out_leaves:
        raise OutputError(
            f"{what}: {label} returned {result!r}, which holds no value; return expr values, "
            "numbers or arrays (or a tuple, list or dict of them)"
        )
    return [_output_node(leaf, builder, label, what) for leaf in out_leaves], out_tree, aux


def _path(tree: TreeDef, k: int) -> str:
    """A short name for leaf k of `tree` (its index path, e.g. "w" or "1_0")."""
    steps, node, offset = [], tree, k
    while node.kind not in ("leaf", "none"):
        for index, child in enumerate(node.children):
            if offset < child.num_leaves:
                steps.append(str(node.keys[index]) if node.kind == "dict" else str(index))
                node = child
                break
            offset -= child.num_leaves
    return "_".join(steps)


def numeric(value: Any) -> np.ndarray | None:
    """`value` as a float (or complex) array, or None when it is not numbers."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind not in "iufcb":
        return None
    return array.astype(np.result_type(array, np.float64))


def _output_node(leaf: Any, builder: GraphBuilder, label: str, what: str) -> int:
    if isinstance(leaf, Tracer):
        return (leaf if leaf.builder is builder else builder.capture(leaf)).node
    array = numeric(leaf)
    if array is None:
        raise OutputError(
            f"{what}: {label} returned a {type(leaf).__name__} ({leaf!r:.60}); return expr "
            "values, numbers or arrays (or a tuple, list or dict of them)"
        )
    return builder.const(array).node


def _concrete_aux(aux: Any, builder: GraphBuilder) -> Any:
    """Tracers of this trace inside `aux` replaced by their concrete values (as JAX does)."""
    leaves, tree = flatten(aux)
    out = []
    for leaf in leaves:
        if isinstance(leaf, Tracer) and leaf.builder is builder:
            if leaf.value is None:
                raise OutputError(
                    "has_aux: the aux value depends on a value with no concrete value"
                )
            leaf = _scalar(np.asarray(leaf.value))
        out.append(leaf)
    return tree.unflatten(out)


def bind_call(
    function: Function,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    positions: tuple[int, ...],
    many: bool,
    bind: Callable[[Sequence[Any]], list],
) -> Call:
    """A `Call` for a fixed Function: its inputs by position (or by name in kwargs)."""
    if kwargs:
        args = function.bind(args, kwargs)
    inputs = bind(args)
    out_tree = LEAF if function.single_output else flatten(tuple(function.outputs))[1]
    return Call(
        function,
        inputs,
        positions,
        (LEAF,) * len(positions),
        many,
        out_tree,
        None,
        function.input_names,
    )
