"""Bad input across the public API, table-driven: each case must raise our own exception
type (a subclass of `expr.ExprError`) with a message naming the problem, within a time
limit. Also: the conventions at kinks agree across backends.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy

import autodiff
import compare
import expr
import numdiff
import symdiff

TIME_LIMIT = 30  # seconds per case: nothing may hang


def _raising(x: Any) -> Any:
    raise ValueError("boom")


def _chain(n: int) -> expr.Function:
    def fn(x: Any) -> Any:
        for _ in range(n):
            x = expr.sin(x) * 0.5 + 0.1
        return x

    return expr.trace(fn, 0.3)


X = sympy.Symbol("x")


def _deep_sympy(depth: int) -> sympy.Expr:
    e = X
    for _ in range(depth):
        e = sympy.sin(e) * sympy.exp(e)
    return e


DEEP = _deep_sympy(12)  # its SymPy Hessian takes minutes: a budget must stop it

# (label, call, expected exception type, words the message must contain)
CASES: list[tuple[str, Callable[[], Any], type, tuple[str, ...]]] = [
    ("parse unknown function", lambda: expr.parse("foo(x)"), expr.UnknownNameError, ("foo",)),
    ("parse syntax error", lambda: expr.parse("x + * y"), expr.ParseError, ("cannot parse",)),
    ("parse empty string", lambda: expr.parse(""), expr.ParseError, ("formula",)),
    ("parse unbalanced", lambda: expr.parse("sin(x"), expr.ParseError, ("cannot parse",)),
    (
        "apply unknown op",
        lambda: expr.apply("frobnicate", 1.0),
        expr.UnknownNameError,
        ("frobnicate",),
    ),
    (
        "trace shape mismatch",
        lambda: expr.trace(lambda a, b: a + b, np.ones(3), np.ones(4)),
        expr.ShapeError,
        ("(3,)", "(4,)"),
    ),
    (
        "matmul mismatch",
        lambda: expr.trace(lambda a, b: a @ b, np.ones((2, 3)), np.ones((2, 3))),
        expr.ShapeError,
        ("matmul",),
    ),
    (
        "reshape size",
        lambda: expr.trace(lambda a: expr.reshape(a, (4,)), np.ones(3)),
        expr.ShapeError,
        ("reshape",),
    ),
    (
        "python if on tracer",
        lambda: expr.trace(lambda a: a if a > 0 else -a, 1.0),
        expr.TracerBoolError,
        ("bool",),
    ),
    ("traced function raises", lambda: expr.trace(_raising, 1.0), expr.TraceError, ("boom",)),
    ("call missing input", lambda: expr.parse("x*y")(1.0), expr.InputError, ("missing", "y")),
    ("call string input", lambda: expr.parse("x")("a"), expr.InputError, ("dtype",)),
    (
        "reference log of negative",
        lambda: expr.reference("log(x)", -1.0),
        expr.DomainError,
        ("log",),
    ),
    ("reference complex input", lambda: expr.reference("x", 1j), expr.InputError, ("real",)),
    ("reference wrong count", lambda: expr.reference("x*y", 1.0), expr.InputError, ("inputs",)),
    ("reference order 3", lambda: expr.reference("x", 1.0, order=3), expr.InputError, ("order",)),
    ("catalog unknown", lambda: expr.catalog.get("nope"), expr.InputError, ("nope",)),
    (
        "from_sympy gamma",
        lambda: expr.from_sympy(sympy.gamma(X)),
        expr.UnknownNameError,
        ("gamma",),
    ),
    (
        "argnums out of range",
        lambda: autodiff.grad("x*y", argnums=5)(1.0, 2.0),
        autodiff.ArgnumsError,
        ("out of range",),
    ),
    (
        "argnums repeated",
        lambda: autodiff.grad("x*y", argnums=(0, 0))(1.0, 2.0),
        autodiff.ArgnumsError,
        ("repeats",),
    ),
    (
        "argnums empty",
        lambda: autodiff.grad("x*y", argnums=())(1.0, 2.0),
        autodiff.ArgnumsError,
        ("empty",),
    ),
    (
        "grad of non-scalar",
        lambda: autodiff.grad(lambda x: x * 2.0)(np.ones(3)),
        autodiff.NonScalarOutputError,
        ("scalar", "(3,)"),
    ),
    (
        "hessian of non-scalar",
        lambda: autodiff.hessian(lambda x: x * 2.0)(np.ones(3)),
        autodiff.NonScalarOutputError,
        ("scalar",),
    ),
    (
        "grad input shape",
        lambda: autodiff.grad(expr.trace(lambda x: expr.sum(x), np.ones(3)))(np.ones(4)),
        autodiff.InputShapeError,
        ("(4,)", "(3,)"),
    ),
    ("grad missing input", lambda: autodiff.grad("x*y")(1.0), expr.InputError, ("missing",)),
    ("grad string dtype", lambda: autodiff.grad("x")("abc"), expr.InputError, ("dtype",)),
    (
        "grad object dtype",
        lambda: autodiff.grad("x")(np.array([object()])),
        expr.InputError,
        ("dtype", "object"),
    ),
    ("grad function raises", lambda: autodiff.grad(_raising)(1.0), expr.TraceError, ("boom",)),
    (
        "jvp tangent shape",
        lambda: autodiff.jvp("x*y", (1.0, 2.0), (np.ones(3), 0.0)),
        autodiff.InputShapeError,
        ("tangent",),
    ),
    (
        "jvp tangent count",
        lambda: autodiff.jvp("x*y", (1.0, 2.0), (1.0,)),
        autodiff.AutodiffError,
        ("tangents",),
    ),
    (
        "vjp cotangent shape",
        lambda: autodiff.vjp("x*y", 1.0, 2.0)[1](np.ones(3)),
        autodiff.InputShapeError,
        ("cotangent",),
    ),
    (
        "unknown checkpoint strategy",
        lambda: autodiff.grad("sin(x)", checkpoint="bogus")(1.0),
        autodiff.AutodiffError,
        ("bogus",),
    ),
    (
        "symdiff unknown method",
        lambda: symdiff.gradient("x*y", method="magic"),
        symdiff.SymdiffError,
        ("magic", "sympy", "graph"),
    ),
    (
        "symdiff unknown variable",
        lambda: symdiff.derivative("x*y", "z"),
        symdiff.SymdiffError,
        ("z",),
    ),
    (
        "symdiff derivative of two variables",
        lambda: symdiff.derivative("x*y"),
        symdiff.SymdiffError,
        ("exactly one",),
    ),
    (
        "symdiff gradient non-scalar",
        lambda: symdiff.gradient(lambda x: x * 2.0, args=(np.ones(2),)),
        symdiff.SymdiffError,
        ("scalar",),
    ),
    (
        "lambdify unknown symbol",
        lambda: symdiff.lambdify(sympy.Symbol("q"), ["x"]),
        symdiff.SymdiffError,
        ("q",),
    ),
    (
        "symdiff syntax error",
        lambda: symdiff.gradient("x +* y"),
        expr.ParseError,
        ("cannot parse",),
    ),
    (
        "symdiff program order 3",
        lambda: symdiff.derivative_program("x", order=3),
        symdiff.SymdiffError,
        ("order",),
    ),
    (
        "step zero",
        lambda: numdiff.derivative("sin(x)", 1.0, step=0.0),
        numdiff.StepError,
        ("step",),
    ),
    (
        "step negative",
        lambda: numdiff.derivative("sin(x)", 1.0, step=-1e-3),
        numdiff.StepError,
        ("positive",),
    ),
    (
        "step nan",
        lambda: numdiff.derivative("sin(x)", 1.0, step=float("nan")),
        numdiff.StepError,
        ("finite",),
    ),
    (
        "hessian step zero",
        lambda: numdiff.hessian("x*x", 1.0, step=0.0),
        numdiff.StepError,
        ("step",),
    ),
    (
        "unknown FD method",
        lambda: numdiff.derivative("sin(x)", 1.0, method="magic"),
        numdiff.MethodError,
        ("magic", "central"),
    ),
    (
        "FD order not offered",
        lambda: numdiff.derivative("sin(x)", 1.0, method="central", order=3),
        numdiff.MethodError,
        ("order",),
    ),
    (
        "complex step on abs (graph)",
        lambda: numdiff.derivative("abs(x)", 1.0, method="complex"),
        numdiff.ComplexStepError,
        ("imaginary",),
    ),
    (
        "complex step on np.abs (black box)",
        lambda: numdiff.derivative(lambda x: np.abs(x), 1.0, method="complex"),
        numdiff.ComplexStepError,
        ("imaginary",),
    ),
    (
        "FD at nan",
        lambda: numdiff.derivative("sin(x)", float("nan")),
        numdiff.NonFiniteError,
        ("nan",),
    ),
    (
        "FD at inf",
        lambda: numdiff.derivative("sin(x)", float("inf")),
        numdiff.NonFiniteError,
        ("finite",),
    ),
    (
        "FD outside domain",
        lambda: numdiff.derivative(lambda x: np.log(x), -1.0),
        numdiff.NonFiniteError,
        ("finite",),
    ),
    (
        "FD gradient non-scalar",
        lambda: numdiff.gradient(lambda x: x * 2, np.ones(3)),
        numdiff.NumdiffShapeError,
        ("scalar",),
    ),
    (
        "FD empty input",
        lambda: numdiff.gradient(lambda x: np.sum(x), np.array([])),
        numdiff.NumdiffShapeError,
        ("no elements",),
    ),
    (
        "FD string input",
        lambda: numdiff.derivative("sin(x)", "abc"),
        numdiff.NumdiffShapeError,
        ("dtype",),
    ),
    (
        "FD complex input",
        lambda: numdiff.derivative("sin(x)", 1j),
        numdiff.NumdiffShapeError,
        ("real",),
    ),
    (
        "sweep unknown method",
        lambda: numdiff.sweep("sin(x)", 1.0, methods=["magic"]),
        numdiff.NumdiffError,
        ("magic",),
    ),
    (
        "symdiff time budget exceeded",
        lambda: symdiff.hessian(DEEP, method="sympy", budget_s=0.2),
        symdiff.BudgetExceeded,
        ("budget",),
    ),
    (
        "swell unknown mode",
        lambda: symdiff.swell("x", mode="bogus"),
        symdiff.SymdiffError,
        ("bogus",),
    ),
    (
        "swell negative size budget",
        lambda: symdiff.swell("x", max_tree_size=-1),
        symdiff.SymdiffError,
        ("max_tree_size",),
    ),
    (
        "compare unknown experiment",
        lambda: compare.run(["nope"], out_dir="unused-dir", progress=False),
        compare.CompareError,
        ("nope",),
    ),
    (
        "compare missing records",
        lambda: compare.read_csv("/nonexistent/records.csv"),
        compare.CompareError,
        ("no records file",),
    ),
    (
        "compare unknown style",
        lambda: compare.method_style("nope"),
        compare.CompareError,
        ("nope",),
    ),
    (
        "FD no inputs",
        lambda: numdiff.jacobian(lambda: 1.0, ()),
        numdiff.NumdiffShapeError,
        ("no elements",),
    ),
    (
        "FD step not a number",
        lambda: numdiff.gradient("x*y", (1.0, 2.0), step="big"),
        numdiff.StepError,
        ("step",),
    ),
    (
        "FD step count",
        lambda: numdiff.gradient("x*y", (1.0, 2.0), step=[1e-3, 1e-3, 1e-3]),
        numdiff.StepError,
        ("one per input",),
    ),
    (
        "FD vectorized wrong output",
        lambda: numdiff.gradient(lambda x: np.sum(x), np.ones(3), vectorized=True),
        numdiff.NumdiffShapeError,
        ("vectorized",),
    ),
    (
        "check_grad wrong length",
        lambda: numdiff.check_grad("x*y", lambda a, b: (1.0,), (1.0, 2.0)),
        numdiff.NumdiffShapeError,
        ("entries",),
    ),
    (
        "hvp vector shape",
        lambda: autodiff.hvp("x*y", (1.0, 2.0), (np.ones(3), 0.0)),
        autodiff.InputShapeError,
        ("tangent",),
    ),
    (
        "jacfwd argnums out of range",
        lambda: autodiff.jacfwd("x*y", argnums=3)(1.0, 2.0),
        autodiff.ArgnumsError,
        ("out of range",),
    ),
    (
        "grad of SymPy gamma",
        lambda: autodiff.grad(sympy.gamma(X))(1.0),
        expr.UnknownNameError,
        ("gamma",),
    ),
    ("grad unknown name", lambda: autodiff.grad("foo(x)"), expr.UnknownNameError, ("foo",)),
    ("FD unknown name", lambda: numdiff.derivative("foo(x)", 1.0), expr.UnknownNameError, ("foo",)),
    ("symdiff unknown name", lambda: symdiff.gradient("foo(x)"), expr.UnknownNameError, ("foo",)),
    ("function is an int", lambda: expr.as_function(42), expr.InputError, ("int",)),
    (
        "getitem out of range",
        lambda: expr.trace(lambda a: a[5], np.ones(3)),
        expr.ShapeError,
        ("out of bounds",),
    ),
    (
        "sum axis out of range",
        lambda: expr.trace(lambda a: expr.sum(a, axis=3), np.ones(3)),
        expr.ShapeError,
        ("axis",),
    ),
    (
        "where shapes",
        lambda: expr.trace(lambda a, b: expr.where(a, a, b), np.ones(3), np.ones(2)),
        expr.ShapeError,
        ("broadcast",),
    ),
    (
        "broadcast_to shape",
        lambda: expr.trace(lambda a: expr.broadcast_to(a, (2,)), np.ones(3)),
        expr.ShapeError,
        ("broadcast",),
    ),
    (
        "transpose axes",
        lambda: expr.trace(lambda a: expr.transpose(a, (0, 0)), np.ones((2, 3))),
        expr.ShapeError,
        ("permutation",),
    ),
    (
        "reference_value sqrt of negative",
        lambda: expr.reference_value("sqrt(x)", -4.0),
        expr.DomainError,
        ("sqrt", "domain"),
    ),
    (
        "parse unknown variable",
        lambda: expr.parse("x*y", variables=["x"]),
        expr.UnknownNameError,
        ("y",),
    ),
    ("parse a float", lambda: expr.parse(3.5), expr.ParseError, ("formula",)),
    (
        "FD function raises",
        lambda: numdiff.derivative(_raising, 1.0),
        numdiff.NumdiffError,
        ("boom",),
    ),
    ("reference at nan", lambda: expr.reference("x*x", float("nan")), expr.DomainError, ("nan",)),
    ("reference at inf", lambda: expr.reference("x*x", float("inf")), expr.DomainError, ("inf",)),
]

# Found by this suite, reported and fixed (argnums check, NaN in the forward sweep).
CASES += [
    (
        "argnums float",
        lambda: autodiff.grad("x*y", argnums=1.5),
        autodiff.ArgnumsError,
        ("argnums",),
    ),
    ("grad at nan input", lambda: autodiff.grad("sqrt(x)")(float("nan")), expr.ExprError, ("nan",)),
    (
        "grad with a nan entry",
        lambda: autodiff.grad(lambda a: expr.sum(a * a))(np.array([1.0, np.nan])),
        expr.ExprError,
        ("nan",),
    ),
    ("grad of log(-1)", lambda: autodiff.grad("log(x)")(-1.0), expr.ExprError, ("log",)),
]


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError(f"a bad-input case ran over {TIME_LIMIT} s")


def run_case(call: Callable[[], Any], error: type, words: tuple[str, ...]) -> None:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT)
    try:
        with pytest.raises(error) as info:
            call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert issubclass(info.type, expr.ExprError)
    message = str(info.value).lower()
    for word in words:
        assert word.lower() in message, (word, str(info.value))


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("label", "call", "error", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_our_error(label: str, call: Callable, error: type, words: tuple) -> None:
    run_case(call, error, words)


def test_huge_depth_differentiates() -> None:
    """A 20,000-op chain (iterative walks everywhere): grad and jvp agree, no crash."""
    f = _chain(10_000)
    assert f.size() >= 20_000
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    try:
        g = float(autodiff.grad(f)(0.3))
        _, t = autodiff.jvp(f, (0.3,), (1.0,))
        fd = float(numdiff.derivative(f, 0.3))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert np.isfinite(g) and abs(g - float(t)) <= 1e-12 * max(1.0, abs(g))
    assert abs(fd - g) <= 1e-6 * max(1.0, abs(g))


# ----------------------------------------------------------------------------- conventions
KINKS = [
    ("abs(x)", (0.0,), [0.0]),
    ("relu(x)", (0.0,), [0.0]),
    ("maximum(x, y)", (0.5, 0.5), [0.5, 0.5]),
    ("minimum(x, y)", (0.5, 0.5), [0.5, 0.5]),
]


@pytest.mark.parametrize(("text", "point", "expected"), KINKS)
def test_kink_convention_same_in_every_backend(text: str, point: tuple, expected: list) -> None:
    """abs'(0) = relu'(0) = 0, ties split evenly: autodiff (both modes), symdiff (both
    methods, lambdified) and the reference."""
    f = expr.parse(text)
    argnums = tuple(range(len(point)))
    reverse = [float(v) for v in autodiff.grad(f, argnums=argnums)(*point)]
    forward = [float(np.ravel(v)[0]) for v in autodiff.jacfwd(f, argnums=argnums)(*point)]
    ref = expr.reference(f, point if len(point) > 1 else point[0])
    ref = [float(v) for v in (ref if len(point) > 1 else (ref,))]
    assert reverse == forward == ref == expected
    for method in symdiff.METHODS:
        compiled = symdiff.lambdify(symdiff.gradient(f, method=method), symdiff.variables(f))
        assert compiled(*point).tolist() == expected, method


FD_KINKS = [
    ("abs(x)", 0.0, "central", 0.0),
    ("abs(x)", 0.0, "forward", 1.0),
    ("abs(x)", 0.0, "backward", -1.0),
    ("relu(x)", 0.0, "central", 0.5),
    ("relu(x)", 0.0, "forward", 1.0),
    ("relu(x)", 0.0, "backward", 0.0),
    ("maximum(x, 1 - x)", 0.5, "central", 0.0),
    ("maximum(x, 1 - x)", 0.5, "forward", 1.0),
]


@pytest.mark.parametrize(("text", "point", "method", "expected"), FD_KINKS)
def test_finite_differences_at_kinks(text: str, point: float, method: str, expected: float) -> None:
    """At a kink a difference quotient gives a one-sided slope (forward: right, backward:
    left) or, central, their mean: relu'(0) ~ 0.5, abs'(0) = 0. This is the documented
    behaviour of FD, deliberately not forced to the AD convention (relu'(0) = 0)."""
    got = float(numdiff.derivative(text, point, method=method))
    assert abs(got - expected) <= 1e-6


def test_central_differences_split_a_maximum_tie_like_the_convention() -> None:
    """maximum(x, y) at x = y: central differences give (0.5, 0.5), as the convention."""
    got = numdiff.gradient("maximum(x, y)", (0.5, 0.5))
    assert np.allclose([float(v) for v in got], [0.5, 0.5], atol=1e-8)
