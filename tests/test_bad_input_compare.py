"""Bad input to compare's public functions: each gets a CompareError (an expr.ExprError)
that names the argument, what it got and what is accepted; nothing hangs, nothing is
computed before the arguments are checked."""

from __future__ import annotations

import math
import time

import matplotlib
import pytest

matplotlib.use("Agg")

import compare
from compare import cli
from expr import ExprError


def _experiment(*args, **options):
    """A call of compare.run_experiment (it takes no folder)."""
    return lambda tmp: compare.run_experiment(*args, **options)


def _plot(*args, **options):
    """A call of compare.plot (it takes no folder)."""
    return lambda tmp: compare.plot(*args, **options)


BAD_CALLS = {
    # run: names, preset, formats, style, seed, out_dir, executor
    "run: one string for the list of experiments": (
        lambda tmp: compare.run("swell", tmp),
        "experiments",
    ),
    "run: None for experiments": (lambda tmp: compare.run(None, tmp), "experiments"),
    "run: an empty list": (lambda tmp: compare.run([], tmp), "experiments"),
    "run: an unknown experiment": (lambda tmp: compare.run(["nope"], tmp), "nope"),
    "run: a number in the list": (lambda tmp: compare.run([3], tmp), "3"),
    "run: an unknown preset": (lambda tmp: compare.run(["swell"], tmp, "fast"), "preset"),
    "run: None for the preset": (lambda tmp: compare.run(["swell"], tmp, None), "preset"),
    "run: one string for the formats": (
        lambda tmp: compare.run(["swell"], tmp, formats="png"),
        "formats",
    ),
    "run: an unknown format": (lambda tmp: compare.run(["swell"], tmp, formats=["gif"]), "gif"),
    "run: an unknown style": (lambda tmp: compare.run(["swell"], tmp, style="poster"), "style"),
    "run: a float seed": (lambda tmp: compare.run(["swell"], tmp, seed=1.5), "seed"),
    "run: a negative seed": (lambda tmp: compare.run(["swell"], tmp, seed=-1), "seed"),
    "run: a NaN seed": (lambda tmp: compare.run(["swell"], tmp, seed=math.nan), "seed"),
    "run: None for out_dir": (lambda tmp: compare.run(["swell"], None), "out_dir"),
    "run: a number for out_dir": (lambda tmp: compare.run(["swell"], 42), "out_dir"),
    "run: out_dir is a file": (lambda tmp: compare.run(["swell"], tmp / "file"), "is a file"),
    "run: out_dir below a file": (
        lambda tmp: compare.run(["swell"], tmp / "file" / "sub"),
        "cannot create",
    ),
    "run: an executor that is not one": (
        lambda tmp: compare.run(["swell"], tmp, executor=4),
        "executor",
    ),
    # run_experiment: name, preset, options
    "run_experiment: an unknown name": (_experiment("nope"), "nope"),
    "run_experiment: None": (_experiment(None), "None"),
    "run_experiment: a list for the name": (_experiment(["swell"]), "swell"),
    "run_experiment: an unknown preset": (_experiment("swell", "fast"), "preset"),
    "run_experiment: an unknown option": (_experiment("swell", depth=3), "depth"),
    "run_experiment: a string for a size": (_experiment("accuracy_sweep", points="9"), "points"),
    "run_experiment: NaN for a size": (_experiment("accuracy_sweep", points=math.nan), "points"),
    "run_experiment: a huge size": (_experiment("accuracy_sweep", points=10**9), "10001"),
    "run_experiment: a negative size": (_experiment("crossover", total=-4), "total"),
    "run_experiment: a bool for a size": (_experiment("crossover", total=True), "total"),
    "run_experiment: one string for a list of names": (
        _experiment("accuracy_sweep", functions="exp"),
        "functions",
    ),
    "run_experiment: one number for a list of sizes": (_experiment("memory", depths=8), "depths"),
    "run_experiment: a huge size in a list": (
        _experiment("cost_scaling", sizes=(2, 10**7)),
        "sizes",
    ),
    "run_experiment: inf seconds": (_experiment("swell", seconds=math.inf), "seconds"),
    "run_experiment: a string for a budget": (_experiment("swell", seconds="5"), "seconds"),
    "run_experiment: an unknown method": (
        _experiment("nonsmooth", methods=("telepathy",)),
        "telepathy",
    ),
    "run_experiment: an unknown dtype": (_experiment("accuracy_sweep", dtype="float16"), "dtype"),
    "run_experiment: a float seed": (_experiment("worked_example", seed=0.5), "seed"),
    "run_experiment: a deep logistic table that could not finish": (
        _experiment("logistic_classic", max_depth=40),
        "max_depth",
    ),
    "run_experiment: a progress that is not callable": (
        _experiment("swell", progress="yes"),
        "progress",
    ),
    "run_experiment: an unknown style": (_experiment("worked_example", style=None), "style"),
    # plot
    "plot: an unknown figure": (_plot("fig99", []), "fig99"),
    "plot: None for the figure": (_plot(None, []), "None"),
    "plot: a string for the records": (_plot("fig04_crossover", "records"), "records"),
    "plot: None for the records": (_plot("fig04_crossover", None), "records"),
    "plot: a dict for the records": (_plot("fig04_crossover", {}), "records"),
    "plot: an empty list of records": (_plot("fig04_crossover", []), "records"),
    "plot: records of another figure": (_plot("fig04_crossover", [{"h": 1.0}]), "do not fit"),
    "plot: fig is not a figure": (_plot("fig06_memory", [{"kind": "depth"}], fig="left"), "fig"),
    "plot: ax is not an Axes": (_plot("fig04_crossover", [{}], ax=3), "ax"),
    # records
    "write_csv: a string for the rows": (
        lambda tmp: compare.write_csv("rows", tmp / "x.csv"),
        "rows",
    ),
    "write_csv: None for the rows": (lambda tmp: compare.write_csv(None, tmp / "x.csv"), "rows"),
    "write_csv: rows that are not dicts": (
        lambda tmp: compare.write_csv([1, 2], tmp / "x.csv"),
        "dicts",
    ),
    "write_csv: None for the target": (lambda tmp: compare.write_csv([{"a": 1}], None), "target"),
    "write_csv: an array cell": (
        lambda tmp: compare.write_csv([{"a": [1, 2]}], tmp / "x.csv"),
        "flat scalars",
    ),
    "read_csv: None": (lambda tmp: compare.read_csv(None), "source"),
    "read_csv: a number": (lambda tmp: compare.read_csv(7), "source"),
    "read_csv: a missing file": (lambda tmp: compare.read_csv(tmp / "none.csv"), "no records"),
    # style
    "method_style: None": (lambda tmp: compare.method_style(None), "None"),
    "method_style: a list": (lambda tmp: compare.method_style(["reverse"]), "reverse"),
    "method_style: unknown": (lambda tmp: compare.method_style("telepathy"), "telepathy"),
    "style_context: None": (lambda tmp: compare.style_context(None).__enter__(), "None"),
    "style_context: a list": (lambda tmp: compare.style_context(["paper"]).__enter__(), "paper"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_gets_our_error_naming_the_argument(case, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    call, named = BAD_CALLS[case]
    start = time.perf_counter()
    with pytest.raises(compare.CompareError) as info:
        call(tmp_path)
    assert isinstance(info.value, ExprError)
    assert named in str(info.value), str(info.value)
    assert time.perf_counter() - start < 20


def test_result_methods_check_their_arguments(tmp_path):
    result = compare.run_experiment("worked_example", "quick")
    for bad in (5, "fig99", 1.5, None if False else [0]):
        with pytest.raises(compare.CompareError, match="figure"):
            result.caption(bad)
    (tmp_path / "file").write_text("x")
    with pytest.raises(compare.CompareError, match="is a file"):
        result.save(tmp_path / "file")
    with pytest.raises(compare.CompareError, match="formats"):
        result.save(tmp_path / "out", "png")


def test_cli_bad_arguments_exit_2_without_a_traceback(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert cli.main(["--out", str(tmp_path / "file"), "--no-progress"]) == 2
    assert cli.main(["nope"]) == 2
    for argv in (["--jobs", "-1"], ["--format", "gif"], ["--style", "poster"], ["--seed", "x"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
