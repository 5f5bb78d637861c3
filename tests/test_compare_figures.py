"""What users see: every figure of the gallery, in both styles, drawn from the gallery's own
CSV files (figures/): exact sizes (16:9 slides, 3.5 or 7 in paper), no text on text, and
every multi-panel figure drawn into a user's SubFigure."""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.transforms import Bbox

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


def _crosses(points, box) -> bool:
    """Whether the polyline through `points` (display coordinates, NaN = a gap) passes
    through the rectangle `box` (Liang-Barsky clipping of each segment)."""
    start, end = points[:-1], points[1:]
    hit = np.isfinite(start).all(axis=1) & np.isfinite(end).all(axis=1)
    step = end - start
    low, high = np.zeros(len(step)), np.ones(len(step))
    with np.errstate(divide="ignore", invalid="ignore"):
        for toward, room in (
            (-step[:, 0], start[:, 0] - box.x0),
            (step[:, 0], box.x1 - start[:, 0]),
            (-step[:, 1], start[:, 1] - box.y0),
            (step[:, 1], box.y1 - start[:, 1]),
        ):
            parallel = toward == 0
            hit &= ~(parallel & (room < 0))
            ratio = room / toward
            low = np.where(~parallel & (toward < 0), np.maximum(low, ratio), low)
            high = np.where(~parallel & (toward > 0), np.minimum(high, ratio), high)
    return bool(np.any(hit & (low <= high)))


def _inside(points, box, pad: float) -> bool:
    """Whether a point (a marker of radius `pad` pixels) lies in `box`."""
    x, y = points[:, 0], points[:, 1]
    return bool(
        np.any((x > box.x0 - pad) & (x < box.x1 + pad) & (y > box.y0 - pad) & (y < box.y1 + pad))
    )


def _data(ax) -> list[tuple]:
    """(artist, display points, is a line, marker radius in pixels) of the data drawn in `ax`:
    its lines (with their markers), scatter points and line collections."""
    from matplotlib.collections import LineCollection, PathCollection

    dpi = ax.get_figure(root=True).dpi
    drawn = []
    for line in ax.get_lines():
        if not line.get_visible() or len(line.get_xydata()) == 0:
            continue
        points = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        joined = line.get_linestyle() not in ("None", "none", "", " ")
        marker = line.get_marker() not in ("None", "none", "", " ", None)
        drawn.append((line, points, joined, line.get_markersize() * dpi / 144 if marker else 0.0))
    for collection in ax.collections:
        if not collection.get_visible():
            continue
        if isinstance(collection, PathCollection) and len(collection.get_offsets()):
            points = collection.get_offset_transform().transform(collection.get_offsets())
            sizes = collection.get_sizes()
            radius = float(np.sqrt(sizes.max())) * dpi / 144 if len(sizes) else 0.0
            drawn.append((collection, points, False, radius))
        elif isinstance(collection, LineCollection):
            for segment in collection.get_segments():
                points = collection.get_transform().transform(segment)
                drawn.append((collection, points, True, 0.0))
    return drawn


def legends_on_data(fig, tolerance: float = 1.0) -> list[tuple]:
    """Pairs (legend, data artist) where a legend's frame covers a plotted line, marker or
    scatter point of any axes (the visible part: clipped to that axes)."""
    renderer = fig.canvas.get_renderer()
    found = []
    for legend in _legends(fig):
        frame = legend.get_window_extent(renderer).padded(-tolerance)
        for ax in _all_axes(fig):
            if not ax.get_visible():
                continue
            box = Bbox.intersection(frame, ax.get_window_extent(renderer))
            if box is None or box.width <= 0 or box.height <= 0:
                continue
            for artist, points, joined, radius in _data(ax):
                if (joined and _crosses(points, box)) or (radius and _inside(points, box, radius)):
                    found.append((legend, artist))
    return found


def _describe(pairs: list[tuple]) -> list[str]:
    def text_of(artist) -> str:
        if isinstance(artist, str):
            return artist
        if isinstance(artist, Legend):
            return f"legend {[t.get_text() for t in artist.get_texts()][:3]}"
        get = getattr(artist, "get_text", None)
        if get is None and hasattr(artist, "get_label"):
            return f"{type(artist).__name__} {artist.get_label()!r}"
        return repr(get()) if get else type(artist).__name__

    return [f"{text_of(a)} on {text_of(b)}" for a, b in pairs[:6]]


@pytest.mark.parametrize("style", ["paper", "slides"])
@pytest.mark.parametrize("name", FIGURES)
def test_no_text_on_text_and_exact_sizes(name, style, tmp_path):
    """No text overlaps text or a legend, no legend covers plotted data, nothing runs off
    the figure, and the written PNG is exactly 16:9 (slides) or 3.5 / 7 in wide at 200 dpi
    (paper)."""
    from matplotlib.image import imread

    fig = draw_gallery_figure(name, style)
    found = overlaps(fig)
    assert not found, _describe(found)
    covered = legends_on_data(fig)
    assert not covered, _describe(covered)
    titles = [legend.get_title().get_text() for legend in _legends(fig)]
    assert not [t for t in titles if re.fullmatch(r"\W*\(?[a-z]\)?\W*", t)], titles  # no "(b)"
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
