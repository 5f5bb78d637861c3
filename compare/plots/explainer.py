"""Figure 16: four frames of the explainer's walk (the page and GIF of `diffcompare explain`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from expr.view import math_label

from ..records import Record, select
from ..style import slides_active
from .common import axes_of


def _frames(steps: list[Record]) -> list[int]:
    """The steps shown: the end of the forward sweep and three backward steps, the last one
    included (indices into `steps`)."""
    forward = sum(1 for s in steps if s["phase"] == "forward")
    last = len(steps) - 1
    middle = forward + (last - forward) // 2
    return sorted({forward - 1, forward, middle, last})


def flow_edges(f: Any, node: int, phase: str) -> list[tuple[int, int]]:
    """The edges a step uses: into the node (forward: its arguments' values) or out of it
    (backward: its users' adjoints)."""
    return list(f.graph.in_edges(node) if phase == "forward" else f.graph.out_edges(node))


@dataclass(frozen=True)
class Walk:
    """What figure 16 draws and its caption quotes: the explainer's steps in order and the
    gradient it ends with."""

    steps: list[Record]
    gradient: list[Record]


def select_explainer(records: Sequence[Record]) -> Walk:
    """The steps of the walk (by step number) and the gradient rows."""
    steps = sorted(select(records, kind="step"), key=lambda r: r["step"])
    return Walk(steps, select(records, kind="gradient"))


def plot_explainer(chosen: Walk, fig: Any = None, ax: Any = None) -> Any:
    """Figure 16: 2 x 2 frames of the walk, the current node and its edges highlighted."""
    import expr

    steps = chosen.steps
    f = expr.catalog.get("worked_example").function()
    fig, axes = axes_of(fig, ax, 2, 2, aspect=0.62)
    for panel, index, letter in zip(axes, _frames(steps), "abcd"):
        done = steps[: index + 1]
        values = {s["node"]: s["value"] for s in done if s["phase"] == "forward"}
        adjoints = {s["node"]: s["value"] for s in done if s["phase"] == "backward"}
        current = steps[index]
        f.draw(
            ax=panel,
            values=values,
            adjoints=adjoints,
            highlight=current["node"],
            highlight_edges=flow_edges(f, current["node"], current["phase"]),
            fontsize=13 if slides_active() else 7,
        )
        rule = math_label(f"{current['label']} = {current['rule']}")  # v₋₁, not "v-1"
        panel.set_title(
            f"({letter}) step {current['step']}/{len(steps)}, {current['phase']}: {rule}",
            loc="left",
            fontsize="small",
        )
    return fig


def caption_explainer(chosen: Walk) -> str:
    """Caption of figure 16."""
    steps, grads = chosen.steps, chosen.gradient
    forward = sum(1 for s in steps if s["phase"] == "forward")
    gradient = ", ".join(f"∂f/∂{g['name']} = {g['value']:.6f}" for g in grads)
    return (
        f"Four of the {len(steps)} steps of the explainer for f = x1·x2 + sin(x1) at (2, 3): "
        f"{forward} forward steps (one per node, inputs first), then {len(steps) - forward} "
        "backward steps from the seed 1 at the output; the current node and its edges are "
        f"highlighted. The last step completes the gradient, {gradient}, shown on the page "
        "next to the 50-digit reference. Beside this figure the run writes the interactive "
        "page explain.html (inline SVG and script, no network; buttons and arrow keys step, a "
        "second tab walks the dual numbers of forward mode) and the animation explain.gif "
        "(one frame per step, 1 s each); `diffcompare explain FORMULA --at X` does the same "
        "for any formula."
    )
