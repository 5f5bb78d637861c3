"""Schedules: the actions that reverse a chain of T steps under a strategy, and revolve's
theory. Pure construction: no values are computed here (`.execute` runs the actions).

Strategies (`.strategy`): store everything, `every(k)`, "sqrt" (k = ceil(sqrt T), Chen et al.
2016), `binomial(snapshots=s)` (Griewank–Walther revolve: fewest forward steps possible with
s snapshots), `budget(bytes=B)` (the cheapest candidate whose peak, replayed on a size model,
fits in B) and given segments.

>>> from autodiff import binomial, every
>>> acts = schedule(4, every(2))
>>> [str(a) for a in acts][:4]
['store 0', 'advance 0 2', 'tape 2', 'tape 3']
>>> revolve_forward_steps(4, 2)  # advances revolve needs for 4 steps with 2 snapshots
4
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from expr import checks

from .execute import Action, SizeModel, replay, trace_actions
from .strategy import (
    MAX_BUDGET_STEPS,
    MAX_SCHEDULE_STEPS,
    Binomial,
    Budget,
    CheckpointError,
    Every,
    Regions,
    Segments,
    Sqrt,
    StoreAll,
    Strategy,
    as_strategy,
    positive_int,
)

#: Largest min(s, r) of `beta(s, r)` (C(2 10^5, 10^5) has 60,000 digits: milliseconds).
MAX_BETA_ARGUMENT = 10**5
_COUNT_INSTEAD = (
    "for the cost alone use revolve_forward_steps(T, s) or forward_steps(T, strategy), which "
    "count without building the schedule"
)
_REGIONS = (
    "'regions' are the checkpoint regions of a graph: use it with checkpointed_vjp or "
    "grad(f, checkpoint='regions')"
)


# ----------------------------------------------------------------------------- actions
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
    return _repetitions(positive_int(steps, "steps"), positive_int(snapshots, "snapshots"))


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


def _every_k(steps: int, strategy: Every | Sqrt) -> int:
    return strategy.k if isinstance(strategy, Every) else math.isqrt(steps - 1) + 1


def _fixed_actions(steps: int, strategy: Strategy) -> list[Action]:
    """The schedule of a strategy that does not look at sizes (all but `budget`)."""
    if isinstance(strategy, StoreAll):
        return _segment_actions(steps, [])
    if isinstance(strategy, (Every, Sqrt)):
        k = _every_k(steps, strategy)
        return _segment_actions(steps, [(a, min(a + k, steps)) for a in range(0, steps, k)])
    if isinstance(strategy, Binomial):
        return _binomial_actions(steps, strategy.snapshots)
    if isinstance(strategy, Segments):
        _check_segments(steps, strategy.segments)
        return _segment_actions(steps, strategy.segments)
    raise CheckpointError(f"schedule(T, strategy): {_REGIONS}")


def schedule(
    steps: int,
    strategy: Any = None,
    state_bytes: Sequence[int] | int = 1,
    tape_bytes: Sequence[int] | int = 0,
) -> list[Action]:
    """The actions that reverse a chain of `steps` steps with `strategy`.

    Only `budget` looks at sizes: it picks the candidate (store-all, every(k) over a grid of
    k, binomial(s) bisected over s) with the fewest forward steps whose peak fits, each
    candidate replayed on `SizeModel.states(steps, state_bytes, tape_bytes)` (bytes per
    state x_0..x_T, or one number; extra residuals per step). O(steps) actions
    (O(steps · log steps) for binomial).

    >>> [str(a) for a in schedule(3, Binomial(2))]
    ['store 0', 'advance 0 1', 'store 1', 'advance 1 2', 'tape 2', 'reverse 2', \
'restore 1', 'tape 1', 'reverse 1', 'free 1', 'restore 0', 'tape 0', 'reverse 0', 'free 0']
    """
    steps = _steps(steps)
    strategy = as_strategy(strategy)
    model = None
    if isinstance(strategy, Budget):
        model = SizeModel.states(_budget_steps(steps), state_bytes, tape_bytes)
    return actions_for(steps, strategy, model)


def _steps(steps: Any) -> int:
    return positive_int(steps, "schedule(T): T", MAX_SCHEDULE_STEPS, _COUNT_INSTEAD)


def _budget_steps(steps: int) -> int:
    if steps > MAX_BUDGET_STEPS:
        raise CheckpointError(
            f"schedule(T={steps}, budget(...)): T is over the limit {MAX_BUDGET_STEPS} for "
            "budget (it builds and measures dozens of candidate schedules); choose "
            "binomial(snapshots=s) directly (its peak is about s + 2 states)"
        )
    return steps


def actions_for(steps: int, strategy: Strategy, model: SizeModel | None = None) -> list[Action]:
    """The actions of an already normalized `strategy` (`as_strategy`) over `steps` steps;
    a budget is fitted on the size `model` of the computation (unit states when None).

    >>> [str(a) for a in actions_for(2, StoreAll())]
    ['tape 0', 'tape 1', 'reverse 1', 'reverse 0']
    """
    steps = _steps(steps)
    if not isinstance(strategy, Budget):
        return _fixed_actions(steps, strategy)
    model = SizeModel.states(_budget_steps(steps)) if model is None else model
    return _budget_actions(steps, strategy.bytes, model)


def schedule_records(steps: int, strategy: Any = None) -> list[dict[str, Any]]:
    """`schedule(steps, strategy)` as tidy records, one per action, from the interpreter's
    trace (`trace_actions`): kind, start, stop, steps_done, origin, snapshots.

    >>> schedule_records(2, None)[0]
    {'kind': 'tape', 'start': 0, 'stop': 1, 'steps_done': 0, 'origin': 0, 'snapshots': 0}
    """
    return trace_actions(schedule(steps, strategy))


def forward_steps(steps: int, strategy: Any = None) -> int:
    """Forward steps (advanced + taped) the schedule of `strategy` makes over `steps` steps,
    counted without building it: T (store all), T + k floor((T - 1) / k) (every(k), sqrt),
    T + revolve_forward_steps(T, s) (binomial(s)), T + the lengths of the recomputed
    segments. `budget` depends on sizes: build it with `schedule`. O(log T).

    >>> forward_steps(16, "sqrt"), forward_steps(10**12, Binomial(3))
    (28, 13627904473498545)
    """
    steps = positive_int(steps, "forward_steps(T): T")
    strategy = as_strategy(strategy)
    if isinstance(strategy, StoreAll):
        return steps
    if isinstance(strategy, (Every, Sqrt)):
        k = _every_k(steps, strategy)
        return steps + k * ((steps - 1) // k)
    if isinstance(strategy, Binomial):
        return steps + revolve_forward_steps(steps, strategy.snapshots)
    if isinstance(strategy, Segments):
        _check_segments(steps, strategy.segments)
        return steps + sum(b - a for a, b in strategy.segments if b < steps)
    if isinstance(strategy, Regions):
        raise CheckpointError(f"forward_steps: {_REGIONS}")
    raise CheckpointError(
        f"forward_steps cannot count {strategy}: a budget's schedule depends on the sizes; "
        "build it with schedule(T, budget(bytes=B), state_bytes=...) and simulate it"
    )


# ----------------------------------------------------------------------------- budget
def _budget_candidates(steps: int) -> list[Strategy]:
    """Store-all and every(k) for k on a geometric grid (ratio about 1.25) and sqrt."""
    ks = {math.isqrt(steps - 1) + 1}
    k = 1.0
    while k < steps:
        ks.add(round(k))
        k *= 1.25
    return [StoreAll(), *(Every(k) for k in sorted(ks) if k < steps)]


def _budget_actions(steps: int, limit: int, model: SizeModel) -> list[Action]:
    """Bisect binomial(s) for the most snapshots that fit, then try the store-all and
    every(k) candidates that need fewer forward steps (counted by `forward_steps`),
    cheapest first, stopping at the first that fits: the result has the fewest forward steps
    among all candidates that fit. Each try replays one schedule on `model`: O(log steps)
    of them plus one per cheaper candidate that does not fit."""
    best: tuple[int, list[Action]] | None = None
    smallest: int | None = None

    def fits(candidate: Strategy) -> bool:
        nonlocal best, smallest
        actions = _fixed_actions(steps, candidate)
        peak = replay(actions, model).peak_bytes
        smallest = peak if smallest is None else min(smallest, peak)
        if peak <= limit:
            best = (forward_steps(steps, candidate), actions)
        return peak <= limit

    low, high = 1, steps
    while low <= high:
        middle = (low + high) // 2
        if fits(Binomial(middle)):
            low = middle + 1
        else:
            high = middle - 1
    for candidate in sorted(_budget_candidates(steps), key=lambda c: forward_steps(steps, c)):
        if best is not None and forward_steps(steps, candidate) >= best[0]:
            break
        if fits(candidate):
            break
    if best is None:
        raise CheckpointError(
            f"budget(bytes={limit}) cannot be met for {steps} steps: the smallest schedule "
            f"tried needs {smallest} bytes (binomial(1) keeps only x_0, the live state and "
            "one tape)"
        )
    return best[1]
