"""What users see: every figure of the gallery, in both styles, drawn from the gallery's own
CSV files (figures/): exact sizes (16:9 slides, 3.5 or 7 in paper), no text on text, and
every multi-panel figure drawn into a user's SubFigure."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

import compare
from compare.records import read_tables
from compare.runner import experiment_names, experiments, figure_spec
from compare.style import save_figure, style_context

GALLERY = Path(__file__).resolve().parent.parent / "figures"
FIGURES = [spec.name for e in experiments() for spec in e.figures]
MULTI_PANEL = [spec.name for e in experiments() for spec in e.figures if spec.panels > 1]


def gallery_records(name: str, source: Path = GALLERY) -> list[dict]:
    """The records of the experiment behind figure `name`, from the gallery CSV (an
    experiment not yet in the gallery is run on its quick preset)."""
    experiment, _ = figure_spec(name)
    try:
        return read_tables(source, experiment.name, experiment_names())
    except compare.CompareError:
        return _quick_records(experiment.name)


@functools.cache
def _quick_records(name: str) -> list[dict]:
    return compare.run_experiment(name, "quick").records


def draw_gallery_figure(name: str, style: str, source: Path = GALLERY, **kwargs) -> Figure:
    """Figure `name` drawn (and rendered) in `style` from the gallery's records."""
    with style_context(style):
        fig = compare.plot(name, gallery_records(name, Path(source)), style=style, **kwargs)
        # at the resolution it is saved at: text extents do not scale exactly with dpi
        fig.get_figure(root=True).set_dpi(matplotlib.rcParams["savefig.dpi"])
        fig.canvas.draw()
    return fig


def _all_axes(fig) -> list:
    axes = list(fig.axes)
    for sub in getattr(fig, "subfigs", []):
        axes += _all_axes(sub)
    return list(dict.fromkeys(axes))


def _legends(fig) -> list:
    found = list(fig.legends)
    for sub in getattr(fig, "subfigs", []):
        found += _legends(sub)
    return found + [ax.get_legend() for ax in _all_axes(fig) if ax.get_legend() is not None]


def _figure_texts(fig) -> list:
    found = list(fig.texts)
    for sub in getattr(fig, "subfigs", []):
        found += _figure_texts(sub)
    return found


def texts(fig) -> list:
    """Every visible, non-empty text artist of the rendered figure outside legends: titles,
    axis labels, tick labels in view, annotations, table cells, figure texts."""
    found = _figure_texts(fig)
    for ax in _all_axes(fig):
        if not ax.get_visible():
            continue
        found += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            if ax.axison:
                found += [axis.label, axis.get_offset_text()]
                for tick in axis._update_ticks():  # the ticks in view, as drawn
                    found += [tick.label1, tick.label2]
        for table in ax.tables:
            found += [cell.get_text() for cell in table.get_celld().values()]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def overlaps(fig, tolerance: float = 1.0) -> list[tuple]:
    """Pairs (text, text) and (text, legend) whose rendered window extents overlap by more
    than `tolerance` pixels in both directions, (legend, legend) likewise, and (text or
    legend, "the edge of the figure") for what runs off the figure."""
    renderer = fig.canvas.get_renderer()
    boxes = [(t, t.get_window_extent(renderer)) for t in texts(fig)]

    def clash(a, b) -> bool:
        width = min(a.x1, b.x1) - max(a.x0, b.x0)
        height = min(a.y1, b.y1) - max(a.y0, b.y0)
        return width > tolerance and height > tolerance

    found = [
        (s, t) for (s, a), (t, b) in itertools.combinations(boxes, 2) if s is not t and clash(a, b)
    ]
    frames = [(legend, legend.get_window_extent(renderer)) for legend in _legends(fig)]
    for legend, frame in frames:
        found += [(t, legend) for t, box in boxes if clash(box, frame)]
    found += [(a, b) for (a, s), (b, r) in itertools.combinations(frames, 2) if clash(s, r)]
    boxes += frames  # legends too must stay inside the figure
    edge = fig.get_figure(root=True).bbox
    found += [
        (t, "the edge of the figure")
        for t, box in boxes
        if box.x0 < edge.x0 - tolerance
        or box.y0 < edge.y0 - tolerance
        or box.x1 > edge.x1 + tolerance
        or box.y1 > edge.y1 + tolerance
    ]
    return found


def _describe(pairs: list[tuple]) -> list[str]:
    def text_of(artist) -> str:
        if isinstance(artist, str):
            return artist
        get = getattr(artist, "get_text", None)
        return repr(get()) if get else type(artist).__name__

    return [f"{text_of(a)} on {text_of(b)}" for a, b in pairs[:6]]


@pytest.mark.parametrize("style", ["paper", "slides"])
@pytest.mark.parametrize("name", FIGURES)
def test_no_text_on_text_and_exact_sizes(name, style, tmp_path):
    """No text overlaps text or a legend, nothing runs off the figure, and the written PNG
    is exactly 16:9 (slides) or 3.5 / 7 in wide at 200 dpi (paper)."""
    from matplotlib.image import imread

    fig = draw_gallery_figure(name, style)
    found = overlaps(fig)
    assert not found, _describe(found)
    with style_context(style):
        (path,) = save_figure(fig, tmp_path, name, ["png"])
    height, width = imread(path).shape[:2]
    if style == "slides":
        assert (width, height) == (2560, 1440)
    else:
        assert width in (700, 1400), width  # 3.5 in or 7 in at 200 dpi


@pytest.mark.parametrize("name", MULTI_PANEL)
def test_multi_panel_figures_draw_into_a_users_subfigure(name):
    outer = Figure(figsize=(12, 5), layout="constrained")
    left, right = outer.subfigures(1, 2, width_ratios=[2, 1])
    right.subplots().plot([0, 1], [1, 0])
    drawn = compare.plot(name, gallery_records(name), fig=left)
    assert drawn is left
    assert len(left.axes) >= 2 and all(ax.get_figure(root=True) is outer for ax in left.axes)
    assert len(right.axes) == 1
    outer.canvas.draw()  # renders without error


def test_a_multi_panel_figure_refuses_a_single_axes():
    fig, ax = plt.subplots()
    with pytest.raises(compare.CompareError, match="SubFigure"):
        compare.plot("fig06_memory", gallery_records("fig06_memory"), ax=ax)
    plt.close(fig)
    single = plt.figure()
    ax = single.subplots()
    assert compare.plot("crossover", gallery_records("fig04_crossover"), ax=ax) is single
    plt.close(single)
