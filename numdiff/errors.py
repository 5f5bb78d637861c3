"""The exception types of `numdiff`, all derived from `expr.ExprError`.

>>> issubclass(StepError, NumdiffError)
True
"""

from __future__ import annotations

from expr import ExprError, ShapeError


class NumdiffError(ExprError):
    """Base class of every error `numdiff` raises on bad input."""


class EvaluationError(NumdiffError):
    """The function raised an exception at a point the method needs (the cause is chained)."""


class NonFiniteError(NumdiffError):
    """The function returned inf or nan at a point the method needs (or at x itself)."""


class StepError(NumdiffError):
    """A step that is not a positive finite number (or a bad step sequence)."""


class ComplexStepError(NumdiffError):
    """The complex step cannot be used: the function drops or mishandles the imaginary part."""


class NumdiffShapeError(NumdiffError, ShapeError):
    """Shapes of inputs, outputs or a supplied gradient do not fit."""


class MethodError(NumdiffError):
    """An unknown method name, or an order the method does not offer."""


class ConvergenceError(NumdiffError):
    """method="auto" could not settle the derivative (its table did not converge): the value
    is not trustworthy. `full_output=True` returns it with converged=False and its bound."""
