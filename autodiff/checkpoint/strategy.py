"""Checkpoint strategies: the types, and the one place a user's strategy is normalized.

None (or "none") stores everything, `every(k)` snapshots every k-th state, "sqrt" is
every(ceil(sqrt T)) (Chen et al. 2016), `binomial(snapshots=s)` is Griewank–Walther revolve
(the fewest forward steps possible with s snapshots), `budget(bytes=B)` the cheapest schedule
whose predicted peak fits in B, "regions" recomputes the regions marked with
`autodiff.checkpoint` (a graph's default), `Segments` given ranges.

>>> as_strategy("sqrt"), as_strategy(None), as_strategy("regions")
(Sqrt(), StoreAll(), Regions())
>>> str(every(4)), str(as_strategy(None))
('every(4)', 'none')
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from expr import checks

from ..errors import AutodiffError


class CheckpointError(AutodiffError):
    """A checkpoint strategy or schedule request is malformed or cannot be met."""


@dataclass(frozen=True)
class _Strategy:
    """Base of the strategy types: shown as their name (with their setting, if any); an int
    setting is checked to be >= 1 on construction, its error naming `label`."""

    name: ClassVar[str] = ""
    label: ClassVar[str | None] = None

    def __init_subclass__(cls, name: str = "", label: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name, cls.label = name, label

    def __post_init__(self) -> None:
        if self.label is not None:
            setting = fields(self)[0].name
            object.__setattr__(self, setting, positive_int(getattr(self, setting), self.label))

    def __str__(self) -> str:
        values = [getattr(self, f.name) for f in fields(self)]
        if not values:
            return self.name
        setting = len(values[0]) if isinstance(values[0], tuple) else values[0]
        return f"{self.name}({setting})"


@dataclass(frozen=True)
class StoreAll(_Strategy, name="none"):
    """Keep every tape (plain reverse mode): T forward steps, memory O(T)."""


@dataclass(frozen=True)
class Every(_Strategy, name="every", label="every(k): k"):
    """every(k): snapshot every k-th state and recompute one segment of k steps at a time.

    >>> every(3)
    Every(k=3)
    """

    k: int


@dataclass(frozen=True)
class Sqrt(_Strategy, name="sqrt"):
    """Every(k) with k = ceil(sqrt(T)): O(sqrt T) memory for < 1 extra forward sweep
    (Chen et al. 2016)."""


@dataclass(frozen=True)
class Binomial(_Strategy, name="binomial", label="binomial(snapshots=s): s"):
    """binomial(snapshots=s): Griewank–Walther revolve with s >= 1 snapshot slots (the one
    of x_0 included): the fewest forward steps possible with s snapshots.

    >>> binomial(snapshots=4)
    Binomial(snapshots=4)
    """

    snapshots: int


@dataclass(frozen=True)
class Budget(_Strategy, name="budget", label="budget(bytes=B): B"):
    """budget(bytes=B): the schedule with the fewest forward steps whose predicted peak of
    stored bytes fits in B.

    >>> budget(bytes=1 << 20)
    Budget(bytes=1048576)
    """

    bytes: int


@dataclass(frozen=True)
class Segments(_Strategy, name="segments"):
    """Recompute the given segments [a, b); keep the tapes of every other step (shown with
    the number of segments)."""

    segments: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Regions(_Strategy, name="regions"):
    """Recompute the regions marked with `autodiff.checkpoint` (a graph's `Segments`; store
    everything when there are none)."""


#: The constructors users call: `every(k)`, `binomial(snapshots=s)`, `budget(bytes=B)`.
every, binomial, budget = Every, Binomial, Budget
Strategy = StoreAll | Every | Sqrt | Binomial | Budget | Segments | Regions
__all__ = [
    "Binomial",
    "Budget",
    "CheckpointError",
    "Every",
    "Regions",
    "Segments",
    "Sqrt",
    "StoreAll",
    "as_strategy",
    "binomial",
    "budget",
    "every",
]

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
    if isinstance(strategy, _Strategy):
        return strategy
    raise CheckpointError(
        f"a checkpoint strategy cannot be a {type(strategy).__name__}; accepted: {_ACCEPTED}"
    )
