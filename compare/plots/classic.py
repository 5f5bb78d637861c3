"""Figures 5, 8 and 11: expression swell, the cheap-gradient ratio, the logistic-map classic."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Record, select
from ..style import GREEN, GUIDE, PINK, slides_active
from .accuracy import _v_panel
from .common import EPS64, argmin_row, axes_of, sci

#: Series of the swell figure: measure -> (label, colour, line style, marker). Pink:
#: symbolic (SymPy diff; the "graph" method dashed, in a darker pink so the two families
#: read apart); green: reverse-mode AD; grey: the function itself.
GRAPH_PINK = "#8E3B72"
SWELL_SERIES = {
    "tree": ("SymPy diff: tree", PINK, "-", "D"),
    "expanded": ("SymPy diff: expanded", PINK, ":", "v"),
    "cse": ("SymPy diff: after CSE", PINK, (0, (1, 1)), "s"),
    "dag": ("SymPy diff: DAG", PINK, "-.", "o"),
    "graph_tree": ("'graph' method: tree (counted)", GRAPH_PINK, "--", "^"),
    "graph": ("'graph' method: DAG", GRAPH_PINK, "--", "d"),
    "graph_program": ("'graph' method: program", GRAPH_PINK, "--", "s"),
    "ad_graph": ("reverse-mode gradient graph", GREEN, "-", "o"),
    "function_tree": ("the function $l_k$: tree", "0.3", ":", None),
    "function": ("the function $l_k$: graph", "0.3", "-", None),
}

#: Panel (a), log scale: the tree forms (the ones that swell), with the AD graph for scale;
#: panel (b), linear scale: the forms with sharing.
TREE_MEASURES = ("tree", "expanded", "graph_tree", "function_tree", "ad_graph")
SHARED_MEASURES = ("dag", "cse", "graph", "graph_program", "ad_graph", "function")


@dataclass(frozen=True)
class Swell:
    """What figure 5 draws and its caption quotes: per measure, the measured rows by depth
    and the first row stopped by the budget; the budget per step (None if it varies); the
    deepest reverse-mode gradient graph over the deepest function graph."""

    done: dict[str, list[Record]]
    stopped: dict[str, Record]
    budget_s: float | None
    ad_over_function: float | None = None

    def last(self, measure: str) -> Record | None:
        """The deepest measured row of a series (None if it has none)."""
        rows = self.done.get(measure, [])
        return rows[-1] if rows else None

    def size_at(self, measure: str, depth: int) -> float | None:
        """The measured size of a series at `depth` (None if not measured there)."""
        return next((r["size"] for r in self.done.get(measure, []) if r["depth"] == depth), None)


def select_swell(records: Sequence[Record]) -> Swell:
    """The series of figure 5 (measured rows by depth, the first stopped row) and the budget."""
    done: dict[str, list[Record]] = {}
    stopped: dict[str, Record] = {}
    for measure in SWELL_SERIES:
        rows = sorted(select(records, measure=measure), key=lambda r: r["depth"])
        done[measure] = [r for r in rows if not r.get("stopped") and r.get("size") is not None]
        halted = [r for r in rows if r.get("stopped")]
        if halted:
            stopped[measure] = halted[0]
    budgets = {r.get("budget_s") for r in records if r.get("budget_s") is not None}
    ad, function = done["ad_graph"][-1:], done["function"][-1:]
    ratio = ad[0]["size"] / function[0]["size"] if ad and function else None
    return Swell(done, stopped, budgets.pop() if len(budgets) == 1 else None, ratio)


def _swell_panel(panel: Any, chosen: Swell, measures: Sequence[str]) -> bool:
    """Draw the series `measures` into `panel`, × where a series ran over its budget;
    returns whether any series was stopped."""
    import matplotlib as mpl

    any_stopped = False
    for measure in measures:
        done, stopped = chosen.done.get(measure), chosen.stopped.get(measure)
        if not done:
            continue
        text, colour, ls, marker = SWELL_SERIES[measure]
        depths, sizes = [r["depth"] for r in done], [float(r["size"]) for r in done]
        size = 0.8 * float(mpl.rcParams["lines.markersize"])
        panel.plot(depths, sizes, color=colour, ls=ls, marker=marker, ms=size, label=text)
        if stopped is not None:
            any_stopped = True
            panel.plot(
                [stopped["depth"]], [sizes[-1]], marker="x", color=colour, ms=7, mew=1.8, ls="none"
            )
    return any_stopped


def plot_swell(chosen: Swell, fig: Any = None, ax: Any = None) -> Any:
    """Figure 5: size of the derivative of the logistic map l_k vs depth k: (a) the tree
    forms on log-log axes, (b) the forms with sharing on linear axes."""
    from matplotlib.lines import Line2D

    fig, (log_ax, lin_ax) = axes_of(fig, ax, 1, 2, aspect=0.55)
    stopped = _swell_panel(log_ax, chosen, TREE_MEASURES)
    stopped |= _swell_panel(lin_ax, chosen, SHARED_MEASURES)
    sizes = [float(r["size"]) for rows in chosen.done.values() for r in rows]
    _swell_axes(log_ax, lin_ax, max([1.0, *sizes]))
    # one key under both panels, grouped by column: SymPy diff, the graph method and AD,
    # the function and the budget mark
    entries: dict[str, Any] = {}
    for panel in (log_ax, lin_ax):
        for handle, text in zip(*panel.get_legend_handles_labels()):
            entries.setdefault(text, handle)
    order = [SWELL_SERIES[m][0] for m in SWELL_SERIES if SWELL_SERIES[m][0] in entries]
    handles = [entries[text] for text in order]
    if stopped:
        handles.append(Line2D([], [], color="0.3", marker="x", ls="none", ms=7, mew=1.8))
        order.append(f"stopped by the time budget{_budget_text(chosen)}")
    fig.legend(handles, order, loc="outside lower center", ncol=3, fontsize="small")
    return fig


def _swell_axes(log_ax: Any, lin_ax: Any, biggest: float) -> None:
    """Scales, ticks, limits and labels of figure 5's two panels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    log_ax.set_xscale("log")
    log_ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    log_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    log_ax.xaxis.set_minor_formatter(NullFormatter())
    log_ax.set_yscale("log")
    top = 10.0 ** math.ceil(math.log10(biggest) + 0.5)
    log_ax.set_ylim(1, top)
    decades = math.log10(top)
    stride = 1 if decades <= 8 else 5 if decades <= 40 else 10
    log_ax.yaxis.set_major_locator(LogLocator(base=10.0**stride, numticks=30))
    log_ax.yaxis.set_minor_locator(LogLocator(base=10.0, subs=(1.0,), numticks=100))
    log_ax.yaxis.set_minor_formatter(NullFormatter())
    log_ax.set_title("(a) the trees swell (log-log)", loc="left")
    lin_ax.set_ylim(bottom=0)
    lin_ax.set_xlim(left=0)
    lin_ax.set_title("(b) with sharing: linear", loc="left")
    for panel in (log_ax, lin_ax):
        panel.set_xlabel("depth k of the logistic map $l_k$")
    log_ax.set_ylabel("size of d$l_k$/dx (nodes)")
    lin_ax.set_ylabel("size (nodes)")


def _budget_text(chosen: Swell) -> str:
    return f" ({chosen.budget_s:g} s per step)" if chosen.budget_s is not None else ""


def caption_swell(chosen: Swell) -> str:
    """Caption of figure 5."""
    last = chosen.last
    parts = [
        "Size of the derivative of the logistic map l_k (l_{k+1} = 4 l_k (1 − l_k)) "
        "against the depth k: (a) the tree forms on log-log axes: SymPy's diff as a tree "
        "and expanded, the symbolic 'graph' method's derivative as a tree (counted exactly on "
        "its DAG), the function itself as a tree, and the reverse-mode gradient graph for "
        "scale; (b) the forms with sharing on linear axes: SymPy's diff as a DAG and after "
        "common-subexpression elimination, the graph method's DAG and assignment program, "
        "the reverse-mode gradient graph and the function's graph; × marks where SymPy ran "
        "over its time budget."
    ]
    tree, stopped = last("tree"), chosen.stopped.get("tree")
    if tree:
        depth = tree["depth"]

        def at(measure: str) -> str:
            size = chosen.size_at(measure, depth)
            return "n/a" if size is None else f"{size:.0f}"

        parts.append(
            f"SymPy's derivative tree reaches {tree['size']:.3g} nodes at k = {depth}"
            + (f" and its diff runs over the budget at k = {stopped['depth']}" if stopped else "")
            + f"; at the same depth its CSE form has {at('cse')}, the graph method's DAG "
            f"{at('graph')} and the reverse-mode gradient graph {at('ad_graph')} nodes."
        )
    graph_tree, graph, program = last("graph_tree"), last("graph"), last("graph_program")
    ad, ratio = last("ad_graph"), chosen.ad_over_function
    if graph_tree and graph and ad:
        parts.append(
            f"At k = {graph_tree['depth']} the graph method's derivative would be a tree of "
            f"{float(graph_tree['size']):.1e} nodes, yet it is a DAG of {graph['size']} nodes"
            + (f" (a program of {program['size']})" if program else "")
            + f", the same order as the reverse-mode gradient graph ({ad['size']})"
            + (f" and {ratio:.1f}× the function's" if ratio is not None else "")
            + ": swell is a property of the tree, not of symbolic differentiation."
        )
    parts.append(
        f"Sizes in expression nodes, counted by symdiff (tree sizes exactly, on the DAG); "
        f"SymPy's time budget{_budget_text(chosen)}; reverse-mode graph of autodiff.grad."
    )
    return " ".join(parts)


# ------------------------------------------------------------------ figure 8
@dataclass(frozen=True)
class Cheap:
    """What figure 8 draws and its caption quotes: the rows in the order drawn (by op
    ratio) and the functions that share the largest op ratio."""

    rows: list[Record]
    top: list[str]


def select_cheap_gradient(records: Sequence[Record]) -> Cheap:
    """The bars of figure 8 and the functions at the top (ties kept)."""
    rows = sorted(records, key=lambda r: r["ratio_ops"])
    most = max((r["ratio_ops"] for r in rows), default=0.0)
    return Cheap(rows, [r["function"] for r in rows if abs(r["ratio_ops"] - most) < 1e-9])


def plot_cheap_gradient(chosen: Cheap, fig: Any = None, ax: Any = None) -> Any:
    """Figure 8: ops(value + gradient) / ops(f) and the time ratio, one pair of horizontal
    bars per catalog function (functions down, so every name reads horizontally)."""
    rows = chosen.rows
    fig, axes = axes_of(fig, ax, aspect=0.16 + 0.032 * len(rows))
    panel = axes[0]
    y = np.arange(len(rows))
    height = 0.38
    panel.barh(
        y - height / 2,
        [r["ratio_ops"] for r in rows],
        height,
        color=GREEN,
        label="ops(value + gradient) / ops(f)",
    )
    panel.barh(
        y + height / 2,
        [r["ratio_time"] for r in rows],
        height,
        color="#7FDDC0",
        hatch="///",
        edgecolor="white",
        label="time(value + gradient) / time(f)",
    )
    for level, text in ((3.0, "Baur–Strassen: 3"), (4.0, "Griewank: 4")):
        panel.axvline(level, color=GUIDE, ls="--", lw=0.8)
        panel.annotate(
            text,
            (level, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right" if level == 3.0 else "left",
            va="bottom",
            fontsize="small",
            color="0.3",
            annotation_clip=False,
        )
    panel.set_yticks(y)
    panel.set_yticklabels([r["function"] for r in rows])
    panel.set_ylim(len(rows) - 0.4, -0.6)
    panel.set_xlabel("cost of value + gradient / cost of f")
    tallest = max([4.0] + [r["ratio_ops"] for r in rows] + [r["ratio_time"] for r in rows])
    panel.set_xlim(0, tallest * 1.05)
    panel.grid(axis="y", alpha=0)
    panel.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig


def caption_cheap_gradient(chosen: Cheap) -> str:
    """Caption of figure 8."""
    rows, top = chosen.rows, chosen.top
    ops = [r["ratio_ops"] for r in rows]
    times = [r["ratio_time"] for r in rows]
    largest = top[0] if len(top) == 1 else f"{len(top)} functions tie: {', '.join(top)}"
    return (
        "Cost of the value and the full gradient by reverse mode divided by the cost of the "
        "value alone, per catalog function: op nodes of the recorded value-and-gradient graph "
        "over op nodes of f, and median wall-clock time of the compiled programs "
        "(autodiff.jit: straight-line numpy code) of both. "
        f"The op ratio ranges from {min(ops):.2f} to {max(ops):.2f} (largest: {largest}) "
        f"over {len(rows)} functions — {'all' if max(ops) <= 4 else 'not all'} within "
        f"Griewank's bound of 4 — and the time ratio from {min(times):.2f} to "
        f"{max(times):.2f}."
    )


# ------------------------------------------------------------------ figure 11
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def compact(text: str) -> str:
    """SymPy's printed form as a textbook writes it: powers as superscripts (x**3 -> x³),
    products by juxtaposition where unambiguous (16*x*(1 - x) -> 16x(1 - x)), other
    products with ·; the CSE symbols x0, x1, ... become t₀, t₁, ... (never mistaken for
    powers of x).

    >>> compact("16*x*(1 - x)**2 - x*x12*(8*x - 4)")
    '16x(1 - x)² - x·t₁₂(8x - 4)'
    """
    text = re.sub(r"\bx(\d+)\b", lambda m: "t" + m.group(1).translate(_SUBSCRIPTS), text)
    text = re.sub(r"\*\*(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"(?<=\d)\*(?=[A-Za-z(])", "", text)  # 16*x -> 16x, 16*( -> 16(
    text = re.sub(r"(?<=[A-Za-z)¹²³⁰-⁹₀-₉])\*(?=\()", "", text)  # x*( -> x(, )*( -> )(
    return text.replace("*", "·")


def table_cell(text: str | None, width: int, lines: int = 1) -> str:
    """An expression for a table cell: in full when it fits in `lines` lines of `width`
    characters (wrapped at spaces), else cut at the ellipsis.

    >>> table_cell("4 - 8*x", 30)
    '4 - 8x'
    >>> table_cell("a*b + c*d + e*f", 8)
    'a·b +…'
    >>> print(table_cell("a*b + c*d + e*f", 9, lines=2))
    a·b + c·d
    + e·f
    """
    import textwrap

    body = compact(text or "")
    wrapped = textwrap.wrap(body, width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def cse_summary(text: str) -> str:
    """A CSE form "x0 = ...; x1 = ...; d = e" as "2 defs; d = e" (the reduced expression,
    after the number of assignments).

    >>> cse_summary("x0 = 1 - x; x1 = x*x0; d = 16*x1")
    '2 defs; d = 16*x1'
    """
    parts = text.split("; ")
    defs = len(parts) - 1
    return (f"{defs} defs; " if defs else "") + parts[-1]


#: Figure 11's table: (record field of the form, field of its op count, column title,
#: share of the table's width).
LOGISTIC_COLUMNS = (
    ("l_n", "size_f", "$l_n$", 0.21),
    ("derivative_raw", "size_raw", "d$l_n$/dx (SymPy diff)", 0.24),
    ("derivative_expanded", "size_expanded", "expanded", 0.18),
    ("derivative_cse", "size_cse", "after CSE", 0.19),
)
OPS_WIDTH = 0.04


def _logistic_table(table_ax: Any, rows: Sequence[Record]) -> None:
    """Figure 11 (a): l_n and the three forms of dl_n/dx, wrapped to two lines per cell
    (cut at the ellipsis only when longer), each with its op count."""
    slides = slides_active()
    fontsize = 12 if slides else 6.5
    root = table_ax.get_figure(root=True)
    width_pt = root.get_figwidth() * 72 * 0.96
    cells = []
    for r in rows:
        line = [f"$l_{r['n']}$"]
        for text, ops, _, share in LOGISTIC_COLUMNS:
            value = r.get(text) or ""
            if text == "derivative_cse":
                value = cse_summary(value)
            chars = int(share * width_pt / (0.68 * fontsize))
            line += [table_cell(value, chars, lines=2), str(r.get(ops, ""))]
        cells.append(line)
    labels = [""] + [x for _, _, title, _ in LOGISTIC_COLUMNS for x in (title, "ops")]
    widths = [1.0 - sum(c[3] for c in LOGISTIC_COLUMNS) - OPS_WIDTH * len(LOGISTIC_COLUMNS)]
    widths += [x for c in LOGISTIC_COLUMNS for x in (c[3], OPS_WIDTH)]
    table = table_ax.table(
        cellText=cells,
        colLabels=labels,
        colWidths=widths,
        bbox=[0, 0, 1, 1],  # exactly the panel: rows share its height
        cellLoc="left",
        edges="horizontal",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    for (_row, col), cell in table.get_celld().items():
        if col % 2 == 0 and col > 0:
            cell.get_text().set_horizontalalignment("right")
            cell.PAD = 0.05
    table_ax.set_axis_off()
    table_ax.set_title(
        "(a) $l_{n+1} = 4 l_n (1 - l_n)$, $l_0 = x$; ops: operations of the tree", loc="left"
    )


@dataclass(frozen=True)
class Logistic:
    """What figure 11 draws and its caption quotes: the table rows by n, the rows of the
    error sweep, each method's best step, and the raw derivative's size over the
    function's at the deepest n."""

    table: list[Record]
    sweep: list[Record]
    best: dict[str, Record | None]
    raw_over_f: float | None = None


def select_logistic_classic(records: Sequence[Record]) -> Logistic:
    """The table, the sweep (curves, optima, exact lines) and the best step per method."""
    curves = select(records, kind="curve")
    best = {
        m: argmin_row(select(curves, method=m), "rel_error")
        for m in ("forward", "central", "complex_step")
    }
    table = sorted(select(records, kind="table"), key=lambda r: r["n"])
    ratio = table[-1]["size_raw"] / max(1, table[-1]["size_f"]) if table else None
    sweep = curves + select(records, kind="optimum") + select(records, kind="exact")
    return Logistic(table, sweep, best, ratio)


def plot_logistic_classic(chosen: Logistic, fig: Any = None, ax: Any = None) -> Any:
    """Figure 11: (a) table of l_1..l_4 and dl_n/dx as SymPy's diff writes it, expanded and
    after CSE (in full up to two lines, longer ones cut), each with its op count; (b) error
    vs step for dl_4/dx at 0.2."""
    ratios = [1.3, 1.3] if slides_active() else [1.0, 1.4]
    fig, (table_ax, sweep_ax) = axes_of(fig, ax, 2, 1, aspect=0.9, height_ratios=ratios)
    _logistic_table(table_ax, chosen.table)
    _v_panel(sweep_ax, chosen.sweep, EPS64, guides=True)
    sweep_ax.set_title("(b) relative error of d$l_4$/dx at $x_0$ = 0.2", loc="left")
    fig.legend(*sweep_ax.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    return fig


def caption_logistic_classic(chosen: Logistic) -> str:
    """Caption of figure 11."""
    rows = chosen.table
    central, forward, complex_ = (chosen.best[m] for m in ("central", "forward", "complex_step"))
    parts = [
        "The logistic map, the classic of every lecture on differentiation: (a) l_1..l_4 "
        "and dl_n/dx as SymPy's diff writes it, expanded, and after common-subexpression "
        "elimination (k defs = k assignments t_i before the result d), in full up to two "
        "lines and cut at the ellipsis beyond, each with its number of tree operations; "
        "(b) relative error of dl_4/dx at x0 = 0.2 against the step size."
    ]
    if rows:
        last = rows[-1]
        parts.append(
            f"The raw derivative of l_{last['n']} has {last['size_raw']} operations "
            f"({chosen.raw_over_f:.1f}× l_{last['n']} itself), "
            f"{last['size_expanded']} expanded and {last['size_cse']} after CSE."
        )
    if central and forward:
        parts.append(
            f"Forward differences reach at best {sci(forward['rel_error'])} (h = "
            f"{sci(forward['h'], 1)}), central {sci(central['rel_error'])} (h = "
            f"{sci(central['h'], 1)})"
            + (f", the complex step {sci(complex_['rel_error'])}" if complex_ else "")
            + "."
        )
    return " ".join(parts) + " Reference: 50-digit mpmath."
