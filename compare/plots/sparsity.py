"""Figure 15: sparse derivatives: sweeps a Hessian needs against n, and its time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..records import Record, select, unique
from ..style import BLUE, GREEN, GUIDE, VERMILLION, end_label, log_ticks
from .common import axes_of, sci

COLOURS = {"dense": VERMILLION, "banded": BLUE, "arrowhead": GREEN}
METHOD_LOOK = {"star": ("-", "o"), "distance2": ("--", "x"), "dense": (":", "s")}
METHOD_NAME = {"star": "star colouring", "distance2": "distance-2", "dense": "dense (n HVPs)"}


@dataclass(frozen=True)
class Sparsity:
    """What figure 15 draws and its caption quotes: each (problem, method)'s rows by n, each
    problem's function title, the largest n with the star/dense rows there and the
    speed-up of star over dense, and the largest difference of sparse and dense."""

    rows: dict[tuple[str, str], list[Record]]
    titles: dict[str, str]
    sizes: list[int]
    largest: dict[str, tuple[Record, Record, float]]
    worst: float


def select_sparsity(records: Sequence[Record]) -> Sparsity:
    """The series of figure 15 and what its caption reads at the largest n."""
    problems = unique(records, "problem")
    rows = {
        (problem, method): sorted(
            select(records, problem=problem, method=method), key=lambda r: r["n"]
        )
        for problem in problems
        for method in METHOD_LOOK
    }
    titles = {problem: select(records, problem=problem)[0]["function"] for problem in problems}
    sizes = sorted(unique(records, "n"))
    largest = {}
    for problem in problems:
        star, dense = (
            [r for r in rows[problem, m] if r["n"] == sizes[-1]] for m in ("star", "dense")
        )
        if star and dense:
            largest[problem] = (star[0], dense[0], dense[0]["time_s"] / star[0]["time_s"])
    worst = max(r["max_rel_difference"] for r in records)
    return Sparsity(rows, titles, sizes, largest, worst)


def _series(rows: Sequence[Record], key: str) -> tuple[list, list]:
    return [r["n"] for r in rows], [r[key] for r in rows]


def plot_sparsity(chosen: Sparsity, fig: Any = None, ax: Any = None) -> Any:
    """Figure 15: (a) HVP sweeps against n for each structure (dense n as a grey guide);
    (b) seconds per Hessian, dense vs star-coloured. One key under both panels: colour =
    the problem, line style = the method (inside, it would sit on the lines)."""
    fig, axes = axes_of(fig, ax, 1, 2, aspect=0.42)
    sweeps_ax, time_ax = axes
    import matplotlib as mpl

    width = 2.5 * float(mpl.rcParams["lines.linewidth"])  # a halo around the lines on it
    guide = dict(color=GUIDE, lw=width, alpha=0.5, label="n HVPs (dense Hessian)")
    if chosen.sizes:
        sweeps_ax.plot(chosen.sizes, chosen.sizes, zorder=1, **guide)
    for (problem, method), rows in chosen.rows.items():
        colour = COLOURS.get(problem, "0.3")
        style, marker = METHOD_LOOK[method]
        look = dict(color=colour, ls=style, marker=marker, ms=4)
        if method == "star" or (method == "distance2" and problem == "arrowhead"):
            # distance-2 equals star but for the arrowhead: drawn only where symmetry matters
            n, sweeps = _series(rows, "sweeps")
            sweeps_ax.plot(n, sweeps, **look)
            if sweeps and sweeps[-1] < n[-1]:  # the flat lines: their count at the right end
                end_label(sweeps_ax, n, sweeps, f"{sweeps[-1]}", colour, fontsize="small")
        if method in ("dense", "star"):
            time_ax.plot(*_series(rows, "time_s"), **look)
    for panel, ylabel, title in (
        (sweeps_ax, "HVP sweeps for the full Hessian", "(a) sweeps = colours"),
        (time_ax, "seconds per Hessian (median)", "(b) time: dense vs coloured"),
    ):
        panel.set_xscale("log", base=2)
        panel.set_yscale("log")
        panel.set_xlabel("n (inputs)")
        panel.set_ylabel(ylabel)
        panel.set_title(title, loc="left")
        log_ticks(panel, "y")
    _key(fig, chosen, guide)
    return fig


def _key(fig: Any, chosen: Sparsity, guide: dict[str, Any]) -> None:
    """Figure 15's key: a coloured line per problem, a grey line per method's style."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], **guide)]
    handles += [
        Line2D([], [], color=COLOURS.get(problem, "0.3"), lw=2, label=title)
        for problem, title in chosen.titles.items()
    ]
    handles += [
        Line2D([], [], color="0.3", ls=style, marker=marker, ms=4, label=METHOD_NAME[method])
        for method, (style, marker) in METHOD_LOOK.items()
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize="small")


def caption_sparsity(chosen: Sparsity) -> str:
    """Caption of figure 15, with the sweep counts and the time ratio at the largest n."""
    if not chosen.sizes:
        return "Sparse derivatives: no data."
    n = chosen.sizes[-1]
    parts = [
        f"{star['function']} {star['sweeps']} (speed-up over the dense Hessian {speed:.1f}x)"
        for star, _, speed in chosen.largest.values()
    ]
    arrow = [r for r in chosen.rows.get(("arrowhead", "distance2"), []) if r["n"] == n]
    return (
        "Hessian-vector products needed for a full Hessian against the number of inputs n: "
        "the dense Hessian takes n (grey); colouring the sparsity pattern found on the graph "
        "takes one per colour; colour: the function, line style: the method. "
        f"At n = {n} the star colouring needs: "
        + "; ".join(parts)
        + "."
        + (
            f" Ignoring symmetry (distance-2 colouring) the arrowhead needs {arrow[0]['sweeps']}."
            if arrow
            else ""
        )
        + f" Every sparse Hessian equals the dense one to {sci(chosen.worst)} (relative to its "
        "largest entry). Times are medians once the pattern is known (pattern and colouring "
        "are found once per function); float64."
    )
