"""Bad input to autodiff's public functions (issue 12, foreign exceptions): wrong types,
None, strings where lists or flags are meant, user functions and custom rules that raise
(their error chained) or return junk, huge Jacobians. Each gets our own exception (a
subclass of expr.ExprError) naming the argument, under the time limit of test_bad_input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_bad_input import run_case

import autodiff as ad
import expr
from autodiff.checkpoint.strategy import CheckpointError
from autodiff.custom import CustomRuleError
from autodiff.pytree import PytreeError
from autodiff.tracing import OutputError

AE = ad.AutodiffError


def boom(*args: Any) -> Any:
    raise ValueError("boom")


def sin(x: Any) -> Any:
    return expr.sin(x)


def custom(fwd: Callable | None = None, bwd: Callable | None = None, fun: Callable = sin):
    f = ad.custom_vjp(fun)
    f.defvjp(fwd or (lambda x: (sin(x), x)), bwd or (lambda x, g: (g * expr.cos(x),)))
    return f


def custom_jvp(rule: Callable):
    f = ad.custom_jvp(sin)
    f.defjvp(rule)
    return f


NESTED = [1.0]
for _ in range(150):
    NESTED = [NESTED]

CASES = [
    # the function
    ("grad of a number", lambda: ad.grad(3)(1.0), expr.InputError, ("cannot use a int",)),
    ("grad of None", lambda: ad.grad(None)(1.0), expr.InputError, ("NoneType",)),
    ("vjp of None", lambda: ad.vjp(None, 1.0), expr.InputError, ("NoneType",)),
    ("grad_graph of None", lambda: ad.grad_graph(None), expr.InputError, ("NoneType",)),
    (
        "backward_table of None",
        lambda: ad.backward_table(None, 1.0),
        expr.InputError,
        ("NoneType",),
    ),
    # flags and argnums
    ("argnums a string", lambda: ad.grad(sin, argnums="0")(1.0), ad.ArgnumsError, ("argnums",)),
    ("argnums None", lambda: ad.grad(sin, argnums=None)(1.0), ad.ArgnumsError, ("argnums",)),
    ("grad_graph argnums str", lambda: ad.grad_graph("x", "0"), ad.ArgnumsError, ("argnums",)),
    (
        "op_counts argnums str",
        lambda: ad.op_counts("x", 1.0, argnums="a"),
        ad.ArgnumsError,
        ("argnums",),
    ),
    ("has_aux a string", lambda: ad.grad(sin, has_aux="yes")(1.0), AE, ("has_aux", "'yes'")),
    ("check_nan a string", lambda: ad.grad(sin, check_nan="no")(1.0), AE, ("check_nan", "'no'")),
    ("return_stats a string", lambda: ad.grad(sin, return_stats="x"), AE, ("return_stats",)),
    ("jvp check_nan None", lambda: ad.jvp(sin, (1.0,), (1.0,), check_nan=None), AE, ("check_nan",)),
    ("jacfwd check_nan 1", lambda: ad.jacfwd(sin, check_nan=1), AE, ("check_nan",)),
    (
        "has_aux with a Function",
        lambda: ad.grad("x", has_aux=True),
        AE,
        ("has_aux", "Python function"),
    ),
    # arguments
    ("argument None", lambda: ad.grad(sin)(None), AE, ("argument 0 (x) is None",)),
    ("argument empty dict", lambda: ad.jacrev(sin)({}), AE, ("argument 0 (x) is {}",)),
    ("argument a string", lambda: ad.grad(sin)("abc"), expr.InputError, ("'x'",)),
    ("argument an object", lambda: ad.grad(sin)(object()), expr.InputError, ("'x'",)),
    ("no arguments", lambda: ad.grad(sin)(), ad.ArgnumsError, ("out of range",)),
    ("keyword the function lacks", lambda: ad.grad(sin)(1.0, foo=2), expr.TraceError, ("foo",)),
    ("keyword a Function lacks", lambda: ad.grad("x*y")(1.0, z=2.0), expr.InputError, ("'z'",)),
    (
        "dict keys unsortable",
        lambda: ad.grad(lambda d: d[1])({1: 1.0, "a": 2.0}),
        PytreeError,
        ("sortable",),
    ),
    ("pytree too deep", lambda: ad.grad(lambda t: 0.0)(NESTED), PytreeError, ("100 levels",)),
    # the user's function
    ("function raises", lambda: ad.grad(boom)(1.0), expr.TraceError, ("boom", "ValueError")),
    ("jvp function raises", lambda: ad.jvp(boom, (1.0,), (1.0,)), expr.TraceError, ("jvp", "boom")),
    ("returns None", lambda: ad.grad(lambda x: None)(1.0), OutputError, ("returned none",)),
    ("returns a string", lambda: ad.grad(lambda x: "a")(1.0), OutputError, ("str",)),
    (
        "returns a dict of strings",
        lambda: ad.grad(lambda x: {"a": "b"})(1.0),
        OutputError,
        ("str",),
    ),
    ("jacrev returns None", lambda: ad.jacrev(lambda x: None)(1.0), OutputError, ("jacrev",)),
    (
        "returns a tuple to grad",
        lambda: ad.grad(lambda x: (x, x))(1.0),
        ad.NonScalarOutputError,
        ("scalar",),
    ),
    ("has_aux without a pair", lambda: ad.grad(sin, has_aux=True)(1.0), OutputError, ("pair",)),
    # tangents and cotangents
    ("vjp without primals", lambda: ad.vjp(sin), AE, ("primal",)),
    ("cotangent a string", lambda: ad.vjp(sin, 1.0)[1]("a"), AE, ("cotangent", "str")),
    ("cotangent None", lambda: ad.vjp(sin, 1.0)[1](None), AE, ("structure",)),
    ("cotangent structure", lambda: ad.vjp(lambda x: (x, x), 1.0)[1](1.0), AE, ("structure",)),
    ("cotangent NaN", lambda: ad.vjp(sin, 1.0)[1](float("nan")), ad.NaNError, ("cotangent",)),
    ("jvp primals not a tuple", lambda: ad.jvp(sin, 1.0, 1.0), AE, ("primals", "tuple")),
    ("jvp primals a string", lambda: ad.jvp(sin, "ab", "cd"), AE, ("primals", "str")),
    ("jvp tangents None", lambda: ad.jvp(sin, (1.0,), None), AE, ("tangents", "NoneType")),
    ("tangent a string", lambda: ad.jvp(sin, (1.0,), ("a",)), AE, ("tangent", "str")),
    ("tangent NaN", lambda: ad.jvp(sin, (1.0,), (float("nan"),)), ad.NaNError, ("tangent",)),
    (
        "tangent structure",
        lambda: ad.jvp(lambda d: d["a"], ({"a": 1.0},), ([1.0],)),
        AE,
        ("structure",),
    ),
    (
        "linearize f_jvp count",
        lambda: ad.linearize(sin, 1.0)[1](1.0, 2.0),
        AE,
        ("1 primals but 2",),
    ),
    ("linearize f_jvp string", lambda: ad.linearize(sin, 1.0)[1]("x"), AE, ("tangent", "str")),
    ("hvp in the old form", lambda: ad.hvp(sin)(1.0, 1.0), AE, ("hvp(f, (x,), (v,))",)),
    ("hvp primals None", lambda: ad.hvp(sin, None, (1.0,)), AE, ("like jvp",)),
    ("hvp tangents count", lambda: ad.hvp(sin, (1.0,), (1.0, 2.0)), AE, ("tangents",)),
    ("hvp primals a string", lambda: ad.hvp(sin, "a", "b"), AE, ("primals", "str")),
    # sizes
    (
        "jacrev of 10^7 outputs",
        lambda: ad.jacrev(lambda x: x * 2.0)(np.ones(10**7)),
        AE,
        ("20,000",),
    ),
    (
        "jacfwd of 10^6 inputs",
        lambda: ad.jacfwd(lambda x: expr.sum(x))(np.ones(10**6)),
        AE,
        ("jvp",),
    ),
    (
        "hessian of 10^5 inputs",
        lambda: ad.hessian(lambda x: expr.sum(x * x))(np.ones(10**5)),
        AE,
        ("hvp",),
    ),
    # custom rules
    ("custom fwd raises", lambda: ad.grad(custom(fwd=boom))(1.0), CustomRuleError, ("fwd", "boom")),
    ("custom bwd raises", lambda: ad.grad(custom(bwd=boom))(1.0), CustomRuleError, ("bwd", "boom")),
    ("custom function raises", lambda: custom(fun=boom)(1.0), CustomRuleError, ("boom",)),
    (
        "custom fwd returns None",
        lambda: ad.grad(custom(fwd=lambda x: None))(1.0),
        CustomRuleError,
        ("pair",),
    ),
    (
        "custom bwd returns None",
        lambda: ad.grad(custom(bwd=lambda r, g: None))(1.0),
        CustomRuleError,
        ("tuple",),
    ),
    (
        "custom bwd returns a dict",
        lambda: ad.grad(custom(bwd=lambda r, g: {"a": g}))(1.0),
        CustomRuleError,
        ("dict",),
    ),
    (
        "custom bwd two cotangents",
        lambda: ad.grad(custom(bwd=lambda r, g: (g, g)))(1.0),
        CustomRuleError,
        ("2 cotangents for 1",),
    ),
    (
        "custom bwd wrong shape",
        lambda: ad.grad(lambda x: expr.sum(custom(bwd=lambda r, g: (np.ones(2),))(x)))(np.ones(3)),
        CustomRuleError,
        ("shape (2,)", "(3,)"),
    ),
    (
        "custom output a string",
        lambda: ad.grad(lambda x: custom(fun=lambda x: "s")(x))(1.0),
        CustomRuleError,
        ("str",),
    ),
    (
        "custom keywords",
        lambda: ad.grad(lambda x: custom()(x=x))(1.0),
        CustomRuleError,
        ("positionally",),
    ),
    (
        "custom without a rule",
        lambda: ad.custom_vjp(sin)(1.0),
        CustomRuleError,
        ("defvjp(fwd, bwd)",),
    ),
    ("custom of a number", lambda: ad.custom_vjp(3.0), CustomRuleError, ("needs a function",)),
    (
        "defvjp with a string",
        lambda: ad.custom_vjp(sin).defvjp(sin, "bwd"),
        CustomRuleError,
        ("bwd",),
    ),
    ("defjvp with None", lambda: ad.custom_jvp(sin).defjvp(None), CustomRuleError, ("rule",)),
    (
        "jvp rule raises",
        lambda: ad.jvp(custom_jvp(boom), (1.0,), (1.0,)),
        CustomRuleError,
        ("jvp rule", "boom"),
    ),
    (
        "jvp rule returns None",
        lambda: ad.jvp(custom_jvp(lambda p, t: None), (1.0,), (1.0,)),
        CustomRuleError,
        ("pair",),
    ),
    (
        "jvp rule tangent a string",
        lambda: ad.grad(custom_jvp(lambda p, t: (sin(p[0]), "x")))(1.0),
        CustomRuleError,
        ("str",),
    ),
    # Duals, pytrees, the sweeps
    ("Dual of a string", lambda: ad.Dual("a", 1.0), expr.InputError, ("primal",)),
    ("Dual of None", lambda: ad.Dual(None), expr.InputError, ("primal",)),
    ("Dual tangent shape", lambda: ad.Dual(np.ones(3), np.ones(2)), AE, ("tangent", "(2,)")),
    ("Dual through cumsum", lambda: np.cumsum(ad.Dual(np.ones(3), 1.0)), AE, ("cumsum",)),
    ("float of a Dual", lambda: float(ad.Dual(1.0, 1.0)), AE, ("tangent",)),
    ("Dual index a float", lambda: ad.Dual(np.ones(3), 1.0)[1.5], expr.InputError, ("index",)),
    ("len of a 0-d Dual", lambda: len(ad.Dual(1.0, 1.0)), AE, ("0-d",)),
    ("dual_table seed a name", lambda: ad.dual_table("x*y", 1.0, 2.0, seed="x"), AE, ("seed",)),
    ("tree_map of None", lambda: ad.tree_map(None, [1.0]), PytreeError, ("function",)),
    ("Plan of None", lambda: ad.Plan(None, (0,)), AE, ("Function",)),
    ("Plan wrt out of range", lambda: ad.Plan(expr.parse("x"), (5,)), AE, ("wrt",)),
    ("forward_sweep of None", lambda: ad.forward_sweep(None, [1.0]), AE, ("Plan",)),
    (
        "forward_sweep inputs",
        lambda: ad.forward_sweep(ad.Plan(expr.parse("x"), (0,)), []),
        AE,
        ("inputs",),
    ),
    ("backward_sweep of None", lambda: ad.backward_sweep(None, []), AE, ("Plan",)),
    ("jvp_sweep counts", lambda: ad.jvp_sweep(expr.parse("x"), [], []), AE, ("1 inputs",)),
    (
        "checkpoint_sequential layers None",
        lambda: ad.checkpoint_sequential(None, 1.0),
        CheckpointError,
        ("layers",),
    ),
    (
        "checkpoint_sequential layers a string",
        lambda: ad.checkpoint_sequential("ab", 1.0),
        CheckpointError,
        ("str",),
    ),
    (
        "checkpoint_sequential layer returns None",
        lambda: ad.checkpoint_sequential([lambda h: None], 1.0),
        expr.TraceError,
        ("none",),
    ),
    (
        "checkpoint_sequential layer raises",
        lambda: ad.checkpoint_sequential([boom], 1.0),
        expr.TraceError,
        ("boom",),
    ),
]


@pytest.mark.parametrize(("label", "call", "error", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_to_autodiff_raises_our_error(label, call, error, words):
    run_case(call, error, words)


def test_a_user_error_is_chained():
    with pytest.raises(expr.TraceError) as info:
        ad.grad(boom)(1.0)
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(CustomRuleError) as info:
        ad.grad(custom(bwd=boom))(1.0)
    assert isinstance(info.value.__cause__, ValueError)
