"""method="auto": a short search for the length scale of f, then a high-order central stencil
on an equispaced grid at a model-chosen step, with a conservative error estimate. For any
derivative order n = 1..6.

Along one line phi(t) = f(x + t u) (u = e_j for coordinate j):

1. Scale probe (`numdiff.probe`). Central differences D(h) = phi' + a h^2 + ... and second differences at
   h_1, h_1/8, h_1/64, ... until two successive ones show the asymptotic regime (relative
   truncation |c3| h^2 / |c1|, and for even n |c4| h^2 / |c2|, <= 1/4 at the larger step).
   h_1 starts small relative to |x|: s/4 with s = max(|x|, 1), but below |x|/2 (and not
   below s eps^(1/4)), so a function defined on one side of 0 is not probed on the other.
   When the first two probes show almost no truncation, the step grows (to s/4, or the
   geometric middle) where f stays finite and smooth, so a point near 0 is not held to a
   tiny step. A probe at which f is not finite is retreated from (to |x|/4 when it crossed
   0, else 8x lower) and bounds the scale; its non-finite values are not charged to the
   budget. When only one side stays finite the method becomes one-sided (forward or
   backward grid).
   With f(x) this gives Taylor coefficients c0..c4, a radius rho (distance to the nearest
   singularity of a function with those coefficients, halved) and an amplitude C: the pole
   model |phi^(k)(0)| / k! ~ C rho^-k.
2. Step. The central stencil for phi^(n) on the grid -m..m (Fornberg weights, accuracy p),
   m as large as the budget allows (probe steps on the grid are reused), at the step that
   minimises T(h) + R(h): T = |c_p| (n+p)! C rho^-(n+p) h^p, R = kappa eps |f| W / h^n.
3. Error estimate: |T_m - T_inner| + |T_m - T_lacunary| + B. T_inner drops the outer pair of
   points, T_lacunary the inner pair: lower-order estimates whose distance to T_m exceeds the
   error of T_m in the asymptotic regime. B bounds the round-off: kappa eps sum |w_i| |f_i| /
   h^n (kappa = 16 ulps per value, or 3x the noise the grid shows when that is larger:
   `noise_level`) plus the rounding of x + k h (eps |x| |phi'| W / h^n).
   When the corrections do not shrink (|T_m - T_inner| > |T_inner - T_inner2|) the table has
   not converged: `converged` is False and the estimate is widened to twice the largest
   distance to any lower-order estimate. So is a result whose estimate exceeds 10% of the
   larger of its value and n! max|f(x +- h_1) - f(x)| / h_1^n (the size of a derivative
   that moves f as much as the first probe saw), and 100x the round-off of 16 ulps per
   value: a kink or a jump near x. A one-sided result that changes by more than 1%
   when the step is doubled (a derivative that does not exist at a domain edge, such as
   sqrt's at 0) is not converged, with an infinite bound.
4. Tolerances (atol, rtol > 0): the grid starts at the smallest m with an error estimate and
   grows by one pair of points per round until error <= atol + rtol |value|.

Cost: f(x) once, then 2 evaluations per probe and per new grid pair, <= `max_evals`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Generator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import StepError
from .lines import Column, Line
from .probe import KAPPA, MAX_RETREATS, Probe, first_step, probe
from .stencils import from_offsets
from .steps import machine_epsilon, power_of_two

MAX_GRID = 10  # at most the grid -10..10 (accuracy ~20): wider grids gain nothing in float64
MAX_AUTO_EVALS = 1000  # a larger budget cannot be used: the grid stops at MAX_GRID


def min_grid(n: int) -> int:
    """The smallest grid half-width m whose inner and lacunary stencils still exist."""
    return (n + 1) // 2 + 1


def min_evals(n: int) -> int:
    """f(x), one probe pair and the pairs of the smallest grid."""
    return 1 + 2 + 2 * min_grid(n)


Samples = dict  # offset (in grid units k, an int) -> value array (m,)


@functools.cache
def grid_weights(n: int, offsets: tuple[int, ...]) -> tuple[np.ndarray, float, int]:
    """(weights, error constant, accuracy) of the n-th derivative on integer `offsets`
    (Fornberg, exact), as float arrays aligned with `offsets` (zero weights included)."""
    rule = from_offsets("grid", n, [Fraction(o) for o in offsets])
    by_offset = dict(zip(rule.exact_offsets, rule.exact_weights))
    w = np.array([float(by_offset.get(Fraction(o), 0)) for o in offsets])
    return w, abs(rule.error_constant), rule.accuracy


def roundoff_weight(n: int, m: int) -> float:
    """W = sum |w_i| of the n-th derivative stencil on the grid -m..m (in units of h^-n).

    >>> round(roundoff_weight(1, 1), 6), round(roundoff_weight(1, 6), 3)
    (1.0, 2.45)
    """
    return float(np.sum(np.abs(grid_weights(n, tuple(range(-m, m + 1)))[0])))


def _model_step(probe_: Probe, n: int, m: int, eps: float) -> float:
    """The step minimising T(h) + R(h) (module docstring), smallest over the outputs."""
    return _model(probe_, n, m, eps)[0]


def _model(probe_: Probe, n: int, m: int, eps: float) -> tuple[float, float]:
    """(step, largest predicted error T + R at that step) of the grid -m..m."""
    if probe_.radius is None:
        return float(probe_.bound / 16.0), np.inf
    rho, amplitude = probe_.radius, probe_.amplitude
    _, constant, p = grid_weights(n, tuple(range(-m, m + 1)))
    value = np.maximum(np.abs(probe_.value), probe_.sizes[-1] / 2.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        growth = math.factorial(n + p) * constant
        truncation = amplitude * growth / rho ** (n + p)
        roundoff = KAPPA * eps * np.maximum(value, 1e-300) * roundoff_weight(n, m)
        h = (n * roundoff / (p * truncation)) ** (1.0 / (n + p))
    h = np.where((truncation > 0) & np.isfinite(h), h, np.inf)
    step = float(np.min(h))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        error = truncation * step**p + roundoff / step**n
    return step, float(np.max(np.where(np.isfinite(error), error, np.inf)))


def _tolerance_plan(
    found: Probe, n: int, m_full: int, eps: float, tolerance: Tolerance
) -> tuple[int, float] | None:
    """Under a tolerance: the smallest grid -m..m, and a step, at which the pole model
    predicts that the error estimate meets it. The estimate of a grid is about the error of
    its inner grid (-(m-1)..(m-1)), so h makes that truncation 1/10 of the goal while the
    round-off of the grid stays below 1/10 of it too. None when no grid qualifies."""
    if found.radius is None:
        return None
    rho, amplitude = found.radius, found.amplitude
    size = math.factorial(n) * float(np.max(found.coefficients[min(n, 4)]))
    goal = (tolerance.atol + tolerance.rtol * size) / 10.0
    value = float(np.max(np.maximum(np.abs(found.value), found.sizes[-1] / 2.0)))
    for m in range(min_grid(n), m_full + 1):
        _, constant, p = grid_weights(n, tuple(range(1 - m, m)))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            coefficient = np.max(amplitude * math.factorial(n + p) * constant / rho ** (n + p))
            h = (goal / coefficient) ** (1.0 / p) if coefficient > 0 else np.inf
        h = min(h, found.steps[0])  # the largest step that meets it: probe steps reused
        if np.isfinite(h) and KAPPA * eps * value * roundoff_weight(n, m) / h**n <= goal:
            return m, float(h)
    return None


def _plan(probes: list[float], target: float, pairs: int, m_min: int) -> tuple[float, dict, int]:
    """Step h near `target` and grid half-width m >= m_min such that the probe steps that
    are multiples kh (k <= m) are reused and at most `pairs` new pairs are needed.
    Returns (h, {k: probe index}, m)."""
    best = (float(power_of_two(target)), {}, min(max(pairs, m_min), MAX_GRID))
    top = min(pairs + len(probes), MAX_GRID)
    for p in probes:
        for k in range(1, top + 1):
            h = p / k
            if not target / 1.5 <= h <= target * 1.5:
                continue
            for m in range(top, max(best[2], m_min - 1), -1):
                reused = {}
                for i2, p2 in enumerate(probes):
                    k2 = p2 / h
                    if abs(k2 - round(k2)) < 1e-9 and 1 <= round(k2) <= m:
                        reused[round(k2)] = i2
                if m - len(reused) <= pairs:
                    best = (h, reused, m)
                    break
    return best


@dataclass(frozen=True)
class Tolerance:
    """Stop when error <= atol + rtol |value| (both 0: use the whole budget)."""

    atol: float = 0.0
    rtol: float = 0.0

    @property
    def active(self) -> bool:
        return self.atol > 0 or self.rtol > 0

    def met(self, value: np.ndarray, error: np.ndarray) -> bool:
        return bool(np.all(error <= self.atol + self.rtol * np.abs(value)))


def auto_line(
    line: Line, n: int, max_evals: int, tolerance: Tolerance
) -> Generator[np.ndarray, np.ndarray, Column]:
    """Adaptive n-th derivative along `line`; see the module docstring. O(max_evals) calls."""
    eps = machine_epsilon(line.dtype)
    budget = max_evals - 2 * min_grid(n)
    found, spent = yield from probe(line, n, budget, eps, grow=not tolerance.active)
    if found.side:
        return (yield from _one_sided(line, n, found, max_evals - spent, tolerance, eps))
    pairs_left = (max_evals - spent) // 2
    m_full = max(min(pairs_left + 1, MAX_GRID), min_grid(n))  # one probe step often reused
    top = found.steps[0] if found.steps else first_step(line, n, eps)
    quick = _tolerance_plan(found, n, m_full, eps, tolerance) if tolerance.active else None
    target = quick[1] if quick else _model_step(found, n, m_full, eps)
    target = float(np.clip(target, line.scale * eps ** (1 / (n + 2)), top))
    start = quick[0] if quick else min_grid(n)
    limit = min(found.domain, found.bound)  # the grid stays within limit / 2
    for _ in range(MAX_RETREATS):
        target = min(target, limit / (2 * (start if quick else m_full)))
        if quick:  # a probe step p / k (k <= start) near the target is reused: fewer points
            near = [p / k for p in found.steps for k in range(1, start + 1)]
            near = [h for h in near if target / 8 <= h <= 4 * target]  # the goal has slack
            target = min(near, key=lambda h: abs(math.log(h / target)), default=target)
        h, reused, m = _plan(found.steps, target, pairs_left, start)
        if np.isfinite(limit):
            m = max(start, min(m, int(limit / (2 * h))))  # grown grids stay inside too
        column, bad = yield from _grid(line, n, found, h, reused, (start, m), tolerance, eps)
        if column is not None:
            return column
        limit = min(limit, bad)  # f is not finite there: retreat (not charged to the budget)
    raise line.nonfinite_error(limit, np.array([np.nan]))


def _grid(
    line: Line,
    n: int,
    found: Probe,
    h: float,
    reused: dict,
    widths: tuple[int, int],
    tolerance: Tolerance,
    eps: float,
) -> Generator[np.ndarray, np.ndarray, tuple[Column | None, float]]:
    """The grid -m..m at step h (probe values reused); under a tolerance it starts at the
    first of `widths` and grows one pair per round up to the second. Returns (column, 0) or
    (None, |offset| of the first non-finite value)."""
    samples: Samples = {0: found.value}
    for k, i in reused.items():
        samples[k], samples[-k] = found.pairs[i]
    m = widths[1]
    first = min(m, widths[0]) if tolerance.active else m
    column = None
    for width in range(first, m + 1):
        missing = [k for k in range(1, width + 1) if k not in samples]
        if missing:
            offsets = np.array([s * k * h for k in missing for s in (1, -1)])
            values = yield offsets
            bad = ~np.all(np.isfinite(values), axis=1)
            if np.any(bad):
                return None, float(np.min(np.abs(offsets[bad])))
            for row, k in enumerate(missing):
                samples[k], samples[-k] = values[2 * row], values[2 * row + 1]
        column = _estimate(line, n, samples, h, central_sets(width), eps, found)
        if tolerance.active and column.converged and tolerance.met(column.value, column.error):
            break
    return column, 0.0


def _check_finite(line: Line, offsets: np.ndarray, values: np.ndarray) -> None:
    bad = ~np.all(np.isfinite(values), axis=1)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise line.nonfinite_error(float(offsets[i]), values[i])


def central_sets(m: int) -> tuple[tuple[int, ...], ...]:
    """Grid -m..m, its inner part (|k| < m), its lacunary part (no +-1), and |k| < m - 1."""
    full = tuple(range(-m, m + 1))
    return full, full[1:-1], tuple(k for k in full if abs(k) != 1), full[2:-2]


def one_sided_sets(count: int, side: int) -> tuple[tuple[int, ...], ...]:
    """Grid 0..count (times `side`), without the last point, without the first step, and
    without the last two points."""
    full = tuple(side * k for k in range(count + 1))
    return full, full[:-1], tuple(k for k in full if abs(k) != 1), full[:-2]


def _estimate(
    line: Line, n: int, samples: Samples, h: float, sets: tuple, eps: float, found: Probe
) -> Column:
    """The grid stencil, its inner and lacunary sub-stencils, and the error estimate."""
    full, inner, lacunary, inner2 = sets
    values = np.stack([samples[k] for k in full])
    weights, _, accuracy = grid_weights(n, full)
    best = weights @ (values - samples[0]) / h**n  # sum w = 0: exact 0 for a constant
    lower_inner, lower_lacunary = _apply(n, inner, h, samples), _apply(n, lacunary, h, samples)
    ulps = KAPPA * eps * (np.abs(weights) @ np.abs(values)) / h**n
    roundoff = ulps
    if full[0] < 0:  # an equispaced grid -m..m: the noise it shows, if more than 16 ulps
        roundoff = np.maximum(ulps, 3.0 * noise_level(values) * np.sum(np.abs(weights)) / h**n)
    slope = np.abs(found.diffs[-1]) if found.diffs else np.abs(best) if n == 1 else 0.0
    placement = eps * line.position * slope * np.sum(np.abs(weights)) / h**n
    floor = roundoff + placement
    spread = np.abs(best - lower_inner) + np.abs(best - lower_lacunary)
    converged = True
    if len(inner2) > n:
        lower2 = _apply(n, inner2, h, samples)
        shrinking = np.abs(best - lower_inner) <= np.abs(lower_inner - lower2) + 2.0 * floor
        converged = bool(np.all(shrinking))
        if not converged:
            widest = np.max([np.abs(best - v) for v in (lower_inner, lower_lacunary, lower2)], 0)
            spread = np.maximum(spread, 2.0 * widest)
    error = spread + floor
    size = _size(found, n)
    rough = (error > 0.1 * np.maximum(np.abs(best), size)) & (error > 100.0 * (ulps + placement))
    if np.any(rough):
        converged = False  # the corrections are of the size of the value (a kink, a jump)
    return Column(best, error, h, accuracy, converged)


def _size(found: Probe, n: int) -> np.ndarray:
    """The size of an n-th derivative that moves f as much as it moves over the largest
    probe step: n! max |f(x +- h_1) - f(x)| / h_1^n (0 without a probe)."""
    if not found.steps:
        return np.zeros_like(np.abs(found.value))
    plus, minus = found.pairs[0]
    change = np.maximum(np.abs(plus - found.value), np.abs(minus - found.value))
    return math.factorial(n) * change / found.steps[0] ** n


def noise_level(values: np.ndarray) -> np.ndarray:
    """The noise of f seen on an equispaced grid (rows), per output: the smallest over the
    upper half of difference orders k of sqrt(gamma_k mean((Delta^k f)^2)), gamma_k =
    (k!)^2 / (2k)! (Hamming; Moré and Wild's ECnoise). Smooth signal makes it larger, so
    it can only make the bound more conservative."""
    levels = []
    diff = values
    for k in range(1, values.shape[0]):
        diff = np.diff(diff, axis=0)
        if 2 * k >= values.shape[0] - 1:
            gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
            levels.append(np.sqrt(gamma * np.mean(diff**2, axis=0)))
    return np.min(levels, axis=0)


def _apply(n: int, offsets: tuple[int, ...], h: float, samples: Samples) -> np.ndarray:
    w = grid_weights(n, offsets)[0]
    return w @ (np.stack([samples[k] for k in offsets]) - samples[0]) / h**n


def _one_sided(
    line: Line, n: int, found: Probe, budget: int, tolerance: Tolerance, eps: float
) -> Generator[np.ndarray, np.ndarray, Column]:
    """Only one side of x is finite: a one-sided grid 0..K (sign `found.side`) at a step
    below the distance where the other side failed, K as large as the budget allows."""
    side = found.side
    h = float(power_of_two(found.bound / 4.0))
    samples: Samples = {0: found.value}
    edge, value = found.pairs[0]
    if float(edge / h).is_integer():
        samples[side * round(edge / h)] = value
    count = min(max(budget + len(samples) - 1, n + 3), 2 * MAX_GRID)
    first = n + 3 if tolerance.active else count
    column = None
    for width in range(first, count + 1):
        missing = [k for k in range(1, width + 1) if side * k not in samples]
        if missing:
            offsets = np.array([side * k * h for k in missing])
            values = yield offsets
            for row, k in enumerate(missing):
                samples[side * k] = values[row]
            _check_finite(line, offsets, values)
        column = _estimate(line, n, samples, h, one_sided_sets(width, side), eps, found)
        _scale_check(n, samples, h, column)
        if tolerance.active and column.converged and tolerance.met(column.value, column.error):
            break
    return column


def _scale_check(n: int, samples: Samples, h: float, column: Column) -> None:
    """At a domain edge the derivative may not exist (sqrt at 0): the one-sided stencil on
    the even points only (step 2h) must agree with the full one to within 1% and the error
    estimate, else the result is marked not converged with no finite bound."""
    coarse = tuple(k for k in sorted(samples) if k % 2 == 0)
    if len(coarse) <= n + 1:
        return
    gap = np.abs(column.value - _apply(n, coarse, h, samples))
    if np.any(gap > np.maximum(0.01 * np.abs(column.value), column.error)):
        column.converged = False
        column.error = np.full_like(column.error, np.inf)


def check_budget(n: int, max_evals: int) -> None:
    """Refuse budgets auto cannot work with (too small) or cannot use (too large)."""
    if max_evals < min_evals(n):
        raise StepError(
            f"method='auto' for derivative n={n} needs max_evals >= {min_evals(n)}, got {max_evals}"
        )
    if max_evals > MAX_AUTO_EVALS:
        raise StepError(
            f"max_evals={max_evals} is above the limit {MAX_AUTO_EVALS} of method='auto' "
            f"(its grid stops at -{MAX_GRID}..{MAX_GRID}, so more evaluations are never "
            "used); give a smaller max_evals, or atol/rtol to stop early"
        )


__all__ = ["Tolerance", "auto_line", "check_budget"]
