"""Every experiment, each runnable alone from Python, and the list the command uses.

Each module below declares its experiments in a tuple `EXPERIMENTS`; to add one, write its
module (the records function, its `Experiment(...)` with figures and presets) and add the
module to `MODULES`. Experiments are ordered by their first figure, as in FIGURES.md.

>>> from compare.experiments import EXPERIMENTS
>>> [e.name for e in EXPERIMENTS][:3]
['accuracy_sweep', 'accuracy_table', 'cost_scaling']
"""

from __future__ import annotations

import importlib

from ..registry import Experiment
from .accuracy import accuracy_sweep, accuracy_table, precision
from .classic import cheap_gradient, logistic_classic, swell, worked_example
from .cost import cost_scaling, crossover
from .memory import memory
from .nonsmooth import nonsmooth
from .training import mlp

#: The modules (of this package) that declare experiments: one line per module.
MODULES = (
    "accuracy",
    "cost",
    "classic",
    "memory",
    "training",
    "nonsmooth",
    "gradient_flow",
    "sparsity",
    "explainer",
)

EXPERIMENTS: tuple[Experiment, ...] = tuple(
    sorted(
        (
            experiment
            for module in MODULES
            for experiment in importlib.import_module(f"{__name__}.{module}").EXPERIMENTS
        ),
        key=lambda experiment: experiment.figures[0].name,
    )
)

__all__ = [
    "EXPERIMENTS",
    "MODULES",
    "accuracy_sweep",
    "accuracy_table",
    "cheap_gradient",
    "cost_scaling",
    "crossover",
    "logistic_classic",
    "memory",
    "mlp",
    "nonsmooth",
    "precision",
    "swell",
    "worked_example",
]
