"""Bad input to every public function of symdiff: our own exception (a `SymdiffError` or
another `expr.ExprError`) naming the argument, within a time limit; deep expressions never
raise RecursionError; sizes that cannot finish are refused (or stopped by a budget).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bad_input import TIME_LIMIT, _alarm, run_case

import expr
import symdiff
from expr import catalog
from symdiff import differentiate

X, Y = sympy.symbols("x y", real=True)


def _raising(x: Any) -> Any:
    raise ValueError("boom")


# (label, call, expected exception type, words the message must contain)
CASES: list[tuple[str, Callable[[], Any], type, tuple[str, ...]]] = [
    # the function: wrong type, None, a user function that raises or returns junk
    ("gradient of None", lambda: symdiff.gradient(None), expr.ExprError, ("nonetype",)),
    ("gradient of a dict", lambda: symdiff.gradient({"x": 1}), expr.ExprError, ("dict",)),
    ("gradient of 3", lambda: symdiff.gradient(3), expr.ExprError, ("int",)),
    (
        "python function without args",
        lambda: symdiff.gradient(lambda x: x),
        symdiff.SymdiffError,
        ("args",),
    ),
    ("args not a tuple", lambda: symdiff.gradient("x", args=1.0), symdiff.SymdiffError, ("args",)),
    (
        "args a string",
        lambda: symdiff.gradient(lambda x: x, args="ab"),
        symdiff.SymdiffError,
        ("args",),
    ),
    (
        "user function raises",
        lambda: symdiff.gradient(_raising, args=(1.0,)),
        expr.ExprError,
        ("boom",),
    ),
    # method, wrt, order
    ("method None", lambda: symdiff.gradient("x", method=None), symdiff.SymdiffError, ("method",)),
    ("method a list", lambda: symdiff.jacobian("x", method=["sympy"]), symdiff.SymdiffError, ()),
    ("wrt an int", lambda: symdiff.gradient("x*y", wrt=5), symdiff.SymdiffError, ("wrt",)),
    ("wrt empty", lambda: symdiff.hessian("x*y", wrt=[]), symdiff.SymdiffError, ("wrt",)),
    ("wrt unknown", lambda: symdiff.gradient("x*y", wrt="z"), symdiff.SymdiffError, ("z",)),
    ("wrt a float in a list", lambda: symdiff.gradient("x", wrt=[1.5]), symdiff.SymdiffError, ()),
    ("order True", lambda: symdiff.derivative_program("x", order=True), symdiff.SymdiffError, ()),
    ("order 1.0", lambda: symdiff.derivative_program("x", order=1.0), symdiff.SymdiffError, ()),
    ("order 0", lambda: symdiff.derivative_program("x", order=0), symdiff.SymdiffError, ("order",)),
    (
        "hessian of a vector function",
        lambda: symdiff.hessian([X * Y, X + Y]),
        symdiff.SymdiffError,
        ("scalar",),
    ),
    (
        "program order 2 of a vector function",
        lambda: symdiff.derivative_program([X * Y, X], order=2),
        symdiff.SymdiffError,
        ("scalar",),
    ),
    ("variables of None", lambda: symdiff.variables(None), expr.ExprError, ("nonetype",)),
    # budgets: strings, inf, NaN, negative, bool
    (
        "budget a string",
        lambda: symdiff.gradient("x", budget_s="5"),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "budget inf",
        lambda: symdiff.gradient("x", budget_s=float("inf")),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "budget nan",
        lambda: symdiff.hessian("x", budget_s=float("nan")),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "budget negative",
        lambda: symdiff.jacobian("x", budget_s=-1),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "budget True",
        lambda: symdiff.derivative("x", budget_s=True),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "swell budget string",
        lambda: symdiff.swell("x", budget_s="1"),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "run_job budget inf",
        lambda: symdiff.run_job(lambda r: None, float("inf")),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    ("run_job not callable", lambda: symdiff.run_job("job", 1.0), symdiff.SymdiffError, ("str",)),
    (
        "call_with_budget not callable",
        lambda: symdiff.call_with_budget(None, budget_s=1.0),
        symdiff.SymdiffError,
        ("nonetype",),
    ),
    (
        "call_with_budget: the function raises",
        lambda: symdiff.call_with_budget(_raising, 1.0, budget_s=5.0),
        symdiff.SymdiffError,
        ("boom",),
    ),
    # lambdify: strings never reach sympify, symbols checked, arguments checked
    (
        "lambdify a string",
        lambda: symdiff.lambdify("x**2", ["x"]),
        symdiff.SymdiffError,
        ("exprs", "str"),
    ),
    (
        "lambdify a string in a list",
        lambda: symdiff.lambdify([X, "__import__('os')"], ["x"]),
        symdiff.SymdiffError,
        ("exprs[1]",),
    ),
    ("lambdify None", lambda: symdiff.lambdify(None, ["x"]), symdiff.SymdiffError, ("exprs",)),
    (
        "lambdify symbols a string",
        lambda: symdiff.lambdify(X, "xy"),
        symdiff.SymdiffError,
        ("symbols",),
    ),
    (
        "lambdify symbols None",
        lambda: symdiff.lambdify(X, None),
        symdiff.SymdiffError,
        ("symbols",),
    ),
    (
        "lambdify a symbol that is no identifier",
        lambda: symdiff.lambdify(X, ["x; import os"]),
        symdiff.SymdiffError,
        ("symbols[0]",),
    ),
    (
        "lambdify repeated symbols",
        lambda: symdiff.lambdify(X, ["x", "x"]),
        symdiff.SymdiffError,
        ("distinct",),
    ),
    (
        "lambdify a number symbol",
        lambda: symdiff.lambdify(X, [3]),
        symdiff.SymdiffError,
        ("symbols[0]",),
    ),
    (
        "lambdified: too few arguments",
        lambda: symdiff.lambdify(X * Y, ["x", "y"])(1.0),
        symdiff.SymdiffError,
        ("2 arguments",),
    ),
    (
        "lambdified: a string argument",
        lambda: symdiff.lambdify(X, ["x"])("a"),
        symdiff.SymdiffError,
        ("argument x",),
    ),
    (
        "lambdified: None",
        lambda: symdiff.lambdify(X, ["x"])(None),
        symdiff.SymdiffError,
        ("argument x",),
    ),
    (
        "lambdified: complex",
        lambda: symdiff.lambdify(X, ["x"])(1j),
        symdiff.SymdiffError,
        ("argument x",),
    ),
    (
        "lambdified: NaN",
        lambda: symdiff.lambdify(X, ["x"])(float("nan")),
        symdiff.SymdiffError,
        ("nan",),
    ),
    (
        "lambdified: shapes that do not broadcast",
        lambda: symdiff.lambdify(X + Y, ["x", "y"])(np.ones(2), np.ones(3)),
        symdiff.SymdiffError,
        ("broadcast",),
    ),
    (
        "lambdified: log of a negative number",
        lambda: symdiff.lambdify(sympy.log(X), ["x"])(-1.0),
        symdiff.SymdiffError,
        ("nan", "domain"),
    ),
    (
        "to_program of a string",
        lambda: symdiff.to_program(["x"], [X]),
        symdiff.SymdiffError,
        ("exprs[0]",),
    ),
    # sizes on the DAG: strings are not sympified
    ("tree_size of a string", lambda: symdiff.tree_size("x + y"), symdiff.SymdiffError, ("exprs",)),
    ("dag_size of None", lambda: symdiff.dag_size(None), symdiff.SymdiffError, ("exprs",)),
    ("tree_ops of a dict", lambda: symdiff.tree_ops({"a": X}), symdiff.SymdiffError, ("exprs",)),
    (
        "count_ops of a string list",
        lambda: symdiff.count_ops(["x"]),
        symdiff.SymdiffError,
        ("exprs[0]",),
    ),
    (
        "cse_size of a string",
        lambda: symdiff.cse_size("x", [X]),
        symdiff.SymdiffError,
        ("replacements",),
    ),
    # swell, swell_curve
    (
        "swell unknown mode",
        lambda: symdiff.swell("x", mode="bogus"),
        symdiff.SymdiffError,
        ("bogus",),
    ),
    ("swell of None", lambda: symdiff.swell(None), expr.ExprError, ("nonetype",)),
    (
        "swell_curve unknown family",
        lambda: symdiff.swell_curve("bogus", [1]),
        expr.ExprError,
        ("bogus",),
    ),
    (
        "swell_curve sizes a string",
        lambda: symdiff.swell_curve("logistic", "123"),
        symdiff.SymdiffError,
        ("sizes",),
    ),
    (
        "swell_curve a float size",
        lambda: symdiff.swell_curve("logistic", [2.5]),
        symdiff.SymdiffError,
        ("size",),
    ),
    (
        "swell_curve methods a string",
        lambda: symdiff.swell_curve("logistic", [2], methods="graph"),
        symdiff.SymdiffError,
        ("methods",),
    ),
    (
        "swell_curve budget a string",
        lambda: symdiff.swell_curve("logistic", [2], budget_s="1"),
        symdiff.SymdiffError,
        ("budget_s",),
    ),
    (
        "swell max_tree_size True",
        lambda: symdiff.swell("x", max_tree_size=True),
        symdiff.SymdiffError,
        ("max_tree_size",),
    ),
    # huge sizes: refused at once, with the limit named
    (
        "derivative_program of a 50,000-op chain",
        lambda: symdiff.derivative_program(catalog.nested_sin_exp(50_000)),
        symdiff.SymdiffError,
        ("20000", "autodiff"),
    ),
    (
        "graph gradient of a 50,000-op chain",
        lambda: symdiff.gradient(catalog.nested_sin_exp(50_000), method="graph"),
        expr.ExprError,
        ("limit",),
    ),
    (
        "to_sympy of a 5,000-op chain",
        lambda: catalog.nested_sin_exp(5_000).to_sympy(),
        expr.ExprError,
        ("600", "derivative_program"),
    ),
]


@pytest.mark.parametrize(("label", "call", "error", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_our_error(label: str, call: Callable, error: type, words: tuple) -> None:
    run_case(call, error, words)


def test_a_450_op_chain_goes_through_sympy_without_recursion_error() -> None:
    f = catalog.nested_sin_exp(450)
    e = f.to_sympy()  # the default recursion limit (1,000) is far too small for SymPy here
    assert symdiff.dag_size(e) == 451
    program = symdiff.derivative_program(f)
    value = symdiff.lambdify(program, symdiff.variables(f))(0.3)
    np.testing.assert_allclose(value, [float(expr.reference(f, 0.3))], rtol=1e-10)
    deep_logistic = catalog.logistic_map(150)  # 450 ops: inlined through the graph method
    d = symdiff.derivative(deep_logistic, "x", method="graph")
    assert symdiff.tree_size(d) > 10**30


def test_deep_work_over_the_default_budget_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """A "graph" result too slow to write out, and "sympy" work too slow to finish, stop
    after `DEFAULT_BUDGET_S` (shortened here) with `BudgetExceeded` naming the way round."""
    monkeypatch.setattr(differentiate, "DEFAULT_BUDGET_S", 0.3)
    f = catalog.nested_sin_exp(450)
    run_case(
        lambda: symdiff.gradient(f, method="graph"), symdiff.BudgetExceeded, ("derivative_program",)
    )
    run_case(lambda: symdiff.gradient(f, method="sympy"), symdiff.BudgetExceeded, ("budget_s",))


def test_an_explicit_budget_lifts_the_size_limits() -> None:
    f = catalog.logistic_map(4)
    got = symdiff.gradient(f, method="sympy", budget_s=30.0)
    assert got == symdiff.gradient(f, method="sympy")


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.complex_numbers(max_magnitude=10),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.one_of(st.none(), st.text(max_size=2), st.floats()), max_size=3),
)


def result_or_our_error(call: Callable[[], Any]) -> None:
    """Either a result or our own exception within the time limit: never a foreign one."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT)
    try:
        call()
    except expr.ExprError:
        pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=60, deadline=None)
@given(junk=JUNK, which=st.sampled_from(["wrt", "method", "args", "budget_s", "order", "symbols"]))
def test_junk_arguments_give_our_error_or_a_result(junk: Any, which: str) -> None:
    calls = {
        "wrt": lambda: symdiff.gradient("x*y", wrt=junk),
        "method": lambda: symdiff.jacobian("x*y", method=junk),
        "args": lambda: symdiff.gradient(lambda x: x * x, args=junk),
        "budget_s": lambda: symdiff.derivative("x**2", budget_s=junk),
        "order": lambda: symdiff.derivative_program("x**2", order=junk),
        "symbols": lambda: symdiff.lambdify(X * 2, junk),
    }
    result_or_our_error(calls[which])


@settings(max_examples=40, deadline=None)
@given(value=JUNK)
def test_lambdified_functions_check_their_arguments(value: Any) -> None:
    f = symdiff.lambdify(sympy.exp(X) / (1 + sympy.exp(X)), ["x"])
    result_or_our_error(lambda: f(value))
