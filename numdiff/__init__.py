"""numdiff: finite differences of any order n = 1..6 (stencils derived exactly by Fornberg's
algorithm), complex step, Richardson extrapolation, an adaptive method with an honest error
estimate, Hessians and their diagonal, and error sweeps over the step size.

Works on black-box numpy callables as well as `expr.Function`s, formula strings and SymPy
expressions. Methods are rows of one table (`numdiff.methods.METHODS`); formulas are
derived in `numdiff.stencils` (`STENCILS`, keyed by (method, n, accuracy)), step choice in
`numdiff.steps`, the scale probe in `numdiff.probe`, the adaptive method in
`numdiff.adaptive`, the batching of evaluations along lines in `numdiff.lines`, second
derivatives in `numdiff.hessians`, the V-curves in `numdiff.sweeps`.

>>> import numpy as np
>>> import numdiff
>>> round(float(numdiff.derivative("sin(x)", 0.0)), 9)
1.0
>>> r = numdiff.derivative("exp(100*x)", 0.05, method="auto", full_output=True)
>>> bool(abs(r.value - 100 * np.exp(5.0)) <= r.error), r.nfev <= 15
(True, True)
"""

from .api import Result, check_grad, derivative, gradient, jacobian
from .errors import (
    ComplexStepError,
    ConvergenceError,
    EvaluationError,
    MethodError,
    NonFiniteError,
    NumdiffError,
    NumdiffShapeError,
    StepError,
)
from .hessians import hessdiag, hessian
from .methods import METHODS
from .stencils import STENCILS, fornberg, stencil
from .steps import default_step, machine_epsilon, optimal_step
from .sweeps import SWEEP_METHODS, summaries, sweep

__all__ = [
    "METHODS",
    "STENCILS",
    "SWEEP_METHODS",
    "ComplexStepError",
    "ConvergenceError",
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
    "fornberg",
    "gradient",
    "hessdiag",
    "hessian",
    "jacobian",
    "machine_epsilon",
    "optimal_step",
    "stencil",
    "summaries",
    "sweep",
]
