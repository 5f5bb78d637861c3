"""The command: `diffcompare [EXPERIMENT ...] [options]` (= `python -m compare`).

Runs every experiment by default ("all"), writes figures, CSV, report.md and report.html
into --out (default `figures/`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def parser() -> argparse.ArgumentParser:
    """The argument parser (experiments as positional subcommands)."""
    from . import __version__
    from .runner import experiment_names

    names = experiment_names()
    p = argparse.ArgumentParser(
        prog="diffcompare",
        description="Symbolic, numerical and automatic differentiation measured side by side: "
        "runs experiments and writes figures, their data (CSV) and a report.",
        epilog="experiments: all (default), " + ", ".join(names),
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
        help="paper: serif, 7 in wide, 8-9 pt; slides: 16:9, large type",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--from-csv",
        action="store_true",
        help="replot from the CSV files in --out without recomputing",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument("--version", action="version", version=f"diffcompare {__version__}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `diffcompare` and `python -m compare`; returns the exit status
    (0 when every experiment ran or was skipped for a missing backend, 1 if one failed)."""
    from .runner import experiment_names, experiments, run

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["explain"]:  # the step-through page of one sweep (compare.explain)
        from .explain import main as explain_main

        return explain_main(argv[1:])
    args = parser().parse_args(argv)
    if args.list:
        for experiment in experiments():
            print(f"{experiment.name:18s} {experiment.title}")
        return 0
    known = set(experiment_names()) | {"all"}
    unknown = [n for n in args.experiments if n not in known]
    if unknown:
        print(
            f"diffcompare: no experiment {unknown[0]!r}; choose from all, "
            f"{', '.join(experiment_names())}",
            file=sys.stderr,
        )
        return 2
    preset = "quick" if args.quick else "full" if args.full else "default"
    try:
        results = run(
            args.experiments,
            args.out,
            preset,
            args.format,
            args.style,
            args.seed,
            args.from_csv,
            progress=not args.no_progress,
        )
    except CompareError as error:
        print(f"diffcompare: {error}", file=sys.stderr)
        return 2
    for result in results:
        figures = ", ".join(f.name for f in result.figures)
        print(
            f"{result.name:18s} {result.status:8s} {result.seconds:6.1f} s  "
            f"{figures or result.message}"
        )
    print(f"report: {args.out}/report.md, {args.out}/report.html")
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
