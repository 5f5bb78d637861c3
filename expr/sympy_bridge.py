"""SymPy in and out: `from_sympy` here, `to_sympy` from `expr.sympy_out` (strings are
read by `expr.parse`).

All walks are iterative over SymPy's shared expression DAG, so deep expressions work and
common subexpressions become shared graph nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

import sympy

from . import functions as F
from .deep import deep
from .errors import InputError, UnknownNameError
from .graph import Function
from .ops import OPS, SYMPY_HEADS
from .parse import function_names, natural_key
from .sympy_functions import amax
from .sympy_out import input_symbols, to_sympy
from .tracer import GraphBuilder, Tracer, apply

#: SymPy spellings that are not an op's own counterpart.
_SYMPY_SPELLINGS = {sympy.Mod: "mod", sympy.Max: "maximum", sympy.Min: "minimum"}
_RELATIONAL = {
    sympy.StrictGreaterThan: "gt",
    sympy.GreaterThan: "ge",
    sympy.StrictLessThan: "lt",
    sympy.LessThan: "le",
    sympy.Equality: "eq",
    sympy.Unequality: "ne",
}
_NARY = ("maximum", "minimum")
__all__ = ["free_symbols", "from_sympy", "input_symbols", "to_sympy"]


def _supported() -> str:
    return ", ".join(function_names())


@deep
def from_sympy(
    expression: sympy.Expr, variables: Sequence[Any] | None = None, name: str = "f"
) -> Function:
    """A Function from a SymPy expression (or a list of them, for several outputs).

    Shared subexpressions become shared nodes. O(size of SymPy's DAG).

    >>> x = sympy.Symbol("x")
    >>> round(float(from_sympy(sympy.exp(x) * x)(1.0)), 12)
    2.718281828459
    """
    many = isinstance(expression, (list, tuple))
    expressions = [_as_sympy(e) for e in (expression if many else [expression])]
    free = free_symbols(expressions)
    if variables is None:
        symbols = sorted(free, key=lambda s: natural_key(s.name))
    else:
        symbols = [sympy.Symbol(v) if isinstance(v, str) else v for v in variables]
        by_name = {s.name for s in symbols}
        unknown = sorted(s.name for s in free if s.name not in by_name)
        if unknown:
            raise UnknownNameError(
                f"unknown symbol {unknown[0]!r}; the variables are {', '.join(sorted(by_name))}"
            )
    builder = GraphBuilder()
    memo: dict[Any, Any] = {}
    for symbol in symbols:
        memo[symbol.name] = builder.input(symbol.name, ())
    outputs = [_convert(e, memo, builder) for e in expressions]
    outputs = [o if isinstance(o, Tracer) else builder.const(o) for o in outputs]
    return Function(
        builder,
        [memo[s.name].node for s in symbols],
        [o.node for o in outputs],
        single_output=not many,
        name=name,
    )


def _as_sympy(e: Any) -> sympy.Basic:
    """A SymPy object or real number, converted strictly: a string is never parsed here."""
    if isinstance(e, str):
        raise InputError(
            f"from_sympy takes SymPy expressions, got the string {e[:80]!r}; read formula "
            "strings with expr.parse"
        )
    try:
        return sympy.sympify(e, strict=True)
    except sympy.SympifyError:
        raise InputError(
            f"from_sympy takes SymPy expressions or numbers, got {type(e).__name__}"
        ) from None


def free_symbols(expressions: Sequence[sympy.Basic]) -> set[sympy.Symbol]:
    """Symbols of expressions, walking the shared DAG once (SymPy's own walks the tree)."""
    seen: set = set()
    stack = list(expressions)
    found = set()
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if e.is_Symbol:
            found.add(e)
        stack.extend(e.args)
    return found


def _children(e: sympy.Basic) -> list[sympy.Basic]:
    """The subexpressions `_combine` needs converted first."""
    if e.is_Add:
        return [-t if t.could_extract_minus_sign() else t for t in e.args]
    if e.is_Mul:
        coeff, factors = e.as_coeff_mul()
        out = [] if coeff in (1, -1) else [coeff]
        for f in factors:
            negative = f.is_Pow and f.exp.is_Number and f.exp < 0
            out.append(sympy.Pow(f.base, -f.exp) if negative else f)
        return out
    if isinstance(e, sympy.Piecewise):
        out = []
        for value, condition in e.args[:-1]:
            out += [value, condition]
        return [*out, e.args[-1][0]]
    if e.is_Pow:
        if e.exp in (sympy.S.Half, -sympy.S.Half):
            return [e.base]
        if e.exp.is_Number and e.exp < 0:
            return [sympy.Pow(e.base, -e.exp)]
        return [e.base, e.exp]
    return list(e.args)


def _combine(e: sympy.Basic, memo: dict, builder: GraphBuilder) -> Any:
    """The graph value of SymPy node `e`, its children (`_children`) converted already."""
    if e.is_Symbol:
        if e.name not in memo:
            raise UnknownNameError(f"unknown symbol {e.name!r}")
        return memo[e.name]
    if e.is_Number or e.is_NumberSymbol:
        if not e.is_real:
            raise UnknownNameError(f"complex constant {e} is not supported")
        return builder.const(float(e), exact=e)
    if e is sympy.true or e is sympy.false:
        return builder.const(1.0 if e is sympy.true else 0.0)
    args = [memo[_key(c)] for c in _children(e)]
    if e.is_Add:
        return _add(e, args)
    if e.is_Mul:
        return _mul(e, args, builder)
    if e.is_Pow:
        return _pow(e, args)
    if isinstance(e, sympy.Piecewise):
        return _piecewise(e, args)
    for kind, combine in _CONNECTIVES:
        if isinstance(e, kind):
            return combine(args)
    return _call(e, args)


def _add(e: sympy.Add, args: list) -> Any:
    """A sum, its negative terms subtracted (they were converted without their sign)."""
    terms = e.args
    out = args[0] if not terms[0].could_extract_minus_sign() else F.negative(args[0])
    for term, value in zip(terms[1:], args[1:]):
        out = F.subtract(out, value) if term.could_extract_minus_sign() else out + value
    return out


def _mul(e: sympy.Mul, args: list, builder: GraphBuilder) -> Any:
    """A product as numerator / denominator (factors with negative exponents below)."""
    coeff, factors = e.as_coeff_mul()
    rest = args[1:] if coeff not in (1, -1) else args
    num = [args[0]] if coeff not in (1, -1) else []
    den = []
    for f, value in zip(factors, rest):
        (den if f.is_Pow and f.exp.is_Number and f.exp < 0 else num).append(value)
    out = reduce(F.multiply, num) if num else builder.const(1.0)
    if den:
        out = F.divide(out, reduce(F.multiply, den))
    return F.negative(out) if coeff == -1 else out


def _pow(e: sympy.Pow, args: list) -> Any:
    if e.exp == sympy.S.Half:
        return F.sqrt(args[0])
    if e.exp == -sympy.S.Half:
        return F.divide(1.0, F.sqrt(args[0]))
    if e.exp.is_Number and e.exp < 0:
        return F.divide(1.0, args[0])
    return F.power(args[0], args[1])


def _piecewise(e: sympy.Piecewise, args: list) -> Any:
    """Nested `where`s, the first true condition winning; args are value, condition, ...,
    then the final value."""
    if e.args[-1][1] is not sympy.true:
        raise UnknownNameError(f"a Piecewise needs a final (value, True) branch: {e}")
    out = args[-1]
    for i in range(len(e.args) - 2, -1, -1):
        out = F.where(args[2 * i + 1], args[2 * i], out)
    return out


#: Boolean connectives SymPy makes of nested comparisons (values are 0.0 / 1.0 here).
_CONNECTIVES = (
    (sympy.logic.boolalg.ITE, lambda args: F.where(args[0], args[1], args[2])),
    (sympy.And, lambda args: reduce(F.multiply, args)),
    (sympy.Or, lambda args: reduce(F.maximum, args)),
    (sympy.Not, lambda args: F.subtract(1.0, args[0])),
)


def _call(e: sympy.Basic, args: list) -> Any:
    """A comparison or a function with an op counterpart (n-ary maximum/minimum folded)."""
    func = e.func
    if func in _RELATIONAL:
        return apply(_RELATIONAL[func], args[0], args[1])
    if func is amax:  # the max reduction's counterpart: one max of the stacked entries
        return F.max(F.stack(args))
    name = _SYMPY_SPELLINGS.get(func) or SYMPY_HEADS.get(func)
    if name is not None:
        op = OPS[name]
        if name in _NARY and len(args) > 2:
            return reduce(lambda a, b: apply(name, a, b), args)
        if len(args) == op.arity or op.sympy(*e.args[: op.arity]) == e:
            return apply(name, *args[: op.arity])
    raise UnknownNameError(
        f"SymPy {func.__name__} is not supported (in {_short(e)}); supported functions: "
        f"{_supported()}"
    )


def _short(e: sympy.Basic) -> str:
    text = str(e)
    return text if len(text) <= 80 else text[:77] + "..."


def _convert(root: sympy.Basic, memo: dict, builder: GraphBuilder) -> Any:
    """Post-order walk with an explicit stack; memo maps SymPy subexpressions to tracers."""
    stack: list[tuple[sympy.Basic, bool]] = [(root, False)]
    while stack:
        e, ready = stack.pop()
        key = _key(e)
        if key in memo:
            continue
        if ready or e.is_Atom:
            memo[key] = _combine(e, memo, builder)
            continue
        stack.append((e, True))
        stack.extend((c, False) for c in reversed(_children(e)) if _key(c) not in memo)
    return memo[_key(root)]


def _key(e: sympy.Basic) -> Any:
    return e.name if e.is_Symbol else e
