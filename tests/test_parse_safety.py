"""Formula strings: the grammar of `expr.parse`, and proof that no string runs code.

Every public function that accepts a formula string gets code-execution strings and other
non-formulas; each must raise our own error (an `expr.ExprError`) at once, while tripwires
on `eval`, `exec`, `sympify`, `parse_expr`, `os.system` and `subprocess.Popen` record any
call and a sentinel file shows whether a payload ran. The old SymPy-based reading of strings
survives only here, as an independent check that the new parser means the same formulas.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import sympy
import sympy.parsing.sympy_parser as sympy_parser
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import compare
import expr
import numdiff
import symdiff

SENTINEL = "parse_safety_pwned"

HOSTILE = [
    f"__import__('os').system('touch {SENTINEL}')",
    f"Integer.__new__.__globals__['__builtins__']['open']('{SENTINEL}', 'w')",
    "Symbol.__init__.__globals__",
    "x.__class__.__mro__",
    "x.__class__",
    "(lambda: x)()",
    "lambda x: x",
    "x if x else y",
    "[x for x in y]",
    "sum(x for x in y)",
    f"open('{SENTINEL}', 'w').write('x')",
    "exec('1')",
    "eval('x')",
    "getattr(x, 'real')",
    "'x'",
    "b'x'",
    "f'{x}'",
    "(y := x)",
    "x and y",
    "not x",
    "x[0]",
    "x[1:2]",
    "sin(x=1)",
    "sin(*x)",
    "sin(**x)",
    "sin(x)(x)",
    "{x}",
    "{x: 1}",
    "[x]",
    "x, y",
    "1j * x",
    "None",
    "True + x",
    "x @ y",
    "~x",
    "x | y",
    "x is y",
    "x in y",
    "x; y",
    "x = 1",
    "x # comment",
    "\x00x",
    "9**9**9**9",
    "x + 1e400",
    "x * " + "9" * 500,
    "(" * 10_000 + "x" + ")" * 10_000,
    "-" * 10_000 + "x",
    "x" + " * x" * 5_000,
    "x + " * 70_000 + "x",
]

# Every public way a string gets in: each callable takes the string. The last three take
# names (of catalog entries, experiments, families), not formulas.
NAMES_ONLY = {"expr.catalog.get", "compare.run", "symdiff.swell_curve"}
# These take SymPy objects and refuse every string.
STRINGS_REFUSED = {
    "expr.from_sympy",
    "expr.from_sympy list",
    "expr.as_function list",
    "symdiff.lambdify",
    "symdiff.lambdify list",
    "symdiff.to_program",
    "symdiff.tree_size",
    "symdiff.tree_ops",
    "symdiff.dag_size",
    "symdiff.count_ops",
    "symdiff.lambdify Program",
}
ENTRIES = {
    "expr.parse": lambda s: expr.parse(s),
    "expr.parse variables": lambda s: expr.parse(s, variables=["x", "y"]),
    "expr.as_function": lambda s: expr.as_function(s),
    "expr.as_function list": lambda s: expr.as_function([s]),
    "expr.from_sympy": lambda s: expr.from_sympy(s),
    "expr.from_sympy list": lambda s: expr.from_sympy([s]),
    "expr.reference": lambda s: expr.reference(s, 1.0),
    "expr.reference_value": lambda s: expr.reference_value(s, 1.0),
    "expr.catalog.get": lambda s: expr.catalog.get(s),
    "autodiff.grad": lambda s: autodiff.grad(s)(1.0),
    "autodiff.value_and_grad": lambda s: autodiff.value_and_grad(s)(1.0),
    "autodiff.jvp": lambda s: autodiff.jvp(s, (1.0,), (1.0,)),
    "autodiff.vjp": lambda s: autodiff.vjp(s, 1.0),
    "autodiff.jacfwd": lambda s: autodiff.jacfwd(s)(1.0),
    "autodiff.jacrev": lambda s: autodiff.jacrev(s)(1.0),
    "autodiff.hessian": lambda s: autodiff.hessian(s)(1.0),
    "autodiff.hvp": lambda s: autodiff.hvp(s, (1.0,), (1.0,)),
    "autodiff.grad_graph": lambda s: autodiff.grad_graph(s),
    "autodiff.adjoints": lambda s: autodiff.adjoints(s, 1.0),
    "autodiff.backward_table": lambda s: autodiff.backward_table(s, 1.0),
    "autodiff.op_counts": lambda s: autodiff.op_counts(s, 1.0),
    "numdiff.derivative": lambda s: numdiff.derivative(s, 1.0),
    "numdiff.gradient": lambda s: numdiff.gradient(s, [1.0]),
    "numdiff.jacobian": lambda s: numdiff.jacobian(s, [1.0]),
    "numdiff.hessian": lambda s: numdiff.hessian(s, [1.0]),
    "numdiff.sweep": lambda s: numdiff.sweep(s, 1.0),
    "numdiff.check_grad": lambda s: numdiff.check_grad(s, lambda x: x, 1.0),
    "symdiff.derivative": lambda s: symdiff.derivative(s),
    "symdiff.gradient": lambda s: symdiff.gradient(s),
    "symdiff.gradient graph": lambda s: symdiff.gradient(s, method="graph"),
    "symdiff.jacobian": lambda s: symdiff.jacobian(s),
    "symdiff.hessian": lambda s: symdiff.hessian(s),
    "symdiff.derivative_program": lambda s: symdiff.derivative_program(s),
    "symdiff.variables": lambda s: symdiff.variables(s),
    "symdiff.swell": lambda s: symdiff.swell(s, memory=False),
    "symdiff.swell_curve": lambda s: symdiff.swell_curve(s, [1]),
    "symdiff.lambdify": lambda s: symdiff.lambdify(s, ["x"]),
    "symdiff.lambdify list": lambda s: symdiff.lambdify([s], ["x"]),
    "symdiff.to_program": lambda s: symdiff.to_program([s], [sympy.Symbol("x")]),
    "symdiff.tree_size": lambda s: symdiff.tree_size(s),
    "symdiff.tree_ops": lambda s: symdiff.tree_ops(s),
    "symdiff.dag_size": lambda s: symdiff.dag_size(s),
    "symdiff.count_ops": lambda s: symdiff.count_ops(s),
    "compare.run": lambda s: compare.run([s], out_dir=os.path.join(SENTINEL, "out")),
    "symdiff.lambdify Program": lambda s: symdiff.lambdify(_program(s), ["x"]),
}


def _program(output: str) -> symdiff.Program:
    x = sympy.Symbol("x", real=True)
    return symdiff.Program((x,), (), (output,))


@pytest.fixture
def tripwires(monkeypatch, tmp_path):
    """A function that arms spies on every call that could run a string as code (and moves
    to an empty folder); it returns the list the spies record into."""
    calls: list[tuple[str, object]] = []

    def spy(name, real, on_strings_only=True):
        def wrapper(*args, **kwargs):
            if not on_strings_only or (args and isinstance(args[0], str)):
                calls.append((name, args[0] if args else None))
            return real(*args, **kwargs)

        return wrapper

    def arm() -> list:
        monkeypatch.chdir(tmp_path)
        sympify_module = sys.modules["sympy.core.sympify"]
        monkeypatch.setattr(builtins, "eval", spy("eval", builtins.eval))
        monkeypatch.setattr(builtins, "exec", spy("exec", builtins.exec))
        monkeypatch.setattr(sympy, "sympify", spy("sympify", sympy.sympify))
        monkeypatch.setattr(sympify_module, "sympify", spy("sympify", sympify_module.sympify))
        monkeypatch.setattr(
            sympy_parser, "parse_expr", spy("parse_expr", sympy_parser.parse_expr, False)
        )
        monkeypatch.setattr(os, "system", spy("os.system", os.system, False))
        monkeypatch.setattr(subprocess, "Popen", spy("Popen", subprocess.Popen, False))
        return calls

    return arm


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_no_string_runs_code(entry, tripwires, tmp_path):
    """Every hostile string through every entry: our error at once, nothing ran. (One
    harmless call first, so that lazy imports, which exec module code, are done; it also
    shows that the entry really reads formula strings.)"""
    call = ENTRIES[entry]
    if entry in NAMES_ONLY or entry in STRINGS_REFUSED:
        with contextlib.suppress(expr.ExprError):
            call("x + 1")
    else:
        call("x + 1")
    calls = tripwires()
    for text in HOSTILE:
        start = time.perf_counter()
        with pytest.raises(expr.ExprError) as raised:
            call(text)
        assert time.perf_counter() - start < 5.0, (entry, text[:40])
        if entry not in NAMES_ONLY:
            assert len(str(raised.value)) < 2_000, (entry, text[:40])
    assert calls == [], calls[:3]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("x.__class__", "attribute"),
        ("Integer.__new__.__globals__['__builtins__']", "subscript"),
        ("Integer.__new__.__globals__", "attribute"),
        ("x[0]", "subscript"),
        ("(lambda: x)()", "lambda"),
        ("lambda x: x", "lambda"),
        ("[x for x in y]", "comprehension"),
        ("x if y else 1", "conditional expression"),
        ("sin(x=1)", "keyword argument"),
        ("sin(*x)", "starred argument"),
        ("'abc'", "string"),
        ("b'abc'", "bytes"),
        ("f'{x}'", "f-string"),
        ("(y := 2) * x", ":="),
        ("x and y", "boolean operator"),
        ("not x", "not"),
        ("x(1)(2)", "call of"),
        ("np.sin(x)", "write sin(...), not np.sin(...)"),
        ("x, y", "tuple"),
        ("[x]", "list"),
        ("1j * x", "complex"),
        ("None", "None"),
        ("x @ y", "@"),
        ("x is y", "is"),
        ("x # hi", "comment"),
        ("sin", "is a function"),
    ],
)
def test_refusals_name_the_construct(text, construct):
    with pytest.raises(expr.ParseError, match=r"formula|function") as raised:
        expr.parse(text)
    assert construct in str(raised.value)


def test_unknown_names_are_our_error():
    with pytest.raises(expr.UnknownNameError, match=r"'foo'.*supported.*sin"):
        expr.parse("foo(x) + 1")
    with pytest.raises(expr.UnknownNameError, match=r"__import__"):
        expr.parse("__import__('os')")
    with pytest.raises(expr.UnknownNameError, match=r"'z'.*x, y"):
        expr.parse("x + z", variables=["x", "y"])
    with pytest.raises(expr.ParseError, match="takes 1 argument, got 2"):
        expr.parse("sin(x, y)")
    with pytest.raises(expr.ParseError, match="2 or more"):
        expr.parse("max(x)")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("9**9**9**9", ["infinite in float64", "'9**9**9'"]),
        ("2**5000 * x", ["infinite", "'2**5000'"]),
        ("1/0 + x", ["infinite", "'1/0'"]),
        ("log(-1) * x", ["domain of log"]),
        ("sqrt(-4) + x", ["domain of sqrt"]),
        ("x + 1e400", ["overflows float64"]),
        ("x * " + "9" * 400, ["overflows float64"]),
    ],
)
def test_constants_fold_in_float64_and_refuse_overflow(text, words):
    start = time.perf_counter()
    with pytest.raises(expr.ParseError) as raised:
        expr.parse(text)
    assert time.perf_counter() - start < 1.0
    assert all(w in str(raised.value) for w in words), str(raised.value)
    assert expr.parse("x / 0").size() == 1  # not a constant: a graph, inf when evaluated


def test_constants_fold_to_one_node():
    f = expr.parse("2*3*x + 2**10 - pi*0")
    assert f.size() == 3  # (6 * x + 1024) - 0
    assert float(f(1.0)) == 1030.0
    assert expr.parse("1 + 2").size() == 0 and float(expr.parse("1 + 2")()) == 3.0


def test_limits_refuse_at_once_with_short_messages():
    for text, words in [
        ("(" * 10_000 + "x" + ")" * 10_000, ["nests brackets more than", "100"]),
        ("sin(" * 101 + "x" + ")" * 101, ["100"]),
        ("-" * 10_000 + "x", ["too deeply"]),
        ("x" + "*x" * 5_000, ["too deeply"]),
        ("x+" * 50_001 + "x", ["characters", "100000"]),
    ]:
        start = time.perf_counter()
        with pytest.raises(expr.ParseError) as raised:
            expr.parse(text)
        assert time.perf_counter() - start < 2.0
        message = str(raised.value)
        assert all(w in message for w in words), message
        assert len(message) < 300 and text[:100] not in message, message


def test_messages_quote_at_most_80_characters():
    long_attack = "x.__class__" + " + x" * 200
    with pytest.raises(expr.ParseError) as raised:
        expr.parse("y * (" + long_attack + ")")
    quoted = str(raised.value).split("'")[1]
    assert len(quoted) <= 80


def test_a_flat_sum_of_5000_terms_parses():
    text = " + ".join(f"{k % 7 - 3} * x{k}" for k in range(5_000))
    f = expr.parse(text)
    assert f.n_inputs == 5_000 and f.input_names[:3] == ("x0", "x1", "x2")
    x = np.linspace(-1.0, 1.0, 5_000)
    expected = sum((k % 7 - 3) * x[k] for k in range(5_000))
    assert math.isclose(float(f(*x)), expected, rel_tol=1e-12, abs_tol=1e-9)
    g = expr.parse(" - ".join(["x"] * 5_000))
    assert float(g(1.0)) == -4998.0


def test_the_depth_limit_is_ours_not_pythons():
    """1,000 nested operations parse and 1,001 do not, on every Python version."""
    assert expr.parse("x" + " * x" * 999).size() == 999
    with pytest.raises(expr.ParseError, match="more than 1000 levels"):
        expr.parse("x" + " * x" * 1000)
    assert float(expr.parse("-" * 999 + "x")(1.0)) == -1.0


def test_nesting_up_to_the_limit_parses():
    f = expr.parse("(" * 100 + "x + 1" + ")" * 100)
    assert float(f(1.0)) == 2.0
    deep = "sin(" * 99 + "x" + ")" * 99
    value = 0.5
    for _ in range(99):
        value = math.sin(value)
    assert math.isclose(float(expr.parse(deep)(0.5)), value, rel_tol=1e-14)


# ----------------------------------------------------------------------------- the grammar
@pytest.mark.parametrize(
    ("text", "x", "expected"),
    [
        ("-x**2", 3.0, -9.0),
        ("(-x)**2", 3.0, 9.0),
        ("-x^2", 3.0, -9.0),
        ("2**-x", 1.0, 0.5),
        ("2**3**2 + 0*x", 1.0, 512.0),
        ("x/2/2", 8.0, 2.0),
        ("x - 1 - 1", 3.0, 1.0),
        ("1 + 2*x**2", 3.0, 19.0),
        ("x^2 + 1", 3.0, 10.0),
        ("+x - -x", 2.0, 4.0),
        ("--x", 2.0, 2.0),
        ("1e-3*x", 2.0, 0.002),
        (".5*x", 2.0, 1.0),
        ("2.*x", 2.0, 4.0),
        ("1_000 * x", 2.0, 2000.0),
        ("x * 2E2", 1.0, 200.0),
        ("pi * x", 1.0, math.pi),
        ("E ** x", 1.0, math.e),
        ("ln(x)", math.e, 1.0),
        ("Abs(x) + abs(x)", -2.0, 4.0),
        ("max(x, 1, 2*x)", 3.0, 6.0),
        ("min(x, 1, 2*x)", 3.0, 1.0),
        ("maximum(x, 0)", -1.0, 0.0),
        ("where(x > 0, x, -x)", -2.0, 2.0),
        ("sin(x)**2 + cos(x)**2", 0.7, 1.0),
        ("x\n + 1", 1.0, 2.0),
        ("x % 3", 7.0, 1.0),
        ("-x % 3", 7.0, 2.0),
        ("x // 2", 7.0, 3.0),
        ("2 * x // 3 % 2", 4.0, 0.0),
        ("atan(x) + arctan(x)", 1.0, math.pi / 2),
        ("elu(x)", -1.0, math.expm1(-1.0)),
        ("elu(x, 2)", -1.0, 2 * math.expm1(-1.0)),
        ("Heaviside(x)", 2.0, 1.0),
    ],
)
def test_grammar(text, x, expected):
    assert math.isclose(float(expr.parse(text)(x)), expected, rel_tol=1e-15)


@pytest.mark.parametrize(
    ("text", "op", "at", "expected"),
    [
        ("x > 1", "gt", (2.0, 0.0), (1.0, 0.0)),
        ("x >= 1", "ge", (1.0, 0.0), (1.0, 0.0)),
        ("x < 1", "lt", (2.0, 0.0), (0.0, 1.0)),
        ("x <= 1", "le", (1.0, 2.0), (1.0, 0.0)),
        ("x == 1", "eq", (1.0, 2.0), (1.0, 0.0)),
        ("x != 1", "eq", (1.0, 2.0), (0.0, 1.0)),
        ("0 < x < 1", "lt", (0.5, 2.0), (1.0, 0.0)),
        ("0 < x <= 1 < 2*x", "le", (0.75, 0.25), (1.0, 0.0)),
    ],
)
def test_comparisons_are_ops_giving_0_or_1(text, op, at, expected):
    f = expr.parse(text)
    assert op in f.op_counts() or (op == "eq" and "ne" in f.op_counts())
    assert [float(f(v)) for v in at] == list(expected)
    assert float(autodiff.grad(f)(at[0])) == 0.0


def test_variables():
    assert expr.parse("x10 + x2 + x1").input_names == ("x1", "x2", "x10")
    f = expr.parse("y * x", variables=["x", "y", "unused"])
    assert f.input_names == ("x", "y", "unused") and float(f(2.0, 3.0, 5.0)) == 6.0
    assert expr.parse("pi * x").input_names == ("x",)
    assert expr.parse("E * x", variables=["E", "x"]).input_names == ("E", "x")
    assert expr.parse("x", variables=[sympy.Symbol("x")]).input_names == ("x",)
    for bad, word in [("xy", "string"), (["x", "x"], "twice"), (["x y"], "name"), (3, "int")]:
        with pytest.raises(expr.InputError, match=word):
            expr.parse("x", variables=bad)
    for bad in [None, 3.5, b"x", "", "   "]:
        with pytest.raises(expr.ParseError, match="formula"):
            expr.parse(bad)


def test_syntax_errors_say_cannot_parse():
    for text in ["x + * 2", "sin(x", "x)", "x +", "2x", "x y", "x $ y"]:
        with pytest.raises(expr.ParseError, match="cannot parse"):
            expr.parse(text)


# ------------------------------------------------------- the same meaning as the old path
_OLD_NAMES = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "sigmoid": expr.sympy_functions.sigmoid,
    "softplus": expr.sympy_functions.softplus,
    "relu": expr.sympy_functions.relu,
    "abs": sympy.Abs,
    "max": sympy.Max,
    "min": sympy.Min,
    "maximum": sympy.Max,
    "minimum": sympy.Min,
    "pi": sympy.pi,
    "E": sympy.E,
}


def old_parse(text: str, variables: list[str]) -> expr.Function:
    """The SymPy-based reading replaced by expr.parse (test-authored strings only)."""
    transformations = (*sympy_parser.standard_transformations, sympy_parser.convert_xor)
    e = sympy_parser.parse_expr(text, local_dict=dict(_OLD_NAMES), transformations=transformations)
    return expr.from_sympy(e, variables)


CORPUS = [
    "x*y + sin(x)",
    "(x + y) * sin(x)",
    "exp(sin(x)) * cos(y)",
    "x**2 + y**2 - 2*x*y",
    "x^3 - 3*x^2*y + y^3",
    "sqrt(1 + x**2) / (1 + y**2)",
    "log(1 + x**2) + ln(2 + y**2)",
    "tanh(x * y) - sigmoid(x - y)",
    "softplus(x) * relu(y) + abs(x - y)",
    "max(x, y) - min(x, 2*y) + maximum(x, 0.5)",
    "-x**2 + -(y**2) - 1/x",
    "x / y / 2 + 2**-x",
    "(1 + x**2)**0.5 * (2 + y**2)**1.5",
    "relu(x - 0.3) * y + abs(y - 0.7)",
    "1e-3 * x + .5 * y + 2. + 7",
    "pi * x + E * y",
    "sin(x)**2 + cos(x)**2 + tan(y / 4)",
    "exp(-x**2 / 2) / sqrt(2 * pi)",
    "x*y*x*y / (1 + x*x + y*y)",
    "(x - y)**3 - (x + y)**-2",
]


@pytest.mark.parametrize("text", CORPUS)
def test_same_values_and_gradients_as_the_old_sympy_path(text):
    new = expr.parse(text, variables=["x", "y"])
    old = old_parse(text, ["x", "y"])
    rng = np.random.default_rng(len(text))
    for x, y in rng.uniform(0.2, 1.5, size=(5, 2)):
        a, b = float(new(x, y)), float(old(x, y))
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), (text, x, y, a, b)
        ga = autodiff.grad(new, argnums=(0, 1))(x, y)
        gb = autodiff.grad(old, argnums=(0, 1))(x, y)
        for u, v in zip(ga, gb):
            assert abs(float(u) - float(v)) <= 1e-11 * max(1.0, abs(float(v))), (text, x, y)


UNARY = ["sin", "cos", "tanh", "exp", "sigmoid", "softplus"]


def _formulas() -> st.SearchStrategy:
    leaves = st.one_of(
        st.sampled_from(["x", "y"]),
        st.floats(-3, 3, allow_nan=False).map(lambda v: repr(round(v, 3))),
    )

    def extend(children):
        return st.one_of(
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY), children),
            st.builds(
                lambda a, op, b: f"({a}) {op} ({b})", children, st.sampled_from("+-*"), children
            ),
            st.builds(lambda a, b: f"({a}) / (1 + ({b})**2)", children, children),
            st.builds(lambda a, op: f"-({a}){op}", children, st.sampled_from(["", "**2", "^3"])),
        )

    return st.recursive(leaves, extend, max_leaves=10)


@settings(max_examples=60, deadline=None)
@given(text=_formulas(), x=st.floats(-1.5, 1.5), y=st.floats(-1.5, 1.5))
def test_random_formulas_mean_what_sympy_read(text, x, y):
    new = expr.parse(text, variables=["x", "y"])
    old = old_parse(text, ["x", "y"])
    with np.errstate(all="ignore"):
        a, b = float(new(x, y)), float(old(x, y))
    if math.isfinite(a) and math.isfinite(b):
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (text, x, y, a, b)


def test_hostile_variable_names_never_run(tmp_path, monkeypatch):
    """Names become SymPy symbols that lambdify would print into generated code: expr.parse
    and symdiff.lambdify refuse names that are not identifiers, and the paths that take any
    name (the reference, numdiff's model) run nothing."""
    monkeypatch.chdir(tmp_path)
    bad = f"__import__('os').system('touch {SENTINEL}')"
    with pytest.raises(expr.InputError, match="not a variable name"):
        expr.parse("x", variables=[bad])
    symbol = sympy.Symbol(bad)
    with pytest.raises(symdiff.SymdiffError, match="identifier"):
        symdiff.lambdify(symbol + 1, [symbol])
    f = expr.trace(lambda x: x * x, 3.0, names=[bad])
    assert float(expr.reference(f, 3.0)) == 6.0
    with pytest.raises(symdiff.SymdiffError, match="identifier"):
        symdiff.lambdify(symdiff.gradient(f), symdiff.variables(f))
    assert numdiff.sweep(f, 3.0, steps=[1e-4], methods=["central"])
    assert list(tmp_path.iterdir()) == []


_VOCABULARY = [
    *"xy()[]{},.:;'\"+-*/%^<>=!@~&|#",
    "1", "2.5", "1e400", "9", "**", "//", "==", "<=", "sin", "max", "log", "pi", "E", "e",
    "lambda", "if", "else", "not", "and", "__import__", "__class__", "open", "f'", " ",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(_VOCABULARY), max_size=30),
    noise=st.text(max_size=20),
)
def test_any_string_parses_or_raises_our_error(tokens, noise):
    """Fuzzing: a Function or an ExprError, never a foreign exception, for any string."""
    for text in ("".join(tokens), " ".join(tokens), noise, "".join(tokens) + noise):
        try:
            f = expr.parse(text)
        except expr.ExprError:
            continue
        assert isinstance(f, expr.Function)
