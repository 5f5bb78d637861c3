"""expr: the shared front end — ops table, tracer, parser, the graph IR, catalog, reference.

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> round(float(f(2.0, 3.0)), 12)
6.909297426826
"""

import importlib
import importlib.util
from typing import TYPE_CHECKING

from . import catalog, functions
from .convert import as_function
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
from .parse import parse
from .reference import reference, reference_value
from .trace import trace
from .tracer import Tracer, apply

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .sympy_bridge import from_sympy, to_sympy

#: Names loaded on first use (PEP 562), so `import expr` does not import SymPy.
_LAZY = {
    "from_sympy": ".sympy_bridge",
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
