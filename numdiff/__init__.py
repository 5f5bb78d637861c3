"""numdiff: finite differences, complex step, Richardson extrapolation, an adaptive method
with an honest error estimate, and error sweeps over the step size.

Works on black-box numpy callables as well as `expr.Function`s, formula strings and SymPy
expressions. Formulas live in one table (`numdiff.stencils.STENCILS`, keyed by
(method, order)), step choice in `numdiff.steps`, extrapolation in `numdiff.richardson`.

>>> import numpy as np
>>> import numdiff
>>> round(float(numdiff.derivative("sin(x)", 0.0)), 9)
1.0
>>> r = numdiff.derivative("exp(100*x)", 0.05, method="auto", full_output=True)
>>> bool(abs(r.value - 100 * np.exp(5.0)) <= r.error), r.nfev <= 15
(True, True)
"""

from .api import METHODS, Result, check_grad, derivative, gradient, hessian, jacobian
from .errors import (
    ComplexStepError,
    EvaluationError,
    MethodError,
    NonFiniteError,
    NumdiffError,
    NumdiffShapeError,
    StepError,
)
from .stencils import STENCILS
from .steps import default_step, machine_epsilon, optimal_step
from .sweeps import SWEEP_METHODS, summaries, sweep

__all__ = [
    "METHODS",
    "STENCILS",
    "SWEEP_METHODS",
    "ComplexStepError",
    "EvaluationError",
    "MethodError",
    "NonFiniteError",
    "NumdiffError",
    "NumdiffShapeError",
    "Result",
    "StepError",
    "check_grad",
    "default_step",
    "derivative",
    "gradient",
    "hessian",
    "jacobian",
    "machine_epsilon",
    "optimal_step",
    "summaries",
    "sweep",
]
