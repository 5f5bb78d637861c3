"""Figure 12: what every method returns at and near the kinks of |x|, relu and max."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..records import Record, select, unique
from ..style import label
from .common import axes_of

GOOD, BAD, FAILED = "#CFEFE3", "#F9D9C4", "0.88"


def _cell_text(row: Record) -> str:
    value = row.get("derivative")
    if value is None:
        return "raises"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}" if abs(value - round(value, 3)) > 1e-9 else f"{round(value, 3):g}"


@dataclass(frozen=True)
class Nonsmooth:
    """What figure 12 draws and its caption quotes: cases (rows) and methods (columns), the
    row of each cell, and which answers follow the convention, are wrong or raise."""

    cases: list[str]
    methods: list[str]
    cells: dict[tuple[str, str], Record]
    first: dict[str, Record]  # each case's first row: its kink flag and expected value
    follow: list[str]  # methods that return the documented convention at every kink
    wrong: list[Record]  # answers away from the kinks that are not the true derivative
    raised: list[Record]  # calls that raised an error


def select_nonsmooth(records: Sequence[Record]) -> Nonsmooth:
    """The grid of figure 12 and the answers its caption counts."""
    cases, methods = unique(records, "case"), unique(records, "method")
    cells: dict[tuple[str, str], Record] = {}
    for row in records:
        cells.setdefault((row["case"], row["method"]), row)
    first = {case: select(records, case=case)[0] for case in cases}
    kinks = [r for r in records if r.get("at_kink")]
    follow = [m for m in methods if all(r.get("matches") for r in select(kinks, method=m))]
    away = [r for r in records if not r.get("at_kink")]
    wrong = [r for r in away if r.get("derivative") is not None and not r.get("matches")]
    raised = [r for r in records if r.get("derivative") is None]
    return Nonsmooth(cases, methods, cells, first, follow, wrong, raised)


def plot_nonsmooth(chosen: Nonsmooth, fig: Any = None, ax: Any = None) -> Any:
    """Figure 12: a grid, cases down, methods across; each cell the returned d/dx, green
    where it equals the convention (at a kink) or the true derivative, orange where not."""
    cases, methods = chosen.cases, chosen.methods
    fig, axes = axes_of(fig, ax, aspect=0.1 + 0.055 * len(cases))
    panel = axes[0]
    for i, case in enumerate(cases):
        kink = bool(chosen.first[case].get("at_kink"))
        for j, method in enumerate(methods):
            row = chosen.cells.get((case, method))
            if row is None:
                continue
            colour = (
                FAILED if row.get("derivative") is None else GOOD if row.get("matches") else BAD
            )
            panel.add_patch(_rect(j, i, colour, kink))
            panel.text(
                j,
                i,
                _cell_text(row),
                ha="center",
                va="center",
                fontsize="small",
                fontweight="bold" if kink else "normal",
            )
        expected = chosen.first[case].get("expected")
        panel.text(
            len(methods),
            i,
            f"{expected:g}",
            ha="center",
            va="center",
            fontsize="small",
            color="0.25",
            fontweight="bold" if kink else "normal",
        )
    panel.set_xlim(-0.5, len(methods) + 0.5)
    panel.set_ylim(len(cases) - 0.5, -0.5)
    panel.set_xticks(range(len(methods) + 1))
    names = [textwrap.fill(label(m), 10) for m in methods] + ["expected"]
    panel.set_xticklabels(names, ha="center", va="bottom", fontsize="small")
    panel.xaxis.tick_top()
    panel.set_yticks(range(len(cases)))
    panel.set_yticklabels([c for c in cases])
    panel.grid(False)
    for side in ("left", "bottom", "top", "right"):
        panel.spines[side].set_visible(False)
    panel.tick_params(length=0)
    panel.set_xlabel(
        "d/dx returned by each method. Bold rows: exactly at the kink (expected = the\n"
        "documented convention). Green: as expected; orange: differs; grey: raises an error.",
        fontsize="small",
    )
    return fig


def _rect(x: float, y: float, colour: str, kink: bool) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x - 0.48, y - 0.45),
        0.96,
        0.9,
        facecolor=colour,
        edgecolor="0.3" if kink else "none",
        lw=0.6,
    )


def caption_nonsmooth(chosen: Nonsmooth) -> str:
    """Caption of figure 12."""
    follow, wrong, raised = chosen.follow, chosen.wrong, chosen.raised
    text = (
        "The derivative with respect to x returned by each method for |x|, relu(x) and "
        "max(x, y) exactly at the kink (bold) and 1e-3 away from it. "
        f"At the kinks {len(follow)} of {len(chosen.methods)} methods return the documented "
        "convention (abs'(0) = relu'(0) = 0, max splits 1/2–1/2): "
        f"{', '.join(label(m) for m in follow) or 'none'}; finite differences return a slope "
        "across the kink (central: the average, forward: the right-hand slope)."
    )
    if wrong:
        text += (
            f" Away from the kink {len(wrong)} answers are wrong, from "
            f"{', '.join(sorted({label(r['method']) for r in wrong}))}."
        )
    else:
        text += " Away from the kink every method that returns a value returns the true one."
    if raised:
        cases = sorted({r["function"] for r in raised})
        text += (
            f" {len(raised)} calls raise an error instead of returning a wrong number "
            f"({', '.join(sorted({label(r['method']) for r in raised}))} on "
            f"{', '.join(cases)}: not analytic)."
        )
    return text + " float64, default steps."
