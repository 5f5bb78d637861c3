"""Every accepted form of a function as a `Function`: `as_function`.

It sits above the three ways in (`trace`, `parse`, `from_sympy`), so none of them imports
it; `from_sympy` is imported on use, since it loads SymPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import InputError
from .graph import Function
from .lazy import imported
from .parse import parse
from .trace import trace


def as_function(f: Any, *example_args: Any, variables: Sequence[str] | None = None) -> Function:
    """Any accepted form of a function as a `Function`: a Function (returned as is), a
    formula string, a SymPy expression, or a Python function (traced at `example_args`,
    concretely, so control flow works).

    >>> as_function("x**2").size()
    1
    """
    if isinstance(f, Function):
        return f
    if isinstance(f, str):
        return parse(f, variables)
    sympy = imported("sympy")  # a SymPy expression exists only once SymPy is imported
    if isinstance(f, (list, tuple)) or (sympy is not None and isinstance(f, sympy.Basic)):
        from .sympy_bridge import from_sympy  # loads SymPy: `import expr` does not

        return from_sympy(f, variables)
    if callable(f):
        if not example_args:
            raise InputError(
                "a Python function is traced at its arguments: give example inputs "
                "(or call the transformation with the arguments)"
            )
        return trace(f, *example_args, names=variables, concrete=True)
    raise InputError(
        f"cannot use a {type(f).__name__} as a function; accepted: expr.Function, a formula "
        "string, a SymPy expression, or a Python function written with expr ops"
    )
