"""The propagation animation: the reverse-mode walk as a GIF (and MP4 where ffmpeg exists),
one frame per step at one second each, the last frame held. Drawn with `expr.view.draw`,
the drawing of figure 10, with the current node and its edges highlighted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Seconds each step is shown, and how long the final frame holds.
STEP_SECONDS, HOLD_SECONDS = 1.0, 4.0


def _states(data: dict[str, Any]) -> list[tuple[int, list, dict, dict, str]]:
    """(highlighted node, its edges, values, adjoints, caption) after each step of the
    reverse walk."""
    values: dict[int, float] = {}
    adjoints: dict[int, float] = {}
    forward = {row["node"]: row for row in data["forward_table"]}
    backward = {row["node"]: row for row in data["backward_table"]}
    states = []
    for step in data["reverse"]:
        node = int(step["highlight"][0].split("-")[1])
        edges = [tuple(int(k) for k in e.split("-")[1:]) for e in step["highlight"][1:]]
        if step["fill"][0][0].startswith("fwd"):
            values[node] = float(forward[node]["value"])
        else:
            adjoints[node] = float(backward[node]["adjoint"])
        states.append((node, edges, dict(values), dict(adjoints), step["caption"]))
    return states


def frames(function: Any, data: dict[str, Any]) -> tuple[Any, Any, int]:
    """(figure, update(k) drawing frame k, number of frames)."""
    import matplotlib.pyplot as plt

    states = _states(data)
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=120)

    def update(k: int) -> list:
        ax.clear()
        node, edges, values, adjoints, caption = states[k]
        function.draw(
            ax=ax,
            values=values,
            adjoints=adjoints,
            highlight=node,
            highlight_edges=edges,
            fontsize=10,
        )
        phase = "forward sweep" if k < len(data["forward_table"]) else "backward sweep"
        ax.set_title(f"step {k + 1} / {len(states)} · {phase}", loc="left", fontsize=11)
        text = caption.split(": ", 1)[1]
        if k == len(states) - 1:
            gradient = ", ".join(
                f"∂f/∂{g['name']} = {float(g['reverse']):.6g}" for g in data["gradient"]
            )
            text += f"\none backward sweep gave every partial: {gradient}"
        ax.text(0.0, -0.02, text, transform=ax.transAxes, fontsize=10, va="top", color="#D55E00")
        return []

    return fig, update, len(states)


def _holding_writer() -> Any:
    """matplotlib's Pillow writer with the last frame held (GIF per-frame durations)."""
    from matplotlib.animation import PillowWriter

    class HoldingPillowWriter(PillowWriter):
        def finish(self) -> None:
            durations = [int(STEP_SECONDS * 1000)] * len(self._frames)
            durations[-1] = int(HOLD_SECONDS * 1000)
            self._frames[0].save(
                self.outfile,
                save_all=True,
                append_images=self._frames[1:],
                duration=durations,
                loop=0,
            )

    return HoldingPillowWriter(fps=1 / STEP_SECONDS)


def write_animation(function: Any, data: dict[str, Any], path: Path, kind: str = "gif") -> Path:
    """Write the walk as `path` ("gif" with Pillow, "mp4" with ffmpeg). Returns the path."""
    import matplotlib

    with matplotlib.rc_context({"savefig.bbox": "standard"}):  # every frame the same size
        return _write(function, data, path, kind)


def _write(function: Any, data: dict[str, Any], path: Path, kind: str) -> Path:
    import matplotlib.pyplot as plt
    from matplotlib.animation import FFMpegWriter, FuncAnimation

    fig, update, count = frames(function, data)
    try:
        if kind == "gif":
            writer = _holding_writer()
            animation = FuncAnimation(fig, update, frames=count, blit=False, repeat=False)
        else:
            writer = FFMpegWriter(fps=1 / STEP_SECONDS)
            hold = int(HOLD_SECONDS / STEP_SECONDS) - 1  # video frames are uniform: repeat the last
            sequence = [*range(count), *([count - 1] * hold)]
            animation = FuncAnimation(fig, update, frames=sequence, blit=False, repeat=False)
        animation.save(str(path), writer=writer, dpi=120)
    finally:
        plt.close(fig)
    return path
