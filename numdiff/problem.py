"""The function being differentiated, seen as F: R^n -> R^m on flat vectors, with an
evaluation counter.

Accepted: an `expr.Function`, a formula string or a SymPy expression (converted with
`expr.as_function`), or any Python callable computing with numpy (a black box). The point
x is a number or array (one input: f(x)) or a tuple/list of them (several inputs:
f(*x)), as in `expr.reference`. With `vectorized=True`, f is called once per batch with
every input stacked along a new leading axis of length k, and must return its output
stacked the same way. An `expr.Function` with scalar inputs and only elementwise ops is
evaluated that way automatically (one call per batch of points; `nfev` still counts points).

>>> p = Problem.build("x1*x2 + sin(x1)", (2.0, 3.0))
>>> np.round(p(np.array([[2.0, 3.0]])), 12).tolist(), p.n, p.m, p.nfev
([[6.909297426826]], 2, 1, 1)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import expr

from .calls import call_user, numbers
from .errors import (
    ComplexStepError,
    EvaluationError,
    NonFiniteError,
    NumdiffError,
    NumdiffShapeError,
)
from .lines import Line


def _as_array(value: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise NumdiffShapeError(f"{what} is not an array of numbers: {error}") from None
    if array.dtype.kind in "iub":
        array = array.astype(np.float64)
    if array.dtype.kind not in "fc":
        raise NumdiffShapeError(
            f"{what} has dtype {array.dtype}; real numbers are accepted (float64 or float32)"
        )
    return array


def _is_sympy(f: Any) -> bool:
    """A SymPy expression (SymPy is then imported already: numdiff does not import it)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(f, sympy.Basic)


def _batchable(f: expr.Function) -> bool:
    """True when f has scalar inputs and only elementwise ops, so numpy broadcasting
    evaluates a whole batch of points in one call (done automatically: it is exact)."""
    return all(shape == () for shape in f.input_shapes) and all(
        expr.OPS[f.op(node)].kind == "elementwise" for node, *_ in f.program
    )


@dataclass
class Problem:
    """F(points) for points of shape (k, n) -> outputs (k, m); counts evaluations.

    `nfev` counts points evaluated, `ncalls` calls of f (equal unless vectorized).
    """

    fn: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    x: np.ndarray
    dtype: np.dtype
    several: bool
    vectorized: bool = False
    function: expr.Function | None = None
    out_shape: tuple[int, ...] | None = None
    nfev: int = 0
    ncalls: int = 0
    _probed: bool = field(default=False, repr=False)
    _center: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def build(cls, f: Any, x: Any, vectorized: bool = False) -> Problem:
        """Wrap f (Function, string, SymPy or callable) at the point x. f is not called: the
        output shape is learnt from the first evaluation."""
        several = isinstance(x, (tuple, list))
        arrays = [_as_array(v, "x") for v in (x if several else (x,))]
        if any(a.dtype.kind == "c" for a in arrays):
            raise NumdiffShapeError("x must be real; the complex step adds i h itself")
        dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
        if dtype.kind != "f" or dtype.itemsize < 4:
            dtype = np.dtype(np.float64)
        function = None
        if isinstance(f, (str, expr.Function)) or _is_sympy(f):
            function = expr.as_function(f)
            if function.n_inputs != len(arrays):
                raise NumdiffShapeError(
                    f"{function.name} takes {function.n_inputs} inputs "
                    f"({', '.join(function.input_names)}), got {len(arrays)}; give several "
                    "inputs as a tuple"
                )
            fn: Callable[..., Any] = function
        elif callable(f):
            fn = f
        else:
            raise NumdiffError(
                f"cannot differentiate a {type(f).__name__}; accepted: a Python callable, "
                "an expr.Function, a formula string or a SymPy expression"
            )
        flat = np.concatenate([a.astype(dtype).ravel() for a in arrays]) if arrays else None
        if flat is None or flat.size == 0:
            raise NumdiffShapeError("x has no elements to differentiate with respect to")
        if not np.all(np.isfinite(flat)):
            raise NonFiniteError(
                f"x is not finite ({np.array2string(flat, precision=17)}); f' needs a finite point"
            )
        if function is not None and not vectorized:
            vectorized = _batchable(function)
        return cls(fn, tuple(a.shape for a in arrays), flat, dtype, several, vectorized, function)

    @property
    def n(self) -> int:
        """Number of scalar inputs."""
        return int(self.x.size)

    @property
    def m(self) -> int:
        """Number of scalar outputs (known after the first evaluation)."""
        if self.out_shape is None:
            raise NumdiffError("internal: the output size is known after the first evaluation")
        return int(np.prod(self.out_shape, dtype=np.int64))

    # ------------------------------------------------------------------ calls
    def _split(self, flat: np.ndarray, batch: tuple[int, ...] = ()) -> list[np.ndarray]:
        parts, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape, dtype=np.int64))
            parts.append(flat[..., start : start + size].reshape(batch + shape))
            start += size
        return parts

    def _invoke(self, args: list[np.ndarray]) -> Any:
        return call_user(self.fn, tuple(args) if self.several else (args[0],), self.x)

    def _call_one(self, flat: np.ndarray) -> np.ndarray:
        args = [a[()] if a.ndim == 0 else a for a in self._split(flat)]
        out = self._invoke(args)
        if isinstance(out, (tuple, list)):
            out = np.concatenate([np.ravel(numbers(o)) for o in out]) if out else np.zeros(0)
        return numbers(out)

    # ------------------------------------------------------------------ lines
    def lines(self) -> list[Line]:
        """The coordinate lines (x, e_j), j = 0..n-1."""
        eye = np.eye(self.n)
        return [Line(self.x, eye[j], 0, self.dtype, j) for j in range(self.n)]

    def line(self, direction: np.ndarray, index: int = 0) -> Line:
        return Line(self.x, np.asarray(direction, dtype=np.float64), 0, self.dtype, index)

    def center_value(self) -> np.ndarray:
        """f(x) (m,), evaluated once and checked finite."""
        if self._center is None:
            self._center = self(self.x[None, :])[0]
        return self._center

    def evaluate(self, requests: list[tuple[Line, np.ndarray]]) -> list[np.ndarray]:
        """f at c + t u for each (line, offsets) in one batch (`numdiff.lines.drive`); f(x)
        is evaluated once (t = 0 rows share it). Complex offsets are the complex step
        (checked to carry the imaginary part)."""
        complex_step = any(np.iscomplexobj(t) for _, t in requests)
        blocks, spans, start = [], [], 0
        need_center = False
        for line, t in requests:
            t = np.asarray(t)
            moving = t != 0 if not complex_step else np.ones(t.shape, bool)
            need_center |= bool(np.any(~moving))
            blocks.append(line.points(t[moving]))
            spans.append((moving, start))
            start += int(np.count_nonzero(moving))
        if need_center and self._center is None:
            blocks.append(self.x[None, :].astype(blocks[0].dtype))
        points = np.concatenate(blocks)
        values = np.zeros((0, 0))
        if points.shape[0]:
            call = self.complex_values if complex_step else self
            values = call(points, check=False)
        if need_center and self._center is None:
            if np.all(np.isfinite(values[-1])):
                self._center = values[-1]
            center = values[-1]
        else:
            center = self._center
        if not points.shape[0]:
            values = np.zeros((0, center.size), dtype=center.dtype)
        answers = []
        for moving, first in spans:
            out = np.empty((moving.size, values.shape[1]), dtype=values.dtype)
            out[moving] = values[first : first + int(np.count_nonzero(moving))]
            if not np.all(moving):
                out[~moving] = center
            answers.append(out)
        return answers

    def __call__(self, points: np.ndarray, check: bool = True) -> np.ndarray:
        """f at each row of `points` (k, n): an array (k, m). Counts k evaluations."""
        points = np.asarray(points)
        with np.errstate(all="ignore"):  # non-finite values are checked, with a clear error
            values = self._evaluate(points)
        if values.dtype.kind == "c" and points.dtype.kind != "c":
            raise EvaluationError(
                "f returned complex values at real points; numdiff differentiates real "
                "functions (the complex step adds i h itself)"
            )
        if check:
            self._check_finite(points, values)
        return values

    def _evaluate(self, points: np.ndarray) -> np.ndarray:
        k = points.shape[0]
        if self.vectorized:
            out = numbers(self._invoke(self._split(points, (k,))))
            if self.out_shape is None and out.shape[:1] == (k,):
                self.out_shape = out.shape[1:]
            mismatch = out.shape[:1] != (k,) or (
                int(np.prod(out.shape[1:], dtype=np.int64)) != self.m
            )
            if mismatch:
                expected = "" if self.out_shape is None else f" with {self.m} values per point"
                raise NumdiffShapeError(
                    f"vectorized=True: f was called with a batch of {k} points and returned "
                    f"shape {out.shape}; expected ({k}, ...){expected}"
                )
            values = out.reshape(k, self.m)
            self.ncalls += 1
        else:
            rows = []
            for point in points:
                out = self._call_one(point)
                if self.out_shape is None:
                    self.out_shape = out.shape
                if out.size != self.m:
                    raise NumdiffShapeError(
                        f"f returned {out.size} values at one point and {self.m} at another; "
                        "the output shape must not depend on the point"
                    )
                rows.append(out.ravel())
            values = np.stack(rows)
            self.ncalls += k
        self.nfev += k
        return values

    def _check_finite(self, points: np.ndarray, values: np.ndarray) -> None:
        bad = ~np.all(np.isfinite(values), axis=1)
        if np.any(bad):
            i = int(np.argmax(bad))
            raise NonFiniteError(
                f"f is not finite ({values[i][~np.isfinite(values[i])][0]}) at "
                f"{np.array2string(points[i], precision=17)} (x = "
                f"{np.array2string(self.x, precision=17)}); a smaller step or another "
                "method may stay inside the domain"
            )

    def complex_values(self, points: np.ndarray, check: bool = True) -> np.ndarray:
        """f at complex points (k, n), checked to carry the imaginary part through (and,
        with `check`, to be finite)."""
        values = self(points, check=check)
        if values.dtype.kind != "c":
            raise ComplexStepError(self._dropped_message(points[0]))
        if not self._probed and self.function is not None:
            self._check_graph(points[0])
        self._probed = True
        return values

    def _dropped_message(self, point: np.ndarray) -> str:
        where = ""
        if self.function is not None:
            where = self._first_bad_node(point) or ""
        return (
            "complex step: f returned a real value for a complex input, so it drops the "
            f"imaginary part{where} (abs, relu written with np.maximum, float() or np.real "
            "do); use method='central' or 'auto' instead"
        )

    def _first_bad_node(self, point: np.ndarray) -> str | None:
        f = self.function
        args = [a[()] if a.ndim == 0 else a for a in self._split(point)]
        values = f.evaluate(*args)
        for node, _, node_args, _ in f.program:
            op = expr.OPS[f.op(node)]
            carried = any(np.any(np.imag(values[a]) != 0) for a in node_args)
            out_imag = np.iscomplexobj(values[node]) and np.any(np.imag(values[node]) != 0)
            if carried and not op.holomorphic:
                return f" (node {node}: op {op.name} is not declared holomorphic)"
            if op.piecewise_constant and out_imag:
                return f" (node {node}: {op.name} of a complex number is not its real {op.name})"
            if carried and not op.piecewise_constant and not np.iscomplexobj(values[node]):
                return f" (node {node}: {op.name} returns a real value)"
        return None

    def _check_graph(self, point: np.ndarray) -> None:
        bad = self._first_bad_node(point)
        if bad is not None:
            raise ComplexStepError(
                f"complex step: {self.function.name} loses or corrupts the imaginary part"
                f"{bad}; the result would be silently wrong. Use method='central' or 'auto'"
            )

    # ------------------------------------------------------------------ results
    def unflatten_columns(self, jac: np.ndarray) -> Any:
        """(m, n) Jacobian as out_shape + in_shape per input (a tuple for several inputs)."""
        blocks, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape, dtype=np.int64))
            block = jac[:, start : start + size].reshape(self.out_shape + shape)
            blocks.append(block[()] if block.ndim == 0 else block)  # a scalar as np.float64
            start += size
        return tuple(blocks) if self.several else blocks[0]
