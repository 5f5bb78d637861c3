"""Every experiment, each runnable alone from Python, and the registry the command uses.

>>> from compare.experiments import EXPERIMENTS
>>> [e.name for e in EXPERIMENTS][:3]
['accuracy_sweep', 'accuracy_table', 'cost_scaling']
"""

from __future__ import annotations

from ..plots import accuracy as pa
from ..plots import classic as pc
from ..plots import cost as pcost
from ..plots import memory as pm
from ..plots import mlp as pmlp
from ..plots import nonsmooth as pn
from ..plots import worked as pw
from ..registry import Experiment, FigureSpec
from . import explainer as _explainer
from . import gradient_flow as _gradient_flow
from . import sparsity as _sparsity
from .accuracy import accuracy_sweep, accuracy_table, precision
from .classic import (
    cheap_gradient,
    logistic_classic,
    logistic_tables,
    swell,
    worked_example,
    worked_tables,
)
from .cost import cost_scaling, crossover
from .memory import memory
from .nonsmooth import nonsmooth, nonsmooth_table
from .training import mlp

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "accuracy_sweep",
        "Error vs step size: the V-curves",
        accuracy_sweep,
        (
            FigureSpec(
                "fig01_accuracy_sweep",
                "Step size vs error: the V-curve",
                pa.plot_accuracy_sweep,
                pa.caption_accuracy_sweep,
            ),
        ),
        {"quick": {"points": 33}, "default": {"points": 65}, "full": {"points": 161}},
        ("numdiff.sweep", "autodiff.grad", "autodiff.jacfwd", "symdiff.gradient"),
    ),
    Experiment(
        "accuracy_table",
        "Error of every method on every function",
        accuracy_table,
        (
            FigureSpec(
                "fig02_accuracy_table",
                "Error of every method on every function",
                pa.plot_accuracy_table,
                pa.caption_accuracy_table,
            ),
        ),
        {"quick": {"include_families": False}, "default": {}, "full": {}},
        ("numdiff.gradient", "autodiff.grad", "autodiff.jacfwd", "symdiff.gradient"),
    ),
    Experiment(
        "cost_scaling",
        "Cost of a full gradient vs number of inputs",
        cost_scaling,
        (
            FigureSpec(
                "fig03_cost_scaling",
                "Cost of a full gradient vs n",
                pcost.plot_cost_scaling,
                pcost.caption_cost_scaling,
            ),
        ),
        {
            "quick": {
                "sizes": (2, 4, 8, 16, 32),
                "symbolic_max": 16,
                "repeat": 5,
                "mlp_hidden": (1, 2, 4, 8),
                "mlp_symbolic_max": 7,
            },
            "default": {
                "sizes": (2, 4, 8, 16, 32, 64, 128, 256),
                "symbolic_max": 64,
                "repeat": 5,
                "mlp_hidden": (1, 2, 4, 8, 16, 32, 64),
                "mlp_symbolic_max": 12,
            },
            "full": {
                "sizes": (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
                "symbolic_max": 128,
                "repeat": 9,
                "mlp_hidden": (1, 2, 4, 8, 16, 32, 64, 128),
                "mlp_symbolic_max": 22,
            },
        },
        ("numdiff.gradient", "autodiff.grad", "autodiff.jacfwd"),
    ),
    Experiment(
        "crossover",
        "Forward vs reverse mode for full Jacobians",
        crossover,
        (
            FigureSpec(
                "fig04_crossover",
                "Forward vs reverse crossover",
                pcost.plot_crossover,
                pcost.caption_crossover,
            ),
        ),
        {
            "quick": {"total": 64, "repeat": 3},
            "default": {"total": 1024, "repeat": 5},
            "full": {"total": 1024, "repeat": 9},
        },
        ("autodiff.jacfwd", "autodiff.jacrev"),
    ),
    Experiment(
        "swell",
        "Expression swell: tree vs DAG vs CSE vs AD graph",
        swell,
        (FigureSpec("fig05_swell", "Expression swell", pc.plot_swell, pc.caption_swell),),
        {
            "quick": {"max_depth": 50, "seconds": 1.0},
            "default": {"max_depth": 100, "seconds": 5.0},
            "full": {"max_depth": 100, "sympy_max_depth": 40, "seconds": 60.0},
        },
        ("symdiff.swell_curve", "autodiff.grad"),
    ),
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
            ),
            FigureSpec(
                "fig07_schedule", "The checkpoint schedule", pm.plot_schedule, pm.caption_schedule
            ),
        ),
        {
            "quick": {"depths": (4, 8, 16, 32, 64), "fixed_depth": 32},
            "default": {"depths": (4, 8, 16, 32, 64, 128, 256, 512), "fixed_depth": 64},
            "full": {"depths": (4, 8, 16, 32, 64, 128, 256, 512, 1024), "fixed_depth": 256},
        },
        ("autodiff.schedule", "autodiff.checkpoint_sequential"),
    ),
    Experiment(
        "cheap_gradient",
        "The cheap-gradient ratio",
        cheap_gradient,
        (
            FigureSpec(
                "fig08_cheap_gradient",
                "Cheap gradient ratio",
                pc.plot_cheap_gradient,
                pc.caption_cheap_gradient,
            ),
        ),
        {"quick": {"repeat": 3}, "default": {"repeat": 5}, "full": {"repeat": 11}},
        ("autodiff.grad",),
    ),
    Experiment(
        "mlp",
        "Two-moons MLP trained with our reverse mode",
        mlp,
        (FigureSpec("fig09_mlp", "Two-moons MLP", pmlp.plot_mlp, pmlp.caption_mlp),),
        {
            "quick": {"steps": 150, "grid": 41},
            "default": {"steps": 400, "grid": 61},
            "full": {"steps": 2000, "grid": 121},
        },
        ("autodiff.nn",),
    ),
    Experiment(
        "worked_example",
        "The worked example x1·x2 + sin(x1) at (2, 3)",
        worked_example,
        (
            FigureSpec(
                "fig10_worked_example",
                "The worked example",
                pw.plot_worked_example,
                pw.caption_worked_example,
            ),
        ),
        {},
        ("autodiff.grad",),
        worked_tables,
    ),
    Experiment(
        "logistic_classic",
        "The logistic-map classic",
        logistic_classic,
        (
            FigureSpec(
                "fig11_logistic_classic",
                "The logistic-map classic",
                pc.plot_logistic_classic,
                pc.caption_logistic_classic,
            ),
        ),
        {"quick": {"points": 33}, "default": {"points": 65}, "full": {"points": 161}},
        ("numdiff.sweep", "symdiff.derivative", "autodiff.grad"),
        logistic_tables,
    ),
    Experiment(
        "nonsmooth",
        "Non-smooth points",
        nonsmooth,
        (
            FigureSpec(
                "fig12_nonsmooth", "Non-smooth points", pn.plot_nonsmooth, pn.caption_nonsmooth
            ),
        ),
        {},
        ("numdiff.gradient", "autodiff.grad", "symdiff.gradient"),
        nonsmooth_table,
    ),
    Experiment(
        "precision",
        "float32 vs float64",
        precision,
        (
            FigureSpec(
                "fig13_precision", "float32 vs float64", pa.plot_precision, pa.caption_precision
            ),
        ),
        {"quick": {"points": 33}, "default": {"points": 65}, "full": {"points": 161}},
        ("numdiff.sweep",),
    ),
    *_gradient_flow.EXPERIMENTS,
    *_sparsity.EXPERIMENTS,
    *_explainer.EXPERIMENTS,
)

__all__ = [
    "EXPERIMENTS",
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
