"""Reverse accumulation for the reference on tensor graphs, in mpmath object arrays.

Elementwise ops use their SymPy-derived local partials (from `expr.reference`); every other
op is pulled back by its plain numpy identity (the transpose of a linear op, the weights of
max and logsumexp, the two products of matmul). One sweep per output element, so a sum
over 10**5 inputs is one O(graph) sweep instead of 10**5 forward sweeps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from .functions import _count
from .graph import Function
from .ops import OPS, _getitem, _scatter, _sum_to

Pullback = Callable[[Any, list, Any, dict, list], list]


def _zero(shape: tuple) -> Any:
    return np.full(shape, mpmath.mpf(0), dtype=object) if shape else mpmath.mpf(0)


def _kept(g: Any, shape: tuple, attrs: dict) -> Any:
    """A reduction's cotangent with the reduced axes as size 1 (broadcasts on the input)."""
    axis = attrs.get("axis")
    axes = range(len(shape)) if axis is None else axis
    if attrs.get("keepdims"):
        return np.asarray(g, dtype=object)
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return np.asarray(g, dtype=object).reshape(kept)


def _spread(g: Any, shape: tuple) -> Any:
    return np.array(np.broadcast_to(g, shape), dtype=object)


def _max_weights(x: Any, attrs: dict) -> Any:
    top = np.max(x, axis=attrs["axis"], keepdims=True)
    hit = np.frompyfunc(lambda a, b: mpmath.mpf(1) if a == b else mpmath.mpf(0), 2, 1)(x, top)
    return hit / np.sum(hit, axis=attrs["axis"], keepdims=True)


def _softmax_weights(x: Any, y: Any, attrs: dict) -> Any:
    return np.frompyfunc(mpmath.exp, 1, 1)(x - _kept(y, np.shape(x), attrs))


def _swap(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)


def _matmul(g: Any, xs: list, shapes: list) -> list:
    a, b = (np.asarray(x, dtype=object) for x in xs)
    g = np.asarray(g, dtype=object)
    if a.ndim == 1 and b.ndim == 1:
        return [g[()] * b, g[()] * a]
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = g2[..., None, :]
    if b.ndim == 1:
        g2 = g2[..., None]
    ga = np.matmul(g2, _swap(b2))
    gb = np.matmul(_swap(a2), g2)
    ga = ga[..., 0, :] if a.ndim == 1 else ga
    gb = gb[..., 0] if b.ndim == 1 else gb
    return [_sum_to(ga, shapes[0]), _sum_to(gb, shapes[1])]


#: name -> pullback(g, argument values, output value, attrs, argument shapes) -> cotangents
PULLBACKS: dict[str, Pullback] = {
    "sum": lambda g, xs, y, at, s: [_spread(_kept(g, s[0], at), s[0])],
    "mean": lambda g, xs, y, at, s: [
        _spread(_kept(g, s[0], at), s[0]) / _count(s[0], at.get("axis"))
    ],
    "max": lambda g, xs, y, at, s: [_kept(g, s[0], at) * _max_weights(xs[0], at)],
    "logsumexp": lambda g, xs, y, at, s: [_kept(g, s[0], at) * _softmax_weights(xs[0], y, at)],
    "transpose": lambda g, xs, y, at, s: [np.transpose(g, np.argsort(at["axes"]))],
    "reshape": lambda g, xs, y, at, s: [np.reshape(g, s[0])],
    "broadcast_to": lambda g, xs, y, at, s: [_sum_to(g, s[0])],
    "sum_to": lambda g, xs, y, at, s: [_spread(g, s[0])],
    "getitem": lambda g, xs, y, at, s: [_scatter(np.asarray(g, dtype=object), at["index"], s[0])],
    "scatter": lambda g, xs, y, at, s: [_getitem(g, at["index"])],
    "matmul": lambda g, xs, y, at, s: _matmul(g, xs, s),
}


def supports(f: Function) -> bool:
    """Whether every op of f is elementwise or has a pullback here."""
    return all(OPS[f.op(n)].kind == "elementwise" or f.op(n) in PULLBACKS for n, *_ in f.program)


def _pull(f: Function, node: int, g: Any, values: list, partials: list) -> list:
    data = f.records[node]
    args = data["args"]
    shapes = [f.shape(a) for a in args]
    if OPS[data["op"]].kind == "elementwise":
        out = []
        for partial, shape in zip(partials[node], shapes):
            out.append(None if partial is None else _sum_to(g * partial, shape))
        return out
    xs = [values[a] for a in args]
    return PULLBACKS[data["op"]](g, xs, values[node], data["attrs"], shapes)


def reverse_rows(f: Function, values: list, partials: list) -> list[list[Any]]:
    """d outputs / d inputs (rows: output elements; columns: input elements, flattened in
    order), one reverse sweep per output element. O(output size x graph)."""
    nodes = f.records
    rows = []
    for output in f.outputs:
        shape = f.shape(output)
        for index in np.ndindex(*shape):
            adjoint: list[Any] = [None] * len(values)
            seed = _zero(shape)
            if shape:
                seed[index] = mpmath.mpf(1)
            else:
                seed = mpmath.mpf(1)
            adjoint[output] = seed
            for node in reversed(f.order):
                g = adjoint[node]
                if g is None or nodes[node]["op"] in ("input", "const"):
                    continue
                for arg, cotangent in zip(nodes[node]["args"], _pull(f, node, g, values, partials)):
                    if cotangent is None or nodes[arg]["op"] == "const":
                        continue
                    adjoint[arg] = cotangent if adjoint[arg] is None else adjoint[arg] + cotangent
            row = []
            for node in f.inputs:
                g = adjoint[node]
                size = int(np.prod(f.shape(node), dtype=np.int64))
                row.extend([mpmath.mpf(0)] * size if g is None else np.ravel(np.asarray(g, object)))
            rows.append(row)
    return rows
