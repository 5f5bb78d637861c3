"""Figures 1, 2 and 13: error vs step size, error per method per function, float32/64."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import CompareError
from ..records import Record, select, unique
from ..style import GUIDE, line_scale, log_ticks, method_style, slides_active
from .common import EPS32, EPS64, FLOOR, argmin_row, axes_of, sci, shown, slope_guide

ORDERS = {"forward": 1, "backward": 1, "central": 2, "central4": 4}
EXACT_STYLE = {"reverse": "-", "forward_mode": (0, (5, 3)), "sympy": ":", "graph": "-."}


def featured_function(records: Sequence[Record]) -> str:
    """The function a figure or caption features: exp when present, else the first
    (figures 1 and 13 and their captions read the same selection).

    >>> featured_function([{"function": "sin"}, {"function": "exp"}])
    'exp'
    """
    functions = unique(records, "function")
    if not functions:
        raise CompareError("no records with a 'function' field: nothing to draw")
    return "exp" if "exp" in functions else functions[0]


def _curve(ax: Any, rows: Sequence[Record], method: str) -> None:
    rows = sorted(rows, key=lambda r: r["h"])
    style = method_style(method)
    style["marker"] = None
    if method == "complex_step":  # drawn wide and underneath: its h^2 side equals central's
        style.update(linewidth=3.0, alpha=0.6, zorder=1)
    ax.plot([r["h"] for r in rows], [shown(r.get("rel_error")) for r in rows], **style)


def _v_panel(
    ax: Any,
    rows: Sequence[Record],
    eps: float,
    guides: bool = True,
    exact: bool = True,
) -> None:
    curves = select(rows, kind="curve")
    methods = unique(curves, "method")
    ax.axhspan(FLOOR / 3, eps, color="0.92", zorder=0, lw=0)
    for method in methods:
        _curve(ax, select(curves, method=method), method)
    for row in select(rows, kind="optimum"):
        if row.get("h") and row["method"] in methods:
            colour = method_style(row["method"])["color"]
            ax.axvline(row["h"], ymin=0, ymax=0.07, color=colour, lw=1.6 * line_scale())
    if exact:
        for row in select(rows, kind="exact"):
            style = method_style(row["method"])
            ax.axhline(
                shown(row["rel_error"]),
                color=style["color"],
                lw=1.1 * line_scale(),
                ls=EXACT_STYLE.get(row["method"], "-"),
                label=style["label"],
                zorder=3,
            )
    if guides:
        for method in methods:
            order = ORDERS.get(method)
            anchor = [r for r in select(curves, method=method) if 5e-3 <= r["h"] <= 2e-2]
            if order and anchor and anchor[0].get("rel_error"):
                r = anchor[0]
                slope_guide(
                    ax, r["h"], r["rel_error"] * 8, order, 1.6, f"$h^{order}$", direction=-1
                )
        central = [r for r in select(curves, method="central") if 3e-14 <= r["h"] <= 1e-13]
        if central and central[0].get("rel_error"):
            r = central[0]
            # well above the curves, labelled above its far end, off the data
            slope_guide(ax, r["h"], r["rel_error"] * 60, -1, 3, "$h^{-1}$ (round-off)", va_offset=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(1e-16, 1.0)
    ax.set_ylim(FLOOR / 3, 1e3)
    log_ticks(ax)
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error")


@dataclass(frozen=True)
class Sweep:
    """What figure 1 draws and its caption quotes: each function's rows (one panel each),
    the featured function (exp when present), its best step per method and the reverse-mode
    error there, and the largest AD/symbolic error over all panels."""

    panels: dict[str, list[Record]]
    featured: str
    best: dict[str, Record | None]
    reverse_error: float | None
    worst_exact: float | None


def select_accuracy_sweep(records: Sequence[Record]) -> Sweep:
    """The panels of figure 1 and what its caption reads off the featured one."""
    functions = unique(select(records, kind="curve"), "function")
    panels = {function: select(records, function=function) for function in functions}
    name = featured_function(records)
    rows = select(records, function=name)
    curves = select(rows, kind="curve")
    best = {
        m: argmin_row(select(curves, method=m), "rel_error")
        for m in ("central", "forward", "complex_step")
    }
    reverse = select(rows, kind="exact", method="reverse")
    worst = max((r["rel_error"] for r in select(records, kind="exact")), default=None)
    panels.setdefault(name, rows)
    return Sweep(panels, name, best, reverse[0]["rel_error"] if reverse else None, worst)


def plot_accuracy_sweep(chosen: Sweep, fig: Any = None, ax: Any = None) -> Any:
    """Figure 1: one V-curve panel per function; AD/symbolic as horizontal lines."""
    functions = [f for f in chosen.panels if select(chosen.panels[f], kind="curve")]
    ncols = 2 if len(functions) > 1 else 1
    nrows = math.ceil(len(functions) / ncols)
    fig, axes = axes_of(fig, ax, nrows, ncols, aspect=0.42 * nrows)
    for i, (panel, function) in enumerate(zip(axes, functions)):
        rows = chosen.panels[function]
        _v_panel(panel, rows, EPS64, guides=True)
        panel.set_title(f"({chr(97 + i)}) {rows[0].get('label', function)}", loc="left")
        if i % ncols:
            panel.set_ylabel("")
        if i < len(functions) - ncols:
            panel.set_xlabel("")
    handles, labels_ = axes[0].get_legend_handles_labels()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles.append(Line2D([], [], color="0.3", marker="|", ls="none", ms=8, mew=1.6))
    labels_.append("theoretical optimal step (tick)")
    handles.append(Patch(color="0.92"))
    labels_.append("machine precision: error ≤ ε = 2.2e-16")
    fig.legend(handles, labels_, loc="outside upper center", ncol=3)
    return fig


def caption_accuracy_sweep(chosen: Sweep) -> str:
    """Caption of figure 1 with the numbers of this run (exp panel when present)."""
    rows = chosen.panels[chosen.featured]
    central, forward, complex_ = (chosen.best[m] for m in ("central", "forward", "complex_step"))
    ad_text = "n/a"
    if chosen.reverse_error is not None:
        ad_text = (
            "exact here (error 0)"
            if chosen.reverse_error == 0
            else f"at {sci(chosen.reverse_error)}"
        )
    parts = [
        "Relative error of the derivative against the step size h for finite differences "
        "(forward, central, 5-point) and the complex step; horizontal lines: reverse- and "
        "forward-mode AD and symbolic differentiation at the same point; ticks on the x axis: "
        "each method's theoretical optimal step; dashed grey: truncation slopes and the "
        "round-off slope h^-1.",
    ]
    if central:
        parts.append(
            f"For {rows[0].get('label', chosen.featured)}, central differences bottom out at "
            f"{sci(central['rel_error'])} at h = {sci(central['h'], 1)}, "
            f"{math.log10(central['rel_error'] / EPS64):.0f} orders of magnitude above machine "
            f"epsilon, while reverse-mode AD is {ad_text}"
            + (
                f"; forward differences at {sci(forward['rel_error'])} (h = {sci(forward['h'], 1)})"
                if forward
                else ""
            )
            + (f"; the complex step reaches {sci(complex_['rel_error'])}" if complex_ else "")
            + "."
        )
    if chosen.worst_exact is not None:
        parts.append(f"The largest AD/symbolic error over all panels is {sci(chosen.worst_exact)}.")
    parts.append("float64; reference: 50-digit mpmath.")
    return " ".join(parts)


# ------------------------------------------------------------------ figure 2
TABLE_ORDER = (
    "reverse",
    "forward_mode",
    "sympy",
    "graph",
    "complex_step",
    "central4",
    "richardson",
    "central",
    "forward",
)


@dataclass(frozen=True)
class AccuracyTable:
    """What figure 2 draws and its caption quotes: functions (rows) and methods (markers),
    each pair's finite errors, and each method's best and worst error."""

    functions: list[str]
    methods: list[str]
    errors: dict[tuple[str, str], list[float]]
    failed: int

    def worst(self, method: str) -> float | None:
        """The largest error of `method` over the functions (None if it has none)."""
        found = [e for f in self.functions for e in self.errors.get((f, method), [])]
        return max(found) if found else None

    def best(self, method: str) -> float | None:
        """The smallest error of `method` over the functions (None if it has none)."""
        found = [e for f in self.functions for e in self.errors.get((f, method), [])]
        return min(found) if found else None


def select_accuracy_table(records: Sequence[Record]) -> AccuracyTable:
    """The functions and methods of figure 2 (methods in `TABLE_ORDER`) and their errors."""
    functions = unique(records, "function")
    methods = [m for m in TABLE_ORDER if m in unique(records, "method")]
    methods += [m for m in unique(records, "method") if m not in methods]
    errors: dict[tuple[str, str], list[float]] = {}
    for row in records:
        if row.get("rel_error") is not None and math.isfinite(row["rel_error"]):
            errors.setdefault((row["function"], row["method"]), []).append(row["rel_error"])
    failed = sum(
        1 for r in records if r.get("rel_error") is None or not math.isfinite(r["rel_error"])
    )
    return AccuracyTable(functions, methods, errors, failed)


def plot_accuracy_table(chosen: AccuracyTable, fig: Any = None, ax: Any = None) -> Any:
    """Figure 2: functions down, error across (log), one marker per method."""
    import matplotlib as mpl

    fig, axes = axes_of(fig, ax, aspect=0.12 + 0.042 * len(chosen.functions))
    panel = axes[0]
    panel.axvspan(FLOOR / 3, EPS64, color="0.92", lw=0, zorder=0)
    panel.axvline(EPS64, color=GUIDE, lw=0.8, ls="--")
    panel.text(
        0.0,
        1.01,
        "shaded: error ≤ ε = 2.2e-16;  left edge: error exactly 0",
        transform=panel.transAxes,
        color="0.35",
        fontsize="small",
        va="bottom",
    )
    spread = 0.6
    for j, method in enumerate(chosen.methods):
        offset = -spread / 2 + spread * j / max(1, len(chosen.methods) - 1)
        style = method_style(method)
        points = [
            (shown(error), i + offset)
            for i, function in enumerate(chosen.functions)
            for error in chosen.errors.get((function, method), [])
        ]
        panel.plot(
            [x for x, _ in points],
            [y for _, y in points],
            ls="none",
            marker=style["marker"],
            color=style["color"],
            label=style["label"],
            markersize=1.15 * float(mpl.rcParams["lines.markersize"]),
            alpha=0.9,
        )
    panel.set_yticks(range(len(chosen.functions)))
    panel.set_yticklabels(chosen.functions)
    panel.set_ylim(len(chosen.functions) - 0.5, -0.5)
    panel.set_xscale("log")
    worst = max((w for m in chosen.methods if (w := chosen.worst(m)) is not None), default=1e-8)
    panel.set_xlim(FLOOR / 3, max(worst, 1e-12) * 30)
    log_ticks(panel, "x")
    panel.grid(axis="y", alpha=0)
    panel.set_xlabel("relative error of the gradient (max norm)")
    panel.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=1.3)
    return fig


def caption_accuracy_table(chosen: AccuracyTable) -> str:
    """Caption of figure 2."""
    worst, best = chosen.worst, chosen.best
    exact = max(worst(m) or 0.0 for m in ("reverse", "forward_mode", "sympy"))
    text = (
        f"Relative error of the gradient of each of the {len(chosen.functions)} smooth scalar "
        "catalog functions at its textbook point, one marker per method (default steps for "
        "the numerical methods); errors of exactly 0 sit at the left edge. "
        f"The worst reverse-mode AD error is {sci(worst('reverse'))}, forward mode "
        f"{sci(worst('forward_mode'))}, symbolic {sci(worst('sympy'))}: at most "
        f"{exact / EPS64:.0f} ε on every function; central differences range from "
        f"{sci(best('central'))} to {sci(worst('central'))} and forward differences reach "
        f"{sci(worst('forward'))}."
    )
    if chosen.failed:
        text += f" {chosen.failed} method/function pairs failed (see the CSV notes)."
    return text + " float64; reference: 50-digit mpmath."


# ------------------------------------------------------------------ figure 13
@dataclass(frozen=True)
class Precision:
    """What figure 13 draws and its caption quotes: the featured function's rows per dtype
    (a panel each) and each (dtype, method)'s best step."""

    function: str
    rows: dict[str, list[Record]]
    best: dict[tuple[str, str], Record | None]


def select_precision(records: Sequence[Record]) -> Precision:
    """The float32 and float64 rows of the featured function and their best steps."""
    function = featured_function(records)
    rows = {d: select(records, function=function, dtype=d) for d in ("float32", "float64")}
    best = {
        (dtype, method): argmin_row(select(found, kind="curve", method=method), "rel_error")
        for dtype, found in rows.items()
        for method in unique(select(found, kind="curve"), "method")
    }
    return Precision(function, rows, best)


def plot_precision(chosen: Precision, fig: Any = None, ax: Any = None) -> Any:
    """Figure 13: the V-curves of one function in float32 and float64 side by side."""
    import matplotlib as mpl

    function = chosen.function
    fig, axes = axes_of(fig, ax, 1, 2, aspect=0.36)
    for panel, dtype, eps in zip(axes, ("float32", "float64"), (EPS32, EPS64)):
        rows = chosen.rows[dtype]
        _v_panel(panel, rows, eps, guides=False, exact=False)
        for method in unique(select(rows, kind="curve"), "method"):
            best = chosen.best.get((dtype, method))
            if best:
                panel.plot(
                    [best["h"]],
                    [shown(best["rel_error"])],
                    marker="o",
                    ms=1.4 * float(mpl.rcParams["lines.markersize"]),
                    mfc="white",
                    color=method_style(method)["color"],
                )
        for power, text in ((0.5, "$\\varepsilon^{1/2}$"), (1 / 3, "$\\varepsilon^{1/3}$")):
            panel.axvline(eps**power, color=GUIDE, lw=0.8, ls=":")
            panel.annotate(
                text,
                (eps**power, 1e2),
                xytext=(2, 0),
                textcoords="offset points",
                fontsize="small",
                color="0.35",
                rotation=90,
                va="top",
            )
        panel.set_title(
            f"({'ab'[dtype == 'float64']}) {dtype}: "
            f"{rows[0].get('label', function) if rows else function}",
            loc="left",
        )
    axes[1].set_ylabel("")
    from matplotlib.patches import Patch

    handles, labels_ = axes[0].get_legend_handles_labels()
    handles.append(Patch(color="0.92"))
    labels_.append("shaded: error ≤ ε of the panel's dtype")
    fig.legend(handles, labels_, loc="outside upper center", ncol=2 if slides_active() else 4)
    return fig


def caption_precision(chosen: Precision) -> str:
    """Caption of figure 13."""
    parts = [
        "Relative error against step size for the same function computed in float32 (left) "
        "and float64 (right); open circles mark each method's best step, dotted lines the "
        "textbook optima ε^(1/2) (forward) and ε^(1/3) (central), ticks numdiff's model optima."
    ]
    found = chosen.best
    c32, c64 = found.get(("float32", "central")), found.get(("float64", "central"))
    f32, f64 = found.get(("float32", "forward")), found.get(("float64", "forward"))
    if c32 and c64:
        parts.append(
            f"The best central step moves from h = {sci(c64['h'], 1)} (float64) to "
            f"{sci(c32['h'], 1)} (float32) and its error from {sci(c64['rel_error'])} to "
            f"{sci(c32['rel_error'])}, as ε^(1/3) predicts"
            + (
                f"; forward differences from h = {sci(f64['h'], 1)} to {sci(f32['h'], 1)} (ε^(1/2))"
                if f32 and f64
                else ""
            )
            + "."
        )
    parts.append(f"Function: {chosen.function} at its textbook point; reference: 50-digit mpmath.")
    return " ".join(parts)
