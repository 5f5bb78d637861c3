"""The derivative rules: one entry per op of `expr.OPS`, JVP and VJP side by side.

Every rule is written with the front end's own functions and operators (`expr.cos`,
`expr.sum_to`, `*`, `@`, ...), so the same rule computes on numpy arrays (the eager path)
and records on `expr.Tracer`s (a gradient that is itself a graph: higher order for free).

Three kinds of entries, after JAX's `defjvp`/`deflinear`/`defbilinear`:

* `elementwise(*partials)`: one local partial factor d y / d x_i per argument, as a function
  of (args..., y), the constant 1 or -1, or None (derivative 0: comparisons, sign, the
  condition of `where`). Forward and reverse both come from these factors:
  JVP  t_y = sum_i factor_i * t_i;  VJP  g_i = g * factor_i.
* `linear(transpose)`: ops linear in their one argument (sum, transpose, reshape,
  broadcast_to, sum_to, getitem, scatter). JVP = the op applied to the tangent; VJP = the
  transpose rule.
* `choice` (maximum, minimum: y is a or b, ties split), `where`, `matmul` (bilinear) and
  the reductions `max`, `logsumexp` (a weight per element).
* every other elementwise op of `expr.OPS` (user ops of `expr.define_op` too) gets a rule
  `derived` from its SymPy counterpart on first use (`RULES` is a `RuleTable`); the hand
  rules are kept where they are cheaper or more precise (tanh' = sech^2 via `Seeded`,
  sigmoid' = sigmoid(x) sigmoid(-x), pow exact at 0).

Broadcasting is reduced in exactly one place: the engine sums a cotangent down to its
argument's shape with `expr.sum_to` when it accumulates it (and broadcasts a tangent up to
the output shape). So no rule below reduces broadcast axes.

Signatures: ``jvp(ts, xs, y, attrs) -> t_y or None`` and
``vjp(g, xs, y, attrs, shapes, wants) -> [g_i or None per argument]``; `ts` entries are None
for a zero tangent, `shapes` are the arguments' static shapes, `wants[i]` says whether
argument i needs a cotangent. `needs` lists the values the VJP reads (a, b, c for arguments
0, 1, 2; y for the output): the reverse sweep stores only those and passes None for the rest,
so a wrong declaration fails loudly in the tests.

Conventions at kinks: abs'(0) = 0, relu'(0) = 0, ties of maximum/minimum/max split evenly.

>>> import numpy as np
>>> rule = RULES["sin"]
>>> float(rule.jvp((2.0,), (np.float64(0.0),), np.float64(0.0), {}))
2.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

import expr
from expr import Tracer, apply
from expr.lazy import LazyModule
from expr.tracer import shape_of

from .errors import MissingRuleError

Value = Any
sympy = LazyModule("sympy")  # only derived rules need it, loaded when one is first made


def instantiate_zeros(value: Value, shape: tuple[int, ...], dtype: Any = None) -> Value:
    """`value`, or zeros of `shape` when it is None: the sweeps, rules and custom rules
    write None for a zero tangent or cotangent, and this is the one place it becomes an
    array (float64 unless `dtype` is given).

    >>> instantiate_zeros(None, (2,)), instantiate_zeros(3.0, ())
    (array([0., 0.]), 3.0)
    """
    return np.zeros(shape, dtype) if value is None else value  # dtype None: float64


@dataclass(frozen=True)
class Rule:
    """JVP and VJP of one op, and which values the VJP reads (`needs`, see module doc)."""

    name: str
    jvp: Callable[..., Value]
    vjp: Callable[..., list]
    needs: str = ""
    kind: str = "elementwise"

    @cached_property  # read per node when a Plan is built
    def needs_args(self) -> tuple[int, ...]:
        """Argument positions whose values the VJP reads."""
        return tuple(i for i, letter in enumerate("abc") if letter in self.needs)

    @cached_property
    def needs_output(self) -> bool:
        """Whether the VJP reads the op's output value."""
        return "y" in self.needs


# ----------------------------------------------------------------------------- constructors
def elementwise(name: str, *partials: Any, needs: str = "") -> Rule:
    """Rule from per-argument partial factors (callable of (args..., y), 1, -1 or None)."""
    terms = [_term(factor) for factor in partials]

    def jvp(ts: Sequence[Value], xs: Sequence[Value], y: Value, attrs: dict) -> Value:
        total = None
        for term, t in zip(terms, ts):
            if t is not None and term is not None:
                part = term(t, xs, y)
                total = part if total is None else total + part
        return total

    def vjp(g: Value, xs: Sequence[Value], y: Value, attrs: dict, shapes: Any, wants: Any):
        return [
            term(g, xs, y) if want and term is not None else None
            for term, want in zip(terms, wants)
        ]

    return Rule(name, jvp, vjp, needs, "elementwise")


@dataclass(frozen=True)
class Seeded:
    """A partial written with the seed: fn(seed, *args, y) = seed * d y / d x_i, for rules
    that are cheaper or more precise that way (tanh: seed / cosh x / cosh x)."""

    fn: Callable[..., Value]


def _term(factor: Any) -> Callable[..., Value] | None:
    """seed -> seed * factor, without multiplying when the factor is the constant +-1."""
    if factor is None:
        return None
    if isinstance(factor, Seeded):
        return lambda seed, xs, y: factor.fn(seed, *xs, y)
    if not callable(factor):
        if factor not in (1, -1):
            raise ValueError(f"a constant partial must be 1 or -1, got {factor!r}")
        return (lambda seed, xs, y: seed) if factor == 1 else (lambda seed, xs, y: -seed)
    return lambda seed, xs, y: _times(seed, factor(*xs, y))


def _times(seed: Value, value: Value) -> Value:
    """seed * value; a recorded graph skips the product with a scalar seed of exactly 1."""
    unit = isinstance(value, Tracer) and not isinstance(seed, Tracer) and np.ndim(seed) == 0
    return value if unit and seed == 1.0 else seed * value


def choice(name: str, weight: Callable[[Value, Value], Value]) -> Rule:
    """Rule of y = a or b elementwise (maximum, minimum): dy/da = w(a, b), dy/db = 1 - w,
    with w = 1, 0, or 0.5 at a tie. The weight is computed once for both arguments."""

    def jvp(ts: Sequence[Value], xs: Sequence[Value], y: Value, attrs: dict) -> Value:
        ta, tb = ts
        w = weight(*xs)
        if ta is None or tb is None:
            return ta * w if tb is None else tb * (1.0 - w)
        return tb + (ta - tb) * w

    def vjp(g: Value, xs: Sequence[Value], y: Value, attrs: dict, shapes: Any, wants: Any):
        w = weight(*xs)
        ga = g * w if wants[0] else None
        if not wants[1]:
            return [ga, None]
        return [ga, g * (1.0 - w) if ga is None else g - ga]

    return Rule(name, jvp, vjp, "ab", "elementwise")


def linear(name: str, transpose: Callable[..., Value], needs: str = "") -> Rule:
    """Rule of an op linear in its one argument: JVP applies the op, VJP its transpose
    ``transpose(g, in_shape, attrs)``."""

    def jvp(ts: Sequence[Value], xs: Sequence[Value], y: Value, attrs: dict) -> Value:
        return None if ts[0] is None else apply(name, ts[0], **attrs)

    def vjp(g: Value, xs: Sequence[Value], y: Value, attrs: dict, shapes: Any, wants: Any):
        return [transpose(g, shapes[0], attrs)]

    return Rule(name, jvp, vjp, needs, "linear")


def weighted_reduction(name: str, weight: Callable[..., Value], needs: str) -> Rule:
    """Rule of a reduction y = R(x) with dy/dx = weight(x, y kept-dims) elementwise (max:
    the tie-split indicator of the maximum; logsumexp: the softmax)."""

    def jvp(ts: Sequence[Value], xs: Sequence[Value], y: Value, attrs: dict) -> Value:
        if ts[0] is None:
            return None
        w = weight(xs[0], keep_dims(y, shape_of(xs[0]), attrs), attrs)
        return expr.sum(ts[0] * w, axis=attrs["axis"], keepdims=attrs["keepdims"])

    def vjp(g: Value, xs: Sequence[Value], y: Value, attrs: dict, shapes: Any, wants: Any):
        w = weight(xs[0], keep_dims(y, shapes[0], attrs), attrs)
        return [keep_dims(g, shapes[0], attrs) * w]

    return Rule(name, jvp, vjp, needs, "reduction")


def keep_dims(v: Value, in_shape: tuple[int, ...], attrs: dict) -> Value:
    """A reduction's output (or its cotangent) with the reduced axes kept as size 1, so it
    broadcasts against the input."""
    axis = attrs["axis"]
    if attrs["keepdims"] or axis is None or axis == tuple(range(len(axis))):
        return v  # leading axes removed: numpy broadcasting already lines it up
    axes = axis
    shape = tuple(1 if i in axes else n for i, n in enumerate(in_shape))
    return apply("reshape", v, newshape=shape) if shape_of(v) != shape else v


def _count(in_shape: tuple[int, ...], attrs: dict) -> int:
    axis = attrs["axis"]
    axes = range(len(in_shape)) if axis is None else axis
    return math.prod(in_shape[i] for i in axes)


# ----------------------------------------------------------------------------- matmul
def _swap_last(x: Value) -> Value:
    n = len(shape_of(x))
    return x.T if n == 2 else expr.transpose(x, (*range(n - 2), n - 1, n - 2))


def _insert_axis(x: Value, position: int) -> Value:
    shape = shape_of(x)
    position = position % (len(shape) + 1)
    return expr.reshape(x, (*shape[:position], 1, *shape[position:]))


def _matvec(m: Value, v: Value) -> Value:
    """(..., p, q) times a batch of vectors (..., q) -> (..., p); plain m @ v when v is 1-D
    (numpy would read a batched v as a matrix)."""
    if len(shape_of(v)) == 1:
        return m @ v
    product = m @ _insert_axis(v, -1)
    return apply("reshape", product, newshape=shape_of(product)[:-1])


def _matmul_jvp(ts: Sequence[Value], xs: Sequence[Value], y: Value, attrs: dict) -> Value:
    ta, tb = ts
    a, b = xs
    left = None if ta is None else ta @ b
    right = None if tb is None else a @ tb
    if left is None or right is None:
        return right if left is None else left
    return left + right


def _matmul_vjp(g: Value, xs: Sequence[Value], y: Value, attrs: dict, shapes: Any, wants: Any):
    """Cotangents of a @ b for numpy's four cases (vector/matrix on each side, batches);
    batch broadcasting is summed away by the engine."""
    a, b = xs
    va, vb = len(shapes[0]) == 1, len(shapes[1]) == 1
    ga = gb = None
    if va and vb:  # inner product: g is a scalar
        ga = g * b if wants[0] else None
        gb = g * a if wants[1] else None
    elif vb:  # (..., n, k) @ (k,) -> (..., n)
        ga = _insert_axis(g, -1) * b if wants[0] else None
        gb = _matvec(_swap_last(a), g) if wants[1] else None
    elif va:  # (k,) @ (..., k, m) -> (..., m)
        ga = _matvec(b, g) if wants[0] else None
        gb = _insert_axis(a, -1) * _insert_axis(g, -2) if wants[1] else None
    else:
        ga = g @ _swap_last(b) if wants[0] else None
        gb = _swap_last(a) @ g if wants[1] else None
    return [ga, gb]


# ----------------------------------------------------------------------------- where
def _where_jvp(ts: Sequence[Value], xs: Sequence[Value], y: Value, attrs: dict) -> Value:
    _, ta, tb = ts
    if ta is None and tb is None:
        return None
    return expr.where(xs[0], 0.0 if ta is None else ta, 0.0 if tb is None else tb)


def _where_vjp(g: Value, xs: Sequence[Value], y: Value, attrs: dict, shapes: Any, wants: Any):
    c = xs[0]
    return [
        None,
        expr.where(c, g, 0.0) if wants[1] else None,
        expr.where(c, 0.0, g) if wants[2] else None,
    ]


# ----------------------------------------------------------------------------- precise rules
def _pow_base(a: Value, b: Value, y: Value) -> Value:
    """d a**b / d a = b a**(b-1), exactly 0 where a = b = 0 (where a**(b-1) is infinite):
    the unused branch sees a = 1, so no NaN reaches higher derivatives. Only that point is
    masked, so where b = 0 and a != 0 the rule still varies with b (d/db of it is 1/a). A
    constant non-zero exponent (x**2.0) takes the two-op form."""
    if not isinstance(b, Tracer) and np.all(np.asarray(b) != 0):
        return b * expr.power(a, np.asarray(b) - 1.0)  # the kernel: numpy scalars' ** differ
    both_zero = expr.eq(b, 0.0) * expr.eq(a, 0.0)
    return expr.where(both_zero, 0.0, b * expr.where(both_zero, 1.0, a) ** (b - 1.0))


def _pow_exponent(a: Value, b: Value, y: Value) -> Value:
    """d a**b / d b = a**b log a, 0 at a = 0 (the limit for b > 0); log sees 1 there."""
    zero = expr.eq(a, 0.0)
    return expr.where(zero, 0.0, y * expr.log(expr.where(zero, 1.0, a)))


def _times_sech_squared(seed: Value, x: Value, y: Value) -> Value:
    """seed tanh'(x) = seed sech(x)^2 = seed / cosh x / cosh x: a few ulps everywhere, tiny
    results included (1 - tanh(x)^2 loses every digit as |x| grows; cosh is exact to an
    ulp, and dividing twice neither overflows nor underflows early)."""
    c = expr.cosh(x)
    return seed / c / c


# ----------------------------------------------------------------------------- the table
def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(axes))


def _max_weight(x: Value, y_kept: Value, attrs: dict) -> Value:
    """Indicator of the maxima, divided by their number along the reduced axes."""
    hit = expr.eq(x, y_kept)
    return hit / expr.sum(hit, axis=attrs["axis"], keepdims=True)


_RULES: list[Rule] = [
    # arithmetic
    elementwise("add", 1, 1),
    elementwise("sub", 1, -1),
    elementwise("neg", -1),
    elementwise("mul", lambda a, b, y: b, lambda a, b, y: a, needs="ab"),
    elementwise("div", lambda a, b, y: 1.0 / b, lambda a, b, y: -y / b, needs="by"),
    elementwise("pow", _pow_base, _pow_exponent, needs="aby"),
    elementwise("square", lambda x, y: 2.0 * x, needs="a"),
    elementwise("reciprocal", lambda x, y: -(y * y), needs="y"),
    # smooth functions (the other elementwise ops get rules derived from SymPy, below)
    elementwise("sin", lambda x, y: expr.cos(x), needs="a"),
    elementwise("cos", lambda x, y: -expr.sin(x), needs="a"),
    elementwise("tan", lambda x, y: 1.0 + y * y, needs="y"),
    elementwise("exp", lambda x, y: y, needs="y"),
    elementwise("log", lambda x, y: 1.0 / x, needs="a"),
    elementwise("sqrt", lambda x, y: 0.5 / y, needs="y"),
    elementwise("tanh", Seeded(_times_sech_squared), needs="a"),
    elementwise("sigmoid", lambda x, y: y * expr.sigmoid(-x), needs="ay"),
    elementwise("softplus", lambda x, y: expr.sigmoid(x), needs="a"),
    # kinks: abs'(0) = relu'(0) = 0, ties split evenly
    elementwise("relu", lambda x, y: expr.gt(x, 0.0), needs="a"),
    elementwise("abs", lambda x, y: expr.sign(x), needs="a"),
    choice("maximum", lambda a, b: expr.step(a, b)),
    choice("minimum", lambda a, b: expr.step(b, a)),
    Rule("where", _where_jvp, _where_vjp, needs="a", kind="elementwise"),
    # piecewise constant ops (sign, floor, comparisons, ...) get derivative 0, below
    # reductions
    linear("sum", lambda g, shape, at: expr.broadcast_to(keep_dims(g, shape, at), shape)),
    linear(
        "mean",
        lambda g, shape, at: expr.broadcast_to(keep_dims(g, shape, at) / _count(shape, at), shape),
    ),
    weighted_reduction("max", _max_weight, needs="ay"),
    weighted_reduction("logsumexp", lambda x, y_kept, attrs: expr.exp(x - y_kept), needs="ay"),
    # linear algebra and structure
    Rule("matmul", _matmul_jvp, _matmul_vjp, needs="ab", kind="bilinear"),
    linear("transpose", lambda g, shape, at: expr.transpose(g, _inverse(at["axes"]))),
    linear("reshape", lambda g, shape, at: expr.reshape(g, shape)),
    linear("broadcast_to", lambda g, shape, at: g),  # the engine's sum_to reduces it
    linear("sum_to", lambda g, shape, at: expr.broadcast_to(g, shape)),
    linear("getitem", lambda g, shape, at: apply("scatter", g, index=at["index"], newshape=shape)),
    linear("scatter", lambda g, shape, at: apply("getitem", g, index=at["index"])),
]


def derived(name: str) -> Rule:
    """The rule of elementwise op `name` from its SymPy counterpart: partial i is
    `sympy.diff(op.sympy(a0, a1, ...), a_i)` brought back through `expr.from_sympy` and
    applied with the front end's ops (so it differentiates again). Piecewise-constant ops
    get derivative 0. A partial SymPy cannot write with known ops fails when it is needed."""
    op = expr.OPS[name]
    if op.piecewise_constant:
        return elementwise(name, *[None] * op.arity)
    symbols = sympy.symbols(f"a0:{op.arity}", real=True)
    value = op.sympy(*symbols)
    partials = [_partial(name, sympy.diff(value, s), symbols, i) for i, s in enumerate(symbols)]
    return elementwise(name, *partials, needs="abc"[: op.arity])


def _partial(name: str, d: sympy.Expr, symbols: Sequence[sympy.Symbol], i: int) -> Any:
    d = d.xreplace({delta: sympy.S.Zero for delta in d.atoms(sympy.DiracDelta)})
    try:
        f = expr.from_sympy(d, [s.name for s in symbols])
    except expr.ExprError as error:
        message = (
            f"op {name!r}: the derivative in argument {i} derived from its SymPy counterpart, "
            f"{d}, cannot be written with known ops ({error}); define the op with a "
            "counterpart SymPy differentiates"
        )

        def missing(*xs: Value) -> Value:
            raise MissingRuleError(message)

        return missing
    return lambda *xs: run(f, xs[: len(symbols)])


def run(f: expr.Function, xs: Sequence[Value]) -> Value:
    """The single output of `f` at `xs` through `expr.apply` (numbers compute, tracers
    record), broadcasting like the ops. O(nodes of f)."""
    values: list[Value] = [None] * f.graph.number_of_nodes()
    for node, x in zip(f.inputs, xs):
        values[node] = x
    for node, value in f.constants:
        values[node] = value
    nodes = f.graph.nodes
    for node, _, args, attrs in f.program:
        values[node] = apply(nodes[node]["op"], *[values[a] for a in args], **attrs)
    return values[f.outputs[0]]


class RuleTable(MutableMapping):
    """Rules by op name: the hand-written table, and for every other elementwise op of
    `expr.OPS` (user ops from `expr.define_op` included) the rule `derived` from SymPy,
    made on first use and cached."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules: dict[str, Rule] = {rule.name: rule for rule in rules}

    def _derivable(self, name: Any) -> bool:
        op = expr.OPS.get(name) if isinstance(name, str) else None
        return op is not None and op.kind == "elementwise" and op.sympy is not None

    def __getitem__(self, name: str) -> Rule:
        rule = self._rules.get(name)
        if rule is None:
            if not self._derivable(name):
                raise KeyError(name)
            rule = self._rules[name] = derived(name)
        return rule

    def __setitem__(self, name: str, rule: Rule) -> None:
        self._rules[name] = rule

    def __delitem__(self, name: str) -> None:
        del self._rules[name]

    def __iter__(self):
        names = dict.fromkeys(self._rules)
        names.update(dict.fromkeys(n for n in expr.OPS if self._derivable(n)))
        return iter(names)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        return name in self._rules or self._derivable(name)


#: The rule of every op, by op name (hand rules above; elementwise ops without one derived).
RULES = RuleTable(_RULES)


def rule_for(op: str) -> Rule:
    """The rule of `op`, or a `MissingRuleError` naming the op and the ops that have rules.

    >>> rule_for("exp").needs, rule_for("arctan").needs
    ('y', 'a')
    """
    try:
        return RULES[op]
    except KeyError:
        raise MissingRuleError(
            f"op {op!r} has no derivative rule; add one to autodiff/rules.py "
            f"(ops with rules: {', '.join(sorted(RULES))})"
        ) from None
