"""From a Python function to a `Function` (tracing); `expr.convert.as_function` takes
every way in."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ExprError, InputError, TraceError
from .graph import Function, as_input
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
    applied_ops = not concrete or builder.number_of_nodes() > len(tracers)
    for out in result if many else [result]:
        _check_output(out, builder, fn, applied_ops)
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


def _check_output(out: Any, builder: GraphBuilder, fn: Callable, applied_ops: bool) -> None:
    """Refuse outputs that would make a silently wrong derivative: None, a tracer of another
    trace, and a plain value that does not depend on the inputs (`check_plain_output`)."""
    label = getattr(fn, "__name__", "the function").replace("<lambda>", "the lambda")
    if out is None:
        raise TraceError(f"{label} returned None; return the result (an expr value)")
    if isinstance(out, Tracer) and out.builder is not builder:
        raise TraceError(
            f"{label} returned a traced value of another trace (a value it closes over); "
            "pass that value as an argument instead"
        )
    check_plain_output(out, label, applied_ops)


def check_plain_output(out: Any, label: str, applied_ops: bool) -> None:
    """Refuse a plain output (not a Tracer) of a concretely traced function (a user's
    function run at values) that applied no op to its inputs (`applied_ops` False): its
    derivative would silently be 0. A plain value after ops is a constant built from them
    (the gradient of sign inside grad); conversions that drop a dependence (float(),
    math.*) already raise in the tracer."""
    if isinstance(out, Tracer) or applied_ops:
        return
    raise TraceError(
        f"{label} returned a {type(out).__name__} that does not depend on its inputs "
        "through expr ops, so its derivative would silently be 0 (was a value computed "
        "outside expr, e.g. by math.* or .item()?); build the result with expr functions "
        "and operators (write 0 * x + c for a constant)"
    )
