"""What a gradient cost, measured: one `Stats` record, and the `Ledger` that counts bytes.

Plain reverse mode (`value_and_grad(..., return_stats=True)`) and the checkpoint executor
fill the same `Stats`: the sweeps add op counts, a `Ledger` keeps the live set of stored
values and writes its peaks into it, the executor adds step counts and times. The ledger is
the one place bytes are counted: by the buffer a value owns (a view of a held array costs
nothing more), or by key and size for the size model of a schedule.

>>> stats = Stats()
>>> ledger = Ledger(stats=stats)
>>> a = np.zeros(4)
>>> ledger.hold(a); ledger.hold(a[1:]); ledger.drop(a)
>>> ledger.bytes, stats.peak_bytes, stats.peak_values
(32, 32, 1)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from expr import Tracer

Value = Any


@dataclass
class Stats:
    """Counts of one gradient computation (pass one in; the sweeps and the executor add to it).

    forward_ops / backward_ops: op kernels and derivative rules run (recomputation included);
    peak_bytes / peak_values: the largest live set of stored forward values (deduplicated by
    buffer; inputs, parameters and constants not counted); time_s: wall time. A checkpointed
    run also sets strategy (None otherwise) and steps, and counts peak_snapshots,
    forward_evals (steps computed forward: first sweep, recomputation and taping),
    backward_evals (steps reversed), cpu_s (CPU time of the process, less sensitive to other
    load) and tracemalloc_peak (the traced allocation peak above the start; None unless
    asked for).
    """

    strategy: str | None = None
    steps: int = 0
    peak_bytes: int = 0
    peak_values: int = 0
    peak_snapshots: int = 0
    forward_evals: int = 0
    backward_evals: int = 0
    forward_ops: int = 0
    backward_ops: int = 0
    time_s: float = 0.0
    cpu_s: float = 0.0
    tracemalloc_peak: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A flat record (for CSV and plots): forward_ops, backward_ops, stored_values,
        stored_bytes (the peaks), seconds; and every field for a checkpointed run.

        >>> Stats(forward_ops=3).as_dict()["forward_ops"]
        3
        """
        record: dict[str, Any] = {
            "forward_ops": self.forward_ops,
            "backward_ops": self.backward_ops,
            "stored_values": self.peak_values,
            "stored_bytes": self.peak_bytes,
            "seconds": self.time_s,
        }
        if self.strategy is not None:
            record.update((f.name, getattr(self, f.name)) for f in fields(self))
        return record


def _owner(value: Value) -> Any:
    """The object that owns a value's memory (the base array of a view)."""
    while isinstance(value, np.ndarray) and isinstance(value.base, np.ndarray):
        value = value.base
    return value


def value_bytes(value: Value) -> int:
    """Bytes a value occupies: `nbytes` of numpy data, 8 per element of a tracer's shape (or
    of a Python number).

    >>> value_bytes(np.zeros(3)), value_bytes(1.5)
    (24, 8)
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return int(value.nbytes)
    if isinstance(value, Tracer):
        return 8 * int(np.prod(value.shape, dtype=np.int64))
    if isinstance(value, (float, int, complex)):
        return 8
    return 0


class Ledger:
    """The live set of stored values, reference counted per key, its peaks written to
    `stats`. `hold(value)` keys a value by the buffer it owns (values in `exclude` are free);
    `hold_key(key, nbytes)` holds a value known by key and size only (a size model).
    `at_holds=False` records the peaks only when `sample()` is called (between actions: a
    schedule's textbook model), else at every hold (what a real run holds). O(1) per call.

    >>> ledger = Ledger()
    >>> ledger.hold_key("x0", 8); ledger.hold_key("x0", 8); ledger.drop_key("x0")
    >>> ledger.bytes, ledger.values, ledger.peak_bytes
    (8, 1, 8)
    """

    def __init__(
        self, exclude: Sequence[Value] = (), stats: Stats | None = None, at_holds: bool = True
    ) -> None:
        self._excluded = {id(_owner(v)) for v in exclude if v is not None}
        self._keep = [_owner(v) for v in exclude]  # keeps the excluded ids from being reused
        self._refs: dict[Hashable, list] = {}
        self.stats = Stats() if stats is None else stats
        self.at_holds = at_holds
        self.bytes = 0
        self.values = 0

    @property
    def peak_bytes(self) -> int:
        return self.stats.peak_bytes

    @property
    def peak_values(self) -> int:
        return self.stats.peak_values

    def sample(self) -> None:
        """Record the current live set in the peaks."""
        stats = self.stats
        stats.peak_bytes = max(stats.peak_bytes, self.bytes)
        stats.peak_values = max(stats.peak_values, self.values)

    def hold_key(self, key: Hashable, nbytes: int, owner: Any = None) -> None:
        entry = self._refs.get(key)
        if entry is not None:
            entry[2] += 1
            return
        self._refs[key] = [owner, nbytes, 1]
        self.bytes += nbytes
        self.values += 1
        if self.at_holds:
            self.sample()

    def drop_key(self, key: Hashable) -> None:
        entry = self._refs.get(key)
        if entry is None:
            return
        entry[2] -= 1
        if entry[2] == 0:
            del self._refs[key]
            self.bytes -= entry[1]
            self.values -= 1

    def hold(self, value: Value) -> None:
        if value is None:
            return
        owner = _owner(value)
        if id(owner) not in self._excluded:
            self.hold_key(id(owner), value_bytes(owner), owner)

    def drop(self, value: Value) -> None:
        if value is not None:
            self.drop_key(id(_owner(value)))


#: The names this record had: plain reverse mode's and the checkpoint executor's.
SweepStats = CheckpointStats = Stats
