"""Hypothesis strategies: random expressions over every op of the table, inputs in domain.

An expression is built op by op from a pool of values of shapes (), (3,) and (2, 3) (all
mutually broadcastable). The elementwise ops come from the table: an op that is not `tame`
(a restricted domain, or fast growth) gets its arguments through a guard mapping the real
line into its domain (`guard`: log(1.5 + 1.35 tanh(a)), arcsin(0.9 tanh(a)), ...), so
every drawn point is inside every op's domain and values stay bounded at depth 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

import expr

SHAPES = [(), (3,), (2, 3)]

#: Points are drawn inside each op's domain intersected with this interval.
BOX = (-3.0, 3.0)


def sampling_interval(interval: tuple[float, float]) -> tuple[float, float]:
    """An op's domain interval cut to `BOX`, with 5% margins (closed, for uniform draws)."""
    lo, hi = max(interval[0], BOX[0]), min(interval[1], BOX[1])
    margin = 0.05 * (hi - lo)
    return lo + margin, hi - margin


def domain_point(op: expr.Op, rng: np.random.Generator) -> list[float]:
    """One random argument list inside `op.domain` (see `sampling_interval`)."""
    return [float(rng.uniform(*sampling_interval(d))) for d in op.domain]


def sampled_ops(kind: str = "elementwise") -> list[str]:
    """Ops of the table of that kind whose domain tests can draw from."""
    return [n for n, op in expr.OPS.items() if op.kind == kind and op.domain is not None]


def _reshape_t(a: Any) -> Any:
    return expr.reshape(expr.transpose(a), (2, 3))


def guard(interval: tuple[float, float]) -> Any:
    """v -> mid + half tanh(v): the real line onto the op's `sampling_interval`."""
    low, high = sampling_interval(interval)
    mid, half = (low + high) / 2, (high - low) / 2
    return lambda v: mid + half * expr.tanh(v)


def tame(op: expr.Op) -> bool:
    """Whether the op's domain is the whole real line and it maps [-10, 10]^arity into
    |out| <= sum |args| + 2 (slow growth): such ops take their arguments unguarded."""
    if any(d != (-np.inf, np.inf) for d in op.domain):
        return False
    grid = np.meshgrid(*[np.linspace(-10.0, 10.0, 41)] * op.arity)
    with np.errstate(all="ignore"):
        out = np.asarray(op.kernel(*grid), dtype=float)
    bound = sum(np.abs(g) for g in grid) + 2.0
    return bool(np.all(np.isfinite(out)) and np.all(np.abs(out) <= bound))


#: The builtin elementwise ops the strategy draws (every one with a domain; `where` and the
#: `polygamma` of integer order are built specially), with whether each is tame.
ELEMENTWISE = {
    name: tame(expr.OPS[name])
    for name, op in expr.OPS.items()
    if op.kind == "elementwise" and op.builtin and op.domain is not None and name != "where"
}


def _apply_elementwise(name: str, args: list[Any]) -> Any:
    op = expr.OPS[name]
    if not ELEMENTWISE[name]:
        args = [guard(d)(v) for d, v in zip(op.domain, args)]
    return expr.apply(name, *args)


#: Distance of an op's arguments from its kink or jump, elementwise (floats).
KINKS = {
    **dict.fromkeys(
        ["abs", "relu", "sign", "heaviside", "elu", "leaky_relu"], lambda a, *_: np.abs(a)
    ),
    **dict.fromkeys(
        ["maximum", "minimum", "gt", "ge", "lt", "le", "eq", "ne", "step"],
        lambda a, b: np.abs(a - b),
    ),
    **dict.fromkeys(["floor", "ceil"], lambda a: np.abs(a - np.round(a))),
    "rint": lambda a: np.abs(np.abs(a - np.floor(a)) - 0.5),
    **dict.fromkeys(["mod", "floordiv"], lambda a, b: np.abs(a / b - np.round(a / b)) * np.abs(b)),
}


@dataclass
class RandomExpression:
    """A random Function, a point inside its domain, and the ops it contains."""

    function: expr.Function
    inputs: tuple
    ops: tuple[str, ...]

    def __repr__(self) -> str:
        return f"RandomExpression(ops={self.ops}, shapes={self.function.input_shapes})"


def _structural(name: str, a: Any, shape: tuple) -> tuple[Any, tuple] | None:
    """Apply a shape-changing op to a value of `shape`, landing in SHAPES (or None)."""
    if name == "sum" and shape:
        return (expr.sum(a, axis=0), shape[1:]) if len(shape) == 2 else (expr.sum(a), ())
    if name == "mean" and shape:
        return (expr.mean(a, axis=0), shape[1:]) if len(shape) == 2 else (expr.mean(a), ())
    if name == "max" and shape:
        return (expr.max(a, axis=0), shape[1:]) if len(shape) == 2 else (expr.max(a), ())
    if name == "logsumexp" and shape:
        return (expr.logsumexp(a, axis=0), (3,)) if len(shape) == 2 else (expr.logsumexp(a), ())
    if name in ("transpose", "reshape") and shape == (2, 3):
        return _reshape_t(a), (2, 3)
    if name == "broadcast_to" and shape != (2, 3):
        target = (3,) if shape == () else (2, 3)
        return expr.broadcast_to(a, target), target
    if name == "sum_to" and shape:
        target = (3,) if shape == (2, 3) else ()
        return expr.sum_to(a, target), target
    if name == "getitem" and shape:
        return (a[1], shape[1:]) if len(shape) == 2 else (a[::-1], shape)
    if name == "scatter" and shape == (3,):
        return expr.apply("scatter", a, index=(1,), newshape=(2, 3)), (2, 3)
    if name == "scatter" and shape == ():
        return expr.apply("scatter", a, index=(1,), newshape=(3,)), (3,)
    if name == "matmul" and shape in ((3,), (2, 3)):
        weights = np.array([[0.5, -1.0, 0.25], [0.1, 0.3, -0.7], [1.0, 0.2, 0.4]])
        return a @ weights, shape
    return None


STRUCTURAL = [
    "sum",
    "mean",
    "max",
    "logsumexp",
    "transpose",
    "reshape",
    "broadcast_to",
    "sum_to",
    "getitem",
    "scatter",
    "matmul",
]
ALL_NAMES = [*ELEMENTWISE, "where", "polygamma", *STRUCTURAL]


@st.composite
def expressions(
    draw: Any,
    max_ops: int = 6,
    scalar: bool = False,
    max_inputs: int = 3,
    keep_shape: bool = False,
) -> RandomExpression:
    """A random expression of up to `max_ops` ops (depth <= max_ops) and its inputs.

    The output is summed to a scalar unless `keep_shape` (then it has the shape of the last
    value built: (), (3,) or (2, 3), for Jacobian checks)."""
    n_inputs = draw(st.integers(1, max_inputs))
    shapes = [() if scalar else draw(st.sampled_from(SHAPES)) for _ in range(n_inputs)]
    names = [f"x{i}" for i in range(n_inputs)]
    plan = draw(
        st.lists(
            st.tuples(
                st.one_of(  # structural ops as often as elementwise ones (they are fewer)
                    st.sampled_from([n for n in ALL_NAMES if n not in STRUCTURAL]),
                    st.sampled_from(STRUCTURAL if not scalar else ["matmul"]),
                ),
                st.integers(0, 10**6),
                st.integers(0, 10**6),
            ),
            min_size=1,
            max_size=max_ops,
        )
    )
    point = tuple(
        draw(st.lists(st.floats(-1.5, 1.5), min_size=int(np.prod(s)), max_size=int(np.prod(s))))
        for s in shapes
    )
    inputs = tuple(
        np.array(v, dtype=float).reshape(s) if s else float(v[0]) for v, s in zip(point, shapes)
    )
    used: list[str] = []

    def build(*xs: Any) -> Any:
        pool = [(x, s) for x, s in zip(xs, shapes)]
        for name, i, j in plan:
            a, sa = pool[i % len(pool)]
            b, sb = pool[j % len(pool)]
            if name in STRUCTURAL:
                out = _structural(name, a, sa)
                if out is None:
                    continue
                pool.append(out)
            elif name == "where":
                pool.append((expr.where(expr.gt(a, b), a, b * 0.5), _broadcast(sa, sb)))
            elif name == "polygamma":
                order = float(i % 3)
                pool.append((expr.polygamma(order, 0.5 + 2.0 * expr.sigmoid(a)), sa))
            elif expr.OPS[name].arity == 2:
                if a is b and name in KINKS:
                    b = b * 0.5 + 0.25
                pool.append((_apply_elementwise(name, [a, b]), _broadcast(sa, sb)))
            else:
                pool.append((_apply_elementwise(name, [a]), sa))
            used.append(name)
        total = pool[-1][0]
        for x, _ in pool[:n_inputs]:
            total = total + 0.0 * expr.sum(x)
        return expr.sum(total) if pool[-1][1] and not keep_shape else total

    function = expr.trace(build, *inputs, names=names)
    return RandomExpression(function, inputs, tuple(used))


def _broadcast(a: tuple, b: tuple) -> tuple:
    return tuple(np.broadcast_shapes(a, b))
