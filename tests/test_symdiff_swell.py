"""Budgets that hold inside SymPy, swell records and curves."""

from __future__ import annotations

import itertools
import time

import pytest
import sympy

import symdiff
from expr import catalog


def _spin(reporter):
    reporter.step("warm up")
    reporter.send(before=1)
    reporter.step("spin")
    while True:
        pass


def test_budget_stops_a_runaway_step():
    start = time.perf_counter()
    outcome = symdiff.run_job(_spin, budget_s=0.3)
    elapsed = time.perf_counter() - start
    assert outcome.exceeded_step == "spin"
    assert outcome.values == {"before": 1}
    assert elapsed < 0.3 + 1.0


def test_budget_stops_sympy_itself_and_strict_raises():
    x = sympy.Symbol("x")
    huge = sympy.Mul(*[(x + i) ** 3 for i in range(40)])  # expand takes far longer than 0.3 s
    start = time.perf_counter()
    with pytest.raises(symdiff.BudgetExceeded) as info:
        symdiff.call_with_budget(sympy.expand, huge, budget_s=0.3)
    assert time.perf_counter() - start < 1.3
    assert info.value.step == "expand"
    assert symdiff.call_with_budget(sympy.expand, (x + 1) ** 2, budget_s=5.0) == x**2 + 2 * x + 1


def test_job_errors_are_reported():
    def job(reporter):
        reporter.step("fail")
        raise ValueError("boom")

    outcome = symdiff.run_job(job, budget_s=5.0)
    assert outcome.error_type == "ValueError" and "boom" in outcome.error
    with pytest.raises(symdiff.SymdiffError, match="boom"):
        symdiff.run_job(job, budget_s=5.0, strict=True)
    with pytest.raises(symdiff.SymdiffError, match="positive"):
        symdiff.run_job(job, budget_s=0)


def test_fork_overhead_is_small():
    def job(reporter):
        reporter.step("nothing")

    times = []
    for _ in range(5):
        start = time.perf_counter()
        symdiff.run_job(job, budget_s=5.0)
        times.append(time.perf_counter() - start)
    assert sorted(times)[2] < 0.25  # ~10 ms here; generous for a loaded machine


def test_swell_record_fields():
    record = symdiff.swell(catalog.logistic_map(3), method="sympy", mode="cse", budget_s=10.0)
    assert set(symdiff.FIELDS) <= set(record)
    assert record["budget_exceeded"] is False and record["error"] is None
    assert record["tree_size"] > 0 and record["dag_size"] <= record["tree_size"]
    assert record["cse_size"] >= record["n_assignments"] >= 1
    assert record["count_ops"] > 0 and record["tree_ops"] > 0
    assert record["peak_bytes"] > 0 and record["time_s"] >= record["diff_s"] > 0
    expanded = symdiff.swell("x*(1 + x)**2", mode="expanded", memory=False, lambdify=True)
    assert expanded["tree_size"] == symdiff.tree_size(
        sympy.expand(
            sympy.diff(sympy.Symbol("x", real=True) * (1 + sympy.Symbol("x", real=True)) ** 2)
        )
    )
    assert expanded["lambdify_s"] > 0
    for mode in ("cse", "program", "raw"):
        row = symdiff.swell(catalog.rosenbrock(3), "graph", mode, memory=False, lambdify=True)
        assert row["error"] is None and row["lambdify_s"] > 0 and row["f_ops"] > 0


def test_swell_strict_and_bad_input():
    with pytest.raises(symdiff.BudgetExceeded) as info:
        symdiff.swell(catalog.logistic_map(9), "graph", "expanded", budget_s=0.2, strict=True)
    assert info.value.step == "expanded"
    assert info.value.record["diff_s"] is not None  # measured before the overrun
    with pytest.raises(symdiff.SymdiffError, match="unknown mode"):
        symdiff.swell("x", mode="tall")
    with pytest.raises(symdiff.SymdiffError, match="program"):
        symdiff.swell("x", method="sympy", mode="program")
    with pytest.raises(symdiff.SymdiffError, match="unknown family"):
        symdiff.swell_curve("nope", [1])
    with pytest.raises(symdiff.SymdiffError, match="unknown variable"):
        symdiff.swell("x*y", wrt="q")


def test_logistic_sympy_swells_exponentially_until_the_budget_stops_it():
    sizes = [2, 4, 6, 8, 10, 12, 14, 16, 18]
    rows = symdiff.swell_curve(
        "logistic", sizes, methods=["sympy"], modes=["raw"], budget_s=1.0, memory=False
    )
    assert [r["size"] for r in rows] == sizes
    done = [r for r in rows if not r["budget_exceeded"]]
    stop = next(r for r in rows if r["budget_exceeded"])
    assert stop["exceeded_step"] == "diff" and stop["skipped"] == ""
    later = rows[rows.index(stop) + 1 :]
    assert later and all(r["skipped"] == "stopped" and r["tree_size"] is None for r in later)
    assert len(done) >= 4
    trees = [r["tree_size"] for r in done]
    assert all(b > 4 * a for a, b in itertools.pairwise(trees))  # x ~6.5 per 2 steps of depth
    assert done[-1]["diff_s"] > 3 * done[-3]["diff_s"]  # time grows too (x ~2.3 per step)


def test_logistic_graph_stays_linear_to_depth_100():
    sizes = [25, 50, 75, 100]
    rows = symdiff.swell_curve(
        "logistic",
        sizes,
        methods=["graph"],
        modes=["raw", "program"],
        budget_s=10.0,
        memory=False,
    )
    assert not any(r["budget_exceeded"] for r in rows)
    raw = [r for r in rows if r["mode"] == "raw"]
    program = [r for r in rows if r["mode"] == "program"]
    for series in ([r["dag_size"] for r in raw], [r["cse_size"] for r in program]):
        steps = [b - a for a, b in itertools.pairwise(series)]
        assert max(steps) == min(steps)  # exactly linear in the depth
    assert raw[-1]["tree_size"] > 10**30 and "count_ops" in raw[-1]["skipped"]


@pytest.mark.parametrize(
    ("family", "sizes"),
    [("nested_sin_exp", [2, 4]), ("product", [2, 4]), ("rosenbrock", [2, 3]), ("mlp", [1])],
)
def test_other_families(family, sizes):
    rows = symdiff.swell_curve(
        family, sizes, modes=["raw", "cse", "program"], budget_s=10.0, memory=False
    )
    assert len(rows) == len(sizes) * 5
    assert not any(r["budget_exceeded"] or r["error"] for r in rows)
    assert {r["family"] for r in rows} == {family}
