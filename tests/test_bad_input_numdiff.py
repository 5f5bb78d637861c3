"""Bad input to numdiff's public functions: each gets a numdiff error (a subclass of
expr.ExprError) naming the argument, in well under a second; nothing hangs."""

from __future__ import annotations

import time

import numpy as np
import pytest

import expr
import numdiff


def _raises_none():
    raise RuntimeError("boom")


CASES = {
    "method not a string": lambda: numdiff.derivative(np.sin, 1.0, method=3),
    "method None": lambda: numdiff.derivative(np.sin, 1.0, method=None),
    "n zero": lambda: numdiff.derivative(np.sin, 1.0, n=0),
    "n seven": lambda: numdiff.derivative(np.sin, 1.0, n=7),
    "n float": lambda: numdiff.derivative(np.sin, 1.0, n=1.5),
    "n string": lambda: numdiff.derivative(np.sin, 1.0, n="2"),
    "order old name": lambda: numdiff.derivative(np.sin, 1.0, order=2),
    "accuracy odd central": lambda: numdiff.derivative(np.sin, 1.0, accuracy=3),
    "accuracy string": lambda: numdiff.derivative(np.sin, 1.0, accuracy="4"),
    "complex step n=2": lambda: numdiff.derivative(np.sin, 1.0, n=2, method="complex"),
    "max_evals string": lambda: numdiff.derivative(np.sin, 1.0, method="auto", max_evals="15"),
    "max_evals inf": lambda: numdiff.derivative(np.sin, 1.0, method="auto", max_evals=float("inf")),
    "max_evals huge": lambda: numdiff.derivative(np.sin, 1.0, method="auto", max_evals=10**9),
    "max_evals None-like bool": lambda: numdiff.derivative(
        np.sin, 1.0, method="auto", max_evals=True
    ),
    "atol negative": lambda: numdiff.derivative(np.sin, 1.0, method="auto", atol=-1.0),
    "rtol string": lambda: numdiff.derivative(np.sin, 1.0, method="auto", rtol="small"),
    "rtol nan": lambda: numdiff.derivative(np.sin, 1.0, method="auto", rtol=float("nan")),
    "step complex": lambda: numdiff.derivative(np.sin, 1.0, step=1e-3j),
    "step text list": lambda: numdiff.gradient("x*y", (1.0, 2.0), step=["a", "b"]),
    "step complex list": lambda: numdiff.gradient("x*y", (1.0, 2.0), step=[1e-3j, 1e-3]),
    "step None list": lambda: numdiff.gradient("x*y", (1.0, 2.0), step=[None, 1e-3]),
    "step vanishes": lambda: numdiff.derivative(np.sin, 1.0, step=1e-300),
    "forward step vanishes": lambda: numdiff.derivative(np.sin, 1.0, method="forward", step=1e-20),
    "second derivative step underflows": lambda: numdiff.derivative(np.sin, 0.0, n=2, step=1e-200),
    "full_output string": lambda: numdiff.derivative(np.sin, 1.0, full_output="yes"),
    "vectorized string": lambda: numdiff.derivative(np.sin, 1.0, vectorized="no"),
    "f None": lambda: numdiff.derivative(None, 1.0),
    "f a number": lambda: numdiff.derivative(3.0, 1.0),
    "x None": lambda: numdiff.derivative(np.sin, None),
    "x string": lambda: numdiff.derivative(np.sin, "1.0"),
    "x empty array": lambda: numdiff.derivative(np.sin, np.array([])),
    "f raises": lambda: numdiff.derivative(lambda t: _raises_none(), 1.0),
    "f returns None": lambda: numdiff.derivative(lambda t: None, 1.0),
    "f returns str": lambda: numdiff.derivative(lambda t: "1.0", 1.0),
    "f returns dict": lambda: numdiff.derivative(lambda t: {"a": t}, 1.0),
    "auto f returns None": lambda: numdiff.derivative(lambda t: None, 1.0, method="auto"),
    "elementwise f returns None": lambda: numdiff.derivative(lambda t: None, np.ones(3)),
    "elementwise wrong shape": lambda: numdiff.derivative(
        lambda t: np.sum(t), np.ones(3), vectorized=True
    ),
    "gradient method list": lambda: numdiff.gradient("x*y", (1.0, 2.0), method=["central"]),
    "jacobian f raises": lambda: numdiff.jacobian(lambda v: _raises_none(), np.ones(2)),
    "hessian method forward": lambda: numdiff.hessian("x*y", (1.0, 2.0), method="forward"),
    "hessian vector f": lambda: numdiff.hessian(lambda v: v, np.ones(2)),
    "hessian too many steps": lambda: numdiff.hessian("x*y", (1.0, 2.0), step=[1e-3] * 5),
    "hessdiag order": lambda: numdiff.hessdiag("x*y", (1.0, 2.0), order=2),
    "hessian max_evals string": lambda: numdiff.hessian(
        "x*y", (1.0, 2.0), method="auto", max_evals="9"
    ),
    "check_grad grad_fn None result": lambda: numdiff.check_grad(
        lambda v: np.sum(v**2), lambda v: None, np.ones(2)
    ),
    "check_grad grad_fn not callable": lambda: numdiff.check_grad(
        lambda v: np.sum(v**2), None, np.ones(2)
    ),
    "check_grad grad_fn raises": lambda: numdiff.check_grad(
        lambda v: np.sum(v**2), lambda v: _raises_none(), np.ones(2)
    ),
    "check_grad grad_fn nan": lambda: numdiff.check_grad(
        lambda v: np.sum(v**2), lambda v: v * np.nan, np.ones(2)
    ),
    "sweep methods string": lambda: numdiff.sweep("sin(x)", 1.0, methods="central"),
    "sweep methods None": lambda: numdiff.sweep("sin(x)", 1.0, methods=None),
    "sweep nan reference": lambda: numdiff.sweep(
        np.sin, 1.0, methods=["central"], reference=float("nan")
    ),
    "sweep string reference": lambda: numdiff.sweep(
        np.sin, 1.0, methods=["central"], reference="0.5"
    ),
    "sweep complex steps": lambda: numdiff.sweep("sin(x)", 1.0, steps=[1e-3j], methods=["central"]),
    "sweep text steps": lambda: numdiff.sweep("sin(x)", 1.0, steps=["a"], methods=["central"]),
    "sweep steps string": lambda: numdiff.sweep("sin(x)", 1.0, steps="1e-3", methods=["central"]),
    "sweep n string": lambda: numdiff.sweep("sin(x)", 1.0, methods=["central"], n="2"),
    "sweep wrt string": lambda: numdiff.sweep("sin(x)", 1.0, methods=["central"], wrt="x"),
    "sweep auto": lambda: numdiff.sweep("sin(x)", 1.0, methods=["auto"]),
    "sweep complex n=2": lambda: numdiff.sweep("sin(x)", 1.0, methods=["complex"], n=2),
    "f returns complex": lambda: numdiff.derivative(lambda t: np.sqrt(t + 0j), 1.0),
    "elementwise f returns complex": lambda: numdiff.derivative(
        lambda t: np.sqrt(t + 0j), np.ones(2), vectorized=True
    ),
    "x inf": lambda: numdiff.derivative(np.sin, np.inf, method="auto"),
    "elementwise x nan": lambda: numdiff.derivative(np.sin, np.array([1.0, np.nan])),
    "stencil n huge": lambda: numdiff.stencil("central", 100, 2),
    "stencil method list": lambda: numdiff.stencil(["central"], 1, 2),
    "fornberg too many offsets": lambda: numdiff.fornberg(list(range(10_000)), 1),
    "fornberg text": lambda: numdiff.fornberg("abc", 1),
    "fornberg inf offset": lambda: numdiff.fornberg([0, float("inf")], 0),
    "default_step junk rule": lambda: numdiff.default_step(None, 1.0),
    "default_step text x": lambda: numdiff.default_step(numdiff.STENCILS["central", 1, 2], "a"),
    "machine_epsilon junk": lambda: numdiff.machine_epsilon("abc"),
    "optimal_step junk": lambda: numdiff.optimal_step(None, 1.0, 1.0, 1e-16),
    "summaries None": lambda: numdiff.summaries(None),
    "summaries junk rows": lambda: numdiff.summaries([1, 2]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_numdiff_error(name):
    start = time.perf_counter()
    with pytest.raises(numdiff.NumdiffError) as info:
        CASES[name]()
    assert isinstance(info.value, expr.ExprError)
    assert str(info.value)
    assert time.perf_counter() - start < 5.0


def test_a_user_exception_is_chained():
    with pytest.raises(numdiff.EvaluationError, match="boom") as info:
        numdiff.derivative(lambda t: _raises_none(), 1.0)
    assert isinstance(info.value.__cause__, RuntimeError)


def test_vanishing_step_names_the_smallest_usable_step():
    with pytest.raises(numdiff.StepError, match="smallest usable step"):
        numdiff.derivative(np.sin, 1.0, method="forward", step=1e-20)


def test_old_order_name_says_which_one_was_meant():
    with pytest.raises(numdiff.MethodError, match=r"n=2.*accuracy=2"):
        numdiff.derivative(np.sin, 1.0, order=2)
