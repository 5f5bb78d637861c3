"""Gradient checkpointing: trade recomputation for memory, with both *measured*.

- `checkpoint_sequential(layers, x, params, strategy=...)`: value and gradients (input and
  per-layer parameters) of a chain h_{t+1} = layer_t(h_t, *params_t), run by a schedule
  (`autodiff.schedule`). Each layer's tape holds exactly what its derivative rules read.
- `checkpointed_vjp(f, *primals, strategy=...)` and `grad(f, checkpoint=strategy)`: the same
  over a whole graph, whose steps are the op nodes in topological order (a snapshot holds
  the values still needed later; a segment's intermediates are recomputed from it).
- `checkpoint(fn)`: mark a region (as `jax.checkpoint`): inside a traced function its
  intermediates are recomputed in the backward sweep, not stored.

Every call reports a `CheckpointStats`: peak stored bytes and values, forward and backward
step and op evaluations, wall time and (optionally) the tracemalloc peak. The sweeps run on
`expr.Tracer`s too, so `jvp` of a checkpointed gradient (forward-over-reverse: hvp,
hessian) records the recomputation and just works.

>>> import expr, numpy as np
>>> layers = [lambda h: expr.tanh(h)] * 8 + [lambda h: expr.sum(h * h)]
>>> result = checkpoint_sequential(layers, np.ones(3), strategy="sqrt")
>>> result.stats.forward_evals, result.stats.backward_evals
(15, 9)
"""

from __future__ import annotations

import functools
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer, checks
from expr.tracer import shape_of

from .checkpoint_exec import (
    ChainMachine,
    CheckpointStats,
    Execution,
    GraphMachine,
    Ledger,
    check_layer,
)
from .errors import NaNError
from .reverse import (
    Plan,
    SweepStats,
    _check_forward,
    _has_nan,
    check_backward,
    check_inputs,
    reverse,
)
from .schedule import (
    MAX_SCHEDULE_STEPS,
    Action,
    Binomial,
    Budget,
    CheckpointError,
    Every,
    Segments,
    Sqrt,
    StoreAll,
    as_strategy,
    beta,
    binomial,
    budget,
    draw_schedule,
    every,
    forward_steps,
    revolve_forward_steps,
    schedule,
    schedule_records,
    simulate,
)

Value = Any

__all__ = [
    "Action",
    "Binomial",
    "Budget",
    "CheckpointError",
    "CheckpointStats",
    "Every",
    "SequentialResult",
    "Sqrt",
    "StoreAll",
    "beta",
    "binomial",
    "budget",
    "checkpoint",
    "checkpoint_regions",
    "checkpoint_sequential",
    "checkpointed_value_and_grad",
    "checkpointed_vjp",
    "draw_schedule",
    "every",
    "forward_steps",
    "revolve_forward_steps",
    "schedule",
    "schedule_records",
    "sequential_vjp",
    "simulate",
]


def _cotangent(value: Value, shape: tuple[int, ...], what: str) -> Value:
    """A cotangent as a float array of the output's shape (tracers pass through)."""
    if isinstance(value, Tracer):
        array = value
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            array = np.asarray(None)
        if array.dtype.kind not in "iufc":
            raise CheckpointError(f"the cotangent of {what} is not numeric: {value!r:.60}")
        array = array.astype(np.result_type(array, np.float64))
        if _has_nan(array):
            raise CheckpointError(f"the cotangent of {what} contains NaN")
    if shape_of(array) != tuple(shape):
        raise CheckpointError(
            f"the cotangent of {what} has shape {shape_of(array)}; the output has shape {shape}"
        )
    return array


def _itemsize(values: Sequence[Value]) -> int:
    arrays = [v for v in values if isinstance(v, (np.ndarray, np.generic))]
    if not arrays:
        return 8
    return int(np.result_type(*arrays, np.float64).itemsize)


def _plan_actions(
    steps: int, strategy: Any, dry_run: Callable[[list[Action]], CheckpointStats]
) -> tuple[Any, list[Action]]:
    strategy = as_strategy(strategy)

    def measure(actions: list[Action]) -> tuple[int, int]:
        stats = dry_run(actions)
        return stats.peak_bytes, stats.forward_evals

    return strategy, schedule(steps, strategy, measure=measure)


class _Memory:
    """tracemalloc peak around a call (started and stopped here if it was not running)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = False
        self.base = 0

    def __enter__(self) -> _Memory:
        if self.enabled:
            self.started = not tracemalloc.is_tracing()
            if self.started:
                tracemalloc.start()
            self.base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
        return self

    def peak(self) -> int | None:
        if not self.enabled:
            return None
        return max(0, tracemalloc.get_traced_memory()[1] - self.base)

    def __exit__(self, *exc: Any) -> None:
        if self.started:
            tracemalloc.stop()


# ----------------------------------------------------------------------------- chains
def _layer_functions(layers: Sequence[Any], x: Value, params: Sequence[tuple]) -> list[Function]:
    """Each layer as a Function of (h, *params), traced once per distinct callable and
    input shapes (a chain that repeats one layer traces it once)."""
    cache: dict[tuple, Function] = {}
    functions = []
    shape = shape_of(x)
    for index, (layer, p) in enumerate(zip(layers, params)):
        if isinstance(layer, Function):
            fn = layer
        elif callable(layer):
            key = (id(layer), shape, tuple(shape_of(v) for v in p))
            if key not in cache:
                examples = [np.zeros(shape), *[np.zeros(shape_of(v)) for v in p]]
                names = ["h", *[f"p{i}" for i in range(len(p))]]
                cache[key] = expr.trace(layer, *examples, names=names)
            fn = cache[key]
        else:
            raise CheckpointError(
                f"layer {index} is a {type(layer).__name__}; a layer is a Python function of "
                "(h, *params) written with expr ops, or an expr.Function"
            )
        check_layer(fn, index, len(p))
        if fn.input_shapes[0] != shape:
            raise CheckpointError(
                f"layer {index} ({fn.name}) was built for input shape {fn.input_shapes[0]} "
                f"but receives {shape}"
            )
        functions.append(fn)
        shape = fn.output_shapes[0]
    return functions


def _parameter(value: Value, name: str) -> Value:
    """A layer parameter: a tracer or real numbers (not NaN), else a `CheckpointError`."""
    if isinstance(value, Tracer):
        return value
    array = np.asarray(value) if not isinstance(value, (str, bytes, dict)) else None
    if array is None or array.dtype.kind not in "biuf":
        raise CheckpointError(f"{name} must be a number or an array of numbers, got {value!r:.60}")
    if _has_nan(array):
        raise NaNError(f"{name} contains NaN; derivatives at NaN are meaningless")
    return value


def _normalize_params(layers: Sequence[Any], params: Any) -> list[tuple]:
    if params is None:
        return [()] * len(layers)
    params = checks.sequence(params, "params", CheckpointError)
    if len(params) != len(layers):
        raise CheckpointError(
            f"params has {len(params)} entries for {len(layers)} layers; give one tuple of "
            "parameters per layer (or None)"
        )
    tuples = [tuple(p) if isinstance(p, (tuple, list)) else (p,) for p in params]
    return [
        tuple(_parameter(v, f"params[{k}][{i}]") for i, v in enumerate(p))
        for k, p in enumerate(tuples)
    ]


def sequential_vjp(
    layers: Sequence[Any], x: Value, params: Any = None, strategy: Any = None
) -> tuple[Value, Callable[..., tuple]]:
    """(h_T, vjp_fn) for the chain h_{t+1} = layers[t](h_t, *params[t]), h_0 = x, run with
    `strategy`; vjp_fn(u) returns (u·dh_T/dx, [per-layer tuples of u·dh_T/dparams]) and
    carries the measured `CheckpointStats` as `vjp_fn.stats`. A parameter array passed to
    several layers (the same object) gets the sum over all its uses, in each of them (as
    torch's `.grad`); Python scalars get one gradient per use.

    The forward part of the schedule runs now (up to the first reverse step), the rest when
    vjp_fn is called (once). Cost: `stats.forward_evals` layer evaluations (T with None,
    < 2T with "sqrt", T + revolve_forward_steps(T, s) with binomial(s)).

    >>> out, pullback = sequential_vjp([lambda h: 2.0 * h] * 3, 1.0, strategy=every(2))
    >>> float(out), float(pullback(1.0)[0])
    (8.0, 8.0)
    """
    layers = checks.sequence(layers, "layers", CheckpointError)
    if not layers:
        raise CheckpointError("a chain needs at least one layer")
    if len(layers) > MAX_SCHEDULE_STEPS:
        raise CheckpointError(
            f"{len(layers)} layers are over the limit {MAX_SCHEDULE_STEPS} of a checkpointed "
            "chain (its schedule has O(layers) actions); group layers into blocks, or count "
            "the cost with forward_steps(T, strategy)"
        )
    params = _normalize_params(layers, params)
    if not isinstance(x, Tracer):
        x = expr.graph.as_input(x, "x")
        check_inputs(["x"], [x])
    functions = _layer_functions(layers, x, params)
    plans: dict[int, Plan] = {}
    for fn in functions:
        if id(fn) not in plans:
            plans[id(fn)] = Plan(fn, tuple(range(fn.n_inputs)))
    chain_plans = [plans[id(fn)] for fn in functions]
    fixed = [x, *(v for p in params for v in p)]
    fixed += [value for fn in functions for _, value in fn.constants]
    itemsize = _itemsize(fixed)

    def run(actions: list[Action], dry: bool) -> tuple[Execution, SweepStats, Ledger]:
        ledger, sweep = Ledger(fixed), SweepStats()
        machine = ChainMachine(chain_plans, params, x, ledger, sweep, itemsize if dry else 0)
        return Execution(actions, machine, CheckpointStats("", len(layers))), sweep, ledger

    def dry_run(actions: list[Action]) -> CheckpointStats:
        execution, sweep, ledger = run(actions, dry=True)
        execution.forward()
        execution.backward([None])
        return execution.finish(sweep, ledger)

    strategy, actions = _plan_actions(len(layers), strategy, dry_run)
    execution, sweep, ledger = run(actions, dry=False)
    execution.stats.strategy = str(strategy)
    out = execution.forward()[0]

    def vjp_fn(cotangent: Value = None) -> tuple:
        if cotangent is not None:
            cotangent = _cotangent(cotangent, shape_of(out), "the chain's output")
        grad_x, grad_params = execution.backward(None if cotangent is None else [cotangent])
        execution.finish(sweep, ledger)
        return grad_x, grad_params

    vjp_fn.stats = execution.stats
    return out, vjp_fn


@dataclass
class SequentialResult:
    """What `checkpoint_sequential` returns: the chain's output, the gradient of
    <cotangent, output> with respect to x and to each layer's parameters (a shared parameter
    array: the sum over its uses), and the stats."""

    value: Value
    grad_x: Value
    grad_params: list[tuple]
    stats: CheckpointStats


def checkpoint_sequential(
    layers: Sequence[Any],
    x: Value,
    params: Any = None,
    strategy: Any = None,
    cotangent: Value = None,
    trace_memory: bool = False,
    check_nan: bool = True,
) -> SequentialResult:
    """Value and gradients of a chain of layers, computed with a checkpoint `strategy`.

    Parameters
    ----------
    layers: T callables ``layer(h, *params)`` written with expr ops (or Functions); repeat
        one object to share its trace. Parameters closed over are constants (no gradient).
    x: the chain's input h_0.
    params: None, or one tuple of parameters per layer (their gradients are returned).
    strategy: None, "sqrt", every(k), binomial(snapshots=s) or budget(bytes=B).
    cotangent: the seed for h_T (default ones: the gradient of sum(h_T); a scalar last layer
        such as a loss gives the ordinary gradient).
    trace_memory: also measure the tracemalloc peak of the call.
    check_nan: a NaN input, or a NaN made by a layer from finite values (an op outside its
        domain) or in the backward sweep, raises `NaNError` naming the layer and the node.

    Cost: see `sequential_vjp`. Memory: `stats.peak_bytes` (O(T) for None, O(sqrt T) for
    "sqrt", O(s) for binomial(s)).

    >>> import expr, numpy as np
    >>> layers = [lambda h, w: expr.tanh(h * w)] * 4
    >>> r = checkpoint_sequential(layers, np.ones(2), [(0.5,)] * 4, strategy=binomial(2))
    >>> r.stats.peak_snapshots <= 2, len(r.grad_params)
    (True, 4)
    """
    if not isinstance(trace_memory, bool):
        raise CheckpointError(f"trace_memory must be True or False, got {trace_memory!r:.60}")
    began, cpu_began = time.perf_counter(), time.process_time()
    with _Memory(trace_memory) as memory:
        out, vjp_fn = sequential_vjp(layers, x, params, strategy)
        grad_x, grad_params = vjp_fn(cotangent)
        peak = memory.peak()
    if check_nan and not isinstance(out, Tracer):
        _check_chain(layers, x, params, cotangent, (out, grad_x, grad_params))
    stats = vjp_fn.stats
    stats.time_s = time.perf_counter() - began
    stats.cpu_s = time.process_time() - cpu_began
    stats.tracemalloc_peak = peak
    return SequentialResult(out, grad_x, grad_params, stats)


def _check_chain(
    layers: Sequence[Any],
    x: Value,
    params: Any,
    cotangent: Value,
    results: tuple[Value, Value, list],
) -> None:
    """`NaNError` for a NaN input or parameter, or at the first layer (and node) where a NaN
    value or a NaN cotangent appears. Costs one more pass only when a NaN is there."""
    params = _normalize_params(list(layers), params)
    check_inputs(["x"], [x])
    for t, p in enumerate(params):
        check_inputs([f"params[{t}][{i}]" for i in range(len(p))], p)
    out, grad_x, grad_params = results
    results = [out, grad_x, *(g for p in grad_params for g in p)]
    if not any(np.isnan(np.sum(np.asarray(r))) for r in results):
        return
    h = expr.graph.as_input(x, "x")
    sweeps: list[tuple[Plan, list]] = []
    for t, (fn, p) in enumerate(zip(_layer_functions(layers, h, params), params)):
        inputs = [h, *(expr.graph.as_input(v, f"p{i}") for i, v in enumerate(p))]
        plan = Plan(fn, tuple(range(fn.n_inputs)))
        try:
            values, _ = reverse(plan, inputs)
        except NaNError as error:
            raise NaNError(f"checkpoint_sequential, layer {t} ({fn.name}): {error}") from None
        sweeps.append((plan, inputs))
        h = values[fn.outputs[0]]
    # a NaN made by the cotangents themselves (inf x 0): replay the backward sweep with them
    seed = cotangent
    for t in range(len(sweeps) - 1, -1, -1):
        plan, inputs = sweeps[t]
        try:
            _, grads = reverse(plan, inputs, None if seed is None else [seed])
        except NaNError as error:
            name = plan.function.name
            raise NaNError(f"checkpoint_sequential, layer {t} ({name}): {error}") from None
        seed = grads[0]
    raise NaNError("checkpoint_sequential: the result holds NaN (pass check_nan=False to keep it)")


# ----------------------------------------------------------------------------- graphs
def checkpoint(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark `fn` as a region whose intermediates are recomputed, not stored (jax.checkpoint).

    Called on numbers it just runs `fn`. Called while tracing, it tags the nodes `fn` adds
    with a region number; `autodiff.grad(f, checkpoint="regions")` and `checkpointed_vjp`
    (strategy None or "regions") then store only the values live at each region's start
    and recompute the region in the backward sweep (an explicit strategy such as "sqrt"
    replaces the regions). Plain `autodiff.grad(f)` ignores the tags. O(nodes of fn).

    >>> import expr
    >>> block = checkpoint(lambda x: expr.sin(expr.sin(x)))
    >>> f = expr.trace(lambda x: block(x) * 2.0, 1.0)
    >>> checkpoint_regions(f)
    ((0, 2),)
    """
    if not callable(fn):
        raise CheckpointError(f"checkpoint needs a function, got {type(fn).__name__}")

    @functools.wraps(fn)
    def region(*args: Any, **kwargs: Any) -> Any:
        tracers = [a for a in (*args, *kwargs.values()) if isinstance(a, Tracer)]
        if not tracers:
            return fn(*args, **kwargs)
        builder = tracers[0].builder
        number = builder.tags.get("checkpoint_regions", 0)
        builder.tags["checkpoint_regions"] = number + 1
        first = builder.number_of_nodes()
        result = fn(*args, **kwargs)
        for data in builder.nodes[first:]:
            data["checkpoint"] = number
        return result

    return region


def checkpoint_regions(f: Function) -> tuple[tuple[int, int], ...]:
    """The program-step ranges [a, b) of `checkpoint` regions in `f` (contiguous runs of
    steps tagged with the same region). O(steps)."""
    if not isinstance(f, Function):
        raise CheckpointError(f"checkpoint_regions needs an expr.Function, got {type(f).__name__}")
    nodes = f.records
    runs: list[list[int]] = []
    previous = None
    for index, (node, *_) in enumerate(f.program):
        tag = nodes[node].get("checkpoint")
        if tag is not None and tag == previous and runs and runs[-1][1] == index:
            runs[-1][1] = index + 1
        elif tag is not None:
            runs.append([index, index + 1])
        previous = tag
    return tuple((a, b) for a, b in runs)


def _graph_execution(
    function: Function, inputs: Sequence[Value], positions: Sequence[int], strategy: Any
) -> tuple[Execution, SweepStats, Ledger]:
    plan = Plan(function, tuple(positions))
    steps = len(plan.steps)
    if steps == 0:
        raise CheckpointError(f"{function.name} has no op to checkpoint")
    if strategy is None or (isinstance(strategy, str) and strategy.strip().lower() == "regions"):
        regions = checkpoint_regions(function)
        strategy = Segments(regions) if regions else None
    fixed = [*inputs, *(value for _, value in function.constants)]
    itemsize = _itemsize(fixed)

    def run(actions: list[Action], dry: bool) -> tuple[Execution, SweepStats, Ledger]:
        ledger, sweep = Ledger(fixed), SweepStats()
        machine = GraphMachine(plan, inputs, ledger, sweep, itemsize if dry else 0)
        return Execution(actions, machine, CheckpointStats("", steps)), sweep, ledger

    def dry_run(actions: list[Action]) -> CheckpointStats:
        execution, sweep, ledger = run(actions, dry=True)
        execution.forward()
        execution.backward([None] * len(function.outputs))
        return execution.finish(sweep, ledger)

    strategy, actions = _plan_actions(steps, strategy, dry_run)
    execution, sweep, ledger = run(actions, dry=False)
    execution.stats.strategy = str(strategy)
    return execution, sweep, ledger


def checkpointed_vjp(
    f: Any, *primals: Value, strategy: Any = None
) -> tuple[Value, Callable[..., tuple]]:
    """(f(primals), vjp_fn) like `autodiff.vjp`, with the graph's op nodes (in topological
    order) run as a chain under `strategy`; `vjp_fn.stats` holds the measured costs.
    With strategy None the `checkpoint` regions of f (if any) are recomputed.

    >>> out, pullback = checkpointed_vjp("sin(x) * x", 1.0, strategy="sqrt")
    >>> round(float(pullback(1.0)[0]), 6)
    1.381773
    """
    function = expr.as_function(f, *primals)
    inputs = function.bind(primals, {})
    execution, sweep, ledger = _graph_execution(
        function, inputs, range(function.n_inputs), strategy
    )
    outs = execution.forward()
    out = outs[0] if function.single_output else tuple(outs)
    concrete = not any(isinstance(v, Tracer) for v in inputs)
    if concrete:
        _check_forward(execution.machine.plan, inputs, outs)

    def vjp_fn(cotangent: Value) -> tuple:
        cts = (cotangent,) if function.single_output else tuple(cotangent)
        if len(cts) != len(function.outputs):
            raise CheckpointError(
                f"vjp_fn needs {len(function.outputs)} cotangents (one per output), got {len(cts)}"
            )
        seeds = [
            _cotangent(c, shape, f"output {i}")
            for i, (c, shape) in enumerate(zip(cts, function.output_shapes))
        ]
        grads = execution.backward(seeds)
        execution.finish(sweep, ledger)
        if concrete:
            check_backward(
                execution.machine.plan, inputs, dict(zip(function.outputs, seeds)), grads
            )
        return tuple(grads)

    vjp_fn.stats = execution.stats
    return out, vjp_fn


def checkpointed_value_and_grad(
    function: Function,
    inputs: Sequence[Value],
    positions: Sequence[int],
    strategy: Any,
    stats: SweepStats | None = None,
    check_nan: bool = True,
) -> tuple[Value, list[Value]]:
    """The hook behind `autodiff.grad(f, checkpoint=strategy)`: (f(inputs), gradients for
    `positions`) of a scalar Function, the graph run as a chain under `strategy`. When
    `stats` (a `SweepStats`) is given, the measured counts are added to it (and the full
    `CheckpointStats` put in its `extra`). O(forward_evals + backward_evals) op steps.
    `check_nan`: a NaN input, or a NaN from an op outside its domain, raises `NaNError`
    naming the node (as `grad`).
    """
    if not isinstance(function, Function):
        raise CheckpointError(f"needs an expr.Function, got {type(function).__name__}")
    inputs = checks.sequence(inputs, "inputs", CheckpointError)
    execution, sweep, ledger = _graph_execution(function, inputs, positions, strategy)
    out = execution.forward()[0]
    check_nan = check_nan and not any(isinstance(v, Tracer) for v in inputs)
    if check_nan:
        _check_forward(execution.machine.plan, inputs, [out])
    grads = execution.backward(None)
    if check_nan:
        seed = {function.outputs[0]: np.ones(np.shape(out))}
        check_backward(execution.machine.plan, inputs, seed, grads)
    measured = execution.finish(sweep, ledger)
    if stats is not None:
        stats.forward_ops += measured.forward_ops
        stats.backward_ops += measured.backward_ops
        stats.peak_values = max(stats.peak_values, measured.peak_values)
        stats.peak_bytes = max(stats.peak_bytes, measured.peak_bytes)
        stats.seconds += measured.time_s
        stats.extra.update(measured.as_dict())
    value = out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out
    return value, grads
