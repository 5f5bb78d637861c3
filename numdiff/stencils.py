"""The finite-difference formulas: one explicit table keyed by (method, order).

A first-derivative stencil approximates f'(x) ~ sum_i w_i f(x + o_i h) / h with truncation
error ~ c * f^(p+1)(x) * h^p (p = `order`, c = `error_constant`). The complex step is the one
formula that is not a real stencil: f'(x) ~ Im f(x + i h) / h, error -f'''(x) h^2 / 6 and no
subtractive cancellation. Second-derivative stencils (for Hessians) live in a second table.

>>> STENCILS["central", 2].offsets
(-1.0, 1.0)
>>> round(float(apply(STENCILS["central", 2], lambda t: t**3, 2.0, 1e-3)), 9)  # 3x^2 + h^2
12.000001
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction as Fr

import numpy as np

from .richardson import extrapolate


@dataclass(frozen=True)
class Stencil:
    """f^(derivative)(x) ~ sum_i weights[i] f(x + offsets[i] h) / h**derivative.

    Truncation error ~ error_constant * f^(order + derivative)(x) * h^order.
    """

    method: str
    order: int
    offsets: tuple[float, ...]
    weights: tuple[float, ...]
    error_constant: float
    derivative: int = 1
    exact_weights: tuple[Fr, ...] = ()

    @property
    def points(self) -> int:
        """Function evaluations per derivative (a zero offset counts: x is evaluated)."""
        return len(self.offsets)

    @property
    def weight_sum(self) -> float:
        """sum |w_i|: the round-off amplification (round-off error ~ eps |f| sum|w| / h)."""
        return float(sum(abs(w) for w in self.weights))


def _stencil(
    method: str,
    order: int,
    offsets: tuple[int, ...],
    weights: tuple[Fr, ...],
    error_constant: Fr,
    derivative: int = 1,
) -> Stencil:
    return Stencil(
        method,
        order,
        tuple(float(o) for o in offsets),
        tuple(float(w) for w in weights),
        float(error_constant),
        derivative,
        tuple(weights),
    )


# First derivatives. Weights and error constants from Taylor expansion (Fornberg 1988);
# tests/test_numdiff_stencils.py rederives every row from a Vandermonde solve.
STENCILS: dict[tuple[str, int], Stencil] = {
    ("forward", 1): _stencil("forward", 1, (0, 1), (Fr(-1), Fr(1)), Fr(1, 2)),
    ("backward", 1): _stencil("backward", 1, (-1, 0), (Fr(-1), Fr(1)), Fr(-1, 2)),
    ("forward", 2): _stencil("forward", 2, (0, 1, 2), (Fr(-3, 2), Fr(2), Fr(-1, 2)), Fr(-1, 3)),
    ("backward", 2): _stencil("backward", 2, (-2, -1, 0), (Fr(1, 2), Fr(-2), Fr(3, 2)), Fr(-1, 3)),
    ("central", 2): _stencil("central", 2, (-1, 1), (Fr(-1, 2), Fr(1, 2)), Fr(1, 6)),
    ("central", 4): _stencil(
        "central", 4, (-2, -1, 1, 2), (Fr(1, 12), Fr(-2, 3), Fr(2, 3), Fr(-1, 12)), Fr(-1, 30)
    ),
    ("central", 6): _stencil(
        "central",
        6,
        (-3, -2, -1, 1, 2, 3),
        (Fr(-1, 60), Fr(3, 20), Fr(-3, 4), Fr(3, 4), Fr(-3, 20), Fr(1, 60)),
        Fr(1, 140),
    ),
    ("central", 8): _stencil(
        "central",
        8,
        (-4, -3, -2, -1, 1, 2, 3, 4),
        (
            Fr(1, 280),
            Fr(-4, 105),
            Fr(1, 5),
            Fr(-4, 5),
            Fr(4, 5),
            Fr(-1, 5),
            Fr(4, 105),
            Fr(-1, 280),
        ),
        Fr(-1, 630),
    ),
}

# Second derivatives (diagonal of a Hessian); mixed partials use the 4-point product rule.
SECOND_DERIVATIVE: dict[tuple[str, int], Stencil] = {
    ("central", 2): _stencil(
        "central", 2, (-1, 0, 1), (Fr(1), Fr(-2), Fr(1)), Fr(1, 12), derivative=2
    ),
    ("central", 4): _stencil(
        "central",
        4,
        (-2, -1, 0, 1, 2),
        (Fr(-1, 12), Fr(4, 3), Fr(-5, 2), Fr(4, 3), Fr(-1, 12)),
        Fr(-1, 90),
        derivative=2,
    ),
}

# The complex step as a row of the same kind of table (offset i, weight Im), for the models.
COMPLEX_STEP = Stencil("complex", 2, (0.0,), (1.0,), -1.0 / 6.0)

# Richardson extrapolation of central differences at h, h/2, h/4 (Neville in h^2): order 6,
# error f^(7) h^6 / (7! * 1 * 4 * 16); round-off weight from the extrapolation weights.
RICHARDSON_RATIO = 2.0
RICHARDSON_LEVELS = 3


def apply(stencil: Stencil, phi: Callable[[float], float], x: float, h: float) -> float:
    """The stencil on a scalar function: sum_i w_i phi(x + o_i h) / h^d. O(points) calls.

    >>> round(float(apply(STENCILS["forward", 1], np.exp, 0.0, 1e-8)), 7)
    1.0
    """
    values = [phi(x + o * h) for o in stencil.offsets]
    return sum(w * v for w, v in zip(stencil.weights, values)) / h**stencil.derivative


def forward(phi: Callable, x: float, h: float) -> float:
    """(f(x+h) - f(x)) / h. Error f''(x) h / 2: first order. 2 evaluations.

    >>> round(forward(lambda t: t * t, 1.0, 1e-3), 6)
    2.001
    """
    return apply(STENCILS["forward", 1], phi, x, h)


def backward(phi: Callable, x: float, h: float) -> float:
    """(f(x) - f(x-h)) / h. Error -f''(x) h / 2: first order. 2 evaluations.

    >>> round(backward(lambda t: t * t, 1.0, 1e-3), 6)
    1.999
    """
    return apply(STENCILS["backward", 1], phi, x, h)


def central(phi: Callable, x: float, h: float) -> float:
    """(f(x+h) - f(x-h)) / 2h. Error f'''(x) h^2 / 6: second order. 2 evaluations.

    >>> round(central(lambda t: t**3, 1.0, 1e-2), 6)
    3.0001
    """
    return apply(STENCILS["central", 2], phi, x, h)


def central4(phi: Callable, x: float, h: float) -> float:
    """5-point (f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / 12h. Error -f^(5)(x) h^4 / 30:
    fourth order. 4 evaluations (the centre weight is 0).

    >>> round(central4(lambda t: t**5, 1.0, 1e-2), 8)
    4.99999996
    """
    return apply(STENCILS["central", 4], phi, x, h)


def complex_step(phi: Callable, x: float, h: float) -> float:
    """Im f(x + i h) / h (Squire & Trapp 1998). Error -f'''(x) h^2 / 6: second order, but
    no subtraction, so h can be 1e-20 and the result is exact to rounding. 1 evaluation
    of a function that accepts complex input and is analytic at x.

    >>> complex_step(np.exp, 0.0, 1e-20)
    1.0
    """
    return float(np.imag(phi(x + 1j * h)) / h)


def richardson(phi: Callable, x: float, h: float) -> float:
    """Central differences at h, h/2, h/4 extrapolated to h -> 0 (Neville in h^2).
    Error ~ f^(7)(x) h^6 / 322560: sixth order. 6 evaluations.

    >>> round(richardson(np.sin, 0.0, 0.1), 10)
    1.0
    """
    steps = [h / RICHARDSON_RATIO**k for k in range(RICHARDSON_LEVELS)]
    return float(extrapolate(steps, [central(phi, x, s) for s in steps]))
