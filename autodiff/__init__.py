"""autodiff: forward and reverse automatic differentiation over the `expr` graph.

JAX-style transformations (`grad`, `value_and_grad`, `jvp`, `vjp`, `jacfwd`, `jacrev`,
`hessian`, `hvp`) accepting an `expr.Function`, a formula string, a SymPy expression or a
Python function written with expr ops. Derivative rules (one table, `autodiff.rules.RULES`)
are written with expr ops, so gradients are graphs too and differentiate again.

>>> import autodiff
>>> [round(float(g), 6) for g in autodiff.grad("x1*x2 + sin(x1)", argnums=(0, 1))(2.0, 3.0)]
[2.583853, 2.0]
"""

import importlib.util

from . import nn, rules
from .api import (
    grad,
    grad_graph,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from .errors import (
    ArgnumsError,
    AutodiffError,
    CheckpointUnavailableError,
    InputShapeError,
    JitError,
    MissingRuleError,
    NaNError,
    NonScalarOutputError,
)
from .forward import Dual, jvp_sweep
from .introspect import adjoints, backward_table, op_counts
from .jit import jit
from .reverse import Plan, SweepStats, backward_sweep, forward_sweep
from .rules import RULES

__all__ = [
    "RULES",
    "ArgnumsError",
    "AutodiffError",
    "CheckpointUnavailableError",
    "Dual",
    "InputShapeError",
    "JitError",
    "MissingRuleError",
    "NaNError",
    "NonScalarOutputError",
    "Plan",
    "SweepStats",
    "adjoints",
    "backward_sweep",
    "backward_table",
    "forward_sweep",
    "grad",
    "grad_graph",
    "hessian",
    "hvp",
    "jacfwd",
    "jacrev",
    "jit",
    "jvp",
    "jvp_sweep",
    "nn",
    "op_counts",
    "rules",
    "value_and_grad",
    "vjp",
]

# Checkpointing (issue 4) lives in its own modules; exported here when present.
if importlib.util.find_spec("autodiff.checkpoint") is not None:
    from .checkpoint import *  # noqa: F403
