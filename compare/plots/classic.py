"""Figures 5, 8 and 11: expression swell, the cheap-gradient ratio, the logistic-map classic."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..records import Record, select
from ..style import GREEN, GUIDE, PINK, log_ticks, method_style
from .accuracy import _v_panel
from .common import EPS64, argmin_row, axes_of, sci

#: Series of the swell figure: measure -> (label, colour, line style, marker).
SWELL_SERIES = {
    "tree": ("SymPy diff: tree size", PINK, "-", "D"),
    "expanded": ("SymPy diff: expanded", PINK, ":", "v"),
    "dag": ("SymPy diff: DAG size", PINK, "-.", "o"),
    "cse": ("SymPy diff: after CSE", PINK, (0, (1, 1)), "s"),
    "graph": ("symbolic 'graph' method: DAG", PINK, "--", "d"),
    "ad_graph": ("reverse-mode gradient graph", GREEN, "-", "o"),
    "function": ("the function itself", "0.3", "-", "."),
}


def plot_swell(records: Sequence[Record], ax: Any = None) -> Any:
    """Figure 5: size of the derivative of the logistic map l_k vs depth k."""
    fig, axes = axes_of(ax, aspect=0.4)
    panel = axes[0]
    for measure, (text, colour, ls, marker) in SWELL_SERIES.items():
        rows = sorted(select(records, measure=measure), key=lambda r: r["depth"])
        done = [r for r in rows if not r.get("stopped") and r.get("size") is not None]
        if not done:
            continue
        panel.plot(
            [r["depth"] for r in done],
            [r["size"] for r in done],
            color=colour,
            ls=ls,
            marker=marker,
            label=text,
            ms=3.5,
        )
        stopped = [r for r in rows if r.get("stopped")]
        if stopped:
            last = done[-1]
            panel.plot(
                [stopped[0]["depth"]],
                [last["size"]],
                marker="x",
                color=colour,
                ms=8,
                mew=2,
                ls="none",
            )
            panel.annotate(
                "budget",
                (stopped[0]["depth"], last["size"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize="small",
                color=colour,
            )
    panel.set_yscale("log")
    log_ticks(panel, "y")
    panel.set_xlabel("depth k of the logistic map $l_k$")
    panel.set_ylabel("size of d$l_k$/dx (nodes)")
    panel.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


def caption_swell(records: Sequence[Record]) -> str:
    """Caption of figure 5."""

    def last(measure: str) -> Record | None:
        rows = [
            r
            for r in select(records, measure=measure)
            if not r.get("stopped") and r.get("size") is not None
        ]
        return max(rows, key=lambda r: r["depth"]) if rows else None

    tree, ad, graph, cse = last("tree"), last("ad_graph"), last("graph"), last("cse")
    parts = [
        "Size of the derivative of the logistic map l_k (l_{k+1} = 4 l_k (1 − l_k)) "
        "against the depth k, for SymPy's diff (as a tree, expanded, as a DAG, after "
        "common-subexpression elimination), the symbolic 'graph' method, and the "
        "reverse-mode gradient graph; × marks a budget stop."
    ]
    if tree and ad:
        same = [r for r in select(records, measure="ad_graph") if r["depth"] == tree["depth"]]
        ad_same = same[0] if same else ad
        parts.append(
            f"At depth {tree['depth']} the derivative tree has {tree['size']:.3g} nodes while "
            f"the reverse-mode gradient graph has {ad_same['size']:.0f}"
            + (
                f" and the graph method's DAG {_size_at(records, 'graph', tree['depth'])}"
                if graph
                else ""
            )
            + (
                f"; CSE brings SymPy's result to {_size_at(records, 'cse', tree['depth'])}"
                if cse
                else ""
            )
            + "."
        )
    if ad:
        parts.append(f"The AD graph stays linear: {ad['size']:.0f} nodes at depth {ad['depth']}.")
    return " ".join(parts)


def _size_at(records: Sequence[Record], measure: str, depth: int) -> str:
    rows = [r for r in select(records, measure=measure, depth=depth) if not r.get("stopped")]
    return f"{rows[0]['size']:.0f}" if rows and rows[0].get("size") is not None else "n/a"


# ------------------------------------------------------------------ figure 8
def plot_cheap_gradient(records: Sequence[Record], ax: Any = None) -> Any:
    """Figure 8: ops(value + gradient) / ops(f) and the time ratio, per catalog function."""
    rows = sorted(records, key=lambda r: r["ratio_ops"])
    fig, axes = axes_of(ax, aspect=0.42)
    panel = axes[0]
    x = np.arange(len(rows))
    width = 0.38
    panel.bar(
        x - width / 2,
        [r["ratio_ops"] for r in rows],
        width,
        color=GREEN,
        label="ops(value + gradient) / ops(f)",
    )
    panel.bar(
        x + width / 2,
        [r["ratio_time"] for r in rows],
        width,
        color="#7FDDC0",
        hatch="///",
        edgecolor="white",
        label="time(value + gradient) / time(f)",
    )
    for level, text in ((3.0, "Baur–Strassen: 3"), (4.0, "Griewank: 4")):
        panel.axhline(level, color=GUIDE, ls="--", lw=0.8)
        panel.annotate(
            text,
            (1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize="small",
            color="0.3",
            annotation_clip=False,
        )
    panel.set_xticks(x)
    panel.set_xticklabels([r["function"] for r in rows], rotation=40, ha="right")
    panel.set_ylabel("cost of value + gradient / cost of f")
    panel.set_xlim(-0.6, len(rows) - 0.4)
    panel.legend(fontsize="small", loc="upper left")
    return fig


def caption_cheap_gradient(records: Sequence[Record]) -> str:
    """Caption of figure 8."""
    ops = [r["ratio_ops"] for r in records]
    times = [r["ratio_time"] for r in records]
    worst = max(records, key=lambda r: r["ratio_ops"])
    return (
        "Cost of the value and the full gradient by reverse mode divided by the cost of the "
        "value alone, per catalog function: op nodes of the recorded value-and-gradient graph "
        "over op nodes of f, and median wall-clock time. "
        f"The op ratio ranges from {min(ops):.2f} to {max(ops):.2f} (largest: "
        f"{worst['function']}) over {len(records)} functions — "
        f"{'all' if max(ops) <= 4 else 'not all'} within Griewank's bound of 4 — and the "
        f"time ratio from {min(times):.2f} to {max(times):.2f}."
    )


# ------------------------------------------------------------------ figure 11
def plot_logistic_classic(records: Sequence[Record], ax: Any = None) -> Any:
    """Figure 11: (a) table of l_1..l_4 and the sizes of their derivatives, (b) error vs
    step for l_4 at 0.2."""
    fig, axes = axes_of(ax, 1, 2, aspect=0.4)
    table_ax, sweep_ax = axes
    rows = sorted(select(records, kind="table"), key=lambda r: r["n"])
    table_ax.set_axis_off()
    cells = [
        [
            f"$l_{r['n']}$",
            r["l_n"] if len(r["l_n"]) < 26 else "…",
            str(r["size_f"]),
            str(r["size_raw"]),
            str(r["size_expanded"]),
            str(r["size_cse"]),
        ]
        for r in rows
    ]
    table = table_ax.table(
        cellText=cells,
        colLabels=["", "$l_n$", "ops of $l_n$", "d$l_n$/dx", "expanded", "CSE"],
        loc="center",
        cellLoc="center",
        edges="horizontal",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7.5 if fig.get_figwidth() < 9 else 15)
    table.scale(1.0, 1.6)
    table_ax.set_title("(a) ops of d$l_n$/dx, $l_{n+1} = 4 l_n (1 - l_n)$", loc="left")
    _v_panel(
        sweep_ax,
        select(records, kind="curve")
        + select(records, kind="optimum")
        + select(records, kind="exact"),
        EPS64,
        guides=True,
        band_text=False,
    )
    sweep_ax.set_title("(b) error of d$l_4$/dx at $x_0$ = 0.2", loc="left")
    fig.legend(*sweep_ax.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    return fig


def caption_logistic_classic(records: Sequence[Record]) -> str:
    """Caption of figure 11."""
    rows = sorted(select(records, kind="table"), key=lambda r: r["n"])
    central = argmin_row(select(records, kind="curve", method="central"), "error")
    forward = argmin_row(select(records, kind="curve", method="forward"), "error")
    complex_ = argmin_row(select(records, kind="curve", method="complex_step"), "error")
    parts = [
        "The logistic map, the classic of every lecture on differentiation: (a) l_1..l_4 "
        "and the number of operations of dl_n/dx as SymPy's diff writes it, expanded, "
        "and after common-subexpression elimination; (b) relative error of dl_4/dx at "
        "x0 = 0.2 against the step size."
    ]
    if rows:
        last = rows[-1]
        parts.append(
            f"The raw derivative of l_{last['n']} has {last['size_raw']} operations "
            f"({last['size_raw'] / max(1, last['size_f']):.1f}× l_{last['n']} itself), "
            f"{last['size_expanded']} expanded and {last['size_cse']} after CSE."
        )
    if central and forward:
        parts.append(
            f"Forward differences reach at best {sci(forward['error'])} (h = "
            f"{sci(forward['h'], 1)}), central {sci(central['error'])} (h = "
            f"{sci(central['h'], 1)})"
            + (f", the complex step {sci(complex_['error'])}" if complex_ else "")
            + "."
        )
    return " ".join(parts) + " Reference: 50-digit mpmath."


def finite_max(values: Sequence[float]) -> float:
    """The largest finite value (nan if none)."""
    good = [v for v in values if v is not None and math.isfinite(v)]
    return max(good) if good else math.nan


def style_of(method: str) -> dict[str, Any]:
    """Plot keywords of a method (re-exported for the examples)."""
    return method_style(method)
