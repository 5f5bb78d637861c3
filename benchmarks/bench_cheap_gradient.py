"""The cheap-gradient principle, counted: ops(value + gradient) / ops(f) for every catalog
function (op nodes of the recorded graphs: forward and backward sweep together), the same
for a Hessian-vector product (forward-over-reverse), and the measured time ratio of the
compiled programs (`autodiff.jit`) of value-and-gradient and of f.

Run: python benchmarks/bench_cheap_gradient.py (it re-executes itself under the malloc
setting of benchmarks/timing.py, and times both programs in the same interleaved rounds).
"""

from __future__ import annotations

import os

from timing import ensure_tuned_malloc, median_seconds

ensure_tuned_malloc()
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import autodiff  # noqa: E402
from expr import catalog  # noqa: E402


def main() -> None:
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")
    print(f"# environment: { {k: os.environ.get(k) for k in names} }")
    print(
        f"{'function':<16} {'size':>5} {'ops f':>6} {'ops f+grad':>10} {'ratio':>6} "
        f"{'ops hvp':>8} {'ratio':>6} {'time ratio':>10}"
    )
    for entry in catalog.entries():
        f = entry.function()
        args = entry.inputs()
        argnums = tuple(range(f.n_inputs))
        counts = autodiff.op_counts(f, *args, argnums=argnums)
        vg = autodiff.value_and_grad(f, argnums=argnums)  # compiled from its second call
        compiled = autodiff.jit(f)  # so f is timed compiled too
        contenders = {
            "vg": lambda vg=vg, args=args: vg(*args),
            "f": lambda f=compiled, args=args: f(*args),
        }
        times = median_seconds(contenders, repeat=7, min_time=0.01)
        ratio_time = times["vg"] / times["f"]
        size = "" if entry.default_size is None else entry.default_size
        print(
            f"{entry.name:<16} {size!s:>5} {counts['f']:>6} {counts['value_and_grad']:>10} "
            f"{counts['ratio_value_and_grad']:>6.2f} {counts['hvp']:>8} "
            f"{counts['ratio_hvp']:>6.2f} {ratio_time:>10.2f}"
        )
    print(
        "# ops = op nodes of the recorded graph; time ratio = value_and_grad / f(x), both "
        "run as their compiled programs (autodiff.jit: straight-line numpy code)"
    )


if __name__ == "__main__":
    main()
