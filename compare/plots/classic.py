"""Figures 5, 8 and 11: expression swell, the cheap-gradient ratio, the logistic-map classic."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..records import Record, select
from ..style import GREEN, GUIDE, PINK, end_label, method_style
from .accuracy import _v_panel
from .common import EPS64, argmin_row, axes_of, sci

#: Series of the swell figure: measure -> (label, colour, line style, marker). Pink:
#: symbolic (SymPy diff solid-ish, the "graph" method dashed); green: reverse-mode AD.
SWELL_SERIES = {
    "tree": ("SymPy diff: tree", PINK, "-", "D"),
    "expanded": ("SymPy diff: expanded", PINK, ":", "v"),
    "cse": ("SymPy diff: after CSE", PINK, (0, (1, 1)), "s"),
    "dag": ("SymPy diff: DAG", PINK, "-.", "o"),
    "graph_tree": ("'graph' method: tree", PINK, "--", "^"),
    "graph_program": ("'graph' method: program (CSE)", PINK, "--", "s"),
    "graph": ("'graph' method: DAG", PINK, "--", "d"),
    "ad_graph": ("reverse-mode gradient graph", GREEN, "-", "o"),
    "function_tree": ("the function $l_k$: tree", "0.3", ":", None),
    "function": ("the function $l_k$: graph", "0.3", "-", None),
}

#: Series with sharing (shown again on linear axes in panel b).
SHARED_MEASURES = ("dag", "cse", "graph_program", "graph", "ad_graph", "function")


def _swell_rows(records: Sequence[Record], measure: str) -> tuple[list[Record], Record | None]:
    """(measured rows sorted by depth, the first stopped row or None) of one series."""
    rows = sorted(select(records, measure=measure), key=lambda r: r["depth"])
    done = [r for r in rows if not r.get("stopped") and r.get("size") is not None]
    stopped = [r for r in rows if r.get("stopped")]
    return done, (stopped[0] if stopped else None)


def plot_swell(records: Sequence[Record], ax: Any = None) -> Any:
    """Figure 5: size of the derivative of the logistic map l_k vs depth k: (a) every
    form on a log axis, (b) the forms with sharing on linear axes."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import LogLocator, NullFormatter

    fig, axes = axes_of(ax, 1, 2, aspect=0.42)
    log_ax = axes[0]
    lin_ax = axes[1] if len(axes) > 1 else None
    biggest = 1.0
    for measure, (text, colour, ls, marker) in SWELL_SERIES.items():
        done, stopped = _swell_rows(records, measure)
        if not done:
            continue
        depths = [r["depth"] for r in done]
        sizes = [float(r["size"]) for r in done]
        biggest = max(biggest, max(sizes))
        style = {"color": colour, "ls": ls, "marker": marker, "ms": 3, "label": text}
        log_ax.plot(depths, sizes, **style)
        if lin_ax is not None and measure in SHARED_MEASURES:
            lin_ax.plot(depths, sizes, **style)
        if stopped is not None:
            log_ax.plot(
                [stopped["depth"]], [sizes[-1]], marker="x", color=colour, ms=7, mew=1.8, ls="none"
            )
            if lin_ax is not None and measure in SHARED_MEASURES:
                lin_ax.plot(
                    [stopped["depth"]],
                    [sizes[-1]],
                    marker="x",
                    color=colour,
                    ms=7,
                    mew=1.8,
                    ls="none",
                )
    log_ax.set_yscale("log")
    top = 10.0 ** math.ceil(math.log10(biggest) + 0.5)
    log_ax.set_ylim(1, top)
    decades = math.log10(top)
    stride = 1 if decades <= 8 else 5 if decades <= 40 else 10
    log_ax.yaxis.set_major_locator(LogLocator(base=10.0**stride, numticks=30))
    log_ax.yaxis.set_minor_locator(LogLocator(base=10.0, subs=(1.0,), numticks=100))
    log_ax.yaxis.set_minor_formatter(NullFormatter())
    log_ax.set_xlabel("depth k of the logistic map $l_k$")
    log_ax.set_ylabel("size of d$l_k$/dx (nodes)")
    log_ax.set_title("(a) every form, log scale", loc="left")
    handles, labels = log_ax.get_legend_handles_labels()
    if any(_swell_rows(records, m)[1] is not None for m in SWELL_SERIES):
        budget = _budget_text(records)
        handles.append(Line2D([], [], color="0.3", marker="x", ls="none", ms=7, mew=1.8))
        labels.append(f"stopped by the time budget{budget}")
    if lin_ax is not None:
        lin_ax.set_xlabel("depth k of the logistic map $l_k$")
        lin_ax.set_ylabel("size (nodes)")
        lin_ax.set_ylim(bottom=0)
        lin_ax.set_xlim(left=0)
        lin_ax.set_title("(b) the forms with sharing, linear scale", loc="left")
        for measure in ("graph_program", "ad_graph", "graph", "function"):
            done, _ = _swell_rows(records, measure)
            if done:
                end_label(
                    lin_ax,
                    [r["depth"] for r in done],
                    [float(r["size"]) for r in done],
                    f"{int(done[-1]['size'])}",
                    SWELL_SERIES[measure][1],
                )
    fig.legend(handles, labels, loc="outside lower center", ncol=4)
    return fig


def _budget_text(records: Sequence[Record]) -> str:
    budgets = {r.get("budget_s") for r in records if r.get("budget_s") is not None}
    return f" ({budgets.pop():g} s per step)" if len(budgets) == 1 else ""


def caption_swell(records: Sequence[Record]) -> str:
    """Caption of figure 5."""

    def last(measure: str) -> Record | None:
        done, _ = _swell_rows(records, measure)
        return done[-1] if done else None

    parts = [
        "Size of the derivative of the logistic map l_k (l_{k+1} = 4 l_k (1 − l_k)) "
        "against the depth k: (a) on a log scale, SymPy's diff as a tree, expanded, after "
        "common-subexpression elimination and as a DAG; the symbolic 'graph' method's "
        "derivative as a tree (counted exactly on its DAG), as a DAG and as its assignment "
        "program; the reverse-mode gradient graph; the function itself as a tree and as a "
        "graph; × marks where SymPy ran over its time budget. (b) The forms with sharing on "
        "linear axes."
    ]
    tree, stopped = last("tree"), _swell_rows(records, "tree")[1]
    if tree:
        parts.append(
            f"SymPy's derivative tree reaches {tree['size']:.3g} nodes at k = {tree['depth']}"
            + (f" and its diff runs over the budget at k = {stopped['depth']}" if stopped else "")
            + f"; at the same depth its CSE form has {_size_at(records, 'cse', tree['depth'])}, "
            f"the graph method's DAG {_size_at(records, 'graph', tree['depth'])} and the "
            f"reverse-mode gradient graph {_size_at(records, 'ad_graph', tree['depth'])} nodes."
        )
    graph_tree, graph, program = last("graph_tree"), last("graph"), last("graph_program")
    ad, function = last("ad_graph"), last("function")
    if graph_tree and graph and ad:
        parts.append(
            f"At k = {graph_tree['depth']} the graph method's derivative would be a tree of "
            f"{float(graph_tree['size']):.1e} nodes, yet it is a DAG of {graph['size']} nodes"
            + (f" (a program of {program['size']})" if program else "")
            + f", the same order as the reverse-mode gradient graph ({ad['size']})"
            + (f" and {ad['size'] / function['size']:.1f}× the function's" if function else "")
            + ": swell is a property of the tree, not of symbolic differentiation."
        )
    parts.append(
        f"Sizes in expression nodes, counted by symdiff (tree sizes exactly, on the DAG); "
        f"SymPy's time budget{_budget_text(records)}; reverse-mode graph of autodiff.grad."
    )
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
    tallest = max([4.0] + [r["ratio_ops"] for r in rows] + [r["ratio_time"] for r in rows])
    panel.set_ylim(0, tallest * 1.3)
    panel.legend(fontsize="small", loc="upper left", ncol=2)
    return fig


def caption_cheap_gradient(records: Sequence[Record]) -> str:
    """Caption of figure 8."""
    ops = [r["ratio_ops"] for r in records]
    times = [r["ratio_time"] for r in records]
    worst = max(records, key=lambda r: r["ratio_ops"])
    return (
        "Cost of the value and the full gradient by reverse mode divided by the cost of the "
        "value alone, per catalog function: op nodes of the recorded value-and-gradient graph "
        "over op nodes of f, and median wall-clock time of the compiled programs "
        "(autodiff.jit: straight-line numpy code) of both. "
        f"The op ratio ranges from {min(ops):.2f} to {max(ops):.2f} (largest: "
        f"{worst['function']}) over {len(records)} functions — "
        f"{'all' if max(ops) <= 4 else 'not all'} within Griewank's bound of 4 — and the "
        f"time ratio from {min(times):.2f} to {max(times):.2f}."
    )


# ------------------------------------------------------------------ figure 11
def compact(text: str) -> str:
    """SymPy's printed form made shorter for a table cell: ** -> ^, 16*x -> 16x, other
    * -> ·.

    >>> compact("16*x*(1 - x)**2")
    '16x·(1 - x)^2'
    """
    text = re.sub(r"(\d)\*([A-Za-z(])", r"\1\2", text.replace("**", "^"))
    return text.replace("*", "·")


def table_cell(text: str | None, width: int) -> str:
    """An expression for a table cell: in full when it fits in `width` characters, else
    truncated with an ellipsis.

    >>> table_cell("4 - 8*x", 30)
    '4 - 8x'
    >>> table_cell("a*b + c*d + e*f", 8)
    'a·b + c…'
    """
    body = compact(text or "")
    if len(body) > width:
        body = body[: width - 1].rstrip() + "…"
    return body


def cse_summary(text: str) -> str:
    """A CSE form "x0 = ...; x1 = ...; d = e" as "2 defs; d = e" (the reduced expression,
    after the number of assignments).

    >>> cse_summary("x0 = 1 - x; x1 = x*x0; d = 16*x1")
    '2 defs; d = 16*x1'
    """
    parts = text.split("; ")
    defs = len(parts) - 1
    return (f"{defs} defs; " if defs else "") + parts[-1]


def plot_logistic_classic(records: Sequence[Record], ax: Any = None) -> Any:
    """Figure 11: (a) table of l_1..l_4 and dl_n/dx as SymPy's diff writes it, expanded and
    after CSE (short forms in full, long ones truncated), each with its op count; (b) error
    vs step for dl_4/dx at 0.2."""
    if ax is None:
        from ..style import new_figure

        fig, grid = new_figure(2, 1, aspect=0.85, gridspec_kw={"height_ratios": [1.0, 1.5]})
        table_ax, sweep_ax = grid[0, 0], grid[1, 0]
    else:
        fig, axes = axes_of(ax, 1, 2)
        table_ax, sweep_ax = axes
    rows = sorted(select(records, kind="table"), key=lambda r: r["n"])
    table_ax.set_axis_off()
    slides = fig.get_figwidth() > 9
    width = 22
    columns = (
        ("l_n", "size_f"),
        ("derivative_raw", "size_raw"),
        ("derivative_expanded", "size_expanded"),
        ("derivative_cse", "size_cse"),
    )
    cells = []
    for r in rows:
        line = [f"$l_{r['n']}$"]
        for text, ops in columns:
            value = r.get(text) or ""
            if text == "derivative_cse":
                value = cse_summary(value)
            line += [table_cell(value, width), str(r.get(ops, ""))]
        cells.append(line)
    labels = ["", "$l_n$", "ops", "d$l_n$/dx (SymPy diff)", "ops", "expanded", "ops"]
    labels += ["after CSE", "ops"]
    table = table_ax.table(
        cellText=cells,
        colLabels=labels,
        colWidths=[0.03] + [0.195, 0.0475] * 4,
        loc="center",
        cellLoc="left",
        edges="horizontal",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(14 if slides else 6.5)
    table.scale(1.0, 2.0 if slides else 1.5)
    for (_row, col), cell in table.get_celld().items():
        if col % 2 == 0 and col > 0:
            cell.get_text().set_horizontalalignment("right")
            cell.PAD = 0.05
    table_ax.set_title(
        "(a) the logistic map $l_{n+1} = 4 l_n (1 - l_n)$, $l_0 = x$, and d$l_n$/dx; "
        "ops: operations of the expression tree",
        loc="left",
    )
    _v_panel(
        sweep_ax,
        select(records, kind="curve")
        + select(records, kind="optimum")
        + select(records, kind="exact"),
        EPS64,
        guides=True,
        band_text=False,
    )
    sweep_ax.set_title("(b) relative error of d$l_4$/dx at $x_0$ = 0.2", loc="left")
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
        "and dl_n/dx as SymPy's diff writes it, expanded, and after common-subexpression "
        "elimination (k defs = k assignments before the result d), short forms in full and "
        "long ones cut at the ellipsis, each with its number of tree operations; "
        "(b) relative error of dl_4/dx at x0 = 0.2 against the step size."
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
