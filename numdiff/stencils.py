"""The finite-difference formulas, derived exactly: Fornberg's algorithm in `Fraction`s.

A stencil for the n-th derivative approximates f^(n)(x) ~ sum_i w_i f(x + o_i h) / h^n with
truncation error ~ c * f^(n+p)(x) * h^p (p = `accuracy`, c = `error_constant`). The weights
are the unique ones that make the formula exact for polynomials of degree < len(offsets)
(Fornberg 1988, O(len(offsets)^2 n) exact rational operations); c is the first moment
sum_i w_i o_i^k / k! (k > n) that does not vanish, so every number in the table is derived,
none typed. The table `STENCILS` holds central, forward and backward rows and the
Richardson rows (central differences at h, h/2, h/4 combined) for n = 1..6, keyed by
(method, n, accuracy). The complex step Im f(x + i h) / h is the one formula that is not a
real stencil (`COMPLEX_STEP`): error -f'''(x) h^2 / 6 and no subtractive cancellation.

>>> STENCILS["central", 1, 2].offsets
(-1.0, 1.0)
>>> [str(w) for w in stencil("central", 2, 2).exact_weights]
['1', '-2', '1']
>>> round(float(apply(STENCILS["central", 1, 2], lambda t: t**3, 2.0, 1e-3)), 9)  # 3x^2 + h^2
12.000001
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction as Fr

import numpy as np

from .errors import MethodError

MAX_DERIVATIVE = 6  # n = 1..6: the round-off eps / h^n of higher orders leaves ~2 digits
MAX_POINTS = 64  # Fornberg is O(points^2 n) in Fractions whose size grows with the points
RICHARDSON_RATIO = 2  # Richardson: central differences at h, h/2, h/4 ...
RICHARDSON_LEVELS = 3  # ... extrapolated in h^2: accuracy 2 * levels


def _sized(offsets: object) -> Sequence:
    return offsets if isinstance(offsets, Sequence) else ()


def fornberg(offsets: Sequence[Fr], n: int) -> tuple[Fr, ...]:
    """Weights w with sum_i w_i g(o_i) = g^(n)(0) for every polynomial g of degree
    < len(offsets) (Fornberg 1988, exact in Fractions). O(len(offsets)^2 n).

    >>> [str(w) for w in fornberg([Fr(-1), Fr(0), Fr(1)], 1)]
    ['-1/2', '0', '1/2']
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 4 * MAX_DERIVATIVE:
        raise MethodError(f"fornberg: n must be an integer in [0, {4 * MAX_DERIVATIVE}], got {n!r}")
    if isinstance(offsets, (str, bytes)) or not 0 < len(_sized(offsets)) <= MAX_POINTS:
        raise MethodError(f"fornberg: give a list of 1 to {MAX_POINTS} offsets, got {offsets!r}")
    try:
        a = [Fr(o) for o in offsets]
    except (TypeError, ValueError, OverflowError):
        raise MethodError(f"fornberg: offsets must be real numbers, got {offsets!r}") from None
    if len(set(a)) != len(a) or len(a) <= n:
        raise MethodError(f"a stencil for derivative {n} needs > {n} distinct offsets, got {a}")
    # delta[m][i]: weight of point i for derivative m, using the points seen so far
    delta = [[Fr(0)] * len(a) for _ in range(n + 1)]
    delta[0][0] = Fr(1)
    c1 = Fr(1)
    for k in range(1, len(a)):
        c2 = Fr(1)
        previous = [row[:] for row in delta]
        for i in range(k):
            c3 = a[k] - a[i]
            c2 *= c3
            for m in range(min(k, n) + 1):
                lower = m * previous[m - 1][i] if m else 0
                delta[m][i] = (a[k] * previous[m][i] - lower) / c3
        for m in range(min(k, n) + 1):
            lower = m * previous[m - 1][k - 1] if m else 0
            delta[m][k] = c1 / c2 * (lower - a[k - 1] * previous[m][k - 1])
        c1 = c2
    return tuple(delta[n])


@dataclass(frozen=True)
class Stencil:
    """f^(derivative)(x) ~ sum_i weights[i] f(x + offsets[i] h) / h**derivative.

    Truncation error ~ error_constant * f^(derivative + accuracy)(x) * h^accuracy; round-off
    ~ eps |f| `roundoff_weight` / h^derivative.
    """

    method: str
    derivative: int
    accuracy: int
    exact_offsets: tuple[Fr, ...]
    exact_weights: tuple[Fr, ...]
    exact_error_constant: Fr

    @functools.cached_property
    def offsets(self) -> tuple[float, ...]:
        return tuple(float(o) for o in self.exact_offsets)

    @functools.cached_property
    def weights(self) -> tuple[float, ...]:
        return tuple(float(w) for w in self.exact_weights)

    @functools.cached_property
    def error_constant(self) -> float:
        return float(self.exact_error_constant)

    @property
    def points(self) -> int:
        """Function evaluations per derivative (a zero offset counts: x is evaluated)."""
        return len(self.exact_offsets)

    @functools.cached_property
    def roundoff_weight(self) -> float:
        """W = sum |w_i|: the round-off amplification (error ~ eps |f| W / h^n)."""
        return float(sum(abs(w) for w in self.exact_weights))

    @property
    def rounding(self) -> float:
        """Relative error floor of the result in units of eps beyond the model (none)."""
        return 0.0


@dataclass(frozen=True)
class ComplexStep:
    """f'(x) ~ Im f(x + i h) / h: error -f'''(x) h^2 / 6, no cancellation (W = 0)."""

    method: str = "complex"
    derivative: int = 1
    accuracy: int = 2
    error_constant: float = -1.0 / 6.0
    roundoff_weight: float = 0.0
    points: int = 1
    rounding: float = 0.5  # the result is rounded once: eps / 2 relative


COMPLEX_STEP = ComplexStep()


def from_offsets(
    method: str, n: int, offsets: Sequence[Fr], weights: Sequence[Fr] | None = None
) -> Stencil:
    """The stencil of derivative n on `offsets` (Fornberg's weights unless given; zero
    weights dropped), its accuracy and error constant read off the moments
    sum_i w_i o_i^k / k!."""
    weights = fornberg(offsets, n) if weights is None else weights
    kept = [(o, w) for o, w in zip(offsets, weights) if w != 0]
    for k in range(n + 1, n + len(offsets) + 3):
        moment = sum(w * o**k for o, w in kept) / math.factorial(k)
        if moment != 0:
            return Stencil(
                method, n, k - n, tuple(o for o, _ in kept), tuple(w for _, w in kept), moment
            )
    raise MethodError(f"internal: the stencil on {offsets} has no error term")  # pragma: no cover


def _richardson(n: int) -> Stencil:
    """Central (n, 2) at h r^-k, k < levels, extrapolated to h = 0 in h^2 (Lagrange weights
    at y = 0 of y_k = r^-2k), merged into one stencil."""
    base = stencil("central", n, 2)
    steps = [Fr(1, RICHARDSON_RATIO**k) for k in range(RICHARDSON_LEVELS)]
    merged: dict[Fr, Fr] = {}
    for k, hk in enumerate(steps):
        c = Fr(1)
        for i, hi in enumerate(steps):
            if i != k:
                c *= hi**2 / (hi**2 - hk**2)
        for o, w in zip(base.exact_offsets, base.exact_weights):
            merged[o * hk] = merged.get(o * hk, Fr(0)) + c * w / hk**n
    offsets = sorted(merged)
    return from_offsets("richardson", n, offsets, [merged[o] for o in offsets])


def stencil(method: str, n: int, accuracy: int) -> Stencil:
    """The (method, n, accuracy) stencil: "central" (accuracy even, offsets -k..k with
    k = (n - 1) // 2 + accuracy / 2), "forward" (0..n + accuracy - 1), "backward" (the
    mirror), "richardson" (accuracy 2 * RICHARDSON_LEVELS). Derived on first use, then cached
    (a pure function of its arguments). n = 1..6, accuracy <= 16.

    >>> s = stencil("forward", 1, 2)
    >>> [str(w) for w in s.exact_weights], str(s.exact_error_constant)
    (['-3/2', '2', '-1/2'], '-1/3')
    """
    n_ok = isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_DERIVATIVE
    p_ok = isinstance(accuracy, int) and not isinstance(accuracy, bool) and 1 <= accuracy <= 16
    if not (n_ok and p_ok):
        raise MethodError(
            f"stencil: n must be in 1..{MAX_DERIVATIVE} and accuracy in 1..16, got n={n!r}, "
            f"accuracy={accuracy!r}"
        )
    if not isinstance(method, str):
        raise MethodError(f"stencil: method must be a family name, got {method!r}")
    return _derived(method, n, accuracy)


@functools.cache
def _derived(method: str, n: int, accuracy: int) -> Stencil:
    """`stencil` once its arguments are checked (a pure function: cached)."""
    if method == "richardson":
        if accuracy != 2 * RICHARDSON_LEVELS:
            raise MethodError(f"richardson has accuracy {2 * RICHARDSON_LEVELS}, got {accuracy}")
        return _richardson(n)
    if method == "central":
        if accuracy % 2:
            raise MethodError(f"central stencils have even accuracy, got {accuracy}")
        k = (n - 1) // 2 + accuracy // 2
        offsets = [Fr(i) for i in range(-k, k + 1)]
    elif method in ("forward", "backward"):
        sign = 1 if method == "forward" else -1
        offsets = [Fr(sign * i) for i in range(n + accuracy)]
        offsets.sort()
    else:
        raise MethodError(f"no stencil family {method!r}; families: central, forward, backward")
    result = from_offsets(method, n, offsets)
    if result.accuracy != accuracy:  # pragma: no cover - the offset rules above guarantee it
        raise MethodError(f"internal: {method} n={n} reached accuracy {result.accuracy}")
    return result


STENCIL_ACCURACIES = {"forward": (1, 2, 3, 4), "backward": (1, 2, 3, 4), "central": (2, 4, 6, 8)}


class _StencilTable(Mapping):
    """(method, n, accuracy) -> `Stencil` for the listed keys, each derived on first use
    (`stencil` caches it): deriving them all in Fractions at import cost ~0.1 s."""

    def __init__(self, keys: Sequence[tuple[str, int, int]]) -> None:
        self._keys = dict.fromkeys(keys)

    def __getitem__(self, key: tuple[str, int, int]) -> Stencil:
        if key not in self._keys:
            raise KeyError(key)
        return stencil(*key)

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


STENCILS: Mapping[tuple[str, int, int], Stencil] = _StencilTable(
    [
        (method, n, p)
        for method, accuracies in STENCIL_ACCURACIES.items()
        for n in range(1, MAX_DERIVATIVE + 1)
        for p in accuracies
    ]
    + [("richardson", n, 2 * RICHARDSON_LEVELS) for n in range(1, MAX_DERIVATIVE + 1)]
)


def apply(rule: Stencil, phi: Callable[[float], float], x: float, h: float) -> float:
    """The stencil on a scalar function: sum_i w_i phi(x + o_i h) / h^n. O(points) calls.

    >>> round(float(apply(STENCILS["forward", 1, 1], np.exp, 0.0, 1e-8)), 7)
    1.0
    """
    values = [phi(x + o * h) for o in rule.offsets]
    return sum(w * v for w, v in zip(rule.weights, values)) / h**rule.derivative


def complex_step(phi: Callable, x: float, h: float) -> float:
    """Im f(x + i h) / h (Squire & Trapp 1998). Error -f'''(x) h^2 / 6: second order, but
    no subtraction, so h can be 1e-20 and the result is exact to rounding. 1 evaluation
    of a function that accepts complex input and is analytic at x.

    >>> round(complex_step(np.exp, 0.0, 1e-20), 15)
    1.0
    """
    return float(np.imag(phi(x + 1j * h)) / h)
