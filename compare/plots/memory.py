"""Figure 6: peak stored bytes vs depth per checkpoint strategy, and the
memory/recomputation trade-off (figure 7, the schedule itself, is in `.schedule`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Memory:
    """What figure 6 draws and its caption quotes: (a) each strategy's rows by depth T,
    (b) each strategy's trade-off rows at fixed T by forward steps / T and revolve's
    frontier, and the numbers the caption quotes (computed here, once)."""

    depth: dict[str, list[Record]]
    trade: dict[str, list[Record]]
    frontier: list[Record]
    quoted: dict[str, float]


def select_memory(records: Sequence[Record]) -> Memory:
    """The series of figure 6 and its caption's numbers."""
    depth_rows, trade_rows = select(records, kind="depth"), select(records, kind="tradeoff")
    depth = {
        name: sorted(select(depth_rows, strategy=name), key=lambda r: r["T"])
        for name in unique(depth_rows, "strategy")
    }
    trade = {
        name: sorted(select(trade_rows, strategy=name), key=lambda r: r["forward_ratio"])
        for name in unique(trade_rows, "strategy")
    }
    frontier = sorted(select(records, kind="frontier"), key=lambda r: r["forward_ratio"])
    return Memory(depth, trade, frontier, _quoted(depth, trade.get("binomial", []), frontier))


def _quoted(
    depth: dict[str, list[Record]], binomial: list[Record], frontier: list[Record]
) -> dict[str, float]:
    """Figure 6's caption numbers: at the largest T, kB and forward steps per step of
    store-all, √T and binomial; in (b), how many binomial schedules lie on the frontier
    and the smallest one."""
    T = max((r["T"] for rows in depth.values() for r in rows), default=0)
    quoted: dict[str, float] = {"T": T}
    for name in ("store_all", "sqrt", "binomial"):
        row = next((r for r in depth.get(name, []) if r["T"] == T), None)
        if row is not None:
            quoted[f"{name}_kB"] = row["peak_bytes"] / 1e3
            quoted[f"{name}_steps"] = row["forward_steps"] / T
            quoted[f"{name}_snapshots"] = row.get("snapshots") or 0
    if "store_all_kB" in quoted and "sqrt_kB" in quoted:
        quoted["saving"] = quoted["store_all_kB"] / quoted["sqrt_kB"]
    if binomial and frontier:
        ratios = [f["forward_ratio"] for f in frontier]
        quoted["on_frontier"] = sum(
            1 for r in binomial if any(abs(r["forward_ratio"] - f) < 1e-9 for f in ratios)
        )
        quoted["measured"] = len(binomial)
        cheapest = min(binomial, key=lambda r: r["peak_bytes"])
        quoted["trade_T"] = binomial[0].get("T") or 0
        quoted["cheapest_kB"] = cheapest["peak_bytes"] / 1e3
        quoted["cheapest_steps"] = cheapest["forward_ratio"]
    return quoted


def _plot_depth(depth_ax: Any, chosen: Memory) -> None:
    """Panel (a): peak bytes vs depth T per strategy, with the slopes of T and sqrt(T)."""
    for name, rows in chosen.depth.items():
        if name in OTHERS:
            style = method_style(name)
            style.update(label=OTHERS[name], linestyle=":")
        else:
            style = _strategy_style(name, rows[0].get("label"))
        depth_ax.plot([r["T"] for r in rows], [r["peak_bytes"] for r in rows], **style)
    store, sqrt_rows = chosen.depth.get("store_all"), chosen.depth.get("sqrt")
    if store:
        ts = [r["T"] for r in store]
        decades = math.log10(ts[-1] / ts[0])
        slope_guide(depth_ax, ts[0], store[0]["peak_bytes"] * 2.5, 1, decades, "∝ T")
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


def _plot_tradeoff(trade_ax: Any, chosen: Memory) -> None:
    """Panel (b): peak bytes vs forward steps / T at fixed T, with revolve's frontier."""
    if chosen.frontier:
        trade_ax.plot(
            [r["forward_ratio"] for r in chosen.frontier],
            [r["peak_bytes"] for r in chosen.frontier],
            color=GUIDE,
            lw=1,
            ls="--",
            label="revolve optimum (Griewank's formula)",
            zorder=1,
        )
    for name, rows in chosen.trade.items():
        style = _strategy_style(name, rows[0].get("family_label"))
        style["linestyle"] = "none"
        trade_ax.plot([r["forward_ratio"] for r in rows], [r["peak_bytes"] for r in rows], **style)
    trade_ax.set_yscale("log")
    trade_ax.set_xscale("log", base=2)
    bytes_axis(trade_ax, "y")
    from matplotlib.ticker import FuncFormatter

    trade_ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    first = next(iter(chosen.trade.values()), [{}])[0]
    trade_ax.set_xlabel("forward steps / T (1 = no recomputation)")
    trade_ax.set_ylabel("peak stored bytes")
    trade_ax.set_title(f"(b) trade-off at T = {first.get('T', '')}", loc="left")


def plot_memory(chosen: Memory, fig: Any = None, ax: Any = None) -> Any:
    """Figure 6: (a) peak bytes vs depth T per strategy; (b) peak bytes vs forward steps / T
    at fixed T, with revolve's optimal frontier."""
    fig, (depth_ax, trade_ax) = axes_of(fig, ax, 1, 2, aspect=0.48)
    _plot_depth(depth_ax, chosen)
    _plot_tradeoff(trade_ax, chosen)
    # panel (b)'s key under the figure: inside, it would sit on the points or the frontier
    fig.legend(
        *trade_ax.get_legend_handles_labels(),
        fontsize="small",
        loc="outside lower center",
        ncol=3,
    )
    return fig


def caption_memory(chosen: Memory) -> str:
    """Caption of figure 6."""
    q = chosen.quoted
    parts = [
        "(a) Peak bytes held by the reverse sweep of a chain of T tanh layers, for each "
        "checkpoint strategy; (b) peak bytes against total forward steps / T at fixed T, "
        "with Griewank–Walther's optimal frontier."
    ]
    if "saving" in q:
        parts.append(
            f"At T = {q['T']}, storing everything needs {q['store_all_kB']:.0f} kB; √T "
            f"checkpointing needs {q['sqrt_kB']:.1f} kB ({q['saving']:.0f}× less) for "
            f"{q['sqrt_steps']:.2f} forward steps per step"
            + (
                f"; binomial with {q['binomial_snapshots']} snapshots needs "
                f"{q['binomial_kB']:.1f} kB for {q['binomial_steps']:.2f} forward steps per step"
                if "binomial_kB" in q
                else ""
            )
            + "."
        )
    if "measured" in q:
        parts.append(
            f"In (b), at T = {q['trade_T']}, {q['on_frontier']} of {q['measured']} measured "
            f"binomial schedules lie on the optimum; the smallest, {q['cheapest_kB']:.1f} kB, "
            f"costs {q['cheapest_steps']:.1f} forward steps per step."
        )
    parts.append("Bytes measured by the instrumented executor (float64).")
    return " ".join(parts)
