"""The explainer page: one self-contained HTML file (inline SVG, CSS and script, no network).

The graph is drawn as SVG in the layout of figure 10 (`expr.view.positions`); the tables
have empty cells that the script fills step by step from the walk embedded as JSON.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

COLUMN_GAP, ROW_GAP, BOX_HEIGHT, CHAR = 70, 100, 66, 8.2


def _asset(name: str) -> str:
    return resources.files("compare.explain").joinpath(name).read_text(encoding="utf-8")


def _box_width(node: dict[str, Any]) -> float:
    return max(len(node["head"]), 16) * CHAR + 24


def layout(nodes: list[dict]) -> tuple[dict[int, tuple[float, float, float]], float, float]:
    """Centre (x, y) and width of each node's box in pixels, and the canvas size."""
    width = max(_box_width(n) for n in nodes)
    rows = [n["row"] for n in nodes]
    top = max(rows)
    boxes = {
        n["id"]: (
            20 + width / 2 + n["col"] * (width + COLUMN_GAP),
            20 + BOX_HEIGHT / 2 + (top - n["row"]) * ROW_GAP,
            _box_width(n),
        )
        for n in nodes
    }
    columns = max(n["col"] for n in nodes) + 1
    return (
        boxes,
        40 + columns * width + (columns - 1) * COLUMN_GAP,
        40 + BOX_HEIGHT + (top - min(rows)) * ROW_GAP,
    )


def svg(data: dict[str, Any], prefix: str, second: str) -> str:
    """The graph as SVG: node groups (id prefix-node-N, with empty value and second-line
    texts) and edges (prefix-edge-U-V). `second` is "adj" or "dot" (the third text line)."""
    boxes, width, height = layout(data["nodes"])
    parts = [
        f'<svg id="{prefix}graph" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img">'
    ]
    for edge in data["edges"]:
        (x1, y1, w1), (x2, y2, w2) = boxes[edge["u"]], boxes[edge["v"]]
        parts.append(
            f'<line class="edge" id="{prefix}edge-{edge["u"]}-{edge["v"]}" x1="{x1 + w1 / 2:.1f}" '
            f'y1="{y1:.1f}" x2="{x2 - w2 / 2 - 4:.1f}" y2="{y2:.1f}"/>'
        )
    for node in data["nodes"]:
        x, y, w = boxes[node["id"]]
        nid = node["id"]
        constant = node["kind"] == "const"
        parts.append(
            f'<g class="node {node["kind"]}" id="{prefix}node-{nid}">'
            f'<rect x="{x - w / 2:.1f}" y="{y - BOX_HEIGHT / 2:.1f}" width="{w:.1f}" height="{BOX_HEIGHT}" rx="9"/>'
            f'<text x="{x:.1f}" y="{y - 19:.1f}">{escape(node["head"])}</text>'
            + (
                ""
                if constant
                else f'<text class="value" id="{prefix}val-{nid}" x="{x:.1f}" y="{y + 2:.1f}" data-empty=""></text>'
                f'<text class="adjoint" id="{prefix}{second}-{nid}" x="{x:.1f}" y="{y + 21:.1f}" data-empty=""></text>'
            )
            + "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _cells(values: list[str], empty: dict[int, str] | None = None) -> str:
    """A table row: plain cells, or empty cells (id, data-empty) where `empty` names an id."""
    out = []
    for i, text in enumerate(values):
        if empty and i in empty:
            out.append(f'<td class="mono" id="{empty[i]}" data-empty=""></td>')
        else:
            out.append(f"<td>{escape(text)}</td>")
    return "<tr>" + "".join(out) + "</tr>"


def _table(title: str, header: list[str], rows: list[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    return f"<div><h3>{escape(title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


CONTROLS = (
    '<div class="controls"><button data-action="reset" title="Home">|◀ reset</button>'
    '<button data-action="prev" title="←">◀ prev</button>'
    '<button data-action="next" title="→">next ▶</button>'
    '<button data-action="play">▶▶ play (1 s per step)</button>'
    '<button data-action="end" title="End">end ▶|</button>'
    '<span class="counter"></span></div><div class="caption"></div>'
)


def _reverse_tab(data: dict[str, Any]) -> str:
    forward = [
        _cells([r["label"], r["definition"], ""], {2: f"r-fwd-{k}"})
        for k, r in enumerate(data["forward_table"])
    ]
    backward = [
        _cells([r["label"], r["rule"], ""], {2: f"r-bwd-{k}"})
        for k, r in enumerate(data["backward_table"])
    ]
    gradient = [
        _cells([f"∂f/∂{g['name']}", "", g["reference"]], {1: f"r-grad-{i}"})
        for i, g in enumerate(data["gradient"])
    ]
    return (
        '<section class="tab" id="tab-reverse">'
        '<p class="note">Reverse mode: the forward sweep computes every node\'s value (inputs '
        "first); the backward sweep starts from the seed 1 at the output and pulls adjoints "
        "back along the edges, so one backward sweep gives every partial derivative.</p>"
        + CONTROLS
        + svg(data, "r-", "adj")
        + '<div class="tables">'
        + _table("forward sweep", ["node", "definition", "value"], forward)
        + _table("backward sweep (seed 1 at the output)", ["adjoint", "rule", "value"], backward)
        + "</div>"
        + _table(
            "the gradient after one backward sweep",
            ["", "reverse mode (float64)", "reference: expr.reference, 50 digits"],
            gradient,
        )
        + "</section>"
    )


def _forward_tab(data: dict[str, Any]) -> str:
    seeds = "".join(
        f'<button class="seed" data-seed="{i}">seed ẋ = 1 for {escape(w["seed"])}</button>'
        for i, w in enumerate(data["dual"])
    )
    rows = [
        _cells([r["label"], "", "", ""], {1: f"f-v-{k}", 2: f"f-r-{k}", 3: f"f-t-{k}"})
        for k, r in enumerate(data["dual"][0]["rows"])
    ]
    return (
        '<section class="tab" id="tab-forward">'
        '<p class="note">Forward mode carries a dual number (value, tangent) through the graph '
        "in one sweep: the tangent of each node is the chain rule applied to its arguments' "
        "tangents. One sweep gives the derivative along one seed direction, so a gradient of "
        "n inputs takes n sweeps.</p>"
        f'<div class="controls">{seeds}</div>'
        + CONTROLS
        + svg(data, "f-", "dot")
        + _table(
            "dual-number sweep",
            ["node", "value", "tangent rule", "tangent"],
            rows,
        )
        + '<p>∂f/∂<span class="seed-name"></span> = <span class="mono" id="f-deriv" data-empty=""></span>'
        ' &nbsp; (reference, 50 digits: <span class="mono" id="f-ref"></span>)</p>' + "</section>"
    )


def render(data: dict[str, Any], title: str) -> str:
    """The page as one HTML string; `title` (with the formula as given) is shown escaped."""
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    point = ", ".join(f"{n} = {v}" for n, v in zip(data["inputs"], data["point"]))
    markers = (
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker>'
        '<marker id="arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#D55E00"/></marker></defs></svg>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>diffcompare explain: {escape(title)}</title>"
        f"<style>{_asset('page.css')}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="sub">at {escape(point)}: f = {escape(data["value"])}. Step with the '
        "buttons or the arrow keys (← →, Home, End).</p>"
        '<div class="tabs"><button data-tab="reverse">Reverse mode (backprop)</button>'
        '<button data-tab="forward">Forward mode (dual numbers)</button></div>'
        + markers
        + _reverse_tab(data)
        + _forward_tab(data)
        + f'<script type="application/json" id="walk-data">{blob}</script>'
        + f"<script>{_asset('page.js')}</script></body></html>"
    )
