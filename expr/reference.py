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

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np

from . import checks, reference_tensor
from .convert import as_function
from .errors import DomainError, InputError
from .graph import Function, as_input
from .lazy import LazyModule
from .ops import OPS
from .tracer import reassert_guards

sympy = LazyModule("sympy")  # loaded on the first reference computation


@lru_cache(maxsize=512)
def _local(op_name: str, consts: tuple[tuple[int, Any], ...]) -> tuple[Any, tuple]:
    """mpmath callables for the value and the partials of one op (constant args fixed);
    each carries `direct`: whether it is one mpmath operation on its arguments (so exact to
    the working precision; others are checked for cancellation by `_apply`)."""
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
            partials.append(_compiled(free, sympy.S.Zero))
        else:
            partials.append(_compiled(free, sympy.diff(value, s)))
    return _compiled(free, value), tuple(partials)


def _compiled(free: list, expression: sympy.Expr) -> Any:
    fn = sympy.lambdify(free, expression, "mpmath")
    fn.direct = _direct(expression)
    return fn


def _direct(e: sympy.Basic) -> bool:
    """Sums only of atoms, products, quotients and powers, and functions only of atoms:
    mpmath rounds each such operation correctly, so no digits cancel."""
    if e.is_Atom:
        return True
    if e.is_Add:
        return all(a.is_Atom for a in e.args)
    if e.is_Mul or e.is_Pow:
        return all(_direct(a) for a in e.args)
    if isinstance(e, sympy.core.function.Application) and not e.is_Piecewise:
        return all(a.is_Atom for a in e.args)
    return False


def _const_exact(data: dict) -> Any:
    if "exact" in data:
        return data["exact"]
    return sympy.Float(float(np.real(data["value"])))


def _check(value: Any, f: Function, node: int) -> Any:
    bad = [
        v
        for v in np.asarray(value, dtype=object).ravel()
        if isinstance(v, mpmath.mpc) or not mpmath.isfinite(v)
    ]
    if bad:
        raise DomainError(
            f"reference: {f.op(node)} at node {node} gives {bad[0]}, outside the real domain"
        )
    return value


_mp = np.frompyfunc(mpmath.mpf, 1, 1)


def _mp_array(value: Any) -> Any:
    array = np.asarray(value)
    return _mp(array.astype(float)) if array.ndim else mpmath.mpf(float(array))


def _scalar_const(nodes: Any, node: int) -> bool:
    return nodes[node]["op"] == "const" and np.ndim(nodes[node]["value"]) == 0


def _mp_const(record: dict) -> Any:
    """A constant node's value in mpmath at the working precision (+5 digits)."""
    if np.ndim(record["value"]) == 0:
        return mpmath.mpf(sympy.N(_const_exact(record), mpmath.mp.dps + 5))
    return _mp_array(np.real(record["value"]))


def _sweep(f: Function, xs: Sequence[Any]) -> tuple[list, list]:
    """Node values and, for elementwise ops, local partials, in mpmath (current precision).

    Values are mpf numbers, or numpy object arrays of them for tensor nodes. Partials are
    None for an argument that is a scalar constant (it is substituted before SymPy
    differentiates the op)."""
    partials: list[Any] = [None] * f.n_nodes
    step = _ValueStep(f, partials)
    return f.run(f.start_values(xs, _mp_const), step), partials


class _ValueStep:
    """The step of `Function.run` for the reference: each op's value in mpmath (elementwise
    ops through SymPy's counterpart, with their local partials into `partials`), checked
    for leaving the real domain."""

    def __init__(self, f: Function, partials: list) -> None:
        self.f, self.nodes, self.partials = f, f.records, partials

    def __call__(self, entry: tuple, xs: list) -> Any:
        node, _, args, attrs = entry
        name = self.nodes[node]["op"]
        try:
            value = self._value(node, name, args, attrs, xs)
        except (ZeroDivisionError, ValueError) as error:
            raise DomainError(
                f"reference: {name} at node {node} is undefined here: {error}"
            ) from None
        _check(value, self.f, node)
        for p in self.partials[node] or ():
            if p is not None:
                _check(p, self.f, node)
        return value

    def _value(self, node: int, name: str, args: tuple, attrs: dict, xs: list) -> Any:
        op = OPS[name]
        if op.kind == "elementwise":
            nodes = self.nodes
            consts = tuple(
                (i, _const_exact(nodes[a])) for i, a in enumerate(args) if _scalar_const(nodes, a)
            )
            value_fn, partial_fns = _local(name, consts)
            free = [x for x, a in zip(xs, args) if not _scalar_const(nodes, a)]
            arity = len(free)
            self.partials[node] = [
                None if p is None else _apply(p, arity, free) for p in partial_fns
            ]
            return _apply(value_fn, arity, free)
        if name == "logsumexp":
            return _mp_logsumexp(xs[0], **attrs)
        return op.kernel(*xs, **attrs)


def _apply(fn: Any, arity: int, args: list[Any]) -> Any:
    """fn at args, with its own digits checked, so a partial that cancels (1 - tanh(a)^2 at
    a = 100) is still exact to the digits asked. It is evaluated with 0.87 |a| extra digits
    (what e^(2|a|) saturation can cancel), then at twice that precision (and again, up to
    `MAX_DPS`) until two evaluations agree to the working precision."""
    if getattr(fn, "direct", False):
        return _once(fn, arity, args)
    dps = mpmath.mp.dps
    size = max((abs(v) for a in args for v in np.ravel(np.asarray(a, dtype=object))), default=0)
    start = dps + 10 + int(0.87 * min(float(size), float(MAX_DPS)))
    start = min(start, MAX_DPS // 2)
    with mpmath.workdps(start):
        value = _once(fn, arity, args)
    higher = 2 * start
    while higher <= MAX_DPS:
        with mpmath.workdps(higher):
            better = _once(fn, arity, args)
        if _agree(value, better, dps):
            return _rounded(better)
        value, higher = better, 2 * higher
    raise DomainError(
        f"reference: a local derivative keeps cancelling at {MAX_DPS} digits; it is too "
        "ill-conditioned here for the reference"
    )


#: Most digits `_apply` raises the precision to when a local evaluation cancels.
MAX_DPS = 1600


def _once(fn: Any, arity: int, args: list[Any]) -> Any:
    if all(not isinstance(a, np.ndarray) for a in args):
        return fn(*args)
    return np.frompyfunc(fn, arity, 1)(*args) if arity else fn()


def _agree(a: Any, b: Any, dps: int) -> bool:
    tolerance = mpmath.mpf(10) ** (-dps + 3)
    for u, v in zip(np.ravel(np.asarray(a, dtype=object)), np.ravel(np.asarray(b, dtype=object))):
        if isinstance(u, (mpmath.mpf, mpmath.mpc)) or isinstance(v, (mpmath.mpf, mpmath.mpc)):
            if not (mpmath.isfinite(u) and mpmath.isfinite(v)):
                if not (u == v or (mpmath.isnan(u) and mpmath.isnan(v))):
                    return False
                continue
            if abs(u - v) > tolerance * max(abs(u), abs(v)):
                return False
    return True


def _rounded(value: Any) -> Any:
    """value at the working precision (unary plus rounds an mpf to mp.prec)."""
    if isinstance(value, np.ndarray):
        return np.frompyfunc(lambda v: +v if isinstance(v, mpmath.mpf) else v, 1, 1)(value)
    return +value if isinstance(value, (mpmath.mpf, mpmath.mpc)) else value


def _mp_logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    total = np.sum(np.frompyfunc(mpmath.exp, 1, 1)(x), axis=axis, keepdims=keepdims)
    return np.frompyfunc(mpmath.log, 1, 1)(total)


def _reverse_rows(f: Function, values: list, partials: list) -> list[list[Any]]:
    """d output / d inputs for a graph of scalars: one reverse sweep per output. O(nodes)."""
    nodes = f.records
    rows = []
    for output in f.outputs:
        adjoint = [mpmath.mpf(0)] * len(values)
        adjoint[output] = mpmath.mpf(1)
        for node in reversed(f.order):
            if partials[node] is None or not adjoint[node]:
                continue
            for arg, partial in zip(nodes[node]["args"], partials[node]):
                if partial is not None:
                    adjoint[arg] += adjoint[node] * partial
        rows.append([adjoint[i] for i in f.inputs])
    return rows


def _tangent(f: Function, node: int, values: list, partials: list, ts: list) -> Any:
    """Forward-mode tangent of one node from its arguments' tangents `ts` (None: zero).

    Elementwise ops use SymPy's local partials; every other op is linear in its argument
    except matmul (bilinear), max (the mask of maxima, ties split) and logsumexp (softmax)."""
    data = f.records[node]
    args, attrs, name = data["args"], data["attrs"], data["op"]
    if all(t is None for t in ts):
        return None
    if OPS[name].kind == "elementwise":
        terms = [p * t for p, t in zip(partials[node], ts) if p is not None and t is not None]
        return sum(terms[1:], terms[0]) if terms else None
    if name == "matmul":
        a, b = (values[x] for x in args)
        terms = [
            np.matmul(ts[0], b) if ts[0] is not None else None,
            np.matmul(a, ts[1]) if ts[1] is not None else None,
        ]
        terms = [t for t in terms if t is not None]
        return sum(terms[1:], terms[0])
    x, t = values[args[0]], ts[0]
    if name == "max":
        top = np.max(x, axis=attrs["axis"], keepdims=True)
        mask = np.frompyfunc(lambda a, b: 1 if a == b else 0, 2, 1)(x, top)
        count = np.sum(mask, axis=attrs["axis"], keepdims=True)
        return np.sum(mask * t / count, **attrs)
    if name == "logsumexp":
        top = _mp_logsumexp(x, attrs["axis"], keepdims=True)
        weights = np.frompyfunc(mpmath.exp, 1, 1)(x - top)
        return np.sum(weights * t, **attrs)
    return OPS[name].kernel(t, **attrs)


def _forward_rows(f: Function, values: list, partials: list) -> list[list[Any]]:
    """d outputs / d inputs for tensor graphs: one forward sweep per input element."""
    columns = []
    for node in f.inputs:
        shape = np.shape(values[node])
        for index in np.ndindex(*shape):
            tangents: list[Any] = [None] * len(values)
            seed = np.zeros(shape, dtype=object)
            seed[index] = mpmath.mpf(1)
            tangents[node] = seed if shape else mpmath.mpf(1)
            f.run(tangents, lambda entry, ts: _tangent(f, entry[0], values, partials, ts))
            column = []
            for out in f.outputs:
                t = tangents[out]
                size = int(np.prod(f.shape(out), dtype=np.int64))
                column.extend(
                    [mpmath.mpf(0)] * size
                    if t is None
                    else list(np.asarray(t, dtype=object).ravel())
                )
            columns.append(column)
    return [list(row) for row in zip(*columns)]


def _rows(f: Function, point: list[Any]) -> list[list[Any]]:
    values, partials = _sweep(f, point)
    scalar = all(f.shape(n) == () for n in range(f.n_nodes))
    elementwise = all(OPS[f.op(n)].kind == "elementwise" for n, *_ in f.program)
    if scalar and elementwise:
        return _reverse_rows(f, values, partials)
    outputs = sum(math.prod(f.shape(n)) for n in f.outputs)
    inputs = sum(math.prod(f.shape(n)) for n in f.inputs)
    if outputs <= inputs and reference_tensor.supports(f):
        return reference_tensor.reverse_rows(f, values, partials)
    return _forward_rows(f, values, partials)


def _prepare(f: Any, x: Any) -> tuple[Function, tuple, list[tuple]]:
    xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    f = as_function(f, *xs)
    if len(xs) != f.n_inputs:
        raise InputError(f"{f.name} takes {f.n_inputs} inputs, got {len(xs)}")
    arrays = [as_input(v, n) for v, n in zip(xs, f.input_names)]
    if any(np.iscomplexobj(a) for a in arrays):
        raise InputError("reference: inputs must be real")
    reassert_guards(f, arrays)  # a traced branch that does not hold here is a TraceError
    return f, tuple(arrays), [a.shape for a in arrays]


#: Fewest and most digits `reference` works at (below 15 it would be coarser than float64).
MIN_DIGITS, MAX_DIGITS = 15, 1000


def _check_digits(digits: Any) -> int:
    return checks.integer(digits, "reference: digits", minimum=MIN_DIGITS, maximum=MAX_DIGITS)


def _mp_point(arrays: Sequence[np.ndarray]) -> list[Any]:
    return [_mp_array(a) for a in arrays]


def reference_value(f: Any, x: Any, digits: int = 50) -> Any:
    """f(x) in mpmath at `digits` digits (an mpf, or an object array of them).

    >>> import expr
    >>> mpmath.nstr(expr.reference_value("exp(x)", 1.0, digits=20), 20)
    '2.7182818284590452354'
    """
    digits = _check_digits(digits)
    f, arrays, _ = _prepare(f, x)
    with mpmath.workdps(digits):
        values, _ = _sweep(f, _mp_point(arrays))
        outs = tuple(values[o] for o in f.outputs)
    return outs[0] if f.single_output else outs


def reference(f: Any, x: Any, order: int = 1, digits: int = 50, exact: bool = False) -> Any:
    """Exact derivative of `f` at `x` evaluated to `digits` digits with mpmath.

    order=1: the gradient (Jacobian) w.r.t. each input, shaped output shape + input shape;
    one array for a one-input function, else a tuple. order=2: the Hessian of a scalar
    output w.r.t. all inputs flattened and concatenated (N x N). `exact=True` returns
    mpmath numbers (object arrays) instead of float64. Cost: O(graph) mpmath ops per output
    for graphs of scalars, per input element for tensor graphs; order 2 costs 2N times that.

    >>> import expr
    >>> float(expr.reference("x1*x2 + sin(x1)", (2.0, 3.0))[0])
    2.5838531634528574
    """
    digits = _check_digits(digits)
    if isinstance(order, bool) or order not in (0, 1, 2):
        raise InputError(f"reference: order must be 0, 1 or 2, got {order!r}")
    f, arrays, shapes = _prepare(f, x)
    if order == 0:
        value = reference_value(f, arrays, digits)
        return value if exact else np.asarray(value, dtype=object).astype(float)[()]
    if order == 1:
        with mpmath.workdps(digits):
            rows = _rows(f, _mp_point(arrays))
        jac = np.array(rows, dtype=object)
        if not exact:
            jac = jac.astype(float)
        out_shape = f.output_shapes[0] if len(f.outputs) == 1 else (len(rows),)
        blocks, start = [], 0
        for shape in shapes:
            n = int(np.prod(shape, dtype=np.int64))
            blocks.append(jac[:, start : start + n].reshape(out_shape + shape))
            start += n
        return blocks[0] if len(blocks) == 1 else tuple(blocks)
    if order == 2:
        if sum(int(np.prod(s, dtype=np.int64)) for s in f.output_shapes) != 1:
            raise InputError("reference(order=2) needs a scalar-valued function")
        with mpmath.workdps(2 * digits + 10):
            point = _mp_point(arrays)
            h = mpmath.mpf(10) ** (-(digits // 2 + 8))
            columns = []
            for position, shape in enumerate(shapes):
                for index in np.ndindex(*shape):
                    base = point[position][index] if shape else point[position]
                    step = h * max(1, abs(base))
                    grads = []
                    for sign in (1, -1):
                        shifted = [np.array(p, dtype=object) if np.ndim(p) else p for p in point]
                        if shape:
                            shifted[position][index] = base + sign * step
                        else:
                            shifted[position] = base + sign * step
                        grads.append(_rows(f, shifted)[0])
                    columns.append([(a - b) / (2 * step) for a, b in zip(*grads)])
        with mpmath.workdps(digits):
            hess = np.array([[+c[i] for c in columns] for i in range(len(columns))], object)
        return hess if exact else hess.astype(float)
    raise InputError(f"reference: order must be 0, 1 or 2, got {order!r}")
