"""Helpers shared by the figure functions: error floors, guides, panel titles."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import CompareError
from ..records import Record
from ..style import GUIDE

EPS64 = 2.220446049250313e-16
EPS32 = 1.1920928955078125e-07
#: Errors of exactly 0 are drawn at this floor (log axes cannot show 0).
FLOOR = 1e-17


def shown(error: float | None, floor: float = FLOOR) -> float:
    """An error as drawn on a log axis: exact zeros at `floor`.

    >>> shown(0.0), shown(1e-3)
    (1e-17, 0.001)
    """
    if error is None or not math.isfinite(error):
        return math.nan
    return max(abs(error), floor)


def axes_of(
    fig: Any,
    ax: Any,
    nrows: int = 1,
    ncols: int = 1,
    aspect: float = 0.4,
    width: str = "double",
    **gridspec: Any,
) -> tuple[Any, list[Any]]:
    """(figure, flat list of nrows x ncols axes) to draw into: a grid made in the given
    Figure or SubFigure `fig`, the given Axes `ax` (single-panel figures only), or a new
    figure sized by the current style. `gridspec` goes to the grid (height_ratios, ...)."""
    check_target(fig, ax)
    if ax is not None:
        if nrows * ncols > 1:
            raise CompareError(
                f"this figure has {nrows * ncols} panels and cannot draw into one Axes; pass "
                "fig= (a Figure or SubFigure) instead"
            )
        return ax.figure, [ax]
    if fig is not None:
        grid = fig.subplots(nrows, ncols, squeeze=False, gridspec_kw=gridspec or None)
        return fig, list(grid.ravel())
    from ..style import new_figure

    new, grid = new_figure(nrows, ncols, aspect=aspect, width=width, gridspec_kw=gridspec or None)
    return new, list(grid.ravel())


def check_target(fig: Any, ax: Any) -> None:
    """Refuse a `fig` that is not a matplotlib Figure or SubFigure, or an `ax` that is not
    an Axes (None is fine for either)."""
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    if ax is not None and not isinstance(ax, Axes):
        raise CompareError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if fig is not None and not isinstance(fig, FigureBase):
        raise CompareError(
            f"fig must be a matplotlib Figure or SubFigure, got {type(fig).__name__}"
        )


def slope_guide(
    ax: Any,
    x0: float,
    y0: float,
    slope: float,
    decades: float,
    text: str,
    direction: int = 1,
    va_offset: float = 0.0,
    **kwargs: Any,
) -> None:
    """A thin grey line of the given log-log slope from (x0, y0) over `decades` of x,
    labelled at its far end (raised by `va_offset` points). direction=-1 draws towards
    smaller x."""
    x1 = x0 * 10 ** (direction * decades)
    y1 = y0 * (x1 / x0) ** slope
    ax.plot([x0, x1], [y0, y1], color=GUIDE, lw=0.8, ls="--", zorder=1)
    ax.annotate(
        text,
        (x1, y1),
        xytext=(2, va_offset),
        textcoords="offset points",
        color="0.35",
        fontsize="small",
        va="bottom" if va_offset else "center",
        ha="left" if direction > 0 else "right",
        **kwargs,
    )


def finite(values: Iterable[float | None]) -> list[float]:
    """The finite numbers among `values`."""
    return [v for v in values if v is not None and math.isfinite(v)]


def argmin_row(rows: Sequence[Record], key: str) -> Record | None:
    """The row with the smallest finite `key` (None if there is none)."""
    candidates = [r for r in rows if r.get(key) is not None and math.isfinite(r[key])]
    return min(candidates, key=lambda r: r[key]) if candidates else None


def sci(value: float | None, digits: int = 2) -> str:
    """A number for a caption: 1.2e-11 style, '0' for exact zero, 'n/a' for missing.

    >>> sci(1.234e-11), sci(0.0), sci(None)
    ('1.2e-11', '0', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if value == 0:
        return "0"
    text = f"{value:.{digits - 1}e}"
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"
