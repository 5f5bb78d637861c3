"""Benchmark: gradient of an MLP loss (2-64-64-2 tanh, softmax cross-entropy, float64)
with autodiff vs a hand-written numpy forward+backward, HIPS autograd and PyTorch CPU.

Run: MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 \\
         python benchmarks/bench_mlp.py [--repeat N]
Prints medians (ms) and ratios to the hand-written numpy backprop, and autodiff's
gradient/forward time ratio. Not a test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

# One BLAS thread for every contender (the machine is shared; threads only add noise).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import autodiff  # noqa: E402
from autodiff import nn  # noqa: E402

SIZES = [2, 64, 64, 2]


def median_seconds(
    contenders: dict[str, Callable[[], object]], repeat: int, min_time: float = 0.02
) -> dict[str, float]:
    """Median over `repeat` rounds of the mean time per call of each contender. The
    contenders run interleaved within every round, so load from other processes hits all
    of them alike; calls per round are chosen so a round lasts about `min_time` each."""
    numbers = {}
    for name, fn in contenders.items():
        fn()
        start = time.perf_counter()
        fn()
        numbers[name] = max(1, int(min_time / max(time.perf_counter() - start, 1e-7)))
    rounds: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            rounds[name].append((time.perf_counter() - start) / numbers[name])
    return {name: statistics.median(times) for name, times in rounds.items()}


def numpy_backprop(params: list, X: np.ndarray, Y: np.ndarray) -> tuple[float, list]:
    """Hand-written forward and backward pass of the same loss (the reference speed)."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(s[:, 0]) + m[:, 0] - np.sum(Y * z, axis=1))
    dz = (e / s - Y) / X.shape[0]
    dW3, db3 = h2.T @ dz, dz.sum(axis=0)
    dh2 = (dz @ W3.T) * (1.0 - h2 * h2)
    dW2, db2 = h1.T @ dh2, dh2.sum(axis=0)
    dh1 = (dh2 @ W2.T) * (1.0 - h1 * h1)
    dW1, db1 = X.T @ dh1, dh1.sum(axis=0)
    return loss, [dW1, db1, dW2, db2, dW3, db3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--batches", type=int, nargs="*", default=[32, 256, 2048])
    options = parser.parse_args()
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")
    malloc = {k: os.environ.get(k) for k in names}
    print(f"# MLP {SIZES} tanh, float64; environment: {malloc}")
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        autograd = None
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None

    header = (
        f"{'batch':>6} {'numpy ms':>9} {'autodiff ms':>11} {'ratio':>6} {'fwd ms':>7} "
        f"{'grad/fwd':>8} {'autograd ms':>11} {'ratio':>6} {'torch ms':>9} {'ratio':>6}"
    )
    print(header)
    for batch in options.batches:
        X, y = nn.two_moons(batch, seed=0)
        Y = nn.one_hot(y, 2)
        model = nn.MLP(SIZES, seed=0)
        params = model.params
        function = model.function(batch)
        argnums = tuple(range(len(params)))
        vg = autodiff.value_and_grad(function, argnums=argnums)
        args = (*params, X, Y)

        contenders: dict[str, Callable[[], object]] = {
            "numpy": lambda: numpy_backprop(params, X, Y),  # noqa: B023
            "autodiff": lambda: vg(*args),  # noqa: B023
            "forward": lambda: function(*args),  # noqa: B023
        }
        if autograd is not None:

            def ag_loss(ps: list, X: np.ndarray = X, Y: np.ndarray = Y) -> object:
                W1, b1, W2, b2, W3, b3 = ps
                h1 = anp.tanh(anp.dot(X, W1) + b1)
                h2 = anp.tanh(anp.dot(h1, W2) + b2)
                z = anp.dot(h2, W3) + b3
                m = anp.max(z, axis=1, keepdims=True)
                lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
                return anp.mean(lse - anp.sum(Y * z, axis=1))

            ag = autograd.value_and_grad(ag_loss)
            contenders["autograd"] = lambda ag=ag: ag(list(params))  # noqa: B023
        if torch is not None:
            tp = [torch.tensor(p, requires_grad=True) for p in params]
            tX, tY = torch.tensor(X), torch.tensor(Y)

            def torch_step(tp: list = tp, tX: object = tX, tY: object = tY) -> object:
                for p in tp:
                    p.grad = None
                h1 = torch.tanh(tX @ tp[0] + tp[1])
                h2 = torch.tanh(h1 @ tp[2] + tp[3])
                z = h2 @ tp[4] + tp[5]
                loss = torch.mean(torch.logsumexp(z, dim=1) - torch.sum(tY * z, dim=1))
                loss.backward()
                return loss

            contenders["torch"] = torch_step
        t = median_seconds(contenders, options.repeat)
        row = (
            f"{batch:>6} {1e3 * t['numpy']:>9.3f} {1e3 * t['autodiff']:>11.3f} "
            f"{t['autodiff'] / t['numpy']:>6.2f} {1e3 * t['forward']:>7.3f} "
            f"{t['autodiff'] / t['forward']:>8.2f}"
        )
        for name, width in (("autograd", 11), ("torch", 9)):
            if name in t:
                row += f" {1e3 * t[name]:>{width}.3f} {t[name] / t['numpy']:>6.2f}"
            else:
                row += f" {'-':>{width}} {'-':>6}"
        print(row)
    print("# ratio = median time / hand-written numpy forward+backward; grad/fwd = autodiff")
    print("# value_and_grad time / autodiff forward (Function call) time")


if __name__ == "__main__":
    main()
