"""The two-moons MLP trained with our reverse mode, with PyTorch overlaid when installed.

PyTorch (an optional peer) starts from the same weights, sees the same data and runs the
same full-batch Adam, in float64, so the two loss curves should coincide to rounding.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from autodiff import nn

from ..plots import mlp as pmlp
from ..records import Record
from ..registry import Experiment, FigureSpec


def _torch_losses(
    params: list[np.ndarray], X: np.ndarray, y: np.ndarray, steps: int, lr: float
) -> list[float]:
    """Loss before each step of the same MLP (tanh hidden layers) trained by torch.optim.Adam."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add contention
    try:
        return _torch_run(torch, params, X, y, steps, lr)
    finally:
        torch.set_num_threads(threads)


def _torch_run(
    torch: Any, params: list[np.ndarray], X: np.ndarray, y: np.ndarray, steps: int, lr: float
) -> list[float]:
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    inputs = torch.tensor(X, dtype=torch.float64)
    labels = torch.tensor(y, dtype=torch.long)
    optimizer = torch.optim.Adam(tensors, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    pairs = list(zip(tensors[0::2], tensors[1::2]))
    for _ in range(steps):
        optimizer.zero_grad()
        h = inputs
        for k, (W, b) in enumerate(pairs):
            h = h @ W + b
            if k < len(pairs) - 1:
                h = torch.tanh(h)
        loss = torch.nn.functional.cross_entropy(h, labels)
        losses.append(float(loss.detach()))
        loss.backward()
        optimizer.step()
    return losses


def mlp(
    steps: int = 400,
    grid: int = 61,
    hidden: tuple[int, ...] = (16, 16),
    samples: int = 256,
    noise: float = 0.1,
    learning_rate: float = 0.02,
    seed: int = 0,
    compare_torch: bool = True,
) -> list[Record]:
    """Train a 2-hidden-layer tanh MLP on two moons with full-batch Adam and our gradients.

    Records: kind="loss" (implementation "ours"/"torch", step, loss), kind="grid" (x1, x2,
    p = probability of class 1 after training), kind="data" (x1, x2, label),
    kind="summary" (accuracy, max_loss_difference to torch, settings).
    """
    X, y = nn.two_moons(samples, noise=noise, seed=seed)
    model = nn.MLP([2, *hidden, 2], seed=seed)
    start = [p.copy() for p in model.params]
    ours = nn.train(model, X, y, steps=steps, optimizer=nn.Adam(learning_rate))
    rows: list[Record] = [
        {"kind": "loss", "implementation": "ours", "step": i, "loss": v} for i, v in enumerate(ours)
    ]
    summary: dict[str, Any] = {
        "kind": "summary",
        "accuracy": model.accuracy(X, y),
        "hidden": "-".join(map(str, hidden)),
        "samples": samples,
        "optimizer": "Adam (full batch)",
        "learning_rate": learning_rate,
        "seed": seed,
        "steps": steps,
    }
    if compare_torch and importlib.util.find_spec("torch") is not None:
        theirs = _torch_losses(start, X, y, steps, learning_rate)
        rows += [
            {"kind": "loss", "implementation": "torch", "step": i, "loss": v}
            for i, v in enumerate(theirs)
        ]
        summary["max_loss_difference"] = float(np.max(np.abs(np.subtract(ours, theirs))))
    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], grid), np.linspace(low[1], high[1], grid))
    points = np.column_stack([g1.ravel(), g2.ravel()])
    p = model.probabilities(points)[:, 1]
    rows += [
        {"kind": "grid", "x1": float(a), "x2": float(b), "p": float(c)}
        for a, b, c in zip(points[:, 0], points[:, 1], p)
    ]
    rows += [
        {"kind": "data", "x1": float(a), "x2": float(b), "label": int(c)} for (a, b), c in zip(X, y)
    ]
    rows.append(summary)
    return rows


EXPERIMENTS = (
    Experiment(
        "mlp",
        "Two-moons MLP trained with our reverse mode",
        mlp,
        (
            FigureSpec(
                "fig09_mlp",
                "Two-moons MLP",
                pmlp.plot_mlp,
                pmlp.caption_mlp,
                panels=2,
                select=pmlp.select_mlp,
            ),
        ),
        {
            "quick": {"steps": 150, "grid": 41},
            "default": {"steps": 400, "grid": 61},
            "full": {"steps": 2000, "grid": 121},
        },
        weight=2.0,  # seconds of the quick preset on 2 cores, roughly
    ),
)
