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
from expr import checks
from expr.tracer import shape_of

from .api import value_and_grad
from .errors import AutodiffError

Value = Any

#: Most steps of one `train` call (it continues from `model.params`: call it again).
MAX_STEPS = 100_000

#: The hidden-layer activations, by name.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {"tanh": expr.tanh, "relu": expr.relu}


def two_moons(n: int = 256, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X (n, 2), labels y (n,) in {0, 1} (from the catalog)."""
    return expr.catalog.two_moons(n, noise, seed)


def _array(value: Any, name: str, ndim: int) -> np.ndarray:
    """`value` as a finite float64 array with `ndim` dimensions (an `AutodiffError` naming
    `name` otherwise)."""
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise AutodiffError(f"{name} must be a {ndim}-d array of numbers, got {value!r:.60}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AutodiffError(
            f"{name} must be a {ndim}-d array of numbers, got {value!r:.60}"
        ) from None
    if array.ndim != ndim:
        raise AutodiffError(f"{name} must be {ndim}-d, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise AutodiffError(f"{name} contains NaN or inf")
    return array


def labels(y: Any, classes: int, count: int | None = None) -> np.ndarray:
    """`y` checked as integer class labels 0..classes-1 (a 1-d array, `count` long when
    given), returned as an int array. O(len(y)).

    >>> labels([1, 0, 1], 2).tolist()
    [1, 0, 1]
    """
    classes = checks.integer(classes, "classes", error=AutodiffError)
    values = _array(y, "labels y", 1)
    if count is not None and values.size != count:
        raise AutodiffError(f"labels y has {values.size} entries for {count} rows of X")
    if values.size == 0:
        raise AutodiffError("labels y is empty")
    if np.any(values != np.round(values)):
        raise AutodiffError(
            f"labels y must be integers 0..{classes - 1}, got {values[values != np.round(values)][0]}"
        )
    bad = values[(values < 0) | (values >= classes)]
    if bad.size:
        raise AutodiffError(
            f"labels y must be in 0..{classes - 1} ({classes} classes), got {bad[0]:g}"
        )
    return values.astype(int)


def one_hot(y: np.ndarray, classes: int) -> np.ndarray:
    """Labels 0..classes-1 as rows of the identity (labels outside raise `AutodiffError`).

    >>> one_hot(np.array([1, 0]), 2).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    return np.eye(classes)[labels(y, classes)]


def cross_entropy(logits: Value, Y: Value) -> Value:
    """Mean softmax cross-entropy, stable: mean(logsumexp(logits) - <Y, logits>), Y one-hot
    (`expr.catalog.cross_entropy`, the shapes checked).

    >>> round(float(cross_entropy(np.zeros((1, 2)), np.array([[1.0, 0.0]]))), 6)
    0.693147
    """
    shapes = [shape_of(logits), shape_of(Y)]
    if len(shapes[0]) != 2 or shapes[0] != shapes[1]:
        raise AutodiffError(
            f"cross_entropy needs logits and one-hot Y of one shape (batch, classes), got "
            f"{shapes[0]} and {shapes[1]}"
        )
    return expr.catalog.cross_entropy(logits, Y)


def forward(params: Sequence[Value], X: Value, activation: str = "tanh") -> Value:
    """Logits of the MLP: h <- act(h @ W + b) for each hidden layer, then h @ W + b
    (`expr.catalog.mlp_logits`, its arguments checked)."""
    act = ACTIVATIONS[checks.choice(activation, "activation", ACTIVATIONS, AutodiffError)]
    params = checks.sequence(params, "params", AutodiffError)
    if not params or len(params) % 2:
        raise AutodiffError(f"params must be [W1, b1, ..., WL, bL], got {len(params)} arrays")
    return expr.catalog.mlp_logits(params, X, act)


class MLP:
    """A multilayer perceptron with layer sizes `sizes` (e.g. [2, 16, 16, 2]).

    Parameters are Glorot-initialised float64 arrays [W1, b1, ..., WL, bL]. Gradients of the
    loss come from `autodiff.value_and_grad` on a traced Function, cached per batch shape.
    One step costs O(batch x parameters).
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh", seed: int = 0) -> None:
        sizes = checks.sequence(sizes, "MLP sizes", AutodiffError)
        if len(sizes) < 2:
            raise AutodiffError(f"MLP sizes needs >= 2 layer sizes (inputs, outputs), got {sizes}")
        self.sizes = [
            checks.integer(n, f"MLP sizes[{i}]", error=AutodiffError) for i, n in enumerate(sizes)
        ]
        largest = max(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        if largest > expr.catalog.MAX_ELEMENTS:
            raise AutodiffError(
                f"MLP sizes {self.sizes} make a weight matrix of {largest} entries, over the "
                f"limit {expr.catalog.MAX_ELEMENTS}"
            )
        self.activation = checks.choice(activation, "activation", ACTIVATIONS, AutodiffError)
        rng = np.random.default_rng(checks.seed(seed, error=AutodiffError))
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
        X, Y = self._inputs(X), _array(Y, "Y", 2)
        if Y.shape != (X.shape[0], self.sizes[-1]):
            raise AutodiffError(f"Y must have shape {(X.shape[0], self.sizes[-1])}, got {Y.shape}")
        key = (X.shape, Y.shape)
        if key not in self._steps:
            argnums = tuple(range(len(self.params)))
            self._steps[key] = value_and_grad(self.function(X.shape[0]), argnums=argnums)
        loss, grads = self._steps[key](*self.params, X, Y)
        return float(loss), list(grads)

    def _inputs(self, X: Any) -> np.ndarray:
        X = _array(X, "X", 2)
        if X.shape[0] < 1 or X.shape[1] != self.sizes[0]:
            raise AutodiffError(
                f"X must have shape (rows >= 1, {self.sizes[0]}) for this MLP, got {X.shape}"
            )
        return X

    def logits(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(forward(self.params, self._inputs(X), self.activation))

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
        return float(np.mean(self.predict(X) == labels(y, self.sizes[-1], len(X))))


class SGD:
    """Plain gradient descent p <- p - lr * g."""

    def __init__(self, lr: float = 0.1) -> None:
        self.lr = checks.real(lr, "SGD lr", minimum=0.0, open_minimum=True, error=AutodiffError)

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        return [p - self.lr * g for p, g in zip(params, grads)]


class Adam:
    """Adam (Kingma & Ba 2015): bias-corrected running moments of g and g²."""

    def __init__(
        self, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        def check(value: float, name: str, high: float = 1.0) -> float:
            return checks.real(value, name, 0.0, high, AutodiffError, open_maximum=high == 1.0)

        self.lr = checks.real(lr, "Adam lr", 0.0, error=AutodiffError, open_minimum=True)
        self.beta1, self.beta2 = check(beta1, "Adam beta1"), check(beta2, "Adam beta2")
        self.eps = checks.real(eps, "Adam eps", 0.0, error=AutodiffError, open_minimum=True)
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
    if not isinstance(model, MLP):
        raise AutodiffError(f"train needs an autodiff.nn.MLP, got {type(model).__name__}")
    steps = checks.integer(
        steps, "steps", 0, MAX_STEPS, AutodiffError, "call train again with the same optimizer"
    )
    optimizer = Adam(0.02) if optimizer is None else optimizer
    if not isinstance(optimizer, (SGD, Adam)):
        raise AutodiffError(f"optimizer must be SGD, Adam or None, got {type(optimizer).__name__}")
    X = model._inputs(X)
    Y = one_hot(labels(y, model.sizes[-1], len(X)), model.sizes[-1])
    history = []
    for _ in range(steps):
        loss, grads = model.value_and_grad(X, Y)
        history.append(loss)
        model.params = optimizer.step(model.params, grads)
    return history
