"""The command: `diffcompare [EXPERIMENT ...] [options]` (= `python -m compare`).

Runs every experiment by default ("all"), writes figures, CSV, report.md and report.html
into --out (default `figures/`); `--jobs N` runs the experiments in N processes.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from .errors import CompareError


def _formats(text: str) -> list[str]:
    from .style import FORMATS

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise argparse.ArgumentTypeError(
            f"unknown format {bad[0] if bad else text!r}; use a comma list of {', '.join(FORMATS)}"
        )
    return formats


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number >= 1, got {text!r}")
    return jobs


def parser(prog: str = "diffcompare") -> argparse.ArgumentParser:
    """The argument parser (experiments as positional subcommands)."""
    from . import __version__
    from .runner import experiment_names

    names = experiment_names()
    p = argparse.ArgumentParser(
        prog=prog,
        description="Symbolic, numerical and automatic differentiation measured side by side: "
        "runs experiments and writes figures, their data (CSV) and a report.",
        epilog="experiments: all (default), " + ", ".join(names) + ". Also: "
        f"{prog} explain FORMULA --at X --out DIR (a step-through page and animation of "
        "one sweep; see explain --help)",
    )
    p.add_argument(
        "experiments",
        nargs="*",
        default=["all"],
        metavar="EXPERIMENT",
        help="which experiments to run: all (default) or any of: " + ", ".join(names),
    )
    p.add_argument("--out", default="figures", help="output folder (default: figures/)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, well under a minute")
    size.add_argument("--full", action="store_true", help="paper-grade data (slow)")
    p.add_argument(
        "--format",
        type=_formats,
        default=["png"],
        help="figure formats, comma separated: png,pdf,svg (default: png)",
    )
    p.add_argument(
        "--style",
        choices=["paper", "slides"],
        default="paper",
        help="paper: serif, 3.5 or 7 in wide, 8-9 pt; slides: exactly 16:9 (2560 x 1440 px), large type",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--from-csv",
        action="store_true",
        help="replot from the CSV files in --out without recomputing",
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="run the experiments in N processes (default 1: serially)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument("--version", action="version", version=f"diffcompare {__version__}")
    return p


def main(argv: Sequence[str] | None = None, prog: str = "diffcompare") -> int:
    """Entry point of `diffcompare` and `python -m compare` (`prog` names the command in
    messages and in the report); returns the exit status: 0 when every experiment ran, 1 if
    one failed, 2 for bad arguments (a bad --out, --from-csv with nothing to read)."""
    from .runner import experiment_names, experiments

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["explain"]:  # the step-through page of one sweep (compare.explain)
        from .explain import main as explain_main

        return explain_main(argv[1:])
    early = _out_problem(argv)
    if early is not None:  # a bad --out is refused before anything is imported or run
        print(f"{prog}: {early}", file=sys.stderr)
        return 2
    args = parser(prog).parse_args(argv)
    if args.list:
        for experiment in experiments():
            print(f"{experiment.name:18s} {experiment.title}")
        return 0
    unknown = [n for n in args.experiments if n not in {"all", *experiment_names()}]
    if unknown:
        from expr.checks import shown

        print(
            f"{prog}: no experiment {shown(unknown[0])}; choose from all, "
            f"{', '.join(experiment_names())}",
            file=sys.stderr,
        )
        return 2
    try:
        outcomes = _run(args, command=" ".join([prog, shlex.join(argv)]).strip())
    except CompareError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    for outcome in outcomes:
        figures = ", ".join(f.name for f in outcome.figures)
        print(
            f"{outcome.name:18s} {outcome.status:8s} {outcome.seconds:6.1f} s  "
            f"{figures or outcome.message}"
        )
    out = os.path.join(args.out, "")
    print(f"report: {out}report.md, {out}report.html")
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _run(args: argparse.Namespace, command: str) -> list[Any]:
    """Run what the parsed arguments ask for, serially or in a pool of --jobs processes."""
    from .runner import run

    preset = "quick" if args.quick else "full" if args.full else "default"
    executor = _executor(args.jobs)
    try:
        return run(
            args.experiments,
            args.out,
            preset,
            args.format,
            args.style,
            args.seed,
            args.from_csv,
            progress=not args.no_progress,
            executor=executor,
            command=command,
        )
    finally:
        if executor is not None:
            executor.shutdown()


def _out_problem(argv: Sequence[str]) -> str | None:
    """What is wrong with the --out of `argv` (None if nothing, or if --from-csv only reads
    it), found with a two-option parser and without creating anything: no experiment is
    imported before the check."""
    from .result import out_dir_problem

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--out", default="figures")
    early.add_argument("--from-csv", action="store_true")
    known, _ = early.parse_known_args(argv)
    return None if known.from_csv else out_dir_problem(known.out)


#: Thread pools of the numeric libraries, one thread per worker under --jobs: N processes
#: of one thread each fill N cores (their default, one thread per core in every worker,
#: oversubscribes the machine and makes the parallel run slower than it need be).
THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _executor(jobs: int) -> Any:
    """A process pool of `jobs` single-threaded workers (None for 1: run serially in this
    process). The workers fork from a fresh server process that reads the thread limits
    when it starts (a plain fork would inherit this process's BLAS thread pool); preloading
    the experiments there made the SymPy-heavy ones slower (measured), so each worker
    imports what its experiments use."""
    if jobs == 1:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for name in THREAD_LIMITS:  # this process is the command: its environment is ours
        os.environ.setdefault(name, "1")
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
