"""Checkpointed gradients: equal to plain reverse mode, measured memory and recomputation,
higher order through recomputation, regions, and errors."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import autodiff
import expr
from autodiff.stats import Ledger
from expr import catalog

ck = importlib.import_module("autodiff.checkpoint")

STRATEGIES = [
    None,
    "sqrt",
    ck.every(1),
    ck.every(2),
    ck.every(5),
    ck.binomial(1),
    ck.binomial(2),
    ck.binomial(4),
    ck.budget(bytes=4000),
]


def _relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.max(np.abs(b))), 1e-300) if b.size else 1.0
    return float(np.max(np.abs(a - b))) / scale if b.size else 0.0


def _tanh_layers(depth: int, b: np.ndarray):
    def layer(h, W, bias):
        return expr.tanh(h @ W + bias)

    def loss(h):
        return 0.5 * expr.mean(h * h)

    return [layer] * depth + [loss]


# ----------------------------------------------------------------------------- graphs
@pytest.mark.parametrize("strategy", STRATEGIES, ids=str)
def test_tanh_chain_graph_equals_store_all(strategy) -> None:
    f = catalog.tanh_chain(12, 5, 3)
    xs = catalog.tanh_chain_inputs(5, 3, seed=2)
    reference = autodiff.grad(f, argnums=(0, 1, 2))(*xs)
    out, pullback = ck.checkpointed_vjp(f, *xs, strategy=strategy)
    grads = pullback(1.0)
    assert out == f(*xs)
    for got, want in zip(grads, reference):
        assert _relative(got, want) <= 1e-15
    stats = pullback.stats
    assert stats.backward_evals == f.size()
    assert stats.forward_evals >= f.size()
    via_api = autodiff.grad(f, argnums=(0, 1, 2), checkpoint=strategy or "none")(*xs)
    for got, want in zip(via_api, reference):
        assert _relative(got, want) <= 1e-15


def test_deep_tanh_chain_graph_equals_store_all() -> None:
    f = catalog.tanh_chain(80, 4, 2)
    xs = catalog.tanh_chain_inputs(4, 2, seed=9)
    reference = autodiff.grad(f, argnums=(0, 1, 2))(*xs)
    for strategy in ("sqrt", ck.binomial(3), ck.every(7), ck.budget(bytes=2000)):
        _, pullback = ck.checkpointed_vjp(f, *xs, strategy=strategy)
        for got, want in zip(pullback(1.0), reference):
            assert _relative(got, want) <= 1e-15
        assert pullback.stats.peak_bytes <= 2000 or strategy != ck.budget(bytes=2000)


def _catalog_cases(count: int, seed: int) -> list[tuple[str, int | None, int]]:
    rng = np.random.default_rng(seed)
    names = sorted(catalog.names())
    cases = []
    for _ in range(count):
        entry = catalog.get(names[int(rng.integers(len(names)))])
        size = None
        if entry.family is not None:
            size = int(rng.integers(2, 7))
        cases.append((entry.name, size, int(rng.integers(1, 1000))))
    return cases


@pytest.mark.parametrize("name, size, seed", _catalog_cases(24, seed=7))
def test_random_catalog_graphs_equal_store_all(name: str, size: int | None, seed: int) -> None:
    entry = catalog.get(name)
    f = entry.function(size)
    xs = entry.inputs(size, seed=seed)
    out, pullback = autodiff.vjp(f, *xs)
    cotangents = tuple(np.ones(np.shape(o)) for o in (out if not f.single_output else (out,)))
    seed_ct = cotangents[0] if f.single_output else cotangents
    reference = pullback(seed_ct)
    rng = np.random.default_rng(seed)
    for strategy in (None, "sqrt", ck.every(int(rng.integers(1, 4))), ck.binomial(2)):
        got_out, got_pullback = ck.checkpointed_vjp(f, *xs, strategy=strategy)
        got = got_pullback(seed_ct)
        np.testing.assert_array_equal(
            np.asarray(got_out, dtype=object), np.asarray(out, dtype=object)
        )
        for g, r in zip(got, reference):
            assert _relative(g, r) <= 1e-15, (name, strategy)


# ----------------------------------------------------------------------------- chains
@pytest.mark.parametrize("strategy", STRATEGIES, ids=str)
def test_sequential_equals_unrolled_gradient(strategy) -> None:
    depth = 9
    x, W, b = catalog.tanh_chain_inputs(4, 3, seed=1)
    layers = _tanh_layers(depth, b)
    params = [(W, b)] * depth + [()]
    result = ck.checkpoint_sequential(layers, x, params, strategy=strategy)
    f = catalog.tanh_chain(depth, 4, 3)
    gx, gW, gb = autodiff.grad(f, argnums=(0, 1, 2))(x, W, b)
    assert result.value == pytest.approx(float(f(x, W, b)), rel=1e-15)
    assert _relative(result.grad_x, gx) <= 1e-15
    assert _relative(result.grad_params[0][0], gW) <= 1e-14
    assert _relative(result.grad_params[depth - 1][1], gb) <= 1e-14
    assert result.grad_params[-1] == ()
    # distinct parameter arrays per layer: one gradient each, summing to the shared one
    own = [(W.copy(), b.copy()) for _ in range(depth)] + [()]
    separate = ck.checkpoint_sequential(layers, x, own, strategy=strategy)
    assert _relative(sum(p[0] for p in separate.grad_params[:depth]), gW) <= 1e-14


@pytest.mark.peers
def test_sequential_matches_torch_checkpoint() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.checkpoint import checkpoint_sequential as torch_sequential

    depth = 12
    x, W, b = catalog.tanh_chain_inputs(6, 4, seed=3)
    result = ck.checkpoint_sequential(
        _tanh_layers(depth, b), x, [(W, b)] * depth + [()], strategy="sqrt"
    )
    tx = torch.tensor(x, requires_grad=True)
    tW = torch.tensor(W, requires_grad=True)
    tb = torch.tensor(b)

    class Layer(torch.nn.Module):
        def forward(self, h):
            return torch.tanh(h @ tW + tb)

    out = torch_sequential(
        torch.nn.Sequential(*[Layer() for _ in range(depth)]), 4, tx, use_reentrant=False
    )
    (0.5 * (out * out).mean()).backward()
    assert _relative(result.grad_x, tx.grad.numpy()) <= 1e-13
    assert _relative(result.grad_params[0][0], tW.grad.numpy()) <= 1e-13


def _chain_stats(depth: int, strategy, width: int = 16, batch: int = 4):
    x, W, b = catalog.tanh_chain_inputs(width, batch)
    result = ck.checkpoint_sequential(
        _tanh_layers(depth, b), x, [(W, b)] * depth + [()], strategy=strategy
    )
    return result.stats, x.nbytes


def test_sqrt_accounting_on_a_deep_narrow_chain() -> None:
    depth = 256
    stats, activation = _chain_stats(depth, "sqrt")
    # two activations per layer: tanh' = sech^2 reads the pre-activation (precise rule),
    # the next matmul reads the tanh output
    assert stats.peak_bytes <= 2 * 2.5 * math.sqrt(depth) * activation
    assert stats.forward_evals <= 2.05 * depth
    everything, _ = _chain_stats(depth, None)
    assert everything.peak_bytes >= depth * activation  # >= one activation per layer, measured
    assert everything.forward_evals == depth + 1


@pytest.mark.parametrize("snapshots", [1, 2, 3, 5, 8])
def test_binomial_stores_at_most_s_plus_one_activations(snapshots: int) -> None:
    depth = 48
    stats, activation = _chain_stats(depth, ck.binomial(snapshots), width=8)
    assert stats.peak_snapshots <= snapshots
    # s snapshots + the layer being differentiated, which holds its input and (for the
    # precise tanh' = sech^2) its pre-activation
    assert stats.peak_bytes <= (snapshots + 2) * activation
    assert stats.forward_evals == depth + 1 + ck.revolve_forward_steps(depth + 1, snapshots)


def test_budget_fits_measured_peak() -> None:
    depth = 40
    _, activation = _chain_stats(2, None, width=8)
    for units in (3, 6, 12, 50):
        stats, _ = _chain_stats(depth, ck.budget(bytes=units * activation), width=8)
        assert stats.peak_bytes <= units * activation
    with pytest.raises(ck.CheckpointError, match="cannot be met"):
        _chain_stats(depth, ck.budget(bytes=activation), width=8)


def test_tracemalloc_and_time_are_reported() -> None:
    x, W, b = catalog.tanh_chain_inputs(32, 8)
    result = ck.checkpoint_sequential(
        _tanh_layers(16, b), x, [(W, b)] * 16 + [()], strategy="sqrt", trace_memory=True
    )
    record = result.stats.as_dict()
    assert record["tracemalloc_peak"] > x.nbytes
    assert record["time_s"] > 0 and record["strategy"] == "sqrt"


def test_ledger_counts_a_buffer_once() -> None:
    ledger = Ledger(exclude=[np.ones(2)])
    a = np.zeros((4, 4))
    ledger.hold(a)
    ledger.hold(a.T)
    ledger.hold(a[1:])
    assert (ledger.bytes, ledger.values) == (128, 1)
    ledger.drop(a)
    ledger.drop(a.T)
    assert ledger.bytes == 128
    ledger.drop(a[1:])
    assert (ledger.bytes, ledger.peak_bytes) == (0, 128)


# ----------------------------------------------------------------------------- higher order
@pytest.mark.parametrize("strategy", ["sqrt", ck.binomial(2), ck.every(4)], ids=str)
def test_hvp_and_hessian_through_checkpointed_graph(strategy) -> None:
    f = catalog.tanh_chain(5, 3, 2)
    x, W, b = catalog.tanh_chain_inputs(3, 2, seed=4)
    v = np.random.default_rng(0).standard_normal(x.shape)
    g = autodiff.grad(f, argnums=0, checkpoint=strategy)

    def gradient(x_):
        return g(x_, W, b)

    def value(x_):
        return f(x_, W, b)

    _, hv = autodiff.jvp(gradient, (x,), (v,))
    assert _relative(hv, autodiff.hvp(value, (x,), (v,))) <= 1e-14
    assert _relative(autodiff.jacfwd(gradient)(x), autodiff.hessian(value)(x)) <= 1e-14


def test_hvp_through_checkpoint_sequential() -> None:
    depth = 6
    x, W, b = catalog.tanh_chain_inputs(3, 2, seed=5)
    layers = _tanh_layers(depth, b)
    v = np.random.default_rng(1).standard_normal(W.shape)

    def grad_W(W_):
        result = ck.checkpoint_sequential(
            layers, x, [(W_, b)] * depth + [()], strategy=ck.binomial(2)
        )
        return result.grad_params[0][0]

    f = catalog.tanh_chain(depth, 3, 2)
    _, hv = autodiff.jvp(grad_W, (W,), (v,))
    reference = autodiff.hvp(lambda W_: f(x, W_, b), (W,), (v,))
    assert _relative(hv, reference) <= 1e-14


# ----------------------------------------------------------------------------- regions
def test_checkpoint_region_is_recomputed() -> None:
    x, W, b = catalog.tanh_chain_inputs(4, 3, seed=6)
    block = autodiff.checkpoint(lambda h, W_: expr.tanh(expr.tanh(h @ W_ + b) @ W_))

    def fn(x_, W_):
        h = block(x_, W_)
        h = expr.sin(h)
        h = block(h, W_)
        return expr.sum(h * h)

    assert np.allclose(block(x, W), np.tanh(np.tanh(x @ W + b) @ W))  # eager: just runs
    f = expr.trace(fn, x, W)
    regions = ck.checkpoint_regions(f)
    assert [b_ - a for a, b_ in regions] == [5, 5]
    _, pullback = ck.checkpointed_vjp(f, x, W)
    grads = pullback(1.0)
    _, plain = ck.checkpointed_vjp(f, x, W, strategy="none")
    plain(1.0)
    for got, want in zip(grads, autodiff.grad(f, argnums=(0, 1))(x, W)):
        assert _relative(got, want) <= 1e-15
    assert pullback.stats.forward_evals == f.size() + sum(b_ - a for a, b_ in regions)
    assert pullback.stats.peak_bytes < plain.stats.peak_bytes
    value, grads, stats = autodiff.value_and_grad(
        f, argnums=(0, 1), checkpoint="regions", return_stats=True
    )(x, W)
    assert value == pytest.approx(float(f(x, W)), rel=1e-15)
    assert stats["forward_evals"] == pullback.stats.forward_evals
    for got, want in zip(grads, autodiff.grad(f, argnums=(0, 1))(x, W)):
        assert _relative(got, want) <= 1e-15
    # plain grad honours the marked regions, as jax.checkpoint does
    *_, implicit = autodiff.value_and_grad(f, argnums=(0, 1), return_stats=True)(x, W)
    assert implicit["forward_evals"] == pullback.stats.forward_evals


# ----------------------------------------------------------------------------- NaN
@pytest.mark.parametrize("strategy", ["none", "sqrt", ck.binomial(2)], ids=str)
def test_grad_with_a_checkpoint_honours_check_nan(strategy) -> None:
    # a NaN value (log(-1)) and a NaN derivative (sqrt'(0) * 0): reported by node, or with
    # check_nan=False passed on exactly as plain grad(check_nan=False) passes them on
    for formula, x, words in (("log(x) * 2", -1.0, "log"), ("sqrt(x) * sqrt(x)", 0.0, "sqrt")):
        with pytest.raises(autodiff.NaNError, match=words):
            autodiff.grad(formula, checkpoint=strategy)(x)
        plain = autodiff.grad(formula, check_nan=False)(x)
        got = autodiff.grad(formula, checkpoint=strategy, check_nan=False)(x)
        np.testing.assert_array_equal(got, plain)


def test_sequential_vjp_reports_nan_by_layer_and_node() -> None:
    with pytest.raises(autodiff.NaNError, match=r"sequential_vjp, layer 1 .*node \d+ .*log"):
        ck.sequential_vjp([lambda h: 2.0 * h, expr.log], -1.0)
    layers = [expr.sqrt, lambda h: h * h]  # sqrt'(0) * 0 = inf * 0 in the backward sweep
    _, pullback = ck.sequential_vjp(layers, 0.0, strategy="sqrt")
    with pytest.raises(autodiff.NaNError, match=r"sequential_vjp, layer 0 .*backward sweep"):
        pullback(1.0)
    with pytest.raises(autodiff.NaNError, match="'x' contains NaN"):
        ck.sequential_vjp(layers, np.nan)
    out, pullback = ck.sequential_vjp([expr.log], -1.0, check_nan=False)
    assert np.isnan(out) and pullback(1.0)[0] == -1.0
    assert np.isnan(ck.sequential_vjp(layers, 0.0, check_nan=False)[1](1.0)[0])
    result = ck.checkpoint_sequential(layers, np.nan, strategy="sqrt", check_nan=False)
    assert np.isnan(result.value) and np.isnan(result.grad_x)


# ----------------------------------------------------------------------------- errors
def test_bad_chains_are_named() -> None:
    x = np.ones(3)
    with pytest.raises(ck.CheckpointError, match="at least one layer"):
        ck.checkpoint_sequential([], x)
    with pytest.raises(ck.CheckpointError, match="one tuple of parameters per layer"):
        ck.checkpoint_sequential([expr.tanh] * 3, x, params=[()])
    with pytest.raises(ck.CheckpointError, match="a layer is a Python function"):
        ck.checkpoint_sequential([expr.tanh, 3], x)
    with pytest.raises(ck.CheckpointError, match="takes 2 inputs"):
        layer = expr.trace(lambda h, w: h * w, x, 1.0)
        ck.checkpoint_sequential([layer], x)
    with pytest.raises(ck.CheckpointError, match="built for input shape"):
        ck.checkpoint_sequential([expr.trace(expr.tanh, np.ones(2))], x)
    with pytest.raises(ck.CheckpointError, match="unknown checkpoint strategy"):
        ck.checkpoint_sequential([expr.tanh], x, strategy="fast")
    with pytest.raises(ck.CheckpointError, match="needs a function"):
        autodiff.checkpoint(3)
    _, pullback = ck.sequential_vjp([expr.tanh] * 3, x, strategy="sqrt")
    pullback(np.ones(3))
    with pytest.raises(ck.CheckpointError, match="runs once"):
        pullback(np.ones(3))
    _, pullback = ck.checkpointed_vjp("x * y", 1.0, 2.0)
    with pytest.raises(ck.CheckpointError, match="has shape"):
        pullback((1.0, 2.0))
    _, pullback = ck.checkpointed_vjp(expr.trace(lambda a: (a, 2.0 * a), 1.0), 1.0)
    with pytest.raises(ck.CheckpointError, match="one per output"):
        pullback((1.0,))
    _, pullback = ck.sequential_vjp([expr.tanh], x)
    with pytest.raises(ck.CheckpointError, match="not numeric"):
        pullback("one")
    assert issubclass(ck.CheckpointError, expr.ExprError)


def test_package_exports() -> None:
    assert [str(a) for a in autodiff.schedule(2, None)] == [
        "tape 0",
        "tape 1",
        "reverse 1",
        "reverse 0",
    ]
    for name in ("checkpoint_sequential", "every", "binomial", "budget", "trace_actions"):
        assert callable(vars(autodiff)[name])
    assert autodiff.checkpoint is ck.checkpoint
    # the drawing of a schedule lives in compare, beside the figure that uses it
    from compare.plots.schedule import draw_schedule

    assert callable(draw_schedule)
