"""The exception types of the front end; every backend derives its own from `ExprError`."""

from __future__ import annotations


class ExprError(Exception):
    """Base class of every error raised by diffcompare on bad input."""


class ParseError(ExprError):
    """A string could not be read as an expression (syntax error, empty string)."""


class UnknownNameError(ExprError):
    """A string or SymPy expression names a function or symbol that is not supported."""


class ShapeError(ExprError):
    """Operand shapes do not fit an op (named with both shapes)."""


class TracerBoolError(ExprError):
    """A traced value was used where Python needs a concrete bool, int or float."""


class InputError(ExprError):
    """Wrong number, name, dtype or value of the inputs given to a function."""


class DomainError(ExprError):
    """A value left an op's real domain (log of a negative number, ...)."""


class TraceError(ExprError):
    """The Python function being traced raised, or mixed values from two traces."""
