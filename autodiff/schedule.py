"""Checkpoint strategies and the schedules they produce over a chain of T steps.

A chain has states x_0 .. x_T and steps t = 0 .. T-1 (step t maps x_t to x_{t+1}). The
reverse sweep needs, for each step, a *tape* (the values its derivative rule uses). A
schedule is a list of `Action`s:

- ``store i`` / ``restore i`` / ``free i``: keep state i as a snapshot, bring it back as the
  live state, drop the snapshot;
- ``advance a b``: compute x_{a+1} .. x_b without keeping anything (b - a forward steps);
- ``tape t``: compute step t and keep its tape (one forward step, remembered);
- ``reverse t``: run step t backwards from its tape, then drop the tape.

Strategies: store everything (`None`), `every(k)`, ``"sqrt"`` (k = ceil(sqrt T), Chen et al.
2016), `binomial(snapshots=s)` (Griewank–Walther revolve: fewest forward steps possible with
s snapshots) and `budget(bytes=B)` (the cheapest schedule whose predicted peak fits in B).

>>> acts = schedule(4, every(2))
>>> [str(a) for a in acts][:4]
['store 0', 'advance 0 2', 'tape 2', 'tape 3']
>>> revolve_forward_steps(4, 2)  # advances revolve needs for 4 steps with 2 snapshots
4
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from expr import checks

from .errors import AutodiffError


class CheckpointError(AutodiffError):
    """A checkpoint strategy or schedule request is malformed or cannot be met."""


# ----------------------------------------------------------------------------- strategies
@dataclass(frozen=True)
class StoreAll:
    """Keep every tape (plain reverse mode): T forward steps, memory O(T)."""

    def __str__(self) -> str:
        return "none"


@dataclass(frozen=True)
class Every:
    """Snapshot every k-th state; recompute one segment of k steps at a time."""

    k: int

    def __str__(self) -> str:
        return f"every({self.k})"


@dataclass(frozen=True)
class Sqrt:
    """Every(k) with k = ceil(sqrt(T)): O(sqrt T) memory for < 1 extra forward sweep."""

    def __str__(self) -> str:
        return "sqrt"


@dataclass(frozen=True)
class Binomial:
    """Griewank–Walther revolve with `snapshots` snapshot slots (the one of x_0 included)."""

    snapshots: int

    def __str__(self) -> str:
        return f"binomial({self.snapshots})"


@dataclass(frozen=True)
class Budget:
    """The schedule with the fewest forward steps whose predicted peak fits in `bytes`."""

    bytes: int

    def __str__(self) -> str:
        return f"budget({self.bytes})"


@dataclass(frozen=True)
class Segments:
    """Recompute the given segments [a, b) (e.g. `autodiff.checkpoint` regions); keep the
    tapes of every other step."""

    segments: tuple[tuple[int, int], ...]

    def __str__(self) -> str:
        return f"segments({len(self.segments)})"


Strategy = StoreAll | Every | Sqrt | Binomial | Budget | Segments

_ACCEPTED = (
    "None (store everything), 'sqrt', autodiff.every(k), autodiff.binomial(snapshots=s) or "
    "autodiff.budget(bytes=B)"
)


#: Most steps `schedule` builds actions for (O(steps) actions, about a second at the limit);
#: `budget(bytes=B)` tries many candidate schedules, so its limit is lower.
MAX_SCHEDULE_STEPS = 2 * 10**5
MAX_BUDGET_STEPS = 5_000
#: Largest min(s, r) of `beta(s, r)` (C(2 10^5, 10^5) has 60,000 digits: milliseconds).
MAX_BETA_ARGUMENT = 10**5
_COUNT_INSTEAD = (
    "for the cost alone use revolve_forward_steps(T, s) or forward_steps(T, strategy), which "
    "count without building the schedule"
)


def _positive_int(value: Any, what: str, maximum: int | None = None, hint: str = "") -> int:
    return checks.integer(value, what, 1, maximum, CheckpointError, hint)


def every(k: int) -> Every:
    """Snapshot every k-th step's input.

    >>> every(3)
    Every(k=3)
    """
    return Every(_positive_int(k, "every(k): k"))


def binomial(snapshots: int) -> Binomial:
    """Revolve with `snapshots` slots (>= 1; the snapshot of x_0 counts as one).

    >>> binomial(snapshots=4)
    Binomial(snapshots=4)
    """
    return Binomial(_positive_int(snapshots, "binomial(snapshots=s): s"))


def budget(bytes: int) -> Budget:
    """Fit the stored values into `bytes` with the fewest forward steps.

    >>> budget(bytes=1 << 20)
    Budget(bytes=1048576)
    """
    return Budget(_positive_int(bytes, "budget(bytes=B): B"))


def as_strategy(strategy: Any) -> Strategy:
    """Normalise a user's strategy: None, "none", "sqrt" or a strategy object.

    >>> as_strategy("sqrt"), as_strategy(None)
    (Sqrt(), StoreAll())
    """
    if strategy is None:
        return StoreAll()
    if isinstance(strategy, str):
        key = strategy.strip().lower()
        if key in ("none", "store_all", "all"):
            return StoreAll()
        if key == "sqrt":
            return Sqrt()
        raise CheckpointError(f"unknown checkpoint strategy {strategy!r}; accepted: {_ACCEPTED}")
    if isinstance(strategy, (StoreAll, Every, Sqrt, Binomial, Budget, Segments)):
        return strategy
    raise CheckpointError(
        f"a checkpoint strategy cannot be a {type(strategy).__name__}; accepted: {_ACCEPTED}"
    )


# ----------------------------------------------------------------------------- actions
@dataclass(frozen=True)
class Action:
    """One schedule action. `start`/`stop`: states a..b of an advance, the step of a tape or
    reverse (stop = start + 1), the state index of store/restore/free (stop = start)."""

    kind: str
    start: int
    stop: int

    def __str__(self) -> str:
        if self.kind == "advance":
            return f"advance {self.start} {self.stop}"
        return f"{self.kind} {self.start}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "stop": self.stop}


def _store(i: int) -> Action:
    return Action("store", i, i)


def _restore(i: int) -> Action:
    return Action("restore", i, i)


def _free(i: int) -> Action:
    return Action("free", i, i)


def _advance(a: int, b: int) -> Action:
    return Action("advance", a, b)


def _tape(t: int) -> Action:
    return Action("tape", t, t + 1)


def _reverse(t: int) -> Action:
    return Action("reverse", t, t + 1)


# ----------------------------------------------------------------------------- revolve theory
def _beta(s: int, r: int) -> int:
    return math.comb(s + r, s) if r >= 0 else 0


def _repetitions(steps: int, snapshots: int) -> int:
    high = 1
    while _beta(snapshots, high) < steps:
        high *= 2
    low = 0
    while low < high:
        middle = (low + high) // 2
        if _beta(snapshots, middle) >= steps:
            high = middle
        else:
            low = middle + 1
    return low


def beta(s: int, r: int) -> int:
    """beta(s, r) = C(s + r, s): the most steps s snapshots reverse with r repetitions
    (beta(s, -1) = 0). O(min(s, r)) big-integer products.

    >>> beta(2, 3)
    10
    """
    s = checks.integer(s, "beta(s, r): s", minimum=0, error=CheckpointError)
    r = checks.integer(r, "beta(s, r): r", minimum=-1, error=CheckpointError)
    if min(s, r) > MAX_BETA_ARGUMENT:
        raise CheckpointError(
            f"beta(s={s}, r={r}): min(s, r) is over the limit {MAX_BETA_ARGUMENT} (a binomial "
            "coefficient of millions of digits)"
        )
    return _beta(s, r)


def repetitions(steps: int, snapshots: int) -> int:
    """The repetition number r: the least r with beta(s, r) >= steps (beta grows with r:
    doubling, then bisection). O(log r) binomial coefficients.

    >>> repetitions(10, 2)
    3
    """
    return _repetitions(_positive_int(steps, "steps"), _positive_int(snapshots, "snapshots"))


def revolve_forward_steps(steps: int, snapshots: int) -> int:
    """Griewank's minimum number of advance steps to reverse `steps` steps with `snapshots`
    slots: r·l − beta(s + 1, r − 1) (taped steps, one per step, not included). O(log r).

    >>> revolve_forward_steps(6, 1), revolve_forward_steps(6, 6)
    (15, 5)
    """
    r = repetitions(steps, snapshots)
    return r * steps - _beta(snapshots + 1, r - 1)


def _revolve_split(steps: int, snapshots: int) -> int:
    """An optimal distance to the next snapshot (Griewank 1992): any j with
    beta(s, r-2) <= j <= beta(s, r-1) and beta(s-1, r-1) <= steps - j <= beta(s-1, r);
    there the cost j + t(j, s) + t(steps - j, s - 1) has zero slope."""
    if snapshots == 1:
        return steps - 1
    r = _repetitions(steps, snapshots)
    upper = min(_beta(snapshots, r - 1), steps - _beta(snapshots - 1, r - 1))
    return max(1, min(upper, steps - 1))


def _binomial_actions(steps: int, snapshots: int) -> list[Action]:
    actions = [_store(0)]
    live: int | None = 0
    # tasks: ("range", start, stop, snapshots) reverses steps start..stop-1 with state
    # `start` held in a snapshot (or live); ("free", i) drops the snapshot of state i.
    tasks: list[tuple] = [("free", 0), ("range", 0, steps, snapshots)]
    while tasks:
        task = tasks.pop()
        if task[0] == "free":
            actions.append(_free(task[1]))
            continue
        _, start, stop, slots = task
        if live != start:
            actions.append(_restore(start))
        if stop - start == 1:
            actions += [_tape(start), _reverse(start)]
            live = None
            continue
        j = _revolve_split(stop - start, slots)
        actions.append(_advance(start, start + j))
        live = start + j
        tasks.append(("range", start, start + j, slots))
        if stop - start - j > 1:
            actions.append(_store(start + j))
            tasks.append(("free", start + j))
        tasks.append(("range", start + j, stop, slots - 1))
    return actions


def _segment_actions(steps: int, segments: Sequence[tuple[int, int]]) -> list[Action]:
    """Recompute each listed segment from its stored first state; tape all other steps.
    The last segment is taped in the first sweep when it ends the chain (nothing to save)."""
    recompute = sorted(segments)
    actions: list[Action] = []
    blocks: list[tuple[int, int, bool]] = []  # (start, stop, recomputed)
    position = 0
    for a, b in recompute:
        if position < a:
            blocks.append((position, a, False))
        blocks.append((a, b, b < steps))
        position = b
    if position < steps:
        blocks.append((position, steps, False))
    for a, b, recomputed in blocks:
        if recomputed:
            actions += [_store(a), _advance(a, b)]
        else:
            actions += [_tape(t) for t in range(a, b)]
    for a, b, recomputed in reversed(blocks):
        if recomputed:
            actions += [_restore(a), _free(a)]
            actions += [_tape(t) for t in range(a, b)]
        actions += [_reverse(t) for t in range(b - 1, a - 1, -1)]
    return actions


def _check_segments(steps: int, segments: Sequence[tuple[int, int]]) -> None:
    position = 0
    for a, b in sorted(segments):
        if not (isinstance(a, int) and isinstance(b, int) and position <= a < b <= steps):
            raise CheckpointError(
                f"segments must be disjoint [a, b) ranges inside 0..{steps}, got {segments!r}"
            )
        position = b


def schedule(
    steps: int,
    strategy: Any = None,
    state_bytes: Sequence[int] | int = 1,
    tape_bytes: Sequence[int] | int = 0,
    measure: Callable[[list[Action]], tuple[int, int]] | None = None,
) -> list[Action]:
    """The actions that reverse a chain of `steps` steps with `strategy`.

    Only `budget` looks at sizes: it picks the candidate (store-all, every(k) over a grid of
    k, binomial(s) bisected over s) with the fewest forward steps whose peak fits, the peak
    and step count coming from `measure(actions) -> (peak_bytes, forward_steps)` (the
    executor passes a dry run of itself) or else from `simulate` with `state_bytes` (per state
    x_0..x_T, or one number) and `tape_bytes` (extra residuals per step).
    O(steps) actions (O(steps · log steps) for binomial).

    >>> [str(a) for a in schedule(3, binomial(2))]
    ['store 0', 'advance 0 1', 'store 1', 'advance 1 2', 'tape 2', 'reverse 2', \
'restore 1', 'tape 1', 'reverse 1', 'free 1', 'restore 0', 'tape 0', 'reverse 0', 'free 0']
    """
    steps = _positive_int(steps, "schedule(T): T", MAX_SCHEDULE_STEPS, _COUNT_INSTEAD)
    strategy = as_strategy(strategy)
    if isinstance(strategy, StoreAll):
        return _segment_actions(steps, [])
    if isinstance(strategy, (Every, Sqrt)):
        k = strategy.k if isinstance(strategy, Every) else math.isqrt(steps - 1) + 1
        return _segment_actions(steps, [(a, min(a + k, steps)) for a in range(0, steps, k)])
    if isinstance(strategy, Binomial):
        return _binomial_actions(steps, strategy.snapshots)
    if isinstance(strategy, Segments):
        _check_segments(steps, strategy.segments)
        return _segment_actions(steps, strategy.segments)
    if measure is None:

        def measure(actions: list[Action]) -> tuple[int, int]:
            stats = simulate(actions, state_bytes, tape_bytes)
            return stats["peak_bytes"], stats["forward_steps"]

    if steps > MAX_BUDGET_STEPS:
        raise CheckpointError(
            f"schedule(T={steps}, budget(...)): T is over the limit {MAX_BUDGET_STEPS} for "
            "budget (it builds and measures dozens of candidate schedules); choose "
            "binomial(snapshots=s) directly (its peak is about s + 2 states)"
        )
    return _budget_actions(steps, strategy.bytes, measure)


def forward_steps(steps: int, strategy: Any = None) -> int:
    """Forward steps (advanced + taped) the schedule of `strategy` makes over `steps` steps,
    counted without building it: T (store all), T + k floor((T - 1) / k) (every(k), sqrt),
    T + revolve_forward_steps(T, s) (binomial(s)), T + the lengths of the recomputed
    segments. `budget` depends on sizes: build it with `schedule`. O(log T).

    >>> forward_steps(16, "sqrt"), forward_steps(10**12, binomial(3))
    (28, 13627904473498545)
    """
    steps = _positive_int(steps, "forward_steps(T): T")
    strategy = as_strategy(strategy)
    if isinstance(strategy, StoreAll):
        return steps
    if isinstance(strategy, (Every, Sqrt)):
        k = strategy.k if isinstance(strategy, Every) else math.isqrt(steps - 1) + 1
        return steps + k * ((steps - 1) // k)
    if isinstance(strategy, Binomial):
        return steps + revolve_forward_steps(steps, strategy.snapshots)
    if isinstance(strategy, Segments):
        _check_segments(steps, strategy.segments)
        return steps + sum(b - a for a, b in strategy.segments if b < steps)
    raise CheckpointError(
        f"forward_steps cannot count {strategy}: a budget's schedule depends on the sizes; "
        "build it with schedule(T, budget(bytes=B), state_bytes=...) and simulate it"
    )


# ----------------------------------------------------------------------------- simulation
def _per_index(value: Sequence[int] | int, count: int, what: str) -> list[int]:
    """Byte sizes: one int >= 0 for all, or `count` of them."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return [checks.integer(value, what, 0, error=CheckpointError)] * count
    values = checks.sequence(value, what, CheckpointError)
    if len(values) != count:
        raise CheckpointError(f"{what} needs {count} entries (one per index), got {len(values)}")
    return [
        checks.integer(v, f"{what}[{i}]", 0, error=CheckpointError) for i, v in enumerate(values)
    ]


_KINDS = ("store", "restore", "free", "advance", "tape", "reverse")


def _as_actions(actions: Any) -> list[Action]:
    """A schedule given by the user: `Action`s or their records (dicts), checked. O(len)."""
    items = checks.sequence(actions, "actions", CheckpointError)
    out = []
    for i, action in enumerate(items):
        if isinstance(action, dict):
            try:
                action = Action(action["kind"], action["start"], action["stop"])
            except KeyError as missing:
                raise CheckpointError(f"actions[{i}] has no {missing} field") from None
        if (
            type(action) is Action
            and type(action.start) is int
            and type(action.stop) is int
            and 0 <= action.start <= action.stop
            and action.kind in _KINDS
        ):
            out.append(action)  # the common case: an action of `schedule`
            continue
        if not isinstance(action, Action) or action.kind not in _KINDS:
            raise CheckpointError(
                f"actions[{i}] must be an Action (or its record) of kind "
                f"{', '.join(_KINDS)}, got {action!r:.80}"
            )
        start = checks.integer(action.start, f"actions[{i}].start", 0, error=CheckpointError)
        stop = checks.integer(action.stop, f"actions[{i}].stop", start, error=CheckpointError)
        out.append(Action(action.kind, start, stop))
    return out


def simulate(
    actions: Sequence[Action],
    state_bytes: Sequence[int] | int = 1,
    tape_bytes: Sequence[int] | int = 0,
) -> dict[str, int]:
    """Replay a schedule on a size model and count what it holds and computes.

    A tape of step t holds states t and t+1 (its input and output) plus `tape_bytes[t]`;
    a snapshot holds its state; the live state is held too. Returns peak_bytes,
    peak_values (distinct values held), peak_snapshots, forward_steps (advanced + taped),
    advance_steps, tape_steps, reverse_steps. O(len(actions) + steps).

    >>> simulate(schedule(16, "sqrt"))["forward_steps"]
    28
    """
    actions = _as_actions(actions)
    steps = max((a.stop for a in actions), default=0)
    sizes = _per_index(state_bytes, steps + 1, "state_bytes")
    extra = _per_index(tape_bytes, steps, "tape_bytes")
    refs: dict[tuple, int] = {}
    held = {"bytes": 0, "values": 0}
    peak = {"bytes": 0, "values": 0, "snapshots": 0}

    def size(key: tuple) -> int:
        return sizes[key[1]] if key[0] == "x" else extra[key[1]]

    def hold(key: tuple) -> None:
        refs[key] = refs.get(key, 0) + 1
        if refs[key] == 1:
            held["bytes"] += size(key)
            held["values"] += 1

    def drop(key: tuple) -> None:
        refs[key] -= 1
        if refs[key] == 0:
            del refs[key]
            held["bytes"] -= size(key)
            held["values"] -= 1

    def tape_keys(t: int) -> list[tuple]:
        return [("x", t), ("x", t + 1)] + ([("r", t)] if extra[t] else [])

    snapshots: set[int] = set()
    live: int | None = 0
    hold(("x", 0))
    counts = {"advance_steps": 0, "tape_steps": 0, "reverse_steps": 0}
    for action in actions:
        kind, a, b = action.kind, action.start, action.stop
        new_live = live
        if kind == "store":
            if live != a or a in snapshots:
                raise CheckpointError(f"{action}: state {a} is not live or already stored")
            snapshots.add(a)
            hold(("x", a))
        elif kind == "free":
            snapshots.discard(a)
            drop(("x", a))
        elif kind == "restore":
            if a not in snapshots:
                raise CheckpointError(f"{action}: state {a} has no snapshot")
            new_live = a
        elif kind == "advance":
            if live != a:
                raise CheckpointError(f"{action}: the live state is {live}, not {a}")
            counts["advance_steps"] += b - a
            new_live = b
        elif kind == "tape":
            if live != a:
                raise CheckpointError(f"{action}: the live state is {live}, not {a}")
            counts["tape_steps"] += 1
            for key in tape_keys(a):
                hold(key)
            new_live = b
        elif kind == "reverse":
            counts["reverse_steps"] += 1
            for key in tape_keys(a):
                drop(key)
            new_live = None
        if new_live != live:
            if new_live is not None:
                hold(("x", new_live))
            if live is not None:
                drop(("x", live))
            live = new_live
        peak["bytes"] = max(peak["bytes"], held["bytes"])
        peak["values"] = max(peak["values"], held["values"])
        peak["snapshots"] = max(peak["snapshots"], len(snapshots))
    return {
        "peak_bytes": peak["bytes"],
        "peak_values": peak["values"],
        "peak_snapshots": peak["snapshots"],
        "forward_steps": counts["advance_steps"] + counts["tape_steps"],
        **counts,
    }


def _budget_candidates(steps: int) -> list[Strategy]:
    """Store-all and every(k) for k on a geometric grid (ratio about 1.25) and sqrt."""
    ks = {math.isqrt(steps - 1) + 1}
    k = 1.0
    while k < steps:
        ks.add(round(k))
        k *= 1.25
    return [StoreAll(), *(Every(k) for k in sorted(ks) if k < steps)]


def _forward_steps(actions: list[Action]) -> int:
    return sum(a.stop - a.start for a in actions if a.kind in ("advance", "tape"))


def _budget_actions(
    steps: int, limit: int, measure: Callable[[list[Action]], tuple[int, int]]
) -> list[Action]:
    """Bisect binomial(s) for the most snapshots that fit, then try the store-all and
    every(k) candidates that would need fewer forward steps, cheapest first, stopping at the
    first that fits: the result has the fewest forward steps among all candidates that fit,
    and `measure` runs O(log steps) times plus once per cheaper candidate that does not."""
    best: tuple[int, list[Action]] | None = None
    smallest: int | None = None

    def fits(actions: list[Action]) -> bool:
        nonlocal smallest
        peak, _ = measure(actions)
        smallest = peak if smallest is None else min(smallest, peak)
        return peak <= limit

    low, high = 1, steps
    while low <= high:
        middle = (low + high) // 2
        actions = schedule(steps, Binomial(middle))
        if fits(actions):
            best = (_forward_steps(actions), actions)
            low = middle + 1
        else:
            high = middle - 1
    others = [schedule(steps, candidate) for candidate in _budget_candidates(steps)]
    others.sort(key=_forward_steps)
    for actions in others:
        if best is not None and _forward_steps(actions) >= best[0]:
            break
        if fits(actions):
            best = (_forward_steps(actions), actions)
            break
    if best is None:
        raise CheckpointError(
            f"budget(bytes={limit}) cannot be met for {steps} steps: the smallest schedule "
            f"tried needs {smallest} bytes (binomial(1) keeps only x_0, the live state and "
            "one tape)"
        )
    return best[1]


# ----------------------------------------------------------------------------- drawing
_COLOURS = {"advance": "#56B4E9", "tape": "#009E73", "reverse": "#D55E00"}


def schedule_records(steps: int, strategy: Any = None) -> list[dict[str, Any]]:
    """`schedule(steps, strategy)` as tidy records (kind, start, stop; one dict per action).

    >>> schedule_records(2, None)[0]
    {'kind': 'tape', 'start': 0, 'stop': 1}
    """
    return [action.as_dict() for action in schedule(steps, strategy)]


_ACTION_NAMES = {
    "advance": "advance (no tape)",
    "tape": "forward step, taped",
    "reverse": "reverse step",
    "store": "store snapshot",
    "restore": "restore snapshot",
}


def draw_schedule(
    actions: Sequence[Action | dict[str, Any]],
    ax: Any = None,
    title: str | None = None,
    legend: bool = True,
) -> Any:
    """The classic revolve picture: time (one unit per step computed) across, state index
    up; advances thin blue, taped steps green, reverse steps red going down; snapshots as
    squares, restores as dotted jumps. Takes `Action`s or their records (`schedule_records`).
    Returns the matplotlib Figure.

    >>> fig = draw_schedule(schedule(8, binomial(2)))
    >>> len(fig.axes)
    1
    """
    actions = _as_actions(actions)
    if ax is not None and not callable(getattr(ax, "plot", None)):
        raise CheckpointError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    import matplotlib.pyplot as plt

    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(7, 3.2))
    else:
        fig = ax.figure
    time = 0.0
    position = 0
    used = set()
    for action in actions:
        kind, a, b = action.kind, action.start, action.stop
        label = _ACTION_NAMES.get(kind) if kind not in used else None
        if kind in ("advance", "tape"):
            ax.plot(
                [time, time + b - a],
                [a, b],
                color=_COLOURS[kind],
                lw=1.4 if kind == "advance" else 2.4,
                label=label,
                solid_capstyle="butt",
            )
            time += b - a
            position = b
        elif kind == "reverse":
            ax.plot([time, time + 1], [b, a], color=_COLOURS[kind], lw=2.4, label=label)
            time += 1
            position = a
        elif kind == "store":
            ax.plot([time], [a], marker="s", color="#00573F", ms=5, ls="none", label=label)
        elif kind == "restore":
            ax.plot([time, time], [position, a], ":", color="0.5", lw=1, label=label)
            position = a
        used.add(kind)
    ax.set_xlabel("time (forward or reverse steps executed)")
    ax.set_ylabel("state index")
    if title:
        ax.set_title(title, loc="left")
    if legend:
        ax.legend(frameon=False, fontsize=7, loc="upper left")
    if own:
        fig.tight_layout()
    return fig
