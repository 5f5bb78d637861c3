"""SymPy out: a Function as SymPy expressions (`Function.to_sympy`).

The graph is walked once by `Function.run`, each op applied to SymPy arguments through its
SymPy counterpart (`Op.sympy`, or `Op.symbolic` element by element for tensors). This
module takes the Function it is given and imports no graph code, so `expr.graph` may load
it when `to_sympy` is first called (SymPy is heavy) without an import circle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from .deep import check_depth, deep
from .ops import OPS


def sympy_const(value: Any, exact: Any = None) -> Any:
    """A constant as SymPy: `exact` when known, an Integer when integral, else a Float
    (an object array of them for a tensor constant).

    >>> sympy_const(2.0), sympy_const(0.5)
    (2, 0.500000000000000)
    """
    if exact is not None:
        return exact
    array = np.asarray(value)

    def one(v: float) -> sympy.Expr:
        v = complex(v)
        if v.imag:
            return sympy.Float(v.real) + sympy.I * sympy.Float(v.imag)
        return sympy.Integer(int(v.real)) if float(v.real).is_integer() else sympy.Float(v.real)

    if array.ndim == 0:
        return one(array.item())
    return np.vectorize(one, otypes=[object])(array)


def input_symbols(f: Any) -> list[Any]:
    """Real SymPy symbols for each input of Function `f`: a Symbol, or an object array of
    `name_i_j` for a tensor input.

    >>> import expr
    >>> input_symbols(expr.parse("x + y"))
    [x, y]
    """
    out = []
    for name, shape in zip(f.input_names, f.input_shapes):
        if shape == ():
            out.append(sympy.Symbol(name, real=True))
            continue
        flat = [
            sympy.Symbol(f"{name}_" + "_".join(map(str, idx)), real=True)
            for idx in np.ndindex(*shape)
        ]
        out.append(np.array(flat, dtype=object).reshape(shape))
    return out


def _constant(record: dict) -> Any:
    return sympy_const(record["value"], record.get("exact"))


@deep
def to_sympy(f: Any, symbols: dict[str, Any] | None = None) -> Any:
    """SymPy form of Function `f` (see `Function.to_sympy`): `symbols` maps input names to
    SymPy values to use instead of the inputs' own symbols. O(nodes) SymPy constructions,
    on a big stack (`expr.deep`); deeper than `MAX_SYMPY_DEPTH` ops is refused.

    >>> import expr
    >>> to_sympy(expr.parse("x*y + sin(x)"))
    x*y + sin(x)
    """
    check_depth(f, "to_sympy")
    given = symbols or {}
    inputs = [given.get(n, s) for n, s in zip(f.input_names, input_symbols(f))]
    records = f.records

    def step(entry: tuple, args: list[Any]) -> Any:
        op = OPS[records[entry[0]]["op"]]
        if op.sympy is not None and all(not isinstance(a, np.ndarray) for a in args):
            return op.sympy(*args)
        return op.symbolic(*args, **entry[3])

    values = f.run(f.start_values(inputs, _constant), step)
    outs = []
    for node in f.outputs:
        value = values[node]
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        outs.append(value)
    return outs[0] if f.single_output else tuple(outs)
