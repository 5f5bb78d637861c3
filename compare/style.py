"""The look shared by every figure: one colour per method (Okabe–Ito), and two styles.

`paper`: vector-friendly, serif, 7 in (double column) or 3.5 in wide, 8–9 pt text.
`slides`: exactly 16:9 (12.8 x 7.2 in, 2560 x 1440 px at 200 dpi), 16–20 pt text, thick
lines. Figures are saved at their exact size (no tight bounding box). Both are matplotlib rc contexts:
nothing global is left behind after a `with style_context(...)` block.

>>> method_style("reverse")["color"]
'#009E73'
>>> method_style("central difference")["label"]
'central difference'
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CompareError, check_names

#: Okabe–Ito colours, by the role they play in every figure.
GREEN = "#009E73"
BLUE = "#0072B2"
PINK = "#CC79A7"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
SKY = "#56B4E9"
YELLOW = "#F0E442"
GUIDE = "0.55"


@dataclass(frozen=True)
class MethodStyle:
    """How one method is drawn: colour, line style, marker, legend label."""

    label: str
    color: str
    linestyle: str = "-"
    marker: str = "o"

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `ax.plot`."""
        return {
            "color": self.color,
            "linestyle": self.linestyle,
            "marker": self.marker,
            "label": self.label,
        }


#: The methods of every figure. Keys are the canonical method names used in records.
METHODS: dict[str, MethodStyle] = {
    "reverse": MethodStyle("reverse-mode AD", GREEN, "-", "o"),
    "forward_mode": MethodStyle("forward-mode AD", BLUE, "-", "s"),
    "sympy": MethodStyle("symbolic (SymPy diff)", PINK, "-", "D"),
    "graph": MethodStyle("symbolic (graph)", PINK, "--", "d"),
    "symbolic": MethodStyle("symbolic", PINK, "-", "D"),
    "central": MethodStyle("central difference", VERMILLION, "-", "^"),
    "forward": MethodStyle("forward difference", ORANGE, "-", "v"),
    "backward": MethodStyle("backward difference", ORANGE, ":", "<"),
    "central4": MethodStyle("5-point central", "black", "-.", "P"),
    "richardson": MethodStyle("Richardson", "0.45", "--", "X"),
    "complex_step": MethodStyle("complex step", SKY, "-", "*"),
    # checkpoint strategies: shades of the reverse-mode green, with markers
    "store_all": MethodStyle("store all", "#00573F", "-", "o"),
    "every": MethodStyle("every k", "#009E73", "--", "s"),
    "sqrt": MethodStyle("√T", "#3FC19A", "-.", "^"),
    "binomial": MethodStyle("binomial (revolve)", "#7FDDC0", ":", "D"),
    "torch": MethodStyle("PyTorch", "0.3", "--", ""),
}

#: Other spellings accepted by `method_style` (backend names, labels).
ALIASES: dict[str, str] = {
    "reverse AD": "reverse",
    "reverse-mode AD": "reverse",
    "rev": "reverse",
    "jacrev": "reverse",
    "grad": "reverse",
    "forward AD": "forward_mode",
    "forward-mode AD": "forward_mode",
    "jacfwd": "forward_mode",
    "jvp": "forward_mode",
    "symbolic (SymPy diff)": "sympy",
    "symbolic (graph)": "graph",
    "central difference": "central",
    "forward difference": "forward",
    "backward difference": "backward",
    "5-point central": "central4",
    "five_point": "central4",
    "central_4": "central4",
    "complex": "complex_step",
    "complex step": "complex_step",
    "none": "store_all",
    "None": "store_all",
}


def method_style(name: str) -> dict[str, Any]:
    """Plot keywords (color, linestyle, marker, label) of a method, by key or alias."""
    if not isinstance(name, str):
        raise CompareError(f"method must be a method name (str), got {name!r}")
    key = ALIASES.get(name, name)
    if key.startswith("every"):
        key = "every"
    if key.startswith("binomial"):
        key = "binomial"
    if key not in METHODS:
        raise CompareError(f"no style for method {name!r}; known methods: {', '.join(METHODS)}")
    return METHODS[key].kwargs()


def label(name: str) -> str:
    """The display label of a method (the name itself when it has no style)."""
    key = ALIASES.get(name, name)
    return METHODS[key].label if key in METHODS else name


_COMMON: dict[str, Any] = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.5,
    "legend.frameon": False,
    "savefig.bbox": "standard",  # exact sizes: constrained layout keeps everything inside
    "savefig.dpi": 200,
    "figure.dpi": 100,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "axes.titleweight": "bold",
}

STYLES: dict[str, dict[str, Any]] = {
    "paper": {
        **_COMMON,
        "font.family": "serif",
        "font.serif": ["DejaVu Serif", "Times New Roman", "Times"],
        "mathtext.fontset": "dejavuserif",
        "font.size": 8.5,
        "axes.titlesize": 9,
        "axes.labelsize": 8.5,
        "legend.fontsize": 7.5,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "lines.linewidth": 1.2,
        "lines.markersize": 3.5,
        "figure.figsize": (7.0, 3.0),
        "figure.constrained_layout.use": True,
    },
    "slides": {
        **_COMMON,
        "font.family": "sans-serif",
        "font.size": 17,
        "axes.titlesize": 19,
        "axes.labelsize": 17,
        "legend.fontsize": 14,
        "xtick.labelsize": 15,
        "ytick.labelsize": 15,
        "lines.linewidth": 2.6,
        "lines.markersize": 8,
        "axes.linewidth": 1.4,
        "figure.figsize": (12.8, 7.2),  # 16:9, 2560 x 1440 px at 200 dpi
        "figure.constrained_layout.use": True,
    },
}

FORMATS = ("png", "pdf", "svg")


@contextmanager
def style_context(name: str = "paper") -> Iterator[None]:
    """A matplotlib rc context for the style `name` ("paper" or "slides")."""
    if not isinstance(name, str) or name not in STYLES:
        raise CompareError(f"unknown style {name!r}; choose one of {', '.join(STYLES)}")
    import matplotlib

    with matplotlib.rc_context(STYLES[name]):
        yield


def slides_active() -> bool:
    """Whether the slides style is in effect (its large type), for figure functions that
    size tables and graph labels themselves."""
    import matplotlib as mpl

    return float(mpl.rcParams["font.size"]) >= 14


def line_scale() -> float:
    """How much thicker the current style's lines are than the paper style's (1 on paper,
    about 2 on slides): the factor for line widths and marker sizes a figure sets itself.

    >>> with style_context("slides"):
    ...     round(line_scale(), 2)
    2.17
    """
    import matplotlib as mpl

    return float(mpl.rcParams["lines.linewidth"]) / STYLES["paper"]["lines.linewidth"]


def new_figure(
    nrows: int = 1, ncols: int = 1, aspect: float = 0.4, width: str = "double", **kwargs: Any
) -> tuple[Any, Any]:
    """A figure sized by the current style: `aspect` = height / width.

    In the paper style `width` is "double" (7 in) or "single" (3.5 in); slides are always
    16:9 (`aspect` ignored). The figure is not registered with pyplot (a notebook shows it
    once, where it is displayed; nothing accumulates); it renders with Agg.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    full_width, full_height = mpl.rcParams["figure.figsize"]
    if abs(full_width / full_height - 16 / 9) < 1e-3:  # slides: always 16:9
        size = (full_width, full_height)
    else:
        w = full_width if width == "double" else full_width / 2
        size = (w, w * aspect)
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False, **kwargs)


def log_ticks(ax: Any, axis: str = "both") -> None:
    """Major ticks at powers of ten (every other or third power when the range is wide)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        if (ax.get_xscale() if name == "x" else ax.get_yscale()) != "log":
            continue
        low, high = ax.get_xlim() if name == "x" else ax.get_ylim()
        import math

        decades = abs(math.log10(max(high, 1e-300)) - math.log10(max(low, 1e-300)))
        if decades < 2:
            # Less than two decades: one power of ten or none would be labelled; label
            # 1, 2 and 5 times the powers of ten instead, in plain numbers.
            target.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=30))
            target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            target.set_minor_formatter(NullFormatter())
            continue
        stride = 1 if decades <= 6 else 2 if decades <= 12 else 4 if decades <= 30 else 10
        target.set_major_locator(LogLocator(base=10.0**stride, numticks=30))
        target.set_minor_locator(LogLocator(base=10.0, subs=(1.0,), numticks=100))
        target.set_minor_formatter(NullFormatter())


def format_bytes(value: float) -> str:
    """A byte count for a tick label: 500 B, 2 kB, 1.5 MB (powers of 1000).

    >>> format_bytes(500), format_bytes(2000), format_bytes(1.5e6)
    ('500 B', '2 kB', '1.5 MB')
    """
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g} B"


def bytes_axis(ax: Any, axis: str = "y") -> None:
    """Log axis of bytes: ticks at 1, 2, 5 x powers of ten (powers only when the range
    spans more than two decades), labelled in B / kB / MB."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    decades = abs(math.log10(max(high, 1e-300)) - math.log10(max(low, 1e-300)))
    subs = (1.0, 2.0, 5.0) if decades < 2.5 else (1.0,)
    target.set_major_locator(LogLocator(base=10.0, subs=subs, numticks=30))
    target.set_minor_locator(LogLocator(base=10.0, subs=tuple(range(1, 10)), numticks=100))
    target.set_major_formatter(FuncFormatter(lambda v, _: format_bytes(v)))
    target.set_minor_formatter(NullFormatter())


def end_label(
    ax: Any, x: Sequence[float], y: Sequence[float], text: str, color: str, **kwargs: Any
) -> None:
    """Write `text` just right of the last finite point of a line (a direct label)."""
    import math

    points = [(a, b) for a, b in zip(x, y) if b is not None and math.isfinite(b) and b > 0]
    if not points:
        return
    ax.annotate(
        text,
        points[-1],
        xytext=(4, 0),
        textcoords="offset points",
        color=color,
        va="center",
        ha="left",
        **kwargs,
    )


def save_figure(
    fig: Any, out_dir: str | Path, name: str, formats: Sequence[str] = ("png",), close: bool = True
) -> list[Path]:
    """Save `fig` as out_dir/name.<format> for each format; close it (unless `close` is
    False); return the paths."""
    import matplotlib.pyplot as plt

    check_names(formats, "formats", FORMATS)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        fig.savefig(path, format=fmt)
        paths.append(path)
    if close:
        plt.close(fig)
    return paths
