"""Benchmark: accuracy, error estimates and evaluation counts of numdiff's methods against
numdifftools.Derivative (default settings) and scipy.differentiate.derivative, for first
derivatives and (second table) derivatives of order n = 1..4.

Run: python benchmarks/bench_numdiff.py [--repeat N] (it re-executes itself under the malloc
setting of benchmarks/timing.py; every method of a function is timed in the same rounds).
Functions are black-box numpy callables; the exact derivative comes from expr.reference
(50-digit mpmath). Evaluations are counted by a wrapper (points, not calls). Prints relative
errors, each method's own error estimate as a multiple of its true error (est/err < 1 means
the estimate was too optimistic), evaluation counts, and the median time per derivative as a
ratio to ours (timings on a shared machine are noisy; the counts are not).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, not a stale install

from timing import ensure_tuned_malloc, median_seconds

ensure_tuned_malloc()

import numpy as np  # noqa: E402

import expr  # noqa: E402
import numdiff  # noqa: E402

FUNCTIONS: dict[str, tuple[Callable, str, float]] = {
    "exp(x)": (np.exp, "exp(x)", 1.0),
    "sin(x)": (np.sin, "sin(x)", 1.0),
    "x^-2": (lambda x: x**-2.0, "x**(-2)", 1.0),
    "exp(100x)": (lambda x: np.exp(100.0 * x), "exp(100*x)", 0.05),
    "e^x/sqrt(s^3+c^3)": (
        lambda x: np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3),
        "exp(x)/sqrt(sin(x)**3 + cos(x)**3)",
        1.5,
    ),
    "tanh(x)": (np.tanh, "tanh(x)", 0.5),
    "log(x)": (np.log, "log(x)", 0.01),
}


class Counted:
    """f with a count of the points it was evaluated at."""

    def __init__(self, fn: Callable) -> None:
        self.fn, self.points = fn, 0

    def __call__(self, x):
        self.points += int(np.size(x))
        with np.errstate(all="ignore"):  # scipy's default steps leave log's domain: nan
            return self.fn(x)


def contenders(fn: Callable, x: float) -> dict[str, Callable[[], tuple[float, float, int]]]:
    """name -> run() returning (value, error estimate or nan, evaluations)."""

    def ours(method: str, step=None):
        def run():
            r = numdiff.derivative(fn, x, method=method, step=step, full_output=True)
            est = np.nan if r.error is None else float(r.error)
            return float(r.value), est, r.nfev

        return run

    out = {
        "ours central (default)": ours("central"),
        "ours central (estimate)": ours("central", "estimate"),
        "ours auto": ours("auto"),
    }
    try:
        import numdifftools as nd

        def numdifftools_default():
            counted = Counted(fn)
            result = nd.Derivative(counted, full_output=True)(x)
            return float(result.estimate), float(result.error_estimate), counted.points

        out["numdifftools default"] = numdifftools_default
    except ImportError:
        pass
    try:
        from scipy.differentiate import derivative as scipy_derivative

        def scipy_default():
            counted = Counted(fn)
            r = scipy_derivative(counted, x)
            return float(r.df), float(r.error), counted.points

        out["scipy.differentiate"] = scipy_default
    except ImportError:
        pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    malloc = {k: os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}
    print(
        f"numdiff benchmark; malloc settings {malloc}; median of {args.repeat} interleaved rounds"
    )
    header = f"{'function':20s} {'method':24s} {'rel error':>9s} {'est/err':>9s} {'evals':>5s}"
    print(header + f" {'time/ours auto':>14s}")
    print("-" * (len(header) + 15))
    worst: dict[str, float] = {}
    for name, (fn, text, x) in FUNCTIONS.items():
        exact = float(expr.reference(text, x))
        runs = contenders(fn, x)
        times = median_seconds(runs, args.repeat)
        base = times["ours auto"]
        for method, run in runs.items():
            value, estimate, evals = run()
            error = abs(value - exact) / abs(exact)
            error = error if np.isfinite(error) else np.inf  # nan (left the domain)
            ratio = estimate / max(abs(value - exact), 1e-300) if np.isfinite(estimate) else np.nan
            worst[method] = max(worst.get(method, 0.0), error)
            shown = f"{ratio:9.2g}" if np.isfinite(ratio) else f"{'-':>9s}"
            print(
                f"{name:20s} {method:24s} {error:9.1e} {shown} {evals:5d} {times[method] / base:14.2f}"
            )
        print()
    print("worst relative error per method: " + ", ".join(f"{m} {e:.1e}" for m, e in worst.items()))
    print()
    orders_table()


def exact_derivative(text: str, x: float, n: int) -> float:
    """d^n f / dx^n at x from SymPy (f read by expr's parser), evaluated at 50 digits."""
    import sympy

    e = expr.as_function(text).to_sympy()
    (symbol,) = e.free_symbols
    return float(sympy.diff(e, symbol, n).subs(symbol, sympy.Float(x, 50)).evalf(50))


def order_contenders(fn: Callable, x: float, n: int) -> dict[str, Callable]:
    """name -> run() returning (value, error estimate or nan, evaluations) for f^(n)(x)."""

    def ours(rtol: float = 0.0):
        def run():
            r = numdiff.derivative(fn, x, n=n, method="auto", rtol=rtol, full_output=True)
            return float(r.value), float(r.error), r.nfev

        return run

    out = {"ours auto": ours(), "ours auto rtol=1.5e-8": ours(1.5e-8)}
    try:
        import numdifftools as nd

        def numdifftools_default():
            counted = Counted(fn)
            result = nd.Derivative(counted, n=n, full_output=True)(x)
            return float(result.estimate), float(result.error_estimate), counted.points

        out["numdifftools default"] = numdifftools_default
    except ImportError:
        pass
    if n == 1:  # scipy.differentiate.derivative gives first derivatives only
        from scipy.differentiate import derivative as scipy_derivative

        def scipy_default():
            counted = Counted(fn)
            r = scipy_derivative(counted, x)
            return float(r.df), float(r.error), counted.points

        out["scipy.differentiate"] = scipy_default
    return out


def orders_table() -> None:
    """Derivatives of order n = 1..4 on the functions above, side by side."""
    print("derivative order n = 1..4 (scipy.differentiate has first derivatives only)")
    header = f"{'function':20s} {'n':>2s} {'method':22s} {'rel error':>9s} {'est/err':>9s}"
    print(header + f" {'evals':>5s}")
    print("-" * (len(header) + 6))
    evals: dict[tuple[str, int], list[int]] = {}
    worst: dict[tuple[str, int], float] = {}
    for name, (fn, text, x) in FUNCTIONS.items():
        for n in (1, 2, 3, 4):
            exact = exact_derivative(text, x, n)
            for method, run in order_contenders(fn, x, n).items():
                with warnings.catch_warnings():  # numdifftools warns on its nan steps (log)
                    warnings.simplefilter("ignore")
                    value, estimate, count = run()
                error = abs(value - exact) / abs(exact)
                error = error if np.isfinite(error) else np.inf  # nan (left the domain)
                ratio = estimate / max(abs(value - exact), 1e-300)
                shown = f"{ratio:9.2g}" if np.isfinite(ratio) else f"{'-':>9s}"
                print(f"{name:20s} {n:2d} {method:22s} {error:9.1e} {shown} {count:5d}")
                evals.setdefault((method, n), []).append(count)
                worst[method, n] = max(worst.get((method, n), 0.0), error)
        print()
    for (method, n), counts in sorted(evals.items(), key=lambda item: (item[0][1], item[0][0])):
        print(
            f"n={n} {method:22s} median evaluations {statistics.median(counts):4}, "
            f"worst relative error {worst[method, n]:.1e}"
        )


if __name__ == "__main__":
    main()
