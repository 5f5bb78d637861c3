"""Tracing is honest: no way of leaving the graph gives a silently wrong derivative.

float(), int(), complex(), round(), math.* and __index__ on a traced value raise our error in
every mode (abstract tracing, and the concrete tracing behind grad of a Python function),
naming the function that converted; bool() stays allowed under concrete tracing, for
control flow. A traced function that returns None, a value of another trace, or a plain
number that does not depend on its inputs through ops is refused, not differentiated to 0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff
import expr
import symdiff

# Each way in that traces a user's Python function concretely at x = 0.7.
TRANSFORMS = {
    "grad": lambda fn: autodiff.grad(fn)(0.7),
    "value_and_grad": lambda fn: autodiff.value_and_grad(fn)(0.7),
    "jacfwd": lambda fn: autodiff.jacfwd(fn)(0.7),
    "jacrev": lambda fn: autodiff.jacrev(fn)(0.7),
    "hessian": lambda fn: autodiff.hessian(fn)(0.7),
    "jvp": lambda fn: autodiff.jvp(fn, (0.7,), (1.0,)),
    "symdiff.gradient": lambda fn: symdiff.gradient(fn, args=(0.7,)),
    "symdiff.gradient graph": lambda fn: symdiff.gradient(fn, method="graph", args=(0.7,)),
    "reference": lambda fn: expr.reference(fn, 0.7),
    "trace concrete": lambda fn: expr.trace(fn, 0.7, concrete=True),
    "trace": lambda fn: expr.trace(fn, 0.7),
}


def math_sin_times_x(x):
    return math.sin(x) * x


# (function, words the message must contain)
CONVERSIONS = [
    (lambda x: math.exp(x), ["math.exp converts a traced value to a Python float", "expr.exp"]),
    (math_sin_times_x, ["math.sin converts", "np.sin"]),
    (lambda x: math.atan(x) + x, ["math.atan", "np.arctan"]),
    (lambda x: math.floor(x), ["math.floor"]),
    (lambda x: math.trunc(x), ["math.trunc", "int"]),
    (lambda x: float(x) * x, ["float() converts a traced value to a Python float"]),
    (lambda x: x * int(x), ["int() converts", "Python int"]),
    (lambda x: complex(x), ["complex() converts"]),
    (lambda x: round(x, 2), ["round() converts"]),
    (lambda x: np.float64(x), ["numpy array"]),
    (lambda x: [1.0, 2.0][x], ["index"]),
    (lambda x: range(x), ["index"]),
]


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("case", range(len(CONVERSIONS)))
def test_conversions_of_a_tracer_raise_in_every_mode(transform, case):
    fn, words = CONVERSIONS[case]
    assert_refused(expr.TracerBoolError, TRANSFORMS[transform], fn, words)


def assert_refused(error: type, transform, fn, words: list[str]) -> None:
    with pytest.raises(error) as raised:
        transform(fn)
    message = str(raised.value)
    assert all(w in message for w in words), message


def test_the_issue_examples_are_errors_not_numbers():
    """grad(math.exp)(1.0) returned 0.0 and grad(math.sin(x) * x)(1.0) returned sin 1."""
    with pytest.raises(expr.TracerBoolError, match=r"math\.exp .*use expr\.exp or np\.exp"):
        autodiff.grad(lambda x: math.exp(x))(1.0)
    with pytest.raises(expr.TracerBoolError, match=r"math\.sin"):
        autodiff.grad(lambda x: math.sin(x) * x)(1.0)


def test_bool_under_concrete_tracing_stays_allowed():
    def f(x):
        return x * x if x > 0 else -x

    assert float(autodiff.grad(f)(3.0)) == 6.0
    assert float(autodiff.grad(f)(-3.0)) == -1.0
    assert [str(g) for g in symdiff.gradient(f, args=(2.0,))] == ["2*x"]
    with pytest.raises(expr.TracerBoolError, match="bool"):
        expr.trace(f, 1.0)  # abstract tracing has no value to branch on


def test_numpy_functions_on_tracers_still_work():
    assert math.isclose(float(autodiff.grad(lambda x: np.exp(x) * x)(1.0)), 2 * math.e)
    assert math.isclose(float(autodiff.grad(lambda x: expr.sin(x) * x)(1.0)), 1.3817732906760363)


# (function, words) for outputs that would be differentiated to a silent 0.
OUTPUTS = [
    (lambda x: None, ["returned None"]),
    (lambda x: 3.0, ["float", "does not depend on its inputs"]),
    (lambda x: np.float64(2.0) + 0.0, ["does not depend"]),
    (lambda x: np.ones(3), ["ndarray", "does not depend"]),
    (lambda x: expr.sin(1.0), ["does not depend"]),
]


@pytest.mark.parametrize("transform", sorted(set(TRANSFORMS) - {"trace"}))
@pytest.mark.parametrize("case", range(len(OUTPUTS)))
def test_outputs_that_do_not_depend_on_the_inputs_are_errors(transform, case):
    fn, words = OUTPUTS[case]
    assert_refused(expr.ExprError, TRANSFORMS[transform], fn, words)


def test_none_is_refused_by_abstract_tracing_too():
    with pytest.raises(expr.TraceError, match="None"):
        expr.trace(lambda x: None, 1.0)
    with pytest.raises(expr.TraceError, match="None"):
        expr.trace(lambda x: (x, None), 1.0)


def test_a_tracer_of_another_trace_is_refused():
    outer = {}

    def capture(x):
        outer["x"] = x
        return x * 2.0

    expr.trace(capture, 1.0)
    with pytest.raises(expr.TraceError, match="another trace"):
        expr.trace(lambda y: outer["x"], 1.0)


def test_genuine_constants_built_from_ops_are_fine():
    """A constant output built from the inputs through ops has derivative 0, honestly."""
    for fn in (lambda x: 0.0 * x + 3.0, lambda x: x - x, lambda x: expr.where(x > 0, 1.0, 2.0)):
        assert float(autodiff.grad(fn)(0.7)) == 0.0
        assert float(autodiff.jacfwd(fn)(0.7)) == 0.0
        assert float(autodiff.hessian(fn)(0.7)) == 0.0
        assert [float(g) for g in symdiff.gradient(fn, args=(0.7,))] == [0.0]
    # A structural zero from the rules inside a nested transformation is such a constant.
    assert float(autodiff.grad(autodiff.grad(lambda x: 3.0 * expr.sign(x)))(0.5)) == 0.0
    # A plain constant is still fine where nothing is differentiated by tracing a user's
    # function (an abstract trace, e.g. of a graph builder).
    assert float(expr.trace(lambda x: 3.0, 1.0)(5.0)) == 3.0
