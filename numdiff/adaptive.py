"""method="auto": a short search for the length scale of f, then a high-order Richardson
extrapolation at a model-chosen step, with an honest (conservative) error estimate.

For each input coordinate j, on phi(t) = f(x + t e_j):

1. Scale probe. Central differences D(h) = f' + a h^2 + ... at h_1 = s/4
   (s = max(|x_j|, 1)), h_1/8, h_1/64, ... until two successive ones show the asymptotic
   regime: the relative truncation |a| h^2 / |D| at the larger step, with
   a = (D(h) - D(h/8)) / (h^2 - h^2/64), is <= 1/4. (A step at which f is not finite
   restarts the search 8x lower and bounds the scale by that step.) With f(x) this gives
   Taylor coefficients c0 = f, c1 = f', c2 = f''/2, c3 = a and c4 = f''''/24 (from the two
   second differences), a radius rho = min_{j=2,3,4} max_{i=j-2,j-1} (|c_i|/|c_j|)^(1/(j-i))
   / 2 (the distance to the nearest singularity of a function with those coefficients,
   halved for safety; the max ignores an accidentally small c_i, the min an accidentally
   small c_j; only near neighbours are compared, so a large polynomial part in c0, c1 does
   not hide the singularity) and an amplitude C = max_i |c_i| rho^i: the pole model
   |f^(k)(x)| / k! ~ C rho^-k.
2. Step. Equispaced central differences at h, 2h, ..., mh (m as large as the budget allows;
   probe steps that are multiples of h are reused), extrapolated to 0 by Neville's scheme in
   h^2 (the order-2m central stencil). With the pole model the truncation is
   T(h) = C / rho (m!)^2 (h / rho)^(2m) and the round-off R(h) = kappa eps |f| W / h
   (W = sum_k |c_k| / k over the Richardson weights c_k); h minimises T + R (smallest over
   the outputs, clipped to [s eps^(1/3), h_1]).
3. Error estimate: |T_m - T_{m-1}| + |T_m - T'_{m-1}| + B. T_{m-1}, T'_{m-1} drop the
   largest and the smallest step: lower-order estimates whose distance to T_m exceeds the
   error of T_m in the asymptotic regime. B bounds the round-off: kappa eps
   sum_k |c_k| (|f(x + kh)| + |f(x - kh)|) / (2 kh) with kappa = 16 ulps per value, plus the
   effect of the rounding of x + kh (eps |x| |f'| sum_k |c_k| / kh).

Cost: f(x) once, then 2 evaluations per probe and per new step, <= `max_evals` (default
15: typically f(x) + 2 or 3 probes + the new steps, probes that fall on the grid reused;
a 10th- to 14th-order stencil).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import StepError
from .problem import Problem
from .richardson import tableau, weights
from .stencils import Stencil
from .steps import default_step, machine_epsilon, model_constants, power_of_two, scale

PROBE_RATIO = 8.0  # each probe step is 8x smaller than the last
ACCEPT = 0.25  # asymptotic when |c3| h^2 / |c1| <= 1/4 at the larger probe step
SAFETY = 2.0  # the radius is halved: too small a step costs round-off, too large truncation
KAPPA = 16.0  # ulps of error assumed per function value in the round-off bound
FOURTH = 2.0  # the c3/c4 radius candidate (from second differences, the noisiest) is doubled
MIN_EVALS = 10  # f(x), one probe pair and four extrapolation pairs


@dataclass
class AutoColumn:
    """The result for one coordinate: derivative (m,), error estimate (m,), steps used."""

    value: np.ndarray
    error: np.ndarray
    step: float
    order: int
    nfev: int


@dataclass
class _Probe:
    steps: list
    diffs: list
    sizes: list
    seconds: list
    value: np.ndarray
    radius: np.ndarray | None = None
    amplitude: np.ndarray | None = None
    coefficients: list | None = None
    bound: float = np.inf


def _central_pairs(
    problem: Problem, j: int, steps: list[float], check: bool = True
) -> tuple[list, list, list]:
    """Central differences at each step (one batch of 2 len(steps) points), the sums
    |f(x + h)| + |f(x - h)|, and the sums f(x + h) + f(x - h)."""
    points = np.repeat(problem.x[None, :], 2 * len(steps), axis=0)
    for i, h in enumerate(steps):
        points[2 * i, j] += h
        points[2 * i + 1, j] -= h
    values = problem(points, check=check)
    diffs, sizes, sums = [], [], []
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(len(steps)):
            plus, minus = values[2 * i], values[2 * i + 1]
            actual = (points[2 * i, j] - points[2 * i + 1, j]) / 2.0
            diffs.append((plus - minus) / (2.0 * actual))
            sizes.append(np.abs(plus) + np.abs(minus))
            sums.append(plus + minus)
    return diffs, sizes, sums


def _fit(probe: _Probe, eps: float) -> float:
    """Taylor coefficients c0..c4 from f(x) and the last two probes, the radius
    rho = min_j max_{i=j-2,j-1} (|c_i| / |c_j|)^(1/(j-i)) (j = 2, 3, 4), the pole amplitude
    C = max_i |c_i| rho^i. Returns the relative truncation |c3| h^2 / |c1| at the larger step."""
    (big, small), (d_big, d_small) = probe.steps[-2:], probe.diffs[-2:]
    noise = KAPPA * eps * (probe.sizes[-1] + 2.0 * np.abs(probe.value))
    c3 = np.abs(d_big - d_small) / (big**2 - small**2)
    c3 = np.where(c3 * big**2 > noise / small, c3, 0.0)
    c2 = np.abs(probe.seconds[-1]) / (2.0 * small**2)
    c2 = np.where(c2 * small**2 > noise, c2, 0.0)
    second_big = probe.seconds[-2] / big**2
    c4 = np.abs(second_big - probe.seconds[-1] / small**2) / (2.0 * (big**2 - small**2))
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
        amplitude = np.max([c * radius**i for i, c in enumerate(coefficients)], axis=0)
        relative = np.where(c3 > 0, c3 * big**2 / np.maximum(c1, 1e-300), 0.0)
    probe.radius, probe.amplitude = radius, np.where(np.isfinite(amplitude), amplitude, 0.0)
    probe.coefficients = coefficients
    return float(np.max(relative))


def _probe(problem: Problem, j: int, h: float, budget: int, eps: float) -> _Probe:
    value = problem(problem.x[None, :])[0]
    probe = _Probe([], [], [], [], value)
    spent = 1
    while spent + 2 <= budget:
        diffs, sizes, sums = _central_pairs(problem, j, [h], check=False)
        spent += 2
        if not np.all(np.isfinite(diffs[0])):
            probe = _Probe([], [], [], [], value, bound=h)
        else:
            probe.steps.append(h)
            probe.diffs.append(diffs[0])
            probe.sizes.append(sizes[0])
            probe.seconds.append(sums[0] - 2.0 * value)
            if len(probe.steps) >= 2 and _fit(probe, eps) <= ACCEPT:
                break
        h = h / PROBE_RATIO
    return probe


def roundoff_weight(m: int) -> float:
    """W = sum_k |c_k| / k for the Richardson weights of the steps 1..m (in units of h).

    >>> round(roundoff_weight(1), 6), round(roundoff_weight(6), 3)
    (1.0, 2.45)
    """
    c = weights([float(k) for k in range(1, m + 1)])
    return float(np.sum(np.abs(c) / np.arange(1, m + 1)))


def _model_step(probe: _Probe, m: int, eps: float) -> float:
    """The step minimising T(h) + R(h) (module docstring), smallest over the outputs."""
    if probe.radius is None:
        return float(probe.bound / 16.0)
    rho, amplitude = probe.radius, probe.amplitude
    value = np.maximum(np.abs(probe.value), probe.sizes[-1] / 2.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        truncation = amplitude / rho * math.factorial(m) ** 2 / rho ** (2 * m)
        roundoff = KAPPA * eps * np.maximum(value, 1e-300) * roundoff_weight(m)
        h = (roundoff / (2 * m * truncation)) ** (1.0 / (2 * m + 1))
    h = np.where((truncation > 0) & np.isfinite(h), h, np.inf)
    return float(np.min(h))


def _plan(probes: list[float], target: float, pairs: int) -> tuple[float, dict, int]:
    """Step h near `target` and count m of equispaced steps h..mh such that the probe steps
    that are multiples kh (k <= m) are reused and at most `pairs` new pairs are needed.
    Returns (h, {k: probe index}, m)."""
    best = (float(power_of_two(target)), {}, pairs)
    for p in probes:
        for k in range(1, pairs + len(probes) + 1):
            h = p / k
            if not target / 1.5 <= h <= target * 1.5:
                continue
            for m in range(pairs + len(probes), best[2], -1):
                reused = {}
                for i2, p2 in enumerate(probes):
                    k2 = p2 / h
                    if abs(k2 - round(k2)) < 1e-9 and 1 <= round(k2) <= m:
                        reused[round(k2)] = i2
                if m - len(reused) <= pairs:
                    best = (h, reused, m)
                    break
    return best


def auto_column(problem: Problem, j: int, max_evals: int = 15) -> AutoColumn:
    """Adaptive derivative along coordinate j; see the module docstring. O(max_evals) calls."""
    if max_evals < MIN_EVALS:
        raise StepError(f"method='auto' needs max_evals >= {MIN_EVALS}, got {max_evals}")
    eps = machine_epsilon(problem.dtype)
    s = float(scale(problem.x[j]))
    h_first = float(power_of_two(s / 4.0))
    start = problem.nfev
    probe = _probe(problem, j, h_first, max_evals - 6, eps)
    pairs_left = (max_evals - (problem.nfev - start)) // 2
    top = probe.steps[0] if probe.steps else h_first
    target = float(np.clip(_model_step(probe, pairs_left + 1, eps), s * eps ** (1 / 3), top))
    h, reused, m = _plan(probe.steps, target, pairs_left)
    multiples = [k for k in range(1, m + 1) if k not in reused]
    diffs, sizes, _ = _central_pairs(problem, j, [k * h for k in multiples])
    by_k = dict(zip(multiples, zip(diffs, sizes)))
    for k, i in reused.items():
        by_k[k] = (probe.diffs[i], probe.sizes[i])
    ks = sorted(by_k, reverse=True)
    steps = [k * h for k in ks]
    value, error = _extrapolate(
        steps, [by_k[k][0] for k in ks], [by_k[k][1] for k in ks], problem.x[j], eps
    )
    return AutoColumn(value, error, h, 2 * len(ks), problem.nfev - start)


def _extrapolate(
    steps: list[float], values: list, sizes: list, x: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Neville's extrapolation over all steps (largest first), with the error estimate."""
    table = tableau(steps, values)
    best = table[-1][-1]
    spread = np.abs(best - table[-1][-2]) + np.abs(best - table[-2][-1])
    c = np.abs(weights(steps))
    roundoff = KAPPA * eps * sum(ci * size / (2.0 * h) for ci, size, h in zip(c, sizes, steps))
    placement = eps * abs(float(x)) * np.abs(best) * sum(ci / h for ci, h in zip(c, steps))
    return best, spread + roundoff + placement


def estimated_steps(problem: Problem, stencil: Stencil | str, budget: int = 9) -> np.ndarray:
    """step="estimate": per coordinate, the model-optimal step of `stencil` with the model
    constants estimated by the scale probe above (f(x) + 2 to 4 central pairs, <= `budget`
    evaluations; a probe step where f is not finite bounds the scale, and if no two finite
    probes fit in the budget the textbook step for the length bound / 8 is used): h = (eps F W / (p |c| M))^(1/(p+1)) with F = |f(x)| and M = |f^(p+1)(x)|
    taken as 2 c2 (p = 1), 6 c3 (p = 2) or (p+1)! C rho^-(p+1) (higher orders), the largest
    over the outputs; h = s (max(|x_j|, 1)) when the probe sees no third derivative above
    noise (central differences at s/4 and s/32 agree: f is a polynomial of degree <= 2
    there, and stencils of order >= 2 are exact). Clipped to [s eps, s].
    """
    eps = machine_epsilon(problem.dtype)
    order, constant, weight_sum = model_constants(stencil)
    steps = np.zeros(problem.n)
    for j in range(problem.n):
        s = float(scale(problem.x[j]))
        probe = _probe(problem, j, float(power_of_two(s / 4.0)), budget, eps)
        if probe.coefficients is None:
            steps[j] = float(default_step(stencil, 0.0, problem.dtype)) * min(probe.bound / 8, s)
            continue
        c = probe.coefficients
        if order == 1:
            bound = 2.0 * c[2]
        elif order == 2:
            bound = 6.0 * c[3]
        else:
            rho = probe.radius * SAFETY
            bound = math.factorial(order + 1) * np.max(
                [ci * rho ** (i - order - 1) for i, ci in enumerate(c)], axis=0
            )
        value = np.maximum(np.abs(probe.value), probe.sizes[-1] / 2.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            h = (eps * value * weight_sum / (order * constant * bound)) ** (1.0 / (order + 1))
        flat = (c[3] == 0) if order > 1 else (bound == 0)
        h = np.where(np.isfinite(h) & (bound > 0) & ~flat, h, s)
        steps[j] = float(np.clip(np.min(h), s * eps, s))
    return steps
