"""Looking inside the modes: adjoints of every node, the backward table of a worked example,
its forward table in Dual numbers, and op counts of value+gradient and of the
Hessian-vector product.

>>> rows = backward_table("x1*x2 + sin(x1)", 2.0, 3.0)
>>> [(r["label"], round(float(r["adjoint"]), 4)) for r in rows][:3]
[('v3', 1.0), ('v2', 1.0), ('v1', 1.0)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import expr

from .api import bind_inputs, normalize_argnums, require_scalar
from .dual import Dual
from .errors import AutodiffError
from .forward import jvp_sweep
from .reverse import Plan, backward_sweep, forward_sweep, gradient_function, seed_like
from .rules import instantiate_zeros


def adjoints(f: Any, *args: Any) -> dict[int, Any]:
    """Adjoint d f / d v of every node v (inputs, constants, ops) of a scalar f, by one
    reverse sweep over all inputs; a dict by node, ready for `Function.draw(adjoints=...)`.
    Nodes the output does not depend on get 0. O(cost of f).

    >>> f = expr.parse("x*y")
    >>> {n: float(a) for n, a in adjoints(f, 2.0, 3.0).items()}
    {0: 3.0, 1: 2.0, 2: 1.0}
    """
    function = expr.as_function(f, *args)
    require_scalar(function, "adjoints")
    inputs = bind_inputs(function, args)
    plan = Plan(function, tuple(range(function.n_inputs)))
    values = forward_sweep(plan, inputs)
    out = function.outputs[0]
    adj = backward_sweep(plan, values, seeds={out: seed_like(values[out])})
    return {node: instantiate_zeros(adj[node], plan.shapes[node]) for node in function.order}


def backward_table(f: Any, *args: Any) -> list[dict[str, Any]]:
    """The backward (adjoint) table of a worked example: rows (node, label, op, value,
    adjoint) in the order the backward sweep visits them (output first, inputs last).
    Labels are Griewank's (`Function.labels()`: v_{1-n}..v_0 inputs, v_1.. ops).
    """
    function = expr.as_function(f, *args)
    adj = adjoints(function, *args)
    values = function.evaluate(*args)
    labels = function.labels()
    order = [node for node, *_ in reversed(function.program)] + list(reversed(function.inputs))
    return [
        {
            "node": node,
            "label": labels[node],
            "op": function.op(node),
            "value": values[node],
            "adjoint": adj[node],
        }
        for node in order
    ]


def dual_table(f: Any, *args: Any, seed: int = 0) -> list[dict[str, Any]]:
    """The forward-mode table of a worked example computed with `Dual` numbers: rows (node,
    label, op, value, tangent) in evaluation order, inputs first, with input `seed`'s
    tangent 1 and the others 0, so each tangent is d v / d x_seed. O(cost of f).

    >>> rows = dual_table("x1*x2 + sin(x1)", 2.0, 3.0)
    >>> [(r["label"], round(float(r["tangent"]), 4)) for r in rows][2:]
    [('v1', 3.0), ('v2', -0.4161), ('v3', 2.5839)]
    """
    function = expr.as_function(f, *args)
    inputs = bind_inputs(function, args)
    if not isinstance(seed, int) or not 0 <= seed < function.n_inputs:
        raise AutodiffError(
            f"dual_table: seed must be an input position 0..{function.n_inputs - 1}, got {seed!r}"
        )
    duals = [Dual(x, 1.0 if i == seed else 0.0) for i, x in enumerate(inputs)]
    values = function.run(function.start_values(duals), function.record_step)
    labels = function.labels()
    rows = []
    for node in (*function.inputs, *(n for n, *_ in function.program)):
        value = values[node]
        dual = value if isinstance(value, Dual) else Dual(value, 0.0)
        rows.append(
            {
                "node": node,
                "label": labels[node],
                "op": function.op(node),
                "value": dual.primal,
                "tangent": dual.tangent,
            }
        )
    return rows


def op_counts(f: Any, *args: Any, argnums: Any = 0) -> dict[str, Any]:
    """Counted ops (op nodes of recorded graphs) of f, of value+gradient (the reverse sweep
    recorded on tracers: forward and backward together), and of an HVP (one JVP of that
    gradient graph, recorded too); with the ratios to f. The cheap-gradient principle
    says value_and_grad / f <= 4 or so.

    >>> counts = op_counts("x1*x2 + sin(x1)", 2.0, 3.0, argnums=(0, 1))
    >>> counts["f"], counts["value_and_grad"] <= 4 * counts["f"]
    (3, True)
    """
    function = expr.as_function(f, *args)
    positions, _ = normalize_argnums(argnums, function.n_inputs)
    both = gradient_function(function, positions, with_value=True)
    gradient = gradient_function(function, positions)

    def hvp_fn(*xs: Any) -> tuple:
        primals, directions = xs[: function.n_inputs], xs[function.n_inputs :]
        dots = [None] * function.n_inputs
        for p, d in zip(positions, directions):
            dots[p] = d
        _, out_dots = jvp_sweep(gradient, list(primals), dots)
        return tuple(instantiate_zeros(out_dots[n], gradient.shape(n)) for n in gradient.outputs)

    examples = [np.zeros(s) for s in function.input_shapes]
    directions = [np.zeros(function.input_shapes[p]) for p in positions]
    names = [*function.input_names, *(f"v_{function.input_names[p]}" for p in positions)]
    hvp_graph = expr.trace(hvp_fn, *examples, *directions, names=names)
    size = max(function.size(), 1)
    return {
        "f": function.size(),
        "value_and_grad": both.size(),
        "gradient": gradient.size(),
        "hvp": hvp_graph.size(),
        "ratio_value_and_grad": both.size() / size,
        "ratio_hvp": hvp_graph.size() / size,
    }
