"""Benchmark: value and gradient of the Rosenbrock function written as a scalar Python
loop over n = 1000 Python floats, every system side by side in one run: ours (the Python
function retraced each call, `jit`, the traced Function), PyTorch with 0-d tensors, and
the plain Python float loop (forward only: the floor of any Python-level engine).

Run: python benchmarks/bench_scalar.py [--n 1000] [--repeat N]
(it re-executes itself under MALLOC_MMAP_THRESHOLD_=268435456
MALLOC_TRIM_THRESHOLD_=1073741824). Prints a markdown table of medians and ratios to
PyTorch 0-d tensors. Not a test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable

from timing import ensure_tuned_malloc, environment, load, median_seconds, table

ensure_tuned_malloc()

import numpy as np  # noqa: E402

import autodiff  # noqa: E402
import expr  # noqa: E402

RETRACED = "ours: `value_and_grad(rosenbrock)`, retraced each call"
JIT = "ours: `jit(value_and_grad(rosenbrock))`"
FUNCTION = "ours: `value_and_grad(Function)` (compiled)"
TORCH = "PyTorch, 0-d tensors, 1 thread"
FLOATS = "plain Python float loop, forward only"


def rosenbrock(*xs: object) -> object:
    """sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, one scalar at a time."""
    total = 0.0
    for a, b in itertools.pairwise(xs):
        total = total + 100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2
    return total


def rosenbrock_gradient(xs: np.ndarray) -> np.ndarray:
    """The exact gradient, vectorized (to check every system)."""
    a, b = xs[:-1], xs[1:]
    g = np.zeros_like(xs)
    g[:-1] += -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
    g[1:] += 200.0 * (b - a * a)
    return g


def contenders(xs: tuple[float, ...]) -> tuple[dict[str, Callable[[], object]], dict]:
    argnums = tuple(range(len(xs)))
    retraced = autodiff.value_and_grad(rosenbrock, argnums=argnums)
    jitted = autodiff.jit(autodiff.value_and_grad(rosenbrock, argnums=argnums))
    traced = autodiff.value_and_grad(expr.trace(rosenbrock, *xs), argnums=argnums)
    systems: dict[str, Callable[[], object]] = {
        RETRACED: lambda: retraced(*xs),
        JIT: lambda: jitted(*xs),
        FUNCTION: lambda: traced(*xs),
    }
    setup = {}
    try:
        import torch

        def torch_step() -> tuple:
            ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
            total = rosenbrock(*ts)
            total.backward()
            return total.item(), [t.grad.item() for t in ts]

        systems[TORCH] = torch_step
        setup[TORCH] = lambda: torch.set_num_threads(1)
    except ImportError:
        pass
    systems[FLOATS] = lambda: rosenbrock(*xs)
    return systems, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=11)
    options = parser.parse_args()
    xs = tuple(float(v) for v in np.random.default_rng(0).uniform(-1.0, 1.0, options.n))
    print(f"# Rosenbrock n={options.n} as a scalar loop over Python floats: value + gradient")
    print(f"# environment: {environment()}; {options.repeat} interleaved rounds")
    systems, setup = contenders(xs)
    exact = rosenbrock_gradient(np.array(xs))
    for name, fn in systems.items():
        if name != FLOATS:
            value, grads = fn()
            assert abs(float(value) - rosenbrock(*xs)) <= 1e-9 * abs(rosenbrock(*xs)), name
            np.testing.assert_allclose(np.array(grads, dtype=float), exact, rtol=1e-12, atol=1e-12)
    times = median_seconds(systems, options.repeat, min_time=0.05, setup=setup)
    reference = times.get(TORCH)
    cells = {}
    for name, t in times.items():
        cells[name, "median ms"] = f"{1e3 * t:.2f}"
        if reference is not None:
            cells[name, "PyTorch 0-d / this"] = f"{reference / t:.1f}x"
    print(table(list(times), ["median ms", "PyTorch 0-d / this"], cells))
    if reference is not None:
        print(
            f"# jit is {reference / times[JIT]:.1f}x faster than PyTorch 0-d tensors (goal >= 5); "
            f"retraced {reference / times[RETRACED]:.2f}x (goal > 1)"
        )
    print(f"# at the end: {load()}")


if __name__ == "__main__":
    main()
