"""The exception types of `compare`."""

from __future__ import annotations

from expr import ExprError


class CompareError(ExprError):
    """Bad input to an experiment, a figure or the command (named with what is accepted)."""


class BackendMissing(CompareError):
    """An experiment needs a backend function that is not available (yet): it is skipped,
    never faked."""
