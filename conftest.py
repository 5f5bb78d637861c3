"""Test isolation for the one module-level registry, the ops table.

`expr.define_op` adds to `expr.ops.OPS` for the life of the process (that is its job). A
test or doctest that defines an op must not leak it into the next module: doctest clears
an example's globals afterwards, so a leaked op whose SymPy counterpart names `sympy`
would break every later use of the table. Each test module therefore starts and ends with
the table (and the rules derived from it) as it was.
"""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture(autouse=True, scope="module")
def _restore_ops_table():
    ops = importlib.import_module("expr.ops")
    rules = importlib.import_module("autodiff.rules").RULES
    saved, saved_rules = ops.registry_state(), dict(rules._rules)
    yield
    ops.restore_registry(saved)
    rules._rules.clear()
    rules._rules.update(saved_rules)
    importlib.import_module("expr.reference")._local.cache_clear()
