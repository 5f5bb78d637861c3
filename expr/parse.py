"""Formula strings to `Function`s, safely: Python's `ast` in eval mode, walked against a whitelist.

A formula may use numbers (`2`, `1e-3`, `.5`), variable names, the constants `pi` and `E`,
`+ - * / **` (`^` also means power, as in SymPy's parser; `%` and `//` when the ops table
has `mod` and `floordiv`), unary `-` and `+`, the
comparisons `< <= > >= == !=` (0.0 or 1.0; a chain `a < b < c` means `(a < b) * (b < c)`)
and calls of the ops table's elementwise functions by name or alias (`sin(x)`, `ln(x)`,
`max(x, y, z)`) with plain positional arguments. Anything else is an `expr.ParseError`
naming the construct; no string ever reaches `eval`, `exec`, `sympify` or `parse_expr`.

Constant subexpressions are folded in float64; a constant that overflows or leaves its
op's domain (`9**9**9**9`, `1/0`, `log(-1)`) is refused at once. A formula is at most
`MAX_LENGTH` characters and nests brackets at most `MAX_NESTING` deep. The top-level sum is
split into its terms before Python's parser sees it, so a flat sum of any length parses;
a term nested more than `MAX_DEPTH` operations deep is refused with a short message. Everything is iterative; cost O(length of the formula).

>>> f = parse("x1*x2 + sin(x1)")
>>> f.input_names, round(float(f(2.0, 3.0)), 6)
(('x1', 'x2'), 6.909297)
"""

from __future__ import annotations

import ast
import bisect
import inspect
import io
import itertools
import keyword
import math
import re
import tokenize
import warnings
from collections.abc import Sequence
from functools import reduce
from typing import Any

import numpy as np

from . import functions
from .errors import InputError, ParseError, UnknownNameError
from .graph import Function
from .ops import FORMULA_SPELLINGS, OPS, formula_names, resolve_formula_name
from .trace import trace
from .tracer import Tracer, apply

#: Longest formula accepted, in characters.
MAX_LENGTH = 100_000
#: Deepest nesting of brackets accepted.
MAX_NESTING = 100
#: Deepest nesting of operations accepted in one term of the top-level sum (below the
#: limits of Python's own parser, so that every Python version refuses the same formulas).
MAX_DEPTH = 1_000
#: Characters of a formula quoted in an error message.
SHOWN = 80

CONSTANTS = {"pi": math.pi, "E": math.e}

_NARY = {"maximum", "minimum"}

#: Arithmetic operators: AST class -> (symbol, op name).
_BINARY = {
    ast.Add: ("+", "add"),
    ast.Sub: ("-", "sub"),
    ast.Mult: ("*", "mul"),
    ast.Div: ("/", "div"),
    ast.Pow: ("**", "pow"),
    ast.Mod: ("%", "mod"),
    ast.FloorDiv: ("//", "floordiv"),
}
_COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}
_OPERATOR_TEXT = {
    ast.MatMult: "@",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
#: What a refused node is called in the error message.
_CONSTRUCTS = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscript (a[i])",
    ast.Slice: "slice",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.IfExp: "conditional expression (a if c else b)",
    ast.BoolOp: "boolean operator (and / or)",
    ast.NamedExpr: "assignment expression (:=)",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.Starred: "starred expression",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
# Tokens at the top level that bind more loosely than + and - (the top level is then not a sum).
_LOOSER = {"<", "<=", ">", ">=", "==", "!=", "|", "&", "<<", ">>", ",", ":", ":=", "=", ";"}
_OPERAND_END = {tokenize.NUMBER, tokenize.STRING}


def shown(text: str) -> str:
    """`text` quoted for an error message, cut to about `SHOWN` characters.

    >>> shown("x" * 100)[-6:]
    "xx...'"
    """
    return repr(text if len(text) <= SHOWN else text[: SHOWN - 3] + "...")


def natural_key(name: str) -> list:
    """Sort key putting x2 before x10.

    >>> sorted(["x10", "x2", "y"], key=natural_key)
    ['x2', 'x10', 'y']
    """
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _resolve_function(name: str) -> tuple[str, bool] | None:
    """The elementwise op a formula's call `name(...)` applies (names, aliases and max/min
    from the ops table), and whether it folds 2 or more arguments (maximum, minimum)."""
    try:
        op_name = resolve_formula_name(name)
    except UnknownNameError:
        return None
    return op_name, op_name in _NARY


def _defaults(op_name: str) -> tuple[float, ...]:
    """Default values of an op's trailing arguments, read from its expr function
    (elu(x, alpha=1.0) -> (1.0,)); () when it has none."""
    fn = getattr(functions, op_name, None)
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return ()
    if len(params) != OPS[op_name].arity:
        return ()
    return tuple(p.default for p in params if p.default is not inspect.Parameter.empty)


def function_names() -> list[str]:
    """Every function name a formula may call (elementwise ops and their aliases), sorted.

    >>> {"sin", "ln", "max", "atan"} <= set(function_names())
    True
    """
    return sorted({*formula_names(), *FORMULA_SPELLINGS}, key=str.lower)


# ----------------------------------------------------------------------------- tokens
def _terms(text: str) -> list[tuple[str, str]]:
    """The top-level sum as (sign, term) pairs with `^` written `**`; a text whose top level
    is not a plain sum is one term. Brackets deeper than MAX_NESTING are refused here, before
    Python's parser (which has cruder limits of its own) sees them. O(len(text))."""
    carets: list[int] = []
    splits: list[int] = []
    depth, looser, previous = 0, False, None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string, col = token.type, token.string, token.start[1]
            if kind == tokenize.COMMENT:
                raise ParseError(f"a comment (#) is not part of a formula: {shown(text)}")
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                continue
            if kind == tokenize.NAME and depth == 0 and keyword.iskeyword(string):
                looser = True
            elif kind == tokenize.OP:
                depth += (string in "([{") - (string in ")]}")
                if depth > MAX_NESTING:
                    raise ParseError(
                        f"{shown(text)} nests brackets more than {MAX_NESTING} deep; "
                        "build deeper expressions with expr.trace"
                    )
                if string == "^":
                    carets.append(col)
                elif depth == 0 and string in _LOOSER:
                    looser = True
                elif depth == 0 and string in ("+", "-") and _is_operand_end(previous):
                    splits.append(col)
            previous = token
    except tokenize.TokenError as error:
        message = str(error.args[0]) if error.args else ""
        why = "unbalanced brackets" if not message or "EOF" in message else message
        raise ParseError(f"cannot parse {shown(text)}: {why}") from None
    except SyntaxError as error:  # Python >= 3.12 tokenizes in C, with Python's messages
        raise ParseError(f"cannot parse {shown(text)}: {error.msg}") from None
    if looser:
        splits = []
    bounds = [-1, *splits, len(text)]
    return [
        (text[a] if a >= 0 else "+", _with_power(text, a + 1, b, carets).strip())
        for a, b in itertools.pairwise(bounds)
    ]


def _with_power(text: str, start: int, stop: int, carets: list[int]) -> str:
    """text[start:stop] with each `^` operator (at the offsets `carets`) written `**`."""
    out, position = [], start
    for caret in carets[bisect.bisect_left(carets, start) : bisect.bisect_left(carets, stop)]:
        out += [text[position:caret], "**"]
        position = caret + 1
    out.append(text[position:stop])
    return "".join(out)


def _is_operand_end(token: tokenize.TokenInfo | None) -> bool:
    """Whether a + or - after `token` is binary (after an operand) rather than unary."""
    if token is None:
        return False
    if token.type == tokenize.NAME:
        return not keyword.iskeyword(token.string)
    return token.type in _OPERAND_END or token.string in (")", "]", "}")


# ----------------------------------------------------------------------------- checking
def _syntax_tree(term: str, text: str) -> ast.expr:
    """Python's parse of one term (eval mode); its errors become short ParseErrors."""
    try:
        return ast.parse(term, mode="eval").body
    except SyntaxError as error:
        raise ParseError(f"cannot parse {shown(text)}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ParseError(
            f"{shown(text)} nests too deeply for Python's parser (the limit is "
            f"{MAX_DEPTH} levels of operations); build deep expressions with expr.trace"
        ) from None
    except ValueError as error:  # e.g. a null byte
        raise ParseError(f"cannot parse {shown(text)}: {error}") from None


def _refuse(node: ast.AST, term: str, what: str) -> ParseError:
    snippet = ast.get_source_segment(term, node) or term
    return ParseError(
        f"{what} is not allowed in a formula: {shown(snippet)}; a formula uses numbers, "
        f"variable names, {_operators()}, comparisons and calls of functions such as sin(x)"
    )


def _operators() -> str:
    """The arithmetic operators the ops table supports, as text."""
    return " ".join(symbol for symbol, op in _BINARY.values() if op in OPS)


def _check(tree: ast.expr, term: str, names: set[str], variables: set[str] | None) -> None:
    """Refuse every node outside the whitelist (naming it); collect the variable names."""
    callees: set[int] = set()
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:  # depth first, parents before children
        node, depth = stack.pop()
        if isinstance(node, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop)):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(
                f"{shown(term)} nests too deeply: more than {MAX_DEPTH} levels of operations "
                "(a flat sum may be longer); build deep expressions with expr.trace"
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
        if isinstance(node, ast.BinOp):
            _check_operator(node, node.op, term)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                _check_operator(node, node.op, term)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                _check_operator(node, op, term)
        elif isinstance(node, ast.Call):
            _check_call(node, term)
            callees.add(id(node.func))
        elif isinstance(node, ast.Name):
            if id(node) not in callees:
                _check_name(node, term, names, variables)
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise _refuse(node, term, _constant_kind(node.value))
        else:
            raise _refuse(node, term, _CONSTRUCTS.get(type(node), type(node).__name__))


def _check_operator(node: ast.AST, op: ast.AST, term: str) -> None:
    name = _BINARY[type(op)][1] if type(op) in _BINARY else _COMPARE.get(type(op))
    if name is None:
        raise _refuse(node, term, f"the operator {_OPERATOR_TEXT.get(type(op), '?')}")
    if name not in OPS and name != "ne":
        snippet = ast.get_source_segment(term, node) or term
        raise UnknownNameError(
            f"{shown(snippet)} needs the op {name!r}, which the ops table lacks; supported "
            f"operators: {_operators()} and comparisons"
        )


def _check_call(node: ast.Call, term: str) -> None:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        hint = f"attribute access (write {func.attr}(...), not {func.value.id}.{func.attr}(...))"
        raise _refuse(node, term, hint)
    if not isinstance(func, ast.Name):
        what = _CONSTRUCTS.get(type(func), "something other than a function name")
        raise _refuse(node, term, f"a call of {what}")
    if node.keywords:
        keyword_arg = node.keywords[0]
        label = f"{keyword_arg.arg}=" if keyword_arg.arg else "**"
        raise _refuse(node, term, f"the keyword argument {label}")
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise _refuse(node, term, "a starred argument (*args)")
    resolved = _resolve_function(func.id)
    if resolved is None:
        raise UnknownNameError(
            f"unknown function {func.id!r} in {shown(term)}; supported: "
            + ", ".join(function_names())
        )
    op_name, nary = resolved
    arity, count = OPS[op_name].arity, len(node.args)
    fewest = arity - len(_defaults(op_name))
    if (count < 2) if nary else not fewest <= count <= arity:
        wanted = (
            "2 or more arguments"
            if nary
            else f"{fewest} to {arity} arguments"
            if fewest < arity
            else f"{arity} argument{'s' * (arity != 1)}"
        )
        raise ParseError(f"{func.id} takes {wanted}, got {count}: {shown(term)}")


def _check_name(node: ast.Name, term: str, names: set[str], variables: set[str] | None) -> None:
    name = node.id
    if variables is not None and name in variables:
        names.add(name)
    elif name in CONSTANTS:
        return
    elif _resolve_function(name) is not None:
        raise ParseError(f"{name} is a function: call it, as in {name}(x); in {shown(term)}")
    elif variables is not None:
        raise UnknownNameError(
            f"unknown symbol {name!r} in {shown(term)}; the variables are "
            + ", ".join(sorted(variables, key=natural_key))
        )
    else:
        names.add(name)


def _constant_kind(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bytes):
        return "a bytes literal"
    if isinstance(value, complex):
        return "a complex number"
    return f"the constant {value!r}"


# ----------------------------------------------------------------------------- building
def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _build(tree: ast.expr, term: str, inputs: dict[str, Tracer]) -> Any:
    """Post-order walk with an explicit stack: a Tracer, or a float for a constant."""
    values: dict[int, Any] = {}
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        children = _operands(node)
        if not ready and children:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children))
            continue
        args = [values.pop(id(c)) for c in children]
        values[id(node)] = _combine(node, args, term, inputs)
    return values[id(tree)]


def _combine(node: ast.expr, args: list[Any], term: str, inputs: dict[str, Tracer]) -> Any:
    fold = _Folder(node, term)
    if isinstance(node, ast.Constant):
        return fold.number(node.value)
    if isinstance(node, ast.Name):
        return inputs[node.id] if node.id in inputs else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        return fold(_BINARY[type(node.op)][1], *args)
    if isinstance(node, ast.UnaryOp):
        return fold("neg", args[0]) if isinstance(node.op, ast.USub) else args[0]
    if isinstance(node, ast.Compare):
        tests = [
            fold.compare(_COMPARE[type(op)], a, b) for op, a, b in zip(node.ops, args, args[1:])
        ]
        return reduce(lambda a, b: fold("mul", a, b), tests)
    op_name, nary = _resolve_function(node.func.id)
    if nary:
        return reduce(lambda a, b: fold(op_name, a, b), args)
    defaults = _defaults(op_name)
    missing = OPS[op_name].arity - len(args)  # trailing arguments with defaults
    return fold(op_name, *args, *defaults[len(defaults) - missing :])


class _Folder:
    """Applies ops for one node: a graph node when an argument is traced, else a float64
    constant, refused when it is not finite (overflow, or outside the op's domain)."""

    def __init__(self, node: ast.expr | None, term: str) -> None:
        self.node, self.term = node, term  # node None: the whole term is meant

    def __call__(self, name: str, *args: Any) -> Any:
        if any(isinstance(a, Tracer) for a in args):
            return apply(name, *args)
        with np.errstate(all="ignore"):
            value = float(apply(name, *args))
        if not math.isfinite(value):
            why = (
                "is infinite in float64 (overflow or division by zero)"
                if math.isinf(value)
                else f"is outside the domain of {name}"
            )
            raise ParseError(f"the constant {self._snippet()} {why} (it evaluates to {value})")
        return value

    def compare(self, name: str, a: Any, b: Any) -> Any:
        if name == "ne" and "ne" not in OPS:
            return self("sub", 1.0, self("eq", a, b))
        return self(name, a, b)

    def number(self, value: int | float) -> float:
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ParseError(f"the number {self._snippet()} overflows float64")
        return number

    def _snippet(self) -> str:
        segment = None if self.node is None else ast.get_source_segment(self.term, self.node)
        return shown(segment or self.term)


# ----------------------------------------------------------------------------- entry
def parse(text: str, variables: Sequence[str] | None = None, name: str = "f") -> Function:
    """A Function from a formula string (module docstring for the grammar; `^` is power).

    Inputs are `variables` in that order, or the names used, sorted naturally (x2 < x10).
    O(len(text)).

    >>> f = parse("(x + y) * sin(x)")
    >>> f.input_names, round(float(f(1.0, 2.0)), 6)
    (('x', 'y'), 2.524413)
    """
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"expected a formula string such as 'x*y + sin(x)', got {text!r:.80}")
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"the formula has {len(text)} characters, more than the limit of {MAX_LENGTH}; "
            "build large expressions with expr.trace"
        )
    declared = _variable_names(variables)
    text = " ".join(text.split())  # one line: newlines and tabs are spaces
    with warnings.catch_warnings():  # e.g. SyntaxWarning for `x is 1`, refused below
        warnings.simplefilter("ignore")
        terms = [(sign, term, _syntax_tree(term, text)) for sign, term in _terms(text)]
    used: set[str] = set()
    allowed = None if declared is None else set(declared)
    for _, term, tree in terms:
        _check(tree, term, used, allowed)
    order = declared if declared is not None else sorted(used, key=natural_key)

    def formula(*xs: Tracer) -> Any:  # traced: the terms' ops recorded in order
        inputs, fold, total = dict(zip(order, xs)), _Folder(None, text), None
        for sign, term, tree in terms:
            value = _build(tree, term, inputs)
            total = value if total is None else fold("add" if sign == "+" else "sub", total, value)
        return total

    function = trace(formula, *[0.0] * len(order), names=order)
    function.name = name
    return function


def _variable_names(variables: Any) -> list[str] | None:
    """`variables` as a list of distinct identifiers (SymPy symbols give their names)."""
    if variables is None:
        return None
    if isinstance(variables, str):
        raise InputError(
            f"variables must be a list of names such as ['x', 'y'], got the string {variables!r:.80}"
        )
    try:
        items = list(variables)
    except TypeError:
        raise InputError(
            f"variables must be a list of names such as ['x', 'y'], got {type(variables).__name__}"
        ) from None
    names = [v.name if getattr(v, "is_Symbol", False) else v for v in items]
    for v in names:
        if not isinstance(v, str) or not v.isidentifier() or keyword.iskeyword(v):
            raise InputError(f"variables: {v!r:.80} is not a variable name such as 'x' or 'x1'")
    if len(set(names)) != len(names):
        raise InputError(f"variables: {names!r:.80} names a variable twice")
    return names
