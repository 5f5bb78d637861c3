"""The two machines `Execution` runs a schedule on, and their size models.

A `GraphMachine` steps through the program of one `Function` (a step is one op node; its
state is the set of values still needed later), a `ChainMachine` through a list of layers (a
step is one layer; its state is the activation). Both keep their stored values (snapshots,
the live state, the tapes) in a `Ledger`, deduplicated by the numpy buffer they own (a tape
that reads the snapshot it was computed from costs nothing extra); the caller's inputs,
layer parameters and constants are not counted (they exist anyway). `graph_model` and
`chain_model` describe the same computations by sizes only (a `SizeModel`: every value its
own buffer of `itemsize` bytes per element), for the budget search.

The sweeps are `autodiff.reverse.forward_sweep` / `backward_sweep` run one step at a time,
so the rules (and the values they read, `Plan.reads`) are exactly those of plain reverse
mode, and tracer inputs record a graph (higher order through checkpointing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from expr import Tracer
from expr.tracer import shape_of

from ..reverse import Plan, _has_nan, backward_sweep, forward_sweep, gradients, seed_like
from ..rules import instantiate_zeros
from ..stats import Ledger, Stats
from .execute import SizeModel
from .strategy import CheckpointError

Value = Any


def _last_use(plan: Plan) -> list[int]:
    """Per node, the last step that reads it forward or backward (outputs: len(steps))."""
    last_use = [-1] * len(plan.shapes)
    for index, (step, reads) in enumerate(zip(plan.steps, plan.reads)):
        for a in (*step[2], *reads):
            last_use[a] = index
    for node in plan.function.outputs:
        last_use[node] = len(plan.steps)
    return last_use


def _fixed(plan: Plan) -> set[int]:
    """The nodes that exist anyway: the Function's inputs and constants."""
    f = plan.function
    return {*f.inputs, *(n for n, _ in f.constants)}


def graph_model(plan: Plan, itemsize: int) -> SizeModel:
    """The `SizeModel` of a `GraphMachine` on `plan`: node n costs itemsize · its elements,
    inputs and constants nothing. O(nodes + reads)."""
    last_use, fixed = _last_use(plan), _fixed(plan)
    steps = plan.steps
    return SizeModel(
        sizes={node: itemsize * math.prod(plan.shapes[node]) for node, *_ in steps},
        start=(),
        out=tuple(node for node, *_ in steps),
        stays=tuple(last_use[node] > t for t, (node, *_) in enumerate(steps)),
        frees=tuple(
            tuple(a for a in dict.fromkeys(args) if last_use[a] == t and a not in fixed)
            for t, (_, _, args, _, _) in enumerate(steps)
        ),
        tapes=plan.reads,
    )


class GraphMachine:
    """Steps = the op nodes of one Function in program order; state at t = the values of
    nodes computed before t and read at or after t (or outputs)."""

    def __init__(self, plan: Plan, inputs: Sequence[Value], stats: Stats) -> None:
        f = plan.function
        self.plan, self.stats = plan, stats
        self.ledger = Ledger([*inputs, *(value for _, value in f.constants)], stats)
        self.steps = len(plan.steps)
        self.last_use = _last_use(plan)
        self.fixed = _fixed(plan)
        self.values = forward_sweep(plan, inputs, start=0, stop=0)
        self.taped: list = [None] * len(plan.shapes)
        self.tape_refs = [0] * len(plan.shapes)
        self.adjoints: list = [None] * len(plan.shapes)
        self.live: set[int] = set()
        self.outputs: list = [self.values[n] for n in f.outputs]

    def _step(self, index: int) -> Value:
        """Compute step `index` into the forward state; free what it read for the last time."""
        node, _, args, _, _ = self.plan.steps[index]
        forward_sweep(self.plan, start=index, stop=index + 1, values=self.values, stats=self.stats)
        value = self.values[node]
        if self.last_use[node] > index:
            self.live.add(node)
            self.ledger.hold(value)
        if self.last_use[node] == self.steps:
            for position, out in enumerate(self.plan.function.outputs):
                if out == node:
                    self.outputs[position] = value
        for a in set(args):
            if self.last_use[a] == index and a not in self.fixed:
                self.live.discard(a)
                self.ledger.drop(self.values[a])
                self.values[a] = None
        if self.last_use[node] <= index:
            self.values[node] = None
        return value

    def snapshot(self) -> dict[int, Value]:
        snap = {n: self.values[n] for n in self.live}
        for value in snap.values():
            self.ledger.hold(value)
        return snap

    def release(self, snap: dict[int, Value]) -> None:
        for value in snap.values():
            self.ledger.drop(value)

    def restore(self, snap: dict[int, Value]) -> None:
        self.discard_live()
        for n, value in snap.items():
            self.values[n] = value
            self.ledger.hold(value)
        self.live = set(snap)

    def discard_live(self) -> None:
        for n in self.live:
            self.ledger.drop(self.values[n])
            self.values[n] = None
        self.live = set()

    def advance(self, start: int, stop: int) -> None:
        for index in range(start, stop):
            self._step(index)

    def tape(self, index: int) -> None:
        node = self.plan.steps[index][0]
        reads = self.plan.reads[index]
        for read in reads:
            if read != node:
                self._keep(read, self.values[read])
        value = self._step(index)
        if node in reads:
            self._keep(node, value)

    def _keep(self, node: int, value: Value) -> None:
        if self.tape_refs[node] == 0:
            self.taped[node] = value
            self.ledger.hold(value)
        self.tape_refs[node] += 1

    def seed(self, cotangents: Sequence[Value] | None) -> None:
        f = self.plan.function
        if cotangents is None:
            cotangents = [seed_like(self.outputs[0])]
        for node, ct in zip(f.outputs, cotangents):
            previous = self.adjoints[node]
            self.adjoints[node] = ct if previous is None else previous + ct

    def reverse(self, index: int) -> None:
        node = self.plan.steps[index][0]
        backward_sweep(
            self.plan, self.taped, self.adjoints, start=index, stop=index + 1, stats=self.stats
        )
        for read in self.plan.reads[index]:
            self.tape_refs[read] -= 1
            if self.tape_refs[read] == 0:
                self.ledger.drop(self.taped[read])
                self.taped[read] = None
        self.adjoints[node] = None

    def gradients(self) -> list[Value]:
        return gradients(self.plan, self.adjoints)


# ----------------------------------------------------------------------------- chains
def _tape_nodes(plan: Plan) -> tuple[int, ...]:
    """Every node (inputs included) whose value some backward rule of `plan` reads."""
    return tuple(sorted(set().union(*plan.reads)))


def chain_model(plans: Sequence[Plan], itemsize: int) -> SizeModel:
    """The `SizeModel` of a `ChainMachine` on the layers' `plans`: state t + 1 (layer t's
    output) and each value a tape keeps cost itemsize · their elements; the input x, the
    parameters and the constants nothing. O(layers · reads)."""
    sizes: dict[Any, int] = {}
    state = [("x", 0)]  # the key of each state's value (x, the caller's, is free)
    tapes = []
    for t, plan in enumerate(plans):
        f = plan.function
        h, output = f.inputs[0], f.outputs[0]
        if output == h:
            state.append(state[t])  # a layer that returns its input
        elif output in f.inputs:
            state.append(("p", t))  # a layer that returns a parameter (free)
        else:
            state.append(("x", t + 1))
            sizes["x", t + 1] = itemsize * math.prod(plan.shapes[output])
        fixed = _fixed(plan)
        keys = []
        for node in _tape_nodes(plan):
            if node in (h, output):
                keys.append(state[t] if node == h else state[t + 1])
            elif node not in fixed:
                keys.append(("v", t, node))
                sizes["v", t, node] = itemsize * math.prod(plan.shapes[node])
        tapes.append(tuple(keys))
    steps = range(len(plans))
    return SizeModel(
        sizes=sizes,
        start=(state[0],),
        out=tuple(state[t + 1] for t in steps),
        stays=(True,) * len(plans),
        frees=tuple((state[t],) if state[t] != state[t + 1] else () for t in steps),
        tapes=tuple(tapes),
    )


class ChainMachine:
    """Steps = layers; layer t is a Function of (h_t, *params_t) with one output h_{t+1}."""

    def __init__(
        self, plans: Sequence[Plan], params: Sequence[tuple], x: Value, stats: Stats
    ) -> None:
        self.plans, self.params, self.stats = plans, params, stats
        fixed = [x, *(v for p in params for v in p)]
        fixed += [value for plan in plans for _, value in plan.function.constants]
        self.ledger = Ledger(fixed, stats)
        self.steps = len(plans)
        self.reads = {id(plan): _tape_nodes(plan) for plan in plans}
        self.live: Value = x
        self.ledger.hold(x)
        self.tapes: dict[int, dict[int, Value]] = {}
        self.outputs: list = [None]
        self.cotangent: Value = None
        # one accumulated gradient per parameter array object (an array shared by layers is
        # summed over its uses, like torch's .grad), so memory does not grow with T
        self.param_grads: dict[Any, Value] = {}

    def _set_live(self, value: Value) -> None:
        self.ledger.hold(value)
        self.ledger.drop(self.live)
        self.live = value

    def _run(self, index: int) -> list:
        plan = self.plans[index]
        values = forward_sweep(plan, [self.live, *self.params[index]], stats=self.stats)
        if index == self.steps - 1:
            self.outputs[0] = values[plan.function.outputs[0]]
        return values

    def snapshot(self) -> Value:
        self.ledger.hold(self.live)
        return self.live

    def release(self, snap: Value) -> None:
        self.ledger.drop(snap)

    def restore(self, snap: Value) -> None:
        self._set_live(snap)

    def discard_live(self) -> None:
        self._set_live(None)

    def advance(self, start: int, stop: int) -> None:
        for index in range(start, stop):
            values = self._run(index)
            self._set_live(values[self.plans[index].function.outputs[0]])

    def tape(self, index: int) -> None:
        plan = self.plans[index]
        values = self._run(index)
        kept = {n: values[n] for n in self.reads[id(plan)]}
        for value in kept.values():
            self.ledger.hold(value)
        self.tapes[index] = kept
        self._set_live(values[plan.function.outputs[0]])

    def seed(self, cotangents: Sequence[Value] | None) -> None:
        self.cotangent = seed_like(self.outputs[0]) if cotangents is None else cotangents[0]

    def reverse(self, index: int) -> None:
        plan = self.plans[index]
        kept = self.tapes.pop(index)
        values: list = [None] * len(plan.shapes)
        for n, value in kept.items():
            values[n] = value
            self.ledger.drop(value)
        f = plan.function
        adjoints = backward_sweep(
            plan, values, seeds={f.outputs[0]: self.cotangent}, stats=self.stats
        )
        grads = [instantiate_zeros(adjoints[n], plan.shapes[n]) for n in f.inputs]
        self.cotangent = grads[0]
        for position, grad in enumerate(grads[1:]):
            key = self._param_key(index, position)
            previous = self.param_grads.get(key)
            self.param_grads[key] = grad if previous is None else previous + grad

    def _param_key(self, index: int, position: int) -> Any:
        value = self.params[index][position]
        if isinstance(value, (np.ndarray, Tracer)):
            return id(value)
        return (index, position)  # Python and numpy scalars: one gradient per use

    def gradients(self) -> list[Value]:
        """[d/dx, per layer a tuple of d/dparam (the summed gradient of a shared parameter)]."""
        per_layer = [
            tuple(self.param_grads[self._param_key(t, i)] for i in range(len(p)))
            for t, p in enumerate(self.params)
        ]
        return [self.cotangent, per_layer]


# ----------------------------------------------------------------------------- values
def as_cotangent(value: Value, shape: tuple[int, ...], what: str) -> Value:
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


def itemsize_of(values: Sequence[Value]) -> int:
    """Bytes per element the size models assume: numpy's result type of the arrays given
    (inputs, parameters, constants) and float64."""
    arrays = [v for v in values if isinstance(v, (np.ndarray, np.generic))]
    if not arrays:
        return 8
    return int(np.result_type(*arrays, np.float64).itemsize)
