"""Sparse Jacobians and Hessians by graph colouring (Curtis-Powell-Reid; Coleman-Moré).

Three steps, each its own function:

1. **Pattern.** `jacobian_sparsity` propagates, through the graph in topological order, the set
   of input elements each element of each node depends on (a boolean sparse matrix per node:
   node elements x input elements). Elementwise ops follow broadcasting, reductions and
   `sum_to` scatter-add, `getitem`/`reshape`/`transpose`/`broadcast_to` gather (their own numpy
   kernel applied to an array of indices), `scatter` places, `matmul` combines rows and
   columns, piecewise-constant ops (comparisons, sign, step) have derivative 0 and so no
   dependency. Any other op is analysed conservatively as dense: each output element depends
   on everything any argument depends on. The pattern is structural (exact zeros that arise
   from values, like 0 * x, are kept), so it is a superset of the true nonzeros, never less.
   `hessian_sparsity` is the Jacobian pattern of the traced gradient graph, symmetrised.
2. **Colouring.** Jacobian: `networkx.greedy_color` (largest first) of the column-intersection
   graph (columns j, k adjacent when a row has both), or of the row-intersection graph for
   reverse mode; "auto" takes whichever needs fewer colours. Hessian: by default a greedy
   *star* colouring of the adjacency graph (a distance-1 colouring in which every path on four
   vertices has three colours, Gebremedhin-Manne-Pothen 2005), whose symmetric recovery needs
   far fewer colours on arrowhead patterns; or "distance2": `greedy_color` of the
   column-intersection graph of H (= distance-2 colouring of its adjacency graph), which
   ignores symmetry.
3. **Compressed sweeps.** One JVP (forward), VJP (reverse) or HVP per colour with the seed
   that sums the columns (rows) of that colour; every nonzero is then read off the compressed
   matrix, and each read is checked to be unambiguous before the scatter into `scipy.sparse`.

Cost: colours x (cost of one JVP/VJP/HVP) instead of n x; the pattern is O(graph x nnz).

>>> import numpy as np
>>> from expr import catalog
>>> H, stats = sparse_hessian(catalog.rosenbrock(200), return_stats=True)(np.full(200, 0.5))
>>> H.shape, stats.sweeps, stats.dense_sweeps
((200, 200), 3, 200)
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

import expr
from expr import Function

from .api import grad_graph, jvp, vjp
from .errors import ArgnumsError, AutodiffError

Pattern = sp.csr_array
JACOBIAN_MODES = ("auto", "forward", "reverse")
HESSIAN_COLOURINGS = ("star", "distance2")
GATHER_OPS = ("transpose", "reshape", "broadcast_to", "getitem")
#: Default budget of structural nonzeros per node pattern (about 120 MB); beyond it the
#: derivative is (nearly) dense and the dense transformations are the right tool.
MAX_NNZ = 10**7


class SparsityError(AutodiffError):
    """A sparse derivative was asked for something it cannot do (bad mode, several outputs)."""


@dataclass(frozen=True)
class SparseStats:
    """What a sparse derivative cost: `sweeps` JVPs/VJPs/HVPs (= colours) instead of
    `dense_sweeps`; `nnz` structural nonzeros; seconds spent in each of the three steps."""

    sweeps: int
    dense_sweeps: int
    mode: str
    colouring: str
    nnz: int
    shape: tuple[int, int]
    pattern_seconds: float
    colouring_seconds: float
    sweep_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The stats as a flat dict (for records/CSV)."""
        return dict(vars(self))


# ----------------------------------------------------------------------------- pattern
def _links(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> Pattern:
    """The 0/1 matrix with ones at (rows, cols): output element <- argument element."""
    rows, cols = np.ravel(rows), np.ravel(cols)
    return sp.csr_array((np.ones(rows.size, dtype=np.int64), (rows, cols)), shape=shape)


def _indices(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)


def _gather(index: np.ndarray, in_size: int) -> Pattern:
    """Output element k reads argument element index.flat[k]."""
    return _links(np.arange(index.size), index, (index.size, in_size))


def _scatter_add(target: np.ndarray, out_size: int) -> Pattern:
    """Argument element k is added into output element target.flat[k]."""
    return _links(target, np.arange(target.size), (out_size, target.size))


def _kept_shape(shape: tuple[int, ...], axis: tuple | None) -> tuple[int, ...]:
    return tuple(1 if axis is None or d in axis else s for d, s in enumerate(shape))


def _matmul_links(a: tuple, b: tuple, out_size: int) -> tuple[Pattern, Pattern] | None:
    """out[i, j] reads a[i, :] and b[:, j] (vectors promoted to 1 x k / k x 1); None for
    batched products (analysed as dense)."""
    if len(a) > 2 or len(b) > 2 or not a or not b:
        return None
    (m, k), p = (a if len(a) == 2 else (1, a[0])), (b[1] if len(b) == 2 else 1)
    i, j, kk = np.meshgrid(np.arange(m), np.arange(p), np.arange(k), indexing="ij")
    out = i * p + j
    return _links(out, i * k + kk, (out_size, m * k)), _links(out, kk * p + j, (out_size, k * p))


def _op_links(op: str, attrs: dict, arg_shapes: list, shape: tuple) -> list[Pattern] | None:
    """Per argument, the 0/1 matrix (output elements x argument elements) of which argument
    elements each output element reads; None when the op is not analysed (then dense)."""
    size = int(np.prod(shape, dtype=np.int64))
    spec = expr.OPS[op]
    if spec.kind == "elementwise":
        return [
            _gather(np.broadcast_to(_indices(s), shape), int(np.prod(s, dtype=np.int64)))
            for s in arg_shapes
        ]
    (first,) = arg_shapes[:1] or [()]
    in_size = int(np.prod(first, dtype=np.int64))
    if spec.kind == "reduction":
        axis = attrs.get("axis")
        kept = _indices(_kept_shape(first, axis))
        return [_scatter_add(np.broadcast_to(kept, first), size)]
    if op in GATHER_OPS:
        return [_gather(np.asarray(spec.kernel(_indices(first), **attrs)), in_size)]
    if op == "sum_to":
        return [_scatter_add(np.broadcast_to(_indices(shape), first), size)]
    if op == "scatter":
        target = np.asarray(_indices(shape)[attrs["index"]])
        source = np.broadcast_to(_indices(first), target.shape)
        return [_links(target, source, (size, in_size))]
    if op == "matmul":
        links = _matmul_links(arg_shapes[0], arg_shapes[1], size)
        return None if links is None else list(links)
    return None


def _over_budget(function: Function, node: int, count: int, max_nnz: int) -> None:
    if count > max_nnz:
        raise SparsityError(
            f"the sparsity pattern at node {node} ({function.op(node)}) of {function.name} has "
            f"{count} structural nonzeros, over max_nnz={max_nnz}; the derivative is (nearly) "
            "dense: use autodiff.jacfwd/jacrev/hessian, or raise max_nnz"
        )


def _propagate(function: Function, wrt: int, max_nnz: int = MAX_NNZ) -> list[Pattern | None]:
    """The dependency pattern of every node on input `wrt` (None: depends on nothing).
    One sparse product per op argument, in topological order (iterative)."""
    nodes = function.graph.nodes
    n = int(np.prod(function.input_shapes[wrt], dtype=np.int64))
    patterns: list[Pattern | None] = [None] * function.graph.number_of_nodes()
    patterns[function.inputs[wrt]] = sp.eye_array(n, dtype=np.int64, format="csr")
    for node, _kernel, args, attrs in function.program:
        op = nodes[node]["op"]
        parts = [patterns[a] for a in args]
        if expr.OPS[op].piecewise_constant or all(p is None for p in parts):
            continue
        shape = nodes[node]["shape"]
        size = int(np.prod(shape, dtype=np.int64))
        links = _op_links(op, attrs, [nodes[a]["shape"] for a in args], shape)
        if links is None:  # not analysed: every output element reads everything (dense)
            _over_budget(function, node, size * n, max_nnz)
            union = sum(abs(p).sum(axis=0) for p in parts if p is not None)
            row = sp.csr_array(np.asarray(union).reshape(1, n))
            pattern = sp.csr_array(sp.vstack([row] * size)) if size else sp.csr_array((0, n))
        else:
            pattern = sum(link @ p for link, p in zip(links, parts) if p is not None)
        pattern.data[:] = 1
        pattern.eliminate_zeros()
        _over_budget(function, node, pattern.nnz, max_nnz)
        patterns[node] = pattern
    return patterns


def _output_pattern(function: Function, wrt: int, max_nnz: int = MAX_NNZ) -> Pattern:
    """The pattern of the (first) output of `function` with respect to input `wrt`."""
    pattern = _propagate(function, wrt, max_nnz)[function.outputs[0]]
    rows = int(np.prod(function.output_shapes[0], dtype=np.int64))
    n = int(np.prod(function.input_shapes[wrt], dtype=np.int64))
    return sp.csr_array((rows, n), dtype=bool) if pattern is None else pattern.astype(bool)


def _position(function: Function, argnums: int) -> int:
    if isinstance(argnums, bool) or not isinstance(argnums, (int, np.integer)):
        raise ArgnumsError(
            f"sparse derivatives take one input position (an int) as argnums, got {argnums!r}"
        )
    if not -function.n_inputs <= argnums < function.n_inputs:
        raise ArgnumsError(
            f"argnums {argnums} is out of range for a function of {function.n_inputs} inputs"
        )
    return int(argnums) % function.n_inputs


def _single_output(function: Function, what: str) -> None:
    if not function.single_output:
        raise SparsityError(f"{what} needs a function with one output; {function.name} has several")


def jacobian_sparsity(f: Any, *args: Any, argnums: int = 0, max_nnz: int = MAX_NNZ) -> Pattern:
    """The structural sparsity pattern of df/dx (x = input `argnums`), a boolean sparse
    matrix (output size x input size). O(ops x nnz). `args` are needed only to trace a
    Python function; a node pattern over `max_nnz` nonzeros raises `SparsityError`.

    >>> jacobian_sparsity("sin(x) * 2", 0.5).toarray()
    array([[ True]])
    """
    function = expr.as_function(f, *args)
    _single_output(function, "jacobian_sparsity")
    return _output_pattern(function, _position(function, argnums), max_nnz)


def hessian_sparsity(f: Any, *args: Any, argnums: int = 0, max_nnz: int = MAX_NNZ) -> Pattern:
    """The structural pattern of the Hessian of a scalar f: the Jacobian pattern of its
    traced gradient graph, made symmetric. O(ops x nnz).

    >>> from expr import catalog
    >>> int(hessian_sparsity(catalog.rosenbrock(5)).sum())
    13
    """
    function = expr.as_function(f, *args)
    return _hessian_pattern(function, _position(function, argnums), max_nnz)[0]


def _hessian_pattern(function: Function, position: int, max_nnz: int) -> tuple[Pattern, Function]:
    """(symmetric Hessian pattern, the gradient graph it was read from)."""
    gradient = grad_graph(function, position)
    pattern = _output_pattern(gradient, position, max_nnz)
    return sp.csr_array(pattern + pattern.T).astype(bool), gradient


# ----------------------------------------------------------------------------- colouring
def _intersection_graph(pattern: Pattern) -> nx.Graph:
    """Columns j != k adjacent when some row has nonzeros in both (O(nnz of PᵀP))."""
    if pattern.nnz > 0.05 * pattern.shape[0] * pattern.shape[1]:  # nearly dense: BLAS
        dense = pattern.toarray().astype(np.float32)
        counts = sp.coo_array(np.triu(dense.T @ dense, 1))
    else:
        counts = sp.coo_array(pattern.astype(np.int64).T @ pattern.astype(np.int64))
    graph = nx.Graph()
    graph.add_nodes_from(range(pattern.shape[1]))
    graph.add_edges_from((int(j), int(k)) for j, k in zip(counts.row, counts.col) if j < k)
    return graph


def _as_array(colouring: dict[int, int], pattern: Pattern) -> np.ndarray:
    """The colours by column; -1 for an empty column (it needs no sweep)."""
    colours = np.array([colouring[k] for k in range(pattern.shape[1])], dtype=np.int64)
    colours[np.diff(sp.csc_array(pattern).indptr) == 0] = -1
    return colours


def column_colouring(pattern: Pattern) -> np.ndarray:
    """A colour per column such that no row has two nonzeros of one colour
    (`networkx.greedy_color`, largest first, of the column-intersection graph).

    >>> column_colouring(sp.csr_array(np.eye(3))).tolist()
    [0, 0, 0]
    """
    graph = _intersection_graph(pattern)
    return _as_array(nx.greedy_color(graph, strategy="largest_first"), pattern)


def star_colouring(pattern: Pattern) -> np.ndarray:
    """A greedy star colouring of the symmetric pattern's adjacency graph (largest degree
    first): adjacent vertices differ, and every nonzero h_ij is alone in its colour group in
    row i or in row j, so H is recovered from colours-many HVPs by symmetry.
    O(sum over vertices of degree x neighbours' degrees).

    >>> arrow = sp.csr_array(np.eye(4) + np.pad(np.ones((1, 4)), ((0, 3), (0, 0))))
    >>> star_colouring(arrow + arrow.T).tolist()
    [0, 1, 1, 1]
    """
    graph = nx.Graph(sp.coo_array(pattern).tocsr())
    graph.remove_edges_from(nx.selfloop_edges(graph))
    graph.add_nodes_from(range(pattern.shape[0]))
    colour: dict[int, int] = {}
    seen: dict[int, Counter] = defaultdict(Counter)  # seen[w][c]: coloured neighbours of w
    for v in sorted(graph, key=lambda u: (-graph.degree(u), u)):
        taken = {colour[w] for w in graph[v] if w in colour}
        c = 0
        while c in taken or not _star_ok(graph, colour, seen, v, c):
            c += 1
        colour[v] = c
        for w in graph[v]:
            seen[w][c] += 1
    return _as_array(colour, pattern)


def _star_ok(graph: nx.Graph, colour: dict, seen: dict, v: int, c: int) -> bool:
    """Whether colouring v with c keeps every coloured edge near v recoverable."""
    coloured = [w for w in graph[v] if w in colour]
    for w in coloured:
        seen[w][c] += 1
    try:
        for w in coloured:
            if seen[v][colour[w]] != 1 and seen[w][c] != 1:
                return False
            if seen[w][c] == 1:
                continue  # v is w's only neighbour of colour c: no other edge at w affected
            for x in graph[w]:
                if x != v and colour.get(x) == c and seen[x][colour[w]] != 1:
                    return False  # h_wx now shares row w's colour group with h_wv
        return True
    finally:
        for w in coloured:
            seen[w][c] -= 1


# ----------------------------------------------------------------------------- recovery
def _direct(pattern: Pattern, colours: np.ndarray) -> np.ndarray:
    """For each stored nonzero (i, j): is it alone in row i among columns of colour(j)?"""
    coo = sp.coo_array(pattern)
    used = np.flatnonzero(colours >= 0)
    groups = sp.csr_array(
        (np.ones(used.size, dtype=np.int64), (used, colours[used])),
        shape=(len(colours), int(colours.max(initial=-1)) + 1),
    )
    per_group = (pattern.astype(np.int64) @ groups).toarray()
    return per_group[coo.row, colours[coo.col]] == 1


def _recover(
    pattern: Pattern, colours: np.ndarray, compressed: np.ndarray, symmetric: bool
) -> sp.csr_array:
    """The matrix whose nonzeros are read off compressed[:, colour] (or, for symmetric
    patterns, off the mirror entry); a read that is not unambiguous raises."""
    coo = sp.coo_array(pattern)
    direct = _direct(pattern, colours)
    values = compressed[coo.row, colours[coo.col]]
    if symmetric and not direct.all():
        mirror_direct = direct.copy()  # the pattern is symmetric: (j, i) is stored too
        position = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(coo.row, coo.col))}
        for k in np.flatnonzero(~direct):
            i, j = int(coo.row[k]), int(coo.col[k])
            if mirror_direct[position[(j, i)]]:
                direct[k] = True
                values[k] = compressed[j, colours[i]]
    if not direct.all():
        raise AutodiffError(
            "internal: the colouring does not separate every nonzero; refusing to return a "
            "possibly wrong matrix"
        )
    return sp.csr_array((values, (coo.row, coo.col)), shape=pattern.shape)


def _indicator(colours: np.ndarray, c: int, shape: tuple) -> np.ndarray:
    return (colours == c).astype(np.float64).reshape(shape)


# ----------------------------------------------------------------------------- transformations
class _Sparse:
    """Shared part: the Function (converted once unless f is a Python callable), and the
    pattern and colouring cached per Function (they depend on structure only)."""

    def __init__(self, f: Any, argnums: int, return_stats: bool, max_nnz: int) -> None:
        self.f = f
        self.max_nnz = max_nnz
        self.argnums = argnums
        self.return_stats = return_stats
        fixed = isinstance(f, Function) or not callable(f)
        self._fixed = (f if isinstance(f, Function) else expr.as_function(f)) if fixed else None
        self._cache: dict[int, tuple] = {}

    def function(self, args: tuple) -> Function:
        return self._fixed if self._fixed is not None else expr.as_function(self.f, *args)

    def structure(self, function: Function) -> tuple:
        """(position, pattern, gradient graph or None, colours, mode, pattern seconds,
        colouring seconds) of `function`, cached for a fixed Function."""
        key = id(function)
        if function is not self._fixed or key not in self._cache:
            t0 = time.perf_counter()
            position, pattern, gradient = self._pattern(function)
            t1 = time.perf_counter()
            colours, mode = self._colour(pattern)
            found = (position, pattern, gradient, colours, mode, t1 - t0)
            self._cache[key] = (*found, time.perf_counter() - t1)
        return self._cache[key]

    def __call__(self, *args: Any) -> Any:
        function = self.function(args)
        position, pattern, gradient, colours, mode, t_pattern, t_colour = self.structure(function)
        start = time.perf_counter()
        sweeps = int(colours.max(initial=-1)) + 1
        source = gradient if gradient is not None else function
        matrix, counts = self._matrix(source, args, position, pattern, colours, sweeps, mode)
        if not self.return_stats:
            return matrix
        seconds = time.perf_counter() - start
        shape, nnz = pattern.shape, int(pattern.nnz)
        return matrix, SparseStats(sweeps, *counts, nnz, shape, t_pattern, t_colour, seconds)


class SparseJacobian(_Sparse):
    """The callable `sparse_jacobian` returns."""

    def __init__(self, f: Any, argnums: int, mode: str, return_stats: bool, max_nnz: int) -> None:
        if mode not in JACOBIAN_MODES:
            raise SparsityError(f"mode must be one of {', '.join(JACOBIAN_MODES)}, got {mode!r}")
        super().__init__(f, argnums, return_stats, max_nnz)
        self.mode = mode

    def _pattern(self, function: Function) -> tuple:
        _single_output(function, "sparse_jacobian")
        position = _position(function, self.argnums)
        return position, _output_pattern(function, position, self.max_nnz), None

    def _colour(self, pattern: Pattern) -> tuple:
        """The colouring of the columns (forward) or of the rows (reverse); under mode
        "auto" whichever needs fewer sweeps."""
        columns = column_colouring(pattern) if self.mode != "reverse" else None
        rows = column_colouring(sp.csr_array(pattern.T)) if self.mode != "forward" else None
        count = {
            k: 0 if c is None else int(c.max(initial=-1)) + 1
            for k, c in (("forward", columns), ("reverse", rows))
        }
        mode = self.mode
        if mode == "auto":
            mode = "forward" if count["forward"] <= count["reverse"] else "reverse"
        return (columns if mode == "forward" else rows), mode

    def _matrix(self, function, args, position, pattern, colours, sweeps, mode) -> tuple:
        """The Jacobian from one JVP per column colour or one VJP per row colour; and the
        stats' (dense sweeps, mode, colouring)."""
        if mode == "forward":
            compressed = _forward_sweeps(function, args, position, colours, sweeps)
            matrix = _recover(pattern, colours, compressed, symmetric=False)
        else:
            compressed = _reverse_sweeps(function, args, position, colours, sweeps)
            matrix = sp.csr_array(_recover(sp.csr_array(pattern.T), colours, compressed, False).T)
        dense = pattern.shape[1] if mode == "forward" else pattern.shape[0]
        return matrix, (dense, mode, "greedy_color largest_first")


def _forward_sweeps(function: Function, args: tuple, position: int, colours, sweeps) -> Any:
    """compressed[:, c] = J · (sum of the unit columns of colour c): one JVP each (of the
    first output: the gradient graph's, for Hessians)."""
    shape = function.input_shapes[position]
    zeros = [np.zeros(np.shape(a)) for a in args]
    columns = []
    for c in range(sweeps):
        tangents = [*zeros]
        tangents[position] = _indicator(colours, c, shape)
        _out, t = jvp(function, args, tangents)
        columns.append(np.ravel(t[0] if isinstance(t, tuple) else t))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _reverse_sweeps(function: Function, args: tuple, position: int, colours, sweeps) -> Any:
    """compressed[:, c] = Jᵀ · (sum of the unit rows of colour c): one VJP each."""
    _out, pullback = vjp(function, *args)
    shape = function.output_shapes[0]
    rows = [np.ravel(pullback(_indicator(colours, c, shape))[position]) for c in range(sweeps)]
    return np.stack(rows, axis=1) if rows else np.zeros((0, 0))


class SparseHessian(_Sparse):
    """The callable `sparse_hessian` returns."""

    def __init__(
        self, f: Any, argnums: int, colouring: str, return_stats: bool, max_nnz: int
    ) -> None:
        if colouring not in HESSIAN_COLOURINGS:
            raise SparsityError(
                f"colouring must be one of {', '.join(HESSIAN_COLOURINGS)}, got {colouring!r}"
            )
        super().__init__(f, argnums, return_stats, max_nnz)
        self.colouring = colouring

    def _pattern(self, function: Function) -> tuple:
        position = _position(function, self.argnums)
        return (position, *_hessian_pattern(function, position, self.max_nnz))

    def _colour(self, pattern: Pattern) -> tuple:
        star = self.colouring == "star"
        return (star_colouring(pattern) if star else column_colouring(pattern)), "hvp"

    def _matrix(self, gradient, args, position, pattern, colours, sweeps, mode) -> tuple:
        """H·v = the JVP of the gradient graph (forward-over-reverse): one HVP per colour;
        and the stats' (dense sweeps, mode, colouring)."""
        compressed = _forward_sweeps(gradient, args, position, colours, sweeps)
        matrix = _recover(pattern, colours, compressed, symmetric=self.colouring == "star")
        name = "star (greedy)" if self.colouring == "star" else "distance-2 (greedy_color)"
        return matrix, (pattern.shape[0], mode, name)


def sparse_jacobian(
    f: Any,
    argnums: int = 0,
    *,
    mode: str = "auto",
    return_stats: bool = False,
    max_nnz: int = MAX_NNZ,
) -> SparseJacobian:
    """The Jacobian of f with respect to input `argnums` as a `scipy.sparse.csr_array`
    (output size x input size), from colours-many JVPs ("forward"), VJPs ("reverse"), or
    whichever needs fewer ("auto"). With return_stats, (matrix, SparseStats). A pattern over
    `max_nnz` structural nonzeros (a dense derivative) raises `SparsityError` at once.

    Cost: pattern O(ops x nnz) once per Function, then sweeps x cost of a JVP/VJP.

    >>> import numpy as np, expr
    >>> f = expr.trace(lambda x: expr.sin(x[1:] * x[:-1]), np.zeros(6))
    >>> J, stats = sparse_jacobian(f, return_stats=True)(np.linspace(0, 1, 6))
    >>> J.shape, J.nnz, stats.sweeps
    ((5, 6), 10, 2)
    """
    return SparseJacobian(f, argnums, mode, return_stats, max_nnz)


def sparse_hessian(
    f: Any,
    argnums: int = 0,
    *,
    colouring: str = "star",
    return_stats: bool = False,
    max_nnz: int = MAX_NNZ,
) -> SparseHessian:
    """The Hessian of a scalar f with respect to input `argnums` as a `scipy.sparse.csr_array`
    from colours-many HVPs (forward-over-reverse). colouring: "star" (default; symmetric
    recovery) or "distance2" (column-intersection colouring, no symmetry used). With
    return_stats, (matrix, SparseStats); `max_nnz` as in `sparse_jacobian`.

    >>> import numpy as np
    >>> from expr import catalog
    >>> H = sparse_hessian(catalog.rosenbrock(4))(np.ones(4))
    >>> H.toarray()[0, :2].tolist()
    [802.0, -400.0]
    """
    return SparseHessian(f, argnums, colouring, return_stats, max_nnz)
