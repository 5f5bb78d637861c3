"""Bad input to the front end's ops and functions: each gets our own error (a subclass of
expr.ExprError) naming the argument, fast; and nothing that used to be accepted silently
(axes taken modulo ndim, sizes truncated to ints) is."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy

import autodiff
import expr

X23 = np.ones((2, 3))


def traced(fn, x=X23):
    return expr.trace(fn, x)


CASES = [
    # transpose: out of range, repeated, wrong count, non-int axes
    ("transpose out of range", lambda: traced(lambda a: expr.transpose(a, (0, 5))), ["(0, 5)", "axes"]),
    ("transpose negative out of range", lambda: expr.transpose(X23, (-3, 0)), ["axes"]),
    ("transpose repeated", lambda: traced(lambda a: expr.transpose(a, (1, 1))), ["permutation"]),
    ("transpose too few", lambda: traced(lambda a: expr.transpose(a, (0,))), ["permutation"]),
    ("transpose float axes", lambda: traced(lambda a: expr.transpose(a, (0.0, 1.0))), ["axes"]),
    ("transpose string", lambda: traced(lambda a: expr.transpose(a, "01")), ["axes"]),
    ("transpose op direct", lambda: traced(lambda a: expr.apply("transpose", a, axes=(0, 2))), ["axes"]),
    ("tracer method", lambda: traced(lambda a: a.transpose(2, 0)), ["axes"]),
    # reshape / broadcast_to / sum_to: non-integer, negative, bool, wrong size, None
    ("reshape float", lambda: traced(lambda a: expr.reshape(a, (1.9, 6))), ["newshape", "1.9"]),
    ("reshape float direct", lambda: traced(lambda a: expr.apply("reshape", a, newshape=(1.9, 6))), ["newshape"]),
    ("reshape bool", lambda: traced(lambda a: expr.reshape(a, (True, 6))), ["newshape"]),
    ("reshape negative", lambda: traced(lambda a: expr.reshape(a, (-2, -3))), ["newshape"]),
    ("reshape two -1", lambda: traced(lambda a: expr.reshape(a, (-1, -1))), ["newshape"]),
    ("reshape size", lambda: traced(lambda a: expr.reshape(a, (4, 2))), ["reshape", "(4, 2)"]),
    ("reshape string", lambda: traced(lambda a: expr.reshape(a, "6")), ["newshape"]),
    ("reshape None", lambda: traced(lambda a: expr.reshape(a, None)), ["newshape"]),
    ("reshape -1 float", lambda: traced(lambda a: expr.reshape(a, (-1, 1.5))), ["newshape"]),
    ("broadcast_to float", lambda: traced(lambda a: expr.broadcast_to(a, (2.7, 3))), ["newshape", "2.7"]),
    ("broadcast_to float direct", lambda: expr.trace(lambda a: expr.apply("broadcast_to", a, newshape=(2.7, 3)), np.ones(3)), ["newshape"]),
    ("broadcast_to incompatible", lambda: traced(lambda a: expr.broadcast_to(a, (4, 3))), ["broadcast"]),
    ("broadcast_to None", lambda: traced(lambda a: expr.broadcast_to(a, None)), ["newshape"]),
    ("sum_to float", lambda: traced(lambda a: expr.sum_to(a, (3.0,))), ["newshape"]),
    # reductions and composites
    ("sum axis out of range", lambda: traced(lambda a: expr.sum(a, axis=2)), ["axis"]),
    ("sum axis float", lambda: traced(lambda a: expr.sum(a, axis=0.5)), ["axis"]),
    ("var ddof too big", lambda: traced(lambda a: expr.var(a, axis=0, ddof=2)), ["ddof"]),
    ("prod empty", lambda: expr.prod(np.ones((0,))), ["empty"]),
    ("squeeze wide axis", lambda: traced(lambda a: expr.squeeze(a, 0)), ["squeeze", "length"]),
    ("expand_dims out of range", lambda: traced(lambda a: expr.expand_dims(a, 5)), ["axis"]),
    ("concatenate string", lambda: expr.concatenate("ab"), ["list or tuple"]),
    ("concatenate empty", lambda: expr.concatenate([]), ["at least one"]),
    ("concatenate shapes", lambda: expr.concatenate([np.ones((2, 3)), np.ones((2, 4))]), ["differ"]),
    ("concatenate 0-d", lambda: expr.concatenate([1.0, 2.0]), ["0-d"]),
    ("stack tracer", lambda: traced(lambda a: expr.stack(a)), ["list or tuple"]),
    ("diagonal same axes", lambda: expr.diagonal(X23, axis1=0, axis2=0), ["differ"]),
    ("dot misaligned", lambda: expr.dot(np.ones((2, 3)), np.ones((4, 2, 5))), ["align"]),
    ("matmul eager misaligned", lambda: expr.matmul(np.ones((2, 3)), np.ones((2, 3))), ["matmul", "(2, 3)"]),
    ("elementwise eager shapes", lambda: expr.add(np.ones(3), np.ones(4)), ["add"]),
    ("elementwise arity", lambda: expr.sin(1.0, 2.0), ["sin", "takes 1"]),
    # indexing
    ("index float", lambda: traced(lambda a: a[1.5]), ["index"]),
    ("index string", lambda: traced(lambda a: a["a"]), ["index"]),
    ("index bare bool", lambda: traced(lambda a: a[True]), ["bool"]),
    ("index out of range", lambda: traced(lambda a: a[[0, 7]]), ["index", "(2, 3)"]),
    ("index traced", lambda: traced(lambda a: a[a]), ["traced value cannot be an index"]),
    ("mask wrong shape", lambda: traced(lambda a: a[np.array([True, False, True])]), ["index"]),
    # names
    ("unknown name", lambda: expr.ops.resolve_name("gamma"), ["gamma", "supported"]),
    ("name not a string", lambda: expr.ops.resolve_name(None), ["None"]),
    ("apply unknown op", lambda: expr.apply("nope", 1.0), ["nope"]),
    ("from_sympy unsupported", lambda: expr.from_sympy(sympy.besselj(0, sympy.Symbol("x"))), ["besselj"]),
    # define_op
    ("define_op taken", lambda: expr.define_op("tanh", kernel=np.tanh, sympy=sympy.tanh), ["taken"]),
    ("define_op keyword", lambda: expr.define_op("lambda", kernel=np.tanh, sympy=sympy.tanh), ["identifier"]),
    ("define_op arity", lambda: expr.define_op("bad_arity_op", kernel=np.tanh, sympy=sympy.tanh, arity=0), ["arity"]),
    ("define_op aliases string", lambda: expr.define_op("bad_alias_op", kernel=np.tanh, sympy=lambda x: x, aliases="ba"), ["aliases"]),
    ("define_op counterpart raises", lambda: expr.define_op("bad_raise_op", kernel=np.tanh, sympy=lambda x: 1 / 0), ["counterpart failed"]),
    # reference
    ("reference digits 0", lambda: expr.reference("x", 1.0, digits=0), ["digits", "15"]),
    ("reference digits negative", lambda: expr.reference("x", 1.0, digits=-5), ["digits"]),
    ("reference digits 14", lambda: expr.reference_value("x", 1.0, digits=14), ["digits"]),
    ("reference digits float", lambda: expr.reference("x", 1.0, digits=50.0), ["digits"]),
    ("reference digits huge", lambda: expr.reference("x", 1.0, digits=10**9), ["digits", "1000"]),
    ("reference order", lambda: expr.reference("x", 1.0, order=3), ["order"]),
    ("reference order bool", lambda: expr.reference("x", 1.0, order=True), ["order"]),
]  # fmt: skip


@pytest.mark.parametrize("make,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_our_error_naming_the_argument(make, words):
    start = time.perf_counter()
    with pytest.raises(expr.ExprError) as info:
        make()
    assert time.perf_counter() - start < 20
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


def test_rejected_definitions_leave_the_table_alone():
    for name in ("bad_arity_op", "bad_alias_op", "bad_raise_op"):
        assert name not in expr.OPS


def test_attributes_are_not_taken_modulo_or_truncated():
    """transpose(x, (0, 5)) was the identity; reshape to (1.9, 6) became (1, 6)."""
    with pytest.raises(expr.ShapeError):
        expr.transpose(np.ones((2, 3)), (0, 5))
    with pytest.raises(expr.InputError):
        expr.reshape(np.ones((2, 3)), (1.9, 6))
    with pytest.raises(expr.InputError):
        expr.broadcast_to(np.ones(3), (2.7, 3))
    assert expr.transpose(np.ones((2, 3)), (-1, -2)).shape == (3, 2)  # negative axes are fine


def test_reference_of_a_long_sum_is_linear():
    """A sum over 10**5 inputs: one reverse sweep (it took 10**5 forward sweeps)."""
    x = np.linspace(-1.0, 1.0, 100_000)
    start = time.perf_counter()
    g = expr.reference(lambda x: expr.sum(x * x), x)
    assert time.perf_counter() - start < 20
    np.testing.assert_allclose(g, 2 * x, rtol=1e-15)


def test_gradients_of_bad_attributes_are_not_computed_silently():
    with pytest.raises(expr.ExprError):
        autodiff.grad(lambda a: expr.sum(expr.transpose(a, (0, 5))))(X23)
