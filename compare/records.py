"""Tidy records: a list of flat dicts (one observation per row), and their CSV round trip.

>>> rows = [{"method": "central", "h": 1e-5, "error": 3.2e-11, "ok": True}]
>>> import io
>>> buffer = io.StringIO()
>>> write_csv(rows, buffer)
>>> read_csv(io.StringIO(buffer.getvalue())) == rows
True
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .errors import CompareError

Record = dict[str, Any]

_SCALARS = (str, int, float, bool, type(None))


def _flat_value(key: str, value: Any) -> Any:
    """A value a CSV cell can hold: numpy scalars become Python numbers."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, _SCALARS):
        return value
    raise CompareError(
        f"record field {key!r} holds a {type(value).__name__}; tidy records hold flat "
        "scalars only (str, int, float, bool, None)"
    )


def tidy(rows: Iterable[Record]) -> list[Record]:
    """The rows as plain flat dicts of Python scalars (numpy scalars converted). O(cells)."""
    return [{key: _flat_value(key, value) for key, value in row.items()} for row in rows]


def columns(rows: Sequence[Record]) -> list[str]:
    """The union of keys, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _check_rows(rows: Any, what: str) -> None:
    if isinstance(rows, (str, bytes, dict)) or not isinstance(rows, Sequence):
        raise CompareError(
            f"{what} must be a list of dicts (tidy records), got {type(rows).__name__}"
        )
    bad = next((row for row in rows if not isinstance(row, dict)), None)
    if bad is not None:
        raise CompareError(f"{what} must be a list of dicts; one row is a {type(bad).__name__}")


def _check_target(target: Any, what: str) -> None:
    if not isinstance(target, (str, Path)) and not hasattr(
        target, "write" if what == "target" else "read"
    ):
        raise CompareError(
            f"{what} must be a path (str or Path) or an open text file, got {type(target).__name__}"
        )


def write_csv(rows: Sequence[Record], target: str | Path | IO[str]) -> None:
    """Write rows as CSV (header = union of keys; missing cells empty; floats round-trip)."""
    _check_rows(rows, "rows")
    _check_target(target, "target")
    rows = tidy(rows)
    header = columns(rows)
    if isinstance(target, (str, Path)):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", newline="", encoding="utf-8") as handle:
            _write(rows, header, handle)
    else:
        _write(rows, header, target)


def _write(rows: list[Record], header: list[str], handle: IO[str]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in header])


def parse_cell(text: str) -> Any:
    """A CSV cell back to a Python scalar: '' -> None, True/False, int, float, else str.

    >>> parse_cell("1e-16"), parse_cell("3"), parse_cell("inf"), parse_cell("sympy")
    (1e-16, 3, inf, 'sympy')
    """
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if not math.isnan(value) or text.lower() == "nan" else text


def read_csv(source: str | Path | IO[str]) -> list[Record]:
    """Rows written by `write_csv`, with numbers, booleans and None restored (rows keep only
    their non-empty cells)."""
    _check_target(source, "source")
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise CompareError(
                f"no records file {path}; run the experiment first (without --from-csv) to write it"
            )
        with open(path, newline="", encoding="utf-8") as handle:
            return _read(handle)
    return _read(source)


def _read(handle: IO[str]) -> list[Record]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        return []
    rows = []
    for line in reader:
        row = {}
        for key, text in zip(header, line):
            value = parse_cell(text)
            if value is not None:
                row[key] = value
        rows.append(row)
    return rows


def select(rows: Iterable[Record], **match: Any) -> list[Record]:
    """Rows whose fields equal every given value.

    >>> select([{"a": 1, "b": 2}, {"a": 2}], a=1)
    [{'a': 1, 'b': 2}]
    """
    return [row for row in rows if all(row.get(k) == v for k, v in match.items())]


def unique(rows: Iterable[Record], key: str) -> list[Any]:
    """Distinct values of a field, in first-seen order (missing fields skipped)."""
    seen: dict[Any, None] = {}
    for row in rows:
        if key in row and row[key] is not None:
            seen.setdefault(row[key], None)
    return list(seen)


#: The field that names the table of a row when an experiment records several tables.
TABLE_KEY = "kind"


def split_tables(rows: Sequence[Record]) -> dict[str, list[Record]]:
    """Rows grouped by their table (the `kind` field, dropped from each row); rows without
    one form the table "". One observation per row, one table per group.

    >>> split_tables([{"kind": "a", "x": 1}, {"kind": "b", "y": 2}, {"kind": "a", "x": 3}])
    {'a': [{'x': 1}, {'x': 3}], 'b': [{'y': 2}]}
    """
    tables: dict[str, list[Record]] = {}
    for row in rows:
        key = row.get(TABLE_KEY) or ""
        tables.setdefault(str(key), []).append({k: v for k, v in row.items() if k != TABLE_KEY})
    return tables


def table_path(out_dir: str | Path, name: str, table: str) -> Path:
    """The CSV file of one table of experiment `name`: name.csv, or name_table.csv."""
    return Path(out_dir) / (f"{name}_{table}.csv" if table else f"{name}.csv")


def write_tables(rows: Sequence[Record], out_dir: str | Path, name: str) -> list[Path]:
    """Write each table of `rows` to its own CSV file (see `table_path`); return the paths."""
    paths = []
    for table, part in split_tables(rows).items():
        path = table_path(out_dir, name, table)
        write_csv(part, path)
        paths.append(path)
    return paths


def table_files(out_dir: str | Path, name: str, others: Sequence[str] = ()) -> list[Path]:
    """The CSV files of experiment `name` in out_dir (name.csv and name_*.csv, leaving out
    the files of the experiments named in `others` whose names extend this one)."""
    out = Path(out_dir)
    longer = [o for o in others if o != name and o.startswith(name + "_")]
    found = [out / f"{name}.csv"] if (out / f"{name}.csv").is_file() else []
    for path in sorted(out.glob(f"{name}_*.csv")):
        if not any(path.stem == o or path.stem.startswith(o + "_") for o in longer):
            found.append(path)
    return found


def read_tables(out_dir: str | Path, name: str, others: Sequence[str] = ()) -> list[Record]:
    """The records written by `write_tables` (each row gets its table back under `kind`)."""
    files = table_files(out_dir, name, others)
    if not files:
        raise CompareError(
            f"no records of {name!r} in {out_dir} (no {name}.csv or {name}_*.csv); run the "
            "experiment first (without --from-csv) to write them"
        )
    rows: list[Record] = []
    for path in files:
        table = path.stem[len(name) + 1 :]
        for row in read_csv(path):
            rows.append({TABLE_KEY: table, **row} if table else row)
    return rows
