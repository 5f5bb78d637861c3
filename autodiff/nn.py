"""The classic demo: a multilayer perceptron on two moons, trained with autodiff gradients.

The network and the loss are written with expr ops, traced once into a `Function` of
(W1, b1, ..., WL, bL, X, Y), and differentiated by reverse mode at every step (the traced
Function and its plan are reused: the fast path).

>>> X, y = two_moons(64, seed=1)
>>> model = MLP([2, 8, 2], seed=0)
>>> history = train(model, X, y, steps=50, optimizer=Adam(0.05))
>>> history[-1] < history[0]
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import expr

from .api import value_and_grad
from .errors import AutodiffError

Value = Any

#: The hidden-layer activations, by name.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {"tanh": expr.tanh, "relu": expr.relu}


def two_moons(n: int = 256, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X (n, 2), labels y (n,) in {0, 1} (from the catalog)."""
    return expr.catalog.two_moons(n, noise, seed)


def one_hot(y: np.ndarray, classes: int) -> np.ndarray:
    """Labels 0..classes-1 as rows of the identity.

    >>> one_hot(np.array([1, 0]), 2).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    return np.eye(classes)[np.asarray(y, dtype=int)]


def cross_entropy(logits: Value, Y: Value) -> Value:
    """Mean softmax cross-entropy, stable: mean(logsumexp(logits) - <Y, logits>), Y one-hot.

    >>> round(float(cross_entropy(np.zeros((1, 2)), np.array([[1.0, 0.0]]))), 6)
    0.693147
    """
    return expr.mean(expr.logsumexp(logits, axis=1) - expr.sum(Y * logits, axis=1))


def forward(params: Sequence[Value], X: Value, activation: str = "tanh") -> Value:
    """Logits of the MLP: h <- act(h @ W + b) for each hidden layer, then h @ W + b."""
    act = ACTIVATIONS[activation]
    h = X
    pairs = list(zip(params[0::2], params[1::2]))
    for k, (W, b) in enumerate(pairs):
        h = h @ W + b
        if k < len(pairs) - 1:
            h = act(h)
    return h


class MLP:
    """A multilayer perceptron with layer sizes `sizes` (e.g. [2, 16, 16, 2]).

    Parameters are Glorot-initialised float64 arrays [W1, b1, ..., WL, bL]. Gradients of the
    loss come from `autodiff.value_and_grad` on a traced Function, cached per batch shape.
    One step costs O(batch x parameters).
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh", seed: int = 0) -> None:
        if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
            raise AutodiffError(f"MLP sizes must be >= 2 positive ints, got {list(sizes)}")
        if activation not in ACTIVATIONS:
            raise AutodiffError(
                f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        self.sizes = [int(n) for n in sizes]
        self.activation = activation
        rng = np.random.default_rng(seed)
        self.params: list[np.ndarray] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            scale = np.sqrt(2.0 / (n_in + n_out))
            self.params += [rng.standard_normal((n_in, n_out)) * scale, np.zeros(n_out)]
        self._steps: dict[tuple, Any] = {}

    def loss_fn(self, *args: Value) -> Value:
        """The loss as a function of (W1, b1, ..., WL, bL, X, Y), written with expr ops."""
        *params, X, Y = args
        return cross_entropy(forward(params, X, self.activation), Y)

    def function(self, batch: int) -> expr.Function:
        """The loss traced for a batch of `batch` rows."""
        X = np.zeros((batch, self.sizes[0]))
        Y = np.zeros((batch, self.sizes[-1]))
        names = [f"{kind}{k + 1}" for k in range(len(self.sizes) - 1) for kind in ("W", "b")]
        return expr.trace(self.loss_fn, *self.params, X, Y, names=[*names, "X", "Y"])

    def value_and_grad(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, list[np.ndarray]]:
        """Loss and its gradient w.r.t. every parameter (Y one-hot)."""
        key = (X.shape, Y.shape)
        if key not in self._steps:
            argnums = tuple(range(len(self.params)))
            self._steps[key] = value_and_grad(self.function(X.shape[0]), argnums=argnums)
        loss, grads = self._steps[key](*self.params, X, Y)
        return float(loss), list(grads)

    def logits(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(forward(self.params, np.asarray(X, float), self.activation))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (argmax of the logits)."""
        return np.argmax(self.logits(X), axis=1)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """Softmax class probabilities (for decision-boundary plots)."""
        z = self.logits(X)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))


class SGD:
    """Plain gradient descent p <- p - lr * g."""

    def __init__(self, lr: float = 0.1) -> None:
        self.lr = lr

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        return [p - self.lr * g for p, g in zip(params, grads)]


class Adam:
    """Adam (Kingma & Ba 2015): bias-corrected running moments of g and g²."""

    def __init__(
        self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        if self.m is None or self.v is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        out = []
        for k, (p, g) in enumerate(zip(params, grads)):
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * g * g
            m_hat = self.m[k] / (1 - self.beta1**self.t)
            v_hat = self.v[k] / (1 - self.beta2**self.t)
            out.append(p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
        return out


def train(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    steps: int = 500,
    optimizer: SGD | Adam | None = None,
) -> list[float]:
    """Full-batch training; returns the loss before each step. O(steps x batch x params)."""
    optimizer = Adam(0.02) if optimizer is None else optimizer
    Y = one_hot(y, model.sizes[-1])
    X = np.asarray(X, dtype=float)
    history = []
    for _ in range(steps):
        loss, grads = model.value_and_grad(X, Y)
        history.append(loss)
        model.params = optimizer.step(model.params, grads)
    return history
