"""autodiff.nn: the two-moons MLP trains; its gradient matches PyTorch and HIPS autograd."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff
import expr
from autodiff import nn


def test_mlp_2_16_16_2_reaches_97_percent_on_two_moons():
    X, y = nn.two_moons(256, noise=0.1, seed=0)
    model = nn.MLP([2, 16, 16, 2], activation="tanh", seed=0)
    history = nn.train(model, X, y, steps=400, optimizer=nn.Adam(0.02))
    assert model.accuracy(X, y) >= 0.97
    assert history[-1] < 0.2 * history[0]


def test_relu_network_and_sgd_decrease_the_loss():
    X, y = nn.two_moons(128, seed=3)
    model = nn.MLP([2, 8, 2], activation="relu", seed=1)
    history = nn.train(model, X, y, steps=100, optimizer=nn.SGD(0.5))
    assert history[-1] < history[0]
    probabilities = model.probabilities(X)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    Y = np.array([[0.0, 1.0], [0.0, 1.0]])
    value = float(nn.cross_entropy(logits, Y))
    assert value == pytest.approx((1000.0 + 1000.0) / 2)
    g = autodiff.grad(lambda z: nn.cross_entropy(z, Y))(logits)
    assert np.all(np.isfinite(g))


def test_model_gradient_matches_reference():
    model = nn.MLP([2, 3, 2], seed=2)
    X, y = nn.two_moons(4, seed=5)
    Y = nn.one_hot(y, 2)
    _, grads = model.value_and_grad(X, Y)
    exact = expr.reference(model.function(4), (*model.params, X, Y))
    for g, ref in zip(grads, exact):
        np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-14)


def test_bad_model_arguments():
    with pytest.raises(autodiff.AutodiffError, match="activation"):
        nn.MLP([2, 4, 2], activation="swish")
    with pytest.raises(autodiff.AutodiffError, match="sizes"):
        nn.MLP([2])


# ------------------------------------------------------------------ peers (optional extra)
def peer_problem():
    X, y = nn.two_moons(256, seed=0)
    Y = nn.one_hot(y, 2)
    model = nn.MLP([2, 64, 64, 2], activation="tanh", seed=0)
    _, grads = model.value_and_grad(X, Y)
    return model.params, X, Y, grads


def relative(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.peers
def test_mlp_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    params, X, Y, grads = peer_problem()
    tp = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    tX, tY = torch.tensor(X), torch.tensor(Y)
    h = torch.tanh(tX @ tp[0] + tp[1])
    h = torch.tanh(h @ tp[2] + tp[3])
    z = h @ tp[4] + tp[5]
    loss = torch.mean(torch.logsumexp(z, dim=1) - torch.sum(tY * z, dim=1))
    loss.backward()
    for ours, p in zip(grads, tp):
        assert relative(ours, p.grad.numpy()) <= 1e-12


@pytest.mark.peers
def test_mlp_gradient_matches_hips_autograd():
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    params, X, Y, grads = peer_problem()

    def loss(ps):
        h = anp.tanh(anp.dot(X, ps[0]) + ps[1])
        h = anp.tanh(anp.dot(h, ps[2]) + ps[3])
        z = anp.dot(h, ps[4]) + ps[5]
        m = anp.max(z, axis=1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
        return anp.mean(lse - anp.sum(Y * z, axis=1))

    theirs = autograd.grad(loss)(list(params))
    for ours, ref in zip(grads, theirs):
        assert relative(ours, ref) <= 1e-12
