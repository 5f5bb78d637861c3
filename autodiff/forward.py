"""Forward mode: values and tangents in one sweep in topological order (dual numbers over
the graph; `autodiff.dual.Dual` is the same one value at a time, for teaching).

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> values, tangents = jvp_sweep(f, [2.0, 3.0], [1.0, 0.0])
>>> round(float(tangents[f.outputs[0]]), 6)
2.583853
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import expr
from expr import Function, Tracer, apply
from expr.tracer import reassert_guards, shape_of

from .custom import Mark, RegionStep, marks, replay
from .errors import AutodiffError, MissingRuleError, NaNError
from .reverse import _has_nan
from .rules import RULES

Value = Any


def forward_program(f: Function) -> tuple:
    """The program with each step's JVP rule and output shape:
    (node, kernel, args, attrs, op, jvp or None, out_shape); for nodes of custom regions and
    stop_gradient the jvp slot holds their mark (`autodiff.custom`). O(nodes)."""
    nodes = f.records
    tagged = marks(f)
    program = []
    for node, kernel, args, attrs in f.program:
        op = nodes[node]["op"]
        rule = RULES.get(op)
        program.append(
            (
                node,
                kernel,
                args,
                attrs,
                op,
                tagged.get(node, None if rule is None else rule.jvp),
                nodes[node]["shape"],
            )
        )
    return tuple(program)


def jvp_sweep(
    f: Function,
    inputs: Sequence[Value],
    tangents: Sequence[Value | None],
    program: tuple | None = None,
) -> tuple[list, list]:
    """Values and tangents of every node (lists indexed by node; tangent None = zero).

    `tangents[i]` is the tangent of input i (None for zero). Each op runs its kernel and,
    when an argument has a tangent, its JVP rule; a tangent is broadcast up to the output's
    shape in this one place. Cost: about 2-3x the evaluation of f. Tracer inputs record.
    """
    if not isinstance(f, Function):
        raise AutodiffError(f"jvp_sweep needs an expr.Function, got {type(f).__name__}")
    if len(inputs) != f.n_inputs or len(tangents) != f.n_inputs:
        raise AutodiffError(
            f"jvp_sweep: {f.n_inputs} inputs and tangents are needed, got {len(inputs)} and "
            f"{len(tangents)}"
        )
    program = forward_program(f) if program is None else program
    values = f.start_values(inputs)
    dots: list = [None] * f.n_nodes
    for node, tangent in zip(f.inputs, tangents):
        dots[node] = tangent
    traced = any(isinstance(v, Tracer) for v in (*inputs, *tangents))
    reassert_guards(f, inputs)  # its branches hold here (TraceError), or are re-taken
    with np.errstate(all="ignore"):
        f.run(values, _jvp_step(values, dots, traced), program=program)
    return values, dots


def _jvp_step(values: list, dots: list, traced: bool) -> Any:
    """The step of `Function.run` over a `forward_program`: the op's value (recorded on
    tracers) and, when an argument has a tangent, its tangent into `dots` by the JVP rule,
    broadcast up to the output's shape (the one place)."""

    def step(entry: tuple, xs: list) -> Value:
        node, kernel, args, attrs, op, jvp, shape = entry
        if isinstance(jvp, (Mark, RegionStep)):
            _marked_step(node, kernel, args, attrs, jvp, values, dots, traced)
            return values[node]
        y = apply(op, *xs, **attrs) if traced else kernel(*xs, **attrs)
        ts = [dots[a] for a in args]
        if all(t is None for t in ts):
            return y
        if jvp is None:
            raise MissingRuleError(
                f"op {op!r} at node {node} has no derivative rule "
                f"(ops with rules: {', '.join(sorted(RULES))})"
            )
        t = jvp(ts, xs, y, attrs)
        if t is not None and shape_of(t) != shape:
            t = expr.broadcast_to(t, shape)
        dots[node] = t
        return y

    return step


def _marked_step(
    node: int,
    kernel: Any,
    args: tuple,
    attrs: dict,
    mark: Any,
    values: list,
    dots: list,
    traced: bool,
) -> None:
    """A custom-region or stop_gradient node in the forward sweep: inner nodes and
    stop_gradient get no tangent; a region's first exit sets every exit's tangent by the
    region's rule (and, on tracers, replays the region for the values)."""
    if traced:
        replay(mark, node, args, values)
    else:
        values[node] = kernel(*[values[a] for a in args], **attrs)
    if isinstance(mark, RegionStep):
        mark.tangents(values, dots)


def check_tangents(f: Function, values: Sequence[Value], dots: Sequence[Value]) -> None:
    """`NaNError` at the first op node whose tangent is NaN while its value and its operands'
    tangents are not: the derivative is undefined or infinite there (e.g. sqrt at 0)."""
    labels = None
    for node, _, args, _ in f.program:
        t = dots[node]
        if t is None or isinstance(t, Tracer) or not _has_nan(t):
            continue
        labels = labels or f.labels()
        raise NaNError(
            f"NaN appeared in the forward-mode tangent at node {node} ({labels[node]} = "
            f"{f.op(node)} of {', '.join(labels[a] for a in args)}) from finite values and "
            "tangents: the derivative is undefined or infinite here; pass check_nan=False "
            "to get the NaN instead"
        )
