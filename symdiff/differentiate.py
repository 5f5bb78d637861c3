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

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import sympy

from expr.deep import deep, run_deep

from .budget import call_with_budget, check_budget
from .errors import BudgetExceeded, SymdiffError
from .program import Program, from_function, real_diff, reverse
from .size import tree_size
from .source import Scalar, as_scalar, resolve_wrt

METHODS = ("sympy", "graph")

#: Most op nodes of a graph differentiated symbolically node by node ("graph" method,
#: `derivative_program`): about 10 s of small `sympy.diff` calls at the limit.
MAX_GRAPH_OPS = 20_000
#: Most nodes, written out, and most depth of the function the "sympy" method
#: differentiates in process;
#: larger ones run in a forked worker under `DEFAULT_BUDGET_S` (SymPy's diff walks the
#: tree: expression swell). Writing a "graph" result out stops after that budget too.
MAX_SYMPY_TREE = 5_000
MAX_SYMPY_DEPTH = 100
DEFAULT_BUDGET_S = 15.0
#: Derivative programs up to this many assignments are written out without a deadline
#: (a few seconds at most; a loaded machine must not turn them into errors).
MAX_FREE_INLINE = 300
_WAY_ROUND = (
    "symdiff.derivative_program(f) gives the derivative as assignments and "
    "symdiff.lambdify(program, variables) evaluates it; autodiff differentiates any size"
)


#: A derivative's work once f is read: core(scalar, symbols, method, limits).
Core = Callable[[Scalar, list, str, bool], Any]

_BUDGET_DOC = (
    "\n    budget_s: seconds allowed (None: the size limits of `symdiff.differentiate`"
    " apply); over it, `BudgetExceeded`.\n"
)


def _run(core: Core, what: str, f: Any, method: str, wrt: Any, args: Any, limits: bool) -> Any:
    """The steps every derivative shares: the method checked, f read as scalar SymPy inputs
    and outputs (`args`: example inputs to trace a Python function), one scalar output
    required unless `what` is "jacobian", `wrt` resolved; then the core."""
    check_method(method)
    scalar = as_scalar(f, args)
    if what != "jacobian":
        _scalar_output(scalar, what)
    return core(scalar, _wrt_symbols(scalar, wrt), method, limits)


def _budgeted(core: Core, what: str, f: Any, method: str, wrt: Any, args: Any, budget_s: Any):
    """`_run` on a big stack (`expr.deep`: deep expressions never raise RecursionError);
    with a number `budget_s`, in a forked worker killed after that many seconds
    (`BudgetExceeded`), so a runaway SymPy call cannot hang the caller, and the size limits
    are lifted (the budget bounds the time instead)."""
    if budget_s is None:
        return run_deep(_run, core, what, f, method, wrt, args, True)
    budget_s = check_budget(budget_s)
    job = (core, what, f, method, wrt, args, False)
    return call_with_budget(_run, *job, budget_s=budget_s, step=what)


def _entry(core: Core) -> Callable[..., Any]:
    """The public `name(f, method="sympy", *, wrt=None, args=(), budget_s=None)` of the core
    `_name` (gradient, jacobian, hessian): its docstring, the shared steps (`_run`) and the
    budget (`_budgeted`)."""
    what = core.__name__.lstrip("_")

    def public(
        f: Any,
        method: str = "sympy",
        *,
        wrt: Any = None,
        args: Sequence[Any] = (),
        budget_s: float | None = None,
    ) -> Any:
        return _budgeted(core, what, f, method, wrt, args, budget_s)

    public.__name__ = public.__qualname__ = what
    public.__doc__ = (core.__doc__ or "") + _BUDGET_DOC
    public.__module__ = core.__module__
    public.__annotations__["return"] = core.__annotations__.get("return", "Any")
    return public


def _check_graph_size(scalar: Scalar, what: str) -> None:
    ops = scalar.graph.size()
    if ops > MAX_GRAPH_OPS:
        raise SymdiffError(
            f"{what}: {scalar.function.name} has {ops} ops, over the limit {MAX_GRAPH_OPS} of "
            f"symbolic differentiation node by node; differentiate it with autodiff "
            "(autodiff.grad_graph gives the derivative as a graph)"
        )


def _inline(program: Program, limits: bool) -> list[sympy.Expr]:
    """`program.inline()`, stopped after `DEFAULT_BUDGET_S` when `limits` and the program
    has more than `MAX_FREE_INLINE` assignments (SymPy sorts the factors of each product by
    comparing subtrees: a deep chain of transcendental functions inlines in O(depth^3))."""
    long = limits and len(program.assignments) > MAX_FREE_INLINE
    deadline = time.perf_counter() + DEFAULT_BUDGET_S if long else None
    try:
        return program.inline(deadline)
    except BudgetExceeded:
        raise BudgetExceeded(
            f"writing the derivative out as SymPy expressions ran over the default budget of "
            f"{DEFAULT_BUDGET_S:g} s; {_WAY_ROUND}; or pass budget_s=seconds for more time",
            step="inline",
        ) from None


def check_method(method: str) -> str:
    """`method` if it is one of `METHODS`, else a `SymdiffError` listing them."""
    if method not in METHODS:
        raise SymdiffError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    return method


def _wrt_symbols(scalar: Scalar, wrt: Any) -> list[sympy.Symbol]:
    return [scalar.symbols[i] for i in resolve_wrt(scalar, wrt)]


def _program(scalar: Scalar) -> Program:
    return from_function(scalar.graph, list(scalar.symbols))


def _sympy_work(scalar: Scalar, work: Callable[[], Any], limits: bool) -> Any:
    """Run `work` (`sympy.diff` calls on the inlined outputs) in process when the function
    is small, else under the default budget in a forked worker (unless the caller gave
    one: then `limits` is False)."""
    size = tree_size(list(scalar.outputs))
    if not limits or (size <= MAX_SYMPY_TREE and scalar.function.depth() <= MAX_SYMPY_DEPTH):
        return work()
    try:
        return call_with_budget(work, budget_s=DEFAULT_BUDGET_S)
    except BudgetExceeded:
        raise BudgetExceeded(
            f'method="sympy": differentiating {scalar.function.name} (written out: {size} '
            f"nodes) ran over the default budget of {DEFAULT_BUDGET_S:g} s (expression "
            f'swell); pass budget_s=seconds for more time, or use method="graph"',
            step="diff",
        ) from None


def jacobian_rows(
    scalar: Scalar, wrt: Sequence[sympy.Symbol], method: str, limits: bool = True
) -> list[list]:
    """Rows d out_i / d wrt_j as SymPy expressions. "sympy": O(m n) `sympy.diff` calls on the
    inlined outputs (exponential on deep compositions); "graph": m reverse sweeps over the
    graph, O(m x graph), then inlined bottom-up. `limits`: refuse (or budget) sizes that
    cannot finish in seconds."""
    check_method(method)
    if method == "sympy":
        outputs = scalar.outputs
        return _sympy_work(
            scalar, lambda: [[real_diff(o, s) for s in wrt] for o in outputs], limits
        )
    if limits:
        _check_graph_size(scalar, 'method="graph"')
    flat = _inline(reverse(_program(scalar), wrt), limits)
    n = len(wrt)
    return [flat[i * n : (i + 1) * n] for i in range(len(scalar.outputs))]


def _scalar_output(scalar: Scalar, what: str) -> None:
    count = sum(math.prod(shape) for shape in scalar.function.output_shapes)
    if count != 1:
        raise SymdiffError(
            f"{what} needs a scalar-valued function; {scalar.function.name} has "
            f"{count} outputs (use jacobian)"
        )


def derivative(
    f: Any,
    wrt: Any = None,
    method: str = "sympy",
    *,
    args: Sequence[Any] = (),
    budget_s: float | None = None,
) -> sympy.Expr:
    """d f / d wrt for a scalar f and one scalar variable `wrt` (a name, a SymPy symbol, or
    None when f has one scalar input). `args`: example inputs to trace a Python function.

    >>> derivative("x**3", "x")
    3*x**2
    >>> import expr
    >>> derivative(lambda x: expr.sin(x) * x, method="graph", args=(1.0,))
    x*cos(x) + sin(x)
    """
    return _budgeted(_derivative, "derivative", f, method, wrt, args, budget_s)


derivative.__doc__ += _BUDGET_DOC


def _derivative(scalar: Scalar, symbols: list, method: str, limits: bool) -> sympy.Expr:
    if len(symbols) != 1:
        names = ", ".join(s.name for s in symbols)
        raise SymdiffError(
            f"derivative needs exactly one scalar variable, got {len(symbols)} ({names}); "
            "name one with wrt=..., or use gradient"
        )
    return jacobian_rows(scalar, symbols, method, limits)[0][0]


def _gradient(scalar: Scalar, symbols: list, method: str, limits: bool) -> list[sympy.Expr]:
    """The gradient of a scalar f as a list of SymPy expressions, one per scalar variable
    (all inputs, tensor inputs element by element in C order, unless `wrt` names some).

    >>> gradient("x**2 * y", wrt="y")
    [x**2]
    """
    return jacobian_rows(scalar, symbols, method, limits)[0]


def _jacobian(scalar: Scalar, symbols: list, method: str, limits: bool) -> sympy.Matrix:
    """The Jacobian (outputs flattened x variables) as a `sympy.Matrix`.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> jacobian([x * y, x + y])
    Matrix([
    [y, x],
    [1, 1]])
    """
    return sympy.Matrix(jacobian_rows(scalar, symbols, method, limits))


def _hessian(scalar: Scalar, symbols: list, method: str, limits: bool) -> sympy.Matrix:
    """The Hessian of a scalar f as a symmetric `sympy.Matrix`. "sympy": `sympy.diff` twice
    (upper triangle, mirrored); "graph": reverse over reverse on the shared graph.

    >>> hessian("x**2 * y", method="graph")
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
    """
    n = len(symbols)
    if method == "graph":
        if limits:
            _check_graph_size(scalar, 'hessian(method="graph")')
        program = reverse(reverse(_program(scalar), symbols), symbols, prefix="u")
        return sympy.Matrix(n, n, _inline(program, limits))
    output = scalar.outputs[0]

    def second_derivatives() -> sympy.Matrix:
        grad = [real_diff(output, s) for s in symbols]
        out = sympy.zeros(n, n)
        for i in range(n):
            for j in range(i, n):
                out[i, j] = out[j, i] = real_diff(grad[i], symbols[j])
        return out

    return _sympy_work(scalar, second_derivatives, limits)


gradient = _entry(_gradient)
jacobian = _entry(_jacobian)
hessian = _entry(_hessian)


@deep
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
    if isinstance(order, bool) or not isinstance(order, int) or order not in (1, 2):
        raise SymdiffError(f"derivative_program: order must be 1 or 2, got {order!r}")
    scalar = as_scalar(f, args)
    _check_graph_size(scalar, "derivative_program")
    symbols = _wrt_symbols(scalar, wrt)
    first = reverse(_program(scalar), symbols)
    if order == 1:
        return first
    _scalar_output(scalar, "derivative_program(order=2)")
    return reverse(first, symbols, prefix="u")


def variables(f: Any, *, args: Sequence[Any] = ()) -> list[sympy.Symbol]:
    """The scalar variables of f in the order `gradient` uses (tensor inputs element by
    element, C order, named like `x_0_1`), e.g. for `lambdify(gradient(f), variables(f))`.

    >>> variables("x*y + z")
    [x, y, z]
    """
    return list(as_scalar(f, args).symbols)
