"""SymPy functions for the ops SymPy lacks: sigmoid, softplus, relu.

Each implements `fdiff` (so `sympy.diff` knows it) and prints itself for lambdify in numpy,
mpmath and plain Python via its elementary rewrite.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> sympy.diff(sigmoid(x), x)
(1 - sigmoid(x))*sigmoid(x)
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.core.evalf import prec_to_dps


class _Elementary(sympy.Function):
    """A function printed by lambdify as its elementary rewrite."""

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    @classmethod
    def eval(cls, x: sympy.Expr) -> Any:
        if x.is_Float:
            return cls.elementary(x).evalf(prec_to_dps(x._prec))
        return None

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return self.elementary(x)

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return self.elementary(self.args[0])._eval_evalf(prec)

    def _code(self, printer: Any) -> str:
        return printer._print(self.elementary(self.args[0]))

    _numpycode = _mpmathcode = _pythoncode = _lambdacode = _code


class sigmoid(_Elementary):
    """1 / (1 + exp(-x)); derivative sigmoid(x) (1 - sigmoid(x))."""

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return self * (1 - self)


class softplus(_Elementary):
    """log(1 + exp(x)); derivative sigmoid(x)."""

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        return sympy.log(1 + sympy.exp(x))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0])


class relu(_Elementary):
    """max(x, 0); derivative 1 for x > 0 and 0 otherwise (0 at the kink, as PyTorch/JAX)."""

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        return sympy.Piecewise((x, x > 0), (0, True))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Piecewise((1, self.args[0] > 0), (0, True))
