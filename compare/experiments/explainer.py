"""The explainer's walk of the worked example as records: every step of the forward and the
backward sweep (what `diffcompare explain` steps through and animates), and the gradient
next to the 50-digit reference.

>>> rows = explainer()
>>> [(r["step"], r["phase"], r["label"]) for r in rows if r["kind"] == "step"][5]
(6, 'backward', 'v̄3')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from expr import catalog

from ..explain.walk import walk
from ..plots import explainer as plots
from ..records import Record
from ..registry import Experiment, FigureSpec


def explainer_files(records: Sequence[Record], out_dir: Path) -> list[Path]:
    """explain.html and explain.gif of the worked example in out_dir (what
    `diffcompare explain worked_example --out DIR` writes)."""
    from ..explain import explain

    return explain("worked_example", None, out_dir, formats=("gif",))


def explainer(seed: int = 0) -> list[Record]:
    """Rows kind="step" (step, phase, node, label, rule, value) in walk order and
    kind="gradient" (name, value, reference as a 50-digit string)."""
    entry = catalog.get("worked_example")
    data = walk(entry.function(), entry.point)
    rows: list[Record] = []
    walked = [("forward", r, "definition", "value") for r in data["forward_table"]] + [
        ("backward", r, "rule", "adjoint") for r in data["backward_table"]
    ]
    for step, (phase, row, rule, key) in enumerate(walked, start=1):
        rows.append(
            {
                "kind": "step",
                "step": step,
                "phase": phase,
                "node": row["node"],
                "label": row["label"],
                "rule": row[rule],
                "value": float(row[key]),
            }
        )
    for g in data["gradient"]:
        rows.append(
            {
                "kind": "gradient",
                "name": g["name"],
                "value": float(g["reverse"]),
                "reference": g["reference"],
            }
        )
    return rows


EXPERIMENTS = (
    Experiment(
        "explainer",
        "The explainer: the worked example stepped through (page and animation)",
        explainer,
        (
            FigureSpec(
                "fig16_explainer",
                "The explainer, frame by frame",
                plots.plot_explainer,
                plots.caption_explainer,
                panels=4,
                files=explainer_files,
                select=plots.select_explainer,
            ),
        ),
        {},
        weight=1.5,  # seconds of the quick preset on 2 cores, roughly
    ),
)
