"""Reverse mode: a forward sweep that keeps what the rules need, a backward sweep in reverse
topological order that accumulates adjoints in a list indexed by node (fan-out sums).

The sweeps are plain functions over a `Plan` (the Function's program with, per op node, its
rule, which arguments need cotangents, and which values the rule reads), so other code (the
checkpointing strategies) can run them segment by segment: `forward_sweep(plan, inputs,
start=i, stop=j, values=...)` evaluates program steps i..j-1; `backward_sweep(plan, values,
adjoints, start=i, stop=j)` pulls the adjoints back through the same steps. Counts of op
evaluations go into a `Stats` when one is passed (stored values and bytes through a `Ledger`).

Cost: the forward sweep is one kernel call per op node; the backward sweep one rule per op
node that depends on a differentiated input (each rule is 1-4 numpy ops), so value and
gradient cost a small constant times the value alone (the cheap-gradient principle).

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> plan = Plan(f, (0, 1))
>>> values = forward_sweep(plan, [2.0, 3.0])
>>> adjoints = backward_sweep(plan, values, seeds={f.outputs[0]: 1.0})
>>> [round(float(adjoints[n]), 6) for n in f.inputs]
[2.583853, 2.0]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer
from expr.ops import sum_to_axes
from expr.tracer import reassert_guards, shape_of

from .custom import RegionStep, marks, replay
from .errors import AutodiffError, MissingRuleError, NaNError, NonScalarOutputError
from .rules import RULES, instantiate_zeros
from .stats import Ledger, Stats

Value = Any


@dataclass(frozen=True, slots=True)
class BackStep:
    """The backward step of one program step: `node`'s adjoint pulled back to `args`.

    `vjp` is the rule's VJP, called as vjp(adjoint, xs, output, attrs, shapes, wants), or
    a custom region's `RegionStep` (its rule maps all exit adjoints to the entries);
    `fetch[i]` is args[i] when the rule reads that argument's value, else -1;
    `needs_output`: the rule reads the node's own value; `shapes` are the arguments'
    shapes; `wants[i]`: whether args[i] needs a cotangent (it depends on a differentiated
    input)."""

    node: int
    args: tuple[int, ...]
    attrs: dict
    vjp: Any
    fetch: tuple[int, ...]
    needs_output: bool
    shapes: tuple[tuple[int, ...], ...]
    wants: tuple[bool, ...]

    def reads(self) -> tuple[int, ...]:
        """The nodes whose values the rule reads."""
        fetched = tuple(a for a in self.fetch if a >= 0)
        return (*fetched, self.node) if self.needs_output else fetched


class Plan:
    """Everything the sweeps need about one Function and one set of inputs to differentiate.

    `steps[i]` = (node, kernel, args, attrs, op) for program step i; `back[i]` is None for
    steps that do not depend on a differentiated input, else its `BackStep`; `reads[i]` the
    nodes whose values step i's backward rule reads (a custom region's: its entries);
    `stored` the nodes some rule reads (op nodes only: inputs and constants exist anyway);
    `release[i]` the stored nodes whose last backward reader is step i. Building it is
    O(nodes).
    """

    def __init__(self, f: Function, wrt: Sequence[int]) -> None:
        if not isinstance(f, Function):
            raise AutodiffError(f"Plan needs an expr.Function, got {type(f).__name__}")
        if isinstance(wrt, (str, bytes)) or not all(
            isinstance(i, (int, np.integer)) and 0 <= i < f.n_inputs for i in wrt
        ):
            raise AutodiffError(
                f"Plan: wrt must be input positions 0..{f.n_inputs - 1}, got {wrt!r}"
            )
        self.function = f
        self.wrt_positions = tuple(wrt)
        self.wrt = tuple(f.inputs[i] for i in wrt)
        nodes = f.records
        self.shapes = [data["shape"] for data in nodes]
        active = [False] * len(self.shapes)
        for node in self.wrt:
            active[node] = True
        steps, back = [], []
        #: custom regions and stop_gradient nodes (`autodiff.custom`), by node
        self.marks = marks(f)
        computed = [data["op"] not in ("input", "const") for data in nodes]
        for node, kernel, args, attrs in f.program:
            op = nodes[node]["op"]
            steps.append((node, kernel, args, attrs, op))
            mark = self.marks.get(node)
            if mark is not None:
                back.append(self._custom_step(node, mark, active))
                continue
            wants = tuple([active[a] for a in args])
            if True not in wants:
                back.append(None)
                continue
            active[node] = True
            rule = RULES.get(op)
            if rule is None:
                raise MissingRuleError(
                    f"op {op!r} at node {node} has no derivative rule "
                    f"(ops with rules: {', '.join(sorted(RULES))})"
                )
            needs = rule.needs_args
            fetch = tuple([a if i in needs else -1 for i, a in enumerate(args)])
            shapes = tuple([self.shapes[a] for a in args])
            back.append(
                BackStep(node, args, attrs, rule.vjp, fetch, rule.needs_output, shapes, wants)
            )
        self.steps = tuple(steps)
        self.back = tuple(back)
        self.active = tuple(active)
        self.reads = tuple(() if b is None else tuple(dict.fromkeys(b.reads())) for b in back)
        first_reader = self._first_readers(computed)
        self.stored = tuple(sorted(first_reader))
        release: list[list[int]] = [[] for _ in steps]
        for read, index in first_reader.items():
            release[index].append(read)
        self.release = tuple(tuple(r) for r in release)

    def _first_readers(self, computed: list[bool]) -> dict[int, int]:
        """The first backward step (in program order) reading each stored value: op nodes,
        and the entries of a custom region (inputs and constants exist anyway)."""
        first_reader: dict[int, int] = {}
        for index, (step, read) in enumerate(zip(self.back, self.reads)):
            region = step is not None and isinstance(step.vjp, RegionStep)
            for a in read:
                if (region or computed[a]) and a not in first_reader:
                    first_reader[a] = index
        return first_reader

    def _custom_step(self, node: int, mark: Any, active: list) -> Any:
        """The backward step of a marked node: None, except at a region's first exit, where
        the region's rule maps all exit adjoints to the entries (read: the entries)."""
        if not isinstance(mark, RegionStep):
            return None  # inner nodes, stop_gradient, later exits: not differentiated here
        wants = tuple(active[e] for e in mark.entries)
        if not any(wants):
            return None
        for e in mark.exits:
            if e is not None:
                active[e] = True
        shapes = tuple(self.shapes[e] for e in mark.entries)
        return BackStep(node, mark.entries, {}, mark, mark.entries, False, shapes, wants)


def forward_sweep(
    plan: Plan,
    inputs: Sequence[Value] | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    values: list | None = None,
    stats: Stats | None = None,
) -> list:
    """Evaluate program steps start..stop-1 into `values` (a list indexed by node).

    With `values=None` a new list is made from `inputs` (and the constants); otherwise the
    given list must already hold the values the segment reads (inputs, constants, earlier
    steps). Tracer inputs record the ops instead. Returns the list. O(steps) kernel calls.
    """
    _require_plan(plan, "forward_sweep")
    f = plan.function
    if values is None:
        if inputs is None or len(inputs) != f.n_inputs:
            raise AutodiffError(
                f"forward_sweep: {f.n_inputs} inputs are needed ({', '.join(f.input_names)})"
            )
        values = f.start_values(inputs)
    if start == 0:  # its branches hold here (TraceError), or are re-taken in a trace
        reassert_guards(f, [values[n] for n in f.inputs])
    if any(isinstance(values[n], Tracer) for n in f.inputs):
        f.run(values, _recording_step(plan, values), start, stop)
    else:
        f.run(values, None, start, stop)
    if stats is not None:
        stats.forward_ops += len(plan.steps[start:stop])
    return values


def _recording_step(plan: Plan, values: list) -> Any:
    """The step of `Function.run` for a forward sweep on tracers: each op recorded, custom
    regions and stop_gradient replayed (`autodiff.custom.replay`)."""
    record, tagged = plan.function.record_step, plan.marks
    if not tagged:
        return record

    def step(entry: tuple, xs: list) -> Value:
        mark = tagged.get(entry[0])
        if mark is None:
            return record(entry, xs)
        replay(mark, entry[0], entry[2], values)
        return values[entry[0]]

    return step


def backward_sweep(
    plan: Plan,
    values: list,
    adjoints: list | None = None,
    *,
    seeds: dict[int, Value] | None = None,
    start: int = 0,
    stop: int | None = None,
    stats: Stats | None = None,
    release: Ledger | None = None,
) -> list:
    """Pull adjoints back through program steps stop-1 down to start; returns the adjoint
    list (indexed by node; None = zero).

    `adjoints` carries adjoints between segments (a new list when None); `seeds` adds
    output adjoints first. Each step calls its rule with only the values it declared; each
    cotangent is summed down to its argument's shape (the one place broadcasting is undone)
    and added to that argument's adjoint. `release` (a `Ledger`): each stored value is
    dropped from it and freed after its last reader. O(active steps) rule calls.
    """
    _require_plan(plan, "backward_sweep")
    if adjoints is None:
        adjoints = [None] * len(plan.shapes)
    for node, seed in (seeds or {}).items():
        adjoints[node] = seed if adjoints[node] is None else adjoints[node] + seed
    stop = len(plan.steps) if stop is None else stop
    with np.errstate(all="ignore"):
        applied = _backward_steps(plan, values, adjoints, start, stop, stats, release)
    if stats is not None:
        stats.backward_ops += applied
    return adjoints


def _backward_steps(
    plan: Plan,
    values: list,
    adjoints: list,
    start: int,
    stop: int,
    stats: Stats | None,
    release: Ledger | None,
) -> int:
    applied = 0
    for index in range(stop - 1, start - 1, -1):
        step = plan.back[index]
        if step is not None:
            vjp = step.vjp
            if isinstance(vjp, RegionStep):
                applied += 1
                for arg, ct in zip(step.args, vjp.cotangents(values, adjoints)):
                    if ct is not None:
                        adjoints[arg] = ct if adjoints[arg] is None else adjoints[arg] + ct
            elif (g := adjoints[step.node]) is not None:
                xs = [values[a] if a >= 0 else None for a in step.fetch]
                y = values[step.node] if step.needs_output else None
                shapes = step.shapes
                cotangents = vjp(g, xs, y, step.attrs, shapes, step.wants)
                applied += 1
                for arg, ct, shape in zip(step.args, cotangents, shapes):
                    if ct is None:
                        continue
                    kind = type(ct)
                    ct_shape = (
                        ct.shape if kind is np.float64 or kind is np.ndarray else shape_of(ct)
                    )
                    if ct_shape != shape:  # the one place broadcasting is undone
                        ct = _sum_to(ct, shape)
                    previous = adjoints[arg]
                    adjoints[arg] = ct if previous is None else previous + ct
        if release is not None:
            for read in plan.release[index]:
                release.drop(values[read])
                values[read] = None
    return applied


def _require_plan(plan: Any, what: str) -> None:
    if not isinstance(plan, Plan):
        raise AutodiffError(f"{what} needs an autodiff.Plan, got {type(plan).__name__}")


def _sum_to(ct: Value, shape: tuple[int, ...]) -> Value:
    """`expr.sum_to(ct, shape)`: on numpy arrays the method call over the axes the op
    sums (`expr.ops.sum_to_axes`), else the op itself (tracers, errors)."""
    if not isinstance(ct, np.ndarray) or ct.ndim < len(shape):
        return expr.sum_to(ct, shape)
    return ct.sum(axis=sum_to_axes(ct.shape, shape)).reshape(shape)


def store_all(plan: Plan, values: list, stats: Stats) -> Ledger:
    """A `Ledger` (peaks into `stats`) holding every value the backward sweep will read
    (plain reverse mode); the inputs and constants are not counted."""
    f = plan.function
    fixed = [values[n] for n in f.inputs] + [value for _, value in f.constants]
    ledger = Ledger(fixed, stats)
    for node in plan.stored:
        ledger.hold(values[node])
    return ledger


def seed_like(value: Value) -> Value:
    """The adjoint seed: ones shaped like the output (float64, or the output's dtype)."""
    if isinstance(value, Tracer):
        return np.ones(value.shape)
    return np.ones(np.shape(value), dtype=np.result_type(value, np.float64))


def gradients(plan: Plan, adjoints: list) -> list[Value]:
    """The adjoints of the differentiated inputs (zeros for inputs the output ignores)."""
    return [instantiate_zeros(adjoints[n], plan.shapes[n]) for n in plan.wrt]


def reverse(
    plan: Plan,
    inputs: Sequence[Value],
    seeds: Sequence[Value] | None = None,
    *,
    stats: Stats | None = None,
    check_nan: bool = True,
    values: list | None = None,
) -> tuple[list, list[Value]]:
    """Node values and the gradients of the differentiated inputs, by one forward and one
    backward sweep. `seeds` are the output adjoints (default 1 for a single output).
    With `check_nan` a NaN in the gradient (but not in the inputs) raises `NaNError` naming
    the first node where it appeared in the backward sweep. `values`: every node's value at
    these inputs, already computed (a concrete trace's), so the forward sweep is skipped."""
    began = time.perf_counter()
    f = plan.function
    if values is None:
        values = forward_sweep(plan, inputs, stats=stats)
    if seeds is None:
        seeds = [seed_like(values[f.outputs[0]])]
    seed_map: dict[int, Value] = {}
    for node, seed in zip(f.outputs, seeds):
        seed_map[node] = seed if node not in seed_map else seed_map[node] + seed
    ledger = None
    if stats is not None:
        ledger = store_all(plan, values, stats)
        outputs = [values[n] for n in f.outputs]
    adjoints = backward_sweep(plan, values, seeds=dict(seed_map), stats=stats, release=ledger)
    grads = gradients(plan, adjoints)
    if stats is not None:
        for node, value in zip(f.outputs, outputs):
            values[node] = value
        stats.time_s += time.perf_counter() - began
    if check_nan and not any(isinstance(v, Tracer) for v in (*inputs, values[f.outputs[0]])):
        _check_forward(plan, inputs, [values[n] for n in f.outputs])
        check_backward(plan, inputs, seed_map, grads)
    return values, grads


def require_scalar(function: Function, what: str) -> None:
    """`NonScalarOutputError` unless the Function has one output of shape ()."""
    if not function.single_output or function.output_shapes[0] != ():
        shapes = function.output_shapes if not function.single_output else function.output_shapes[0]
        raise NonScalarOutputError(
            f"{what} needs a function with one scalar output; {function.name} returns shape "
            f"{shapes}. Use jacrev/jacfwd for a Jacobian, or vjp with a cotangent"
        )


def gradient_function(
    function: Function, positions: tuple[int, ...], with_value: bool = False
) -> Function:
    """`grad_graph` of a Function for input positions already resolved (0..n-1, as a
    transformation holds them): the reverse sweep traced on tracers. O(cost of f) ops."""
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


def any_nan(values: Sequence[Value]) -> bool:
    """Whether any of the values holds a NaN: one running sum screens them all (an
    array enters as its sum of squares, one BLAS dot: NaN propagates; inf - inf is NaN
    too, so a hit is confirmed value by value). O(elements)."""
    total = 0.0  # a Python float: inf - inf gives NaN without numpy's warning
    for v in values:
        kind = type(v)
        if kind is float or kind is np.float64:
            total += float(v)
        else:
            v = v if kind is np.ndarray else np.asarray(v)
            total += float(_vdot(v, v).real)
    return total != total and any(_has_nan(v) for v in values)


_vdot = np.vdot


def _has_nan(value: Value) -> bool:
    # One reduction screens (NaN propagates through a sum); the exact test only if it fires.
    value = np.asarray(value)
    return bool(np.isnan(value.sum())) and bool(np.isnan(value).any())


def check_inputs(names: Sequence[str], inputs: Sequence[Value], what: str = "input") -> None:
    """`NaNError` naming the first input (or tangent, cotangent: `what`) that holds NaN."""
    for name, x in zip(names, inputs):
        if not isinstance(x, Tracer) and _has_nan(x):
            raise NaNError(
                f"{what} {name!r} contains NaN; derivatives at NaN are meaningless "
                "(pass check_nan=False to propagate NaN)"
            )


def check_forward(f: Function, values: Sequence[Value]) -> None:
    """`NaNError` at the first op node whose value is NaN (its operands are not: inputs are
    checked first), i.e. an op applied outside its domain, such as log(-1). Only when an
    output holds NaN is the graph scanned (one reduction per output otherwise)."""
    if not any(_has_nan(values[n]) for n in f.outputs if not isinstance(values[n], Tracer)):
        return
    labels = None
    for node, _, args, _ in f.program:
        value = values[node]
        if value is not None and not isinstance(value, Tracer) and _has_nan(value):
            labels = labels or f.labels()
            operands = ", ".join(labels[a] for a in args)
            raise NaNError(
                f"NaN appeared in the forward sweep at node {node} ({labels[node]} = "
                f"{f.op(node)} of {operands}) from finite operands: the point is outside "
                f"{f.op(node)}'s domain, so the function and its derivative are undefined "
                "there; pass check_nan=False to get NaN values instead"
            )


def _check_forward(plan: Plan, inputs: Sequence[Value], outputs: Sequence[Value]) -> None:
    """NaN in an input, or a NaN value from finite inputs (an op outside its domain, such
    as log(-1)): a gradient there would be a number without meaning, so say where."""
    check_inputs(plan.function.input_names, inputs)
    if any(_has_nan(v) for v in outputs):  # the sweep's values may have been released
        check_forward(plan.function, forward_sweep(plan, inputs))


def check_backward(plan: Plan, inputs: Sequence[Value], seeds: dict, grads: list[Value]) -> None:
    """`NaNError` at the node where a NaN first entered the backward sweep (finite adjoint,
    NaN cotangent), when `grads` hold NaN but the inputs and seeds do not."""
    if not any(_has_nan(g) for g in grads):
        return
    if any(_has_nan(x) for x in inputs) or any(_has_nan(s) for s in seeds.values()):
        return
    f = plan.function
    values = forward_sweep(plan, inputs)
    adjoints = [None] * len(plan.shapes)
    for node, seed in seeds.items():
        adjoints[node] = seed
    labels = f.labels()
    for index in range(len(plan.steps) - 1, -1, -1):
        backward_sweep(plan, values, adjoints, start=index, stop=index + 1)
        step = plan.back[index]
        if step is None:
            continue
        node, args = step.node, step.args
        if adjoints[node] is not None and _has_nan(adjoints[node]):
            continue
        bad = [a for a in args if adjoints[a] is not None and _has_nan(adjoints[a])]
        if bad:
            inputs_nan = any(_has_nan(values[a]) for a in args)
            raise NaNError(
                f"NaN appeared in the backward sweep at node {node} ({labels[node]} = "
                f"{f.op(node)} of {', '.join(labels[a] for a in args)}): its adjoint is "
                f"finite but the cotangent sent to {', '.join(labels[a] for a in bad)} is NaN"
                + (
                    " (its operand value is already NaN in the forward sweep)"
                    if inputs_nan
                    else " (the derivative is undefined or infinite here, e.g. sqrt at 0)"
                )
                + "; pass check_nan=False to get the NaN instead"
            )
