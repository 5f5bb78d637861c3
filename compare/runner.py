"""Run experiments, write their CSV and figures, and the report: what the command does.

>>> from compare.runner import experiment_names
>>> "accuracy_sweep" in experiment_names()
True
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from .errors import BackendMissing, CompareError, ExprError
from .records import read_csv, write_csv
from .registry import Experiment
from .report import ExperimentResult, FigureResult, write_report
from .style import FORMATS, save_figure, style_context


def experiments() -> tuple[Experiment, ...]:
    """Every experiment, in the order of FIGURES.md."""
    from .experiments import EXPERIMENTS

    return EXPERIMENTS


def experiment_names() -> list[str]:
    """Names accepted by `run` and by the command."""
    return [e.name for e in experiments()]


def get(name: str) -> Experiment:
    """The experiment called `name`."""
    for experiment in experiments():
        if experiment.name == name:
            return experiment
    raise CompareError(f"no experiment {name!r}; choose from all, {', '.join(experiment_names())}")


def run_experiment(
    experiment: Experiment,
    out_dir: str | Path,
    preset: str = "default",
    formats: Sequence[str] = ("png",),
    style: str = "paper",
    seed: int = 0,
    from_csv: bool = False,
) -> ExperimentResult:
    """Run (or reload from CSV) one experiment, write its CSV and figures. Never raises for
    a missing backend or a failing experiment: the result says what happened."""
    out = Path(out_dir)
    result = ExperimentResult(experiment.name, experiment.title, "ok")
    start = time.perf_counter()
    csv_path = out / f"{experiment.name}.csv"
    try:
        if from_csv:
            records = read_csv(csv_path)
        else:
            absent = experiment.missing()
            if absent:
                raise BackendMissing(
                    f"skipped: needs {', '.join(absent)}, not available in this installation "
                    "(no data is made up)"
                )
            records = experiment.run(seed=seed, **experiment.options(preset))
            write_csv(records, csv_path)
        result.rows = len(records)
        with style_context(style):
            for spec in experiment.figures:
                fig = spec.plot(records)
                caption = spec.caption(records)
                paths = save_figure(fig, out, spec.name, formats)
                result.figures.append(FigureResult(spec.name, spec.title, paths, caption))
        if experiment.tables is not None:
            result.tables = experiment.tables(records)
        result.message = f"{result.rows} records -> {csv_path.name}"
    except BackendMissing as error:
        result.status, result.message = "skipped", str(error)
    except ExprError as error:
        result.status, result.message = "failed", f"{type(error).__name__}: {error}"
    except Exception as error:  # a backend bug must not kill the whole run: report it
        result.status = "failed"
        result.message = f"{type(error).__name__}: {error}"
        traceback.print_exc(file=sys.stderr)
    result.seconds = time.perf_counter() - start
    return result


def run(
    names: Sequence[str] = ("all",),
    out_dir: str | Path = "figures",
    preset: str = "default",
    formats: Sequence[str] = ("png",),
    style: str = "paper",
    seed: int = 0,
    from_csv: bool = False,
    progress: bool = True,
) -> list[ExperimentResult]:
    """Run the named experiments ("all" = every one), then write report.md and report.html.

    Returns one `ExperimentResult` per experiment (status ok / skipped / failed).
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise CompareError(f"unknown figure format {bad[0]!r}; choose from {', '.join(FORMATS)}")
    chosen = experiments() if "all" in names else tuple(get(n) for n in names)
    start = time.perf_counter()
    results = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chosen), unit="exp", file=sys.stderr, dynamic_ncols=True)
    for experiment in chosen:
        if bar is not None:
            bar.set_postfix_str(experiment.name)
        result = run_experiment(experiment, out_dir, preset, formats, style, seed, from_csv)
        results.append(result)
        if bar is not None:
            if result.status != "ok":
                bar.write(f"{experiment.name}: {result.status}: {result.message}")
            bar.update(1)
    if bar is not None:
        bar.close()
    settings = {
        "experiments": " ".join(names),
        "preset": preset,
        "style": style,
        "formats": ",".join(formats),
        "seed": str(seed),
        "from_csv": str(from_csv),
        "total time (s)": f"{time.perf_counter() - start:.1f}",
    }
    write_report(results, out_dir, settings)
    return results
