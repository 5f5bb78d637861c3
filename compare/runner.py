"""Run experiments: records and Figures for a notebook (`run_experiment`, `plot`), or the
whole command (`run`): CSV, figures and the report, serially or on any
`concurrent.futures.Executor`.

>>> from compare.runner import experiment_names
>>> "accuracy_sweep" in experiment_names()
True
"""

from __future__ import annotations

import inspect
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from expr.checks import shown

from .errors import CompareError, check_names
from .records import Record, read_tables, table_files, write_tables
from .registry import PRESETS, Experiment, FigureSpec
from .report import FigureResult, Outcome, read_outcomes, update_report
from .result import ExperimentResult, checked_out_dir
from .style import FORMATS, STYLES, save_figure, style_context

Progress = Callable[[str], None]


def experiments() -> tuple[Experiment, ...]:
    """Every experiment, in the order of FIGURES.md."""
    from .experiments import EXPERIMENTS

    return EXPERIMENTS


def experiment_names() -> list[str]:
    """Names accepted by `run`, `run_experiment` and the command."""
    return [e.name for e in experiments()]


def get(name: Any) -> Experiment:
    """The experiment called `name`."""
    for experiment in experiments():
        if experiment.name == name:
            return experiment
    raise CompareError(
        f"no experiment {shown(name)}; choose from all, {', '.join(experiment_names())}"
    )


def figure_spec(name: Any) -> tuple[Experiment, FigureSpec]:
    """(experiment, figure) for a figure's file stem ("fig06_memory"), its stem without the
    number ("memory") or the name of an experiment with one figure."""
    for experiment in experiments():
        for spec in experiment.figures:
            if name in (spec.name, spec.name.split("_", 1)[-1]):
                return experiment, spec
        if name == experiment.name and len(experiment.figures) == 1:
            return experiment, experiment.figures[0]
    known = [spec.name for e in experiments() for spec in e.figures]
    raise CompareError(f"no figure {name!r}; choose from {', '.join(known)}")


def compute(
    experiment: Experiment,
    preset: str = "default",
    seed: int = 0,
    progress: Progress | None = None,
    **options: Any,
) -> list[Record]:
    """The records of one experiment (preset settings updated with `options`)."""
    check_seed(seed)
    settings = experiment.options(preset, **options)
    if progress is not None and not callable(progress):
        raise CompareError(f"progress must be a callable taking one str, or None; got {progress!r}")
    if progress is not None and "progress" in inspect.signature(experiment.run).parameters:
        settings["progress"] = progress
    return experiment.run(seed=seed, **settings)


def run_experiment(
    name: str,
    preset: str = "default",
    *,
    seed: int = 0,
    style: str = "paper",
    **options: Any,
) -> ExperimentResult:
    """Run one experiment and return its records and Figures (nothing is written; call
    `.save(out_dir)` for the CSV and figure files). `options` override the preset's settings.

    >>> result = run_experiment("worked_example", "quick")
    >>> [round(r["value"], 4) for r in result.records if r.get("kind") == "gradient"]
    [2.5839, 2.0]
    >>> len(result.figures), result.caption().startswith("The computational graph")
    (1, True)
    """
    experiment = get(name)
    _check_choice("style", style, STYLES)
    start = time.perf_counter()
    records = compute(experiment, preset, seed, **options)
    return ExperimentResult(experiment, records, preset, style, time.perf_counter() - start)


def plot(
    name: str,
    records: Sequence[Record],
    fig: Any = None,
    ax: Any = None,
    style: str | None = "paper",
) -> Any:
    """Draw a figure (by file stem, e.g. "fig06_memory" or "memory") from its records into a
    new Figure, into a given `Figure` or `SubFigure` (`fig=`), or, for a single-panel
    figure, into an Axes (`ax=`); returns the figure drawn into. `style` is "paper",
    "slides", or None for the matplotlib settings in effect.

    >>> result = run_experiment("crossover", "quick", total=4, repeat=1)
    >>> [round(float(v), 2) for v in plot("fig04_crossover", result.records).get_size_inches()]
    [3.5, 2.8]
    """
    experiment, spec = figure_spec(name)
    if style is not None:
        _check_choice("style", style, STYLES)
    if isinstance(records, (str, bytes, dict)) or not isinstance(records, Sequence):
        raise CompareError(f"records must be a list of dicts, got {type(records).__name__}")
    if fig is not None and ax is not None:
        raise CompareError("give fig= or ax=, not both")
    if ax is not None and spec.panels > 1:
        raise CompareError(
            f"figure {spec.name} has {spec.panels} panels and cannot draw into one Axes; pass "
            "fig= (a Figure or SubFigure, e.g. from fig.subfigures()) instead"
        )
    if not records or not all(isinstance(r, dict) for r in records):
        raise CompareError(f"records must be a non-empty list of dicts (figure {spec.name})")
    from .plots.common import check_target

    check_target(fig, ax)
    try:
        with nullcontext() if style is None else style_context(style):
            return spec.plot(spec.select(records), fig=fig, ax=ax)
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise CompareError(
            f"these records do not fit figure {spec.name} ({type(error).__name__}: {error}); "
            f"it draws the records of experiment {experiment.name!r}"
        ) from error


def check_seed(seed: Any) -> None:
    """A random seed is a whole number >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CompareError(f"seed must be a whole number >= 0, got {seed!r}")


def _check_choice(what: str, value: Any, choices: Sequence[str]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise CompareError(f"{what} must be one of {', '.join(choices)}; got {value!r}")


def run_one(
    name: str,
    out_dir: str | Path,
    preset: str = "default",
    formats: Sequence[str] = ("png",),
    style: str = "paper",
    seed: int = 0,
    from_csv: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Run (or reload from CSV) one experiment, write its CSV files and figures. Never
    raises for a failing experiment: the outcome says what happened (a module-level
    function, so that any executor can run it)."""
    experiment = get(name)
    out = Path(out_dir)
    outcome = Outcome(experiment.name, experiment.title, "ok", preset=preset, seed=seed)
    start = time.perf_counter()
    try:
        if from_csv:
            records = read_tables(out, experiment.name, experiment_names())
        else:
            records = compute(experiment, preset, seed, progress)
            outcome.csv = [p.name for p in write_tables(records, out, experiment.name)]
        outcome.rows = len(records)
        with style_context(style):
            for spec in experiment.figures:
                figure, caption = spec.render(records)
                paths = save_figure(figure, out, spec.name, formats)
                paths += spec.files(records, out) if spec.files else []
                outcome.figures.append(
                    FigureResult(spec.name, spec.title, [p.name for p in paths], caption)
                )
        if experiment.tables is not None:
            outcome.tables = experiment.tables(records)
    except Exception as error:  # a backend bug must not kill the whole run: report it
        outcome.status = "failed"
        outcome.message = f"{type(error).__name__}: {error}"
        if not isinstance(error, CompareError):
            traceback.print_exc(file=sys.stderr)
    outcome.seconds = time.perf_counter() - start
    return outcome


def run(
    names: Sequence[str] = ("all",),
    out_dir: str | Path = "figures",
    preset: str = "default",
    formats: Sequence[str] = ("png",),
    style: str = "paper",
    seed: int = 0,
    from_csv: bool = False,
    progress: bool = True,
    executor: Executor | None = None,
    command: str = "compare.run",
) -> list[Outcome]:
    """Run the named experiments ("all" = every one), write their CSV and figures, and
    update report.md / report.html in out_dir (entries of experiments not run now are kept).

    `executor`: any `concurrent.futures.Executor` (a process pool, Dask's
    `distributed.Client(...).get_executor()`); the experiments are independent and each
    writes its own files. Returns one `Outcome` per experiment (status ok / failed).
    Every argument is checked, and `out_dir` created, before any work starts.
    """
    known = experiment_names()
    names = check_names(names, "experiments", ["all", *known])
    _check_choice("preset", preset, PRESETS)
    formats = check_names(formats, "formats", FORMATS)
    _check_choice("style", style, STYLES)
    check_seed(seed)
    if executor is not None and not isinstance(executor, Executor):
        raise CompareError(
            f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}"
        )
    if from_csv and not (isinstance(out_dir, (str, Path)) and Path(out_dir).is_dir()):
        raise CompareError(f"--from-csv: no folder {out_dir!r} to read records from")
    out = checked_out_dir(out_dir)
    chosen = known if "all" in names else list(dict.fromkeys(names))
    if from_csv:
        chosen = _with_records(chosen, out, known)
    start = time.perf_counter()
    outcomes = _execute(chosen, out, preset, formats, style, seed, from_csv, progress, executor)
    earlier = read_outcomes(out) if from_csv else {}
    for outcome in outcomes:
        outcome.command = command
        if from_csv:  # the records were made by an earlier run: say by which preset
            before = earlier.get(outcome.name)
            outcome.preset = before.preset if before else "unknown (replotted from CSV)"
            outcome.seed = before.seed if before else seed
    settings = {
        "command": command,
        "style": style,
        "formats": ",".join(formats),
        "total time (s)": f"{time.perf_counter() - start:.1f}",
    }
    update_report(outcomes, out, settings, order=known)
    return outcomes


def _with_records(chosen: list[str], out: Path, known: list[str]) -> list[str]:
    """The chosen experiments that have CSV records in `out` (an error naming the folder if
    none has)."""
    found = [name for name in chosen if table_files(out, name, known)]
    if not found:
        raise CompareError(
            f"--from-csv: no records in {out} for {', '.join(chosen)}; run without --from-csv first"
        )
    return found


def _execute(
    chosen: list[str],
    out: Path,
    preset: str,
    formats: list[str],
    style: str,
    seed: int,
    from_csv: bool,
    progress: bool,
    executor: Executor | None,
) -> list[Outcome]:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chosen), unit="exp", file=sys.stderr, dynamic_ncols=True)
    arguments = (out, preset, formats, style, seed, from_csv)
    outcomes: dict[str, Outcome] = {}
    try:
        if executor is None:
            for name in chosen:
                tick = None
                if bar is not None:
                    bar.set_postfix_str(name)
                    tick = _ticker(bar, name)
                outcomes[name] = run_one(name, *arguments, progress=tick)
                _done(bar, outcomes[name])
        else:
            # longest first (by the times of the last run in this folder, else by the
            # experiments' weights): the long ones start at once, the short fill the gaps
            earlier = read_outcomes(out)
            known = all(name in earlier for name in chosen)
            ranked = sorted(chosen, key=lambda n: -(earlier[n].seconds if known else get(n).weight))
            futures = {executor.submit(run_one, name, *arguments): name for name in ranked}
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                outcomes[futures[future]] = future.result()
                _done(bar, outcomes[futures[future]])
    finally:
        if bar is not None:
            bar.close()
    return [outcomes[name] for name in chosen]


def _ticker(bar: Any, name: str) -> Progress:
    def tick(text: str) -> None:
        bar.set_postfix_str(f"{name}: {text}")

    return tick


def _done(bar: Any, outcome: Outcome) -> None:
    if bar is None:
        return
    if outcome.status != "ok":
        bar.write(f"{outcome.name}: {outcome.status}: {outcome.message}")
    bar.set_postfix_str(outcome.name)
    bar.update(1)
