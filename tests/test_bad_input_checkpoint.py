"""Bad input to autodiff's checkpoint and schedule API, the catalog builders and autodiff.nn:
our own exception (a subclass of `expr.ExprError`) naming the argument, within a time
limit; huge sizes refused at once with the limit and the way round; NaN reported by node.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bad_input import run_case
from test_bad_input_symdiff import JUNK, result_or_our_error

import autodiff as ad
import expr
from autodiff import nn
from autodiff.checkpoint.schedule import repetitions
from compare.errors import CompareError
from compare.plots.schedule import draw_schedule
from expr import catalog

CheckpointError = ad.CheckpointError
AutodiffError = ad.AutodiffError


def _tanh(h: Any) -> Any:
    return expr.tanh(h)


def _raising(h: Any) -> Any:
    raise ValueError("boom")


X2, Y2 = nn.two_moons(16)
MODEL = nn.MLP([2, 4, 2])

# (label, call, expected exception type, words the message must contain)
CASES: list[tuple[str, Callable[[], Any], type, tuple[str, ...]]] = [
    # schedule: steps and strategies
    ("schedule(10**8)", lambda: ad.schedule(10**8), CheckpointError, ("limit", "forward_steps")),
    (
        "schedule(10**7, binomial(3))",
        lambda: ad.schedule(10**7, ad.binomial(3)),
        CheckpointError,
        ("limit", "revolve_forward_steps"),
    ),
    (
        "budget schedule too long",
        lambda: ad.schedule(10**5, ad.budget(10)),
        CheckpointError,
        ("limit", "binomial"),
    ),
    ("schedule(True)", lambda: ad.schedule(True), CheckpointError, ("schedule(t)", "bool")),
    ("schedule('5')", lambda: ad.schedule("5"), CheckpointError, ("str",)),
    ("schedule(None)", lambda: ad.schedule(None), CheckpointError, ("nonetype",)),
    ("schedule(5.0)", lambda: ad.schedule(5.0), CheckpointError, ("float",)),
    ("schedule(0)", lambda: ad.schedule(0), CheckpointError, (">= 1",)),
    ("strategy 3", lambda: ad.schedule(5, 3), CheckpointError, ("int",)),
    ("strategy unknown", lambda: ad.schedule(5, "cubic"), CheckpointError, ("cubic",)),
    ("every(2.5)", lambda: ad.every(2.5), CheckpointError, ("every(k)",)),
    ("every(0)", lambda: ad.every(0), CheckpointError, ("every(k)",)),
    ("binomial(True)", lambda: ad.binomial(True), CheckpointError, ("binomial",)),
    ("budget('100')", lambda: ad.budget("100"), CheckpointError, ("budget",)),
    ("budget(inf)", lambda: ad.budget(math.inf), CheckpointError, ("budget",)),
    ("budget(-5)", lambda: ad.budget(-5), CheckpointError, ("budget",)),
    (
        "budget unreachable",
        lambda: ad.schedule(10, ad.budget(2)),
        CheckpointError,
        ("cannot be met",),
    ),
    # simulate and drawing: byte sizes, actions
    (
        "negative state bytes",
        lambda: ad.simulate(ad.schedule(3), state_bytes=-1),
        CheckpointError,
        ("state_bytes",),
    ),
    (
        "state bytes a string",
        lambda: ad.simulate(ad.schedule(3), state_bytes="8"),
        CheckpointError,
        ("state_bytes",),
    ),
    (
        "state bytes NaN",
        lambda: ad.simulate(ad.schedule(3), state_bytes=math.nan),
        CheckpointError,
        ("state_bytes",),
    ),
    (
        "negative tape bytes in a list",
        lambda: ad.simulate(ad.schedule(2), tape_bytes=[1, -1]),
        CheckpointError,
        ("tape_bytes[1]",),
    ),
    (
        "state bytes of the wrong length",
        lambda: ad.simulate(ad.schedule(3), state_bytes=[1, 2]),
        CheckpointError,
        ("4 entries",),
    ),
    ("actions a string", lambda: ad.simulate("store 0"), CheckpointError, ("actions",)),
    ("actions None", lambda: ad.simulate(None), CheckpointError, ("actions",)),
    ("actions of ints", lambda: ad.simulate([1, 2]), CheckpointError, ("actions[0]",)),
    (
        "action of unknown kind",
        lambda: ad.simulate([{"kind": "x", "start": 0, "stop": 1}]),
        CheckpointError,
        ("actions[0]",),
    ),
    (
        "action record missing a field",
        lambda: ad.simulate([{"kind": "tape"}]),
        CheckpointError,
        ("actions[0]", "start"),
    ),
    (
        "negative action index",
        lambda: ad.simulate([ad.Action("tape", -1, 0)]),
        CheckpointError,
        ("actions[0].start",),
    ),
    (
        "invalid replay",
        lambda: ad.simulate([ad.Action("advance", 3, 4)]),
        CheckpointError,
        ("live state",),
    ),
    ("draw a string", lambda: draw_schedule("abc"), CheckpointError, ("actions",)),
    (
        "draw on a non-axes",
        lambda: draw_schedule(ad.schedule(3), ax=5),
        CompareError,
        ("ax",),
    ),
    ("schedule_records(0)", lambda: ad.schedule_records(0), CheckpointError, (">= 1",)),
    # revolve theory
    (
        "revolve with 0 snapshots",
        lambda: ad.revolve_forward_steps(10**8, 0),
        CheckpointError,
        ("snapshots",),
    ),
    (
        "revolve steps a string",
        lambda: ad.revolve_forward_steps("8", 2),
        CheckpointError,
        ("steps",),
    ),
    ("beta(-1, 2)", lambda: ad.beta(-1, 2), CheckpointError, ("beta",)),
    ("beta(1e9, 1e9)", lambda: ad.beta(10**9, 10**9), CheckpointError, ("limit",)),
    ("beta of floats", lambda: ad.beta(2.0, 3), CheckpointError, ("float",)),
    (
        "forward_steps of a budget",
        lambda: ad.forward_steps(10, ad.budget(100)),
        CheckpointError,
        ("budget",),
    ),
    ("forward_steps(0)", lambda: ad.forward_steps(0), CheckpointError, (">= 1",)),
    # checkpoint_sequential: layers, x, params, cotangent, user functions
    (
        "layers a string",
        lambda: ad.checkpoint_sequential("abc", np.ones(2)),
        CheckpointError,
        ("layers",),
    ),
    (
        "layers None",
        lambda: ad.checkpoint_sequential(None, np.ones(2)),
        CheckpointError,
        ("layers",),
    ),
    (
        "layers an int",
        lambda: ad.checkpoint_sequential(5, np.ones(2)),
        CheckpointError,
        ("layers",),
    ),
    ("no layers", lambda: ad.checkpoint_sequential([], np.ones(2)), CheckpointError, ("layer",)),
    (
        "a layer that is not callable",
        lambda: ad.checkpoint_sequential([3], np.ones(2)),
        CheckpointError,
        ("layer 0",),
    ),
    (
        "a layer that raises",
        lambda: ad.checkpoint_sequential([_raising], np.ones(2)),
        expr.ExprError,
        ("boom",),
    ),
    (
        "a layer returning a string",
        lambda: ad.checkpoint_sequential([lambda h: "x"], np.ones(2)),
        expr.ExprError,
        (),
    ),
    (
        "a layer returning a dict",
        lambda: ad.checkpoint_sequential([lambda h: {"a": h}], np.ones(2)),
        expr.ExprError,
        (),
    ),
    (
        "a layer returning two values",
        lambda: ad.checkpoint_sequential([lambda h: (h, h)], np.ones(2)),
        expr.ExprError,
        (),
    ),
    (
        "a layer using math.exp",
        lambda: ad.checkpoint_sequential([lambda h: math.exp(h)], 1.0),
        expr.ExprError,
        (),
    ),
    ("x None", lambda: ad.checkpoint_sequential([_tanh], None), expr.ExprError, ()),
    ("x a string", lambda: ad.checkpoint_sequential([_tanh], "ab"), expr.ExprError, ()),
    ("x a dict", lambda: ad.checkpoint_sequential([_tanh], {"a": 1}), expr.ExprError, ()),
    (
        "x NaN",
        lambda: ad.checkpoint_sequential([_tanh], np.array([np.nan, 1.0])),
        ad.NaNError,
        ("x", "nan"),
    ),
    (
        "log of a negative number in a layer",
        lambda: ad.checkpoint_sequential([_tanh, lambda h: expr.log(h - 2.0)], np.ones(1)),
        ad.NaNError,
        ("layer 1", "log"),
    ),
    (
        "params a string",
        lambda: ad.checkpoint_sequential([lambda h, w: h * w], np.ones(2), "ab"),
        CheckpointError,
        ("params",),
    ),
    (
        "params of the wrong length",
        lambda: ad.checkpoint_sequential([lambda h, w: h * w], np.ones(2), [(1.0,), (2.0,)]),
        CheckpointError,
        ("2 entries",),
    ),
    (
        "a parameter None",
        lambda: ad.checkpoint_sequential([lambda h, w: h * w], np.ones(2), [None]),
        CheckpointError,
        ("params[0][0]",),
    ),
    (
        "a parameter a string",
        lambda: ad.checkpoint_sequential([lambda h, w: h * w], np.ones(2), [("a",)]),
        CheckpointError,
        ("params[0][0]",),
    ),
    (
        "a parameter NaN",
        lambda: ad.checkpoint_sequential([lambda h, w: h * w], np.ones(2), [(np.nan,)]),
        ad.NaNError,
        ("params[0][0]",),
    ),
    (
        "a missing parameter",
        lambda: ad.checkpoint_sequential([lambda h, w: h * w], np.ones(2)),
        expr.ExprError,
        ("w",),
    ),
    (
        "cotangent a string",
        lambda: ad.checkpoint_sequential([_tanh], np.ones(2), cotangent="a"),
        CheckpointError,
        ("cotangent",),
    ),
    (
        "cotangent of another shape",
        lambda: ad.checkpoint_sequential([_tanh], np.ones(2), cotangent=np.ones(3)),
        CheckpointError,
        ("shape",),
    ),
    (
        "cotangent NaN",
        lambda: ad.checkpoint_sequential([_tanh], np.ones(2), cotangent=np.array([np.nan, 1.0])),
        CheckpointError,
        ("nan",),
    ),
    (
        "trace_memory a string",
        lambda: ad.checkpoint_sequential([_tanh], np.ones(2), trace_memory="yes"),
        CheckpointError,
        ("trace_memory",),
    ),
    (
        "a million layers",
        lambda: ad.checkpoint_sequential([_tanh] * 10**6, np.ones(2)),
        CheckpointError,
        ("limit",),
    ),
    (
        "budget strategy a string",
        lambda: ad.checkpoint_sequential([_tanh], np.ones(2), strategy=ad.budget("10")),
        CheckpointError,
        ("budget",),
    ),
    # graphs: checkpointed_vjp, checkpointed_value_and_grad, checkpoint, regions
    (
        "checkpointed_vjp of None",
        lambda: ad.checkpointed_vjp(None, 1.0),
        expr.ExprError,
        ("nonetype",),
    ),
    (
        "checkpointed_vjp at NaN",
        lambda: ad.checkpointed_vjp("log(x)", math.nan),
        ad.NaNError,
        ("nan",),
    ),
    (
        "checkpointed_vjp of log(-1)",
        lambda: ad.checkpointed_vjp("log(x)", -1.0),
        ad.NaNError,
        ("log",),
    ),
    (
        "checkpointed_vjp cotangent a string",
        lambda: ad.checkpointed_vjp("sin(x)", 1.0)[1]("a"),
        CheckpointError,
        ("cotangent",),
    ),
    (
        "checkpointed_vjp cotangent None",
        lambda: ad.checkpointed_vjp("sin(x)", 1.0)[1](None),
        CheckpointError,
        ("cotangent",),
    ),
    (
        "checkpointed_vjp unknown strategy",
        lambda: ad.checkpointed_vjp("sin(x)", 1.0, strategy="cubic"),
        CheckpointError,
        ("cubic",),
    ),
    (
        "checkpointed_vjp of a raising function",
        lambda: ad.checkpointed_vjp(_raising, 1.0),
        expr.ExprError,
        ("boom",),
    ),
    (
        "grad(checkpoint=) of log(-1)",
        lambda: ad.grad("log(x)", checkpoint="sqrt")(-1.0),
        ad.NaNError,
        ("log",),
    ),
    (
        "checkpointed_value_and_grad of a string",
        lambda: ad.checkpointed_value_and_grad("sin(x)", [1.0], [0], None),
        CheckpointError,
        ("function",),
    ),
    ("checkpoint of a string", lambda: ad.checkpoint("abc"), CheckpointError, ("function",)),
    (
        "checkpoint region raises",
        lambda: expr.trace(lambda x: ad.checkpoint(_raising)(x), 1.0),
        expr.ExprError,
        ("boom",),
    ),
    (
        "checkpoint_regions of a string",
        lambda: ad.checkpoint_regions("abc"),
        CheckpointError,
        ("function",),
    ),
    # catalog builders: negative, bool, float, string, huge
    ("logistic_map(-1)", lambda: catalog.logistic_map(-1), expr.InputError, ("depth",)),
    ("logistic_map(True)", lambda: catalog.logistic_map(True), expr.InputError, ("depth", "bool")),
    ("logistic_map(2.0)", lambda: catalog.logistic_map(2.0), expr.InputError, ("depth", "float")),
    (
        "logistic_map(10**9)",
        lambda: catalog.logistic_map(10**9),
        expr.InputError,
        ("limit", "expr.trace"),
    ),
    ("nested_sin_exp(None)", lambda: catalog.nested_sin_exp(None), expr.InputError, ("depth",)),
    ("product('3')", lambda: catalog.product("3"), expr.InputError, ("n",)),
    ("product(1)", lambda: catalog.product(1), expr.InputError, ("n",)),
    ("rosenbrock(1)", lambda: catalog.rosenbrock(1), expr.InputError, ("rosenbrock", "n")),
    ("rosenbrock(10**12)", lambda: catalog.rosenbrock(10**12), expr.InputError, ("limit",)),
    ("logsumexp_vector(0)", lambda: catalog.logsumexp_vector(0), expr.InputError, ("n",)),
    ("mlp_loss(2.5)", lambda: catalog.mlp_loss(2.5), expr.InputError, ("hidden",)),
    ("mlp_loss batch 0", lambda: catalog.mlp_loss(3, batch=0), expr.InputError, ("batch",)),
    ("mlp_inputs seed -1", lambda: catalog.mlp_inputs(3, seed=-1), expr.InputError, ("seed",)),
    ("tanh_chain(0)", lambda: catalog.tanh_chain(0), expr.InputError, ("depth",)),
    (
        "tanh_chain width 10**5",
        lambda: catalog.tanh_chain(3, width=10**5),
        expr.InputError,
        ("width", "limit"),
    ),
    (
        "tanh_chain_inputs batch -2",
        lambda: catalog.tanh_chain_inputs(4, -2),
        expr.InputError,
        ("batch",),
    ),
    (
        "two_moons noise NaN",
        lambda: catalog.two_moons(10, noise=math.nan),
        expr.InputError,
        ("noise",),
    ),
    ("two_moons noise -1", lambda: catalog.two_moons(10, noise=-1.0), expr.InputError, ("noise",)),
    ("two_moons n 0", lambda: catalog.two_moons(0), expr.InputError, ("n",)),
    (
        "a size for a fixed function",
        lambda: catalog.get("sin").function(3),
        expr.InputError,
        ("size",),
    ),
    ("a float size", lambda: catalog.get("logistic").function(2.5), expr.InputError, ("size",)),
    (
        "a string seed",
        lambda: catalog.get("rosenbrock").inputs(3, seed="a"),
        expr.InputError,
        ("seed",),
    ),
    ("catalog.get of a list", lambda: catalog.get([1]), expr.InputError, ("catalog",)),
    # autodiff.nn: sizes, labels, data, optimizers
    ("MLP non-integer width", lambda: nn.MLP([2, 2.5, 2]), AutodiffError, ("sizes[1]",)),
    ("MLP width True", lambda: nn.MLP([2, True, 2]), AutodiffError, ("sizes[1]", "bool")),
    ("MLP sizes a string", lambda: nn.MLP("2,3"), AutodiffError, ("sizes",)),
    ("MLP one layer", lambda: nn.MLP([2]), AutodiffError, ("sizes",)),
    ("MLP negative width", lambda: nn.MLP([2, -1, 2]), AutodiffError, ("sizes[1]",)),
    ("MLP huge", lambda: nn.MLP([2, 10**5, 10**5]), AutodiffError, ("limit",)),
    (
        "MLP unknown activation",
        lambda: nn.MLP([2, 3, 2], activation="sigmoid"),
        AutodiffError,
        ("activation",),
    ),
    ("MLP negative seed", lambda: nn.MLP([2, 3, 2], seed=-2), AutodiffError, ("seed",)),
    ("label outside the classes", lambda: nn.one_hot([0, 2], 2), AutodiffError, ("labels", "0..1")),
    ("negative label", lambda: nn.one_hot([0, -1], 2), AutodiffError, ("labels",)),
    ("non-integer label", lambda: nn.one_hot([0, 0.5], 2), AutodiffError, ("integers",)),
    ("labels a string", lambda: nn.one_hot("01", 2), AutodiffError, ("labels",)),
    ("zero classes", lambda: nn.one_hot([0, 1], 0), AutodiffError, ("classes",)),
    ("no labels", lambda: nn.one_hot([], 2), AutodiffError, ("empty",)),
    ("0-d labels", lambda: nn.one_hot(1, 2), AutodiffError, ("1-d",)),
    (
        "train labels out of range",
        lambda: nn.train(MODEL, X2, Y2 + 1, steps=1),
        AutodiffError,
        ("labels",),
    ),
    ("train negative steps", lambda: nn.train(MODEL, X2, Y2, steps=-1), AutodiffError, ("steps",)),
    ("train float steps", lambda: nn.train(MODEL, X2, Y2, steps=2.0), AutodiffError, ("steps",)),
    (
        "train a billion steps",
        lambda: nn.train(MODEL, X2, Y2, steps=10**9),
        AutodiffError,
        ("limit",),
    ),
    (
        "train X of the wrong width",
        lambda: nn.train(MODEL, X2[:, :1], Y2, steps=1),
        AutodiffError,
        ("x",),
    ),
    (
        "train labels of the wrong length",
        lambda: nn.train(MODEL, X2, Y2[:3], steps=1),
        AutodiffError,
        ("labels",),
    ),
    ("train NaN data", lambda: nn.train(MODEL, X2 * np.nan, Y2, steps=1), AutodiffError, ("nan",)),
    ("train a string model", lambda: nn.train("m", X2, Y2), AutodiffError, ("mlp",)),
    (
        "train a string optimizer",
        lambda: nn.train(MODEL, X2, Y2, 1, optimizer="adam"),
        AutodiffError,
        ("optimizer",),
    ),
    ("SGD negative rate", lambda: nn.SGD(-1), AutodiffError, ("lr",)),
    ("SGD infinite rate", lambda: nn.SGD(math.inf), AutodiffError, ("lr",)),
    ("Adam beta1 = 1", lambda: nn.Adam(beta1=1.0), AutodiffError, ("beta1",)),
    ("Adam eps 0", lambda: nn.Adam(eps=0), AutodiffError, ("eps",)),
    ("Adam rate a string", lambda: nn.Adam("0.1"), AutodiffError, ("lr",)),
    ("predict None", lambda: MODEL.predict(None), AutodiffError, ("x",)),
    ("predict of the wrong width", lambda: MODEL.predict([[1, 2, 3]]), AutodiffError, ("x",)),
    (
        "accuracy with too few labels",
        lambda: MODEL.accuracy(X2, Y2[:-1]),
        AutodiffError,
        ("labels",),
    ),
    (
        "value_and_grad Y of the wrong shape",
        lambda: MODEL.value_and_grad(X2, np.zeros((16, 3))),
        AutodiffError,
        ("y",),
    ),
    (
        "cross_entropy of mismatched shapes",
        lambda: nn.cross_entropy(np.zeros((2, 2)), np.zeros((3, 2))),
        AutodiffError,
        ("shape",),
    ),
    ("forward with an odd parameter list", lambda: nn.forward([1], X2), AutodiffError, ("params",)),
    (
        "forward activation None",
        lambda: nn.forward(MODEL.params, X2, activation=None),
        AutodiffError,
        ("activation",),
    ),
    ("probabilities of a string", lambda: MODEL.probabilities("ab"), AutodiffError, ("x",)),
]


@pytest.mark.parametrize(("label", "call", "error", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_our_error(label: str, call: Callable, error: type, words: tuple) -> None:
    run_case(call, error, words)


def test_refusals_come_at_once() -> None:
    began = time.perf_counter()
    for call in (lambda: ad.schedule(10**8), lambda: ad.schedule(10**7, ad.binomial(3))):
        with pytest.raises(CheckpointError):
            call()
    assert time.perf_counter() - began < 1.0


def test_counts_come_without_the_schedule() -> None:
    """The way round the limit: the forward-step counts, exact, in microseconds."""
    for steps in (1, 2, 7, 16, 100, 1000):
        for strategy in (None, "sqrt", ad.every(3), ad.binomial(1), ad.binomial(2), ad.binomial(5)):
            built = ad.simulate(ad.schedule(steps, strategy))["forward_steps"]
            assert ad.forward_steps(steps, strategy) == built, (steps, strategy)
    began = time.perf_counter()
    assert ad.forward_steps(10**8) == 10**8
    assert ad.forward_steps(10**7, ad.binomial(3)) == 10**7 + ad.revolve_forward_steps(10**7, 3)
    assert ad.revolve_forward_steps(10**8, 1) == 10**8 * (10**8 - 1) // 2
    assert time.perf_counter() - began < 0.5


def test_repetitions_by_bisection_match_the_definition() -> None:
    """repetitions(T, s) is the least r with beta(s, r) >= T (found by bisection)."""
    for snapshots in (1, 2, 3, 7):
        for steps in range(1, 200):
            least = next(r for r in range(steps + 1) if ad.beta(snapshots, r) >= steps)
            assert repetitions(steps, snapshots) == least


def test_nan_in_the_gradient_of_a_chain_is_reported_by_layer() -> None:
    """sqrt'(0) * 0 is NaN in the backward sweep: named by layer and node, not returned."""
    layers = [lambda h: expr.sqrt(h), lambda h: h * 0.0 + expr.sum(h * h)]
    run_case(lambda: ad.checkpoint_sequential(layers, np.zeros(2)), ad.NaNError, ("layer",))


BUILDERS: dict[str, Callable[[Any], Any]] = {
    "logistic_map": catalog.logistic_map,
    "nested_sin_exp": catalog.nested_sin_exp,
    "product": catalog.product,
    "rosenbrock": catalog.rosenbrock,
    "logsumexp_vector": catalog.logsumexp_vector,
    "mlp_loss": lambda v: catalog.mlp_loss(2, batch=v),
    "tanh_chain": lambda v: catalog.tanh_chain(2, width=v),
    "two_moons": lambda v: catalog.two_moons(8, noise=v),
    "schedule": lambda v: ad.schedule(v),
    "schedule strategy": lambda v: ad.schedule(4, v),
    "every": ad.every,
    "binomial": ad.binomial,
    "budget": ad.budget,
    "beta": lambda v: ad.beta(2, v),
    "revolve": lambda v: ad.revolve_forward_steps(v, 2),
    "forward_steps": lambda v: ad.forward_steps(v, "sqrt"),
    "simulate bytes": lambda v: ad.simulate(ad.schedule(3), state_bytes=v),
    "simulate actions": ad.simulate,
    "MLP": lambda v: nn.MLP([2, v, 2]),
    "one_hot": lambda v: nn.one_hot(v, 2),
    "SGD": nn.SGD,
    "Adam": lambda v: nn.Adam(beta2=v),
    "sequential x": lambda v: ad.checkpoint_sequential([_tanh], v),
    "sequential params": lambda v: ad.checkpoint_sequential([lambda h, w: h * w], 1.0, [v]),
    "sequential cotangent": lambda v: ad.checkpoint_sequential([_tanh], 1.0, cotangent=v),
    "checkpointed_vjp": lambda v: ad.checkpointed_vjp("sin(x) * x", v),
}


@settings(max_examples=150, deadline=None)
@given(junk=JUNK, name=st.sampled_from(sorted(BUILDERS)))
def test_junk_arguments_give_our_error_or_a_result(junk: Any, name: str) -> None:
    result_or_our_error(lambda: BUILDERS[name](junk))
