"""Symbolic derivatives by two methods: SymPy's `diff` of the inlined expression ("sympy",
the textbook method) and node-by-node differentiation of the shared graph ("graph").

Results are SymPy expressions: `derivative` one expression, `gradient` a list (inputs
flattened in order), `jacobian` and `hessian` a `sympy.Matrix`. The "graph" results are the
same mathematical expressions but built bottom-up with sharing (a DAG in memory);
`derivative_program` gives them as a list of assignments instead.

>>> gradient("x*y + sin(x)")
[y + cos(x), x]
>>> gradient("x*y + sin(x)", method="graph")
[y + cos(x), x]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import sympy

from .budget import call_with_budget
from .errors import SymdiffError
from .program import Program, from_function, no_delta, reverse
from .source import Scalar, as_scalar, resolve_wrt

METHODS = ("sympy", "graph")


def _budgeted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add `budget_s=None`: with a number, run in a forked worker killed after that many
    seconds (`BudgetExceeded`), so a runaway SymPy call cannot hang the caller."""

    @functools.wraps(fn)
    def wrapper(*args: Any, budget_s: float | None = None, **kwargs: Any) -> Any:
        if budget_s is None:
            return fn(*args, **kwargs)
        return call_with_budget(fn, *args, budget_s=budget_s, **kwargs)

    wrapper.__doc__ = (fn.__doc__ or "") + (
        "\n    budget_s: seconds allowed (None: no limit); over it, `BudgetExceeded`.\n"
    )
    return wrapper


def check_method(method: str) -> str:
    """`method` if it is one of `METHODS`, else a `SymdiffError` listing them."""
    if method not in METHODS:
        raise SymdiffError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    return method


def _wrt_symbols(scalar: Scalar, wrt: Any) -> list[sympy.Symbol]:
    return [scalar.symbols[i] for i in resolve_wrt(scalar, wrt)]


def _program(scalar: Scalar) -> Program:
    return from_function(scalar.graph, list(scalar.symbols))


def jacobian_rows(scalar: Scalar, wrt: Sequence[sympy.Symbol], method: str) -> list[list]:
    """Rows d out_i / d wrt_j as SymPy expressions. "sympy": O(m n) `sympy.diff` calls on the
    inlined outputs (exponential on deep compositions); "graph": m reverse sweeps over the
    graph, O(m x graph), then inlined bottom-up."""
    check_method(method)
    if method == "sympy":
        return [[no_delta(sympy.diff(out, s)) for s in wrt] for out in scalar.outputs]
    flat = reverse(_program(scalar), wrt).inline()
    n = len(wrt)
    return [flat[i * n : (i + 1) * n] for i in range(len(scalar.outputs))]


def _scalar_output(scalar: Scalar, what: str) -> None:
    if len(scalar.outputs) != 1:
        raise SymdiffError(
            f"{what} needs a scalar-valued function; {scalar.function.name} has "
            f"{len(scalar.outputs)} outputs (use jacobian)"
        )


@_budgeted
def derivative(
    f: Any, wrt: Any = None, method: str = "sympy", *, args: Sequence[Any] = ()
) -> sympy.Expr:
    """d f / d wrt for a scalar f and one scalar variable `wrt` (a name, a SymPy symbol, or
    None when f has one scalar input). `args`: example inputs to trace a Python function.

    >>> derivative("x**3", "x")
    3*x**2
    >>> import expr
    >>> derivative(lambda x: expr.sin(x) * x, method="graph", args=(1.0,))
    x*cos(x) + sin(x)
    """
    check_method(method)
    scalar = as_scalar(f, args)
    _scalar_output(scalar, "derivative")
    symbols = _wrt_symbols(scalar, wrt)
    if len(symbols) != 1:
        names = ", ".join(s.name for s in symbols)
        raise SymdiffError(
            f"derivative needs exactly one scalar variable, got {len(symbols)} ({names}); "
            "name one with wrt=..., or use gradient"
        )
    return jacobian_rows(scalar, symbols, method)[0][0]


@_budgeted
def gradient(
    f: Any, method: str = "sympy", *, wrt: Any = None, args: Sequence[Any] = ()
) -> list[sympy.Expr]:
    """The gradient of a scalar f as a list of SymPy expressions, one per scalar variable
    (all inputs, tensor inputs element by element in C order, unless `wrt` names some).

    >>> gradient("x**2 * y", wrt="y")
    [x**2]
    """
    check_method(method)
    scalar = as_scalar(f, args)
    _scalar_output(scalar, "gradient")
    return jacobian_rows(scalar, _wrt_symbols(scalar, wrt), method)[0]


@_budgeted
def jacobian(
    f: Any, method: str = "sympy", *, wrt: Any = None, args: Sequence[Any] = ()
) -> sympy.Matrix:
    """The Jacobian (outputs flattened x variables) as a `sympy.Matrix`.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> jacobian([x * y, x + y])
    Matrix([
    [y, x],
    [1, 1]])
    """
    check_method(method)
    scalar = as_scalar(f, args)
    return sympy.Matrix(jacobian_rows(scalar, _wrt_symbols(scalar, wrt), method))


@_budgeted
def hessian(
    f: Any, method: str = "sympy", *, wrt: Any = None, args: Sequence[Any] = ()
) -> sympy.Matrix:
    """The Hessian of a scalar f as a symmetric `sympy.Matrix`. "sympy": `sympy.diff` twice
    (upper triangle, mirrored); "graph": reverse over reverse on the shared graph.

    >>> hessian("x**2 * y", method="graph")
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
    """
    check_method(method)
    scalar = as_scalar(f, args)
    _scalar_output(scalar, "hessian")
    symbols = _wrt_symbols(scalar, wrt)
    n = len(symbols)
    if method == "graph":
        flat = reverse(reverse(_program(scalar), symbols), symbols, prefix="u").inline()
        return sympy.Matrix(n, n, flat)
    grad = [no_delta(sympy.diff(scalar.outputs[0], s)) for s in symbols]
    out = sympy.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            out[i, j] = out[j, i] = no_delta(sympy.diff(grad[i], symbols[j]))
    return out


def derivative_program(
    f: Any, order: int = 1, *, wrt: Any = None, args: Sequence[Any] = ()
) -> Program:
    """The "graph" derivative as assignments (like `sympy.cse` output): order 1 gives the
    Jacobian row-major (the gradient for scalar f), order 2 the Hessian row-major.
    O(graph) assignments per output (order 1), per variable (order 2).

    >>> print(derivative_program("sin(x)**2"))
    v1 = sin(x)
    v3 = v1**2
    w0 = 2*v1
    return w0*cos(x)
    """
    scalar = as_scalar(f, args)
    symbols = _wrt_symbols(scalar, wrt)
    first = reverse(_program(scalar), symbols)
    if order == 1:
        return first
    if order == 2:
        _scalar_output(scalar, "derivative_program(order=2)")
        return reverse(first, symbols, prefix="u")
    raise SymdiffError(f"derivative_program: order must be 1 or 2, got {order!r}")


def variables(f: Any, *, args: Sequence[Any] = ()) -> list[sympy.Symbol]:
    """The scalar variables of f in the order `gradient` uses (tensor inputs element by
    element, C order, named like `x_0_1`), e.g. for `lambdify(gradient(f), variables(f))`.

    >>> variables("x*y + z")
    [x, y, z]
    """
    return list(as_scalar(f, args).symbols)
