"""The one place that calls the three backends, in a uniform shape for the experiments.

Every function here takes an `expr.Function` and a tuple of inputs and returns numpy
arrays; method names are the canonical keys of `compare.style.METHODS`:
reverse, forward_mode (AD); sympy, graph (symbolic); forward, backward, central, central4,
richardson, complex_step, auto (numerical).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy
from sympy.printing.str import StrPrinter

import autodiff
import expr
import numdiff
import symdiff
from symdiff.source import as_scalar

from .errors import CompareError, check_names

AD_METHODS = ("reverse", "forward_mode")
SYMBOLIC_METHODS = ("sympy", "graph")
FD_METHODS = ("forward", "backward", "central", "central4", "richardson", "complex_step", "auto")

#: Largest graph whose finite-difference error model numdiff builds with SymPy.
SYMPY_MODEL_MAX_OPS = 8

#: Our method keys -> numdiff's method names.
NUMDIFF_NAMES = {
    "forward": "forward",
    "backward": "backward",
    "central": "central",
    "central4": "five_point",
    "richardson": "richardson",
    "complex_step": "complex",
    "auto": "auto",
}


def check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    """`methods` as a tuple of known method keys; a string, a non-sequence or an unknown
    name is refused with the list of known methods.

    >>> check_methods(["reverse", "central"])
    ('reverse', 'central')
    """
    return tuple(check_names(methods, "methods", _all_methods()))


def flat(values: Any) -> np.ndarray:
    """A gradient (array, or tuple of arrays per input) as one flat float64 vector."""
    if isinstance(values, (tuple, list)):
        parts = [np.asarray(v, dtype=np.float64).ravel() for v in values]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(values, dtype=np.float64).ravel()


def relative_error(estimate: Any, reference: Any) -> float:
    """||estimate - reference||_inf / ||reference||_inf (absolute when the reference is 0).

    >>> relative_error([1.0, 2.0], [1.0, 2.5])
    0.2
    """
    est, ref = flat(estimate), flat(reference)
    if est.shape != ref.shape:
        raise CompareError(f"estimate has {est.size} entries, the reference {ref.size}")
    if not np.all(np.isfinite(est)):
        return float("inf")
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    error = float(np.max(np.abs(est - ref))) if ref.size else 0.0
    return error / scale if scale > 0 else error


def _argnums(f: expr.Function) -> int | tuple[int, ...]:
    return 0 if f.n_inputs == 1 else tuple(range(f.n_inputs))


def gradient_callable(f: expr.Function, method: str) -> Callable[..., Any]:
    """A callable xs -> gradient (tuple per input, or one array) by `method`."""
    if method == "reverse":
        return autodiff.grad(f, argnums=_argnums(f))
    if method == "forward_mode":
        return autodiff.jacfwd(f, argnums=_argnums(f))
    if method in SYMBOLIC_METHODS:
        return symbolic_callable(f, method)
    if method in NUMDIFF_NAMES:
        name = NUMDIFF_NAMES[method]
        return lambda *xs: numdiff.gradient(f, xs if len(xs) > 1 else xs[0], method=name)
    raise CompareError(f"unknown method {method!r}; known: {', '.join(_all_methods())}")


def _all_methods() -> list[str]:
    return [*AD_METHODS, *SYMBOLIC_METHODS, *FD_METHODS]


def symbolic_callable(f: expr.Function, method: str) -> Callable[..., Any]:
    """Differentiate symbolically once (`method` "sympy" or "graph"), lambdify, and return
    the numpy callable xs -> flat gradient (tensor inputs element by element, C order)."""
    gradient = symdiff.gradient(f, method=method)
    compiled = symdiff.lambdify(gradient, as_scalar(f).symbols)

    def evaluate(*xs: Any) -> np.ndarray:
        return compiled(*flat(list(xs)))

    return evaluate


def symbolic_sizes(f: expr.Function, budget_s: float = 10.0) -> dict[str, Any]:
    """The function as a string and the op counts (tree ops, exact) of f and of its
    derivative by SymPy's diff: raw, expanded, and after CSE (symdiff's swell records);
    and the three forms of the derivative as strings (the CSE form as "x0 = ...; d = ...")."""
    sizes: dict[str, Any] = {
        "l_n": str(f.to_sympy()),
        "size_f": int(symdiff.tree_ops(f.to_sympy())),
    }
    for mode, key in (("raw", "size_raw"), ("expanded", "size_expanded"), ("cse", "size_cse")):
        record = symdiff.swell(f, "sympy", mode, budget_s=budget_s, memory=False)
        sizes[key] = record["tree_ops"]
    derivative = symdiff.derivative(f, method="sympy")
    sizes["derivative_raw"] = str(derivative)
    sizes["derivative_expanded"] = str(sympy.expand(derivative))
    replacements, reduced = sympy.cse([derivative], order="none")
    sizes["derivative_cse"] = "; ".join(
        [f"{name} = {rhs}" for name, rhs in replacements] + [f"d = {reduced[0]}"]
    )
    return sizes


#: swell figure measures: (symdiff method, mode, size field) -> our measure name. The
#: SymPy series are the expensive ones (run until their time budget stops them); the
#: "graph" method's are cheap (sizes counted exactly on the shared DAG).
SWELL_MEASURES = {
    ("sympy", "raw", "tree_size"): "tree",
    ("sympy", "raw", "dag_size"): "dag",
    ("sympy", "expanded", "tree_size"): "expanded",
    ("sympy", "cse", "cse_size"): "cse",
    ("graph", "raw", "tree_size"): "graph_tree",
    ("graph", "raw", "dag_size"): "graph",
    ("graph", "program", "cse_size"): "graph_program",
}


def swell_records(
    depths: Sequence[int],
    seconds: float,
    method: str = "sympy",
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """symdiff's swell curves of the logistic map's derivative as (depth, measure, size,
    stopped, time_s, budget_s) rows, one depth at a time (`progress` is told each depth).
    method "sympy": SymPy's diff as a tree, as a DAG, expanded, after CSE; method "graph":
    the graph method's derivative as a tree (exact, counted on the DAG), as a DAG, and as
    its assignment program, plus the function's own SymPy tree size (measure
    "function_tree"). `seconds` is the budget of each step; a step over budget ends its
    series (its row is marked stopped; larger depths are not run); when the differentiation
    itself ran over, every form of the method stops."""
    modes = ["raw", "expanded", "cse"] if method == "sympy" else ["raw", "program"]
    rows: list[dict[str, Any]] = []
    for depth in depths:
        if not modes:
            break
        if progress is not None:
            progress(f"{method} depth {depth}")
        # count_ops is not drawn: skip it (max_tree_size=0), so only the forms drawn count
        records = symdiff.swell_curve(
            "logistic",
            [depth],
            methods=(method,),
            modes=modes,
            budget_s=seconds,
            memory=False,
            max_tree_size=0,
        )
        for record in records:
            rows += _swell_rows(record, seconds)
            if record["budget_exceeded"]:
                every = record.get("exceeded_step") in ("function size", "diff")
                modes = [] if every else [m for m in modes if m != record["mode"]]
    return rows


def _swell_rows(record: dict[str, Any], seconds: float) -> list[dict[str, Any]]:
    """Our rows of one symdiff swell record (one per measure it holds)."""
    depth, stopped = int(record["size"]), bool(record["budget_exceeded"])
    rows = []
    if record["method"] == "graph" and record["mode"] == "raw":
        size = record.get("f_tree_size")
        rows.append(
            {
                "depth": depth,
                "measure": "function_tree",
                "size": None if size is None else int(size),
                "stopped": stopped and size is None,
            }
        )
    for (name, mode, field), measure in SWELL_MEASURES.items():
        if record["method"] == name and record["mode"] == mode:
            size = record.get(field)
            rows.append(
                {
                    "depth": depth,
                    "measure": measure,
                    "size": None if size is None else int(size),
                    "stopped": stopped,
                    "time_s": record.get("time_s"),
                    "budget_s": seconds,
                }
            )
    return rows


def gradient(f: expr.Function, xs: Sequence[Any], method: str) -> Any:
    """The gradient of scalar `f` at `xs` by `method`."""
    return gradient_callable(f, method)(*xs)


def jacobian_callable(f: expr.Function, method: str) -> Callable[..., Any]:
    """Full Jacobian callable: jacfwd ("forward_mode") or jacrev ("reverse")."""
    if method == "forward_mode":
        return autodiff.jacfwd(f)
    if method == "reverse":
        return autodiff.jacrev(f)
    raise CompareError(f"jacobian method must be forward_mode or reverse, got {method!r}")


def exact_errors(f: expr.Function, xs: Sequence[Any], reference: Any) -> dict[str, float]:
    """Relative error of reverse and forward AD and of symbolic differentiation at xs."""
    out = {}
    for method in (*AD_METHODS, *SYMBOLIC_METHODS):
        out[method] = relative_error(gradient(f, xs, method), reference)
    return out


def fd_sweep(
    f: expr.Function,
    xs: Sequence[Any],
    steps: Sequence[float],
    methods: Sequence[str],
    reference: Any,
    dtype: str = "float64",
) -> list[dict[str, Any]]:
    """numdiff's sweep of a one-input scalar f, as compare records: kind="curve" rows
    (method, h, rel_error, model_rel_error = the truncation + round-off model there) and
    kind="optimum" rows (method, h = the model's optimal step, rel_error = its error there;
    no row when the model has no finite optimum, as for the complex step)."""
    names = {NUMDIFF_NAMES[m]: m for m in methods}
    point = xs[0] if len(xs) == 1 else tuple(xs)
    # numdiff takes the model constant |f^(p+1)(x)| from SymPy for a Function, which is slow
    # on deep nests (seconds for l_4); for larger graphs give it a black box, and it
    # estimates the constant by differences instead.
    target: Any = f if f.size() <= SYMPY_MODEL_MAX_OPS else (lambda *v: f(*v))
    records = numdiff.sweep(
        target,
        point,
        steps=np.asarray(steps, dtype=np.float64),
        methods=list(names),
        reference=float(flat(reference)[0]),
        dtype=np.dtype(dtype),
    )
    rows: list[dict[str, Any]] = []
    for record in records:
        method = names[record["label"]]
        if record["kind"] == "step":
            rows.append(
                {
                    "kind": "curve",
                    "method": method,
                    "h": float(record["step"]),
                    "rel_error": float(record["rel_error"]),
                    "model_rel_error": float(record["model_error"]),
                }
            )
        elif record["kind"] == "summary":
            h = record.get("theory_step")
            if h is not None and np.isfinite(h) and h > 0:
                rows.append(
                    {
                        "kind": "optimum",
                        "method": method,
                        "h": float(h),
                        "rel_error": float(record["theory_error"]),
                        "best_h": float(record["best_step"]),
                        "best_rel_error": float(record["best_error"]),
                    }
                )
    return rows


# ----------------------------------------------------------------------------- autodiff views
def value_and_grad_callable(f: expr.Function) -> Callable[..., Any]:
    """xs -> (f(xs), gradient) by reverse mode."""
    return autodiff.value_and_grad(f, argnums=_argnums(f))


def compiled_callable(f: expr.Function) -> Callable[..., Any]:
    """xs -> f(xs) by the compiled program (`autodiff.jit`: straight-line numpy code), the
    value-only counterpart of the compiled gradient that `autodiff.grad` runs."""
    return autodiff.jit(f)


def op_counts(f: expr.Function, xs: Sequence[Any]) -> dict[str, int]:
    """Op nodes of f and of value+gradient recorded as a graph (autodiff's count)."""
    counts = autodiff.op_counts(f, *xs, argnums=_argnums(f))
    return {"ops_f": int(counts["f"]), "ops_grad": int(counts["value_and_grad"])}


def gradient_graph_size(f: expr.Function, xs: Sequence[Any]) -> int:
    """Op nodes of the reverse-mode gradient of f recorded as a graph."""
    return int(autodiff.grad_graph(f, _argnums(f), *xs).size())


def _bar(label: str) -> str:
    return "v\u0304" + label[1:] if label.startswith("v") else f"{label}\u0304"


@functools.lru_cache(maxsize=256)
def _partial_template(op_name: str, i: int) -> tuple[Any, tuple, Any] | None:
    """d op / d a_i from the op's SymPy counterpart, the output written back as a symbol
    where it reappears (d exp = exp); None for ops that are not elementwise."""
    op = expr.OPS[op_name]
    if op.kind != "elementwise" or op.sympy is None:
        return None
    args = sympy.symbols(f"a0:{op.arity}", real=True)  # real: d|a|/da is sign(a)
    value = op.sympy(*args)
    out = sympy.Symbol("out", real=True)
    return sympy.diff(value, args[i]).subs(value, out), args, out


class _PartialPrinter(StrPrinter):
    """SymPy's str, with an indicator Piecewise((1, c), (0, True)) written [c] (Iverson's
    bracket) and a != b as a ≠ b."""

    def _print_Piecewise(self, e: Any) -> str:
        pieces = [(piece.expr, piece.cond) for piece in e.args]
        if len(pieces) == 2 and pieces[0][0] == 1 and pieces[1] == (0, sympy.true):
            return f"[{self._print(pieces[0][1])}]"
        return self._print_Function(e)

    def _print_Unequality(self, e: Any) -> str:
        return f"{self._print(e.lhs)} ≠ {self._print(e.rhs)}"


def partial_text(op_name: str, out_label: str, arg_labels: Sequence[str], i: int) -> str:
    """The local partial d v / d arg_i of an op as text, from the labels of v and its args,
    derived from the ops table ("∂" where it has no closed form).

    >>> partial_text("sin", "v2", ["v0"], 0), partial_text("exp", "v2", ["v0"], 0)
    ('cos(v0)', 'v2')
    >>> partial_text("abs", "v2", ["v0"], 0), partial_text("relu", "v2", ["v0"], 0)
    ('sign(v0)', '[v0 > 0]')
    """
    if expr.OPS[op_name].piecewise_constant:
        return "0"
    template = _partial_template(op_name, i)
    if template is None:
        return "∂"
    d, args, out = template
    names = {a: sympy.Symbol(label) for a, label in zip(args, arg_labels)}
    text = _PartialPrinter().doprint(d.xreplace({**names, out: sympy.Symbol(out_label)}))
    return text.replace("**2", "²").replace("*", "·")


def backward_table(f: expr.Function, xs: Sequence[Any]) -> list[dict[str, Any]]:
    """autodiff's backward table (node, label, op, adjoint) with the adjoint rule written
    out: ū = sum over the users v of u of v̄ · dv/du, in backward-sweep order."""
    labels = f.labels()
    users: dict[int, list[tuple[int, int]]] = {}
    for node, _, args, _ in f.program:
        for i, arg in enumerate(args):
            users.setdefault(arg, []).append((node, i))
    rows = []
    for row in autodiff.backward_table(f, *xs):
        node = row["node"]
        terms = []
        for user, i in users.get(node, []):
            arg_labels = [labels[a] for a in f.args(user)]
            partial = partial_text(f.op(user), labels[user], arg_labels, i)
            terms.append(_bar(labels[user]) + ("" if partial == "1" else f"·{partial}"))
        rule = " + ".join(terms) if terms else "1 (seed)"
        rows.append(
            {
                "node": node,
                "label": _bar(row["label"]),
                "op": row["op"],
                "expression": rule,
                "adjoint": float(np.asarray(row["adjoint"])),
            }
        )
    return rows


def dual_table(f: expr.Function, xs: Sequence[Any], seed: int) -> list[dict[str, Any]]:
    """autodiff's forward table in Dual numbers (node, label, op, value, tangent = d v /
    d x_seed), in evaluation order."""
    return [
        {**row, "value": float(row["value"]), "tangent": float(np.asarray(row["tangent"]))}
        for row in autodiff.dual_table(f, *xs, seed=seed)
    ]
