"""Checkpoint strategies: the types, and the one place a user's strategy is normalized.

None (or "none") stores everything, `every(k)` snapshots every k-th state, "sqrt" is
every(ceil(sqrt T)) (Chen et al. 2016), `binomial(snapshots=s)` is Griewank–Walther revolve
(the fewest forward steps possible with s snapshots), `budget(bytes=B)` the cheapest schedule
whose predicted peak fits in B, "regions" recomputes the regions marked with
`autodiff.checkpoint` (a graph's default), `Segments` given ranges.

>>> as_strategy("sqrt"), as_strategy(None), as_strategy("regions")
(Sqrt(), StoreAll(), Regions())
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from expr import checks

from ..errors import AutodiffError


class CheckpointError(AutodiffError):
    """A checkpoint strategy or schedule request is malformed or cannot be met."""


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
    """Recompute the given segments [a, b); keep the tapes of every other step."""

    segments: tuple[tuple[int, int], ...]

    def __str__(self) -> str:
        return f"segments({len(self.segments)})"


@dataclass(frozen=True)
class Regions:
    """Recompute the regions marked with `autodiff.checkpoint` (a graph's `Segments`; store
    everything when there are none)."""

    def __str__(self) -> str:
        return "regions"


Strategy = StoreAll | Every | Sqrt | Binomial | Budget | Segments | Regions

_ACCEPTED = (
    "None (store everything), 'sqrt', 'regions', autodiff.every(k), "
    "autodiff.binomial(snapshots=s) or autodiff.budget(bytes=B)"
)
_NAMED = {"none": StoreAll(), "store_all": StoreAll(), "all": StoreAll()}
_NAMED.update(sqrt=Sqrt(), regions=Regions())

#: Most steps `schedule` builds actions for (O(steps) actions, about a second at the limit);
#: `budget(bytes=B)` tries many candidate schedules, so its limit is lower.
MAX_SCHEDULE_STEPS = 2 * 10**5
MAX_BUDGET_STEPS = 5_000


def positive_int(value: Any, what: str, maximum: int | None = None, hint: str = "") -> int:
    """`value` as an int >= 1 (and <= maximum), else a `CheckpointError` naming `what`."""
    return checks.integer(value, what, 1, maximum, CheckpointError, hint)


def every(k: int) -> Every:
    """Snapshot every k-th step's input.

    >>> every(3)
    Every(k=3)
    """
    return Every(positive_int(k, "every(k): k"))


def binomial(snapshots: int) -> Binomial:
    """Revolve with `snapshots` slots (>= 1; the snapshot of x_0 counts as one).

    >>> binomial(snapshots=4)
    Binomial(snapshots=4)
    """
    return Binomial(positive_int(snapshots, "binomial(snapshots=s): s"))


def budget(bytes: int) -> Budget:
    """Fit the stored values into `bytes` with the fewest forward steps.

    >>> budget(bytes=1 << 20)
    Budget(bytes=1048576)
    """
    return Budget(positive_int(bytes, "budget(bytes=B): B"))


def as_strategy(strategy: Any) -> Strategy:
    """Normalise a user's strategy: None, "none", "sqrt", "regions" or a strategy object.

    >>> as_strategy(" SQRT "), as_strategy(every(2))
    (Sqrt(), Every(k=2))
    """
    if strategy is None:
        return StoreAll()
    if isinstance(strategy, str):
        named = _NAMED.get(strategy.strip().lower())
        if named is None:
            raise CheckpointError(
                f"unknown checkpoint strategy {checks.shown(strategy)}; accepted: {_ACCEPTED}"
            )
        return named
    if isinstance(strategy, (StoreAll, Every, Sqrt, Binomial, Budget, Segments, Regions)):
        return strategy
    raise CheckpointError(
        f"a checkpoint strategy cannot be a {type(strategy).__name__}; accepted: {_ACCEPTED}"
    )
