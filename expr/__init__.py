"""expr: the shared front end — ops table, tracer, parser, the graph IR, catalog, reference.

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> print(f(2.0, 3.0))
6.909297426825682
"""

import importlib
import importlib.util

from . import catalog
from .errors import (
    DomainError,
    ExprError,
    InputError,
    ParseError,
    ShapeError,
    TraceError,
    TracerBoolError,
    UnknownNameError,
)
from .functions import (
    abs,
    absolute,
    add,
    amax,
    broadcast_to,
    cos,
    divide,
    dot,
    eq,
    exp,
    ge,
    greater,
    greater_equal,
    gt,
    le,
    less,
    less_equal,
    log,
    logsumexp,
    lt,
    matmul,
    max,
    maximum,
    mean,
    minimum,
    multiply,
    negative,
    power,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    square,
    step,
    subtract,
    sum,
    sum_to,
    tan,
    tanh,
    transpose,
    where,
)
from .graph import Function
from .ops import OPS, Op
from .reference import reference, reference_value
from .trace import as_function, trace
from .tracer import Tracer, apply

__version__ = "0.1.0"

#: Names loaded on first use (PEP 562), so `import expr` does not import SymPy.
_LAZY = {
    "from_sympy": ".sympy_bridge",
    "parse": ".sympy_bridge",
    "to_sympy": ".sympy_bridge",
}


def __getattr__(name: str):
    if name not in _LAZY:
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f"{__name__}.{name}")  # a submodule, as scipy does
        raise AttributeError(f"module 'expr' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "OPS",
    "DomainError",
    "ExprError",
    "Function",
    "InputError",
    "Op",
    "ParseError",
    "ShapeError",
    "TraceError",
    "Tracer",
    "TracerBoolError",
    "UnknownNameError",
    "abs",
    "absolute",
    "add",
    "amax",
    "apply",
    "as_function",
    "broadcast_to",
    "catalog",
    "cos",
    "divide",
    "dot",
    "eq",
    "exp",
    "from_sympy",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "le",
    "less",
    "less_equal",
    "log",
    "logsumexp",
    "lt",
    "matmul",
    "max",
    "maximum",
    "mean",
    "minimum",
    "multiply",
    "negative",
    "parse",
    "power",
    "reference",
    "reference_value",
    "relu",
    "reshape",
    "sigmoid",
    "sign",
    "sin",
    "softplus",
    "sqrt",
    "square",
    "step",
    "subtract",
    "sum",
    "sum_to",
    "tan",
    "tanh",
    "to_sympy",
    "trace",
    "transpose",
    "where",
]
