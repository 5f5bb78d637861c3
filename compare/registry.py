"""What an experiment is: a records-producing function, its figures, captions and presets.

Each experiment module declares its experiments in a module-level tuple `EXPERIMENTS`
(next to the functions they run); `compare.experiments` gathers the modules listed in its
`MODULES` and orders the experiments by their first figure (the order of FIGURES.md). So
adding an experiment is one new module (or one new entry in a module) plus one line in
`MODULES`.

>>> spec = FigureSpec("fig99_toy", "Toy", plot=lambda records, fig=None, ax=None: None,
...                   caption=lambda records: "")
>>> Experiment("toy", "Toy", run=lambda seed=0: [], figures=(spec,)).options("quick")
{}
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CompareError
from .records import Record

Records = Sequence[Record]
PRESETS = ("quick", "default", "full")


@dataclass(frozen=True)
class FigureSpec:
    """One figure: file stem, title, `plot(records, fig=None, ax=None) -> Figure`,
    `caption(records) -> str`; `panels` is how many axes it draws (single-panel figures
    also accept `ax=`)."""

    name: str
    title: str
    plot: Callable[..., Any]
    caption: Callable[[Records], str]
    panels: int = 1
    #: Files written beside the figure, `files(records, out_dir) -> paths` (the explainer's
    #: page and animation); None for a plain figure.
    files: Callable[[Records, Any], list[Any]] | None = None


@dataclass(frozen=True)
class Experiment:
    """One experiment.

    `run(seed=..., **settings[preset])` returns tidy records (rows of several tables carry
    the table's name under "kind"); `tables(records)` gives (title, markdown) pairs for the
    report.
    """

    name: str
    title: str
    run: Callable[..., list[Record]]
    figures: tuple[FigureSpec, ...]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: Callable[[Records], list[tuple[str, str]]] | None = None

    def options(self, preset: str, **overrides: Any) -> dict[str, Any]:
        """The keyword settings of a preset ("quick", "default" or "full"), updated with
        `overrides` (each must be a parameter of `run`)."""
        if not isinstance(preset, str) or preset not in PRESETS:
            raise CompareError(f"preset must be one of {', '.join(PRESETS)}; got {preset!r}")
        accepted = [p for p in inspect.signature(self.run).parameters if p != "seed"]
        unknown = [k for k in overrides if k not in accepted]
        if unknown:
            raise CompareError(
                f"experiment {self.name!r} has no option {unknown[0]!r}; its options are "
                f"{', '.join(accepted) or 'none'}"
            )
        return {**self.settings.get(preset, {}), **overrides}

    def figure(self, name: str) -> FigureSpec:
        """The figure spec called `name` (its file stem)."""
        for spec in self.figures:
            if spec.name == name:
                return spec
        raise CompareError(
            f"experiment {self.name!r} has no figure {name!r}; its figures are "
            f"{', '.join(s.name for s in self.figures)}"
        )
