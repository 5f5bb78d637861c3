"""A caption cannot disagree with its plot: the runner selects each figure's data once and
hands that one object to the plot and to the caption, and every number the caption prints
is read off that selection (figures drawn from the gallery's CSV files, figures/)."""

from __future__ import annotations

import bisect
import dataclasses
import inspect
import math
import re

import matplotlib
import pytest

matplotlib.use("Agg")

import compare.runner as runner
from compare.records import write_tables
from compare.registry import FigureSpec, as_given
from compare.runner import experiments, figure_spec
from tests.test_compare_figures import gallery_records

FIGURES = [spec.name for e in experiments() for spec in e.figures]
#: A number as a caption prints it: 3.8, 1.2e-11, 410, 3.2x (a sign is not part of it).
NUMBER = re.compile(r"(?<![\w.^])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![a-wyzA-Z0-9_^])")


def numbers_in(value) -> list[float]:
    """Every finite number held by a selection: dataclass fields, dict values, list and
    tuple items (walked iteratively), and the numbers written in its strings ("1.5 × He")."""
    found, todo = [], [value]
    while todo:
        item = todo.pop()
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            todo += [getattr(item, f.name) for f in dataclasses.fields(item)]
        elif isinstance(item, dict):
            todo += list(item.values())
        elif isinstance(item, (list, tuple)):
            todo += list(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item):
            found.append(abs(float(item)))
        elif isinstance(item, str):
            found += [float(t) for t in NUMBER.findall(item)]
    return found


def perturbed(value, counter: list[int]):
    """A copy of a selection with every float multiplied by its own factor (1.1 ... 1.7):
    numbers the caption computes from the selection change, the caption's own wording
    (constants such as "50-digit") does not."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: perturbed(getattr(value, f.name), counter) for f in dataclasses.fields(value)
        }
        return type(value)(**fields)
    if isinstance(value, dict):
        return {k: perturbed(v, counter) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(perturbed(v, counter) for v in value)
    if isinstance(value, float) and math.isfinite(value):
        counter[0] += 1
        return value * (1.1 + 0.1 * (counter[0] % 7))
    return value


def quoted(caption: str) -> list[str]:
    """The non-integer numbers a caption prints (integers are counts, sizes and settings,
    checked by the experiments' own tests)."""
    return [t for t in NUMBER.findall(caption) if "." in t or "e" in t]


def found(text: str, pool: list[float]) -> bool:
    """Whether the printed number `text` is a number of the sorted `pool` rounded as
    printed (to its last printed digit)."""
    value = float(text)
    mantissa = text.split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(text.split("e")[1]) if "e" in text else 0
    tolerance = 0.5 * 10.0 ** (exponent - decimals) * (1 + 1e-9)
    index = bisect.bisect_left(pool, value - tolerance)
    return index < len(pool) and pool[index] <= value + tolerance


def wording(spec: FigureSpec, chosen) -> set[str]:
    """The numbers of a caption's own wording ("50-digit", "x0 = 0.2"): written in the
    source of the figure's module and printed unchanged when every number of the
    selection changes."""
    source = inspect.getsource(inspect.getmodule(spec.caption))
    return {t for t in quoted(spec.caption(perturbed(chosen, [0]))) if t in source}


def _spied(spec: FigureSpec, seen: dict[str, list]) -> FigureSpec:
    def select(records):
        seen["select"].append(spec.select(records))
        return seen["select"][-1]

    def plot(chosen, fig=None, ax=None):
        seen["plot"].append(chosen)
        return spec.plot(chosen, fig=fig, ax=ax)

    def caption(chosen):
        seen["caption"].append(chosen)
        seen["text"].append(spec.caption(chosen))
        return seen["text"][-1]

    return dataclasses.replace(spec, select=select, plot=plot, caption=caption)


@pytest.mark.parametrize("name", FIGURES)
def test_the_caption_quotes_the_selection_the_plot_draws(name, tmp_path, monkeypatch):
    experiment, spec = figure_spec(name)
    assert spec.select is not as_given, f"{name} declares no selection of its own"
    seen: dict[str, list] = {"select": [], "plot": [], "caption": [], "text": []}
    spied = dataclasses.replace(
        experiment,
        figures=tuple(
            _spied(s, seen) if s is spec else dataclasses.replace(s, plot=_blank, files=None)
            for s in experiment.figures
        ),
    )
    monkeypatch.setattr(runner, "get", lambda _: spied)
    write_tables(gallery_records(name), tmp_path, experiment.name)
    outcome = runner.run_one(experiment.name, tmp_path, from_csv=True)
    assert outcome.status == "ok", outcome.message
    # one selection, handed to both
    assert len(seen["select"]) == 1
    assert seen["plot"][0] is seen["select"][0] and seen["caption"][0] is seen["select"][0]
    caption = seen["text"][0]
    assert caption in [f.caption for f in outcome.figures]
    chosen = seen["select"][0]
    pool = sorted(numbers_in(chosen))
    fixed = wording(spec, chosen)
    missing = [t for t in quoted(caption) if t not in fixed and not found(t, pool)]
    assert not missing, f"{name}: the caption prints {missing}, not in its selection: {caption}"


def _blank(chosen, fig=None, ax=None):
    from matplotlib.figure import Figure

    return Figure(figsize=(1, 1))


def test_the_perturbation_changes_the_numbers_a_caption_reads():
    """The check above is not empty: the crossover's caption prints numbers that the
    perturbation changes, all of them in the selection, and a caption that computed a
    number of its own would be caught."""
    _, spec = figure_spec("fig04_crossover")
    chosen = spec.select(gallery_records("fig04_crossover"))
    pool = sorted(numbers_in(chosen))
    caption = spec.caption(chosen)
    changed = set(quoted(caption)) - set(quoted(spec.caption(perturbed(chosen, [0]))))
    assert len(changed) >= 3 and all(found(t, pool) for t in changed) and not wording(spec, chosen)
    derived = f"{chosen.rows[0]['ratio'] * 7.77:.3g}"  # a number made up from one it holds
    assert not found(derived, pool) and not found("123.456", pool)


def test_a_notebook_result_captions_the_selection_its_figures_draw():
    import compare

    result = compare.run_experiment("worked_example", "quick")
    _ = result.figures
    _, spec = figure_spec("fig10_worked_example")
    assert result.caption() == spec.caption_of(result.records)
