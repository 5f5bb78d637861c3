"""Running a checkpoint schedule: the ledger of stored values and the two step machines.

A *machine* knows how to advance, tape and reverse the steps of one computation: a
`GraphMachine` steps through the program of one `Function` (a step is one op node; its state
is the set of values still needed later), a `ChainMachine` through a list of layers (a step
is one layer; its state is the activation). `Execution` replays the schedule's actions on a
machine and measures, with a `Ledger`, every value it keeps: snapshots, the live state and
the tapes. Values are deduplicated by the numpy buffer they own (a tape that reads the
snapshot it was computed from costs nothing extra); the caller's inputs, layer parameters
and constants are not counted (they exist anyway).

The sweeps are `autodiff.reverse.forward_sweep` / `backward_sweep` run one step at a time, so
the rules (and their `needs`) are exactly those of plain reverse mode, and tracer inputs
record a graph (higher order through checkpointing).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from expr import Function, Tracer

from .reverse import Plan, SweepStats, backward_sweep, forward_sweep, seed_like
from .rules import instantiate_zeros
from .schedule import Action, CheckpointError

Value = Any


def _owner(value: Value) -> Any:
    """The object that owns a value's memory (the base array of a view)."""
    while isinstance(value, np.ndarray) and isinstance(value.base, np.ndarray):
        value = value.base
    return value


class Placeholder:
    """A value of known size that was not computed (dry runs, to predict a schedule's peak)."""

    __slots__ = ("nbytes",)

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes


def placeholder(shape: tuple[int, ...], itemsize: int) -> Placeholder:
    """A `Placeholder` for an array of `shape` with `itemsize` bytes per element."""
    return Placeholder(itemsize * math.prod(shape))


def value_bytes(value: Value) -> int:
    """Bytes a value occupies: `nbytes` of numpy data, 8 per element of a tracer's shape."""
    if isinstance(value, (np.ndarray, np.generic, Placeholder)):
        return int(value.nbytes)
    if isinstance(value, Tracer):
        return 8 * int(np.prod(value.shape, dtype=np.int64))
    if isinstance(value, (float, int, complex)):
        return 8
    return 0


class Ledger:
    """The live set of stored values, reference counted per owning buffer. O(1) per call.

    >>> ledger = Ledger()
    >>> a = np.zeros(4)
    >>> ledger.hold(a); ledger.hold(a[1:]); ledger.bytes, ledger.values
    (32, 1)
    """

    def __init__(self, exclude: Sequence[Value] = ()) -> None:
        self._excluded = {id(_owner(v)) for v in exclude if v is not None}
        self._keep = [_owner(v) for v in exclude]  # keeps the excluded ids from being reused
        self._refs: dict[int, list] = {}
        self.bytes = 0
        self.values = 0
        self.peak_bytes = 0
        self.peak_values = 0

    def hold(self, value: Value) -> None:
        if value is None:
            return
        owner = _owner(value)
        key = id(owner)
        if key in self._excluded:
            return
        entry = self._refs.get(key)
        if entry is None:
            self._refs[key] = [owner, 1]
            self.bytes += value_bytes(owner)
            self.values += 1
            self.peak_bytes = max(self.peak_bytes, self.bytes)
            self.peak_values = max(self.peak_values, self.values)
        else:
            entry[1] += 1

    def drop(self, value: Value) -> None:
        if value is None:
            return
        key = id(_owner(value))
        entry = self._refs.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del self._refs[key]
            self.bytes -= value_bytes(entry[0])
            self.values -= 1


@dataclass
class CheckpointStats:
    """What one checkpointed gradient cost, measured.

    peak_bytes / peak_values: the largest live set of stored forward values (snapshots, live
    state, tapes; deduplicated by buffer; inputs, parameters and constants not counted);
    forward_evals: steps computed forward in total (first sweep, recomputation and taping);
    backward_evals: steps reversed; forward_ops / backward_ops: op kernels and derivative
    rules run; time_s: wall time; cpu_s: CPU time of the process (less sensitive to other
    load on the machine); tracemalloc_peak: the process's traced allocation peak
    above its level at the start (None unless asked for).
    """

    strategy: str
    steps: int
    peak_bytes: int = 0
    peak_values: int = 0
    peak_snapshots: int = 0
    forward_evals: int = 0
    backward_evals: int = 0
    forward_ops: int = 0
    backward_ops: int = 0
    time_s: float = 0.0
    cpu_s: float = 0.0
    tracemalloc_peak: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A flat record (for CSV and plots)."""
        return dict(self.__dict__)


# ----------------------------------------------------------------------------- graph machine
class GraphMachine:
    """Steps = the op nodes of one Function in program order; state at t = the values of
    nodes computed before t and read at or after t (or outputs)."""

    def __init__(
        self,
        plan: Plan,
        inputs: Sequence[Value],
        ledger: Ledger,
        sweep: SweepStats,
        dry_itemsize: int = 0,
    ) -> None:
        f = plan.function
        self.plan, self.ledger, self.sweep = plan, ledger, sweep
        self.dry = dry_itemsize
        count = len(plan.shapes)
        self.steps = len(plan.steps)
        last_use = [-1] * count
        for index, (_, _, args, _, _) in enumerate(plan.steps):
            for a in args:
                last_use[a] = index
            for a in self._reads(index):  # a custom region's step reads its entries
                last_use[a] = max(last_use[a], index)
        for node in f.outputs:
            last_use[node] = self.steps
        self.last_use = last_use
        self.fixed = {*f.inputs, *(n for n, _ in f.constants)}
        self.values = forward_sweep(plan, inputs, start=0, stop=0)
        self.taped: list = [None] * count
        self.tape_refs = [0] * count
        self.adjoints: list = [None] * count
        self.live: set[int] = set()
        self.outputs: list = [self.values[n] for n in f.outputs]

    def _reads(self, index: int) -> list[int]:
        back = self.plan.back[index]
        return [] if back is None else list(back.reads())

    def _step(self, index: int) -> Value:
        """Compute step `index` into the forward state; free what it read for the last time."""
        node, _, args, _, _ = self.plan.steps[index]
        if self.dry:
            self.values[node] = placeholder(self.plan.shapes[node], self.dry)
        else:
            forward_sweep(
                self.plan, start=index, stop=index + 1, values=self.values, stats=self.sweep
            )
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
        reads = self._reads(index)
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

    def seed(self, cotangents: Sequence[Value]) -> None:
        f = self.plan.function
        for node, ct in zip(f.outputs, cotangents):
            previous = self.adjoints[node]
            self.adjoints[node] = ct if previous is None else previous + ct

    def reverse(self, index: int) -> None:
        node = self.plan.steps[index][0]
        if not self.dry:
            backward_sweep(
                self.plan, self.taped, self.adjoints, start=index, stop=index + 1, stats=self.sweep
            )
        for read in self._reads(index):
            self.tape_refs[read] -= 1
            if self.tape_refs[read] == 0:
                self.ledger.drop(self.taped[read])
                self.taped[read] = None
        self.adjoints[node] = None

    def gradients(self) -> list[Value]:
        shapes = self.plan.shapes
        return [instantiate_zeros(self.adjoints[n], shapes[n]) for n in self.plan.wrt]


def tape_nodes(plan: Plan) -> tuple[int, ...]:
    """Every node (inputs included) whose value some backward rule of `plan` reads."""
    reads = set()
    for back in plan.back:
        if back is not None:
            reads.update(back.reads())
    return tuple(sorted(reads))


# ----------------------------------------------------------------------------- chain machine
class ChainMachine:
    """Steps = layers; layer t is a Function of (h_t, *params_t) with one output h_{t+1}."""

    def __init__(
        self,
        plans: Sequence[Plan],
        params: Sequence[tuple],
        x: Value,
        ledger: Ledger,
        sweep: SweepStats,
        dry_itemsize: int = 0,
    ) -> None:
        self.plans, self.params, self.ledger, self.sweep = plans, params, ledger, sweep
        self.dry = dry_itemsize
        self.steps = len(plans)
        self.reads: dict[int, tuple[int, ...]] = {}
        self.dry_sizes: dict[int, dict[int, int]] = {}
        for plan in plans:
            if id(plan) not in self.reads:
                self.reads[id(plan)] = tape_nodes(plan)
                output = plan.function.outputs[0]
                kept = {*self.reads[id(plan)], output} - set(plan.function.inputs)
                self.dry_sizes[id(plan)] = {
                    n: dry_itemsize * math.prod(plan.shapes[n]) for n in kept
                }
        self.live: Value = x
        ledger.hold(x)
        self.tapes: dict[int, dict[int, Value]] = {}
        self.outputs: list = [None]
        self.cotangent: Value = None
        # one accumulated gradient per parameter array object (an array shared by layers is
        # summed over its uses, like torch's .grad), so memory does not grow with T
        self.param_grads: dict[Any, Value] = {}
        self.input_grad: Value = None

    def _set_live(self, value: Value) -> None:
        self.ledger.hold(value)
        self.ledger.drop(self.live)
        self.live = value

    def _run(self, index: int) -> list:
        plan = self.plans[index]
        inputs = [self.live, *self.params[index]]
        if self.dry:
            values = [None] * len(plan.shapes)
            for n, value in zip(plan.function.inputs, inputs):
                values[n] = value
            for n, size in self.dry_sizes[id(plan)].items():
                values[n] = Placeholder(size)
        else:
            values = forward_sweep(plan, inputs, stats=self.sweep)
        output = values[plan.function.outputs[0]]
        if index == self.steps - 1:
            self.outputs[0] = output
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

    def seed(self, cotangents: Sequence[Value]) -> None:
        self.cotangent = cotangents[0]

    def reverse(self, index: int) -> None:
        plan = self.plans[index]
        kept = self.tapes.pop(index)
        values: list = [None] * len(plan.shapes)
        for n, value in kept.items():
            values[n] = value
        f = plan.function
        for value in kept.values():
            self.ledger.drop(value)
        if self.dry:
            return
        adjoints = backward_sweep(
            plan, values, seeds={f.outputs[0]: self.cotangent}, stats=self.sweep
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
        if self.dry:
            return [None, []]
        per_layer = [
            tuple(self.param_grads[self._param_key(t, i)] for i in range(len(p)))
            for t, p in enumerate(self.params)
        ]
        return [self.cotangent, per_layer]


# ----------------------------------------------------------------------------- execution
class Execution:
    """Replays `actions` on a machine: `forward()` runs up to the first reverse action (the
    output is then known), `backward(cotangents)` runs the rest and returns the gradients."""

    def __init__(self, actions: Sequence[Action], machine: Any, stats: CheckpointStats):
        self.actions, self.machine, self.stats = list(actions), machine, stats
        self.snapshots: dict[int, Any] = {}
        self.position = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def _run(self, until_reverse: bool) -> None:
        began, cpu_began = time.perf_counter(), time.process_time()
        machine = self.machine
        actions = self.actions
        while self.position < len(actions):
            action = actions[self.position]
            kind, a, b = action.kind, action.start, action.stop
            if kind == "reverse" and until_reverse:
                break
            if kind == "store":
                self.snapshots[a] = machine.snapshot()
                self.stats.peak_snapshots = max(self.stats.peak_snapshots, len(self.snapshots))
            elif kind == "restore":
                machine.restore(self.snapshots[a])
            elif kind == "free":
                machine.release(self.snapshots.pop(a))
            elif kind == "advance":
                machine.advance(a, b)
                self.stats.forward_evals += b - a
            elif kind == "tape":
                machine.tape(a)
                self.stats.forward_evals += 1
            elif kind == "reverse":
                machine.discard_live()
                machine.reverse(a)
                self.stats.backward_evals += 1
            self.position += 1
        self.seconds += time.perf_counter() - began
        self.cpu_seconds += time.process_time() - cpu_began

    def forward(self) -> list:
        self._run(until_reverse=True)
        return list(self.machine.outputs)

    def backward(self, cotangents: Sequence[Value] | None = None) -> list:
        if self.position == 0 or self.position >= len(self.actions):
            raise CheckpointError("backward() runs once, after forward()")
        outputs = self.machine.outputs
        if cotangents is None:
            cotangents = [seed_like(outputs[0])]
        self.machine.seed(cotangents)
        self._run(until_reverse=False)
        return self.machine.gradients()

    def finish(self, sweep: SweepStats, ledger: Ledger) -> CheckpointStats:
        self.stats.forward_ops = sweep.forward_ops
        self.stats.backward_ops = sweep.backward_ops
        self.stats.peak_bytes = ledger.peak_bytes
        self.stats.peak_values = ledger.peak_values
        self.stats.time_s = self.seconds
        self.stats.cpu_s = self.cpu_seconds
        return self.stats


def check_layer(layer: Function, index: int, n_params: int) -> None:
    """A chain layer must take (h, *params) and return one value."""
    if layer.n_inputs != 1 + n_params or len(layer.outputs) != 1:
        raise CheckpointError(
            f"layer {index} ({layer.name}) takes {layer.n_inputs} inputs and returns "
            f"{len(layer.outputs)} outputs; a chain layer takes (h, *params) with "
            f"{n_params} parameters here and returns one value"
        )
