"""The exception types of `autodiff`; all derive from `expr.ExprError`."""

from __future__ import annotations

import expr


class AutodiffError(expr.ExprError):
    """Base class of every error `autodiff` raises on bad input."""


class MissingRuleError(AutodiffError):
    """An op of the graph has no derivative rule in `autodiff.rules.RULES`."""


class NonScalarOutputError(AutodiffError):
    """`grad`/`value_and_grad`/`hessian` need a function with one scalar output."""


class ArgnumsError(AutodiffError):
    """`argnums` is not an int or tuple of ints in range for the function's inputs."""


class NaNError(AutodiffError):
    """A NaN appeared in the backward sweep (the message names the node and its op)."""


class InputShapeError(AutodiffError):
    """An argument's shape differs from the shape the Function was built for."""


class JitError(AutodiffError):
    """`autodiff.jit` got an argument it cannot trace or key its cache on."""
