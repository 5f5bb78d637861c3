"""The sparsity experiment (figure 15): sweep counts per structure, sparse = dense."""

from __future__ import annotations

from compare.experiments.sparsity import sparsity
from compare.plots.sparsity import caption_sparsity, select_sparsity
from compare.records import select


def test_sweeps_per_structure_and_sparse_equals_dense():
    rows = sparsity(sizes=(8, 24), repeat=1)
    for n in (8, 24):
        sweeps = {(r["problem"], r["method"]): r["sweeps"] for r in select(rows, n=n)}
        assert sweeps[("dense", "star")] == sweeps[("dense", "dense")] == n
        assert sweeps[("banded", "star")] == sweeps[("banded", "distance2")] == 3
        assert (sweeps[("arrowhead", "star")], sweeps[("arrowhead", "distance2")]) == (2, n)
    assert max(r["max_rel_difference"] for r in rows) <= 1e-12
    caption = caption_sparsity(select_sparsity(rows))
    assert "At n = 24" in caption and "arrowhead 2" in caption
