"""The one interpreter of a checkpoint schedule, and the size model it can run on.

A chain has states x_0 .. x_T and steps t = 0 .. T-1 (step t maps x_t to x_{t+1}). The
reverse sweep needs, for each step, a *tape* (the values its derivative rule reads). A
schedule is a list of `Action`s:

- ``store i`` / ``restore i`` / ``free i``: keep state i as a snapshot, bring it back as the
  live state, drop the snapshot;
- ``advance a b``: compute x_{a+1} .. x_b without keeping anything (b - a forward steps);
- ``tape t``: compute step t and keep its tape (one forward step, remembered);
- ``reverse t``: run step t backwards from its tape, then drop the tape.

`Execution` replays the actions on a *machine*: the real ones (`.machines`) compute and
differentiate; a `SizeMachine` runs a `SizeModel` (which values each step makes, frees and
tapes, and their sizes) to predict a schedule's peak without computing anything (`simulate`,
and the budget search of `.schedule`) and to trace it for drawing (`trace_actions`). Either
way a `Ledger` counts the bytes and the counts go into one `Stats`.

>>> acts = [Action("tape", 0, 1), Action("tape", 1, 2), Action("reverse", 1, 2),
...         Action("reverse", 0, 1)]
>>> simulate(acts)["peak_values"]  # x_0, x_1, x_2
3
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from expr import checks

from ..stats import Ledger, Stats
from .strategy import CheckpointError

Value = Any

KINDS = ("store", "restore", "free", "advance", "tape", "reverse")
#: stop - start of each kind of action (an advance spans any b - a >= 0 steps)
_SPAN = {"store": 0, "restore": 0, "free": 0, "tape": 1, "reverse": 1}


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


def _as_action(action: Any, i: int) -> Action:
    if isinstance(action, dict):
        try:
            action = Action(action["kind"], action["start"], action["stop"])
        except KeyError as missing:
            raise CheckpointError(f"actions[{i}] has no {missing} field") from None
    if not isinstance(action, Action) or action.kind not in KINDS:
        raise CheckpointError(
            f"actions[{i}] must be an Action (or its record) of kind "
            f"{', '.join(KINDS)}, got {action!r:.80}"
        )
    start = checks.integer(action.start, f"actions[{i}].start", 0, error=CheckpointError)
    stop = checks.integer(action.stop, f"actions[{i}].stop", start, error=CheckpointError)
    return Action(action.kind, start, stop)


def as_actions(actions: Any) -> list[Action]:
    """A schedule given by the user: `Action`s or their records (dicts), checked. O(len).

    >>> as_actions([{"kind": "tape", "start": 0, "stop": 1}])
    [Action(kind='tape', start=0, stop=1)]
    """
    items = checks.sequence(actions, "actions", CheckpointError)
    out = []
    for i, action in enumerate(items):
        if not (
            type(action) is Action  # the common case: an action of `schedule`
            and type(action.start) is int
            and type(action.stop) is int
            and 0 <= action.start <= action.stop
            and action.kind in KINDS
        ):
            action = _as_action(action, i)
        span = _SPAN.get(action.kind)
        if span is not None and action.stop != action.start + span:
            raise CheckpointError(
                f"actions[{i}] ({action.kind}) must have stop = start + {span}, got {action!r}"
            )
        out.append(action)
    return out


# ----------------------------------------------------------------------------- interpreter
class Execution:
    """Replays `actions` on `machine`: `forward()` runs up to the first reverse action (the
    outputs are then known), `backward(cotangents)` the rest and returns the machine's
    gradients, `run()` both (a size model). Each action is checked against the state it
    needs (the live state to advance from, a snapshot to restore, a tape to reverse) and
    counted into `stats`; with `trace` (a list) each is recorded there as kind, start, stop,
    steps_done (steps executed before it), origin (the state index the sweep is at) and
    snapshots (held after it). O(actions) plus the machine's work."""

    def __init__(
        self, actions: Sequence[Action], machine: Any, stats: Stats, trace: list | None = None
    ) -> None:
        self.actions, self.machine, self.stats, self.trace = list(actions), machine, stats, trace
        self.snapshots: dict[int, Any] = {}
        self.taped: set[int] = set()
        self.live: int | None = 0  # the state held live (None after a reverse step)
        self.origin = 0  # the state the sweep is at (where the last action ended)
        self.done = 0  # steps executed
        self.position = 0
        self._apply: dict[str, Callable[[Action], None]] = {
            "store": self._store,
            "restore": self._restore,
            "free": self._free,
            "advance": self._advance,
            "tape": self._tape,
            "reverse": self._reverse,
        }

    def _refuse(self, action: Action, why: str) -> None:
        raise CheckpointError(f"{action}: {why}")

    def _store(self, action: Action) -> None:
        a = action.start
        if self.live != a or a in self.snapshots:
            self._refuse(action, f"state {a} is not live or already stored")
        self.snapshots[a] = self.machine.snapshot()
        self.stats.peak_snapshots = max(self.stats.peak_snapshots, len(self.snapshots))

    def _restore(self, action: Action) -> None:
        if action.start not in self.snapshots:
            self._refuse(action, f"state {action.start} has no snapshot")
        self.machine.restore(self.snapshots[action.start])
        self.live = self.origin = action.start

    def _free(self, action: Action) -> None:
        if action.start not in self.snapshots:
            self._refuse(action, f"state {action.start} has no snapshot")
        self.machine.release(self.snapshots.pop(action.start))

    def _from_live(self, action: Action) -> None:
        if self.live != action.start:
            self._refuse(action, f"the live state is {self.live}, not {action.start}")

    def _moved(self, action: Action) -> None:
        steps = action.stop - action.start
        self.stats.forward_evals += steps
        self.done += steps
        self.live = self.origin = action.stop

    def _advance(self, action: Action) -> None:
        self._from_live(action)
        self.machine.advance(action.start, action.stop)
        self._moved(action)

    def _tape(self, action: Action) -> None:
        self._from_live(action)
        self.machine.tape(action.start)
        self._moved(action)
        self.taped.add(action.start)

    def _reverse(self, action: Action) -> None:
        if action.start not in self.taped:
            self._refuse(action, f"step {action.start} has no tape")
        self.taped.discard(action.start)
        self.machine.discard_live()
        self.machine.reverse(action.start)
        self.stats.backward_evals += 1
        self.done += 1
        self.live, self.origin = None, action.start

    def _run(self, until_reverse: bool) -> None:
        began, cpu_began = time.perf_counter(), time.process_time()
        ledger, actions = self.machine.ledger, self.actions
        while self.position < len(actions):
            action = actions[self.position]
            if until_reverse and action.kind == "reverse":
                break
            if self.trace is not None:
                record = {**action.as_dict(), "steps_done": self.done, "origin": self.origin}
                self.trace.append(record)
            self._apply[action.kind](action)
            if not ledger.at_holds:
                ledger.sample()
            if self.trace is not None:
                self.trace[-1]["snapshots"] = len(self.snapshots)
            self.position += 1
        self.stats.time_s += time.perf_counter() - began
        self.stats.cpu_s += time.process_time() - cpu_began

    def forward(self) -> list:
        self._run(until_reverse=True)
        return list(self.machine.outputs)

    def backward(self, cotangents: Sequence[Value] | None = None) -> list:
        if self.position == 0 or self.position >= len(self.actions):
            raise CheckpointError("backward() runs once, after forward()")
        self.machine.seed(cotangents)
        self._run(until_reverse=False)
        return self.machine.gradients()

    def run(self) -> Stats:
        """All the actions at once (a size model: no outputs or cotangents)."""
        self._run(until_reverse=False)
        return self.stats


# ----------------------------------------------------------------------------- size model
@dataclass(frozen=True)
class SizeModel:
    """A chain of steps by sizes only: `sizes` (bytes per value key; a key not listed is free:
    the caller's inputs, parameters and constants), `start` (the keys live in state 0), and
    per step t: `out[t]` (the key of the value it makes), `stays[t]` (whether that value is
    live after the step), `frees[t]` (the live keys it reads for the last time), `tapes[t]`
    (the keys its tape keeps). `at_holds`: the peak is taken at every hold, as a real step
    holds its output before it frees its operands; else between actions only."""

    sizes: Mapping[Hashable, int]
    start: tuple[Hashable, ...]
    out: tuple[Hashable, ...]
    stays: tuple[bool, ...]
    frees: tuple[tuple[Hashable, ...], ...]
    tapes: tuple[tuple[Hashable, ...], ...]
    at_holds: bool = True

    @classmethod
    def states(
        cls, steps: int, state_bytes: Sequence[int] | int = 1, tape_bytes: Sequence[int] | int = 0
    ) -> SizeModel:
        """The textbook chain: state i costs `state_bytes[i]` (or one number for all), the
        tape of step t holds states t and t + 1 plus `tape_bytes[t]`; the peak is what is
        held between actions. O(steps).

        >>> SizeModel.states(2, 8).tapes[1]
        (('x', 1), ('x', 2))
        """
        sizes: dict[Hashable, int] = {}
        for i, size in enumerate(_per_index(state_bytes, steps + 1, "state_bytes")):
            sizes["x", i] = size
        extra = _per_index(tape_bytes, steps, "tape_bytes")
        for t, size in enumerate(extra):
            if size:
                sizes["r", t] = size
        return cls(
            sizes=sizes,
            start=(("x", 0),),
            out=tuple(("x", t + 1) for t in range(steps)),
            stays=(True,) * steps,
            frees=tuple((("x", t),) for t in range(steps)),
            tapes=tuple(
                (("x", t), ("x", t + 1), *((("r", t),) if extra[t] else ())) for t in range(steps)
            ),
            at_holds=False,
        )


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


class SizeMachine:
    """Runs a `SizeModel` for `Execution`: holds and frees keys in a `Ledger`, computes
    nothing. O(1) per value held or freed."""

    def __init__(self, model: SizeModel, stats: Stats) -> None:
        self.model = model
        self.ledger = Ledger(stats=stats, at_holds=model.at_holds)
        self.live: set[Hashable] = set()
        self.outputs: list = []
        self._take(model.start)

    def _hold(self, key: Hashable) -> None:
        size = self.model.sizes.get(key)
        if size is not None:
            self.ledger.hold_key(key, size)

    def _drop(self, key: Hashable) -> None:
        if key in self.model.sizes:
            self.ledger.drop_key(key)

    def _take(self, keys: Sequence[Hashable]) -> None:
        for key in keys:
            self._hold(key)
        self.live = set(keys)

    def _step(self, t: int) -> None:
        model = self.model
        if model.stays[t]:
            self.live.add(model.out[t])
            self._hold(model.out[t])
        for key in model.frees[t]:
            self.live.discard(key)
            self._drop(key)

    def snapshot(self) -> tuple[Hashable, ...]:
        keys = tuple(self.live)
        for key in keys:
            self._hold(key)
        return keys

    def release(self, keys: tuple[Hashable, ...]) -> None:
        for key in keys:
            self._drop(key)

    def restore(self, keys: tuple[Hashable, ...]) -> None:
        self.discard_live()
        self._take(keys)

    def discard_live(self) -> None:
        for key in self.live:
            self._drop(key)
        self.live = set()

    def advance(self, start: int, stop: int) -> None:
        for t in range(start, stop):
            self._step(t)

    def tape(self, t: int) -> None:
        out, tape = self.model.out[t], self.model.tapes[t]
        for key in tape:
            if key != out:
                self._hold(key)
        self._step(t)
        if out in tape:
            self._hold(out)

    def reverse(self, t: int) -> None:
        for key in self.model.tapes[t]:
            self._drop(key)

    def seed(self, cotangents: Any) -> None:
        pass

    def gradients(self) -> list:
        return []


def replay(actions: Sequence[Action], model: SizeModel, trace: list | None = None) -> Stats:
    """The counts of running `actions` (already checked) on the size `model`: peak bytes
    and values, snapshots, forward and backward steps. O(actions + values held)."""
    stats = Stats()
    return Execution(actions, SizeMachine(model, stats), stats, trace).run()


def simulate(
    actions: Sequence[Action],
    state_bytes: Sequence[int] | int = 1,
    tape_bytes: Sequence[int] | int = 0,
) -> dict[str, int]:
    """Replay a schedule on the textbook size model and count what it holds and computes.

    A tape of step t holds states t and t+1 (its input and output) plus `tape_bytes[t]`;
    a snapshot holds its state; the live state is held too. Returns peak_bytes,
    peak_values (distinct values held), peak_snapshots, forward_steps (advanced + taped),
    advance_steps, tape_steps, reverse_steps. O(len(actions) + steps).

    >>> simulate([Action("tape", 0, 1), Action("reverse", 0, 1)], state_bytes=8)["peak_bytes"]
    16
    """
    actions = as_actions(actions)
    steps = max((a.stop for a in actions), default=0)
    stats = replay(actions, SizeModel.states(steps, state_bytes, tape_bytes))
    taped = sum(1 for a in actions if a.kind == "tape")
    return {
        "peak_bytes": stats.peak_bytes,
        "peak_values": stats.peak_values,
        "peak_snapshots": stats.peak_snapshots,
        "forward_steps": stats.forward_evals,
        "advance_steps": stats.forward_evals - taped,
        "tape_steps": taped,
        "reverse_steps": stats.backward_evals,
    }


def trace_actions(actions: Sequence[Action | dict[str, Any]]) -> list[dict[str, Any]]:
    """The interpreter's trace of a schedule (`Action`s or their records), one record per
    action: kind, start, stop, steps_done (executed before it), origin (the state index the
    sweep is at before it) and snapshots (held after it): what a drawing of the schedule
    needs. O(len(actions)).

    >>> [(r["kind"], r["steps_done"], r["origin"]) for r in trace_actions(
    ...     [Action("tape", 0, 1), Action("reverse", 0, 1)])]
    [('tape', 0, 0), ('reverse', 1, 1)]
    """
    actions = as_actions(actions)
    trace: list[dict[str, Any]] = []
    replay(actions, SizeModel.states(max((a.stop for a in actions), default=0)), trace)
    return trace
