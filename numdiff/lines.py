"""Lines through x, the per-line results, and the driver that batches evaluations.

Every method differentiates along lines phi(t) = f(c + t u): coordinate j of a Jacobian is
the line (x, e_j); an off-diagonal Hessian entry uses (x, e_i + e_j); an elementwise
derivative at points xs uses one line per point. A method is a generator per line that
yields the offsets t it needs and receives f there (rows, maybe not finite); `drive` runs
all lines together, so each round of requests is one batch of points (one call of f when
vectorized), and f(c) is evaluated once per centre.

>>> import numpy as np
>>> def need(line):
...     values = yield np.array([0.5, -0.5])
...     return Column((values[0] - values[1]) / 1.0, None, 0.5, 2)
>>> src = Elementwise(np.square, np.array([1.0, 3.0]), vectorized=True)
>>> [float(c.value[0]) for c in drive(src, src.lines(), need)], src.ncalls
([2.0, 6.0], 1)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .calls import call_user, numbers
from .errors import ComplexStepError, EvaluationError, NonFiniteError, NumdiffShapeError


@dataclass
class Column:
    """One line's result: derivative (m,), error estimate (m,) or None, the step, the
    accuracy order reached, whether the extrapolation table converged."""

    value: np.ndarray
    error: np.ndarray | None
    step: float
    accuracy: int
    converged: bool = True


@dataclass(frozen=True)
class Line:
    """The line c + t u in the input dtype, with the lengths the step rules need."""

    center: np.ndarray
    direction: np.ndarray
    key: int  # lines with the same key share the centre (f(c) is evaluated once)
    dtype: np.dtype
    index: int = 0  # the coordinate (or the point) the line belongs to, for per-line steps

    @property
    def _support(self) -> np.ndarray:
        return self.direction != 0

    @property
    def position(self) -> float:
        """max |c_i| over the coordinates the line moves (rounding of c + t u)."""
        return float(np.max(np.abs(self.center[self._support])))

    @property
    def scale(self) -> float:
        """s = max(|c_i|, 1) over the moving coordinates: the length steps scale with."""
        return max(self.position, 1.0) / float(np.max(np.abs(self.direction)))

    @property
    def distance_to_zero(self) -> float:
        """The smallest |t| at which a moving coordinate crosses 0 (inf when none is
        nonzero): domains such as log's end there."""
        c, u = self.center[self._support], self.direction[self._support]
        nonzero = c != 0
        if not np.any(nonzero):
            return float("inf")
        return float(np.min(np.abs(c[nonzero] / u[nonzero])))

    def points(self, offsets: np.ndarray) -> np.ndarray:
        """c + t u for each offset t (rows), rounded to the dtype (its complex kind for the
        imaginary offsets of the complex step)."""
        offsets = np.asarray(offsets)
        dtype = (
            np.result_type(self.dtype, np.complex64) if offsets.dtype.kind == "c" else self.dtype
        )
        return (self.center[None, :] + np.outer(offsets, self.direction)).astype(dtype)

    def actual_offset(self, t: float) -> float:
        """The offset as stored: (fl(c + t u) - c) along the largest component of u."""
        i = int(np.argmax(np.abs(self.direction)))
        point = self.points(np.array([t]))[0]
        with np.errstate(invalid="ignore"):  # x = inf: f is then refused as not finite
            return float((np.float64(point[i]) - np.float64(self.center[i])) / self.direction[i])

    def nonfinite_error(self, t: float, value: Any) -> NonFiniteError:
        point = np.array2string(self.points(np.array([t]))[0], precision=17)
        bad = np.asarray(value)[~np.isfinite(np.asarray(value))]
        shown = bad[0] if bad.size else value
        return NonFiniteError(
            f"f is not finite ({shown}) at {point} (x = "
            f"{np.array2string(self.center, precision=17)}); a smaller step or another "
            "method may stay inside the domain"
        )


Method = Callable[[Line], Generator[np.ndarray, np.ndarray, Column]]


def drive(source: Any, lines: list[Line], method: Method) -> list[Column]:
    """Run `method` on every line, one batch of points per round (module docstring)."""
    running = [method(line) for line in lines]
    results: list[Column | None] = [None] * len(lines)
    requests: dict[int, np.ndarray] = {}

    def advance(k: int, values: np.ndarray | None) -> None:
        try:
            step = next(running[k]) if values is None else running[k].send(values)
        except StopIteration as stop:
            results[k] = stop.value
            return
        requests[k] = np.asarray(step).ravel()

    for k in range(len(lines)):
        advance(k, None)
    while requests:
        batch, requests = dict(requests), {}
        answers = source.evaluate([(lines[k], t) for k, t in batch.items()])
        for k, values in zip(batch, answers):
            advance(k, values)
    return results  # type: ignore[return-value]


class Elementwise:
    """f applied elementwise at points xs: one line per point (derivative(np.sin, xs)).

    With `vectorized`, f receives all the points of a round as one 1-D array; otherwise
    f is called once per scalar point."""

    def __init__(self, fn: Callable[..., Any], xs: np.ndarray, vectorized: bool) -> None:
        self.fn, self.xs, self.vectorized = fn, xs, vectorized
        self.dtype = xs.dtype
        self.nfev = self.ncalls = 0
        self._centers: dict[int, np.ndarray] = {}

    def lines(self) -> list[Line]:
        one = np.ones(1)
        return [Line(self.xs[k : k + 1], one, k, self.dtype, k) for k in range(self.xs.size)]

    def _call(self, z: np.ndarray) -> np.ndarray:
        if self.vectorized:
            out = numbers(call_user(self.fn, (z,), z))
            self.ncalls += 1
        else:
            outs = [numbers(call_user(self.fn, (v,), v)) for v in z]
            if any(o.size != 1 for o in outs):
                raise NumdiffShapeError(
                    "an elementwise derivative needs f(x) to be one number at a scalar x; f "
                    f"returned shape {next(o.shape for o in outs if o.size != 1)}"
                )
            out = np.array([o.ravel()[0] for o in outs])
            self.ncalls += z.size
        if z.dtype.kind != "c" and out.dtype.kind == "c":
            raise EvaluationError("f returned complex values at real points; f must be real")
        if z.dtype.kind == "c" and out.dtype.kind != "c":
            raise ComplexStepError(
                "complex step: f returned a real value for a complex input, so it drops the "
                "imaginary part; use method='central' or 'auto' instead"
            )
        if out.shape != z.shape or out.dtype.kind not in "fciub":
            raise NumdiffShapeError(
                f"an elementwise derivative needs f(xs) shaped like xs, with numbers: f "
                f"returned shape {out.shape} of dtype {out.dtype} for {z.size} points"
            )
        self.nfev += z.size
        return out.reshape(-1, 1)

    def evaluate(self, requests: list[tuple[Line, np.ndarray]]) -> list[np.ndarray]:
        points, where = [], []
        for line, t in requests:
            rows = []
            for ti in t:
                if ti == 0 and np.isrealobj(t) and line.key in self._centers:
                    rows.append(("cached", line.key))
                else:
                    rows.append(("new", len(points)))
                    points.append(line.points(np.array([ti]))[0, 0])
            where.append(rows)
        with np.errstate(all="ignore"):
            values = self._call(np.asarray(points)) if points else None
        answers = []
        for (line, t), rows in zip(requests, where):
            out = np.array(
                [self._centers[i] if kind == "cached" else values[i] for kind, i in rows]
            )
            for ti, row in zip(t, out):
                if ti == 0 and np.isrealobj(t) and np.all(np.isfinite(row)):
                    self._centers.setdefault(line.key, row)
            answers.append(out.reshape(len(t), 1))
        return answers


__all__ = ["Column", "Elementwise", "EvaluationError", "Line", "drive"]
