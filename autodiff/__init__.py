"""autodiff: forward and reverse automatic differentiation over the `expr` graph.

JAX-style transformations (`grad`, `value_and_grad`, `jvp`, `vjp`, `linearize`, `jacfwd`,
`jacrev`, `hessian`, `hvp`; pytrees, has_aux, nesting; `custom_vjp`, `custom_jvp`,
`stop_gradient`) accepting an `expr.Function`, a formula string, a SymPy expression or a
Python function written with expr ops. Derivative rules (one table, `autodiff.rules.RULES`)
are written with expr ops, so gradients are graphs too and differentiate again.

>>> import autodiff
>>> [round(float(g), 6) for g in autodiff.grad("x1*x2 + sin(x1)", argnums=(0, 1))(2.0, 3.0)]
[2.583853, 2.0]
"""

import importlib
import importlib.util
from typing import TYPE_CHECKING

from . import nn, rules
from .api import (
    grad,
    grad_graph,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    value_and_grad,
    vjp,
)
from .checkpoint import *  # noqa: F403  (checkpointing: autodiff.checkpoint's public names)
from .checkpoint import __all__ as _CHECKPOINT
from .custom import CustomRuleError, custom_jvp, custom_vjp, stop_gradient
from .dual import Dual
from .errors import (
    ArgnumsError,
    AutodiffError,
    InputShapeError,
    JitError,
    MissingRuleError,
    NaNError,
    NonScalarOutputError,
)
from .forward import jvp_sweep
from .introspect import adjoints, backward_table, dual_table, op_counts
from .jit import jit
from .pytree import tree_map
from .reverse import Plan, backward_sweep, forward_sweep
from .rules import RULES
from .stats import Ledger, Stats, SweepStats

__all__ = [
    "RULES",
    "ArgnumsError",
    "AutodiffError",
    "CustomRuleError",
    "Dual",
    "InputShapeError",
    "JitError",
    "Ledger",
    "MissingRuleError",
    "NaNError",
    "NonScalarOutputError",
    "Plan",
    "SparseStats",
    "Stats",
    "SweepStats",
    "adjoints",
    "backward_sweep",
    "backward_table",
    "custom_jvp",
    "custom_vjp",
    "dual_table",
    "forward_sweep",
    "grad",
    "grad_graph",
    "hessian",
    "hessian_sparsity",
    "hvp",
    "jacfwd",
    "jacobian_sparsity",
    "jacrev",
    "jit",
    "jvp",
    "jvp_sweep",
    "linearize",
    "nn",
    "op_counts",
    "rules",
    "sparse_hessian",
    "sparse_jacobian",
    "stop_gradient",
    "tree_map",
    "value_and_grad",
    "vjp",
    *_CHECKPOINT,
]

if TYPE_CHECKING:
    from .sparse import (
        SparseStats,
        hessian_sparsity,
        jacobian_sparsity,
        sparse_hessian,
        sparse_jacobian,
    )

#: Sparse Jacobians need networkx (colouring) and scipy.sparse: loaded on first use (PEP 562).
_SPARSE = (
    "SparseStats",
    "hessian_sparsity",
    "jacobian_sparsity",
    "sparse_hessian",
    "sparse_jacobian",
)


def __getattr__(name: str):
    if name in _SPARSE:
        value = getattr(importlib.import_module(".sparse", __name__), name)
        globals()[name] = value
        return value
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")  # a submodule
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
