"""Richardson extrapolation, kept apart from the formulas: Neville's scheme in y = h^power.

If D(h) = D0 + a1 h^p + a2 h^2p + ..., the polynomial in y = h^p through (y_i, D(h_i)),
evaluated at y = 0, removes one error term per extra step. The result is a linear
combination sum_i c_i D(h_i) with Lagrange weights c_i = prod_{j != i} y_j / (y_j - y_i);
its truncation error is ~ a_k prod_i y_i (k = number of steps) and its round-off is the
round-off of each D(h_i) amplified by |c_i|.

>>> steps = [0.1, 0.05, 0.025]
>>> values = [np.sin(1 + h) - np.sin(1 - h) for h in steps]
>>> values = [v / (2 * h) for v, h in zip(values, steps)]
>>> bool(abs(extrapolate(steps, values) - np.cos(1.0)) < 1e-11)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import StepError


def _nodes(steps: Sequence[float], power: int) -> np.ndarray:
    h = np.asarray(steps, dtype=np.float64)
    if h.ndim != 1 or h.size == 0 or not np.all(np.isfinite(h)) or np.any(h <= 0):
        raise StepError(f"Richardson steps must be positive finite numbers, got {steps!r}")
    y = h**power
    if np.unique(y).size != y.size:
        raise StepError(f"Richardson steps must be distinct, got {steps!r}")
    return y


def weights(steps: Sequence[float], power: int = 2) -> np.ndarray:
    """Lagrange weights c_i at y = 0 for nodes y_i = steps_i^power (they sum to 1). O(k^2).

    >>> np.round(weights([1.0, 0.5]), 12).tolist()  # (4 D(h/2) - D(h)) / 3
    [-0.333333333333, 1.333333333333]
    """
    y = _nodes(steps, power)
    c = np.ones_like(y)
    for i in range(y.size):
        for j in range(y.size):
            if j != i:
                c[i] *= y[j] / (y[j] - y[i])
    return c


def extrapolate(steps: Sequence[float], values: Sequence, power: int = 2) -> np.ndarray:
    """sum_i c_i values_i: the extrapolation of values (stacked on axis 0) to h = 0. O(k^2).

    >>> round(float(extrapolate([1.0, 0.5], [3.0, 1.5])), 12)  # D(h) = 1 + 2 h^2
    1.0
    """
    c = weights(steps, power)
    v = np.asarray(values)
    return np.tensordot(c, v, axes=(0, 0))


def tableau(steps: Sequence[float], values: Sequence, power: int = 2) -> list[list]:
    """Neville's table: T[i][k] extrapolates with the k+1 steps i-k..i (T[i][0] = values_i).
    O(k^2) combinations of the value arrays.

    >>> T = tableau([1.0, 0.5, 0.25], [3.0, 1.5, 1.125])  # D(h) = 1 + 2 h^2
    >>> [round(float(t), 12) for t in T[2]]
    [1.125, 1.0, 1.0]
    """
    y = _nodes(steps, power)
    table: list[list] = []
    for i in range(y.size):
        row = [np.asarray(values[i])]
        for k in range(1, i + 1):
            lower, upper = table[i - 1][k - 1], row[k - 1]
            row.append(upper + (upper - lower) * y[i] / (y[i - k] - y[i]))
        table.append(row)
    return table
