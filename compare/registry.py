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
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CompareError
from .records import Record

Records = Sequence[Record]
PRESETS = ("quick", "default", "full")


def as_given(records: Records) -> Records:
    """The default selection of a figure: its records as they are."""
    return records


@dataclass(frozen=True)
class FigureSpec:
    """One figure: file stem, title, `select(records)` -> the data the figure shows,
    `plot(selection, fig=None, ax=None) -> Figure` and `caption(selection) -> str`, both of
    the one selection (so a number of the caption cannot disagree with the plot); `panels`
    is how many axes it draws (single-panel figures also accept `ax=`)."""

    name: str
    title: str
    plot: Callable[..., Any]
    caption: Callable[[Any], str]
    panels: int = 1
    #: Files written beside the figure, `files(records, out_dir) -> paths` (the explainer's
    #: page and animation); None for a plain figure.
    files: Callable[[Records, Any], list[Any]] | None = None
    select: Callable[[Records], Any] = as_given

    def render(self, records: Records, fig: Any = None, ax: Any = None) -> tuple[Any, str]:
        """(figure, caption), both from one `select(records)`."""
        chosen = self.select(records)
        return self.plot(chosen, fig=fig, ax=ax), self.caption(chosen)

    def caption_of(self, records: Records) -> str:
        """The caption of `records` (read from their selection)."""
        return self.caption(self.select(records))


@dataclass(frozen=True)
class Experiment:
    """One experiment.

    `run(seed=..., **settings[preset])` returns tidy records (rows of several tables carry
    the table's name under "kind"); `tables(records)` gives (title, markdown) pairs for the
    report; `limits` caps integer options beyond `LIMITS` (sizes that could not finish).
    """

    name: str
    title: str
    run: Callable[..., list[Record]]
    figures: tuple[FigureSpec, ...]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: Callable[[Records], list[tuple[str, str]]] | None = None
    limits: dict[str, int] = field(default_factory=dict)
    #: Relative running time: in a pool the heaviest start first (when the folder has no
    #: earlier run's times), so that no long experiment is left to run alone at the end.
    weight: float = 1.0

    def options(self, preset: str, **overrides: Any) -> dict[str, Any]:
        """The keyword settings of a preset ("quick", "default" or "full"), updated with
        `overrides` (each must be a parameter of `run`)."""
        if not isinstance(preset, str) or preset not in PRESETS:
            raise CompareError(f"preset must be one of {', '.join(PRESETS)}; got {preset!r}")
        parameters = inspect.signature(self.run).parameters
        accepted = [p for p in parameters if p != "seed"]
        unknown = [k for k in overrides if k not in accepted]
        if unknown:
            raise CompareError(
                f"experiment {self.name!r} has no option {unknown[0]!r}; its options are "
                f"{', '.join(accepted) or 'none'}"
            )
        defaults = {
            name: p.default
            for name, p in parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        limits = {**LIMITS, **self.limits}
        for name, value in overrides.items():
            check_option(self.name, name, value, defaults.get(name), limits.get(name, 10_000))
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


#: Largest value of an integer option (or of each entry of a list of them), by name:
#: bigger sizes would not finish in reasonable time, so they are refused at once.
LIMITS = {
    "points": 10_001,
    "sizes": 2048,
    "mlp_hidden": 256,
    "depths": 4096,
    "fixed_depth": 4096,
    "total": 65_536,
    "max_depth": 400,
    "sympy_max_depth": 100,
    "steps": 100_000,
    "grid": 501,
    "repeat": 1000,
    "max_inputs": 64,
}
#: Integer options that may be 0 (a limit that switches a series off).
MAY_BE_ZERO = ("symbolic_max", "mlp_symbolic_max")
MAX_SECONDS = 3600.0


def check_option(experiment: str, name: str, value: Any, default: Any, limit: int) -> None:
    """Refuse an option of the wrong kind (judged by the parameter's default), a string
    where a list goes, NaN or inf, or a size over `limit`, naming the option."""
    where = f"option {name!r} of experiment {experiment!r}"

    def whole(v: Any) -> bool:
        low = 0 if name in MAY_BE_ZERO else 1
        return isinstance(v, int) and not isinstance(v, bool) and low <= v <= limit

    if name == "progress":
        ok = value is None or callable(value)
        accepted = "a callable taking one str, or None"
    elif isinstance(default, bool):
        ok, accepted = isinstance(value, bool), "True or False"
    elif isinstance(default, int):
        ok = whole(value)
        accepted = f"a whole number from {0 if name in MAY_BE_ZERO else 1} to {limit}"
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and 0 <= value <= MAX_SECONDS
        accepted = f"a finite number from 0 to {MAX_SECONDS:g}"
    elif isinstance(default, str):
        ok, accepted = isinstance(value, str), "a string"
    elif isinstance(default, tuple) and default and isinstance(default[0], int):
        ok = isinstance(value, (list, tuple)) and bool(value) and all(map(whole, value))
        accepted = f"a non-empty list of whole numbers from 1 to {limit}"
    else:  # a list of names (None: the experiment's own choice)
        ok = (default is None and value is None) or (
            isinstance(value, (list, tuple))
            and bool(value)
            and all(isinstance(v, str) for v in value)
        )
        accepted = "a non-empty list of names (not one string)"
    if not ok:
        raise CompareError(f"{where} must be {accepted}; got {value!r}")
