"""From a Python function to a `Function` (tracing), and `as_function` for every way in."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ExprError, InputError, TraceError
from .graph import Function, as_input
from .lazy import imported
from .tracer import GraphBuilder, Tracer


def _parameter_names(fn: Callable, count: int) -> list[str]:
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    if code is not None and not hasattr(fn, "__wrapped__"):  # fast: no inspect.signature
        names = list(code.co_varnames[int(hasattr(fn, "__func__")) : code.co_argcount])
        return names[:count] if len(names) >= count else [f"x{i}" for i in range(count)]
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) >= count:
        return names[:count]
    return [f"x{i}" for i in range(count)]


def trace(
    fn: Callable[..., Any],
    *example_args: Any,
    names: Sequence[str] | None = None,
    concrete: bool = False,
    keep_values: bool = False,
) -> Function:
    """Record `fn` (written with expr ops, operators and `@`) at inputs shaped like the examples.

    With `concrete=True` the tracers also carry the example values, so Python control flow
    on them works; the graph is then specific to the branch taken at those values (its
    `guards`). `keep_values=True` (concrete only) keeps the values computed while tracing
    for one `Function.take_trace_values()`, so a transformation need not evaluate again.

    >>> import expr
    >>> f = trace(lambda x, y: (x + y) * expr.sin(x), 1.0, 2.0)
    >>> f.input_names, f.size()
    (('x', 'y'), 3)
    """
    if not callable(fn):
        raise InputError(f"trace needs a Python function, got {type(fn).__name__}")
    names = list(names) if names is not None else _parameter_names(fn, len(example_args))
    if len(names) != len(example_args):
        raise InputError(f"{len(names)} names for {len(example_args)} example inputs")
    builder = GraphBuilder(concrete=concrete, keep_values=concrete and keep_values)
    tracers = []
    for name, arg in zip(names, example_args):
        value = as_input(arg, name)
        tracers.append(builder.input(name, np.shape(value), value if concrete else None))
    try:
        with np.errstate(all="ignore"):  # concrete values: NaN/inf are checked downstream
            result = fn(*tracers)
    except ExprError:
        raise
    except Exception as error:
        label = getattr(fn, "__name__", "the function")
        raise TraceError(f"tracing {label} raised {type(error).__name__}: {error}") from error
    many = isinstance(result, (tuple, list))
    outputs = []
    for out in result if many else [result]:
        if out is None:
            raise TraceError(
                "the traced function returned None; return expr values, numbers or arrays"
            )
        if not isinstance(out, Tracer):
            try:
                out = builder.const(np.asarray(out, dtype=float))
            except (TypeError, ValueError):
                raise TraceError(
                    f"the traced function returned {type(out).__name__}; return expr values, "
                    "numbers or arrays"
                ) from None
        outputs.append(out.node)
    return Function(
        builder,
        [t.node for t in tracers],
        outputs,
        single_output=not many,
        name=getattr(fn, "__name__", "f").replace("<lambda>", "f"),
    )


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
        from .sympy_bridge import parse

        return parse(f, variables)
    sympy = imported("sympy")  # a SymPy expression exists only once SymPy is imported
    if isinstance(f, (list, tuple)) or (sympy is not None and isinstance(f, sympy.Basic)):
        from .sympy_bridge import from_sympy

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
