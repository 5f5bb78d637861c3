"""Helpers shared by the figure functions: error floors, guides, panel titles."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

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
    ax: Any, nrows: int = 1, ncols: int = 1, aspect: float = 0.4, width: str = "double"
) -> tuple[Any, list[Any]]:
    """(figure, flat list of axes): the given ax (and its figure) or a new styled figure."""
    if ax is not None:
        axes = list(ax) if isinstance(ax, (list, tuple)) else [ax]
        return axes[0].figure, axes
    from ..style import new_figure

    fig, grid = new_figure(nrows, ncols, aspect=aspect, width=width)
    return fig, list(grid.ravel())


def slope_guide(
    ax: Any,
    x0: float,
    y0: float,
    slope: float,
    decades: float,
    text: str,
    direction: int = 1,
    **kwargs: Any,
) -> None:
    """A thin grey line of the given log-log slope from (x0, y0) over `decades` of x,
    labelled at its far end. direction=-1 draws towards smaller x."""
    x1 = x0 * 10 ** (direction * decades)
    y1 = y0 * (x1 / x0) ** slope
    ax.plot([x0, x1], [y0, y1], color=GUIDE, lw=0.8, ls="--", zorder=1)
    ax.annotate(
        text,
        (x1, y1),
        xytext=(2, 0),
        textcoords="offset points",
        color="0.35",
        fontsize="small",
        va="center",
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
