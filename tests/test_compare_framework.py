"""compare's framework: records <-> CSV, styles, the report, the command line."""

from __future__ import annotations

import io
import math

import matplotlib
import pytest

matplotlib.use("Agg")

from compare import cli, records, report, style
from compare.errors import CompareError
from compare.registry import Experiment, FigureSpec
from compare.runner import experiment_names, run_one


def test_records_round_trip_keeps_types():
    rows = [
        {"method": "central", "h": 1e-5, "error": 3.25e-11, "n": 3, "ok": True},
        {"method": "reverse", "error": 0.0, "note": "x, y", "inf": math.inf},
    ]
    buffer = io.StringIO()
    records.write_csv(rows, buffer)
    back = records.read_csv(io.StringIO(buffer.getvalue()))
    assert back == rows
    assert isinstance(back[0]["n"], int) and isinstance(back[0]["h"], float)


def test_records_convert_numpy_scalars_and_reject_arrays():
    import numpy as np

    rows = records.tidy([{"a": np.float64(1.5), "b": np.int64(2)}])
    assert rows == [{"a": 1.5, "b": 2}] and type(rows[0]["a"]) is float
    with pytest.raises(CompareError, match="flat scalars"):
        records.tidy([{"a": np.zeros(3)}])


def test_read_missing_csv_names_the_file(tmp_path):
    with pytest.raises(CompareError, match="no records file"):
        records.read_csv(tmp_path / "nothing.csv")


def test_every_method_has_one_colour_and_aliases_agree():
    assert style.method_style("reverse")["color"] == "#009E73"
    assert style.method_style("forward_mode")["color"] == "#0072B2"
    assert style.method_style("sympy")["color"] == "#CC79A7"
    assert style.method_style("graph")["linestyle"] == "--"
    assert style.method_style("central")["color"] == "#D55E00"
    assert style.method_style("forward")["color"] == "#E69F00"
    assert style.method_style("complex_step")["color"] == "#56B4E9"
    assert style.method_style("jacrev") == style.method_style("reverse")
    assert style.method_style("binomial(4)")["label"].startswith("binomial")
    with pytest.raises(CompareError, match="known methods"):
        style.method_style("telepathy")


@pytest.mark.parametrize("name", ["paper", "slides"])
def test_style_context_leaves_no_global_state(name):
    before = dict(matplotlib.rcParams)
    with style.style_context(name):
        size = matplotlib.rcParams["font.size"]
        fig, _ = style.new_figure()
        width, height = fig.get_size_inches()
        matplotlib.pyplot.close(fig)
    assert dict(matplotlib.rcParams) == before
    if name == "paper":
        assert 8 <= size <= 9 and width == pytest.approx(7.0)
        assert matplotlib.rcParams["font.family"] != ["serif"] or before["font.family"]
    else:
        assert 16 <= size <= 20 and width / height == pytest.approx(16 / 9)


def test_unknown_style_and_format_are_refused(tmp_path):
    with pytest.raises(CompareError, match="paper"), style.style_context("poster"):
        pass
    fig = matplotlib.figure.Figure()
    with pytest.raises(CompareError, match="png"):
        style.save_figure(fig, tmp_path, "x", ["gif"])


def _toy_experiment() -> Experiment:
    def run(seed: int = 0, n: int = 3) -> list[dict]:
        return [{"x": float(i), "y": float(i * i + seed)} for i in range(n)]

    def plot(rows, fig=None, ax=None):
        fig, axes = style.new_figure()
        axes[0, 0].plot([r["x"] for r in rows], [r["y"] for r in rows])
        return fig

    def caption(rows):
        return f"y against x; the largest y is {max(r['y'] for r in rows):g}."

    spec = FigureSpec("toy", "Toy", plot, caption)
    return Experiment("toy", "Toy experiment", run, (spec,), {"quick": {"n": 4}})


@pytest.fixture
def toy(monkeypatch):
    """The toy experiment, known to the runner by name."""
    from compare import runner

    experiment = _toy_experiment()
    monkeypatch.setattr(runner, "experiments", lambda: (experiment,))
    return experiment


def test_run_one_writes_csv_figure_and_replots_from_csv(tmp_path, toy):
    result = run_one("toy", tmp_path, "quick", ["png", "svg"])
    assert result.status == "ok", result.message
    assert (tmp_path / "toy.csv").exists() and (tmp_path / "toy.png").stat().st_size > 1000
    assert (tmp_path / "toy.svg").exists()
    assert result.figures[0].caption.endswith("largest y is 9.")
    (tmp_path / "toy.png").unlink()
    again = run_one("toy", tmp_path, from_csv=True)
    assert again.status == "ok" and (tmp_path / "toy.png").exists()
    assert again.figures[0].caption == result.figures[0].caption


def test_options_are_checked_against_the_experiment():
    experiment = _toy_experiment()
    assert experiment.options("quick") == {"n": 4}
    assert experiment.options("quick", n=7) == {"n": 7}
    with pytest.raises(CompareError, match=r"no option .m.*options are n"):
        experiment.options("quick", m=1)
    with pytest.raises(CompareError, match="preset must be one of"):
        experiment.options("fast")


def test_report_embeds_figures_with_captions_and_environment(tmp_path, toy):
    result = run_one("toy", tmp_path)
    md, html = report.write_report([result], tmp_path, {"command": "diffcompare toy"})
    text = md.read_text()
    assert "![Toy](toy.png)" in text and "largest y is 4." in text
    assert "numpy" in text and "cpu" in text and "`diffcompare toy`" in text
    page = html.read_text()
    assert '<img src="toy.png"' in page and "<figcaption>" in page


def test_tables_split_into_one_file_each_and_read_back(tmp_path):
    rows = [
        {"kind": "curve", "h": 0.1, "rel_error": 1e-3},
        {"kind": "optimum", "h": 1e-5},
        {"kind": "curve", "h": 0.01, "rel_error": 1e-5},
    ]
    paths = records.write_tables(rows, tmp_path, "demo")
    assert sorted(p.name for p in paths) == ["demo_curve.csv", "demo_optimum.csv"]
    assert (tmp_path / "demo_curve.csv").read_text().splitlines()[0] == "h,rel_error"
    records.write_csv([{"a": 1}], tmp_path / "demo_more_x.csv")  # another experiment's
    back = records.read_tables(tmp_path, "demo", ["demo", "demo_more"])
    assert sorted(back, key=lambda r: r["h"]) == sorted(rows, key=lambda r: r["h"])


def test_cli_lists_versions_and_refuses_unknown(capsys):
    assert cli.main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in experiment_names())
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert "diffcompare" in capsys.readouterr().out
    assert cli.main(["no_such_experiment"]) == 2
    with pytest.raises(SystemExit):
        cli.main(["--format", "gif"])


def test_every_experiment_has_settings_for_every_preset_that_it_uses():
    from compare.experiments import EXPERIMENTS

    names = [e.name for e in EXPERIMENTS]
    assert len(names) == len(set(names)) == 15
    figures = [spec.name for e in EXPERIMENTS for spec in e.figures]
    assert len(figures) == 16 and figures == sorted(figures)
