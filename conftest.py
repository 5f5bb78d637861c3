"""Test isolation for the one module-level registry, the ops table.

`expr.define_op` adds to `expr.ops.OPS` for the life of the process (that is its job). A
test or doctest that defines an op must not leak it into the next module: doctest clears
an example's globals afterwards, so a leaked op whose SymPy counterpart names `sympy`
would break every later `from_sympy`. Each test module therefore starts and ends with the
table as it was.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _restore_ops_table():
    import importlib

    ops, reference, sympy_bridge = (
        importlib.import_module(f"expr.{name}") for name in ("ops", "reference", "sympy_bridge")
    )

    saved = (dict(ops.OPS), dict(ops.ALIASES), dict(ops.UFUNC_OPS))
    yield
    for table, before in zip((ops.OPS, ops.ALIASES, ops.UFUNC_OPS), saved):
        table.clear()
        table.update(before)
    sympy_bridge._heads.cache_clear()
    reference._local.cache_clear()
