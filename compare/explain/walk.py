"""The data of one explained sweep: layout, tables and the steps of each walk.

A walk is a list of steps; each step names what to highlight (a node and its edges) and which
page elements to fill with which text, so the page's script and the animation replay the
same list. Reverse mode: the forward sweep (one step per node, inputs first), then the
backward sweep (one step per node, output first). Forward mode: one dual-number sweep per
input seed (value and tangent of each node together).

>>> data = walk(expr.parse("x1*x2 + sin(x1)"), (2.0, 3.0))
>>> len(data["reverse"]), [g["reference"][:12] for g in data["gradient"]]
(10, ['2.5838531634', '2.0'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import expr
from expr.view import positions

from ..backends import backward_table, partial_text
from ..errors import CompareError

#: A step-through is for formulas that fit on a slide.
MAX_OPS = 40


def fmt(value: Any) -> str:
    """A node value for the graph and tables: 6 significant digits.

    >>> fmt(6.909297426825682), fmt(2.0)
    ('6.9093', '2')
    """
    return f"{float(value):.6g}"


def _dot(label: str) -> str:
    return f"{label[0]}\u0307{label[1:]}"  # v̇1: a dot over the v


def check(f: expr.Function) -> None:
    """A `CompareError` unless f has scalar inputs, one scalar output and few ops."""
    if any(shape != () for shape in f.input_shapes) or f.output_shapes != ((),):
        raise CompareError(
            f"explain needs scalar inputs and one scalar output; {f.name} has inputs of shapes "
            f"{f.input_shapes} and outputs {f.output_shapes}"
        )
    if f.size() > MAX_OPS:
        raise CompareError(
            f"explain shows at most {MAX_OPS} operations (one step each); this formula has "
            f"{f.size()}"
        )


def _graph(f: expr.Function, values: list) -> tuple[list, list]:
    labels = f.labels()
    table = {row["node"]: row for row in f.table(*[values[n] for n in f.inputs])}
    nodes = []
    for node, (col, row) in positions(f).items():
        op = f.op(node)
        if op == "const":
            head = labels[node]
        elif op == "input":
            head = f"{labels[node]} = {f.graph.nodes[node]['name']}"
        else:
            head = f"{labels[node]} = {table[node]['expression']}"
        kind = "output" if node in f.outputs else op if op in ("input", "const") else "op"
        nodes.append({"id": node, "head": head, "kind": kind, "col": col, "row": row})
    edges = [{"u": u, "v": v} for u, v in f.graph.edges]
    return nodes, edges


def _edges_in(f: expr.Function, node: int) -> list[str]:
    return [f"edge-{u}-{node}" for u in f.graph.predecessors(node)]


def _edges_out(f: expr.Function, node: int) -> list[str]:
    return [f"edge-{node}-{v}" for v in f.graph.successors(node)]


def reverse_walk(f: expr.Function, point: Sequence[float]) -> tuple[list, list, list]:
    """(forward table, backward table, steps) of reverse mode."""
    forward = [
        {
            "node": r["node"],
            "label": r["label"],
            "definition": r["expression"],
            "value": fmt(r["value"]),
        }
        for r in f.table(*point)
    ]
    backward = [
        {
            "node": r["node"],
            "label": r["label"],
            "rule": r["expression"],
            "adjoint": fmt(r["adjoint"]),
        }
        for r in backward_table(f, point)
    ]
    phases = (
        ("forward", forward, "definition", "value", "fwd", "val", "= ", _edges_in),
        ("backward", backward, "rule", "adjoint", "bwd", "adj", "adj = ", _edges_out),
    )
    steps = []
    for phase, rows, rule, key, cell, text, tag, edges in phases:
        for k, row in enumerate(rows):
            node = row["node"]
            steps.append(
                {
                    "caption": f"{phase} sweep: {row['label']} = {row[rule]} = {row[key]}",
                    "highlight": [f"node-{node}", *edges(f, node)],
                    "fill": [[f"{cell}-{k}", row[key]], [f"{text}-{node}", f"{tag}{row[key]}"]],
                }
            )
    return forward, backward, steps


def _tangent_rule(f: expr.Function, node: int, labels: dict, seed: int) -> str:
    if f.op(node) == "input":
        return "1 (seed)" if node == f.inputs[seed] else "0"
    terms = []
    for i, arg in enumerate(f.args(node)):
        if f.op(arg) == "const":
            continue
        arg_labels = [labels[a] for a in f.args(node)]
        partial = partial_text(f.op(node), labels[node], arg_labels, i)
        if partial == "∂":
            partial = f"∂{labels[node]}/∂{labels[arg]}"
        terms.append(_dot(labels[arg]) if partial == "1" else f"{partial}·{_dot(labels[arg])}")
    return " + ".join(terms) or "0"


def dual_walks(f: expr.Function, point: Sequence[float]) -> list[dict]:
    """Forward mode: per input seed, one step per node filling value and tangent."""
    import autodiff

    labels = f.labels()
    inputs = [np.asarray(x, dtype=float) for x in point]
    table = f.table(*point)
    walks = []
    for seed, name in enumerate(f.input_names):
        tangents = [np.asarray(1.0 if i == seed else 0.0) for i in range(len(inputs))]
        _values, dots = autodiff.jvp_sweep(f, inputs, tangents)
        rows, steps = [], []
        for k, row in enumerate(table):
            node = row["node"]
            tangent = fmt(0.0 if dots[node] is None else dots[node])
            rule = _tangent_rule(f, node, labels, seed)
            rows.append(
                {"node": node, "label": _dot(row["label"]), "rule": rule, "tangent": tangent}
            )
            steps.append(
                {
                    "caption": f"({row['label']}, {_dot(row['label'])}) = ({fmt(row['value'])}, "
                    f"{tangent}): {_dot(row['label'])} = {rule}",
                    "highlight": [f"node-{node}", *_edges_in(f, node)],
                    "fill": [
                        [f"v-{k}", fmt(row["value"])],
                        [f"r-{k}", rule],
                        [f"t-{k}", tangent],
                        [f"val-{node}", f"= {fmt(row['value'])}"],
                        [f"dot-{node}", f"{_dot('v')} = {tangent}"],
                    ],
                }
            )
        out = f.outputs[0]
        derivative = 0.0 if dots[out] is None else float(dots[out])
        steps[-1]["fill"].append(["deriv", f"{derivative:.17g}"])
        walks.append({"seed": name, "rows": rows, "steps": steps, "derivative": derivative})
    return walks


def walk(f: expr.Function, point: Sequence[float]) -> dict[str, Any]:
    """Everything the page and the animation show, as plain JSON-ready data."""
    import mpmath

    import autodiff

    check(f)
    point = tuple(float(x) for x in point)
    values = f.evaluate(*point)
    nodes, edges = _graph(f, values)
    forward, backward, steps = reverse_walk(f, point)
    grads = autodiff.grad(f, argnums=tuple(range(f.n_inputs)))(*point)
    reference = expr.reference(f, point, exact=True)
    reference = reference if isinstance(reference, tuple) else (reference,)
    gradient = []
    for i, name in enumerate(f.input_names):
        exact = np.asarray(reference[i], dtype=object)[()]
        ours = float(grads[i])
        gradient.append(
            {
                "name": name,
                "reverse": f"{ours:.17g}",
                "reference": mpmath.nstr(exact, 50),
                "difference": f"{abs(ours - float(exact)):.1e}",
            }
        )
        steps[-1]["fill"].append([f"grad-{i}", f"{ours:.17g}"])
    return {
        "name": f.name,
        "inputs": list(f.input_names),
        "point": [f"{x:g}" for x in point],
        "value": f"{float(values[f.outputs[0]]):.17g}",
        "nodes": nodes,
        "edges": edges,
        "forward_table": forward,
        "backward_table": backward,
        "reverse": steps,
        "dual": dual_walks(f, point),
        "gradient": gradient,
    }
