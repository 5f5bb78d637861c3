"""Memory experiments: peak stored bytes vs depth per checkpoint strategy, the
memory/recomputation trade-off at fixed depth, and one schedule action by action.

The chain is h_{t+1} = tanh(h_t W + b) (batch x width float64 states, W and b shared);
bytes are measured by autodiff's instrumented executor (`checkpoint_sequential`), which
counts every forward value kept for the backward sweep (snapshots, live state, tapes).
Forward mode and finite differences keep no tape: their peak is the bytes of the values a
step-by-step sweep holds at once (state and tangent; or state and the other run's output).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
import expr

from ..plots import memory as pm
from ..plots import schedule as ps
from ..records import Record
from ..registry import Experiment, FigureSpec


def _layer(h: Any, W: Any, b: Any) -> Any:
    return expr.tanh(h @ W + b)


def _half_mean_square(h: Any) -> Any:
    return 0.5 * expr.mean(h * h)


def _chain_inputs(width: int, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return expr.catalog.tanh_chain_inputs(width, batch, seed)


def _strategies(T: int, snapshots: int, every_k: int) -> list[tuple[str, str, Any]]:
    return [
        ("store_all", "store all", None),
        ("every", f"every {every_k}", autodiff.every(every_k)),
        ("sqrt", "√T", "sqrt"),
        ("binomial", f"binomial ({snapshots} snapshots)", autodiff.binomial(snapshots)),
    ]


def run_chain(
    T: int,
    strategy: Any,
    x: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    loss: bool = False,
    trace_memory: bool = False,
) -> autodiff.Stats:
    """The measured `Stats` of one checkpointed gradient of the chain h <- tanh(h W + b),
    T layers sharing W and b (then the loss 0.5 mean(h^2) as one more step when `loss`;
    else the cotangent of h_T is ones). O(stats.forward_evals) layer evaluations."""
    layers, params = [_layer] * T, [(W, b)] * T
    if loss:
        layers, params = [*layers, _half_mean_square], [*params, ()]
    result = autodiff.checkpoint_sequential(
        layers, x, params, strategy=strategy, trace_memory=trace_memory
    )
    return result.stats


def _forward_mode_sweep(T: int, x: np.ndarray, W: np.ndarray, b: np.ndarray) -> int:
    """One JVP through the chain, layer by layer; returns the peak bytes of the values held
    at once (the live state and its tangent)."""
    layer = expr.trace(_layer, x, W, b)
    h, dh = x, np.ones_like(x)
    peak = h.nbytes + dh.nbytes
    for _ in range(T):
        h, dh = autodiff.jvp(layer, (h, W, b), (dh, np.zeros_like(W), np.zeros_like(b)))
        peak = max(peak, np.asarray(h).nbytes + np.asarray(dh).nbytes)
    return peak


def _central_sweep(T: int, x: np.ndarray, W: np.ndarray, b: np.ndarray) -> int:
    """Two perturbed runs of the chain (one central difference); returns the peak bytes of
    the values held at once (the live state of the run and the finished run's output)."""
    step = 1e-5
    peak, done = 0, 0
    for sign in (1.0, -1.0):
        h = x + sign * step
        for _ in range(T):
            h = np.tanh(h @ W + b)
            peak = max(peak, h.nbytes + done)
        done = h.nbytes
    return peak


def _depth_rows(
    depths: tuple[int, ...], snapshots: int, every_k: int, x: np.ndarray, W: Any, b: Any
) -> list[Record]:
    """kind="depth": per T, each strategy measured by the executor, and the peaks of forward
    mode and central differences (no tape) beside them."""
    rows: list[Record] = []
    for T in depths:
        for key, label, strategy in _strategies(T, snapshots, every_k):
            stats = run_chain(T, strategy, x, W, b)
            rows.append(
                {
                    "kind": "depth",
                    "T": T,
                    "strategy": key,
                    "label": label,
                    "peak_bytes": stats.peak_bytes,
                    "forward_steps": stats.forward_evals,
                    "snapshots": stats.peak_snapshots,
                    "measure": "executor",
                }
            )
        for key, sweep in (("forward_mode", _forward_mode_sweep), ("central", _central_sweep)):
            rows.append(
                {
                    "kind": "depth",
                    "T": T,
                    "strategy": key,
                    "peak_bytes": sweep(T, x, W, b),
                    "forward_steps": T if key == "forward_mode" else 2 * T,
                    "snapshots": 0,
                    "measure": "live values",
                }
            )
    return rows


def _tradeoff_settings(T: int) -> list[tuple[str, str, Any, int]]:
    settings: list[tuple[str, str, Any, int]] = [("store_all", "store all", None, 0)]
    settings += [
        ("every", "every k (k = 2 … T/2)", autodiff.every(k), k)
        for k in sorted({2, 4, 8, 16, T // 2} - {0})
        if k < T
    ]
    settings += [("sqrt", "√T", "sqrt", 0)]
    settings += [
        ("binomial", "binomial (s snapshots)", autodiff.binomial(s), s)
        for s in (1, 2, 3, 4, 6, 8, 12, 16)
        if s < T
    ]
    return settings


def _tradeoff_rows(T: int, x: np.ndarray, W: Any, b: Any) -> list[Record]:
    """kind="tradeoff" (measured) and kind="frontier" (revolve's optimum, Griewank's formula
    beside each binomial point) at depth T."""
    rows: list[Record] = []
    for key, label, strategy, setting in _tradeoff_settings(T):
        stats = run_chain(T, strategy, x, W, b)
        rows.append(
            {
                "kind": "tradeoff",
                "T": T,
                "strategy": key,
                "family_label": label,
                "setting": setting,
                "peak_bytes": stats.peak_bytes,
                "forward_steps": stats.forward_evals,
                "forward_ratio": stats.forward_evals / T,
            }
        )
        if key == "binomial":
            optimum = T + autodiff.revolve_forward_steps(T, setting)
            rows.append(
                {
                    "kind": "frontier",
                    "T": T,
                    "strategy": key,
                    "setting": setting,
                    "peak_bytes": stats.peak_bytes,
                    "forward_steps": optimum,
                    "forward_ratio": optimum / T,
                }
            )
    return rows


def _schedule_rows(T: int, snapshots: int) -> list[Record]:
    """kind="schedule": binomial(snapshots) over T steps, one row per action as the
    executor's interpreter traced it (steps_done before it, origin: where the sweep is;
    snapshots held after it)."""
    actions = autodiff.schedule(T, autodiff.binomial(snapshots))
    return [
        {
            "kind": "schedule",
            "T": T,
            "index": index,
            "label": f"binomial (revolve), {snapshots} snapshots",
            "action": event["kind"],
            "start": event["start"],
            "stop": event["stop"],
            "steps_done": event["steps_done"],
            "origin": event["origin"],
            "snapshots": event["snapshots"],
        }
        for index, event in enumerate(autodiff.trace_actions(actions))
    ]


def memory(
    depths: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256),
    fixed_depth: int = 64,
    width: int = 16,
    batch: int = 8,
    snapshots: int = 4,
    every_k: int = 8,
    schedule_depth: int = 10,
    schedule_snapshots: int = 3,
    seed: int = 0,
) -> list[Record]:
    """Records: kind="depth" (T, strategy, label, peak_bytes, forward_steps, snapshots = most
    snapshots held at once, measure),
    kind="tradeoff" and kind="frontier" at T = fixed_depth (strategy, setting,
    forward_ratio = forward steps / T, peak_bytes), kind="schedule" (one row per action of
    binomial(schedule_snapshots) over schedule_depth steps)."""
    x, W, b = _chain_inputs(width, batch, seed)
    rows = _depth_rows(depths, snapshots, every_k, x, W, b)
    rows += _tradeoff_rows(fixed_depth, x, W, b)
    return rows + _schedule_rows(schedule_depth, schedule_snapshots)


EXPERIMENTS = (
    Experiment(
        "memory",
        "Memory vs depth with checkpointing; the memory/recompute trade-off; the schedule",
        memory,
        (
            FigureSpec(
                "fig06_memory",
                "Memory vs depth with checkpointing",
                pm.plot_memory,
                pm.caption_memory,
                panels=2,
                select=pm.select_memory,
            ),
            FigureSpec(
                "fig07_schedule",
                "The checkpoint schedule",
                ps.plot_schedule,
                ps.caption_schedule,
                select=ps.select_schedule,
            ),
        ),
        {
            "quick": {"depths": (4, 8, 16, 32, 64), "fixed_depth": 32},
            "default": {"depths": (4, 8, 16, 32, 64, 128, 256, 512), "fixed_depth": 64},
            "full": {"depths": (4, 8, 16, 32, 64, 128, 256, 512, 1024), "fixed_depth": 256},
        },
    ),
)
