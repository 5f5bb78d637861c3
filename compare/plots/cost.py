"""Figures 3 and 4: the cost of a full gradient vs n; forward vs reverse crossover."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Record, select, unique
from ..style import GUIDE, log_ticks, method_style
from .common import axes_of, sci, slope_guide

GRADIENT_METHODS = ("forward", "central", "forward_mode", "sympy", "reverse")


#: Functions of figure 3, in row order: record name -> row title.
COST_FUNCTIONS = {
    "rosenbrock": "Rosenbrock(n)",
    "mlp": "MLP (n = 5h+2)",
}


def cost_functions(records: Sequence[Record]) -> list[str]:
    """The functions of figure 3 in row order (Rosenbrock, the MLP, then any other): the
    plot's rows and the caption's sentences.

    >>> cost_functions([{"function": "mlp"}, {"function": "rosenbrock"}])
    ['rosenbrock', 'mlp']
    """
    names = [name for name in COST_FUNCTIONS if select(records, function=name)]
    return names + [n for n in unique(records, "function") if n not in names]


@dataclass(frozen=True)
class Cost:
    """What figure 3 draws and its caption quotes: each function's rows, in row order."""

    functions: dict[str, list[Record]]


def select_cost_scaling(records: Sequence[Record]) -> Cost:
    """The rows of figure 3, one entry per function (`cost_functions` order)."""
    return Cost({name: select(records, function=name) for name in cost_functions(records)})


def plot_cost_scaling(chosen: Cost, fig: Any = None, ax: Any = None) -> Any:
    """Figure 3: per function (one row each: Rosenbrock, MLP), (a) seconds vs n and
    (b) cost in function evaluations vs n."""
    rows_n = max(1, len(chosen.functions))
    fig, axes = axes_of(fig, ax, rows_n, 2, aspect=0.4 * rows_n)
    for row, (name, subset) in enumerate(chosen.functions.items()):
        letters = "abcdefgh"[2 * row : 2 * row + 2]
        _cost_row(subset, axes[2 * row], axes[2 * row + 1], COST_FUNCTIONS.get(name, name), letters)
    handles: dict[str, Any] = {}
    for panel in axes[0::2]:
        for handle, text in zip(*panel.get_legend_handles_labels()):
            handles.setdefault(text, handle)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=4)
    return fig


def _cost_row(
    records: Sequence[Record], time_ax: Any, cost_ax: Any, title: str, letters: str
) -> None:
    """One function's pair of panels of figure 3."""
    base = sorted(select(records, kind="function"), key=lambda r: r["n"])
    time_ax.plot(
        [r["n"] for r in base],
        [r["time_s"] for r in base],
        color="0.3",
        lw=1,
        marker=".",
        label="f itself",
    )
    for method in GRADIENT_METHODS:
        rows = sorted(select(records, kind="gradient", method=method), key=lambda r: r["n"])
        if rows:
            _method_lines(time_ax, cost_ax, method, rows)
    setup = sorted(select(records, kind="setup"), key=lambda r: r["n"])
    if setup:
        time_ax.plot(
            [r["n"] for r in setup],
            [r["time_s"] for r in setup],
            color=method_style("sympy")["color"],
            ls=":",
            marker="D",
            mfc="white",
            label="symbolic diff + lambdify (one-off)",
        )
    ns = sorted(unique(records, "n"))
    if ns:
        _cost_guides(time_ax, cost_ax, ns, select(records, kind="gradient"))
    for panel in (time_ax, cost_ax):
        panel.set_xscale("log", base=2)
        panel.set_yscale("log")
        panel.set_xlabel("n (number of inputs)")
        log_ticks(panel, "y")
    time_ax.set_ylabel("time per gradient (s)")
    cost_ax.set_ylabel("cost (evaluations of f)")
    time_ax.set_title(f"({letters[0]}) {title}: time", loc="left")
    cost_ax.set_title(f"({letters[1]}) {title}: cost", loc="left")


def _method_lines(time_ax: Any, cost_ax: Any, method: str, rows: Sequence[Record]) -> None:
    """One method's time and cost against n; reverse mode's last cost written at its end."""
    style = method_style(method)
    ns = [r["n"] for r in rows]
    time_ax.plot(ns, [r["time_s"] for r in rows], **style)
    cost_ax.plot(ns, [r["cost"] for r in rows], **style)
    if method == "reverse":
        cost_ax.annotate(
            f"reverse: {rows[-1]['cost']:.1f} f",
            (ns[-1], rows[-1]["cost"]),
            xytext=(4, 0),  # right of the line's end: no line runs through it
            textcoords="offset points",
            ha="left",
            va="center",
            color=style["color"],
            fontsize="small",
        )


def _cost_guides(time_ax: Any, cost_ax: Any, ns: list[int], gradients: Sequence[Record]) -> None:
    """The grey guides of figure 3: n + 1 and 2n evaluations, slope 1 in time."""
    for count, text, va in (  # 2n above its line end, n + 1 below: never on each other
        (lambda n: 2 * n, "2n", "bottom"),
        (lambda n: n + 1, "n + 1", "top"),
    ):
        cost_ax.plot(ns, [count(n) for n in ns], color=GUIDE, lw=0.8, ls="--", zorder=1)
        cost_ax.annotate(
            text,
            (ns[-1], count(ns[-1])),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize="small",
            color="0.35",
            va=va,
        )
    first = [r for r in gradients if r["n"] == ns[0]]
    if first:
        top = max(r["time_s"] for r in first) * 3
        slope_guide(time_ax, ns[0], top, 1, math.log10(ns[-1] / ns[0]), "slope 1")


def _at(records: Sequence[Record], method: str, n: int) -> float | None:
    rows = [r for r in select(records, kind="gradient", method=method) if r["n"] == n]
    return rows[0]["cost"] if rows else None


def caption_cost_scaling(chosen: Cost) -> str:
    """Caption of figure 3."""
    parts = [
        "Cost of the full gradient of f: R^n -> R as n grows, for the Rosenbrock function "
        "of n variables and for the softmax cross-entropy of a 2-h-2 tanh MLP on 32 "
        "two-moons points as a function of its n = 5h + 2 parameters: median seconds per "
        "gradient, and the same divided by the time of one evaluation of f; dashed guides: "
        "n + 1 and 2n evaluations. Reverse mode runs its compiled value-and-gradient program "
        "(autodiff.jit: straight-line numpy code) and is divided by the compiled f; the "
        "other methods call f itself and are divided by its time."
    ]
    for name, subset in chosen.functions.items():
        title = {"rosenbrock": "Rosenbrock", "mlp": "the MLP"}.get(name, name)
        ns = sorted(unique(select(subset, kind="gradient"), "n"))
        if not ns:
            continue
        lo, hi = ns[0], ns[-1]
        parts.append(
            f"For {title}, from n = {lo} to n = {hi}, reverse-mode AD goes from "
            f"{_fmt(_at(subset, 'reverse', lo))} to {_fmt(_at(subset, 'reverse', hi))} "
            f"evaluations of f, while forward-mode AD grows from "
            f"{_fmt(_at(subset, 'forward_mode', lo))} to {_fmt(_at(subset, 'forward_mode', hi))}"
            f" and central differences from {_fmt(_at(subset, 'central', lo))} to "
            f"{_fmt(_at(subset, 'central', hi))}."
        )
        setup = sorted(select(subset, kind="setup"), key=lambda r: r["n"])
        if setup:
            parts.append(
                f"Symbolic differentiation pays a one-off {setup[-1]['time_s']:.2g} s (diff + "
                f"lambdify, n = {setup[-1]['n']}) before each evaluation costs "
                f"{_fmt(_at(subset, 'sympy', setup[-1]['n']))} f."
            )
    parts.append("float64; medians of repeated runs on a shared 2-core machine.")
    return " ".join(parts)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _times(ratio: float) -> str:
    """A time ratio for a caption: 410×, 3.2×, 0.001×."""
    return f"{ratio:.0f}×" if ratio >= 100 else f"{ratio:.2g}×"


def crossing(records: Sequence[Record]) -> float | None:
    """n/m where log(ratio) crosses 0, interpolated in log-log (None if it never does)."""
    rows = sorted(records, key=lambda r: r["n_over_m"])
    for a, b in itertools.pairwise(rows):
        la, lb = math.log(a["ratio"]), math.log(b["ratio"])
        if la == 0:
            return a["n_over_m"]
        if la * lb < 0:
            xa, xb = math.log(a["n_over_m"]), math.log(b["n_over_m"])
            return math.exp(xa + (xb - xa) * (-la) / (lb - la))
    return None


@dataclass(frozen=True)
class Crossover:
    """What figure 4 draws and its caption quotes: the rows by n/m and their crossing."""

    rows: list[Record]
    cross: float | None
    agree: float


def select_crossover(records: Sequence[Record]) -> Crossover:
    """The rows of figure 4 sorted by n/m, where the ratio crosses 1, and the largest
    difference of the two Jacobians."""
    rows = sorted(records, key=lambda r: r["n_over_m"])
    return Crossover(rows, crossing(rows), max(r["max_abs_difference"] for r in rows))


def plot_crossover(chosen: Crossover, fig: Any = None, ax: Any = None) -> Any:
    """Figure 4: t(jacfwd) / t(jacrev) against n / m, the line 1 and the crossover."""
    fig, axes = axes_of(fig, ax, aspect=0.8, width="single")
    panel = axes[0]
    xs = np.array([r["n_over_m"] for r in chosen.rows])
    ys = np.array([r["ratio"] for r in chosen.rows])
    panel.plot(xs, ys, color="0.2", marker="o", label="time(jacfwd) / time(jacrev)")
    panel.axhline(1.0, color=GUIDE, lw=0.8)
    for method, where in (("forward_mode", ys < 1), ("reverse", ys > 1)):
        colour = method_style(method)["color"]
        panel.fill_between(
            xs, ys, 1.0, where=where, color=colour, alpha=0.2, interpolate=True, lw=0
        )
    if chosen.cross is not None:
        panel.axvline(chosen.cross, color=GUIDE, ls="--", lw=0.8)
        panel.annotate(
            f"crossover n/m ≈ {chosen.cross:.2g}",
            (chosen.cross, 1.0),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize="small",
            color="0.3",
        )
    # each label in its shaded region: at the axes' edge, just under / over the line 1
    for method, x, text, ha, va, rise in (
        ("forward_mode", 0.03, "forward mode wins\n(few inputs)", "left", "top", -5),
        ("reverse", 0.97, "reverse mode wins\n(few outputs)", "right", "bottom", 5),
    ):
        panel.annotate(
            text,
            (x, 1.0),
            xycoords=("axes fraction", "data"),
            xytext=(0, rise),
            textcoords="offset points",
            color=method_style(method)["color"],
            ha=ha,
            va=va,
            fontsize="small",
        )
    panel.set_xscale("log", base=2)
    panel.set_yscale("log")
    log_ticks(panel, "y")
    panel.set_xlabel("n / m (inputs / outputs)")
    panel.set_ylabel("time ratio jacfwd / jacrev")
    return fig


def caption_crossover(chosen: Crossover) -> str:
    """Caption of figure 4."""
    first, last = chosen.rows[0], chosen.rows[-1]
    return (
        f"Time of the full Jacobian of f(x) = tanh(W2 tanh(W1 x)): R^n -> R^m by forward mode "
        f"(jacfwd) divided by reverse mode (jacrev), with n·m = {first['n'] * first['m']}. "
        f"With n = {first['n']} input and m = {first['m']} outputs forward mode takes "
        f"{_times(first['ratio'])} the time of reverse; with n = {last['n']}, "
        f"m = {last['m']} it takes {_times(last['ratio'])}"
        + (f"; the two cross at n/m ≈ {chosen.cross:.2g}." if chosen.cross else ".")
        + f" Hidden width {first.get('hidden', '')}; medians of repeated runs; the two "
        f"Jacobians agree to {sci(chosen.agree)}."
    )
