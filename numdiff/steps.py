"""Step choice from the truncation + round-off model, kept apart from formulas and
extrapolation.

A stencil for the n-th derivative of accuracy p, error constant c and weight sum
W = sum|w_i| has, at step h,

    error(h) ~ |c| M h^p + eps F W / h^n,    M = |f^(n+p)(x)|, F = |f(x)|,

minimised at h* = (n eps F W / (p |c| M))^(1/(n+p)) with error(h*) = (1 + n/p) eps F W / h*^n.
Without knowledge of f the default step assumes the derivatives of a function with a
singularity at distance s = max(|x|, 1): M ~ (n+p)! F / s^(n+p) (entire functions such as
exp have smaller M; the step is then a little small, which costs less than the factorial
growth of the higher derivatives of most functions costs a step that is too large), so
h = (n eps W / (p |c| (n+p)!))^(1/(n+p)) s: ~ sqrt(eps) s for forward differences,
~ eps^(1/3) s for central, ~ eps^(1/5) s for the 5-point formula, ~ eps^(1/4) s for the
second difference, with eps the machine epsilon of the input's dtype (float32 steps are
larger). Default steps are rounded to a power of two, so that
x + k h is exact for the small integers k a stencil uses.

>>> from numdiff.stencils import STENCILS
>>> float(default_step(STENCILS["central", 1, 2], 1.0, np.float64))
3.814697265625e-06
>>> float(default_step(STENCILS["central", 1, 2], 1.0, np.float32))
0.00390625
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import NumdiffError


def machine_epsilon(dtype: Any) -> float:
    """eps of a float or complex dtype (float64 for anything else).

    >>> machine_epsilon(np.float32)
    1.1920928955078125e-07
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise NumdiffError(f"machine_epsilon needs a numpy dtype, got {dtype!r}") from None
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


def formula_constants(rule: Any) -> tuple[int, int, float, float]:
    """(n, accuracy p, |error constant|, weight sum W) of a formula of `numdiff.stencils`."""
    try:
        n, p = int(rule.derivative), int(rule.accuracy)
        return n, p, abs(float(rule.error_constant)), float(rule.roundoff_weight)
    except (AttributeError, TypeError, ValueError):
        raise NumdiffError(
            f"expected a formula of numdiff.stencils (a Stencil or COMPLEX_STEP), got {rule!r}"
        ) from None


def default_step(rule: Any, x: Any, dtype: Any = np.float64) -> np.ndarray:
    """The model-optimal step of a stencil for M = (n+p)! F / s^(n+p), s = max(|x|, 1), as a
    power of two: h = (n eps W / (p |c| (n+p)!))^(1/(n+p)) s (round-off eps F W / h^n)."""
    eps = machine_epsilon(dtype)
    n, p, constant, weight = formula_constants(rule)
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise NumdiffError(f"default_step needs a real point x, got {x!r}") from None
    growth = math.factorial(n + p)
    base = (n * eps * weight / (p * constant * growth)) ** (1.0 / (n + p))
    return power_of_two(base * scale(x))


def complex_default_step(rule: Any, x: Any, dtype: Any = np.float64) -> np.ndarray:
    """The complex step has no round-off in the difference: h = eps^2 s, where the
    truncation h^2 / 6 is far below eps and h is far above the underflow threshold."""
    return power_of_two(machine_epsilon(dtype) ** 2 * scale(x))


def optimal_step(
    rule: Any, derivative_bound: float, value_bound: float, eps: float
) -> tuple[float, float]:
    """(h*, error(h*)) of the model error(h) = |c| M h^p + eps F W / h^n (absolute error):
    h* = (n eps F W / (p |c| M))^(1/(n+p)), error(h*) = (1 + n/p) eps F W / h*^n.

    M = |f^(n+p)(x)| (`derivative_bound`), F = |f(x)| (`value_bound`). For the complex step
    (W = 0) h* is any step below the crossing of the truncation with eps |f'|: returned as
    inf with error 0, the caller adds the rounding floor.
    """
    n, p, constant, weight = formula_constants(rule)
    try:
        derivative_bound, value_bound, eps = (
            float(derivative_bound),
            float(value_bound),
            float(eps),
        )
    except (TypeError, ValueError):
        raise NumdiffError("optimal_step needs numbers for the bounds and eps") from None
    roundoff = eps * value_bound * weight
    if weight == 0.0:
        return float("inf"), 0.0
    if derivative_bound == 0.0 or roundoff == 0.0:
        return float("nan"), float("nan")
    h = (n * roundoff / (p * constant * derivative_bound)) ** (1.0 / (n + p))
    return float(h), float((1.0 + n / p) * roundoff / h**n)


def model_error(
    rule: Any, h: Any, derivative_bound: float, value_bound: float, eps: float
) -> np.ndarray:
    """|c| M h^p + eps F W / h^n at each step h (absolute error of the model)."""
    h = np.asarray(h, dtype=np.float64)
    truncation = abs(rule.error_constant) * derivative_bound * h**rule.accuracy
    return truncation + eps * value_bound * rule.roundoff_weight / h**rule.derivative
