"""Checkpointed chains: h_{t+1} = layer_t(h_t, *params_t), run by a schedule.

`sequential_vjp` and `checkpoint_sequential` trace each distinct layer once, build the
schedule of the strategy (a budget's is fitted on the chain's size model) and run it with
`Execution` on a `ChainMachine`: each layer's tape holds exactly what its derivative rules
read, and every value kept is counted in the returned `Stats`.

>>> import expr, numpy as np
>>> layers = [lambda h: expr.tanh(h)] * 8 + [lambda h: expr.sum(h * h)]
>>> result = checkpoint_sequential(layers, np.ones(3), strategy="sqrt")
>>> result.stats.forward_evals, result.stats.backward_evals
(15, 9)
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer, checks
from expr.tracer import shape_of

from ..errors import NaNError
from ..reverse import Plan, _has_nan, any_nan, check_forward, check_inputs, forward_sweep, reverse
from ..stats import Stats
from .execute import Execution
from .machines import ChainMachine, as_cotangent, chain_model, itemsize_of
from .schedule import actions_for
from .strategy import MAX_SCHEDULE_STEPS, Budget, CheckpointError, as_strategy

Value = Any


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


# ----------------------------------------------------------------------------- inputs
def _flag(value: Any, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise CheckpointError(f"{name} must be True or False, got {checks.shown(value)}")


def _check_layer(layer: Function, index: int, n_params: int) -> None:
    """A chain layer must take (h, *params) and return one value."""
    if layer.n_inputs != 1 + n_params or len(layer.outputs) != 1:
        raise CheckpointError(
            f"layer {index} ({layer.name}) takes {layer.n_inputs} inputs and returns "
            f"{len(layer.outputs)} outputs; a chain layer takes (h, *params) with "
            f"{n_params} parameters here and returns one value"
        )


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
        _check_layer(fn, index, len(p))
        if fn.input_shapes[0] != shape:
            raise CheckpointError(
                f"layer {index} ({fn.name}) was built for input shape {fn.input_shapes[0]} "
                f"but receives {shape}"
            )
        functions.append(fn)
        shape = fn.output_shapes[0]
    return functions


def _parameter(value: Value, name: str, check_nan: bool) -> Value:
    """A layer parameter: a tracer or real numbers (not NaN when `check_nan`), else our error."""
    if isinstance(value, Tracer):
        return value
    array = np.asarray(value) if not isinstance(value, (str, bytes, dict)) else None
    if array is None or array.dtype.kind not in "biuf":
        raise CheckpointError(f"{name} must be a number or an array of numbers, got {value!r:.60}")
    if check_nan and _has_nan(array):
        raise NaNError(f"{name} contains NaN; derivatives at NaN are meaningless")
    return value


def _normalize_params(layers: Sequence[Any], params: Any, check_nan: bool) -> list[tuple]:
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
        tuple(_parameter(v, f"params[{k}][{i}]", check_nan) for i, v in enumerate(p))
        for k, p in enumerate(tuples)
    ]


def _chain(
    layers: Any, x: Value, params: Any, check_nan: bool
) -> tuple[list[Function], list[tuple], Value]:
    """The checked chain: (layer Functions, parameter tuples, x as an input value)."""
    layers = checks.sequence(layers, "layers", CheckpointError)
    if not layers:
        raise CheckpointError("a chain needs at least one layer")
    if len(layers) > MAX_SCHEDULE_STEPS:
        raise CheckpointError(
            f"{len(layers)} layers are over the limit {MAX_SCHEDULE_STEPS} of a checkpointed "
            "chain (its schedule has O(layers) actions); group layers into blocks, or count "
            "the cost with forward_steps(T, strategy)"
        )
    params = _normalize_params(layers, params, check_nan)
    if not isinstance(x, Tracer):
        x = expr.graph.as_input(x, "x")
        if check_nan:
            check_inputs(["x"], [x])
    return _layer_functions(layers, x, params), params, x


# ----------------------------------------------------------------------------- NaN by layer
def _forward_by_layer(
    functions: Sequence[Function], params: Sequence[tuple], x: Value, what: str
) -> list[tuple[Plan, list]]:
    """Plain sweeps layer by layer; `NaNError` at the first layer (and node) whose value is
    NaN from finite operands. Returns each layer's (plan, inputs)."""
    sweeps, h = [], x
    for t, (fn, p) in enumerate(zip(functions, params)):
        inputs = [h, *p]
        plan = Plan(fn, tuple(range(fn.n_inputs)))
        values = forward_sweep(plan, inputs)
        try:
            check_forward(fn, values)
        except NaNError as error:
            raise NaNError(f"{what}, layer {t} ({fn.name}): {error}") from None
        sweeps.append((plan, inputs))
        h = values[fn.outputs[0]]
    return sweeps


def _backward_by_layer(sweeps: Sequence[tuple[Plan, list]], cotangent: Value, what: str) -> None:
    """Replay the backward sweep layer by layer with the real cotangents (a NaN may come from
    them, inf x 0); `NaNError` at the first layer (and node) where a NaN appears."""
    seed = cotangent
    for t in range(len(sweeps) - 1, -1, -1):
        plan, inputs = sweeps[t]
        try:
            _, grads = reverse(plan, inputs, None if seed is None else [seed])
        except NaNError as error:
            raise NaNError(f"{what}, layer {t} ({plan.function.name}): {error}") from None
        seed = grads[0]


def _nan_error(what: str) -> NaNError:
    return NaNError(f"{what}: the result holds NaN (pass check_nan=False to keep it)")


# ----------------------------------------------------------------------------- the chain
def _sequential(
    layers: Any, x: Value, params: Any, strategy: Any, check_nan: bool, what: str
) -> tuple[Value, Callable[..., tuple]]:
    functions, params, x = _chain(layers, x, params, check_nan)
    plans: dict[int, Plan] = {}
    for fn in functions:
        if id(fn) not in plans:
            plans[id(fn)] = Plan(fn, tuple(range(fn.n_inputs)))
    chain_plans = [plans[id(fn)] for fn in functions]
    strategy = as_strategy(strategy)
    model = None
    if isinstance(strategy, Budget):  # fitted on the chain's sizes
        fixed = [x, *(v for p in params for v in p)]
        fixed += [value for fn in functions for _, value in fn.constants]
        model = chain_model(chain_plans, itemsize_of(fixed))
    actions = actions_for(len(functions), strategy, model)
    stats = Stats(strategy=str(strategy), steps=len(functions))
    execution = Execution(actions, ChainMachine(chain_plans, params, x, stats), stats)
    out = execution.forward()[0]
    check_nan = check_nan and not isinstance(out, Tracer)
    if check_nan and any_nan([out]):
        _forward_by_layer(functions, params, x, what)
        raise _nan_error(what)

    def vjp_fn(cotangent: Value = None) -> tuple:
        if cotangent is not None:
            cotangent = as_cotangent(cotangent, shape_of(out), "the chain's output")
        grad_x, grad_params = execution.backward(None if cotangent is None else [cotangent])
        if check_nan and any_nan([grad_x, *(g for p in grad_params for g in p)]):
            _backward_by_layer(_forward_by_layer(functions, params, x, what), cotangent, what)
            raise _nan_error(what)
        return grad_x, grad_params

    vjp_fn.stats = stats
    return out, vjp_fn


def sequential_vjp(
    layers: Sequence[Any],
    x: Value,
    params: Sequence[Any] | None = None,
    strategy: Any = None,
    check_nan: bool = True,
) -> tuple[Value, Callable[..., tuple]]:
    """(h_T, vjp_fn) for the chain h_{t+1} = layers[t](h_t, *params[t]), h_0 = x, run with
    `strategy`; vjp_fn(u) returns (u·dh_T/dx, [per-layer tuples of u·dh_T/dparams]) and
    carries the measured `Stats` as `vjp_fn.stats`. A parameter array passed to several
    layers (the same object) gets the sum over all its uses, in each of them (as torch's
    `.grad`); Python scalars get one gradient per use. `check_nan`: a NaN input or parameter,
    or a NaN made by a layer from finite values or in the backward sweep, raises `NaNError`
    naming the layer and the node.

    The forward part of the schedule runs now (up to the first reverse step), the rest when
    vjp_fn is called (once). Cost: `stats.forward_evals` layer evaluations (T with None,
    < 2T with "sqrt", T + revolve_forward_steps(T, s) with binomial(s)).

    >>> from autodiff import every
    >>> out, pullback = sequential_vjp([lambda h: 2.0 * h] * 3, 1.0, strategy=every(2))
    >>> float(out), float(pullback(1.0)[0])
    (8.0, 8.0)
    """
    _flag(check_nan, "sequential_vjp: check_nan")
    return _sequential(layers, x, params, strategy, check_nan, "sequential_vjp")


@dataclass
class SequentialResult:
    """What `checkpoint_sequential` returns: the chain's output, the gradient of
    <cotangent, output> with respect to x and to each layer's parameters (a shared parameter
    array: the sum over its uses), and the stats."""

    value: Value
    grad_x: Value
    grad_params: list[tuple]
    stats: Stats


def checkpoint_sequential(
    layers: Sequence[Any],
    x: Value,
    params: Sequence[Any] | None = None,
    strategy: Any = None,
    *,
    cotangent: Value | None = None,
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
    >>> from autodiff import binomial
    >>> layers = [lambda h, w: expr.tanh(h * w)] * 4
    >>> r = checkpoint_sequential(layers, np.ones(2), [(0.5,)] * 4, strategy=binomial(2))
    >>> r.stats.peak_snapshots <= 2, len(r.grad_params)
    (True, 4)
    """
    _flag(trace_memory, "trace_memory")
    _flag(check_nan, "check_nan")
    began, cpu_began = time.perf_counter(), time.process_time()
    with _Memory(trace_memory) as memory:
        out, vjp_fn = _sequential(layers, x, params, strategy, check_nan, "checkpoint_sequential")
        grad_x, grad_params = vjp_fn(cotangent)
        peak = memory.peak()
    stats = vjp_fn.stats
    stats.time_s = time.perf_counter() - began
    stats.cpu_s = time.process_time() - cpu_began
    stats.tracemalloc_peak = peak
    return SequentialResult(out, grad_x, grad_params, stats)
