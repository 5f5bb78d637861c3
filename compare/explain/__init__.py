"""`diffcompare explain FORMULA --at X --out DIR`: one forward and backward sweep, step by step.

Writes DIR/explain.html (one self-contained page: inline SVG, CSS and script, no network)
and DIR/explain.gif (the same walk as an animation, one frame per step); `--format mp4`
adds DIR/explain.mp4 where ffmpeg exists. FORMULA is a formula (parsed by `expr.parse`,
never evaluated) or a catalog name.

>>> import tempfile
>>> paths = explain("x1*x2 + sin(x1)", (2.0, 3.0), tempfile.mkdtemp(), formats=())
>>> [p.name for p in paths]
['explain.html']
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import expr

from ..errors import CompareError
from .page import render
from .walk import check, walk

FORMATS = ("gif", "mp4")


def function_of(text: str) -> tuple[expr.Function, tuple[float, ...] | None]:
    """(Function, the catalog's point or None) for a catalog name or a formula."""
    if text in expr.catalog.names():
        entry = expr.catalog.get(text)
        return entry.function(), getattr(entry, "point", None)
    return expr.parse(text), None


def parse_point(text: str | None, f: expr.Function, default: Sequence[float] | None) -> tuple:
    """The point from "2,3" (in the order of f's inputs), or the catalog default.

    >>> parse_point("2, 3", expr.parse("x1*x2"), None)
    (2.0, 3.0)
    """
    if text is None:
        if default is None:
            raise CompareError(
                f"--at is needed: give {f.n_inputs} numbers for {', '.join(f.input_names)}"
            )
        return tuple(float(x) for x in default)
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    try:
        point = tuple(float(p) for p in pieces)
    except ValueError:
        raise CompareError(f"--at takes numbers separated by commas, got {text!r}") from None
    if len(point) != f.n_inputs:
        raise CompareError(
            f"--at has {len(point)} numbers but the function has {f.n_inputs} inputs "
            f"({', '.join(f.input_names)}, in that order)"
        )
    return point


def explain(
    formula: str,
    at: Sequence[float] | str | None,
    out: str | Path,
    formats: Sequence[str] = ("gif",),
) -> list[Path]:
    """Write explain.html (and explain.gif / explain.mp4 per `formats`) into `out`; returns
    the paths written. Cost: one forward and one reverse sweep, one dual sweep per input,
    the 50-digit reference; the GIF draws one frame per step."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise CompareError(f"unknown animation format {bad[0]!r}; choose from {', '.join(FORMATS)}")
    f, default = function_of(formula)
    check(f)  # scalar inputs, one scalar output, few ops: before asking for a point
    point = at if isinstance(at, (tuple, list)) else parse_point(at, f, default)
    data = walk(f, point)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "explain.html"
    catalogued = formula in expr.catalog.names()
    title = f"{formula}: f = {f.to_sympy()}" if catalogued else f"f = {formula}"
    page.write_text(render(data, title), encoding="utf-8")
    paths = [page]
    for kind in formats:
        from .animation import write_animation

        if kind == "mp4" and not _has_ffmpeg():
            print("diffcompare explain: ffmpeg not found, so no MP4 was written", file=sys.stderr)
            continue
        paths.append(write_animation(f, data, folder / f"explain.{kind}", kind))
    return paths


def _has_ffmpeg() -> bool:
    from matplotlib.animation import writers

    return writers.is_available("ffmpeg")


def _glued(argv: Sequence[str]) -> list[str]:
    """`--at -1,2` as `--at=-1,2` (argparse takes "-1,2" for an option otherwise).

    >>> _glued(["x*y", "--at", "-1,2"])
    ['x*y', '--at=-1,2']
    """
    out, rest = [], list(argv)
    while rest:
        word = rest.pop(0)
        out.append(f"--at={rest.pop(0)}" if word == "--at" and rest else word)
    return out


def main(argv: Sequence[str]) -> int:
    """`diffcompare explain ...`; returns the exit status."""
    p = argparse.ArgumentParser(prog="diffcompare explain", description=__doc__.split("\n")[0])
    p.add_argument("formula", help="a formula such as 'x1*x2 + sin(x1)', or a catalog name")
    p.add_argument("--at", help="the point, comma separated in the order of the inputs (e.g. 2,3)")
    p.add_argument("--out", default="explain", help="output folder (default: explain/)")
    p.add_argument(
        "--format",
        default="gif",
        help="animations besides the page, comma separated: gif, mp4 (default gif; 'none' for none)",
    )
    args = p.parse_args(_glued(argv))
    formats = (
        [] if args.format == "none" else [f.strip() for f in args.format.split(",") if f.strip()]
    )
    if "mp4" in formats and "gif" not in formats:
        formats.insert(0, "gif")  # the GIF is always written with the page
    try:
        paths = explain(args.formula, args.at, args.out, formats)
    except expr.ExprError as error:
        print(f"diffcompare explain: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0
