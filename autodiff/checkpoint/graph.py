"""Checkpointed graphs: a Function's op nodes, in topological order, run as a chain.

`checkpointed_vjp(f, *primals, strategy=...)` and `grad(f, checkpoint=strategy)` run the
graph's program under a schedule on a `GraphMachine` (a snapshot holds the values still
needed later; a segment's intermediates are recomputed from it). `checkpoint(fn)` marks a
region (as `jax.checkpoint`): inside a traced function its intermediates are recomputed in
the backward sweep, not stored (`Regions`, a graph's default strategy).

>>> from autodiff import every
>>> out, pullback = checkpointed_vjp("sin(sin(sin(sin(x))))", 1.0, strategy=every(2))
>>> grads = pullback(1.0)
>>> pullback.stats.forward_evals  # 4 steps, the first 2 recomputed
6
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer, checks

from ..reverse import Plan, _check_forward, check_backward
from ..stats import Stats
from .execute import Execution
from .machines import GraphMachine, as_cotangent, graph_model, itemsize_of
from .schedule import actions_for
from .strategy import (
    Budget,
    CheckpointError,
    Regions,
    Segments,
    StoreAll,
    Strategy,
    as_strategy,
)

Value = Any


def checkpoint(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark `fn` as a region whose intermediates are recomputed, not stored (jax.checkpoint).

    Called on numbers it just runs `fn`. Called while tracing, it tags the nodes `fn` adds
    with a region number; `autodiff.grad(f)` (or `checkpoint="regions"`) and
    `checkpointed_vjp` (strategy None or "regions") then store only the values live at each
    region's start and recompute the region in the backward sweep (an explicit strategy
    such as "sqrt" replaces the regions). O(nodes of fn).

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


def _graph_strategy(strategy: Any) -> Strategy:
    """A graph's strategy, normalized: None means its `checkpoint` regions."""
    return Regions() if strategy is None else as_strategy(strategy)


def _graph_execution(
    function: Function,
    inputs: Sequence[Value],
    positions: Sequence[int],
    strategy: Strategy,
    stats: Stats,
) -> Execution:
    """The execution of `function`'s program under a normalized `strategy`."""
    plan = Plan(function, tuple(positions))
    steps = len(plan.steps)
    if steps == 0:
        raise CheckpointError(f"{function.name} has no op to checkpoint")
    if isinstance(strategy, Regions):
        regions = checkpoint_regions(function)
        strategy = Segments(regions) if regions else StoreAll()
    model = None
    if isinstance(strategy, Budget):  # fitted on the graph's sizes
        model = graph_model(plan, itemsize_of([*inputs, *(v for _, v in function.constants)]))
    actions = actions_for(steps, strategy, model)
    stats.strategy, stats.steps = str(strategy), steps
    return Execution(actions, GraphMachine(plan, inputs, stats), stats)


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
    stats, strategy = Stats(), _graph_strategy(strategy)
    execution = _graph_execution(function, inputs, range(function.n_inputs), strategy, stats)
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
            as_cotangent(c, shape, f"output {i}")
            for i, (c, shape) in enumerate(zip(cts, function.output_shapes))
        ]
        grads = execution.backward(seeds)
        if concrete:
            check_backward(
                execution.machine.plan, inputs, dict(zip(function.outputs, seeds)), grads
            )
        return tuple(grads)

    vjp_fn.stats = stats
    return out, vjp_fn


def checkpointed_value_and_grad(
    function: Function,
    inputs: Sequence[Value],
    positions: Sequence[int],
    strategy: Any,
    stats: Stats | None = None,
    check_nan: bool = True,
) -> tuple[Value, list[Value]]:
    """What `autodiff.grad(f, checkpoint=strategy)` runs: (f(inputs), gradients for
    `positions`) of a scalar Function, the graph run as a chain under `strategy` (None: its
    regions). The measured counts go into `stats` when given. `check_nan`: a NaN input, or a
    NaN from an op outside its domain, raises `NaNError` naming the node (as `grad`).
    O(forward_evals + backward_evals) op steps.
    """
    if not isinstance(function, Function):
        raise CheckpointError(f"needs an expr.Function, got {type(function).__name__}")
    inputs = checks.sequence(inputs, "inputs", CheckpointError)
    stats = Stats() if stats is None else stats
    execution = _graph_execution(function, inputs, positions, _graph_strategy(strategy), stats)
    out = execution.forward()[0]
    check_nan = check_nan and not any(isinstance(v, Tracer) for v in inputs)
    if check_nan:
        _check_forward(execution.machine.plan, inputs, [out])
    grads = execution.backward(None)
    if check_nan:
        seed = {function.outputs[0]: np.ones(np.shape(out))}
        check_backward(execution.machine.plan, inputs, seed, grads)
    value = out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out
    return value, grads
