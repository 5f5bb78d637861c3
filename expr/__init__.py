"""expr: the shared front end — ops table, tracer, parser, the graph IR, catalog, reference.

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> round(float(f(2.0, 3.0)), 12)
6.909297426826
"""

from . import catalog, functions
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
from .functions import *  # noqa: F403  (one function per op of the table, see functions)
from .functions import COMPOSITES, define_op
from .graph import Function
from .ops import OPS, Op
from .reference import reference, reference_value
from .sympy_bridge import from_sympy, parse, to_sympy
from .trace import as_function, trace
from .tracer import Tracer, apply

__version__ = "0.1.0"

__all__ = [
    "COMPOSITES",
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
    "apply",
    "as_function",
    "catalog",
    "define_op",
    "from_sympy",
    "parse",
    "reference",
    "reference_value",
    "to_sympy",
    "trace",
    *functions.__all__,
]
