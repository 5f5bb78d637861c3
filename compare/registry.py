"""What an experiment is: a records-producing function, its figures, captions and settings.

Each experiment module defines one `Experiment`; `compare.experiments.EXPERIMENTS` lists
them in the order of FIGURES.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import BackendMissing, CompareError
from .records import Record

Records = Sequence[Record]
PRESETS = ("quick", "default", "full")


@dataclass(frozen=True)
class FigureSpec:
    """One figure: file stem, title, records -> Figure, records -> caption."""

    name: str
    title: str
    plot: Callable[..., Any]
    caption: Callable[[Records], str]


@dataclass(frozen=True)
class Experiment:
    """One experiment.

    `run(seed=..., **settings[preset])` returns tidy records; `requires` names the backend
    functions it calls ("numdiff.sweep"); `tables(records)` gives (title, markdown) pairs
    for the report.
    """

    name: str
    title: str
    run: Callable[..., list[Record]]
    figures: tuple[FigureSpec, ...]
    settings: dict[str, dict[str, Any]]
    requires: tuple[str, ...] = ()
    tables: Callable[[Records], list[tuple[str, str]]] | None = field(default=None)

    def options(self, preset: str) -> dict[str, Any]:
        """The keyword settings of a preset ("quick", "default" or "full")."""
        if preset not in PRESETS:
            raise CompareError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        return dict(self.settings.get(preset, {}))

    def missing(self) -> list[str]:
        """The required backend functions that are not available."""
        return missing(self.requires)


def missing(requires: Sequence[str]) -> list[str]:
    """Which of "module.name" are not importable (module missing or name not defined).

    >>> missing(["expr.parse", "expr.no_such_thing"])
    ['expr.no_such_thing']
    """
    absent = []
    for item in requires:
        module_name, _, attribute = item.partition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            absent.append(item)
            continue
        if attribute and not hasattr(module, attribute) and not _is_module(item):
            absent.append(item)
    return absent


def _is_module(name: str) -> bool:
    """Whether `name` is an importable submodule (numdiff.sweep before it is re-exported)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def require(*names: str) -> None:
    """Raise `BackendMissing` naming each backend function not yet available."""
    absent = missing(names)
    if absent:
        raise BackendMissing(
            f"needs {', '.join(absent)}, not available in this installation; the experiment "
            "is skipped (no data is made up)"
        )
