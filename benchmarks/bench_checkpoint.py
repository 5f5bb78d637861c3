"""Benchmark: memory and time of checkpointed gradients of the tanh chain, vs PyTorch.

For T in {16, 64, 256, 1024} tanh layers (h <- tanh(h W + b), then 0.5 mean(h^2)) and each
strategy, prints the measured peak stored bytes (and in layer activations), forward layer
evaluations per layer, the median wall time, and the tracemalloc peak of one extra run; then
the same chain in PyTorch (float64 CPU) without checkpointing and with
`torch.utils.checkpoint.checkpoint_sequential` (segments = ceil(sqrt T)), its saved-tensor
peak measured with `torch.autograd.graph.saved_tensors_hooks`. Finally the issue's full-size
check: T = 256, width 512, batch 64 under "sqrt".

Run: MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 \\
     OPENBLAS_NUM_THREADS=1 python benchmarks/bench_checkpoint.py [--width 128 --batch 32]
Wall times on a shared machine are noisy: compare the CPU-time ratios (cpu_vs_none) and the
counts, which are exact.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
import weakref

import numpy as np

from autodiff import binomial, budget, every
from compare.experiments.memory import run_chain
from expr.catalog import tanh_chain_inputs

COLUMNS = (
    "T",
    "strategy",
    "peak_bytes",
    "peak_activations",
    "peak_snapshots",
    "forward_per_T",
    "backward_evals",
    "time_s",
    "cpu_s",
    "cpu_vs_none",
    "tracemalloc_peak",
)


def _record(depth, strategy, width, batch, repeat):
    """One row: the chain of `depth` tanh layers and the loss under `strategy` (the memory
    experiment's `run_chain`), median wall and CPU time of `repeat` runs, and the tracemalloc
    peak of one more run."""
    x, W, b = tanh_chain_inputs(width, batch)
    runs = [run_chain(depth, strategy, x, W, b, loss=True) for _ in range(max(1, repeat))]
    traced = run_chain(depth, strategy, x, W, b, loss=True, trace_memory=True)
    stats = runs[-1]
    return {
        "strategy": stats.strategy,
        "T": depth,
        "peak_bytes": stats.peak_bytes,
        "peak_activations": stats.peak_bytes / x.nbytes,
        "peak_snapshots": stats.peak_snapshots,
        "forward_per_T": stats.forward_evals / depth,
        "backward_evals": stats.backward_evals,
        "time_s": statistics.median(s.time_s for s in runs),
        "cpu_s": statistics.median(s.cpu_s for s in runs),
        "tracemalloc_peak": traced.tracemalloc_peak,
    }


def _table(rows, columns):
    """Rows as a fixed-width text table."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def _torch_rows(depths, width, batch, repeat):
    try:
        import torch
        from torch.utils.checkpoint import checkpoint_sequential as torch_sequential
    except ImportError:
        print("torch not installed: PyTorch rows skipped")
        return []
    torch.set_num_threads(1)

    class Layer(torch.nn.Module):
        def __init__(self, W, b):
            super().__init__()
            self.W, self.b = W, b

        def forward(self, h):
            return torch.tanh(h @ self.W + self.b)

    rows = []
    for depth in depths:
        x, W, b = tanh_chain_inputs(width, batch)
        W, b = torch.tensor(W), torch.tensor(b)
        activation = x.nbytes

        model = torch.nn.Sequential(*[Layer(W, b) for _ in range(depth)])
        excluded = {W.untyped_storage().data_ptr(), b.untyped_storage().data_ptr()}
        segments = math.isqrt(depth - 1) + 1
        for label, segs in (("torch none", None), (f"torch ckpt({segments})", segments)):
            live = {"bytes": 0, "peak": 0}
            seen: dict[int, list] = {}

            def pack(tensor, live=live, seen=seen, excluded=excluded):
                key = tensor.untyped_storage().data_ptr()
                if key in excluded:  # parameters are not counted (as in our executor)
                    return _Handle(tensor)
                if key not in seen:
                    seen[key] = [0, tensor.untyped_storage().nbytes()]
                    live["bytes"] += seen[key][1]
                    live["peak"] = max(live["peak"], live["bytes"])
                seen[key][0] += 1
                handle = _Handle(tensor)
                weakref.finalize(handle, _unpin, live, seen, key)
                return handle

            times, cpu_times = [], []
            for attempt in range(repeat + 1):
                tx = torch.tensor(x, requires_grad=True)
                began, cpu_began = time.perf_counter(), time.process_time()
                if attempt == repeat:  # last run: measure saved tensors
                    with torch.autograd.graph.saved_tensors_hooks(pack, lambda h: h.tensor):
                        out = _run(model, tx, segs, torch_sequential)
                else:
                    out = _run(model, tx, segs, torch_sequential)
                (0.5 * (out * out).mean()).backward()
                del out
                if attempt < repeat:
                    times.append(time.perf_counter() - began)
                    cpu_times.append(time.process_time() - cpu_began)
            rows.append(
                {
                    "strategy": label,
                    "T": depth,
                    "peak_bytes": live["peak"],
                    "peak_activations": live["peak"] / activation,
                    "time_s": statistics.median(times),
                    "cpu_s": statistics.median(cpu_times),
                }
            )
    return rows


def _add_ratios(rows):
    """cpu_vs_none: median CPU time over that of storing everything at the same T."""
    base = {r["T"]: r["cpu_s"] for r in rows if r["strategy"] in ("none", "torch none")}
    for row in rows:
        row["cpu_vs_none"] = row["cpu_s"] / base[row["T"]] if base.get(row["T"]) else None


class _Handle:
    def __init__(self, tensor):
        self.tensor = tensor


def _unpin(live, seen, key):
    seen[key][0] -= 1
    if seen[key][0] == 0:
        live["bytes"] -= seen.pop(key)[1]


def _run(model, tx, segments, torch_sequential):
    if segments is None:
        return model(tx)
    return torch_sequential(model, segments, tx, use_reentrant=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[16, 64, 256, 1024])
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-full", action="store_true", help="skip the width-512 check")
    args = parser.parse_args()
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")
    malloc = {k: os.environ.get(k) for k in names}
    print(
        f"tanh chain, float64, width {args.width}, batch {args.batch}; "
        f"activation = {8 * args.width * args.batch} bytes; median of {args.repeat} runs; "
        f"malloc env {malloc}"
    )
    x, _, _ = tanh_chain_inputs(args.width, args.batch)
    strategies = (None, "sqrt", every(8), binomial(4), binomial(16), budget(bytes=24 * x.nbytes))
    rows = [
        _record(depth, strategy, args.width, args.batch, args.repeat)
        for depth in args.depths
        for strategy in strategies
    ]
    _add_ratios(rows)
    print(_table(rows, COLUMNS))
    print()
    print("PyTorch (saved-tensor peak via saved_tensors_hooks; 1 thread):")
    torch_rows = _torch_rows(args.depths, args.width, args.batch, args.repeat)
    if torch_rows:
        _add_ratios(torch_rows)
        columns = ["T", "strategy", "peak_bytes", "peak_activations", "time_s", "cpu_s"]
        print(_table(torch_rows, [*columns, "cpu_vs_none"]))
    if not args.skip_full:
        print()
        depth, width, batch = 256, 512, 64
        x0, W, b = tanh_chain_inputs(width, batch)
        stats = run_chain(depth, "sqrt", x0, W, b, loss=True, trace_memory=True)
        activations = stats.peak_bytes / x0.nbytes
        # two activations per taped layer: tanh' = sech^2 reads the pre-activation (the
        # precise rule), the next matmul the tanh output (as tests/test_checkpoint.py)
        limit = 2 * 2.5 * math.sqrt(depth)
        print(
            f"full-size check T={depth} width={width} batch={batch} 'sqrt': peak "
            f"{activations:.1f} activations (limit 2 x 2.5 sqrt(T) = {limit:g}), "
            f"forward evals {stats.forward_evals / depth:.3f} T (limit 2.05 T), "
            f"time {stats.time_s:.2f} s, tracemalloc peak "
            f"{stats.tracemalloc_peak / x0.nbytes:.1f} activations"
        )
        assert activations <= limit
        assert stats.forward_evals <= 2.05 * depth


if __name__ == "__main__":
    main()
