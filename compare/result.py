"""What `compare.run_experiment` returns: the records and the Figures of one experiment,
for a notebook (after scikit-learn's Display objects). Nothing is written unless asked
with `.save(out_dir, formats)`."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CompareError, check_names
from .records import Record, split_tables, write_tables
from .registry import Experiment, FigureSpec


@dataclass
class ExperimentResult:
    """The records of one experiment run, its figures (drawn on first use, in `style`) and
    their captions, read off the same records."""

    experiment: Experiment
    records: list[Record]
    preset: str = "default"
    style: str = "paper"
    seconds: float = 0.0
    _figures: list[Any] | None = field(default=None, repr=False)
    _captions: list[str] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.experiment.name

    @property
    def figures(self) -> list[Any]:
        """One matplotlib Figure per figure of the experiment (drawn once, then kept)."""
        if self._figures is None:
            from .style import style_context

            with style_context(self.style):
                drawn = [spec.render(self.records) for spec in self.experiment.figures]
            self._figures = [figure for figure, _ in drawn]
            self._captions = [caption for _, caption in drawn]
        return self._figures

    def _spec(self, figure: str | int | None) -> FigureSpec:
        specs = self.experiment.figures
        if figure is None:
            return specs[0]
        if isinstance(figure, int) and not isinstance(figure, bool):
            if not -len(specs) <= figure < len(specs):
                raise CompareError(
                    f"figure index {figure} out of range: {self.name!r} has {len(specs)} figures"
                )
            return specs[figure]
        if isinstance(figure, str):
            return self.experiment.figure(figure)
        raise CompareError(
            f"figure must be a figure name, an index or None, got {type(figure).__name__}"
        )

    def caption(self, figure: str | int | None = None) -> str:
        """The caption of a figure (by file stem or index; default the first), with the
        numbers of these records."""
        spec = self._spec(figure)
        if self._captions is not None:  # written with the figures, from their selection
            return self._captions[self.experiment.figures.index(spec)]
        return spec.caption_of(self.records)

    def tables(self) -> dict[str, list[Record]]:
        """The records as tables: table name ("" when there is one) -> rows."""
        return split_tables(self.records)

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame (one table), or a dict of DataFrames (several).
        Needs pandas, which is not a dependency of diffcompare."""
        try:
            import pandas as pd
        except ImportError as error:
            raise CompareError(
                "to_pandas needs pandas, which diffcompare does not depend on: pip install pandas"
            ) from error
        tables = {key: pd.DataFrame(rows) for key, rows in self.tables().items()}
        return tables[""] if list(tables) == [""] else tables

    def save(self, out_dir: str | Path, formats: Sequence[str] = ("png",)) -> list[Path]:
        """Write the CSV files and the figures (each format) into out_dir; return the paths."""
        from .style import FORMATS, save_figure, style_context

        check_names(formats, "formats", FORMATS)
        out = checked_out_dir(out_dir)
        paths = write_tables(self.records, out, self.name)
        with style_context(self.style):
            for spec, fig in zip(self.experiment.figures, self.figures):
                paths += save_figure(fig, out, spec.name, formats, close=False)
                paths += spec.files(self.records, out) if spec.files else []
        return paths

    def _repr_html_(self) -> str:
        parts = [f"<h3>{html.escape(self.experiment.title)}</h3>"]
        for index, (spec, fig) in enumerate(zip(self.experiment.figures, self.figures)):
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
            data = base64.b64encode(buffer.getvalue()).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(spec.title)}">'
                f"<figcaption>{html.escape(self.caption(index))}</figcaption></figure>"
            )
        parts.append(
            f"<p><small>{len(self.records)} records, preset {html.escape(self.preset)}, "
            f"{self.seconds:.1f} s</small></p>"
        )
        return "\n".join(parts)

    def __repr__(self) -> str:
        figures = ", ".join(spec.name for spec in self.experiment.figures)
        return (
            f"ExperimentResult({self.name!r}, preset={self.preset!r}, "
            f"{len(self.records)} records, figures: {figures})"
        )


def checked_out_dir(out_dir: Any) -> Path:
    """`out_dir` as a folder that exists and is writable (created if needed); anything else
    (not a path, a file, a folder that cannot be created or written) is a CompareError."""
    import os

    if not isinstance(out_dir, (str, Path)) or str(out_dir) == "":
        raise CompareError(f"out_dir must be a folder path (str or Path), got {out_dir!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CompareError(f"output folder {out} is a file, not a folder; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CompareError(f"cannot create output folder {out}: {error.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise CompareError(f"cannot write into output folder {out}: permission denied")
    return out


def out_dir_problem(out_dir: Any) -> str | None:
    """Why `out_dir` could not be the output folder (None if it could), found without
    creating anything: not a path, a file, under a file, or in a folder we cannot write.

    >>> out_dir_problem(42)
    'out_dir must be a folder path (str or Path), got 42'
    """
    import os

    if not isinstance(out_dir, (str, Path)) or str(out_dir) == "":
        return f"out_dir must be a folder path (str or Path), got {out_dir!r}"
    out = Path(out_dir).absolute()
    if out.exists():
        if not out.is_dir():
            return f"output folder {out_dir} is a file, not a folder; give a folder"
        writable = os.access(out, os.W_OK | os.X_OK)
        return None if writable else f"cannot write into output folder {out_dir}"
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"output folder {out_dir} is below a file ({parent}), not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create output folder {out_dir}: {parent} is not writable"
    return None
