"""The exception type of `compare`, and the checks of list-of-names arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from expr import ExprError


class CompareError(ExprError):
    """Bad input to an experiment, a figure or the command (named with what is accepted)."""


def check_names(names: Any, what: str, choices: Sequence[str]) -> list[str]:
    """`names` as a list, each one of `choices`; a string (not a list), an empty or a
    non-sequence value, or an unknown name is a CompareError naming `what`.

    >>> check_names(["png"], "formats", ["png", "pdf"])
    ['png']
    """
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise CompareError(
            f"{what} must be a non-empty list of names (e.g. [{choices[0]!r}]), got {names!r}"
        )
    for name in names:
        if not isinstance(name, str) or name not in choices:
            raise CompareError(
                f"unknown {what.rstrip('s')} {name!r}; choose from {', '.join(choices)}"
            )
    return list(names)
