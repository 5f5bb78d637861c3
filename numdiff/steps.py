"""Step choice from the truncation + round-off model, kept apart from formulas and
extrapolation.

A stencil of order p with error constant c and weight sum W = sum|w_i| has, at step h,

    error(h) ~ |c| M h^p + eps F W / h,    M = |f^(p+1)(x)|, F = |f(x)|,

minimised at h* = (eps F W / (p |c| M))^(1/(p+1)) with error(h*) = (1 + 1/p) eps F W / h*.
Without knowledge of f the default step assumes the derivatives of a function with a
singularity at distance s = max(|x|, 1): M ~ (p+1)! F / s^(p+1) (entire functions such as
exp have smaller M; the step is then a little small, which costs less than the factorial
growth of the higher derivatives of most functions costs a step that is too large), so
h = (eps W / (p |c| (p+1)!))^(1/(p+1)) s: ~ sqrt(eps) s for forward differences,
~ eps^(1/3) s for central, ~ eps^(1/5) s for the 5-point formula, with eps the machine
epsilon of the input's dtype (float32 steps are larger). Default steps are rounded to a power of two, so that
x + k h is exact for the small integers k a stencil uses.

>>> from numdiff.stencils import STENCILS
>>> float(default_step(STENCILS["central", 2], 1.0, np.float64))
3.814697265625e-06
>>> float(default_step(STENCILS["central", 2], 1.0, np.float32))
0.00390625
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .richardson import weights as richardson_weights
from .stencils import COMPLEX_STEP, RICHARDSON_LEVELS, RICHARDSON_RATIO, Stencil


def machine_epsilon(dtype: Any) -> float:
    """eps of a float or complex dtype (float64 for anything else).

    >>> machine_epsilon(np.float32)
    1.1920928955078125e-07
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        dtype = np.real(np.zeros((), dtype)).dtype
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    return float(np.finfo(dtype).eps)


def scale(x: Any) -> np.ndarray:
    """s = max(|x|, 1) elementwise: the length the default step is proportional to."""
    return np.maximum(np.abs(np.asarray(x, dtype=np.float64)), 1.0)


def power_of_two(h: Any) -> np.ndarray:
    """h rounded to the nearest power of two (within a factor sqrt 2).

    >>> float(power_of_two(0.1))
    0.125
    """
    return np.exp2(np.round(np.log2(np.asarray(h, dtype=np.float64))))


def richardson_model() -> tuple[int, float, float]:
    """(order, error constant, weight sum) of central differences at h, h/2, h/4 extrapolated
    by Richardson: order 6, constant prod(y_i)/7! in units of h^6, W = sum |c_i| r^i."""
    steps = [RICHARDSON_RATIO**-k for k in range(RICHARDSON_LEVELS)]
    c = richardson_weights(steps)
    order = 2 * RICHARDSON_LEVELS
    constant = float(np.prod(np.square(steps))) / float(np.prod(np.arange(1, order + 2)))
    return order, constant, float(np.sum(np.abs(c) / np.asarray(steps)))


def model_constants(stencil: Stencil | str) -> tuple[int, float, float]:
    """(order p, |error constant| c, weight sum W) of a stencil, or of "richardson"."""
    if isinstance(stencil, str):
        return richardson_model()
    if stencil is COMPLEX_STEP:
        return stencil.order, abs(stencil.error_constant), 0.0
    return stencil.order, abs(stencil.error_constant), stencil.weight_sum


def default_step(stencil: Stencil | str, x: Any, dtype: Any = np.float64) -> np.ndarray:
    """The model-optimal step for M = (p+d)! F / s^(p+d), s = max(|x|, 1), as a power of two
    (d = 2 for second-derivative stencils: round-off eps F W / h^2, h ~ eps^(1/(p+2)) s).

    For the complex step (no round-off in the difference) h = eps^2 s: the truncation
    h^2 / 6 is then far below eps and h is far above the underflow threshold.
    """
    eps = machine_epsilon(dtype)
    if stencil is COMPLEX_STEP:
        return power_of_two(eps**2 * scale(x))
    order, constant, weight_sum = model_constants(stencil)
    d = 1 if isinstance(stencil, str) else stencil.derivative
    growth = math.factorial(order + d)
    base = (d * eps * weight_sum / (order * constant * growth)) ** (1.0 / (order + d))
    return power_of_two(base * scale(x))


def optimal_step(
    stencil: Stencil | str, derivative_bound: float, value_bound: float, eps: float
) -> tuple[float, float]:
    """(h*, error(h*)) of the model error(h) = c M h^p + eps F W / h (absolute error).

    M = |f^(p+1)(x)| (`derivative_bound`), F = |f(x)| (`value_bound`). For the complex step
    (W = 0) h* is any step below the crossing of the truncation with eps |f'|: returned as
    inf with error 0, the caller adds the rounding floor.
    """
    order, constant, weight_sum = model_constants(stencil)
    roundoff = eps * value_bound * weight_sum
    if weight_sum == 0.0:
        return float("inf"), 0.0
    if derivative_bound == 0.0 or roundoff == 0.0:
        return float("nan"), float("nan")
    h = (roundoff / (order * constant * derivative_bound)) ** (1.0 / (order + 1))
    return float(h), float((1.0 + 1.0 / order) * roundoff / h)


def model_error(
    stencil: Stencil | str, h: Any, derivative_bound: float, value_bound: float, eps: float
) -> np.ndarray:
    """c M h^p + eps F W / h at each step h (absolute error of the model)."""
    order, constant, weight_sum = model_constants(stencil)
    h = np.asarray(h, dtype=np.float64)
    return constant * derivative_bound * h**order + eps * value_bound * weight_sum / h
