"""Checks of arguments at the public boundary, shared by every package.

Each check returns the normalised value or raises the caller's error type (a subclass of
`ExprError`) with a message naming the argument, what it got and what is accepted. A bool
is not an int here (`True` is not a depth), and a float is not a size even when integral.

>>> integer(3, "depth")
3
>>> integer(True, "depth")
Traceback (most recent call last):
...
expr.errors.InputError: depth must be an int >= 1, got True (bool)
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from .errors import ExprError, InputError


def shown(value: Any, limit: int = 60) -> str:
    """`repr(value)` cut to `limit` characters, for an error message.

    >>> shown("x" * 100)[-5:]
    'xx...'
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _got(value: Any) -> str:
    return f"{shown(value)} ({type(value).__name__})"


def integer(
    value: Any,
    name: str,
    minimum: int = 1,
    maximum: int | None = None,
    error: type[ExprError] = InputError,
    hint: str = "",
) -> int:
    """`value` as a Python int in [minimum, maximum]; numpy integers are accepted, bools,
    floats and strings are not. Over `maximum` the message names the limit and `hint`
    (the way round it). O(1).

    >>> integer(10**9, "depth", maximum=10**5, hint="use a smaller depth")
    Traceback (most recent call last):
    ...
    expr.errors.InputError: depth = 1000000000 is over the limit 100000; use a smaller depth
    """
    accepted = f"an int >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise error(f"{name} must be {accepted}, got {_got(value)}")
    value = int(value)
    if value < minimum:
        raise error(f"{name} must be {accepted}, got {value}")
    if maximum is not None and value > maximum:
        raise error(f"{name} = {value} is over the limit {maximum}" + (f"; {hint}" if hint else ""))
    return value


def real(
    value: Any,
    name: str,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    error: type[ExprError] = InputError,
    open_minimum: bool = False,
    open_maximum: bool = False,
) -> float:
    """`value` as a finite Python float in [minimum, maximum] (an end excluded when
    `open_minimum` / `open_maximum`); bools, strings, complex numbers, NaN and inf are
    refused. O(1).

    >>> real(0.1, "noise", minimum=0.0)
    0.1
    """
    interval = f"{'(' if open_minimum else '['}{minimum}, {maximum}{')' if open_maximum else ']'}"
    accepted = f"a finite real number in {interval}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.floating)):
        raise error(f"{name} must be {accepted}, got {_got(value)}")
    number = float(value)
    excluded = (open_minimum and number == minimum) or (open_maximum and number == maximum)
    if not math.isfinite(number) or number < minimum or number > maximum or excluded:
        raise error(f"{name} must be {accepted}, got {number}")
    return number


def seed(value: Any, name: str = "seed", error: type[ExprError] = InputError) -> int:
    """A random seed: an int >= 0 (what `numpy.random.default_rng` accepts). O(1)."""
    return integer(value, name, minimum=0, error=error)


def choice(value: Any, name: str, options: Any, error: type[ExprError] = InputError) -> str:
    """`value` if it is one of the string `options`, else an error listing them. O(options)."""
    if not isinstance(value, str) or value not in options:
        raise error(f"{name} must be one of {', '.join(map(repr, options))}, got {_got(value)}")
    return value


def sequence(value: Any, name: str, error: type[ExprError] = InputError) -> list:
    """`value` as a list when it is a list, tuple or 1-d array; a string (which would be
    iterated character by character), a mapping, None or a scalar are refused. O(len)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return list(value)
    if not isinstance(value, (list, tuple, range)):
        raise error(f"{name} must be a list or tuple, got {_got(value)}")
    return list(value)
