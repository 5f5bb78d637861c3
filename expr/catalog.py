"""Named test functions with input generators and metadata, and the two-moons data set.

>>> from expr import catalog
>>> entry = catalog.get("worked_example")
>>> f = entry.function()
>>> round(float(f(*entry.point)), 12)
6.909297426826
>>> sorted(catalog.names())[:3]
['abs', 'exp', 'exp100']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from . import checks
from . import functions as F
from .errors import InputError
from .graph import Function
from .trace import trace


@dataclass(frozen=True)
class CatalogEntry:
    """One named function.

    `build(size)` returns the Function; `sample(size, rng)` draws inputs inside its domain;
    `point` is the textbook evaluation point (for size=None); `family` names the size
    parameter of a family (depth, n, width...), None for a fixed function.
    """

    name: str
    description: str
    build: Callable[[int | None], Function]
    sample: Callable[[int | None, np.random.Generator], tuple]
    scalar: bool = True
    smooth: bool = True
    family: str | None = None
    default_size: int | None = None
    point: tuple | None = None

    def _size(self, size: Any) -> int | None:
        """`size` checked: None picks the default; a fixed function takes no size."""
        if size is None:
            return self.default_size
        if self.family is None:
            raise InputError(f"{self.name} is a fixed function: size must be None, got {size!r}")
        return checks.integer(size, f"size ({self.family} of {self.name})")

    def function(self, size: int | None = None) -> Function:
        """The Function at `size` (the default size when None)."""
        return self.build(self._size(size))

    def inputs(self, size: int | None = None, seed: int = 0) -> tuple:
        """Inputs drawn with a fixed seed (the textbook point when there is one)."""
        seed = checks.seed(seed)
        if self.point is not None and size is None and seed == 0:
            return self.point
        return self.sample(self._size(size), np.random.default_rng(seed))

    def n_inputs(self, size: int | None = None) -> int:
        """Number of scalar inputs (elements of all input arrays)."""
        return int(sum(np.size(x) for x in self.inputs(size)))

    def m_outputs(self, size: int | None = None) -> int:
        """Number of scalar outputs."""
        f = self.function(size)
        return int(sum(np.prod(s, dtype=np.int64) for s in f.output_shapes))


_ENTRIES: dict[str, CatalogEntry] = {}


def _add(entry: CatalogEntry) -> None:
    _ENTRIES[entry.name] = entry


def names() -> list[str]:
    """All entry names."""
    return list(_ENTRIES)


def get(name: str) -> CatalogEntry:
    """The entry called `name` (an `InputError` lists the names otherwise)."""
    if not isinstance(name, str) or name not in _ENTRIES:
        raise InputError(
            f"no catalog function {checks.shown(name)}; there are {', '.join(_ENTRIES)}"
        )
    return _ENTRIES[name]


def entries(scalar: bool | None = None, smooth: bool | None = None) -> list[CatalogEntry]:
    """Entries filtered by metadata (None = either)."""
    return [
        e
        for e in _ENTRIES.values()
        if (scalar is None or e.scalar == scalar) and (smooth is None or e.smooth == smooth)
    ]


def _uniform(low: float, high: float, count: int = 1) -> Callable:
    return lambda size, rng: tuple(float(v) for v in rng.uniform(low, high, count))


def _scalar(
    name: str,
    fn: Callable,
    description: str,
    point: tuple,
    low: float,
    high: float,
    smooth: bool = True,
) -> None:
    count = len(point)
    names_ = ["x", "y", "z"][:count] if count > 1 else ["x"]
    if fn.__code__.co_varnames[:count] != tuple(names_):
        names_ = list(fn.__code__.co_varnames[:count])
    _add(
        CatalogEntry(
            name,
            description,
            build=lambda size: trace(fn, *point, names=names_),
            sample=_uniform(low, high, count),
            smooth=smooth,
            point=point,
        )
    )


# ------------------------------------------------------------------ the textbook examples
_scalar("sin_cos", lambda x: F.sin(x) * F.cos(x), "sin(x) cos(x)", (0.7,), -2.0, 2.0)
_scalar("xy_sin", lambda x, y: (x + y) * F.sin(x), "(x + y) sin(x)", (1.0, 2.0), -2.0, 2.0)
_scalar(
    "worked_example",
    lambda x1, x2: x1 * x2 + F.sin(x1),
    "x1 x2 + sin(x1), the worked example at (2, 3)",
    (2.0, 3.0),
    -3.0,
    3.0,
)
_scalar(
    "linear_square",
    lambda x, w, b: (x * w + b) ** 2,
    "(x w + b)^2, a one-neuron squared error",
    (1.5, 0.5, -0.25),
    -2.0,
    2.0,
)
_scalar("exp", lambda x: F.exp(x), "exp(x)", (1.0,), -2.0, 2.0)
_scalar("sin", lambda x: F.sin(x), "sin(x)", (1.0,), -2.0, 2.0)
_scalar("exp100", lambda x: F.exp(100.0 * x), "exp(100 x), badly scaled", (0.05,), -0.1, 0.1)
_scalar("inv_square", lambda x: x**-2.0, "x^-2", (1.0,), 0.5, 2.0)
_scalar(
    "squire_trapp",
    lambda x: F.exp(x) / F.sqrt(F.sin(x) ** 3.0 + F.cos(x) ** 3.0),
    "e^x / sqrt(sin^3 x + cos^3 x) (Squire & Trapp 1998)",
    (1.5,),
    0.0,
    1.5,
)
_scalar("softplus", lambda x: F.softplus(x), "softplus log(1 + e^x)", (0.5,), -5.0, 5.0)
_scalar("sigmoid", lambda x: F.sigmoid(x), "sigmoid 1 / (1 + e^-x)", (0.5,), -5.0, 5.0)
_scalar("tanh", lambda x: F.tanh(x), "tanh(x)", (0.5,), -3.0, 3.0)
_scalar("abs", lambda x: F.abs(x), "|x| (kink at 0)", (0.0,), -1.0, 1.0, smooth=False)
_scalar(
    "relu", lambda x: F.relu(x), "relu(x) = max(x, 0) (kink at 0)", (0.0,), -1.0, 1.0, smooth=False
)
_scalar(
    "maximum",
    lambda x, y: F.maximum(x, y),
    "max(x, y) (kink where x = y)",
    (0.5, 0.5),
    -1.0,
    1.0,
    smooth=False,
)


# ------------------------------------------------------------------ families
#: Largest depth of the chains (logistic map, nested sin/exp, tanh chain) and largest n of
#: `product`: a few seconds of tracing. Larger graphs: build them with `expr.trace`.
MAX_DEPTH = 100_000
#: Largest number of elements of an array the builders make (inputs, data sets).
MAX_ELEMENTS = 10**7
_WAY_ROUND = "trace a larger graph yourself with expr.trace if you mean it"


def _depth(value: Any, name: str) -> int:
    return checks.integer(value, name, maximum=MAX_DEPTH, hint=_WAY_ROUND)


def _elements(value: Any, name: str, minimum: int = 1, per: int = 1) -> int:
    """A size whose arrays hold `per` x value elements, at most `MAX_ELEMENTS`."""
    return checks.integer(value, name, minimum, MAX_ELEMENTS // per, hint=_WAY_ROUND)


def logistic_map(depth: int) -> Function:
    """l_0 = x, l_{k+1} = 4 l_k (1 - l_k); returns l_depth. 3 ops per step.

    >>> round(float(logistic_map(4)(0.2)), 6)
    0.821939
    """
    depth = _depth(depth, "logistic_map: depth")

    def fn(x: Any) -> Any:
        for _ in range(depth):
            x = 4.0 * x * (1.0 - x)
        return x

    return trace(fn, 0.2, names=["x"])


def nested_sin_exp(depth: int) -> Function:
    """sin(exp(sin(exp(... x)))) with `depth` functions, innermost applied first."""
    depth = _depth(depth, "nested_sin_exp: depth")

    def fn(x: Any) -> Any:
        for k in range(depth):
            x = F.sin(x) if k % 2 else F.exp(x)
        return x

    return trace(fn, 0.3, names=["x"])


def product(n: int) -> Function:
    """x1 x2 ... xn of n >= 2 scalar inputs (n - 1 multiplications)."""
    n = checks.integer(n, "product: n", minimum=2, maximum=MAX_DEPTH, hint=_WAY_ROUND)
    names_ = [f"x{i + 1}" for i in range(n)]
    return trace(lambda *xs: reduce(F.multiply, xs), *([1.0] * n), names=names_)


def rosenbrock(n: int) -> Function:
    """sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 over a vector x of length n >= 2."""
    n = _elements(n, "rosenbrock: n", minimum=2)

    def fn(x: Any) -> Any:
        head, tail = x[:-1], x[1:]
        return F.sum(100.0 * (tail - head * head) ** 2.0 + (1.0 - head) ** 2.0)

    return trace(fn, np.zeros(n), names=["x"])


def logsumexp_vector(n: int) -> Function:
    """log sum_i exp(x_i), computed stably."""
    n = _elements(n, "logsumexp_vector: n")
    return trace(lambda x: F.logsumexp(x), np.zeros(n), names=["x"])


def two_moons(n: int = 256, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X (n, 2) float64 and labels y (n,) in {0, 1}.

    >>> X, y = two_moons(8)
    >>> X.shape, int(y.sum())
    ((8, 2), 4)
    """
    n = _elements(n, "two_moons: n", per=2)
    noise = checks.real(noise, "two_moons: noise", minimum=0.0)
    rng = np.random.default_rng(checks.seed(seed, "two_moons: seed"))
    n_top = n // 2
    t_top = np.pi * rng.random(n_top)
    t_bottom = np.pi * rng.random(n - n_top)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_top, int), np.ones(n - n_top, int)])
    return X, y


def cross_entropy(logits: Any, Y: Any) -> Any:
    """Mean softmax cross-entropy over the rows, stable: mean(logsumexp(logits) - <Y,
    logits>), Y one-hot (`autodiff.nn.cross_entropy` checks the shapes and calls this).

    >>> round(float(cross_entropy(np.zeros((1, 2)), np.array([[1.0, 0.0]]))), 6)
    0.693147
    """
    return F.mean(F.logsumexp(logits, axis=1) - F.sum(Y * logits, axis=1))


def mlp_logits(params: Sequence[Any], X: Any, activation: Callable[[Any], Any] = F.tanh) -> Any:
    """The logits of an MLP with params [W1, b1, ..., WL, bL]: h <- activation(h @ W + b)
    for each hidden layer, then h @ W + b. O(batch x parameters)."""
    h = X
    pairs = list(zip(params[0::2], params[1::2]))
    for k, (W, b) in enumerate(pairs):
        h = h @ W + b
        if k < len(pairs) - 1:
            h = activation(h)
    return h


def mlp_loss_fn(W1: Any, b1: Any, W2: Any, b2: Any, X: Any, Y: Any) -> Any:
    """Mean softmax cross-entropy of a 2-layer tanh MLP; Y is one-hot (`autodiff.nn.MLP`'s
    loss for layer sizes [2, hidden, 2])."""
    return cross_entropy(mlp_logits((W1, b1, W2, b2), X), Y)


def mlp_inputs(hidden: int, batch: int = 32, seed: int = 0) -> tuple:
    """Glorot-initialised parameters and a two-moons batch (one-hot labels)."""
    hidden = _elements(hidden, "mlp_inputs: hidden", per=2)
    batch = _elements(batch, "mlp_inputs: batch", per=2)
    rng = np.random.default_rng(checks.seed(seed, "mlp_inputs: seed"))
    X, y = two_moons(batch, seed=seed)
    W1 = rng.standard_normal((2, hidden)) * np.sqrt(2.0 / (2 + hidden))
    W2 = rng.standard_normal((hidden, 2)) * np.sqrt(2.0 / (hidden + 2))
    return W1, np.zeros(hidden), W2, np.zeros(2), X, np.eye(2)[y]


def mlp_loss(hidden: int, batch: int = 32) -> Function:
    """The MLP loss as a Function of (W1, b1, W2, b2, X, Y); hidden width and batch >= 1."""
    return trace(mlp_loss_fn, *mlp_inputs(hidden, batch))


def tanh_chain(depth: int, width: int = 8, batch: int = 4) -> Function:
    """h_0 = x, h_{t+1} = tanh(h_t W + b) for `depth` layers (shared W, b); returns
    0.5 * mean(h_T^2). A deep chain for checkpointing: 3 ops per layer."""
    depth = _depth(depth, "tanh_chain: depth")

    def fn(x: Any, W: Any, b: Any) -> Any:
        h = x
        for _ in range(depth):
            h = F.tanh(h @ W + b)
        return 0.5 * F.mean(h * h)

    return trace(fn, *tanh_chain_inputs(width, batch))


def tanh_chain_inputs(width: int = 8, batch: int = 4, seed: int = 0) -> tuple:
    """Inputs of `tanh_chain`: x (batch, width), W (width, width) with gain 1, b (width)."""
    width = checks.integer(
        width, "tanh_chain_inputs: width", maximum=math.isqrt(MAX_ELEMENTS), hint=_WAY_ROUND
    )
    batch = _elements(batch, "tanh_chain_inputs: batch", per=width)
    rng = np.random.default_rng(checks.seed(seed, "tanh_chain_inputs: seed"))
    return (
        rng.standard_normal((batch, width)),
        rng.standard_normal((width, width)) / np.sqrt(width),
        0.1 * rng.standard_normal(width),
    )


def _seeded(sample: Callable[..., tuple]) -> Callable[[Any, np.random.Generator], tuple]:
    """A sampler from a builder of inputs that takes a seed (drawn from the generator)."""
    return lambda size, rng: sample(size, seed=int(rng.integers(1 << 30)))


#: The families: (name, description, build, sample(size, rng), size parameter, default
#: size, scalar inputs, textbook point).
_FAMILIES = (
    ("logistic", "logistic map l_{k+1} = 4 l_k (1 - l_k) to depth k", logistic_map,
     lambda size, rng: (float(rng.uniform(0.1, 0.9)),), "depth", 4, True, (0.2,)),
    ("nested_sin_exp", "sin(exp(sin(exp(... x)))) nested to depth k", nested_sin_exp,
     lambda size, rng: (float(rng.uniform(-1.0, 1.0)),), "depth", 6, True, (0.3,)),
    ("product", "x1 x2 ... xn, the product of n inputs", product,
     lambda size, rng: tuple(float(v) for v in rng.uniform(0.5, 1.5, size)), "n", 5, True, None),
    ("rosenbrock", "Rosenbrock function of n variables", rosenbrock,
     lambda size, rng: (rng.uniform(-1.5, 1.5, size),), "n", 4, False, None),
    ("logsumexp", "log-sum-exp of a vector of n", logsumexp_vector,
     lambda size, rng: (rng.uniform(-3.0, 3.0, size),), "n", 5, False, None),
    ("mlp_loss", "2-layer tanh MLP (2-h-2) with softmax cross-entropy on two moons", mlp_loss,
     _seeded(mlp_inputs), "hidden width", 4, False, None),
    ("tanh_chain", "deep tanh chain h_{t+1} = tanh(h_t W + b), for checkpointing", tanh_chain,
     _seeded(lambda size, seed: tanh_chain_inputs(seed=seed)), "depth", 8, False, None),
)  # fmt: skip
for _name, _text, _build, _sample, _family, _size, _scalar_inputs, _point in _FAMILIES:
    _add(CatalogEntry(_name, _text, _build, _sample, _scalar_inputs, True, _family, _size, _point))
