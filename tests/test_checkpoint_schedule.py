"""Checkpoint schedules: revolve is optimal (against an independent DP), strategies are
valid, and the schedule picture draws."""

from __future__ import annotations

import math

import pytest

from autodiff.checkpoint.execute import Action, simulate
from autodiff.checkpoint.schedule import beta, revolve_forward_steps, schedule
from autodiff.checkpoint.strategy import CheckpointError, as_strategy, binomial, budget, every
from compare.plots.schedule import draw_schedule

T_MAX, S_MAX = 200, 10


@pytest.fixture(scope="module")
def minimal_advances() -> list[list[float]]:
    """Bellman's recursion over all schedules, tabulated (no closed form, no split rule):
    cost[l][s] = the fewest advance steps that reverse l steps when state 0 is held and s
    snapshot slots (that one included) may be used. An optimal schedule first advances some
    j >= 1 steps and stores there (or, when one step remains, tapes it from the live state),
    reverses the last l - j steps with one slot fewer, then restores state 0 and reverses the
    first j steps with all s slots."""
    inf = math.inf
    cost = [[inf] * (S_MAX + 1) for _ in range(T_MAX + 1)]
    for s in range(S_MAX + 1):
        cost[1][s] = 0
    for s in range(1, S_MAX + 1):
        for steps in range(2, T_MAX + 1):
            cost[steps][s] = min(j + cost[steps - j][s - 1] + cost[j][s] for j in range(1, steps))
    return cost


def _replay(actions: list[Action], steps: int) -> dict:
    """An independent checker: replays the actions, asserting each is legal, and returns the
    advance count and the most snapshots held at once."""
    snapshots: set[int] = set()
    live: int | None = 0
    reversed_steps: list[int] = []
    taped: set[int] = set()
    advances = 0
    most = 0
    for action in actions:
        kind, a, b = action.kind, action.start, action.stop
        if kind == "store":
            assert live == a
            snapshots.add(a)
        elif kind == "free":
            snapshots.remove(a)
        elif kind == "restore":
            assert a in snapshots
            live = a
        elif kind == "advance":
            assert live == a and b > a
            advances += b - a
            live = b
        elif kind == "tape":
            assert live == a
            taped.add(a)
            live = a + 1
        elif kind == "reverse":
            assert a in taped
            taped.remove(a)
            expected = steps - 1 - len(reversed_steps)
            assert a == expected, "steps must be reversed from the last to the first"
            reversed_steps.append(a)
            live = None
        most = max(most, len(snapshots))
    assert reversed_steps == list(range(steps - 1, -1, -1))
    assert not snapshots and not taped
    return {"advances": advances, "snapshots": most}


def test_binomial_is_optimal_against_dp(minimal_advances: list[list[float]]) -> None:
    for s in range(1, S_MAX + 1):
        for steps in range(1, T_MAX + 1):
            actions = schedule(steps, binomial(s))
            replay = _replay(actions, steps)
            assert replay["advances"] == minimal_advances[steps][s], (steps, s)
            assert replay["snapshots"] <= s, (steps, s)
            if steps > 60:
                continue
            stats = simulate(actions)
            # snapshots (x_0 included) + the live state + the tape's output
            assert stats["peak_values"] <= s + 2
            assert stats["forward_steps"] == replay["advances"] + steps


def test_closed_form_matches_dp(minimal_advances: list[list[float]]) -> None:
    for s in range(1, S_MAX + 1):
        for steps in range(1, T_MAX + 1):
            assert revolve_forward_steps(steps, s) == minimal_advances[steps][s]


def test_beta_counts_reversible_steps() -> None:
    # with s snapshots and r repetitions, beta(s, r) steps are reversible, one more is not
    for s in range(1, 6):
        for r in range(1, 5):
            steps = beta(s, r)
            assert revolve_forward_steps(steps, s) <= r * steps
            assert revolve_forward_steps(steps + 1, s) > r * (steps + 1) - beta(s + 1, r)


@pytest.mark.parametrize("steps", [1, 2, 7, 16, 37, 100])
@pytest.mark.parametrize("strategy", [None, "sqrt", every(1), every(3), every(50)])
def test_segment_strategies_are_valid(steps: int, strategy) -> None:
    actions = schedule(steps, strategy)
    replay = _replay(actions, steps)
    stats = simulate(actions)
    assert stats["tape_steps"] == steps
    assert stats["forward_steps"] < 2 * steps
    if strategy is None:
        assert replay["advances"] == 0 and stats["peak_values"] == steps + 1


def test_sqrt_memory_and_steps() -> None:
    steps = 256
    stats = simulate(schedule(steps, "sqrt"))
    assert stats["peak_values"] <= 2.5 * math.sqrt(steps)
    assert stats["forward_steps"] <= 2.05 * steps


def test_budget_picks_fewest_steps_that_fit() -> None:
    steps = 64
    everything = simulate(schedule(steps, None))["peak_bytes"]
    assert schedule(steps, budget(bytes=everything)) == schedule(steps, None)
    for limit in (4, 8, 16, 30):
        stats = simulate(schedule(steps, budget(bytes=limit)))
        assert stats["peak_bytes"] <= limit
        # no binomial schedule that fits is cheaper
        for s in range(1, steps):
            other = simulate(schedule(steps, binomial(s)))
            if other["peak_bytes"] <= limit:
                assert stats["forward_steps"] <= other["forward_steps"]


def test_bad_strategies_are_named() -> None:
    with pytest.raises(CheckpointError, match="unknown checkpoint strategy"):
        as_strategy("cubic")
    with pytest.raises(CheckpointError, match="must be an int >= 1"):
        every(0)
    with pytest.raises(CheckpointError, match="must be an int >= 1"):
        binomial(snapshots=-1)
    with pytest.raises(CheckpointError, match="cannot be a"):
        as_strategy(3.5)
    with pytest.raises(CheckpointError, match="cannot be met"):
        schedule(10, budget(bytes=2))
    with pytest.raises(CheckpointError, match="must be an int >= 1"):
        schedule(0, "sqrt")


def test_draw_schedule_returns_figure() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = draw_schedule(schedule(12, binomial(3)), title="revolve")
    assert fig.axes[0].get_xlabel().startswith("time")
    fig2, ax = plt.subplots()
    assert draw_schedule(schedule(5, "sqrt"), ax=ax) is fig2
    plt.close("all")
