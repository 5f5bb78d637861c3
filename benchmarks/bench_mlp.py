"""Benchmark: value and gradient of an MLP loss (2-64-64-2 tanh, softmax cross-entropy,
float64) at batch 32, 256 and 2048, every system side by side in one run: ours (jit, the
traced Function, a Python function), a hand-written numpy forward+backward (the floor for
any numpy engine), JAX jit, PyTorch eager (1 thread and default threads), HIPS autograd.

Run: python benchmarks/bench_mlp.py [--repeat N] [--batches 32 256 2048]
(it re-executes itself under MALLOC_MMAP_THRESHOLD_=268435456
MALLOC_TRIM_THRESHOLD_=1073741824; numpy's OpenBLAS gets one thread, as ours runs on one). Prints a markdown table
of median time per call as a multiple of hand numpy's, and the bars of issue 14. Not a
test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from timing import ensure_tuned_malloc, environment, load, median_seconds, table

ensure_tuned_malloc()
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's BLAS (torch's MKL keeps its own)
# XLA on one thread too: its thread pool would otherwise spin beside the other systems.
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402

import autodiff  # noqa: E402
from autodiff import nn  # noqa: E402
from autodiff.reverse import Plan, reverse  # noqa: E402

SIZES = [2, 64, 64, 2]
NUMPY = "hand-written numpy backprop"
JIT = "ours: `jit(value_and_grad(loss))`"
FUNCTION = "ours: `value_and_grad(Function)` (compiled)"
INTERPRETED = "ours: `value_and_grad(Function)`, interpreted"
PYTHON = "ours: `value_and_grad(loss)`, Python function"


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


def ours(model: nn.MLP, batch: int, args: tuple) -> dict[str, Callable[[], object]]:
    """Our four ways to get the value and gradient of the same loss."""
    argnums = tuple(range(len(model.params)))
    function = model.function(batch)
    jitted = autodiff.jit(autodiff.value_and_grad(model.loss_fn, argnums=argnums))
    traced = autodiff.value_and_grad(function, argnums=argnums)
    python = autodiff.value_and_grad(model.loss_fn, argnums=argnums)
    plan = Plan(function, argnums)
    inputs = function.bind(args, {})
    return {
        JIT: lambda: jitted(*args),
        FUNCTION: lambda: traced(*args),
        INTERPRETED: lambda: reverse(plan, inputs),
        PYTHON: lambda: python(*args),
    }


def peers(params: list, X: np.ndarray, Y: np.ndarray) -> tuple[dict, dict]:
    """JAX jit, PyTorch (1 thread, default threads) and autograd on the same loss, those
    installed; with the setup (thread count) each needs before its rounds."""
    contenders: dict[str, Callable[[], object]] = {}
    setup: dict[str, Callable[[], object]] = {}
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def jax_loss(ps: list, X: object, Y: object) -> object:
            h = X
            for k in range(0, len(ps) - 2, 2):
                h = jnp.tanh(h @ ps[k] + ps[k + 1])
            z = h @ ps[-2] + ps[-1]
            return jnp.mean(jax.nn.logsumexp(z, axis=1) - jnp.sum(Y * z, axis=1))

        step = jax.jit(jax.value_and_grad(jax_loss))
        jp, jX, jY = [jnp.asarray(p) for p in params], jnp.asarray(X), jnp.asarray(Y)
        contenders["JAX `jit(value_and_grad)`, 1 thread"] = lambda: jax.block_until_ready(
            step(jp, jX, jY)
        )
    except ImportError:
        pass
    try:
        import torch

        default_threads = torch.get_num_threads()
        tp = [torch.tensor(p, requires_grad=True) for p in params]
        tX, tY = torch.tensor(X), torch.tensor(Y)

        def torch_step() -> object:
            for p in tp:
                p.grad = None
            h = tX
            for k in range(0, len(tp) - 2, 2):
                h = torch.tanh(h @ tp[k] + tp[k + 1])
            z = h @ tp[-2] + tp[-1]
            loss = torch.mean(torch.logsumexp(z, dim=1) - torch.sum(tY * z, dim=1))
            loss.backward()
            return loss

        for threads in (1, default_threads):
            name = f"PyTorch eager, {threads} thread{'s' if threads > 1 else ''}"
            contenders[name] = torch_step
            setup[name] = lambda threads=threads: torch.set_num_threads(threads)
    except ImportError:
        pass
    try:
        import autograd
        import autograd.numpy as anp

        def ag_loss(ps: list) -> object:
            h = X
            for k in range(0, len(ps) - 2, 2):
                h = anp.tanh(anp.dot(h, ps[k]) + ps[k + 1])
            z = anp.dot(h, ps[-2]) + ps[-1]
            m = anp.max(z, axis=1, keepdims=True)
            lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
            return anp.mean(lse - anp.sum(Y * z, axis=1))

        ag = autograd.value_and_grad(ag_loss)
        contenders["HIPS autograd"] = lambda: ag(list(params))
    except ImportError:
        pass
    return contenders, setup


def check(value: float, numpy_value: float, grads: list, numpy_grads: list) -> None:
    """Every system must compute the same numbers before its time means anything."""
    assert abs(float(value) - float(numpy_value)) <= 1e-12 * max(1.0, abs(float(numpy_value)))
    for g, h in zip(grads, numpy_grads):
        np.testing.assert_allclose(np.asarray(g), h, rtol=1e-10, atol=1e-14)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--batches", type=int, nargs="*", default=[32, 256, 2048])
    options = parser.parse_args()
    print(f"# MLP {SIZES} tanh, softmax cross-entropy, float64: value + gradient")
    print(f"# environment: {environment()}; {options.repeat} interleaved rounds")
    times: dict[int, dict[str, float]] = {}
    for batch in options.batches:
        X, y = nn.two_moons(batch, seed=0)
        Y = nn.one_hot(y, 2)
        model = nn.MLP(SIZES, seed=0)
        params = model.params
        args = (*params, X, Y)
        contenders = {NUMPY: lambda: numpy_backprop(params, X, Y)} | ours(model, batch, args)  # noqa: B023
        extra, setup = peers(params, X, Y)
        contenders |= extra
        loss, grads = numpy_backprop(params, X, Y)
        for name in (JIT, FUNCTION, PYTHON):
            value, ours_grads = contenders[name]()
            check(value, loss, ours_grads, grads)
        # Multi-threaded torch leaves its worker threads spinning after each call, which
        # would slow whatever runs next on a small machine: it is timed on its own, after.
        alone = {k: contenders.pop(k) for k in list(contenders) if k.endswith("threads")}
        times[batch] = median_seconds(contenders, options.repeat, setup=setup)
        if alone:
            times[batch] |= median_seconds(alone, options.repeat, setup=setup)
    columns = [f"B = {b}" for b in options.batches]
    rows = list(times[options.batches[0]])
    cells = {}
    for batch, column in zip(options.batches, columns):
        for name, t in times[batch].items():
            cells[name, column] = f"{t / times[batch][NUMPY]:.2f}x ({1e3 * t:.3f} ms)"
    print(table(rows, columns, cells))
    print("# cells: median time / hand-written numpy's median (median ms per call); PyTorch")
    print("# with its default threads is timed after the others (its spinning threads would")
    print("# slow the next system on a 2-core machine)")
    for batch in options.batches:
        t = times[batch]
        goal = 1.5 if batch <= 32 else 1.1
        print(
            f"# B={batch}: jit {t[JIT] / t[NUMPY]:.2f}x numpy (goal <= {goal}), Function "
            f"{t[FUNCTION] / t[NUMPY]:.2f}x, Python function / Function "
            f"{t[PYTHON] / t[FUNCTION]:.2f}x (goal at B=32: <= 2)"
        )
    print(f"# at the end: {load()}")


if __name__ == "__main__":
    main()
