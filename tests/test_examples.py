"""The examples run end to end (fast) and write what they promise."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_there_are_notebook_style_examples():
    assert len(EXAMPLES) >= 4
    for path in EXAMPLES:
        assert "# %%" in path.read_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EXAMPLES_OUT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip()
    if "restyle" in path.stem:
        assert (tmp_path / "crossover_slides.png").stat().st_size > 10_000
        assert (tmp_path / "crossover_small.csv").exists()
    if "custom_sigmoid" in path.stem:
        assert "largest difference from the built-in rule" in out
    if "worked" in path.stem:
        assert "df/dx1 = x2 + cos(x1) = 2.583853" in out
        assert (tmp_path / "worked_example_slide.png").exists()
