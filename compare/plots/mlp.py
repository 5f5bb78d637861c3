"""Figure 9: the two-moons MLP trained with our reverse mode (and PyTorch, overlaid)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Record, select
from ..style import BLUE, ORANGE, line_scale, method_style
from .common import axes_of, sci


@dataclass(frozen=True)
class Training:
    """What figure 9 draws and its caption quotes: our and PyTorch's loss rows by step,
    the decision field, the training data and the run's summary."""

    ours: list[Record]
    torch: list[Record]
    grid: list[Record]
    data: list[Record]
    summary: Record


def select_mlp(records: Sequence[Record]) -> Training:
    """The curves, field, data and summary of figure 9."""

    def curve(implementation: str) -> list[Record]:
        rows = select(records, kind="loss", implementation=implementation)
        return sorted(rows, key=lambda r: r["step"])

    summary = select(records, kind="summary")
    return Training(
        curve("ours"),
        curve("torch"),
        select(records, kind="grid"),
        select(records, kind="data"),
        summary[0] if summary else {},
    )


def plot_mlp(chosen: Training, fig: Any = None, ax: Any = None) -> Any:
    """Figure 9: (a) training loss vs step, ours and PyTorch; (b) decision boundary."""
    fig, axes = axes_of(fig, ax, 1, 2, aspect=0.4)
    _loss_panel(axes[0], chosen)
    _field_panel(axes[1], chosen)
    return fig


def _loss_panel(loss_ax: Any, chosen: Training) -> None:
    style = method_style("reverse")
    loss_ax.plot(
        [r["step"] for r in chosen.ours],
        [r["loss"] for r in chosen.ours],
        color=style["color"],
        lw=2.2 * line_scale(),
        label="ours (reverse-mode AD)",
    )
    if chosen.torch:
        loss_ax.plot(
            [r["step"] for r in chosen.torch],
            [r["loss"] for r in chosen.torch],
            color="0.15",
            ls=(0, (3, 3)),
            lw=line_scale(),
            label="PyTorch (same init, data, optimizer)",
        )
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("training step (full batch)")
    loss_ax.set_ylabel("cross-entropy loss (nats)")
    loss_ax.set_title("(a) training loss", loc="left")
    loss_ax.legend(fontsize="small")


def _field_panel(field_ax: Any, chosen: Training) -> None:
    import matplotlib as mpl

    if chosen.grid:
        xs = np.array(sorted({r["x1"] for r in chosen.grid}))
        ys = np.array(sorted({r["x2"] for r in chosen.grid}))
        lookup = {(r["x1"], r["x2"]): r["p"] for r in chosen.grid}
        P = np.array([[lookup[(x, y)] for x in xs] for y in ys])
        from matplotlib.colors import LinearSegmentedColormap

        cmap = LinearSegmentedColormap.from_list("classes", [ORANGE, "white", BLUE])
        field_ax.contourf(xs, ys, P, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.45)
        field_ax.set_xlim(xs[0], xs[-1])
        field_ax.set_ylim(ys[0], ys[-1])
        field_ax.contour(xs, ys, P, levels=[0.5], colors="k", linewidths=1.2)
    for value, colour, marker in ((0, ORANGE, "o"), (1, BLUE, "s")):
        pts = select(chosen.data, label=value)
        field_ax.plot(
            [r["x1"] for r in pts],
            [r["x2"] for r in pts],
            ls="none",
            marker=marker,
            ms=0.85 * float(mpl.rcParams["lines.markersize"]),
            color=colour,
            mec="white",
            mew=0.3,
            label=f"class {value}",
        )
    field_ax.set_xlabel("$x_1$")
    field_ax.set_ylabel("$x_2$")
    field_ax.set_title("(b) decision boundary (black line)", loc="left")
    field_ax.legend(fontsize="small", loc="lower left", frameon=True, framealpha=0.85)
    field_ax.set_aspect("equal", adjustable="box")
    field_ax.grid(False)


def caption_mlp(chosen: Training) -> str:
    """Caption of figure 9."""
    s, ours = chosen.summary, chosen.ours
    parts = [
        "A tanh MLP trained on two moons with gradients from our reverse mode: (a) the loss "
        "at each step"
        + (
            ", with PyTorch's loss for the same initial weights, data and optimizer overlaid"
            if chosen.torch
            else " (PyTorch, the optional peer, is not installed: no comparison curve)"
        )
        + "; (b) the learned decision boundary with the training data."
    ]
    if ours:
        parts.append(
            f"The loss falls from {ours[0]['loss']:.3f} to {ours[-1]['loss']:.3f} in "
            f"{ours[-1]['step']} steps; training accuracy {100 * s.get('accuracy', float('nan')):.1f}%."
        )
    if s.get("max_loss_difference") is not None:
        parts.append(
            f"Our loss curve and PyTorch's differ by at most {sci(s['max_loss_difference'])} "
            "over the whole run."
        )
    parts.append(
        f"Hidden layers {s.get('hidden', '?')}, {s.get('samples', '?')} samples, "
        f"{s.get('optimizer', '?')}, learning rate {s.get('learning_rate', '?')}, seed "
        f"{s.get('seed', '?')}; float64."
    )
    return " ".join(parts)
