"""Gradient flow (figure 14): our one reverse sweep against PyTorch autograd, and the shape
of the records."""

from __future__ import annotations

import numpy as np
import pytest

from compare.errors import CompareError
from compare.experiments.gradient_flow import (
    CASES,
    case,
    gradient_flow,
    layer_gradients,
    network_inputs,
)
from compare.plots.gradient_flow import caption_gradient_flow, ratios, select_gradient_flow


def torch_gradients(item, inputs):
    """The same network in PyTorch (float64): norms of dL/dh_l (retain_grad) and dL/dW_l."""
    torch = pytest.importorskip("torch")
    X, y, readout, *params = (torch.tensor(a, dtype=torch.float64) for a in inputs)
    weights = [p.requires_grad_() for p in params[0::2]]
    activation = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[item.activation]
    h, hidden = X, []
    for W, b in zip(weights, params[1::2]):
        a = activation(h @ W + b)
        h = h + a if item.residual else a
        h.retain_grad()
        hidden.append(h)
    loss = 0.5 * torch.mean((h @ readout - y) ** 2)
    loss.backward()
    return (
        [float(torch.linalg.norm(t.grad)) for t in hidden],
        [float(torch.linalg.norm(W.grad)) for W in weights],
    )


@pytest.mark.peers
@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_norms_equal_pytorch(item):
    inputs = network_inputs(item, depth=30, width=64, batch=16, seed=0)
    ours = layer_gradients(item, inputs, depth=30)
    theirs = torch_gradients(item, inputs)
    for mine, peer in zip(ours, theirs):
        np.testing.assert_allclose(mine, peer, rtol=1e-12, atol=0)


def test_records_are_tidy_and_show_vanishing_and_explosion():
    rows = gradient_flow(depth=12, width=16, batch=4)
    assert len(rows) == 12 * len(CASES)
    assert {"activation", "layer", "grad_norm", "weight_grad_norm"} <= set(rows[0])
    assert [r["layer"] for r in rows[:12]] == list(range(1, 13))
    measured = ratios(rows)
    assert measured["sigmoid"] < 0.25**6  # each sigmoid layer at most 0.25 times ‖W‖
    assert measured["relu, large weights"] > 10.0 > measured["relu"] > 0.1
    caption = caption_gradient_flow(select_gradient_flow(rows))
    assert "sigmoid" in caption and "12-layer MLP" in caption


def test_unknown_case_names_the_choices():
    with pytest.raises(CompareError, match="choose from"):
        case("softsign")
