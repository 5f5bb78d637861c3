"""Timing: the median of repeated runs, each run long enough to be measured."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(
    fn: Callable[[], Any], repeat: int = 5, min_time: float = 2e-3, max_loops: int = 10_000
) -> float:
    """Median seconds per call of `fn()` over `repeat` runs of `loops` calls each, `loops`
    grown until one run takes at least `min_time`. Cost: about repeat * max(min_time, t).

    >>> median_time(lambda: sum(range(10)), repeat=3) > 0
    True
    """
    fn()  # warm caches
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or loops >= max_loops:
            break
        loops = min(max_loops, loops * max(2, int(min_time / max(elapsed, 1e-9))))
    samples = [elapsed / loops]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


def once(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(result, seconds) of a single call."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start
