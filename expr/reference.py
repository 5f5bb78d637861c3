"""The ground truth: derivatives evaluated with mpmath at 50 digits, independent of autodiff.

Method: the graph is made scalar (tensor graphs element by element through SymPy); each
node's local partial derivatives come from `sympy.diff` of the op's SymPy counterpart
(constants substituted first); values and partials are evaluated with mpmath at `digits`
significant digits and chained backwards over the graph (reverse accumulation in exact-ish
arithmetic). Linear in the graph, so deep graphs work and SymPy never differentiates more
than one op at a time. Second derivatives differentiate that exact gradient by central
differences carried out at twice the precision (error far below 10**-digits).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy

from .errors import DomainError, InputError
from .graph import Function, as_input
from .ops import OPS


@lru_cache(maxsize=512)
def _local(op_name: str, consts: tuple[tuple[int, Any], ...]) -> tuple[Any, tuple]:
    """mpmath callables for the value and the partials of one op (constant args fixed)."""
    op = OPS[op_name]
    fixed = dict(consts)
    symbols = [sympy.Symbol(f"a{i}", real=True) for i in range(op.arity)]
    args = [fixed.get(i, s) for i, s in enumerate(symbols)]
    free = [s for i, s in enumerate(symbols) if i not in fixed]
    value = op.sympy(*args)
    partials = []
    for i, s in enumerate(symbols):
        if i in fixed:
            partials.append(None)
        elif op.piecewise_constant:
            partials.append(lambda *_: mpmath.mpf(0))
        else:
            partials.append(sympy.lambdify(free, sympy.diff(value, s), "mpmath"))
    return sympy.lambdify(free, value, "mpmath"), tuple(partials)


def _scalar_graph(f: Function) -> Function:
    """f itself when every node is a scalar, else the element-by-element scalar graph."""
    if all(f.shape(n) == () for n in f.graph.nodes):
        return f
    from .sympy_bridge import from_sympy, input_symbols, to_sympy

    symbols = input_symbols(f)
    flat_inputs = [s for group in symbols for s in np.asarray(group, dtype=object).ravel()]
    outs = to_sympy(f)
    outs = outs if isinstance(outs, tuple) else (outs,)
    flat_outputs = [e for out in outs for e in np.asarray(out, dtype=object).ravel()]
    return from_sympy(list(flat_outputs), flat_inputs, name=f.name)


def _const_exact(data: dict) -> Any:
    if "exact" in data:
        return data["exact"]
    return sympy.Float(float(np.real(data["value"])))


def _check(value: Any, g: Function, node: int) -> Any:
    if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value):
        raise DomainError(
            f"reference: {g.op(node)} at node {node} gives {value}, outside the real domain"
        )
    return value


def _sweep(g: Function, xs: Sequence[Any]) -> tuple[list, list]:
    """Node values and local partials in mpmath (current precision)."""
    nodes = g.graph.nodes
    values: list[Any] = [None] * g.graph.number_of_nodes()
    partials: list[Any] = [None] * len(values)
    for node, x in zip(g.inputs, xs):
        values[node] = x
    for node in g.order:
        data = nodes[node]
        if data["op"] == "const":
            values[node] = mpmath.mpf(sympy.N(_const_exact(data), mpmath.mp.dps + 5))
        elif data["op"] != "input":
            args = data["args"]
            consts = tuple(
                (i, _const_exact(nodes[a])) for i, a in enumerate(args) if nodes[a]["op"] == "const"
            )
            value_fn, partial_fns = _local(data["op"], consts)
            free = [values[a] for i, a in enumerate(args) if nodes[a]["op"] != "const"]
            try:
                values[node] = _check(value_fn(*free), g, node)
                partials[node] = [
                    None if p is None else _check(p(*free), g, node) for p in partial_fns
                ]
            except (ZeroDivisionError, ValueError) as error:
                raise DomainError(
                    f"reference: {data['op']} at node {node} is undefined here: {error}"
                ) from None
    return values, partials


def _gradient(g: Function, values: list, partials: list, output: int) -> list[Any]:
    adjoint = [mpmath.mpf(0)] * len(values)
    adjoint[output] = mpmath.mpf(1)
    nodes = g.graph.nodes
    for node in reversed(g.order):
        if partials[node] is None or not adjoint[node]:
            continue
        for arg, partial in zip(nodes[node]["args"], partials[node]):
            if partial is not None:
                adjoint[arg] += adjoint[node] * partial
    return [adjoint[i] for i in g.inputs]


def _prepare(f: Any, x: Any) -> tuple[Function, tuple, list[tuple]]:
    from .trace import as_function

    xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    f = as_function(f, *xs)
    if len(xs) != f.n_inputs:
        raise InputError(f"{f.name} takes {f.n_inputs} inputs, got {len(xs)}")
    arrays = [as_input(v, n) for v, n in zip(xs, f.input_names)]
    if any(np.iscomplexobj(a) for a in arrays):
        raise InputError("reference: inputs must be real")
    return f, tuple(arrays), [a.shape for a in arrays]


def _flat_mp(arrays: Sequence[np.ndarray]) -> list[Any]:
    return [mpmath.mpf(float(v)) for a in arrays for v in np.asarray(a, float).ravel()]


def reference_value(f: Any, x: Any, digits: int = 50) -> Any:
    """f(x) in mpmath at `digits` digits (an mpf, or an object array of them).

    >>> import expr
    >>> mpmath.nstr(expr.reference_value("exp(x)", 1.0, digits=20), 20)
    '2.7182818284590452354'
    """
    f, arrays, _ = _prepare(f, x)
    g = _scalar_graph(f)
    with mpmath.workdps(digits):
        values, _ = _sweep(g, _flat_mp(arrays))
        outs = [+values[o] for o in g.outputs]
    return outs[0] if len(outs) == 1 and f.output_shapes[0] == () else np.array(outs, object)


def reference(
    f: Any, x: Any, order: int = 1, digits: int = 50, exact: bool = False
) -> Any:
    """Exact derivative of `f` at `x` evaluated to `digits` digits with mpmath.

    order=1: the gradient (Jacobian) w.r.t. each input, shaped output shape + input shape;
    one array for a one-input function, else a tuple. order=2: the Hessian of a scalar
    output w.r.t. all inputs flattened and concatenated (N x N). `exact=True` returns
    mpmath numbers (object arrays) instead of float64. Cost: O(graph) mpmath ops per output
    (order 1), times 2N (order 2).

    >>> import expr
    >>> float(expr.reference("x1*x2 + sin(x1)", (2.0, 3.0))[0])
    2.5838531634528574
    """
    f, arrays, shapes = _prepare(f, x)
    g = _scalar_graph(f)
    out_size = sum(int(np.prod(s, dtype=np.int64)) for s in f.output_shapes)
    convert = (lambda v: v) if exact else float
    if order == 0:
        value = reference_value(f, arrays, digits)
        return value if exact else np.asarray(value, dtype=object).astype(float)[()]
    if order == 1:
        with mpmath.workdps(digits):
            values, partials = _sweep(g, _flat_mp(arrays))
            rows = [_gradient(g, values, partials, o) for o in g.outputs]
        jac = np.array([[convert(v) for v in row] for row in rows], dtype=object)
        if not exact:
            jac = jac.astype(float)
        out_shape = f.output_shapes[0] if len(f.outputs) == 1 else (out_size,)
        blocks, start = [], 0
        for shape in shapes:
            n = int(np.prod(shape, dtype=np.int64))
            blocks.append(jac[:, start : start + n].reshape(out_shape + shape))
            start += n
        return blocks[0] if len(blocks) == 1 else tuple(blocks)
    if order == 2:
        if out_size != 1:
            raise InputError("reference(order=2) needs a scalar-valued function")
        point = _flat_mp(arrays)
        with mpmath.workdps(2 * digits + 10):
            h = mpmath.mpf(10) ** (-(digits // 2 + 8))
            columns = []
            for j in range(len(point)):
                grads = []
                for sign in (1, -1):
                    shifted = list(point)
                    shifted[j] += sign * h * max(1, abs(point[j]))
                    values, partials = _sweep(g, shifted)
                    grads.append(_gradient(g, values, partials, g.outputs[0]))
                step = 2 * h * max(1, abs(point[j]))
                columns.append([(a - b) / step for a, b in zip(*grads)])
        with mpmath.workdps(digits):
            hess = np.array([[convert(+c[i]) for c in columns] for i in range(len(point))], object)
        return hess if exact else hess.astype(float)
    raise InputError(f"reference: order must be 0, 1 or 2, got {order!r}")
