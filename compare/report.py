"""report.md and report.html: every figure with its caption, the tables, the environment.

Captions are produced by each figure's caption function from the run's records, so every
number in the report was read off the data of that run. report.json keeps each
experiment's entry, so a run of one experiment updates its entry and keeps the others.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .environment import environment


@dataclass
class FigureResult:
    """A written figure: its stem, title, file names (in the output folder) and caption."""

    name: str
    title: str
    paths: list[str]
    caption: str


@dataclass
class Outcome:
    """What happened to one experiment in a run (and which preset made its records)."""

    name: str
    title: str
    status: str  # "ok" or "failed"
    message: str = ""
    seconds: float = 0.0
    rows: int = 0
    preset: str = "default"
    seed: int = 0
    command: str = ""
    csv: list[str] = field(default_factory=list)
    figures: list[FigureResult] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        """The outcome stored in report.json."""
        figures = [FigureResult(**f) for f in data.get("figures", [])]
        tables = [tuple(t) for t in data.get("tables", [])]
        names = {f.name for f in dataclasses.fields(cls)} - {"figures", "tables"}
        fields = {k: v for k, v in data.items() if k in names}
        return cls(**fields, figures=figures, tables=tables)


def figure_number(name: str) -> str:
    """The figure's number in FIGURES.md, read from its file stem ("fig03_cost" -> "3").

    >>> figure_number("fig03_cost_scaling"), figure_number("toy")
    ('3', 'toy')
    """
    digits = name[3:].split("_", 1)[0] if name.startswith("fig") else ""
    return str(int(digits)) if digits.isdigit() else name


def _image(figure: FigureResult) -> Path | None:
    by_suffix = {p.suffix: p for p in map(Path, figure.paths)}
    for suffix in (".png", ".svg"):
        if suffix in by_suffix:
            return by_suffix[suffix]
    return None


def _extras(figure: FigureResult) -> tuple[list[Path], list[Path]]:
    """(animations, pages) written beside a figure (FigureSpec.files: the explainer's)."""
    paths = list(map(Path, figure.paths))
    return [p for p in paths if p.suffix == ".gif"], [
        p for p in paths if p.suffix in (".html", ".mp4")
    ]


def _commands(results: Sequence[Outcome], settings: dict[str, str], quote: str) -> str:
    """The commands that produced the entries (each once), quoted."""
    found = dict.fromkeys(r.command for r in results if r.command) or {
        settings.get("command", "diffcompare"): None
    }
    return " and ".join(f"{quote}{c}{quote}" for c in found)


def _markdown(results: Sequence[Outcome], settings: dict[str, str], env: dict[str, str]) -> str:
    lines = ["# diffcompare: symbolic, numerical and automatic differentiation compared", ""]
    lines.append(
        f"Every figure below was produced by {_commands(results, settings, '`')}; the "
        "data behind each is in the CSV files of the same experiment, and every number in a "
        "caption is read off that data. The table at the end names the preset that produced "
        "each experiment's records."
    )
    lines += ["", "Run settings: " + ", ".join(f"{k} = `{v}`" for k, v in settings.items()), ""]
    for result in results:
        if result.status != "ok":
            continue
        for figure in result.figures:
            number = figure_number(figure.name)
            lines += [f"## Figure {number}. {figure.title}", ""]
            image = _image(figure)
            if image is not None:
                lines += [f"![{figure.title}]({image.name})", ""]
            else:
                links = ", ".join(f"[{p.suffix[1:]}]({p.name})" for p in map(Path, figure.paths))
                lines += [f"Files: {links}", ""]
            animations, pages = _extras(figure)
            lines += [f"![{figure.title}: animation]({p.name})" for p in animations]
            if pages:
                lines += ["", "Files: " + ", ".join(f"[{p.name}]({p.name})" for p in pages), ""]
            lines += [f"*Figure {number}.* {figure.caption}", ""]
        for title, table in result.tables:
            lines += [f"### {title}", "", table, ""]
    lines += [
        "## The experiments of this report",
        "",
        "| experiment | status | preset | seed | rows | time (s) | data | note |",
        "|---|---|---|---:|---:|---:|---|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.name} | {result.status} | {result.preset} | {result.seed} | "
            f"{result.rows} | {result.seconds:.1f} | {', '.join(result.csv)} | "
            f"{result.message.replace('|', '/')} |"
        )
    lines += ["", "## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in env.items()]
    lines.append("")
    return "\n".join(lines)


def _table_html(table: str) -> str:
    rows = [
        [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        for line in table.splitlines()
        if line.strip()
    ]
    if len(rows) < 2:
        return f"<pre>{html.escape(table)}</pre>"
    head, body = rows[0], rows[2:]
    out = [
        "<table>",
        "<tr>" + "".join(f"<th>{html.escape(c.strip())}</th>" for c in head) + "</tr>",
    ]
    for row in body:
        out.append("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


_CSS = """
body { font-family: Georgia, serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #222; }
figure { margin: 2em 0; } img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.95em; } table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; font-size: 0.9em; text-align: right; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def _html(results: Sequence[Outcome], settings: dict[str, str], env: dict[str, str]) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>diffcompare report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>diffcompare: symbolic, numerical and automatic differentiation compared</h1>",
        f"<p>Every figure below was produced by {esc(_commands(results, settings, ''))};"
        " the data behind each is in the CSV files of the same experiment, and every number in "
        "a caption is read off that data. The table at the end names the preset that produced "
        "each experiment's records.</p>",
        "<p>Run settings: "
        + ", ".join(f"{esc(k)} = <code>{esc(v)}</code>" for k, v in settings.items())
        + "</p>",
    ]
    for result in results:
        if result.status != "ok":
            continue
        for figure in result.figures:
            number = figure_number(figure.name)
            parts.append(f"<h2>Figure {number}. {esc(figure.title)}</h2><figure>")
            image = _image(figure)
            if image is not None:
                parts.append(f'<img src="{esc(image.name)}" alt="{esc(figure.title)}">')
            else:
                parts.append(
                    " ".join(
                        f'<a href="{esc(p.name)}">{esc(p.suffix[1:])}</a>'
                        for p in map(Path, figure.paths)
                    )
                )
            animations, pages = _extras(figure)
            parts += [f'<img src="{esc(p.name)}" alt="{esc(figure.title)}">' for p in animations]
            parts += [f'<p><a href="{esc(p.name)}">{esc(p.name)}</a></p>' for p in pages]
            parts.append(
                f"<figcaption><em>Figure {number}.</em> {esc(figure.caption)}</figcaption></figure>"
            )
        for title, table in result.tables:
            parts.append(f"<h3>{esc(title)}</h3>{_table_html(table)}")
    parts.append(
        "<h2>The experiments of this report</h2><table><tr><th>experiment</th><th>status</th>"
        "<th>preset</th><th>seed</th><th>rows</th><th>time (s)</th><th>data</th>"
        "<th>note</th></tr>"
    )
    for result in results:
        parts.append(
            f"<tr><td>{esc(result.name)}</td><td>{esc(result.status)}</td>"
            f"<td>{esc(result.preset)}</td><td>{result.seed}</td><td>{result.rows}</td>"
            f"<td>{result.seconds:.1f}</td><td>{esc(', '.join(result.csv))}</td>"
            f"<td>{esc(result.message)}</td></tr>"
        )
    parts.append("</table><h2>Environment</h2><table>")
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in env.items()]
    parts.append("</table></body></html>")
    return "\n".join(parts)


def write_report(
    results: Sequence[Outcome], out_dir: str | Path, settings: dict[str, str]
) -> tuple[Path, Path]:
    """Write out_dir/report.md, out_dir/report.html and report.json; return the first two."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text(_markdown(results, settings, env), encoding="utf-8")
    html_path.write_text(_html(results, settings, env), encoding="utf-8")
    state = {"settings": settings, "experiments": [dataclasses.asdict(r) for r in results]}
    (out / "report.json").write_text(json.dumps(state, indent=1), encoding="utf-8")
    return md_path, html_path


def read_outcomes(out_dir: str | Path) -> dict[str, Outcome]:
    """The entries of out_dir/report.json by experiment name ({} when there is none or it
    cannot be read)."""
    path = Path(out_dir) / "report.json"
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        outcomes = [Outcome.from_dict(data) for data in state.get("experiments", [])]
    except (ValueError, TypeError, AttributeError):
        return {}  # a damaged report.json is rewritten from this run alone
    return {outcome.name: outcome for outcome in outcomes}


def update_report(
    results: Sequence[Outcome],
    out_dir: str | Path,
    settings: dict[str, str],
    order: Sequence[str] = (),
) -> tuple[Path, Path]:
    """Merge `results` into the report of out_dir: an experiment run now replaces its entry,
    the other entries of report.json stay (a failed rerun keeps nothing stale: it replaces
    the entry too). Entries are ordered by `order` (then by name)."""
    merged = read_outcomes(out_dir)
    for result in results:
        merged[result.name] = result
    rank = {name: i for i, name in enumerate(order)}
    ordered = sorted(merged.values(), key=lambda r: (rank.get(r.name, len(rank)), r.name))
    if order:
        ordered = [r for r in ordered if r.name in rank]
    return write_report(ordered, out_dir, settings)


def markdown_table(
    rows: Sequence[dict], columns: Sequence[str], formats: dict[str, str] | None = None
) -> str:
    """A markdown table of `rows` restricted to `columns` (floats formatted per column).

    >>> print(markdown_table([{"a": 1.23456, "b": "x"}], ["a", "b"], {"a": ".2f"}))
    | a | b |
    |---|---|
    | 1.23 | x |
    """
    formats = formats or {}
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            if value is None:
                cells.append("")
            elif isinstance(value, float) and col in formats:
                cells.append(format(value, formats[col]))
            elif isinstance(value, float):
                cells.append(f"{value:.3g}")
            else:
                cells.append(str(value).replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
