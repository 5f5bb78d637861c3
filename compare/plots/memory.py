"""Figure 6: peak stored bytes vs depth per checkpoint strategy, and the
memory/recomputation trade-off (figure 7, the schedule itself, is in `.schedule`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..records import Record, select, unique
from ..style import GUIDE, bytes_axis, method_style
from .common import axes_of, slope_guide

STRATEGIES = ("store_all", "every", "sqrt", "binomial")
OTHERS = {"forward_mode": "forward-mode AD (no tape)", "central": "central differences (no tape)"}


def _strategy_style(strategy: str, text: str | None = None) -> dict[str, Any]:
    style = method_style(strategy)
    if text:
        style["label"] = text
    return style


def _plot_depth(depth_ax: Any, records: Sequence[Record]) -> None:
    """Panel (a): peak bytes vs depth T per strategy, with the slopes of T and sqrt(T)."""
    depth = select(records, kind="depth")
    for name in unique(depth, "strategy"):
        rows = sorted(select(depth, strategy=name), key=lambda r: r["T"])
        if name in OTHERS:
            style = method_style(name)
            style.update(label=OTHERS[name], linestyle=":")
        else:
            style = _strategy_style(name, rows[0].get("label"))
        depth_ax.plot([r["T"] for r in rows], [r["peak_bytes"] for r in rows], **style)
    store = sorted(select(depth, strategy="store_all"), key=lambda r: r["T"])
    if store:
        ts = [r["T"] for r in store]
        decades = math.log10(ts[-1] / ts[0])
        slope_guide(depth_ax, ts[0], store[0]["peak_bytes"] * 2.5, 1, decades, "∝ T")
        sqrt_rows = sorted(select(depth, strategy="sqrt"), key=lambda r: r["T"])
        if sqrt_rows:
            slope_guide(depth_ax, ts[0], sqrt_rows[0]["peak_bytes"] / 2.5, 0.5, decades, "∝ √T")
    depth_ax.set_xscale("log", base=2)
    depth_ax.set_yscale("log")
    low, high = depth_ax.get_ylim()
    depth_ax.set_ylim(low, high * 40)
    bytes_axis(depth_ax, "y")
    depth_ax.set_xlabel("depth T (steps of the chain)")
    depth_ax.set_ylabel("peak stored bytes")
    depth_ax.set_title("(a) memory vs depth", loc="left")
    depth_ax.legend(fontsize="small", loc="upper left", ncol=2)


def _plot_tradeoff(trade_ax: Any, records: Sequence[Record]) -> None:
    """Panel (b): peak bytes vs forward steps / T at fixed T, with revolve's frontier."""
    trade = select(records, kind="tradeoff")
    frontier = sorted(select(records, kind="frontier"), key=lambda r: r["forward_ratio"])
    if frontier:
        trade_ax.plot(
            [r["forward_ratio"] for r in frontier],
            [r["peak_bytes"] for r in frontier],
            color=GUIDE,
            lw=1,
            ls="--",
            label="revolve optimum (Griewank's formula)",
            zorder=1,
        )
    for name in unique(trade, "strategy"):
        rows = sorted(select(trade, strategy=name), key=lambda r: r["forward_ratio"])
        style = _strategy_style(name, rows[0].get("family_label"))
        style["linestyle"] = "none"
        trade_ax.plot([r["forward_ratio"] for r in rows], [r["peak_bytes"] for r in rows], **style)
    trade_ax.set_yscale("log")
    trade_ax.set_xscale("log", base=2)
    bytes_axis(trade_ax, "y")
    from matplotlib.ticker import FuncFormatter

    trade_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    T = trade[0]["T"] if trade else ""
    trade_ax.set_xlabel("forward steps / T (1 = no recomputation)")
    trade_ax.set_ylabel("peak stored bytes")
    trade_ax.set_title(f"(b) trade-off at T = {T}", loc="left")


def plot_memory(records: Sequence[Record], fig: Any = None, ax: Any = None) -> Any:
    """Figure 6: (a) peak bytes vs depth T per strategy; (b) peak bytes vs forward steps / T
    at fixed T, with revolve's optimal frontier."""
    fig, (depth_ax, trade_ax) = axes_of(fig, ax, 1, 2, aspect=0.48)
    _plot_depth(depth_ax, records)
    _plot_tradeoff(trade_ax, records)
    # panel (b)'s key under the figure: inside, it would sit on the points or the frontier
    fig.legend(
        *trade_ax.get_legend_handles_labels(),
        fontsize="small",
        loc="outside lower center",
        ncol=3,
        title="(b)",
        title_fontsize="small",
    )
    return fig


def caption_memory(records: Sequence[Record]) -> str:
    """Caption of figure 6."""
    depth = select(records, kind="depth")
    T = max(unique(depth, "T"))

    def at(strategy: str) -> Record | None:
        rows = [r for r in select(depth, strategy=strategy) if r["T"] == T]
        return rows[0] if rows else None

    store, sqrt_, binom = at("store_all"), at("sqrt"), at("binomial")
    parts = [
        "(a) Peak bytes held by the reverse sweep of a chain of T tanh layers, for each "
        "checkpoint strategy; (b) peak bytes against total forward steps / T at fixed T, "
        "with Griewank–Walther's optimal frontier."
    ]
    if store and sqrt_:
        parts.append(
            f"At T = {T}, storing everything needs {store['peak_bytes'] / 1e3:.0f} kB; √T "
            f"checkpointing needs {sqrt_['peak_bytes'] / 1e3:.1f} kB "
            f"({store['peak_bytes'] / sqrt_['peak_bytes']:.0f}× less) for "
            f"{sqrt_['forward_steps'] / T:.2f} forward steps per step"
            + (
                f"; binomial with {binom.get('snapshots')} snapshots needs "
                f"{binom['peak_bytes'] / 1e3:.1f} kB for {binom['forward_steps'] / T:.2f} "
                "forward steps per step"
                if binom
                else ""
            )
            + "."
        )
    trade = select(records, kind="tradeoff", strategy="binomial")
    frontier = select(records, kind="frontier")
    if trade and frontier:
        on = sum(
            1
            for r in trade
            if any(abs(r["forward_ratio"] - f["forward_ratio"]) < 1e-9 for f in frontier)
        )
        cheapest = min(trade, key=lambda r: r["peak_bytes"])
        parts.append(
            f"In (b), at T = {trade[0].get('T')}, {on} of {len(trade)} measured binomial "
            f"schedules lie on the optimum; the smallest, {cheapest['peak_bytes'] / 1e3:.1f} kB, "
            f"costs {cheapest['forward_ratio']:.1f} forward steps per step."
        )
    parts.append("Bytes measured by the instrumented executor (float64).")
    return " ".join(parts)
