"""compare: experiments -> tidy records -> figures -> report; the `diffcompare` command.

Each experiment is a function returning tidy records (a list of flat dicts, written as CSV:
one table per file); each figure is a function from records to a matplotlib Figure, drawn
into a new Figure or into a given Figure / SubFigure. `compare.run_experiment(name)` gives
the records and Figures of one experiment for a notebook (nothing written unless
`.save(...)`); `compare.run` (and the command `diffcompare` = `python -m compare`) runs
many, on any `concurrent.futures.Executor`, and writes report.md / report.html.

>>> from compare import experiment_names
>>> len(experiment_names())
15
"""

from .errors import CompareError
from .records import read_csv, write_csv
from .result import ExperimentResult
from .runner import experiment_names, plot, run, run_experiment
from .style import method_style, style_context

__version__ = "0.1.0"

__all__ = [
    "CompareError",
    "ExperimentResult",
    "experiment_names",
    "method_style",
    "plot",
    "read_csv",
    "run",
    "run_experiment",
    "style_context",
    "write_csv",
]
