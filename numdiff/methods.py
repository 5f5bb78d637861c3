"""The methods, as rows of one table: name, the accuracies offered for derivative n, the
formula (a stencil derived by `numdiff.stencils`, the complex step, or None for the adaptive
method), the step rule for the dtype, and the per-line computation. `derivative`,
`gradient`, `jacobian`, `hessian`, `hessdiag` and `sweep` dispatch through this table alone.

============  =========================================  =================  ==============
method        formula (derivative n)                     error              evaluations
============  =========================================  =================  ==============
forward       Fornberg on 0..n+p-1 (accuracy p = 1..4)   O(h^p)             n + p per line
backward      the mirror of forward                      O(h^p)             n + p
central       Fornberg on -k..k (p = 2, 4, 6, 8)         O(h^p)             ~ n + p
five_point    central, p = 4                             O(h^4)             4 (n = 1)
richardson    central (n, 2) at h, h/2, h/4 combined     O(h^6)             6 (n = 1)
complex       Im f(x + ih) / h (n = 1 only)              O(h^2), no cancel  1 (complex)
auto          probe + grid stencil + error estimate      ~1e-13 relative    <= max_evals
============  =========================================  =================  ==============

>>> METHODS["central"].accuracies(1)
(2, 4, 6, 8)
>>> METHODS["central"].formula(2, 2).offsets
(-1.0, 0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adaptive import Tolerance, auto_line
from .errors import MethodError, StepError
from .lines import Column, Line
from .stencils import COMPLEX_STEP, MAX_DERIVATIVE, RICHARDSON_LEVELS, stencil
from .steps import complex_default_step, default_step

LineRun = Generator[np.ndarray, np.ndarray, Column]
StepRule = Callable[[Line, Any], Generator[np.ndarray, np.ndarray, float]]


@dataclass(frozen=True)
class Plan:
    """Everything one call needs, normalized once at the boundary."""

    n: int
    accuracy: int | None
    step: StepRule
    max_evals: int
    tolerance: Tolerance
    measure: bool = False  # sweep: report the raw value at any step (nan where f is not)
    step_count: int = 0  # how many steps the user gave (1: one for all lines)


@dataclass(frozen=True)
class Method:
    """One row of the table (module docstring)."""

    name: str
    accuracies: Callable[[int], tuple[int, ...]]
    formula: Callable[[int, int], Any] | None
    default_step: Callable[..., np.ndarray] | None
    run: Callable[[Line, Any, Plan], LineRun]
    probes_step: bool = True  # step="estimate" probes f (False: the default step is kept)

    def rule(self, n: int, accuracy: int | None) -> Any:
        """The formula for derivative n at `accuracy` (the row's default when None)."""
        offered = self.accuracies(n)
        if not offered:
            raise MethodError(f"method {self.name!r} offers no derivative of order n={n}")
        if accuracy is None:
            accuracy = offered[0]
        if accuracy not in offered:
            raise MethodError(
                f"method {self.name!r} has accuracies {offered} for n={n}, got accuracy={accuracy!r}"
            )
        return None if self.formula is None else self.formula(n, accuracy)


def check_step(line: Line, rule: Any, h: float) -> None:
    """Refuse a step that vanishes in the dtype (x + o h == x for a used offset o) or whose
    h^n underflows, naming the smallest usable step."""
    smallest = min(abs(o) for o in rule.offsets if o != 0)
    spacing = float(np.spacing(np.asarray(max(line.position, 0.0), dtype=line.dtype)))
    tiny = float(np.finfo(line.dtype).tiny)
    usable = max(2.0 * spacing / smallest, tiny ** (1.0 / rule.derivative))
    if h < usable:  # below 2 ulps of x / |o|, x + o h is x or its neighbour
        raise StepError(
            f"step {h!r} vanishes at x = {line.position!r} in {line.dtype}: x + h == x or "
            f"h^{rule.derivative} underflows; the smallest usable step is {usable:.3g} "
            "(the default step, step=None, is chosen from theory)"
        )


def _stencil_run(line: Line, rule: Any, plan: Plan) -> LineRun:
    """sum_i w_i f(x + o_i h) / h^n at the planned step: one batch of points."""
    h = yield from plan.step(line, rule)
    if not plan.measure:
        check_step(line, rule, h)
    values = yield np.asarray(rule.offsets) * h
    bad = ~np.all(np.isfinite(values), axis=1)
    if np.any(bad) and not plan.measure:
        i = int(np.argmax(bad))
        raise line.nonfinite_error(rule.offsets[i] * h, values[i])
    value = np.asarray(rule.weights) @ values / h**rule.derivative
    return Column(value, None, h, rule.accuracy)


def _complex_run(line: Line, rule: Any, plan: Plan) -> LineRun:
    """Im f(x + i h) / h: one complex evaluation (any h above the underflow threshold)."""
    h = yield from plan.step(line, rule)
    tiny = float(np.finfo(line.dtype).tiny)
    if h < tiny / np.finfo(line.dtype).eps and not plan.measure:
        raise StepError(
            f"complex step {h!r} underflows in {line.dtype}; the smallest usable step is "
            f"{tiny / np.finfo(line.dtype).eps:.3g}"
        )
    values = yield np.array([1j * h])
    if not np.all(np.isfinite(values)) and not plan.measure:
        raise line.nonfinite_error(0.0, values[0])
    actual = float(np.imag(line.points(np.array([1j * h]))[0] @ line.direction))
    return Column(np.imag(values[0]) / actual, None, h, rule.accuracy)


def _auto_run(line: Line, rule: Any, plan: Plan) -> LineRun:
    return (yield from auto_line(line, plan.n, plan.max_evals, plan.tolerance))


def _derivatives(*accuracies: int) -> Callable[[int], tuple[int, ...]]:
    return lambda n: accuracies if 1 <= n <= MAX_DERIVATIVE else ()


def _stencil_row(name: str, family: str, *accuracies: int) -> Method:
    """A row whose formula is the `family` stencil of `numdiff.stencils` (one batch per line)."""
    return Method(
        name,
        _derivatives(*accuracies),
        lambda n, p: stencil(family, n, p),
        default_step,
        _stencil_run,
    )


#: The methods, one row each (module docstring).
METHODS: dict[str, Method] = {
    "forward": _stencil_row("forward", "forward", 1, 2, 3, 4),
    "backward": _stencil_row("backward", "backward", 1, 2, 3, 4),
    "central": _stencil_row("central", "central", 2, 4, 6, 8),
    "five_point": _stencil_row("five_point", "central", 4),
    "richardson": _stencil_row("richardson", "richardson", 2 * RICHARDSON_LEVELS),
    "complex": Method(
        "complex",
        lambda n: (2,) if n == 1 else (),
        lambda n, p: COMPLEX_STEP,
        complex_default_step,
        _complex_run,
        probes_step=False,
    ),
    "auto": Method(
        "auto", lambda n: (0,) if 1 <= n <= MAX_DERIVATIVE else (), None, None, _auto_run, False
    ),
}
