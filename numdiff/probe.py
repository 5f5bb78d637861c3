"""The scale probe of method="auto" and of step="estimate": central and second differences
at a few steps along a line, fitted to Taylor coefficients c0..c4 of phi(t) = f(x + t u),
a radius rho (the distance to the nearest singularity of a function with those
coefficients, halved) and an amplitude C (the pole model |phi^(k)(0)| / k! ~ C rho^-k).
The steps start small relative to |x| and move down by 8 (or grow where f allows); a
probe where f is not finite is retreated from and bounds the scale (see
`numdiff.adaptive` for the whole method). Cost: f(x) + 2 per probe, <= the budget.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from .lines import Line
from .steps import machine_epsilon, power_of_two

PROBE_RATIO = 8.0  # each probe step is 8x smaller than the last
ACCEPT = 0.25  # asymptotic when |c3| h^2 / |c1| <= 1/4 at the larger probe step
SAFETY = 2.0  # the radius is halved: too small a step costs round-off, too large truncation
KAPPA = 16.0  # ulps of error assumed per function value in the round-off bound
FOURTH = 2.0  # the c3/c4 radius candidate (from second differences, the noisiest) is doubled
MAX_RETREATS = 12  # probes at which f is not finite (not charged to the budget)


@dataclass
class Probe:
    """What the probe saw: its steps (largest first), central differences D, |f+| + |f-|,
    second differences f+ + f- - 2 f, the raw pairs, f(x); then the fit (radius, amplitude,
    coefficients), the step bound where f was not finite, the side for a one-sided grid."""

    steps: list
    diffs: list
    sizes: list
    seconds: list
    value: np.ndarray
    pairs: list = field(default_factory=list)
    radius: np.ndarray | None = None
    amplitude: np.ndarray | None = None
    coefficients: list | None = None
    bound: float = np.inf
    side: int = 0  # 0 central; +1 / -1: only that side is finite (one-sided grid)
    domain: float = np.inf  # |x|: where a domain such as log's may end


def _fit(probe: Probe, eps: float, n: int, pair: tuple[int, int] = (-2, -1)) -> float:
    """Taylor coefficients c0..c4 from f(x) and two probes (`pair`: the last two), the
    radius rho = min_j max_{i=j-2,j-1} (|c_i| / |c_j|)^(1/(j-i)) (j = 2, 3, 4), the pole
    amplitude C = max_i |c_i| rho^i. Returns the relative truncation at the larger step."""
    i, j = pair
    big, small, d_big, d_small = probe.steps[i], probe.steps[j], probe.diffs[i], probe.diffs[j]
    noise = KAPPA * eps * (probe.sizes[j] + 2.0 * np.abs(probe.value))
    c3 = np.abs(d_big - d_small) / (big**2 - small**2)
    c3 = np.where(c3 * big**2 > noise / small, c3, 0.0)
    c2 = np.abs(probe.seconds[j]) / (2.0 * small**2)
    c2 = np.where(c2 * small**2 > noise, c2, 0.0)
    second_big = probe.seconds[i] / big**2
    c4 = np.abs(second_big - probe.seconds[j] / small**2) / (2.0 * (big**2 - small**2))
    c4 = np.where(c4 * big**2 * small**2 > noise, c4, 0.0)
    c0, c1 = np.abs(probe.value), np.abs(d_small)
    coefficients = [c0, c1, c2, c3, c4]
    radius = np.full(c0.shape, np.inf)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for j in (2, 3, 4):
            low = 0 if j < 4 else 2
            ratios = [(coefficients[i] / coefficients[j]) ** (1.0 / (j - i)) for i in range(low, j)]
            candidate = np.where(coefficients[j] > 0, np.max(ratios, axis=0), np.inf)
            radius = np.minimum(radius, candidate * (FOURTH if j == 4 else 1.0))
        radius = np.minimum(radius / SAFETY, probe.bound)
        radius = np.minimum(radius, probe.domain)
        amplitude = np.max([c * radius**i for i, c in enumerate(coefficients)], axis=0)
        relative = np.where(c3 > 0, c3 * big**2 / np.maximum(c1, 1e-300), 0.0)
        if n % 2 == 0:
            even = np.where((c4 > 0) & (c2 > 0), c4 * big**2 / np.maximum(c2, 1e-300), 0.0)
            relative = np.maximum(relative, even)
    probe.radius, probe.amplitude = radius, np.where(np.isfinite(amplitude), amplitude, 0.0)
    probe.coefficients = coefficients
    return float(np.max(relative))


def first_step(line: Line, n: int, eps: float) -> float:
    """h_1 = s/4, but below |x|/2 (not below s eps^(1/4)): x - h_1 keeps the sign of x."""
    s = line.scale
    return float(power_of_two(min(s / 4.0, max(line.distance_to_zero / 2.0, s * eps**0.25))))


def probe(
    line: Line, n: int, budget: int, eps: float, grow: bool = True
) -> Generator[np.ndarray, np.ndarray, tuple[Probe, int]]:
    """The scale probe (module docstring, step 1). Yields offset batches, returns
    (probe, finite evaluations spent). `grow`: try larger steps when f allows (not under a
    tolerance, which the smaller step usually meets already)."""
    value = (yield np.zeros(1))[0]
    if not np.all(np.isfinite(value)):
        raise line.nonfinite_error(0.0, value)
    result = Probe([], [], [], [], value, domain=line.distance_to_zero)
    h = first_step(line, n, eps)
    spent, retreats, one_sided = 1, 0, {1: 0, -1: 0}
    while spent + 2 <= budget:
        plus, minus = yield np.array([h, -h])
        finite = (bool(np.all(np.isfinite(plus))), bool(np.all(np.isfinite(minus))))
        if not all(finite):
            retreats += 1
            result = Probe([], [], [], [], value, bound=h, domain=line.distance_to_zero)
            if any(finite):
                spent += 1  # the finite side is charged, the other not
                side = 1 if finite[0] else -1
                one_sided[side] += 1
                if one_sided[side] >= 2 or retreats >= MAX_RETREATS:
                    result.side = side
                    result.pairs = [(h, plus if side > 0 else minus)]  # reused on the grid
                    return result, spent
            if retreats >= MAX_RETREATS:
                raise line.nonfinite_error(h, plus if not finite[0] else minus)
            crossed = 0.0 < line.distance_to_zero < h
            h = float(power_of_two(line.distance_to_zero / 4.0)) if crossed else h / PROBE_RATIO
            continue
        spent += 2
        actual = line.actual_offset(h)
        result.steps.append(h)
        result.diffs.append((plus - minus) / (2.0 * actual))
        result.sizes.append(np.abs(plus) + np.abs(minus))
        result.seconds.append(plus + minus - 2.0 * value)
        result.pairs.append((plus, minus))
        if len(result.steps) >= 2 and (relative := _fit(result, eps, n)) <= ACCEPT:
            if grow and len(result.steps) == 2 and relative <= ACCEPT / PROBE_RATIO**2:
                spent = yield from _grow(line, result, n, budget, spent, eps)
            break
        h = h / PROBE_RATIO
    return result, spent


def _grow(
    line: Line, result: Probe, n: int, budget: int, spent: int, eps: float
) -> Generator[np.ndarray, np.ndarray, int]:
    """The first probes showed almost no truncation at a step held below |x|/2: try s/4
    (across 0 only where f stays finite), then the geometric middle, and keep the first
    that is still asymptotic, so a point near 0 is not held to a tiny step. The fit is then
    taken from the two largest probes. Returns the evaluations spent."""
    top = float(power_of_two(line.scale / 4.0))
    for up in (top, float(power_of_two(np.sqrt(top * result.steps[0])))):
        if up <= result.steps[0] * 2 or spent + 2 > budget:
            return spent
        plus, minus = yield np.array([up, -up])
        finite = [bool(np.all(np.isfinite(v))) for v in (plus, minus)]
        spent += sum(finite)  # a side where f is not finite is not charged
        if not all(finite):
            result.bound = min(result.bound, up)
            continue
        grown = Probe(
            [up, *result.steps],
            [(plus - minus) / (2.0 * line.actual_offset(up)), *result.diffs],
            [np.abs(plus) + np.abs(minus), *result.sizes],
            [plus + minus - 2.0 * result.value, *result.seconds],
            result.value,
            [(plus, minus), *result.pairs],
            domain=max(result.domain, up),
            bound=result.bound,
        )
        if _fit(grown, eps, n, pair=(0, 1)) <= ACCEPT:
            result.__dict__.update(grown.__dict__)
            return spent
    return spent


def estimated_steps(
    line: Line, rule: object, budget: int = 9
) -> Generator[np.ndarray, np.ndarray, float]:
    """step="estimate" along `line`: the model-optimal step of `rule` (a stencil for the
    n-th derivative, accuracy p) with the model constants estimated by the scale probe above
    (f(x) + 2 to 4 central pairs, <= `budget` evaluations): h = (n eps F W / (p |c| M))^(1/(n+p))
    with F = |f(x)| and M = |f^(n+p)(x)| taken as 2 c2, 6 c3 or 24 c4 (n + p = 2, 3, 4) or
    (n+p)! C rho^-(n+p) (higher), the largest over the outputs; h = s (max(|x_j|, 1)) when
    the probe sees no derivative of that order above noise (the stencil is then exact).
    Clipped to [s eps^(1/n), s]. A generator like `auto_line`; returns the step."""
    eps = machine_epsilon(line.dtype)
    n, p = rule.derivative, rule.accuracy
    found, _ = yield from probe(line, n, budget, eps)
    s = line.scale
    if found.coefficients is None:
        return min(found.bound / 8.0, s) * eps ** (1.0 / (n + p))
    c = found.coefficients
    k = n + p
    if k <= 4:
        bound = math.factorial(k) * c[k]
    else:
        rho = found.radius * SAFETY
        bound = math.factorial(k) * np.max([ci * rho ** (i - k) for i, ci in enumerate(c)], 0)
    value = np.maximum(np.abs(found.value), found.sizes[-1] / 2.0)
    constant, weight = abs(rule.error_constant), rule.roundoff_weight
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        h = (n * eps * value * weight / (p * constant * bound)) ** (1.0 / k)
    flat = (c[3] == 0) if k > 2 else (bound == 0)  # no truncation above noise: exact at s
    h = np.where(np.isfinite(h) & (bound > 0) & ~flat, h, s)
    return float(np.clip(np.min(h), s * eps ** (1.0 / n), s))
