"""compare: experiments -> tidy records -> figures -> report; the `diffcompare` command.

Each experiment is a function returning tidy records (a list of flat dicts, also written as
CSV); each figure is a function from records to a matplotlib Figure; `compare.run` (and the
command `python -m compare`) wires them and writes report.md / report.html.

>>> from compare import experiment_names
>>> len(experiment_names())
12
"""

from .errors import BackendMissing, CompareError
from .records import read_csv, write_csv
from .runner import experiment_names, run, run_experiment
from .style import method_style, style_context

__version__ = "0.1.0"

__all__ = [
    "BackendMissing",
    "CompareError",
    "experiment_names",
    "method_style",
    "read_csv",
    "run",
    "run_experiment",
    "style_context",
    "write_csv",
]
