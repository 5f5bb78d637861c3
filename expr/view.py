"""Looking at a graph: Griewank labels, the forward table, Graphviz dot, a matplotlib drawing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import ExprError

_SYMBOL = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "neg": "−", "matmul": "@"}


def labels(f: Any) -> dict[int, str]:
    """v_{1-n}..v_0 for the n inputs, v_1.. for the ops, constants by value."""
    out: dict[int, str] = {}
    n = len(f.inputs)
    for i, node in enumerate(f.inputs):
        out[node] = f"v{i + 1 - n}"
    k = 0
    for node in f.order:
        op = f.op(node)
        if op == "const":
            out[node] = _format(f.graph.nodes[node]["value"])
        elif op != "input":
            k += 1
            out[node] = f"v{k}"
    return out


def math_label(text: str) -> str:
    """Griewank's labels with mathtext subscripts, as his tables print them (v-1 would
    read as "v minus 1"): v-1 -> v₋₁, and the adjoint v̄3 -> v̄₃.

    >>> math_label("v1 = v-1 × v0")
    '$v_{1}$ = $v_{-1}$ × $v_{0}$'
    """
    text = re.sub("v\u0304(-?\\d+)", lambda m: f"$\\bar{{v}}_{{{m.group(1)}}}$", text)
    return re.sub(r"(?<![\\{$])\bv(-?\d+)\b", lambda m: f"$v_{{{m.group(1)}}}$", text)


def _format(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        v = array.item()
        if isinstance(v, complex):
            return f"{v.real:.4g}{v.imag:+.3g}i"
        return f"{v:.6g}"
    return f"array{list(array.shape)}"


def _expression(f: Any, node: int, names: Mapping[int, str]) -> str:
    op = f.op(node)
    args = [names[a] for a in f.args(node)]
    if op in _SYMBOL and len(args) == 2:
        return f"{args[0]} {_SYMBOL[op]} {args[1]}"
    if op == "neg":
        return f"−{args[0]}"
    attrs = ", ".join(f"{k}={v}" for k, v in f.attrs(node).items() if v is not None)
    return f"{op}({', '.join(args)}{', ' + attrs if attrs else ''})"


def forward_table(f: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Rows (node, label, op, expression, value) in evaluation order, inputs first.

    >>> import expr
    >>> rows = expr.catalog.get("worked_example").function().table(2.0, 3.0)
    >>> [(r["label"], r["expression"]) for r in rows][2]
    ('v1', 'v-1 × v0')
    """
    values = f.evaluate(*args, **kwargs)
    names = labels(f)
    rows = []
    for node in (*f.inputs, *(n for n, *_ in f.program)):
        op = f.op(node)
        rows.append(
            {
                "node": node,
                "label": names[node],
                "op": op,
                "expression": f.graph.nodes[node]["name"]
                if op == "input"
                else _expression(f, node, names),
                "value": values[node],
            }
        )
    return rows


def _annotation(node: int, values: Any, adjoints: Any) -> list[str]:
    lines = []
    for tag, table in (("", values), ("adj ", adjoints)):
        if table is None:
            continue
        value = table.get(node) if isinstance(table, Mapping) else table[node]
        if value is not None:
            lines.append(f"{tag}= {_format(value)}")
    return lines


def to_dot(f: Any, values: Any = None, adjoints: Any = None) -> str:
    """Graphviz source, left to right; values and adjoints (dict or list by node) annotated."""
    names = labels(f)
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="serif"];']
    for node in f.order:
        data = f.graph.nodes[node]
        title = data.get("name") if data["op"] == "input" else names[node]
        if data["op"] not in ("input", "const"):
            title = f"{names[node]} = {_expression(f, node, names)}"
        text = "\\n".join([str(title), *_annotation(node, values, adjoints)])
        shape = ", shape=ellipse" if data["op"] == "input" else ""
        lines.append(f'  n{node} [label="{text}"{shape}];')
    for u, v, data in f.graph.edges(data=True):
        lines.append(f'  n{u} -> n{v} [label="{",".join(map(str, data["pos"]))}"];')
    lines.append("}")
    return "\n".join(lines)


def layers(f: Any) -> dict[int, int]:
    """Column of each node: longest path from an input (constants sit next to their user)."""
    layer = dict.fromkeys(f.order, 0)
    for node, _, args, _ in f.program:
        layer[node] = 1 + max((layer[a] for a in args), default=0)
    for node, _ in f.constants:
        users = list(f.graph.successors(node))
        layer[node] = max(0, min((layer[u] for u in users), default=1) - 1)
    return layer


def positions(f: Any, show_constants: bool = True) -> dict[int, tuple[float, float]]:
    """(column, row) of each shown node: columns by `layers`, each column centred on 0
    (y up). The layout of `draw` (figure 10), the explainer page and its animation.

    >>> import expr
    >>> positions(expr.parse("x*y + x"))
    {0: (0, 0.5), 1: (0, -0.5), 2: (1, 0.0), 3: (2, 0.0)}
    """
    layer = layers(f)
    columns: dict[int, list[int]] = {}
    for node in f.order:
        if show_constants or f.op(node) != "const":
            columns.setdefault(layer[node], []).append(node)
    return {
        node: (col, (len(nodes) - 1) / 2 - row)
        for col, nodes in columns.items()
        for row, node in enumerate(nodes)
    }


def draw(
    f: Any,
    ax: Any = None,
    values: Any = None,
    adjoints: Any = None,
    show_constants: bool = True,
    fontsize: float = 9,
    highlight: int | None = None,
    highlight_color: str = "#D55E00",
    highlight_edges: Sequence[tuple[int, int]] | None = None,
) -> Any:
    """Draw the graph left to right, each node with its expression, value and adjoint.

    `values`/`adjoints` are node-indexed lists or dicts (e.g. `f.evaluate(...)`);
    `highlight` is a node drawn with a thick outline in `highlight_color`, and so are
    `highlight_edges` (default: every edge of that node).
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    pos = positions(f, show_constants)
    if highlight_edges is None:
        highlight_edges = [e for e in f.graph.edges if highlight in e]
    style = {"fontsize": fontsize, "highlight": highlight, "color": highlight_color}
    boxes = _draw_boxes(ax, f, pos, values, adjoints, style)
    _draw_arrows(ax, f, pos, boxes, set(map(tuple, highlight_edges)), highlight_color)
    xs = [p[0] for p in pos.values()] or [0]
    ys = [p[1] for p in pos.values()] or [0]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    return ax


def _draw_boxes(ax: Any, f: Any, pos: dict, values: Any, adjoints: Any, style: dict) -> dict:
    """One text box per shown node (its name = expression, value and adjoint), coloured by
    kind: inputs blue, constants grey, outputs green; the highlighted node outlined."""
    names = labels(f)
    outputs = set(f.outputs)
    boxes = {}
    for node in pos:
        data = f.graph.nodes[node]
        if data["op"] == "input":
            head, colour = f"{names[node]} = {data['name']}", "#E8F4FA"
        elif data["op"] == "const":
            head, colour = names[node], "0.95"
        else:
            head = f"{names[node]} = {_expression(f, node, names)}"
            colour = "#E6F5EF" if node in outputs else "white"
        text = "\n".join([math_label(head), *_annotation(node, values, adjoints)])
        hot = node == style["highlight"]
        boxes[node] = ax.text(
            *pos[node],
            text,
            ha="center",
            va="center",
            fontsize=style["fontsize"],
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.4",
                "fc": colour,
                "ec": style["color"] if hot else "0.3",
                "lw": 2.5 if hot else 1.0,
            },
        )
    return boxes


def _draw_arrows(ax: Any, f: Any, pos: dict, boxes: dict, hot: set, color: str) -> None:
    """One arrow per edge between shown nodes, from box outline to box outline; the edges
    in `hot` thick and in `color`."""
    for u, v in f.graph.edges:
        if u in boxes and v in boxes:
            ax.annotate(
                "",
                xy=pos[v],
                xytext=pos[u],
                zorder=4,  # drawn after the boxes, so it is clipped at their current outline
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": color if (u, v) in hot else "0.35",
                    "lw": 2.0 if (u, v) in hot else 1.0,
                    "mutation_scale": 12,
                    "patchA": boxes[u].get_bbox_patch(),
                    "patchB": boxes[v].get_bbox_patch(),
                    "shrinkA": 1,
                    "shrinkB": 1,
                },
            )


#: Largest graph (op nodes) that notebooks draw or print as a formula: a bigger one is shown
#: by its text repr (drawing and LaTeX of deep graphs are slow and unreadable).
NOTEBOOK_MAX_OPS = 60


def notebook_svg(f: Any) -> str | None:
    """The graph drawn by `draw` as an SVG document (None for graphs over NOTEBOOK_MAX_OPS
    ops). Cost: one matplotlib render.

    >>> import expr
    >>> notebook_svg(expr.parse("x1*x2 + sin(x1)")).count("<svg")
    1
    """
    if f.size() > NOTEBOOK_MAX_OPS:
        return None
    import io

    from matplotlib.figure import Figure

    columns = max(layers(f).values(), default=0) + 1
    fig = Figure(figsize=(min(12.0, 1.8 + 1.6 * columns), 2.5))
    draw(f, ax=fig.subplots(), fontsize=9)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def notebook_latex(f: Any) -> str | None:
    r"""The function as LaTeX via SymPy, "$$x_{1}, x_{2} \mapsto ...$$" (None over
    NOTEBOOK_MAX_OPS ops, or when SymPy cannot hold it).

    >>> import expr
    >>> print(notebook_latex(expr.parse("x1*x2 + sin(x1)")))
    $$x_{1}, x_{2} \mapsto x_{1} x_{2} + \sin{\left(x_{1} \right)}$$
    """
    if f.size() > NOTEBOOK_MAX_OPS:
        return None
    import sympy

    try:
        formula = f.to_sympy()
    except ExprError:
        return None
    inputs = ", ".join(sympy.latex(sympy.Symbol(name)) for name in f.input_names)
    return f"$${inputs} \\mapsto {sympy.latex(formula)}$$"
