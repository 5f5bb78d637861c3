"""Shared timing for the side-by-side benchmarks: one malloc setting for every system,
interleaved rounds, medians, and a table of ratios.

Every benchmark that imports this runs under MALLOC_MMAP_THRESHOLD_=268435456 and
MALLOC_TRIM_THRESHOLD_=1073741824 (glibc keeps freed memory instead of returning it to the
system after each large array, so no system pays for page faults the others do not): when
they are not set, the script re-executes itself with them, before numpy is imported.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

MALLOC = {"MALLOC_MMAP_THRESHOLD_": "268435456", "MALLOC_TRIM_THRESHOLD_": "1073741824"}


def ensure_tuned_malloc() -> None:
    """Re-execute this script with the malloc setting when it is missing."""
    if any(os.environ.get(k) != v for k, v in MALLOC.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC})


def environment() -> str:
    """The settings every system ran under, and the machine's load, for the output."""
    names = (*MALLOC, "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return ", ".join(f"{k}={os.environ.get(k)}" for k in names) + f"; {load()}"


def load() -> str:
    """The 1-minute load average and the number of cores (other processes slow every
    system; the interleaved rounds keep the ratios fair, not the milliseconds)."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def median_seconds(
    contenders: dict[str, Callable[[], object]],
    repeat: int,
    min_time: float = 0.02,
    setup: dict[str, Callable[[], object]] | None = None,
    warmup: int = 3,
) -> dict[str, float]:
    """Median over `repeat` rounds of the mean time per call of each contender. The
    contenders run interleaved within every round, so load from other processes hits all
    of them alike; calls per round are chosen so a round lasts about `min_time` each,
    after `warmup` untimed calls (a first call may trace, a later one compile: the count
    is taken on the steady state). `setup[name]()` runs before each of that contender's
    rounds, untimed (thread counts)."""
    setup = setup or {}
    numbers = {}
    for name, fn in contenders.items():
        setup.get(name, lambda: None)()
        for _ in range(warmup):
            fn()
        calls, elapsed = 1, 0.0
        while elapsed < min_time / 4:  # the calls that take a quarter of a round
            calls *= 2
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            elapsed = time.perf_counter() - start
        numbers[name] = max(1, int(calls * min_time / elapsed))
    rounds: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            setup.get(name, lambda: None)()
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            rounds[name].append((time.perf_counter() - start) / numbers[name])
    return {name: statistics.median(times) for name, times in rounds.items()}


def table(rows: list[str], columns: list[str], cells: dict[tuple[str, str], str]) -> str:
    """A GitHub-markdown table (rows x columns; missing cells show as -)."""
    lines = ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for row in rows:
        lines.append(f"| {row} | " + " | ".join(cells.get((row, c), "-") for c in columns) + " |")
    return "\n".join(lines)
