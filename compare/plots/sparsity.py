"""Figure 15: sparse derivatives: sweeps a Hessian needs against n, and its time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..records import Record, select, unique
from ..style import BLUE, GREEN, GUIDE, VERMILLION, end_label, log_ticks
from .common import axes_of, sci

COLOURS = {"dense": VERMILLION, "banded": BLUE, "arrowhead": GREEN}
METHOD_LOOK = {"star": ("-", "o"), "distance2": ("--", "x"), "dense": (":", "s")}
METHOD_NAME = {"star": "star colouring", "distance2": "distance-2", "dense": "dense (n HVPs)"}


def _series(records: Sequence[Record], problem: str, method: str, key: str) -> tuple:
    rows = sorted(select(records, problem=problem, method=method), key=lambda r: r["n"])
    return [r["n"] for r in rows], [r[key] for r in rows]


def plot_sparsity(records: Sequence[Record], fig: Any = None, ax: Any = None) -> Any:
    """Figure 15: (a) HVP sweeps against n for each structure (dense n as a grey guide);
    (b) seconds per Hessian, dense vs star-coloured."""
    fig, axes = axes_of(fig, ax, 1, 2, aspect=0.42)
    sweeps_ax, time_ax = axes
    sizes = sorted(unique(records, "n"))
    if sizes:
        sweeps_ax.plot(
            sizes, sizes, color=GUIDE, lw=3, alpha=0.5, zorder=1, label="n HVPs (dense Hessian)"
        )
    for problem in unique(records, "problem"):
        colour = COLOURS.get(problem, "0.3")
        title = select(records, problem=problem)[0]["function"]
        for method in ("star", "distance2"):
            style, marker = METHOD_LOOK[method]
            n, sweeps = _series(records, problem, method, "sweeps")
            if method == "distance2" and problem != "arrowhead":
                continue  # equal to star there; drawn only where symmetry matters
            sweeps_ax.plot(
                n,
                sweeps,
                color=colour,
                ls=style,
                marker=marker,
                ms=4,
                label=f"{title}, {METHOD_NAME[method]}",
            )
            if sweeps and sweeps[-1] < n[-1]:  # the flat lines: their count at the right end
                end_label(sweeps_ax, n, sweeps, f"{sweeps[-1]}", colour, fontsize="small")
        for method in ("dense", "star"):
            style, marker = METHOD_LOOK[method]
            n, seconds = _series(records, problem, method, "time_s")
            time_ax.plot(
                n,
                seconds,
                color=colour,
                ls=style,
                marker=marker,
                ms=4,
                label=f"{title}, {METHOD_NAME[method]}",
            )
    for panel, ylabel, title in (
        (sweeps_ax, "HVP sweeps for the full Hessian", "(a) sweeps = colours"),
        (time_ax, "seconds per Hessian (median)", "(b) time: dense vs coloured"),
    ):
        panel.set_xscale("log", base=2)
        panel.set_yscale("log")
        panel.set_xlabel("n (inputs)")
        panel.set_ylabel(ylabel)
        panel.set_title(title, loc="left")
        panel.legend(fontsize="x-small", loc="upper left")
        log_ticks(panel, "y")
    return fig


def caption_sparsity(records: Sequence[Record]) -> str:
    """Caption of figure 15, with the sweep counts and the time ratio at the largest n."""
    if not records:
        return "Sparse derivatives: no data."
    n = max(unique(records, "n"))
    parts = []
    for problem in unique(records, "problem"):
        star = select(records, problem=problem, method="star", n=n)
        dense = select(records, problem=problem, method="dense", n=n)
        if star and dense:
            speed = dense[0]["time_s"] / star[0]["time_s"]
            parts.append(
                f"{star[0]['function']} {star[0]['sweeps']} (speed-up over the dense Hessian "
                f"{speed:.1f}x)"
            )
    arrow = select(records, problem="arrowhead", method="distance2", n=n)
    worst = max(r["max_rel_difference"] for r in records)
    return (
        "Hessian-vector products needed for a full Hessian against the number of inputs n: "
        "the dense Hessian takes n (grey); colouring the sparsity pattern found on the graph "
        "takes one per colour. "
        f"At n = {n} the star colouring needs: "
        + "; ".join(parts)
        + "."
        + (
            f" Ignoring symmetry (distance-2 colouring) the arrowhead needs {arrow[0]['sweeps']}."
            if arrow
            else ""
        )
        + f" Every sparse Hessian equals the dense one to {sci(worst)} (relative to its largest "
        "entry). Times are medians once the pattern is known (pattern and colouring are found "
        "once per function); float64."
    )
