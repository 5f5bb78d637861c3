"""Figure 10: the worked example x1·x2 + sin(x1) at (2, 3) — graph, forward and backward
tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from expr.view import math_label

from ..records import Record, select
from ..style import slides_active
from .common import axes_of


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(ax: Any, title: str, header: list[str], rows: list[list[str]]) -> None:
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    table = ax.table(
        cellText=rows,
        colLabels=header,
        bbox=[0, 0, 1, 1],  # the whole panel: rows share its height
        colWidths=[0.2, 0.55, 0.25],  # the rule is the long one
        cellLoc="left",
        colLoc="left",
        edges="horizontal",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(15 if slides_active() else 8)


@dataclass(frozen=True)
class Worked:
    """What figure 10 draws and its caption quotes: the forward and backward sweeps by
    step and the gradient by input."""

    forward: list[Record]
    backward: list[Record]
    gradient: list[Record]


def select_worked_example(records: Sequence[Record]) -> Worked:
    """The two sweeps of figure 10 in the order they run, and the gradient."""
    return Worked(
        sorted(select(records, kind="forward"), key=lambda r: r["step"]),
        sorted(select(records, kind="backward"), key=lambda r: r["step"]),
        sorted(select(records, kind="gradient"), key=lambda r: r["input"]),
    )


def plot_worked_example(chosen: Worked, fig: Any = None, ax: Any = None) -> Any:
    """Figure 10: the graph with values and adjoints (top), the two tables (bottom)."""
    import expr

    forward, backward = chosen.forward, chosen.backward
    f = expr.catalog.get("worked_example").function()
    fig, axes = axes_of(fig, ax, 2, 2, aspect=0.62)
    gs = axes[0].get_gridspec()
    for a in axes[:2]:
        a.remove()
    graph_ax = fig.add_subplot(gs[0, :])
    values = {r["node"]: r["value"] for r in forward}
    adjoints = {r["node"]: r["adjoint"] for r in backward if r.get("node") is not None}
    f.draw(
        ax=graph_ax,
        values=values,
        adjoints=adjoints,
        fontsize=14 if slides_active() else 7.5,
    )
    graph_ax.set_title(
        "(a) the graph: value (forward) and adjoint (backward) at each node", loc="left"
    )
    _table(
        axes[2],
        "(b) forward sweep",
        ["node", "definition", "value"],
        [[math_label(r["label"]), math_label(r["expression"]), _fmt(r["value"])] for r in forward],
    )
    _table(
        axes[3],
        "(c) backward sweep (seed 1 at f)",
        ["adjoint", "rule", "value"],
        [
            [math_label(r["label"]), math_label(r["expression"]), _fmt(r["adjoint"])]
            for r in backward
        ],
    )
    return fig


def caption_worked_example(chosen: Worked) -> str:
    """Caption of figure 10."""
    grads = chosen.gradient
    out = chosen.forward[-1] if chosen.forward else None
    parts = [
        "The computational graph of f(x1, x2) = x1·x2 + sin(x1) at (x1, x2) = (2, 3), laid "
        "out left to right, each node with its value from the forward sweep and its adjoint "
        "from the backward sweep; below, the two tables in Griewank's notation."
    ]
    if out and grads:
        worst = max(g["rel_error"] for g in grads)
        parts.append(
            f"One backward pass from the seed 1 at f = {out['value']:.6f} gives every partial "
            "derivative at once: "
            + ", ".join(f"∂f/∂{g['name']} = {g['value']:.6f}" for g in grads)
            + (
                ", exactly the 50-digit reference rounded to float64."
                if worst == 0
                else f", equal to the 50-digit reference to {worst:.1e}."
            )
        )
    return " ".join(parts)
