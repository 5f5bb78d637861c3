"""HIPS autograd's own test suite as an independent check: the real-valued cases of its
tests/test_scalar_ops.py, test_numpy.py and test_systematic.py (ops, shapes, axes, input
ranges), written again here. Each case is one function of a numpy-like namespace, run with
`expr` (our reverse and forward mode) and with autograd.numpy; the gradients of
sum(f(x) * w), w random, agree to 1e-10 * max(1, |g|) per component."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import autodiff
import expr

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
pytestmark = pytest.mark.peers

RNG = np.random.default_rng(1)


def R(*shape):
    return RNG.standard_normal(shape) if shape else float(RNG.standard_normal())


def U(low, high, *shape):
    return RNG.uniform(low, high, shape) if shape else float(RNG.uniform(low, high))


class Ours:
    """expr under numpy's names (np.trace is expr.matrix_trace: expr.trace traces)."""

    trace = staticmethod(expr.matrix_trace)
    flipud = staticmethod(lambda x: expr.flip(x, axis=0))
    fliplr = staticmethod(lambda x: expr.flip(x, axis=1))
    true_divide = staticmethod(expr.divide)

    def __getattr__(self, name):
        return getattr(expr, name)


OURS = Ours()

# id -> (f(ns, *xs), inputs)
UNARY = {  # test_systematic's unary ufuncs (lims as there) and test_scalar_ops
    "abs": ("abs", (0.1, 4.0)), "absolute": ("absolute", (0.1, 4.0)),
    "fabs": ("fabs", (0.1, 4.0)), "arccosh": ("arccosh", (1.1, 4.0)),
    "arcsinh": ("arcsinh", (-0.9, 0.9)), "arctanh": ("arctanh", (-0.9, 0.9)),
    "arcsin": ("arcsin", (-0.9, 0.9)), "arccos": ("arccos", (-0.9, 0.9)),
    "arctan": ("arctan", (-2.0, 2.0)), "ceil": ("ceil", (-1.4, 1.4)),
    "floor": ("floor", (-1.4, 1.4)), "cos": ("cos", (-2.0, 2.0)),
    "cosh": ("cosh", (-2.0, 2.0)), "exp": ("exp", (-2.0, 2.0)), "exp2": ("exp2", (-2.0, 2.0)),
    "expm1": ("expm1", (-2.0, 2.0)), "log": ("log", (0.2, 2.0)),
    "log10": ("log10", (0.2, 2.0)), "log1p": ("log1p", (0.2, 2.0)),
    "log2": ("log2", (0.2, 2.0)), "sign": ("sign", (0.1, 2.0)), "sin": ("sin", (-2.0, 2.0)),
    "sinh": ("sinh", (-2.0, 2.0)), "sqrt": ("sqrt", (1.0, 3.0)),
    "square": ("square", (-2.0, 2.0)), "tan": ("tan", (-1.1, 1.1)),
    "tanh": ("tanh", (-2.0, 2.0)), "negative": ("negative", (-2.0, 2.0)),
}  # fmt: skip
BINARY = {  # test_systematic's binary ufuncs and operators (lims as there)
    "add": (np.add.__name__, (-2, 2), (-2, 2)), "logaddexp": ("logaddexp", (-2, 2), (-2, 2)),
    "remainder": ("remainder", (-0.9, 0.9), (0.7, 1.9)), "mod": ("mod", (-2, 2), (0.8, 2.1)),
    "mod_neg": ("mod", (-2, 2), (-2.0, -0.3)), "true_divide": ("true_divide", (-2, 2), (0.3, 2)),
    "true_divide_neg": ("true_divide", (-2, 2), (-2.0, -0.3)),
    "maximum": ("maximum", (-2, 2), (-2, 2)), "minimum": ("minimum", (-2, 2), (-2, 2)),
    "hypot": ("hypot", (0.2, 2), (0.2, 2)), "arctan2": ("arctan2", (-2, 2), (0.2, 2)),
}  # fmt: skip
OPERATORS = {
    "op_mul": (operator.mul, (-2, 2), (-2, 2)), "op_add": (operator.add, (-2, 2), (-2, 2)),
    "op_sub": (operator.sub, (-2, 2), (-2, 2)), "op_mod": (operator.mod, (-2, 2), (0.3, 2)),
    "op_mod_neg": (operator.mod, (-2, 2), (-2.0, -0.3)),
    "op_div": (operator.truediv, (-2, 2), (0.5, 2)), "op_pow": (operator.pow, (0.7, 2), (-2, 2)),
}  # fmt: skip

CASES: dict = {}
for _id, (_name, _lims) in UNARY.items():
    for _shape in [(), (4,), (2, 3)]:
        CASES[f"{_id}{_shape}"] = (
            lambda ns, x, name=_name: getattr(ns, name)(x),
            [U(*_lims, *_shape)],
        )
for _id, (_name, _la, _lb) in BINARY.items():
    for _sa, _sb in [((), ()), ((3,), ()), ((2, 3), (3,)), ((2, 1), (2, 3))]:
        CASES[f"{_id}{_sa}{_sb}"] = (
            lambda ns, a, b, name=_name: getattr(ns, name)(a, b),
            [U(*_la, *_sa), U(*_lb, *_sb)],
        )
for _id, (_fn, _la, _lb) in OPERATORS.items():
    for _sa, _sb in [((), ()), ((2, 3), (3,))]:
        CASES[f"{_id}{_sa}{_sb}"] = (
            lambda ns, a, b, fn=_fn: fn(a, b),
            [U(*_la, *_sa), U(*_lb, *_sb)],
        )
# test_systematic's statistics (axis, keepdims) and test_numpy's reductions
for _name in ["max", "mean", "min", "sum", "prod", "var", "std"]:
    for _axis in [None, 0, 1]:
        for _keep in [False, True]:
            CASES[f"{_name}_axis{_axis}_keep{_keep}"] = (
                lambda ns, x, name=_name, axis=_axis, keep=_keep: getattr(ns, name)(
                    x, axis=axis, keepdims=keep
                ),
                [U(0.3, 1.5, 3, 4) if _name == "prod" else R(3, 4)],
            )
CASES.update({
    "sum_axis_tuple": (lambda ns, x: ns.sum(x, axis=(1, 2)), [R(4, 3, 2)]),
    "max_axis_3d": (lambda ns, x: ns.max(x, axis=1, keepdims=True), [R(3, 4, 5)]),
    "var_ddof1": (lambda ns, x: ns.var(x, axis=None, ddof=1), [R(3, 4)]),
    "std_ddof2": (lambda ns, x: ns.std(x, axis=1, ddof=2, keepdims=True), [R(3, 4)]),
    "prod_vector": (lambda ns, x: ns.prod(x), [U(0.3, 1.5, 7)]),
    "dot_mat_vec": (lambda ns, a, b: ns.dot(a, b), [R(4, 5), R(5)]),
    "dot_vec_mat": (lambda ns, a, b: ns.dot(a, b), [R(4), R(4, 5)]),
    "dot_vec_vec": (lambda ns, a, b: ns.dot(a, b), [R(5), R(5)]),
    "dot_mat_mat": (lambda ns, a, b: ns.dot(a, b), [R(2, 3), R(3, 4)]),
    "dot_float": (lambda ns, a, b: ns.dot(a, b), [R(), R(3, 4)]),
    "dot_3d": (lambda ns, a, b: ns.dot(a, b), [R(2, 3), R(4, 3, 2)]),
    "outer": (lambda ns, a, b: ns.outer(a, b), [R(5), R(4)]),
    "transpose_none": (lambda ns, x: ns.transpose(x), [R(2, 3, 4)]),
    "transpose_021": (lambda ns, x: ns.transpose(x, (0, 2, 1)), [R(2, 3, 4)]),
    "transpose_201": (lambda ns, x: ns.transpose(x, (2, 0, 1)), [R(2, 3, 4)]),
    "transpose_120": (lambda ns, x: ns.transpose(x, (1, 2, 0)), [R(2, 3, 4)]),
    "T": (lambda ns, x: x.T, [R(4, 4)]),
    "trace": (lambda ns, x: ns.trace(x), [R(5, 5)]),
    "trace_offset1": (lambda ns, x: ns.trace(x, offset=1), [R(4, 5)]),
    "trace_offset-1": (lambda ns, x: ns.trace(x, offset=-1), [R(5, 4)]),
    "diagonal": (lambda ns, x: ns.diagonal(x, axis1=-1, axis2=-2), [R(3, 4, 4)]),
    "flipud": (lambda ns, x: ns.flipud(x), [R(4, 5)]),
    "fliplr": (lambda ns, x: ns.fliplr(x), [R(4, 5)]),
    "index_ints": (lambda ns, x: x[3, 0, 1], [R(5, 6, 4)]),
    "index_slice": (lambda ns, x: x[::-1, 2:4, :], [R(5, 6, 4)]),
    "index_lists": (lambda ns, x: x[[0, 1, 2], :, :], [R(5, 6, 4)]),
    "index_mixed": (lambda ns, x: x[3, 2:, [1, 3]], [R(5, 6, 4)]),
    "index_fanout": (lambda ns, x: x[::-1, 2:4, :] + x[::-1, 3:5, :], [R(5, 6, 4)]),
    "index_twice": (lambda ns, x: x[2:6][1:3], [R(7)]),
    "multi_index": (lambda ns, x: ns.sum(x[[0, 1, 0]]), [R(3)]),
    "index_dot_slices": (lambda ns, x: ns.dot(x[:2], x[2:]), [R(4)]),
    "reshape_method": (lambda ns, x: x.reshape((20, 6)), [R(5, 6, 4)]),
    "reshape_nolist": (lambda ns, x: x.reshape(20, 6), [R(5, 6, 4)]),
    "reshape_call": (lambda ns, x: ns.reshape(x, (20, 6)), [R(5, 6, 4)]),
    "ravel": (lambda ns, x: x.ravel() + ns.ravel(x), [R(5, 6, 4)]),
    "flatten": (lambda ns, x: x.flatten(), [R(5, 6, 4)]),
    "concatenate_0": (lambda ns, x, b: ns.concatenate((b, x, b)), [R(3, 2, 4), R(2, 2, 4)]),
    "concatenate_1": (lambda ns, x, b: ns.concatenate((b, x, b), axis=1), [R(3, 2, 4), R(3, 2, 4)]),
    "clip": (lambda ns, x: ns.clip(x, 0.1, 1.1), [R(5, 5)]),
    "where": (lambda ns, a, b: ns.where(np.arange(20).reshape(4, 5) % 3 == 0, a, b), [R(4, 5), R(4, 5)]),
    "squeeze": (lambda ns, x: ns.squeeze(x), [R(5, 1, 4)]),
    "squeeze_method": (lambda ns, x: x.squeeze(), [R(5, 1, 4)]),
    "expand_dims": (lambda ns, x: ns.expand_dims(x, 2), [R(5, 1, 4)]),
    "stack": (lambda ns, x: ns.stack([x, 2.0 * x], axis=1), [R(3, 2)]),
    "non_numpy_sum": (lambda ns, a, b: sum([a, b]), [R(4, 3), R(4, 3)]),
})  # fmt: skip


def _gradients(fun, xs, weights, ns, engine):
    def scalar(*args):
        return ns.sum(fun(ns, *args) * weights)

    if engine == "autograd":
        return [autograd.grad(scalar, i)(*xs) for i in range(len(xs))]
    transform = autodiff.jacrev if engine == "reverse" else autodiff.jacfwd
    out = transform(scalar, argnums=tuple(range(len(xs))))(*xs)
    return list(out)


@pytest.mark.parametrize("case", list(CASES))
def test_gradients_agree_with_autograd(case):
    fun, xs = CASES[case]
    weights = RNG.standard_normal(np.shape(fun(np, *xs)))
    theirs = _gradients(fun, xs, weights, anp, "autograd")
    for engine in ("reverse", "forward"):
        ours = _gradients(fun, xs, weights, OURS, engine)
        for g, t in zip(ours, theirs):
            g, t = np.asarray(g, dtype=float), np.asarray(t, dtype=float)
            assert g.shape == t.shape
            assert np.all(np.abs(g - t) <= 1e-10 * np.maximum(1.0, np.abs(t))), (engine, g, t)


SECOND = ["abs", "sin", "sign", "exp", "log", "negative", "cos", "tan", "cosh", "sinh", "tanh"]


@pytest.mark.parametrize("name", SECOND)
def test_second_derivatives_of_scalar_ops_agree_with_autograd(name):
    """test_scalar_ops: 3 f(x) and its derivative, at +-1.1 and a random point."""
    low, high = UNARY[name][1]
    for x in (U(low, high), 1.1 if low < 0 else 1.2, -1.1 if low < 0 else 0.3):

        def fun(ns, x):
            return 3.0 * getattr(ns, name)(x)

        d_ours = autodiff.grad(autodiff.grad(lambda x: fun(OURS, x)))(x)
        d_theirs = autograd.grad(autograd.grad(lambda x: fun(anp, x)))(x)
        assert abs(d_ours - d_theirs) <= 1e-10 * max(1.0, abs(d_theirs)), (x, d_ours, d_theirs)
