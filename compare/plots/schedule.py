"""Figure 7: a checkpoint schedule, drawn from the executor's trace of its actions.

`draw_schedule` draws what `autodiff.trace_actions` reports for each action (where the sweep
is and how many steps it has executed); it does not replay the schedule itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import autodiff

from ..records import Record, select
from ..style import line_scale
from .common import axes_of

_COLOURS = {"advance": "#56B4E9", "tape": "#009E73", "reverse": "#D55E00", "store": "#00573F"}
_NAMES = {
    "advance": "advance (no tape)",
    "tape": "forward step, taped",
    "reverse": "reverse step",
    "store": "store snapshot",
    "restore": "restore snapshot",
}


def _draw_event(ax: Any, event: dict[str, Any], label: str | None) -> None:
    scale = line_scale()  # widths and marker sizes grow with the style (thicker on slides)
    kind, a, b, time = event["kind"], event["start"], event["stop"], event["steps_done"]
    if kind in ("advance", "tape"):
        width = (1.4 if kind == "advance" else 2.4) * scale
        ax.plot(
            [time, time + b - a],
            [a, b],
            color=_COLOURS[kind],
            lw=width,
            label=label,
            solid_capstyle="butt",
        )
    elif kind == "reverse":
        ax.plot([time, time + 1], [b, a], color=_COLOURS[kind], lw=2.4 * scale, label=label)
    elif kind == "store":
        ax.plot([time], [a], marker="s", color=_COLOURS[kind], ms=5 * scale, ls="none", label=label)
    elif kind == "restore":
        ax.plot([time, time], [event["origin"], a], ":", color="0.5", lw=scale, label=label)


def draw_schedule(
    actions: Sequence[Any], ax: Any = None, title: str | None = None, legend: bool = True
) -> Any:
    """The classic revolve picture: time (one unit per step computed) across, state index
    up; advances thin blue, taped steps green, reverse steps red going down; snapshots as
    squares, restores as dotted jumps. Takes `autodiff.Action`s or their records (as
    `autodiff.schedule_records` gives), traced by `autodiff.trace_actions`. Returns the
    matplotlib Figure.

    >>> import autodiff
    >>> fig = draw_schedule(autodiff.schedule(8, autodiff.binomial(2)))
    >>> len(fig.axes)
    1
    """
    trace = autodiff.trace_actions(actions)
    fig, (panel,) = axes_of(None, ax, aspect=0.38)
    used: set[str] = set()
    for event in trace:
        _draw_event(panel, event, None if event["kind"] in used else _NAMES.get(event["kind"]))
        used.add(event["kind"])
    panel.set_xlabel("time (forward or reverse steps executed)")
    panel.set_ylabel("state index")
    if title:
        panel.set_title(title, loc="left")
    if legend:
        panel.legend(frameon=False, fontsize=7, loc="upper left")
    return fig


@dataclass(frozen=True)
class Schedule:
    """What figure 7 draws and its caption quotes: the schedule's actions in order, its
    strategy and T, and the counts of the executor's trace of them."""

    actions: list[dict[str, Any]]
    T: int
    label: str
    counts: dict[str, float]  # stores, most (held at once), advances, tapes, per_step


def select_schedule(records: Sequence[Record]) -> Schedule:
    """The schedule of figure 7 (kind="schedule", in order) and its traced counts."""
    rows = sorted(select(records, kind="schedule"), key=lambda r: r["index"])
    actions = [{"kind": r["action"], "start": r["start"], "stop": r["stop"]} for r in rows]
    T = rows[0]["T"] if rows else 0
    counts: dict[str, float] = {}
    if rows:
        trace = autodiff.trace_actions(actions)
        counts["advances"] = sum(e["stop"] - e["start"] for e in trace if e["kind"] == "advance")
        counts["tapes"] = sum(1 for e in trace if e["kind"] == "tape")
        counts["stores"] = sum(1 for e in trace if e["kind"] == "store")
        counts["most"] = max(e["snapshots"] for e in trace)
        counts["per_step"] = (counts["advances"] + counts["tapes"]) / T
    return Schedule(actions, T, rows[0].get("label", "") if rows else "", counts)


def plot_schedule(chosen: Schedule, fig: Any = None, ax: Any = None) -> Any:
    """Figure 7: the schedule as a staircase: time across, step index up (`draw_schedule`)."""
    fig, axes = axes_of(fig, ax, aspect=0.38)
    panel = axes[0]
    draw_schedule(chosen.actions, ax=panel, legend=False)
    panel.set_title(f"{chosen.label}, T = {chosen.T}", loc="left")
    fig.legend(
        *panel.get_legend_handles_labels(), fontsize="small", ncol=5, loc="outside lower center"
    )
    panel.set_ylim(-0.5, chosen.T + 0.5)
    return fig


def caption_schedule(chosen: Schedule) -> str:
    """Caption of figure 7 (its counts from the executor's trace of the schedule)."""
    if not chosen.actions:
        return "No schedule in these records."
    c = chosen.counts
    return (
        f"The checkpoint schedule of {chosen.label} for T = {chosen.T} steps: time "
        "runs left to right, the state index up; light-blue lines advance without keeping "
        "anything, green lines recompute a step and keep its tape, orange lines run it "
        f"backwards, squares store a snapshot, dotted lines restore one. It takes {c['stores']} "
        "snapshots (at most "
        f"{c['most']} held at once) and "
        f"advances {c['advances']} extra steps besides the {c['tapes']} taped ones "
        f"({c['per_step']:.2f} forward steps per step)."
    )
