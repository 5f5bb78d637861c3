"""Figure 14: gradient flow through a deep MLP, one line per activation (log y)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..records import Record, select, unique
from ..style import BLUE, GREEN, GUIDE, ORANGE, VERMILLION, log_ticks
from .common import axes_of, sci

#: How each case is drawn: colour, line style, marker.
LOOK = {
    "sigmoid": (VERMILLION, "-", "o"),
    "tanh": (BLUE, "-", "s"),
    "relu": (GREEN, "-", "^"),
    "relu + residual": ("#00573F", "--", "D"),
    "relu, large weights": (ORANGE, "-.", "v"),
}


@dataclass(frozen=True)
class Flow:
    """What figure 14 draws and its caption quotes: per activation, its rows by layer,
    its initialisation and ‖first layer‖ / ‖last layer‖ of dL/dh; the network's size."""

    rows: dict[str, list[Record]]
    inits: dict[str, str]
    ratios: dict[str, float]
    shape: dict[str, Any]  # depth, width, batch


def select_gradient_flow(records: Sequence[Record]) -> Flow:
    """The lines of figure 14 and the ratios its caption quotes."""
    rows = {
        name: sorted(select(records, activation=name), key=lambda r: r["layer"])
        for name in unique(records, "activation")
    }
    inits = {name: found[0].get("init", "") for name, found in rows.items()}
    shape = {k: records[0].get(k) for k in ("depth", "width", "batch")} if records else {}
    return Flow(rows, inits, ratios(records), shape)


def _series(rows: Sequence[Record], key: str) -> tuple[list, list]:
    return [r["layer"] for r in rows], [r[key] for r in rows]


def plot_gradient_flow(chosen: Flow, fig: Any = None, ax: Any = None) -> Any:
    """Figure 14: (a) ‖dL/dh_l‖ and (b) ‖dL/dW_l‖ against the layer l (input side = 1),
    one line per activation, with the sigmoid bound 0.25^(L-l) as a grey guide."""
    fig, axes = axes_of(fig, ax, 1, 2, aspect=0.42)
    panels = (
        (axes[0], "grad_norm", r"$\|\partial L/\partial h_l\|$", "(a) gradient of the activations"),
        (
            axes[1],
            "weight_grad_norm",
            r"$\|\partial L/\partial W_l\|$",
            "(b) gradient of the weights",
        ),
    )
    for panel, key, ylabel, title in panels:
        for name, rows in chosen.rows.items():
            colour, style, marker = LOOK.get(name, ("0.3", "-", "o"))
            layers, norms = _series(rows, key)
            panel.plot(
                layers,
                norms,
                color=colour,
                ls=style,
                marker=marker,
                ms=3,
                markevery=3,
                label=f"{name} ({chosen.inits[name].split(',')[0]})",
            )
        layers, norms = _series(chosen.rows.get("sigmoid", []), key)
        if layers and key == "grad_norm":
            last = layers[-1]
            guide = [norms[-1] * 0.25 ** (last - layer) for layer in layers]
            panel.plot(
                layers,
                guide,
                color=GUIDE,
                lw=0.9,
                ls=":",
                zorder=1,
                label=r"guide $0.25^{L-l}$ (sigmoid$'\leq 1/4$)",
            )
        panel.set_yscale("log")
        panel.set_xlabel("layer $l$ (1 = input side)")
        panel.set_ylabel(ylabel)
        panel.set_title(title, loc="left")
        log_ticks(panel, "y")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=2,  # long labels: two columns fit the width
        fontsize="small",
        frameon=False,
    )
    return fig


def ratios(records: Sequence[Record], key: str = "grad_norm") -> dict[str, float]:
    """‖first layer‖ / ‖last layer‖ of `key` for each activation (read off the records).

    >>> ratios([{"activation": "a", "layer": 1, "grad_norm": 1e-6},
    ...         {"activation": "a", "layer": 2, "grad_norm": 1.0}])
    {'a': 1e-06}
    """
    out = {}
    for name in unique(records, "activation"):
        rows = sorted(select(records, activation=name), key=lambda r: r["layer"])
        _, norms = _series(rows, key)
        if norms and norms[-1]:
            out[name] = norms[0] / norms[-1]
    return out


def caption_gradient_flow(chosen: Flow) -> str:
    """Caption of figure 14, with the measured first/last-layer ratios."""
    if not chosen.rows:
        return "Gradient flow: no data."
    depth, width, batch = (chosen.shape.get(k) for k in ("depth", "width", "batch"))
    inits = "; ".join(f"{name} {init}" for name, init in chosen.inits.items())
    measured = "; ".join(f"{name} {sci(value)}" for name, value in chosen.ratios.items())
    return (
        f"Norm of the gradient of the loss with respect to each layer's activations h_l "
        f"(a) and weights W_l (b) in a {depth}-layer MLP of width {width}, from one reverse "
        "sweep of our engine; layer 1 is the input side. Backprop multiplies the local "
        "derivatives, so sigmoid's (at most 0.25, grey guide) vanish geometrically while ReLU "
        "with He initialisation and residual skips keep the signal, and large weights make it "
        f"explode. Measured ‖∂L/∂h_1‖ / ‖∂L/∂h_{depth}‖: {measured}. Initialisation: {inits}. "
        "Mean squared error of a "
        f"fixed linear readout on a batch of {batch} standard normal inputs; biases 0; float64."
    )
