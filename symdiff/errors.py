"""The exception types of symdiff (both derive from `expr.ExprError`)."""

from __future__ import annotations

from expr import ExprError


class SymdiffError(ExprError):
    """Bad input to symdiff: unknown variable or method, a function it cannot handle."""


class BudgetExceeded(SymdiffError):
    """A symbolic step ran over its time or size budget (raised in strict mode only).

    `step` names the step ("diff", "expand", "cse", ...), `record` holds what was measured
    before the step was stopped.
    """

    def __init__(self, message: str, step: str = "", record: dict | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.record = dict(record or {})
