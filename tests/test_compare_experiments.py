"""The science the figures show, asserted on the records (quick settings, tiny sizes)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

from compare import experiments as ex
from compare.records import select

EPS = 2.220446049250313e-16


def _best(rows):
    finite = [r for r in rows if r.get("rel_error") is not None and math.isfinite(r["rel_error"])]
    return min(finite, key=lambda r: r["rel_error"])


def test_finite_difference_error_is_v_shaped_with_minimum_near_theory():
    rows = ex.accuracy_sweep(functions=("exp", "sin"), points=33)
    for function in ("exp", "sin"):
        for method in ("forward", "central"):
            curve = sorted(
                select(rows, function=function, kind="curve", method=method), key=lambda r: r["h"]
            )
            best = _best(curve)
            assert best["rel_error"] < 1e-6
            assert 1e-14 < best["h"] < 1e-1
            assert curve[0]["rel_error"] > 100 * best["rel_error"]  # round-off side (h = 1e-16)
            assert curve[-1]["rel_error"] > 100 * best["rel_error"]  # truncation side (h = 1)
            optimum = select(rows, function=function, kind="optimum", method=method)
            assert optimum, "theoretical optimum missing"
            assert abs(math.log10(best["h"] / optimum[0]["h"])) <= 1.5
            assert best["rel_error"] > 100 * EPS  # finite differences never reach ε
        exact = select(rows, function=function, kind="exact")
        expected = {"reverse", "forward_mode", "sympy", "graph"}
        assert {r["method"] for r in exact} >= expected
        assert all(r["rel_error"] <= 4 * EPS for r in exact)


def test_ad_and_symbolic_errors_stay_near_machine_precision_on_the_catalog():
    rows = ex.accuracy_table(
        include_families=False, methods=("reverse", "forward_mode", "sympy", "graph", "central")
    )
    for method in ("reverse", "forward_mode", "sympy", "graph"):
        errors = [r["rel_error"] for r in select(rows, method=method)]
        assert errors and max(errors) < 50 * EPS, method
    central = [r["rel_error"] for r in select(rows, method="central")]
    central.sort()
    assert central[len(central) // 2] > 100 * EPS  # finite differences lose digits


def _cost_scaling_claims(rows: list[dict]) -> list[str]:
    """The scaling claims of figure 3 that these timings break (empty: all hold)."""

    def cost(function: str, method: str, n: int) -> float:
        found = select(rows, function=function, method=method, kind="gradient")
        return next(r["cost"] for r in found if r["n"] == n)

    broken = []
    for function, small, large in (("rosenbrock", 4, 64), ("mlp", 7, 82)):
        growth = {
            method: cost(function, method, large) / cost(function, method, small)
            for method in ("reverse", "central", "forward", "forward_mode")
        }
        claims = {
            "reverse flat": growth["reverse"] < 3.0,
            "reverse cheap": cost(function, "reverse", large) < 10.0,
            "central grows": growth["central"] > 5.0,
            "forward grows": growth["forward"] > 4.0,
            "jvp grows": growth["forward_mode"] > 3.0,
        }
        broken += [f"{function}: {claim}" for claim, holds in claims.items() if not holds]
    return broken


def test_reverse_mode_cost_is_constant_in_n_and_the_rest_grow_with_n():
    # Timings on a shared machine: a claim must hold in one of three full measurements (a
    # burst of load during one of them is noise; a claim that is false fails all three).
    for _ in range(3):
        rows = ex.cost_scaling(
            sizes=(4, 64), symbolic_max=0, repeat=3, mlp_hidden=(1, 16), mlp_symbolic_max=0
        )
        broken = _cost_scaling_claims(rows)
        if not broken:
            break
    assert not broken, broken
    central = select(rows, function="rosenbrock", method="central", kind="gradient")
    assert [r["evaluations"] for r in central] == [8, 128]
    mlp = select(rows, function="mlp", method="reverse", kind="gradient")
    assert [(r["size"], r["n"]) for r in mlp] == [(1, 7), (16, 82)]


def test_mlp_of_parameters_gradient_matches_the_data_bound_catalog_loss():
    import numpy as np

    from compare import backends
    from compare.experiments.cost import mlp_of_parameters
    from expr import catalog

    f, params = mlp_of_parameters(3, batch=8, seed=1)
    full = catalog.mlp_loss(3, batch=8)
    data = catalog.mlp_inputs(3, batch=8, seed=1)
    assert sum(p.size for p in params) == 17
    assert abs(float(f(*params)) - float(full(*data))) < 1e-12
    ours = backends.flat(backends.gradient(f, params, "reverse"))
    reference = backends.flat(backends.gradient(full, data, "reverse"))[:17]
    assert np.allclose(ours, reference, rtol=1e-12, atol=1e-14)


def test_jacfwd_wins_with_few_inputs_and_jacrev_with_few_outputs():
    rows = sorted(ex.crossover(total=64, hidden=8, repeat=3), key=lambda r: r["n_over_m"])
    assert rows[0]["ratio"] < 0.5 < 2.0 < rows[-1]["ratio"]
    assert all(r["max_abs_difference"] < 1e-12 for r in rows)


def test_symbolic_tree_grows_faster_than_the_ad_graph():
    rows = ex.swell(max_depth=30, sympy_max_depth=6, seconds=5.0)

    def size(measure: str, depth: int) -> float:
        found = [r for r in select(rows, measure=measure, depth=depth) if not r.get("stopped")]
        return found[0]["size"]

    assert size("tree", 6) / size("tree", 3) > 4 * size("ad_graph", 6) / size("ad_graph", 3)
    assert size("tree", 6) > 5 * size("ad_graph", 6)
    assert size("ad_graph", 6) <= 6 * size("function", 6)
    # SymPy stops at its depth limit; the cheap series go on (every k to 20, then by 5).
    assert max(r["depth"] for r in select(rows, measure="tree")) == 6
    assert sorted(r["depth"] for r in select(rows, measure="graph"))[-3:] == [20, 25, 30]
    # With sharing, symbolic = AD in size: the graph method's DAG and program and the AD
    # graph grow linearly in k (same per-step increment), while the tree doubles per step.
    for measure in ("graph", "graph_program", "ad_graph", "function"):
        step = (size(measure, 30) - size(measure, 20)) / 10
        assert step == (size(measure, 25) - size(measure, 20)) / 5, measure
    assert size("graph", 30) <= 2 * size("ad_graph", 30)
    assert size("graph_tree", 30) > 2.0**30
    assert size("graph_tree", 30) / size("graph_tree", 25) > 2.0**5
    assert size("function_tree", 30) > 2.0**30
    # The graph method's tree and SymPy's tree describe the same kind of object.
    assert size("graph_tree", 6) > size("dag", 6)


def test_swell_stops_sympy_at_the_budget_and_marks_it():
    rows = ex.swell(max_depth=12, sympy_max_depth=12, seconds=0.05)
    series = {
        m: sorted(select(rows, measure=m), key=lambda r: r["depth"])
        for m in ("tree", "expanded", "cse")
    }
    stops = {m: [r for r in found if r["stopped"]] for m, found in series.items()}
    assert any(stops.values()), "a 0.05 s budget must stop SymPy's expansion before depth 12"
    for measure, stopped in stops.items():
        if stopped:  # one mark where it ran over; the larger depths are not run
            assert len(stopped) == 1 and series[measure][-1] is stopped[0], measure
    assert all(not r["stopped"] for r in select(rows, measure="ad_graph"))


def test_checkpointing_lowers_peak_stored_bytes():
    rows = ex.memory(depths=(8, 32), fixed_depth=16)
    depth = select(rows, kind="depth")

    def peak(strategy: str, T: int) -> int:
        return next(r["peak_bytes"] for r in select(depth, strategy=strategy) if r["T"] == T)

    assert peak("sqrt", 32) < peak("store_all", 32) / 2
    assert peak("binomial", 32) < peak("store_all", 32) / 2
    assert peak("store_all", 32) / peak("store_all", 8) > 3  # linear in T
    trade = select(rows, kind="tradeoff")
    assert trade and all(r["forward_ratio"] >= 1.0 for r in trade)
    assert select(rows, kind="schedule")


def test_worked_example_tables_and_gradient():
    rows = ex.worked_example()
    grads = sorted(select(rows, kind="gradient"), key=lambda r: r["input"])
    assert [round(g["value"], 6) for g in grads] == [2.583853, 2.0]
    assert all(g["rel_error"] < 4 * EPS for g in grads)
    backward = select(rows, kind="backward")
    assert backward[0]["expression"] == "1 (seed)" and len(backward) == 5
    dual = sorted(select(rows, kind="dual", seed="x1"), key=lambda r: r["step"])
    assert [r["label"] for r in dual] == ["v-1", "v0", "v1", "v2", "v3"]
    assert [round(r["tangent"], 6) for r in dual] == [1.0, 0.0, 3.0, -0.416147, 2.583853]


def test_cheap_gradient_ratio_is_a_small_constant():
    rows = ex.cheap_gradient(repeat=3)
    assert len(rows) >= 10
    # exp: value and gradient are the same exp(x), so the ratio may be exactly 1
    assert all(1.0 <= r["ratio_ops"] <= 6.0 for r in rows)


def test_quick_run_writes_figures_csv_and_report(tmp_path):
    from compare import run

    results = run(["crossover", "worked_example"], tmp_path, "quick", ["png"], progress=False)
    assert all(r.status == "ok" for r in results), [r.message for r in results]
    for name in (
        "fig04_crossover.png",
        "fig10_worked_example.png",
        "crossover.csv",
        "worked_example_forward.csv",
        "worked_example_backward.csv",
        "report.md",
        "report.html",
    ):
        assert (tmp_path / name).stat().st_size > 150, name
    text = (tmp_path / "report.md").read_text()
    assert "crossover n/m" not in text or "Figure" in text
    assert "take" in text and "50-digit" in text


def test_captions_read_their_numbers_off_the_records():
    from compare.runner import figure_spec

    _, spec = figure_spec("fig04_crossover")
    rows = ex.crossover(total=16, hidden=4, repeat=3)
    caption = spec.caption_of(rows)
    assert "n·m = 16" in caption
    changed = [dict(r) for r in rows]
    changed[0]["ratio"] = 0.00421
    assert "0.0042×" in spec.caption_of(changed) and spec.caption_of(changed) != caption


def test_command_line_quick_run_and_replot(tmp_path, capsys):
    from compare.cli import main

    out = str(tmp_path)
    assert main(["worked_example", "--quick", "--out", out, "--no-progress"]) == 0
    assert "worked_example" in capsys.readouterr().out
    (tmp_path / "fig10_worked_example.png").unlink()
    assert (
        main(
            [
                "worked_example",
                "--from-csv",
                "--style",
                "slides",
                "--out",
                out,
                "--no-progress",
                "--format",
                "svg,png",
            ]
        )
        == 0
    )
    assert (tmp_path / "fig10_worked_example.svg").exists()
    assert (tmp_path / "fig10_worked_example.png").exists()


def test_logistic_table_holds_the_three_forms_of_the_derivative():
    import sympy

    from compare.plots.classic import cse_summary, table_cell

    rows = sorted(select(ex.logistic_classic(points=9), kind="table"), key=lambda r: r["n"])
    assert [r["n"] for r in rows] == [1, 2, 3, 4]
    x = sympy.Symbol("x")
    for r in rows:
        l_n = sympy.sympify(r["l_n"])
        exact = sympy.diff(l_n, x)
        assert sympy.expand(sympy.sympify(r["derivative_raw"]) - exact) == 0
        assert sympy.expand(sympy.sympify(r["derivative_expanded"]) - exact) == 0
        *definitions, output = r["derivative_cse"].split("; ")
        value = sympy.sympify(output.split(" = ", 1)[1])
        for definition in reversed(definitions):
            name, rhs = definition.split(" = ", 1)
            value = value.subs(sympy.Symbol(name), sympy.sympify(rhs))
        assert sympy.expand(value - exact) == 0
        assert r["size_raw"] >= r["size_cse"]
    assert rows[0]["derivative_expanded"] == "4 - 8*x"
    assert rows[-1]["size_raw"] > 5 * rows[-1]["size_cse"]
    assert table_cell(rows[0]["derivative_raw"], 22) == "4 - 8x"
    long = table_cell(rows[-1]["derivative_raw"], 22)
    assert 15 <= len(long) <= 22 and long.endswith("…") and "\n" not in long
    two_lines = table_cell(rows[1]["l_n"], 20, lines=2)  # l_2 in full, on two lines
    assert "…" not in two_lines and two_lines.replace("\n", " ") == "16x(1 - x)(-4x(1 - x) + 1)"
    assert "x2" not in table_cell(rows[1]["derivative_cse"], 80)  # CSE symbols are t₀, t₁, …
    assert cse_summary(rows[1]["derivative_cse"]).startswith("3 defs; d = ")
