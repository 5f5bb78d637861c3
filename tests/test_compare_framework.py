"""compare's framework: records <-> CSV, styles, the report, the command line."""

from __future__ import annotations

import io
import math
import os
from concurrent.futures import Executor
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot

import compare
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


#: Tiny settings per experiment: every experiment runs in well under a second or two.
TINY = {
    "accuracy_sweep": {"functions": ("exp",), "points": 9},
    "accuracy_table": {"include_families": False, "methods": ("reverse", "central")},
    "cost_scaling": {
        "sizes": (2, 4),
        "symbolic_max": 2,
        "repeat": 1,
        "mlp_hidden": (1,),
        "mlp_symbolic_max": 0,
    },
    "crossover": {"total": 4, "repeat": 1},
    "swell": {"max_depth": 4, "sympy_max_depth": 3, "seconds": 5.0},
    "memory": {"depths": (4, 8), "fixed_depth": 8},
    "cheap_gradient": {"repeat": 1},
    "mlp": {"steps": 5, "grid": 5, "compare_torch": False},
    "worked_example": {},
    "logistic_classic": {"points": 9},
    "nonsmooth": {},
    "precision": {"functions": ("exp",), "points": 9},
    "gradient_flow": {"depth": 4, "width": 8, "batch": 2},
    "sparsity": {"sizes": (4, 8), "repeat": 1},
    "explainer": {},
}


def test_every_experiment_gives_records_figures_and_captions_writing_nothing(tmp_path, monkeypatch):
    assert set(TINY) == set(experiment_names())
    monkeypatch.chdir(tmp_path)
    for name, options in TINY.items():
        result = compare.run_experiment(name, "quick", **options)
        assert result.records and all(isinstance(r, dict) for r in result.records), name
        specs = result.experiment.figures
        assert len(result.figures) == len(specs), name
        assert all(isinstance(f, matplotlib.figure.Figure) for f in result.figures)
        assert all(len(result.caption(i)) > 40 for i in range(len(specs))), name
        for fig in result.figures:
            matplotlib.pyplot.close(fig)
    assert list(tmp_path.iterdir()) == []  # nothing written unless asked


def test_tables_are_tidy_one_per_file_with_units(tmp_path):
    """One table per file, no column blank in more than half the rows, times in seconds."""
    for name, options in TINY.items():
        result = compare.run_experiment(name, "quick", **options)
        paths = records.write_tables(result.records, tmp_path, name)
        for path in paths:
            rows = records.read_csv(path)
            header = path.read_text().splitlines()[0].split(",")
            assert "kind" not in header, path.name
            for column in header:
                filled = sum(1 for r in rows if column in r)
                assert filled >= len(rows) / 2, (path.name, column, filled, len(rows))
            for column in header:
                assert column not in ("seconds", "error", "t_jacfwd", "time_f"), path.name
                if column.startswith("time"):
                    assert column.endswith("_s"), (path.name, column)


def test_result_saves_csv_and_figures_and_shows_in_a_notebook(tmp_path):
    result = compare.run_experiment("crossover", "quick", total=8, repeat=1)
    assert [r["n"] * r["m"] for r in result.records] == [8, 8, 8, 8]
    paths = result.save(tmp_path / "out", ["png", "svg"])
    assert sorted(p.name for p in paths) == [
        "crossover.csv",
        "fig04_crossover.png",
        "fig04_crossover.svg",
    ]
    page = result._repr_html_()
    assert page.count("<img") == 1 and "n·m = 8" in page
    assert "crossover" in repr(result)
    with pytest.raises(CompareError, match=r"has no option 'size'.*total"):
        compare.run_experiment("crossover", "quick", size=3)


def test_to_pandas_needs_pandas_and_says_so():
    result = compare.run_experiment("worked_example", "quick")
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(CompareError, match="pip install pandas"):
            result.to_pandas()
        return
    frames = result.to_pandas()
    assert set(frames) == {"forward", "backward", "gradient"}
    assert list(frames["gradient"]["name"]) == ["x1", "x2"]


def test_progress_ticks_inside_a_long_experiment():
    ticks = []
    compare.run_experiment("swell", "quick", max_depth=3, sympy_max_depth=2, progress=ticks.append)
    assert "sympy depth 2" in ticks and "graph depth 3" in ticks and "AD graph depth 3" in ticks


def _files(folder) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_process_pool_writes_the_same_files_as_the_serial_run(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    names = ["worked_example", "nonsmooth", "crossover"]
    serial = compare.run(names, tmp_path / "serial", "quick", progress=False)
    with ProcessPoolExecutor(2) as pool:
        parallel = compare.run(names, tmp_path / "pool", "quick", progress=False, executor=pool)
    assert [o.name for o in parallel] == names and all(o.status == "ok" for o in parallel)
    assert _files(tmp_path / "serial") == _files(tmp_path / "pool")
    assert [o.figures[0].caption for o in serial][:2] == [o.figures[0].caption for o in parallel][
        :2
    ]
    with pytest.raises(CompareError, match=r"concurrent\.futures\.Executor"):
        compare.run(names, tmp_path, executor="two processes")


def test_cli_jobs_runs_single_threaded_workers_that_write_the_same_files(tmp_path, monkeypatch):
    from compare import cli

    for name in cli.THREAD_LIMITS:  # the command sets them for its workers; undone after
        monkeypatch.setenv(name, "unset below")
        monkeypatch.delenv(name)
    names = ["worked_example", "nonsmooth"]
    common = ["--quick", "--no-progress", "--out"]
    assert cli.main([*names, *common, str(tmp_path / "serial")]) == 0
    assert cli.main([*names, *common, str(tmp_path / "pool"), "--jobs", "2"]) == 0
    assert _files(tmp_path / "serial") == _files(tmp_path / "pool")
    assert all(os.environ[name] == "1" for name in cli.THREAD_LIMITS)


def test_a_pool_starts_the_heaviest_experiments_first(tmp_path):
    from concurrent.futures import Future

    from compare.runner import get

    class Recorder(Executor):  # runs each call at once, in this process, in submit order
        def __init__(self):
            self.order = []

        def submit(self, fn, *args, **kwargs):
            self.order.append(args[0])
            future = Future()
            future.set_result(fn(*args, **kwargs))
            return future

    names = ["worked_example", "mlp", "nonsmooth"]
    first = Recorder()
    compare.run(names, tmp_path, "quick", progress=False, executor=first)
    assert first.order[0] == "mlp" and get("mlp").weight > get("worked_example").weight
    # a second run in the same folder goes by the times the first one measured
    measured = {name: o.seconds for name, o in report.read_outcomes(tmp_path).items()}
    again = Recorder()
    compare.run(names, tmp_path, "quick", progress=False, executor=again)
    assert again.order == sorted(names, key=lambda n: -measured[n])


def test_a_dask_cluster_runs_the_experiments(tmp_path):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
    with cluster, distributed.Client(cluster) as client:
        outcomes = compare.run(
            ["worked_example", "nonsmooth"],
            tmp_path,
            "quick",
            progress=False,
            executor=client.get_executor(),
        )
    assert all(o.status == "ok" for o in outcomes)
    assert {"fig10_worked_example.png", "fig12_nonsmooth.png"} <= _files(tmp_path)


def test_cli_refuses_a_bad_out_at_once_with_one_line(tmp_path):
    import subprocess
    import sys
    import time

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    for out in (blocker, blocker / "below"):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "compare", "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
            timeout=60,
        )
        assert time.perf_counter() - start < 3.0
        assert done.returncode == 2 and done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("python -m compare: "), done.stderr
        assert str(blocker) in lines[0] and "Traceback" not in done.stderr


def test_cli_from_csv_with_nothing_to_read_says_so_once_and_writes_nothing(tmp_path, capsys):
    assert cli.main(["--from-csv", "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no records" in err[0] and str(tmp_path) in err[0]
    assert list(tmp_path.iterdir()) == []
    assert cli.main(["--from-csv", "--out", str(tmp_path / "nowhere"), "--no-progress"]) == 2
    assert not (tmp_path / "nowhere").exists()


def test_one_experiment_updates_its_entry_and_keeps_the_others(tmp_path, capsys):
    out = str(tmp_path)
    assert cli.main(["worked_example", "nonsmooth", "--quick", "--out", out, "--no-progress"]) == 0
    assert cli.main(["nonsmooth", "--out", out, "--no-progress"], prog="python -m compare") == 0
    text = (tmp_path / "report.md").read_text()
    assert "Figure 10." in text and "Figure 12." in text  # the other entry is kept
    assert "`diffcompare worked_example nonsmooth --quick" in text
    assert "`python -m compare nonsmooth --out" in text
    assert "| worked_example | ok | quick |" in text and "| nonsmooth | ok | default |" in text
    assert cli.main(["nonsmooth", "--from-csv", "--out", out, "--no-progress"]) == 0
    assert "| nonsmooth | ok | default |" in (tmp_path / "report.md").read_text()
    capsys.readouterr()


def test_cli_jobs_must_be_a_positive_integer(capsys):
    for bad in ("0", "two"):
        with pytest.raises(SystemExit):
            cli.main(["--jobs", bad])
    assert "--jobs" in capsys.readouterr().err
