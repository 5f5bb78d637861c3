"""Sparse Jacobians and Hessians by colouring: every result against the dense one (1e-12),
the patterns against the dense nonzeros, sweep counts, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import expr
from autodiff.sparse import SparsityError, star_colouring
from expr import catalog


def assert_matches(sparse, dense):
    dense = np.asarray(dense).reshape(sparse.shape)
    scale = max(1.0, float(np.max(np.abs(dense), initial=0.0)))
    np.testing.assert_allclose(sparse.toarray(), dense, rtol=1e-12, atol=1e-12 * scale)


def assert_covers(pattern, dense):
    """Every nonzero of the dense derivative is in the structural pattern."""
    nonzero = np.asarray(dense).reshape(pattern.shape) != 0
    assert not (nonzero & ~pattern.toarray()).any()


def check(kind, f, x, **options):
    """Sparse against dense and pattern against nonzeros; returns the stats."""
    sparse, dense, pattern = {
        "hessian": (autodiff.sparse_hessian, autodiff.hessian, autodiff.hessian_sparsity),
        "jacobian": (autodiff.sparse_jacobian, autodiff.jacfwd, autodiff.jacobian_sparsity),
    }[kind]
    matrix, stats = sparse(f, return_stats=True, **options)(x)
    expected = dense(f)(x)
    assert_matches(matrix, expected)
    assert_covers(pattern(f), expected)
    return stats


def banded(x):
    """f_i = x_{i-2} x_{i+2} + sin(x_i): bandwidth 2 (5 colours)."""
    return x[:-4] * x[4:] + expr.sin(x[2:-2]) ** 2.0


def arrowhead(x):
    """x_0 couples to everything: an arrowhead Hessian."""
    return expr.sum(expr.cos(x[0] * x[1:])) + expr.sum(x**4.0)


def tensor_out(x):
    """Reshape, transpose, getitem, broadcasting, matmul with a constant, reductions."""
    m = expr.reshape(x, (3, 4))
    w = np.arange(8.0).reshape(4, 2) / 7.0
    y = expr.sum(expr.tanh(m.T[1:, :]) * m[0, 1:], axis=0)  # (3,)
    z = expr.matmul(m, w) + expr.sum(m, axis=1, keepdims=True)  # (3, 2)
    return expr.reshape(z, (6,)) * expr.exp(y[0])


# ----------------------------------------------------------------------------- Hessians
def test_rosenbrock_200_from_three_hvps():
    f = catalog.rosenbrock(200)
    x = np.random.default_rng(0).standard_normal(200)
    H, stats = autodiff.sparse_hessian(f, return_stats=True)(x)
    assert 3 <= stats.sweeps <= 4 and stats.dense_sweeps == 200
    assert stats.nnz == 200 + 2 * 199  # tridiagonal
    assert_matches(H, autodiff.hessian(f)(x))


def test_rosenbrock_against_the_50_digit_reference():
    f = catalog.rosenbrock(6)
    x = np.array([0.3, -1.1, 0.8, 1.7, -0.4, 0.9])
    H = autodiff.sparse_hessian(f)(x)
    reference = np.array(expr.reference(f, [x], order=2), dtype=float)
    np.testing.assert_allclose(H.toarray(), reference, rtol=1e-13, atol=1e-10)


@pytest.mark.parametrize("colouring", ["star", "distance2"])
@pytest.mark.parametrize("builder", [banded, arrowhead], ids=["banded", "arrowhead"])
def test_hessian_matches_dense(builder, colouring):
    def scalar(x):
        out = builder(x)
        return out if out.shape == () else expr.sum(out * out)

    n = 30
    f = expr.trace(scalar, np.zeros(n))
    stats = check("hessian", f, np.random.default_rng(1).uniform(-1, 1, n), colouring=colouring)
    if builder is arrowhead:  # the hub alone, all leaves together: symmetry pays
        assert stats.sweeps == (2 if colouring == "star" else n)


@settings(max_examples=25)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=20),
    st.integers(0, 2**31),
)
def test_random_couplings_star_and_distance2(pairs, seed):
    """f = sum sin(x_i x_j) + sum x_i^3 over random pairs: any symmetric pattern."""
    left = np.array([i for i, _ in pairs])
    right = np.array([j for _, j in pairs])

    def fn(x):
        terms = [expr.sin(x[int(i)] * x[int(j)]) for i, j in zip(left, right)]
        return sum(terms, expr.sum(x**3.0))

    f = expr.trace(fn, np.zeros(12))
    x = np.random.default_rng(seed).uniform(-2, 2, 12)
    dense = autodiff.hessian(f)(x)
    for colouring in ("star", "distance2"):
        assert_matches(autodiff.sparse_hessian(f, colouring=colouring)(x), dense)


@settings(max_examples=25)
@given(st.sets(st.integers(-3, 3), min_size=1, max_size=5), st.integers(0, 2**31))
def test_random_bands_give_the_exact_pattern(offsets, seed):
    """f_i = sum over offsets o of sin(c_o x_{i+o}): the pattern is exactly that band."""
    n, offsets = 16, sorted(offsets)

    def fn(x):
        return sum(
            (expr.sin((o + 4.0) * x[3 + o : n - 3 + o]) for o in offsets[1:]),
            expr.sin((offsets[0] + 4.0) * x[3 + offsets[0] : n - 3 + offsets[0]]),
        )

    f = expr.trace(fn, np.zeros(n))
    expected = np.zeros((n - 6, n), dtype=bool)
    for i in range(n - 6):
        expected[i, [3 + i + o for o in offsets]] = True
    np.testing.assert_array_equal(autodiff.jacobian_sparsity(f).toarray(), expected)
    x = np.random.default_rng(seed).uniform(-1, 1, n)
    stats = check("jacobian", f, x)
    assert stats.sweeps <= max(offsets) - min(offsets) + 1


def test_star_colouring_separates_every_path_of_four():
    """The defining property: no path on four vertices uses only two colours."""
    rng = np.random.default_rng(3)
    a = rng.random((25, 25)) < 0.12
    pattern = np.triu(a, 1)
    pattern = pattern | pattern.T | np.eye(25, dtype=bool)
    import scipy.sparse as sp

    colours = star_colouring(sp.csr_array(pattern))
    edges = [(i, j) for i in range(25) for j in range(25) if i != j and pattern[i, j]]
    assert all(colours[i] != colours[j] for i, j in edges)
    neighbours = {i: [j for j in range(25) if j != i and pattern[i, j]] for i in range(25)}
    for a0, b0 in edges:
        for c0 in neighbours[b0]:
            for d0 in neighbours[c0]:
                if len({a0, b0, c0, d0}) == 4:
                    assert len({colours[a0], colours[b0], colours[c0], colours[d0]}) > 2


# ----------------------------------------------------------------------------- Jacobians
@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_banded_jacobian_matches_dense(mode):
    n = 40
    f = expr.trace(banded, np.zeros(n))
    stats = check("jacobian", f, np.random.default_rng(2).uniform(-1, 1, n), mode=mode)
    assert stats.sweeps <= 5 < n


def test_tensor_ops_pattern_and_values():
    f = expr.trace(tensor_out, np.zeros(12))
    check("jacobian", f, np.random.default_rng(4).uniform(-1, 1, 12))


def test_auto_picks_the_cheaper_direction():
    """A dense column favours forward colouring; dense rows favour reverse."""
    column = expr.trace(lambda x: x[0] * x[1:], np.zeros(20))
    rows = expr.trace(lambda x: expr.sum(expr.reshape(x, (2, 10)) ** 2.0, axis=1), np.zeros(20))
    for f, mode, sweeps in ((column, "forward", 2), (rows, "reverse", 1)):
        x = np.linspace(-1, 1, 20)
        J, stats = autodiff.sparse_jacobian(f, return_stats=True)(x)
        assert (stats.mode, stats.sweeps) == (mode, sweeps)
        assert_matches(J, autodiff.jacfwd(f)(x))


def test_batched_matmul_is_analysed_as_dense_and_stays_right():
    w = np.arange(8.0).reshape(2, 2, 2)
    f = expr.trace(
        lambda x: expr.reshape(expr.matmul(expr.reshape(x, (2, 2, 2)), w), (8,)), np.zeros(8)
    )
    x = np.linspace(0.1, 0.8, 8)
    assert autodiff.jacobian_sparsity(f).toarray().all()
    assert_matches(autodiff.sparse_jacobian(f)(x), autodiff.jacfwd(f)(x))


def test_piecewise_constant_ops_carry_no_dependency_and_python_functions_work():
    def fn(x, y):
        return expr.where(x > 0.0, x * y, expr.relu(x) + y[::-1])

    x, y = np.linspace(-1, 1, 6), np.linspace(2, 3, 6)
    J, stats = autodiff.sparse_jacobian(fn, argnums=1, return_stats=True)(x, y)
    assert_matches(J, autodiff.jacfwd(fn, argnums=1)(x, y))
    assert stats.nnz == 6 + 6 - 0 and stats.sweeps == 2


def test_constant_output_gives_empty_matrix_without_sweeps():
    f = expr.trace(lambda x: expr.sum(x > 0.0) * 2.0, np.zeros(5))
    H, stats = autodiff.sparse_hessian(f, return_stats=True)(np.ones(5))
    assert H.nnz == 0 and stats.sweeps == 0


# ----------------------------------------------------------------------------- errors
def test_errors_name_what_is_accepted():
    f = catalog.rosenbrock(4)
    with pytest.raises(SparsityError, match="mode must be one of auto, forward, reverse"):
        autodiff.sparse_jacobian(f, mode="sideways")
    with pytest.raises(SparsityError, match="colouring must be one of star, distance2"):
        autodiff.sparse_hessian(f, colouring="acyclic")
    with pytest.raises(autodiff.ArgnumsError, match="one input position"):
        autodiff.sparse_hessian(f, argnums=(0,))(np.ones(4))
    with pytest.raises(autodiff.NonScalarOutputError):
        autodiff.sparse_hessian(expr.trace(lambda x: x * 2.0, np.zeros(3)))(np.ones(3))
    with pytest.raises(SparsityError, match="over max_nnz=100"):
        autodiff.sparse_hessian(catalog.logsumexp_vector(20), max_nnz=100)(np.ones(20))
    two = expr.trace(lambda x: (x * 2.0, x), np.zeros(3))
    with pytest.raises(SparsityError, match="one output"):
        autodiff.sparse_jacobian(two)(np.ones(3))
