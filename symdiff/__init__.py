"""symdiff: symbolic differentiation with SymPy, two ways, and expression swell measured
under budgets.

- `derivative`, `gradient`, `jacobian`, `hessian` (method "sympy": SymPy's `diff` of the
  inlined expression; "graph": node by node over the shared `expr` graph, sharing kept);
  `derivative_program` (the "graph" derivative as assignments); `lambdify` (float64 numpy).
- `swell` (one record), `swell_curve` (tidy records over a family), with time and size
  budgets enforced in a forked worker: a blow-up is recorded, never a hang.
- Sizes on the shared DAG: `tree_size`, `dag_size`, `tree_ops`, `count_ops`, `cse_size`.

>>> import symdiff
>>> symdiff.derivative("x*y + sin(x)", "x", method="graph")
y + cos(x)
"""

from .budget import call_with_budget, can_fork, run_job
from .differentiate import (
    METHODS,
    derivative,
    derivative_program,
    gradient,
    hessian,
    jacobian,
    variables,
)
from .errors import BudgetExceeded, SymdiffError
from .numeric import lambdify, to_program
from .program import Program
from .size import count_ops, cse_size, dag_size, tree_ops, tree_size
from .swell import DEFAULT_MODES, FAMILIES, FIELDS, MODES, swell, swell_curve

__all__ = [
    "DEFAULT_MODES",
    "FAMILIES",
    "FIELDS",
    "METHODS",
    "MODES",
    "BudgetExceeded",
    "Program",
    "SymdiffError",
    "call_with_budget",
    "can_fork",
    "count_ops",
    "cse_size",
    "dag_size",
    "derivative",
    "derivative_program",
    "gradient",
    "hessian",
    "jacobian",
    "lambdify",
    "run_job",
    "swell",
    "swell_curve",
    "to_program",
    "tree_ops",
    "tree_size",
    "variables",
]
