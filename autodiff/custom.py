"""Custom derivative rules and stop_gradient, with JAX's names and semantics.

    f = custom_vjp(f); f.defvjp(fwd, bwd)   # fwd(*args) -> (out, residuals); bwd(res, g) -> cotangents
    f = custom_jvp(f); f.defjvp(jvp)        # jvp(primals, tangents) -> (out, tangent_out)

Called on numbers, f just runs. Called while tracing, f records a *region*: an identity node
per traced argument (an entry), f's own ops (the interior, which autodiff never
differentiates: its ops need no rules), and an identity node per output leaf (an exit). The
nodes carry a `"custom"` tag naming the `Region`; the sweeps (`autodiff.reverse`,
`autodiff.forward`) differentiate a region as one step with its rule. Both modes work for
both kinds: the missing direction is the transpose of the given linear map (computed with
`vjp`): forward mode of a custom_vjp is J v = ∇_g <bwd(res, g), v>, reverse mode of a
custom_jvp is Jᵀ g = ∇_t <jvp(x, t), g>. Under nesting or higher order, a region replayed on
tracers calls f again, so the rule is kept; bwd written with expr ops differentiates again.
The residuals are recomputed by fwd in the backward step (f's interior runs in the forward
sweep), so a region costs about twice f.

`stop_gradient(x)` is x with derivative 0 in every mode (an identity node tagged "stop").

>>> import expr
>>> @custom_vjp
... def clip_gradient(x):
...     return x
>>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (expr.minimum(g, 1.0),))
>>> import autodiff
>>> float(autodiff.grad(lambda x: 3.0 * clip_gradient(x))(2.0))
1.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import expr
from expr import Tracer, apply
from expr.tracer import OpValue, shape_of

from .errors import AutodiffError
from .pytree import PytreeError, TreeDef, flatten, flatten_up_to
from .rules import instantiate_zeros
from .tracing import numeric

Value = Any


class CustomRuleError(AutodiffError):
    """A custom rule is missing, or returned the wrong number, structure or shapes."""


def _newest_builder(leaves: Sequence[Any]) -> Any:
    tracers = [leaf for leaf in leaves if isinstance(leaf, Tracer)]
    if not tracers:
        return None
    return max((t.builder for t in tracers), key=lambda b: b.serial)


def _identity(value: Value, builder: Any, what: str = "value") -> Tracer:
    """A new node equal to `value` in `builder`'s trace (reshape to its own shape)."""
    if not isinstance(value, Tracer):
        array = numeric(value)
        if array is None:
            raise CustomRuleError(f"{what} is a {type(value).__name__}, not numbers")
        value = builder.const(array)
    elif value.builder is not builder:
        value = builder.capture(value)
    return apply("reshape", value, newshape=value.shape)


def _tag(tracer: Tracer, tag: tuple) -> None:
    tracer.builder.nodes[tracer.node]["custom"] = tag


# ----------------------------------------------------------------------------- stop_gradient
def stop_gradient(x: Any) -> Any:
    """x, with derivative 0 in every transformation (as jax.lax.stop_gradient); pytrees too.

    >>> import autodiff
    >>> float(autodiff.grad(lambda x: x * stop_gradient(x))(3.0))
    3.0
    """
    leaves, tree = flatten(x)
    out = []
    for leaf in leaves:
        if isinstance(leaf, Tracer):
            leaf = _identity(leaf, leaf.builder)
            _tag(leaf, ("stop",))
        elif isinstance(leaf, OpValue):  # a Dual: its tangent is dropped
            leaf = type(leaf)(leaf.primal, np.zeros(shape_of(leaf.primal)))
        out.append(leaf)
    return tree.unflatten(out)


# ----------------------------------------------------------------------------- regions
@dataclass(eq=False)
class Region:
    """One recorded call of a custom function: `rule` (the custom_vjp/custom_jvp object),
    the structure of the call's arguments with the constant leaves (`template`: None where
    a traced leaf goes), and the output structure. Identity, not equality, names a region."""

    rule: Any
    tree: TreeDef
    template: tuple
    out_tree: TreeDef | None = None
    entry_shapes: tuple = field(default=())
    out_shapes: tuple = field(default=())

    def arguments(self, entries: Sequence[Value]) -> tuple:
        """The call's positional arguments with `entries` in the traced leaves."""
        it = iter(entries)
        leaves = [next(it) if slot is None else slot for slot in self.template]
        return self.tree.unflatten(leaves)

    def call(self, entries: Sequence[Value]) -> list[Value]:
        """The rule's function again on `entries` (tracers: records a new region)."""
        out = self.rule(*self.arguments(entries))
        return flatten(out)[0]

    def tangents(self, entries: Sequence[Value], dots: Sequence[Value]) -> list[Value]:
        """Output tangent leaves for entry values and tangents (None = zero)."""
        dots = [instantiate_zeros(d, s) for d, s in zip(dots, self.entry_shapes)]
        return self.rule.forward(self, entries, dots)

    def cotangents(self, entries: Sequence[Value], gs: Sequence[Value]) -> list:
        """Entry cotangents for output cotangent leaves (None = zero)."""
        gs = [instantiate_zeros(g, s) for g, s in zip(gs, self.out_shapes)]
        return self.rule.backward(self, entries, gs)


def record(rule: Any, args: tuple) -> Any:
    """Call `rule`'s function on `args`; while tracing, as a tagged region (module doc)."""
    leaves, tree = flatten(args)
    builder = _newest_builder(leaves)
    if builder is None:
        return rule.run("function", rule.fun, *args)
    region = Region(rule, tree, tuple(None if isinstance(v, Tracer) else v for v in leaves))
    entries = []
    for leaf in leaves:
        if isinstance(leaf, Tracer):
            entry = _identity(leaf, builder)
            _tag(entry, (region, "in", len(entries)))
            entries.append(entry)
    region.entry_shapes = tuple(e.shape for e in entries)
    start = len(builder.nodes)
    out = rule.run("function", rule.fun, *region.arguments(entries))
    records = builder.nodes  # the node attribute dicts, by node
    for node in range(start, len(records)):
        records[node]["custom"] = (region, "inner", 0)
    out_leaves, region.out_tree = flatten(out)
    exits = []
    for leaf in out_leaves:
        exit_ = _identity(leaf, builder, f"{rule.kind} {rule.name}: an output")
        _tag(exit_, (region, "out", len(exits)))
        exits.append(exit_)
    region.out_shapes = tuple(e.shape for e in exits)
    return region.out_tree.unflatten(exits)


# ----------------------------------------------------------------------------- in a Function
class Mark:
    """What a tagged node is to the sweeps: INNER (not differentiated), STOP (derivative
    0), EXIT (an output of a region, set by the region's first exit)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


INNER, STOP, EXIT = Mark("inner"), Mark("stop"), Mark("exit")


@dataclass(eq=False)
class RegionStep:
    """A region inside one Function: its entry and exit node ids (None for an exit the
    Function pruned). It is the mark of the region's first exit in program order."""

    region: Region
    entries: tuple[int, ...]
    exits: tuple[int | None, ...]

    def cotangents(self, values: Sequence[Value], adjoints: Sequence[Value]) -> list:
        gs = [None if e is None else adjoints[e] for e in self.exits]
        if all(g is None for g in gs):
            return [None] * len(self.entries)
        return self.region.cotangents([values[e] for e in self.entries], gs)

    def tangents(self, values: Sequence[Value], dots: list) -> None:
        """Set the tangents of every exit in `dots` from the entries'."""
        ts = [dots[e] for e in self.entries]
        if all(t is None for t in ts):
            return
        outs = self.region.tangents([values[e] for e in self.entries], ts)
        for e, t in zip(self.exits, outs):
            if e is not None:
                dots[e] = t

    def replay(self, values: list) -> None:
        """Values of every exit on tracers: the region's function called again (records a
        new region in the tracers' trace, so the custom rule is kept)."""
        outs = self.region.call([values[e] for e in self.entries])
        for e, v in zip(self.exits, outs):
            if e is not None:
                values[e] = v


def replay(mark: Any, node: int, args: Sequence[int], values: list) -> None:
    """A marked step of a sweep on tracers: inner nodes and later exits are skipped (the
    first exit replays the region), stop_gradient is recorded again."""
    if mark is STOP:
        values[node] = stop_gradient(values[args[0]])
    elif isinstance(mark, RegionStep):
        mark.replay(values)


def marks(f: Any) -> dict[int, Any]:
    """The mark of every tagged node of Function `f` (empty for a plain graph). O(nodes)."""
    found: dict[int, Any] = {}
    regions: dict[Region, tuple[dict, dict]] = {}
    for node, data in enumerate(f.records):
        tag = data.get("custom")
        if tag is None:
            continue
        if tag[0] == "stop":
            found[node] = STOP
            continue
        region, role, index = tag
        if role == "inner":
            found[node] = INNER
            continue
        entries, exits = regions.setdefault(region, ({}, {}))
        (entries if role == "in" else exits)[index] = node
    position = {node: k for k, (node, *_) in enumerate(f.program)}
    for region, (entries, exits) in regions.items():
        if not exits:
            continue
        missing = [k for k in range(len(region.entry_shapes)) if k not in entries]
        if missing:
            raise CustomRuleError(
                f"{region.rule.kind} {region.rule.name}: its output does not depend on "
                f"traced argument leaf {missing[0]}, so its rule cannot be called here; "
                "pass that value as a constant (not traced) or use it in the output"
            )
        for node in exits.values():
            found[node] = EXIT
        first = min(exits.values(), key=position.__getitem__)
        found[first] = RegionStep(
            region,
            tuple(entries[k] for k in range(len(entries))),
            tuple(exits.get(k) for k in range(len(region.out_shapes))),
        )
    return found


# ----------------------------------------------------------------------------- the rules
def _transpose(linear: Callable[..., list], zeros: Sequence[Value], cotangents: Sequence) -> list:
    """Lᵀ c for a linear map L of a list of leaves (reverse mode of L at zeros)."""
    from .api import vjp  # cycle: custom_jvp's reverse mode is vjp of its own JVP rule

    _, pullback = vjp(lambda *xs: tuple(linear(list(xs))), *zeros, check_nan=False)
    return list(pullback(tuple(cotangents)))


class _Custom:
    """Shared by custom_vjp and custom_jvp: the wrapped function and its name."""

    kind = "custom"

    def __init__(self, fun: Callable[..., Any]) -> None:
        if not callable(fun):
            raise CustomRuleError(f"{self.kind} needs a function, got {type(fun).__name__}")
        self.fun = fun
        self.name = getattr(fun, "__name__", "f")
        functools.update_wrapper(self, fun)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise CustomRuleError(
                f"{self.kind} function {self.name}: pass its arguments positionally "
                f"(got keywords {', '.join(kwargs)})"
            )
        self._require_rule()
        return record(self, args)

    def _rule(self, setter: str, what: str, fn: Any) -> Callable[..., Any]:
        """`fn`, checked to be a function, as the rule part `what` set by `setter`."""
        if not callable(fn):
            raise CustomRuleError(
                f"{self.kind} {self.name}.{setter}: {what} must be a function, got "
                f"{type(fn).__name__}"
            )
        return fn

    def _require(self, rule: Any, call: str) -> None:
        """Refuse a call before the rule is set (`call` shows how to set it)."""
        if rule is None:
            raise CustomRuleError(
                f"{self.kind} {self.name} has no rule: call {self.name}.{call} first"
            )

    def run(self, label: str, fn: Callable[..., Any], *args: Any) -> Any:
        """The user's `fn` (fun, fwd, bwd or the jvp rule); its own errors are chained to
        ours, which names the function and the rule."""
        try:
            return fn(*args)
        except expr.ExprError:
            raise
        except Exception as error:
            raise CustomRuleError(
                f"{self.kind} {self.name}: its {label} raised {type(error).__name__}: {error}"
            ) from error

    def _check(self, got: Any, like: Sequence[Value], tree: TreeDef, what: str) -> list:
        """The leaves of `got` (from the user's rule), checked against the structure `tree`
        and the shapes of `like` (None leaves: zero)."""
        try:
            leaves = flatten_up_to(tree, got)
        except PytreeError as error:
            raise CustomRuleError(
                f"{self.kind} {self.name}: {what} does not have the structure {tree} (one "
                f"entry per {'argument' if 'cotangent' in what else 'output'}): {error}"
            ) from None
        out = []
        for k, (leaf, ref) in enumerate(zip(leaves, like)):
            leaf = instantiate_zeros(leaf, shape_of(ref))
            if not isinstance(leaf, Tracer):
                array = np.asarray(leaf)
                if array.dtype.kind not in "iufcb":
                    raise CustomRuleError(
                        f"{self.kind} {self.name}: {what} leaf {k} is a {type(leaf).__name__}"
                    )
            if shape_of(leaf) != shape_of(ref):
                raise CustomRuleError(
                    f"{self.kind} {self.name}: {what} leaf {k} has shape {shape_of(leaf)}, but "
                    f"the value it belongs to has shape {shape_of(ref)}"
                )
            out.append(leaf)
        return out


def _traced_leaves(region: Region, leaves: Sequence[Value]) -> list[Value]:
    return [v for v, slot in zip(leaves, region.template) if slot is None]


def _all_leaves(region: Region, entries: Sequence[Value], fill: Any) -> list[Value]:
    it = iter(entries)
    return [next(it) if slot is None else fill(slot) for slot in region.template]


class custom_vjp(_Custom):
    """A function with a hand-written reverse-mode rule (see the module doc).

    fwd(*args) -> (out, residuals); bwd(residuals, g) -> a tuple with one cotangent per
    argument (None for zero), each shaped like its argument; g has out's structure.
    """

    kind = "custom_vjp"

    def __init__(self, fun: Callable[..., Any]) -> None:
        super().__init__(fun)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """Set the rule (fwd, bwd), as JAX's defvjp."""
        self.fwd, self.bwd = self._rule("defvjp", "fwd", fwd), self._rule("defvjp", "bwd", bwd)

    def _require_rule(self) -> None:
        self._require(self.fwd, "defvjp(fwd, bwd)")

    def backward(self, region: Region, entries: Sequence[Value], gs: Sequence[Value]) -> list:
        args = region.arguments(entries)
        result = self.run("fwd", self.fwd, *args)
        if not isinstance(result, tuple) or len(result) != 2:
            raise CustomRuleError(
                f"custom_vjp {self.name}: fwd must return a pair (output, residuals), got "
                f"{type(result).__name__}"
            )
        cts = self.run("bwd", self.bwd, result[1], region.out_tree.unflatten(list(gs)))
        if not isinstance(cts, tuple):
            raise CustomRuleError(
                f"custom_vjp {self.name}: bwd must return a tuple with one cotangent per "
                f"argument ({len(args)}), got {type(cts).__name__}"
            )
        if len(cts) != len(args):
            raise CustomRuleError(
                f"custom_vjp {self.name}: bwd returned {len(cts)} cotangents for "
                f"{len(args)} arguments"
            )
        leaves = self._check(cts, flatten(args)[0], region.tree, "bwd's cotangent")
        return _traced_leaves(region, leaves)

    def forward(self, region: Region, entries: Sequence[Value], dots: Sequence[Value]) -> list:
        zeros = [np.zeros(s) for s in region.out_shapes]
        return _transpose(lambda gs: self.backward(region, entries, gs), zeros, dots)


class custom_jvp(_Custom):
    """A function with a hand-written forward-mode rule (see the module doc).

    jvp(primals, tangents) -> (out, tangent_out): primals and tangents are tuples with one
    entry per argument; tangent_out has out's structure and shapes.
    """

    kind = "custom_jvp"

    def __init__(self, fun: Callable[..., Any]) -> None:
        super().__init__(fun)
        self.jvp: Callable | None = None

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the rule; returns it (so it works as a decorator, as in JAX)."""
        self.jvp = self._rule("defjvp", "the rule", jvp)
        return jvp

    def _require_rule(self) -> None:
        self._require(self.jvp, "defjvp(rule)")

    def forward(self, region: Region, entries: Sequence[Value], dots: Sequence[Value]) -> list:
        primals = region.arguments(entries)
        tangents = region.tree.unflatten(
            _all_leaves(region, dots, lambda slot: np.zeros(np.shape(slot)))
        )
        result = self.run("jvp rule", self.jvp, tuple(primals), tuple(tangents))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CustomRuleError(
                f"custom_jvp {self.name}: the rule must return a pair (output, tangent_out), "
                f"got {type(result).__name__}"
            )
        out_leaves = flatten(result[0])[0]
        return self._check(result[1], out_leaves, region.out_tree, "the rule's tangent_out")

    def backward(self, region: Region, entries: Sequence[Value], gs: Sequence[Value]) -> list:
        zeros = [np.zeros(s) for s in region.entry_shapes]
        return _transpose(lambda ts: self.forward(region, entries, ts), zeros, gs)
