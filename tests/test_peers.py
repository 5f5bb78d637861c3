"""Peer parity: gradients, Jacobians and Hessian-vector products of every catalog function
against HIPS autograd and PyTorch (CPU, float64), to <= 1e-12 relative per component
(|ours - peer| <= 1e-12 * max(1, |peer|)).

Each catalog function is written again below for the peers, independently of our graph.
"""

from __future__ import annotations

from functools import reduce
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import autodiff
import expr

torch = pytest.importorskip("torch")
autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")

pytestmark = pytest.mark.peers
RTOL = 1e-12
SIZES = {"logistic": 4, "nested_sin_exp": 5, "product": 4, "rosenbrock": 4, "logsumexp": 4}
SIZES |= {"mlp_loss": 3, "tanh_chain": 3}


def _namespace(module: Any, **own: Any) -> SimpleNamespace:
    """The peer's functions by our names: those it spells as numpy does, and its `own`."""
    same = ("sin", "cos", "exp", "sqrt", "tanh", "log", "abs", "mean", "maximum")
    return SimpleNamespace(**{name: getattr(module, name) for name in same}, **own)


def _autograd_logsumexp(x: Any, axis: Any = None) -> Any:
    top = anp.max(x, axis=axis, keepdims=True)
    out = anp.log(anp.sum(anp.exp(x - top), axis=axis, keepdims=True)) + top
    return anp.sum(out, axis=axis) if axis is not None else anp.sum(out)


AutogradOps = _namespace(
    anp,
    relu=lambda x: anp.where(x > 0, x, 0.0 * x),
    sum=lambda x, axis=None: anp.sum(x, axis=axis),
    logsumexp=_autograd_logsumexp,
)
TorchOps = _namespace(
    torch,
    relu=torch.relu,
    sum=lambda x, axis=None: torch.sum(x) if axis is None else torch.sum(x, dim=axis),
    logsumexp=lambda x, axis=None: torch.logsumexp(
        x, dim=tuple(range(x.dim())) if axis is None else axis
    ),
)


def _relu(ns: Any, x: Any) -> Any:
    return ns.relu(x)


def _sigmoid(ns: Any, x: Any) -> Any:
    return 1.0 / (1.0 + ns.exp(-x))


def _mlp(ns: Any, W1: Any, b1: Any, W2: Any, b2: Any, X: Any, Y: Any) -> Any:
    hidden = ns.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    return ns.mean(ns.logsumexp(logits, axis=1) - ns.sum(Y * logits, axis=1))


def _tanh_chain(depth: int) -> Any:
    def fn(ns: Any, x: Any, W: Any, b: Any) -> Any:
        h = x
        for _ in range(depth):
            h = ns.tanh(h @ W + b)
        return 0.5 * ns.mean(h * h)

    return fn


def _logistic(depth: int) -> Any:
    def fn(ns: Any, x: Any) -> Any:
        for _ in range(depth):
            x = 4.0 * x * (1.0 - x)
        return x

    return fn


def _nested(depth: int) -> Any:
    def fn(ns: Any, x: Any) -> Any:
        for k in range(depth):
            x = ns.sin(x) if k % 2 else ns.exp(x)
        return x

    return fn


def _rosenbrock(ns: Any, x: Any) -> Any:
    head, tail = x[:-1], x[1:]
    return ns.sum(100.0 * (tail - head * head) ** 2.0 + (1.0 - head) ** 2.0)


#: catalog name -> (size -> peer implementation f(ns, *inputs))
PEER = {
    "sin_cos": lambda n: lambda ns, x: ns.sin(x) * ns.cos(x),
    "xy_sin": lambda n: lambda ns, x, y: (x + y) * ns.sin(x),
    "worked_example": lambda n: lambda ns, a, b: a * b + ns.sin(a),
    "linear_square": lambda n: lambda ns, x, w, b: (x * w + b) ** 2,
    "exp": lambda n: lambda ns, x: ns.exp(x),
    "sin": lambda n: lambda ns, x: ns.sin(x),
    "exp100": lambda n: lambda ns, x: ns.exp(100.0 * x),
    "inv_square": lambda n: lambda ns, x: x**-2.0,
    "squire_trapp": lambda n: lambda ns, x: ns.exp(x) / ns.sqrt(ns.sin(x) ** 3 + ns.cos(x) ** 3),
    "softplus": lambda n: lambda ns, x: ns.log(1.0 + ns.exp(x)),
    "sigmoid": lambda n: _sigmoid,
    "tanh": lambda n: lambda ns, x: ns.tanh(x),
    "abs": lambda n: lambda ns, x: ns.abs(x),
    "relu": lambda n: _relu,
    "maximum": lambda n: lambda ns, x, y: ns.maximum(x, y),
    "logistic": _logistic,
    "nested_sin_exp": _nested,
    "product": lambda n: lambda ns, *xs: reduce(lambda a, b: a * b, xs),
    "rosenbrock": lambda n: _rosenbrock,
    "logsumexp": lambda n: lambda ns, x: ns.logsumexp(x),
    "mlp_loss": lambda n: _mlp,
    "tanh_chain": _tanh_chain,
}


def close(a: Any, ref: Any) -> bool:
    a, ref = np.asarray(a, dtype=float), np.asarray(ref, dtype=float)
    assert a.shape == ref.shape, (a.shape, ref.shape)
    return bool(np.all(np.abs(a - ref) <= RTOL * np.maximum(1.0, np.abs(ref))))


def case(name: str, seed: int) -> tuple:
    entry = expr.catalog.get(name)
    size = SIZES.get(name)
    point = entry.inputs(size, seed) if seed or entry.point is None else entry.point
    xs = tuple(np.asarray(v, dtype=float) if np.ndim(v) else float(v) for v in point)
    return entry.function(size), xs, PEER[name](size)


def flat(parts: Any) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


CASES = [(name, seed) for name in expr.catalog.names() for seed in (0, 1)]


def test_every_catalog_function_has_a_peer_version() -> None:
    assert set(expr.catalog.names()) <= set(PEER)


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_gradient_and_jacobian_match_torch(name: str, seed: int) -> None:
    f, xs, peer = case(name, seed)
    argnums = tuple(range(len(xs)))
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = peer(TorchOps, *tensors)
    peer_grad = torch.autograd.grad(out, tensors, allow_unused=True)
    peer_grad = [torch.zeros_like(t) if g is None else g for g, t in zip(peer_grad, tensors)]
    peer_flat = flat([g.detach().numpy() for g in peer_grad])
    assert close(flat(autodiff.grad(f, argnums=argnums)(*xs)), peer_flat)
    assert close(flat(autodiff.jacrev(f, argnums=argnums)(*xs)), peer_flat)
    assert close(flat(autodiff.jacfwd(f, argnums=argnums)(*xs)), peer_flat)


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_hvp_matches_torch(name: str, seed: int) -> None:
    f, xs, peer = case(name, seed)
    rng = np.random.default_rng(seed + 7)
    vs = tuple(
        rng.uniform(-1, 1, np.shape(x)) if np.ndim(x) else float(rng.uniform(-1, 1)) for x in xs
    )
    tx = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
    tv = tuple(torch.tensor(v, dtype=torch.float64) for v in vs)
    _, peer_hv = torch.autograd.functional.hvp(lambda *a: peer(TorchOps, *a), tx, tv)
    ours = autodiff.hvp(f, tuple(xs), vs)
    ours = ours if len(xs) > 1 else (ours,)
    assert close(flat(ours), flat([h.numpy() for h in peer_hv]))


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_gradient_and_hvp_match_autograd(name: str, seed: int) -> None:
    f, xs, peer = case(name, seed)
    argnums = tuple(range(len(xs)))
    peer_grad = autograd.grad(lambda args: peer(AutogradOps, *args))(list(xs))
    assert close(flat(autodiff.grad(f, argnums=argnums)(*xs)), flat(peer_grad))
    rng = np.random.default_rng(seed + 11)
    vs = [rng.uniform(-1, 1, np.shape(x)) if np.ndim(x) else float(rng.uniform(-1, 1)) for x in xs]

    def gdotv(args: list) -> Any:
        g = autograd.grad(lambda a: peer(AutogradOps, *a))(args)
        return sum(anp.sum(gi * vi) for gi, vi in zip(g, vs))

    peer_hv = autograd.grad(gdotv)(list(xs))
    ours = autodiff.hvp(f, tuple(xs), tuple(vs))
    ours = ours if len(xs) > 1 else (ours,)
    assert close(flat(ours), flat(peer_hv))
