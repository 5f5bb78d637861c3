"""Gradient flow through deep MLP chains: vanishing and exploding gradients, measured.

A chain of `depth` dense layers of `width` units, h_l = act(h_{l-1} W_l + b_l) (with a skip,
h_l = h_{l-1} + act(h_{l-1} W_l + b_l)), then a fixed linear readout and a mean squared error
L. One forward and one reverse sweep of our engine give dL/dh_l for every layer l (layer 1 is
the input side) and dL/dW_l. Backprop multiplies the local Jacobians diag(act'(z_l)) W_lᵀ, so
sigmoid's act' <= 0.25 makes the signal vanish geometrically, ReLU with He initialisation
keeps its scale, and large weights make it explode.

>>> rows = gradient_flow(depth=4, width=8, batch=2)
>>> sorted({r["activation"] for r in rows})[:2], len(rows)
(['relu', 'relu + residual'], 20)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import CompareError
from ..plots import gradient_flow as plots
from ..records import Record
from ..registry import Experiment, FigureSpec


@dataclass(frozen=True)
class Case:
    """One line of the figure: activation (an expr op name), skip connection, and the
    initialisation: weights ~ N(0, std²) with std = gain / sqrt(fan_in) (biases 0)."""

    name: str
    activation: str
    residual: bool
    gain: Callable[[int], float]
    init: str


CASES = (
    Case("sigmoid", "sigmoid", False, lambda depth: 1.0, "Xavier, std 1/√n"),
    Case("tanh", "tanh", False, lambda depth: 1.0, "Xavier, std 1/√n"),
    Case("relu", "relu", False, lambda depth: np.sqrt(2.0), "He, std √(2/n)"),
    Case(
        "relu + residual",
        "relu",
        True,
        lambda depth: np.sqrt(2.0 / depth),
        "He/√depth, on the skip branch",
    ),
    Case(
        "relu, large weights",
        "relu",
        False,
        lambda depth: 1.5 * np.sqrt(2.0),
        "1.5 × He, std 1.5·√(2/n)",
    ),
)


def case(name: str) -> Case:
    """The case called `name` (one of CASES)."""
    for item in CASES:
        if item.name == name:
            return item
    raise CompareError(f"no gradient-flow case {name!r}; choose from {[c.name for c in CASES]}")


def network_inputs(item: Case, depth: int, width: int, batch: int, seed: int) -> list[np.ndarray]:
    """[X (batch, width), y (batch,), readout (width,), W_1, b_1, ..., W_depth, b_depth]:
    the data and initial weights, the same for every engine (numpy's default_rng(seed))."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, width))
    y = rng.standard_normal(batch)
    readout = rng.standard_normal(width) / np.sqrt(width)
    std = item.gain(depth) / np.sqrt(width)
    params = []
    for _ in range(depth):
        params += [std * rng.standard_normal((width, width)), np.zeros(width)]
    return [X, y, readout, *params]


def chain(item: Case, depth: int) -> Callable[..., tuple]:
    """The network as a Python function of network_inputs(...), written with expr ops;
    returns (L, h_1, ..., h_depth)."""
    import expr

    def network(X: Any, y: Any, readout: Any, *params: Any) -> tuple:
        h, hidden = X, []
        for W, b in zip(params[0::2], params[1::2]):
            a = expr.apply(item.activation, expr.matmul(h, W) + b)
            h = h + a if item.residual else a
            hidden.append(h)
        loss = 0.5 * expr.mean((expr.matmul(h, readout) - y) ** 2.0)
        return (loss, *hidden)

    return network


def layer_gradients(item: Case, inputs: list[np.ndarray], depth: int) -> tuple[list, list]:
    """(‖dL/dh_l‖, ‖dL/dW_l‖) for l = 1..depth (Frobenius norms) from one forward and one
    reverse sweep of our engine. O(depth · batch · width²)."""
    import autodiff
    import expr

    function = expr.trace(chain(item, depth), *inputs)
    plan = autodiff.Plan(function, tuple(range(3, function.n_inputs)))
    values = autodiff.forward_sweep(plan, inputs)
    adjoints = autodiff.backward_sweep(plan, values, seeds={function.outputs[0]: 1.0})
    hidden = [float(np.linalg.norm(adjoints[node])) for node in function.outputs[1:]]
    weights = [float(np.linalg.norm(adjoints[function.inputs[3 + 2 * k]])) for k in range(depth)]
    return hidden, weights


def gradient_flow(depth: int = 30, width: int = 64, batch: int = 16, seed: int = 0) -> list[Record]:
    """Rows (activation, init, layer, grad_norm = ‖dL/dh_l‖, weight_grad_norm = ‖dL/dW_l‖,
    depth, width, batch) for every case and layer (layer 1 = input side)."""
    rows: list[Record] = []
    for item in CASES:
        inputs = network_inputs(item, depth, width, batch, seed)
        hidden, weights = layer_gradients(item, inputs, depth)
        for layer, (h_norm, w_norm) in enumerate(zip(hidden, weights), start=1):
            rows.append(
                {
                    "activation": item.name,
                    "init": item.init,
                    "layer": layer,
                    "grad_norm": h_norm,
                    "weight_grad_norm": w_norm,
                    "depth": depth,
                    "width": width,
                    "batch": batch,
                }
            )
    return rows


SIZES = {"depth": 30, "width": 64}

EXPERIMENTS = (
    Experiment(
        "gradient_flow",
        "Gradient flow: vanishing and exploding gradients in a deep MLP",
        gradient_flow,
        (
            FigureSpec(
                "fig14_gradient_flow",
                "Gradient flow through a deep MLP",
                plots.plot_gradient_flow,
                plots.caption_gradient_flow,
                panels=2,
                select=plots.select_gradient_flow,
            ),
        ),
        {
            "quick": {**SIZES, "batch": 8},
            "default": {**SIZES, "batch": 16},
            "full": {"depth": 50, "width": 64, "batch": 64},
        },
    ),
)
