"""Expression swell, measured honestly and under budgets: `swell` (one record) and
`swell_curve` (tidy records over a catalog family).

A record describes one *form* of the derivative (the gradient, for several inputs) of one
function by one method:

- mode "raw": the derivative as the method returns it (SymPy's `diff` output, or the
  "graph" method's shared DAG inlined bottom-up);
- "expanded": after `sympy.expand` (the textbook blow-up);
- "cse": after `sympy.cse` (replacements + reduced expressions);
- "simplified": after `sympy.simplify` (slow; not in the default curves);
- "program": the "graph" method's own assignment list (one per node; graph method only).

Fields: `tree_size` (nodes written out as a tree with no sharing, exact, counted on the DAG),
`dag_size` (distinct subexpressions), `tree_ops` (ops of the tree, exact), `count_ops`
(`sympy.count_ops`, which walks the tree: skipped above `max_tree_size`), `cse_size`
(cse-like forms only: sum of 1 + tree_size(rhs) per assignment, plus tree_size of the
outputs), `n_assignments`, `diff_s` (differentiation time), `transform_s` (expand/cse/...),
`time_s` (both), `peak_bytes` (tracemalloc peak of a second, separate differentiation run),
`lambdify_s`, and for the function itself `f_tree_size`, `f_dag_size`, `f_ops` (graph op
nodes). In the "cse" and "program" modes the size fields count the assignment right-hand
sides and the outputs together. `budget_exceeded` is True when a step was stopped
(`exceeded_step` names it; what came before is kept); `skipped` lists steps not run because
of the size budget; `error` holds an unexpected failure inside SymPy.
"""

from __future__ import annotations

import itertools
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import sympy
from sympy.core.cache import clear_cache

import expr
from expr import catalog, checks

from .budget import Reporter, check_budget, run_job
from .differentiate import check_method
from .errors import BudgetExceeded, SymdiffError
from .numeric import lambdify
from .program import Program, from_function, reverse
from .size import count_ops, cse_size, dag_size, tree_ops, tree_size
from .source import Scalar, as_scalar, resolve_wrt

MODES = ("raw", "expanded", "cse", "simplified", "program")
DEFAULT_MODES = ("raw", "cse", "expanded")

#: The families of `swell_curve`: name -> (builder of the Function at a size, variables).
FAMILIES: dict[str, tuple[Callable[[int], expr.Function], tuple[str, ...] | None]] = {
    "logistic": (catalog.logistic_map, None),
    "nested_sin_exp": (catalog.nested_sin_exp, None),
    "product": (catalog.product, None),
    "rosenbrock": (catalog.rosenbrock, None),
    "mlp": (lambda hidden: catalog.mlp_loss(hidden, batch=2), ("W1", "b1", "W2", "b2")),
}

FIELDS = (
    "function",
    "method",
    "mode",
    "n_inputs",
    "f_ops",
    "f_tree_size",
    "f_dag_size",
    "tree_size",
    "dag_size",
    "tree_ops",
    "count_ops",
    "cse_size",
    "n_assignments",
    "diff_s",
    "transform_s",
    "time_s",
    "peak_bytes",
    "lambdify_s",
    "budget_s",
    "budget_exceeded",
    "exceeded_step",
    "skipped",
    "error",
)


def _check_mode(mode: str, method: str) -> None:
    if mode not in MODES:
        raise SymdiffError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if mode == "program" and method != "graph":
        raise SymdiffError('mode "program" is the "graph" method\'s assignment list only')


def _differentiate(scalar: Scalar, symbols: list, method: str, inline: bool) -> tuple:
    """(list of derivative expressions or None, the graph program or None)."""
    if method == "sympy":
        return [sympy.diff(out, s) for out in scalar.outputs for s in symbols], None
    program = reverse(from_function(scalar.graph, list(scalar.symbols)), symbols)
    return (program.inline() if inline else None), program


def _job(
    scalar: Scalar,
    symbols: list,
    method: str,
    mode: str,
    max_tree_size: int,
    memory: bool,
    with_lambdify: bool,
) -> Callable[[Reporter], None]:
    def job(reporter: Reporter) -> None:
        reporter.step("function size")
        reporter.send(
            f_ops=scalar.graph.size(),
            f_tree_size=tree_size(list(scalar.outputs)),
            f_dag_size=dag_size(list(scalar.outputs)),
        )
        clear_cache()
        reporter.step("diff")
        start = time.perf_counter()
        exprs, program = _differentiate(scalar, symbols, method, inline=mode != "program")
        diff_s = time.perf_counter() - start
        reporter.send(diff_s=diff_s)
        reporter.step(mode)
        start = time.perf_counter()
        replacements, form = _transform(mode, exprs, program)
        transform_s = time.perf_counter() - start
        reporter.send(transform_s=transform_s, time_s=diff_s + transform_s)
        skipped = _send_sizes(reporter, mode, replacements, form, max_tree_size)
        if memory:
            reporter.step("memory", factor=8.0)  # tracemalloc slows SymPy about 5x
            clear_cache()
            tracemalloc.start()
            try:
                _differentiate(scalar, symbols, method, inline=mode != "program")
                reporter.send(peak_bytes=tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
        if with_lambdify:
            reporter.step("lambdify")
            start = time.perf_counter()
            variables = scalar.symbols
            lambdify(Program(variables, tuple(replacements), tuple(form)), variables)
            reporter.send(lambdify_s=time.perf_counter() - start)
        reporter.send(skipped=";".join(skipped))

    return job


def _transform(mode: str, exprs: list | None, program: Any) -> tuple[list, list]:
    """The derivatives in the form `mode` names: (assignments, outputs)."""
    if mode == "expanded":
        return [], [sympy.expand(e) for e in exprs]
    if mode == "simplified":
        return [], [sympy.simplify(e) for e in exprs]
    if mode == "cse":
        replacements, form = sympy.cse(exprs, order="none")
        return replacements, form
    if mode == "program":
        return list(program.assignments), list(program.outputs)
    return [], exprs


def _send_sizes(
    reporter: Reporter, mode: str, replacements: list, form: list, max_tree_size: int
) -> list[str]:
    """Report the sizes of a form (count_ops only up to `max_tree_size`: it walks the tree);
    returns the measures skipped."""
    reporter.step("size")
    parts = [rhs for _, rhs in replacements] + list(form)
    size = tree_size(parts)
    reporter.send(tree_size=size, dag_size=dag_size(parts), tree_ops=tree_ops(parts))
    if mode in ("cse", "program"):
        reporter.send(cse_size=cse_size(replacements, form), n_assignments=len(replacements))
    reporter.step("count_ops")
    if size > max_tree_size:
        return ["count_ops"]
    reporter.send(count_ops=count_ops(parts))
    return []


def swell(
    f: Any,
    method: str = "graph",
    mode: str = "raw",
    *,
    budget_s: float = 5.0,
    args: Sequence[Any] = (),
    wrt: Any = None,
    strict: bool = False,
    max_tree_size: int = 10**6,
    memory: bool = True,
    lambdify: bool = False,
) -> dict[str, Any]:
    """One flat record of the size and cost of f's derivative (gradient) in one form.

    Each step (function size, diff, the mode's transform, sizes, count_ops, memory,
    lambdify) runs in a forked worker within `budget_s` seconds (the memory run, under
    tracemalloc, within 8x); `count_ops` is skipped when the tree has more than
    `max_tree_size` nodes (the size budget). An overrun gives `budget_exceeded=True` with
    everything measured before it, or `BudgetExceeded` when `strict`. See the module
    docstring for the fields. Cost: the step itself plus one fork (~10 ms).

    >>> r = swell("sin(x)**2", method="graph", mode="raw", memory=False)
    >>> r["tree_size"], r["dag_size"], r["budget_exceeded"]
    (6, 5, False)
    """
    check_method(method)
    _check_mode(mode, method)
    if isinstance(max_tree_size, bool) or not isinstance(max_tree_size, int) or max_tree_size < 0:
        raise SymdiffError(f"max_tree_size must be a non-negative int, got {max_tree_size!r}")
    scalar = as_scalar(f, args)
    symbols = [scalar.symbols[i] for i in resolve_wrt(scalar, wrt)]
    job = _job(scalar, symbols, method, mode, max_tree_size, memory, lambdify)
    outcome = run_job(job, budget_s)
    record: dict[str, Any] = dict.fromkeys(FIELDS)
    record.update(
        function=scalar.function.name,
        method=method,
        mode=mode,
        n_inputs=len(symbols),
        budget_s=budget_s,
        skipped="",
    )
    record.update({k: v for k, v in outcome.values.items() if k in record})
    record["budget_exceeded"] = outcome.exceeded_step is not None
    record["exceeded_step"] = outcome.exceeded_step
    record["error"] = outcome.error
    if strict and outcome.exceeded_step is not None:
        raise BudgetExceeded(
            f"swell of {record['function']} ({method}, {mode}): step "
            f"{outcome.exceeded_step!r} ran over its budget of {budget_s:g} s",
            step=outcome.exceeded_step,
            record=record,
        )
    if strict and outcome.error is not None:
        raise SymdiffError(f"swell of {record['function']} ({method}, {mode}): {outcome.error}")
    return record


def _family(family: Any) -> tuple[str, Callable[[int], expr.Function], Any]:
    if callable(family):
        return getattr(family, "__name__", "family"), family, None
    if family in FAMILIES:
        builder, wrt = FAMILIES[family]
        return family, builder, wrt
    if isinstance(family, str) and family in catalog.names() and catalog.get(family).family:
        entry = catalog.get(family)
        return family, entry.function, None
    families = sorted(
        set(FAMILIES) | {n for n in catalog.names() if catalog.get(n).family is not None}
    )
    raise SymdiffError(
        f"unknown family {family!r}; use one of {', '.join(families)} or a function size -> f"
    )


def swell_curve(
    family: Any,
    sizes: Sequence[int],
    methods: Sequence[str] = ("sympy", "graph"),
    modes: Sequence[str] = DEFAULT_MODES,
    *,
    budget_s: float = 5.0,
    strict: bool = False,
    **options: Any,
) -> list[dict[str, Any]]:
    """Tidy records (flat dicts with `family` and `size` first) of `swell` over a family:
    "logistic" (depth k), "nested_sin_exp" (depth), "product" (n factors), "rosenbrock" (n),
    "mlp" (hidden width, batch 2, gradient w.r.t. the weights), any catalog family, or a
    callable size -> function. The "program" mode is recorded for the "graph" method only.

    Once a (method, mode) runs over budget at some size, its larger sizes are recorded as
    skipped (`budget_exceeded=True`, `skipped="stopped"`) without running; when the
    differentiation itself ran over, every mode of that method stops. `options` go to
    `swell` (max_tree_size, memory, lambdify).

    >>> rows = swell_curve("product", [2, 3], methods=["graph"], modes=["raw"], memory=False)
    >>> [(r["size"], r["tree_size"]) for r in rows]
    [(2, 2), (3, 9)]
    """
    name, builder, wrt = _family(family)
    sizes, methods, modes, budget_s = _checked_grid(sizes, methods, modes, budget_s)
    stopped: dict[tuple[str, str], Any] = {}
    records = []
    for size in sizes:
        function: expr.Function | None = None
        for method, mode in itertools.product(methods, modes):
            if mode == "program" and method != "graph":
                continue
            base = {"family": name, "size": size}
            if (method, mode) in stopped:
                row = _stopped_row(method, mode, budget_s, stopped[(method, mode)])
                records.append({**base, **row})
                continue
            if function is None:
                function = builder(size)
            row = swell(
                function, method, mode, budget_s=budget_s, wrt=wrt, strict=strict, **options
            )
            records.append({**base, **row})
            if row["budget_exceeded"]:
                stop_all = row["exceeded_step"] in ("function size", "diff")
                for other in modes if stop_all else [mode]:
                    stopped.setdefault((method, other), size)
    return records


def _checked_grid(sizes: Any, methods: Any, modes: Any, budget_s: Any) -> tuple:
    """swell_curve's sizes, methods, modes (as lists) and budget, checked."""
    sizes = checks.sequence(sizes, "sizes", SymdiffError)
    methods = checks.sequence(methods, "methods", SymdiffError)
    modes = checks.sequence(modes, "modes", SymdiffError)
    for method in methods:
        check_method(method)
    for mode in modes:
        _check_mode(mode, "graph")
    for size in sizes:
        checks.integer(size, "sizes: each size", error=SymdiffError)
    return sizes, methods, modes, check_budget(budget_s)


def _stopped_row(method: str, mode: str, budget_s: float, after: int) -> dict[str, Any]:
    """The record of a (method, mode) not run because a smaller size ran over budget."""
    row = dict.fromkeys(FIELDS)
    row.update(
        method=method,
        mode=mode,
        budget_s=budget_s,
        budget_exceeded=True,
        exceeded_step=f"stopped after size {after}",
        skipped="stopped",
    )
    return row
