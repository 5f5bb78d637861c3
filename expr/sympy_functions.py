"""SymPy functions for the ops SymPy lacks or prints badly: sigmoid, softplus, relu, cbrt
(the real cube root), rint, mod (numpy's floor modulo), logaddexp, and maximum, minimum and
amax (the max reduction), whose derivatives split ties as the ops table does (SymPy's Max
and Min flatten and drop repeated arguments, and give 1/2 to every entry of a tie).

Each implements `fdiff` (so `sympy.diff` knows it) and prints itself for lambdify: through
its numpy function where one exists (`numpy_name`), else through its elementary rewrite
(also for mpmath and plain Python).

>>> import sympy
>>> x = sympy.Symbol("x")
>>> sympy.diff(sigmoid(x), x)
sigmoid(-x)*sigmoid(x)
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.core.evalf import prec_to_dps


class _Elementary(sympy.Function):
    """A function printed by lambdify as its elementary rewrite (or `numpy_name` in numpy)."""

    numpy_name: str | None = None

    @classmethod
    def elementary(cls, *args: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    @classmethod
    def eval(cls, *args: sympy.Expr) -> Any:
        if args and all(a.is_Float or a.is_Integer for a in args) and any(a.is_Float for a in args):
            prec = max(a._prec for a in args if a.is_Float)
            return cls.elementary(*args).evalf(prec_to_dps(prec))
        return None

    def _eval_rewrite_as_exp(self, *args: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return self.elementary(*args)

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return self.elementary(*self.args)._eval_evalf(prec)

    def _code(self, printer: Any) -> str:
        return f"({printer._print(self.elementary(*self.args))})"  # a unit inside any sum or power

    def _numpycode(self, printer: Any) -> str:
        if self.numpy_name is None:
            return self._code(printer)
        args = ", ".join(printer._print(a) for a in self.args)
        return f"{printer._module_format('numpy.' + self.numpy_name)}({args})"

    _mpmathcode = _pythoncode = _lambdacode = _code


class sigmoid(_Elementary):
    """1 / (1 + exp(-x)); derivative sigmoid(x) sigmoid(-x) (no cancellation as x grows)."""

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return self * sigmoid(-self.args[0])


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


class cbrt(_Elementary):
    """The real cube root sign(x) |x|^(1/3); derivative 1 / (3 cbrt(x)^2)."""

    numpy_name = "cbrt"

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        return sympy.sign(x) * sympy.Abs(x) ** sympy.Rational(1, 3)

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return 1 / (3 * self**2)


class rint(_Elementary):
    """x rounded to the nearest integer, ties to even (numpy.rint); derivative 0."""

    numpy_name = "rint"

    @classmethod
    def elementary(cls, x: sympy.Expr) -> sympy.Expr:
        return sympy.Function("nint")(x)

    @classmethod
    def eval(cls, x: sympy.Expr) -> Any:
        return None

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        import mpmath

        return sympy.Float(mpmath.nint(self.args[0].evalf(prec)), prec_to_dps(prec))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class mod(_Elementary):
    """a - b floor(a / b), the remainder with the sign of b (numpy.mod, Python's %);
    derivative 1 in a and -floor(a / b) in b."""

    numpy_name = "mod"

    @classmethod
    def elementary(cls, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
        return a - b * sympy.floor(a / b)

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        a, b = self.args
        return sympy.S.One if argindex == 1 else -sympy.floor(a / b)


class logaddexp(_Elementary):
    """log(exp(a) + exp(b)), printed as numpy.logaddexp (no overflow); derivatives
    sigmoid(a - b) and sigmoid(b - a)."""

    numpy_name = "logaddexp"

    @classmethod
    def elementary(cls, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
        return sympy.log(sympy.exp(a) + sympy.exp(b))

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        a, b = self.args
        return sigmoid(a - b) if argindex == 1 else sigmoid(b - a)


def tie_weight(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    """d max(a, b) / da: 1 where a > b, 1/2 at a tie, 0 where a < b (the `step` op)."""
    return sympy.Heaviside(a - b, sympy.S.Half)


class _Choice(_Elementary):
    """max(a, b) or min(a, b) kept as written (no flattening, so nested ties split op by op,
    as autodiff and the reference do); derivative `tie_weight` (1/2 each at a tie)."""

    nargs = 2
    pick: Any = None

    @classmethod
    def elementary(cls, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
        return cls.pick(a, b)

    @classmethod
    def eval(cls, a: sympy.Expr, b: sympy.Expr) -> Any:
        return cls.pick(a, b) if a.is_number and b.is_number else None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        a, b = self.args if (argindex == 1) == (self.pick is sympy.Max) else self.args[::-1]
        return tie_weight(a, b)


class maximum(_Choice):
    """max(a, b); derivative 1/2 to each side at a tie (numpy.maximum)."""

    numpy_name = "maximum"
    pick = sympy.Max


class minimum(_Choice):
    """min(a, b); derivative 1/2 to each side at a tie (numpy.minimum)."""

    numpy_name = "minimum"
    pick = sympy.Min


class amax(_Elementary):
    """The max reduction of its arguments; d/dx_i = [x_i = max] / #{j: x_j = max}, so a
    k-way tie gives 1/k to each tied entry. O(k) per partial, O(k^2) for all k."""

    @classmethod
    def elementary(cls, *args: sympy.Expr) -> sympy.Expr:
        return sympy.Max(*args)

    @classmethod
    def eval(cls, *args: sympy.Expr) -> Any:
        if len(args) == 1:
            return args[0]
        return sympy.Max(*args) if all(a.is_number for a in args) else None

    def _numpycode(self, printer: Any) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        arrays = f"{printer._module_format('numpy.broadcast_arrays')}({args})"
        return f"{printer._module_format('numpy.maximum')}.reduce({arrays})"

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        tied = [sympy.Heaviside(x - self, 1) for x in self.args]  # 1 where x = max, else 0
        return tied[argindex - 1] / sympy.Add(*tied)


def user_function(name: str, counterpart: Any, arity: int) -> type:
    """A SymPy function class named `name` for a user's op (`expr.define_op`): it prints and
    evaluates as `counterpart` (a callable of SymPy expressions) and differentiates it
    (`fdiff`), so symbolic results keep the op's name and `from_sympy` maps it back."""

    def elementary(cls: type, *args: sympy.Expr) -> sympy.Expr:
        return counterpart(*args)

    def fdiff(self: Any, argindex: int = 1) -> sympy.Expr:
        symbols = sympy.symbols(f"_u0:{arity}", real=True)
        d = sympy.diff(counterpart(*symbols), symbols[argindex - 1])
        return d.xreplace(dict(zip(symbols, self.args)))

    namespace = {
        "elementary": classmethod(elementary),
        "fdiff": fdiff,
        "nargs": arity,
        "counterpart": staticmethod(counterpart),
        "__doc__": f"The user op {name} (expr.define_op).",
    }
    return type(name, (_Elementary,), namespace)
