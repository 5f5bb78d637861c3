"""The one place that calls the user's function: its errors and its output checked.

`numdiff.problem` (the function seen as F: R^n -> R^m) and `numdiff.lines` (elementwise
derivatives) both call f through here.

>>> numbers(call_user(lambda v: v * 2, (3,), 3)).tolist()
6.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from expr.errors import ExprError

from .errors import EvaluationError


def numbers(out: Any) -> np.ndarray:
    """f's output as an array of numbers, or an EvaluationError saying what f returned."""
    try:
        array = np.asarray(out)
    except (TypeError, ValueError) as error:
        raise EvaluationError(f"f returned {type(out).__name__}, not numbers: {error}") from None
    if array.dtype.kind not in "fciub":
        raise EvaluationError(
            f"f returned {type(out).__name__} ({array.dtype}); f must return a number or an "
            "array of numbers"
        )
    if array.size == 0:
        raise EvaluationError("f returned an empty array; it must return at least one number")
    return array.astype(np.float64) if array.dtype.kind in "biu" else array


def call_user(fn: Callable[..., Any], args: tuple, x: Any) -> Any:
    """fn(*args), its exception (other than ours) reported as an EvaluationError, chained."""
    try:
        return fn(*args)
    except ExprError:
        raise
    except Exception as error:
        shown = ", ".join(np.array2string(np.asarray(a), precision=17) for a in args)
        raise EvaluationError(
            f"f raised {type(error).__name__}: {error} (evaluated at {shown}; "
            f"x = {np.array2string(np.asarray(x), precision=17)})"
        ) from error
