"""`Function`: the one IR every backend accepts — a networkx DiGraph with named inputs.

Nodes are numbered 0..N-1 in a topological order (inputs first). Each node carries
`op` ("input", "const" or a name in `expr.ops.OPS`), `args` (the argument nodes in order),
`attrs` (static attributes such as axis), and `shape`; inputs carry `name`, constants
`value` (and `exact`, a SymPy number, when known). Edges u -> v carry `pos`, the argument
positions of u in v (a tuple, since x * x uses x twice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from . import view
from .errors import InputError, ShapeError
from .ops import OPS
from .tracer import GraphBuilder, Tracer, apply, reassert_guards


def as_input(value: Any, name: str) -> Any:
    """An input as a numpy array: float64 by default; float32 and complex are kept.

    >>> as_input(2, "x").dtype
    dtype('float64')
    """
    if isinstance(value, Tracer) or (type(value) is np.ndarray and value.dtype.kind in "fc"):
        return value  # the common case first
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise InputError(f"input {name!r} is not an array of numbers: {error}") from None
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    if array.dtype.kind not in "fc":
        raise InputError(
            f"input {name!r} has dtype {array.dtype}; numbers are accepted "
            "(float64 by default, float32, or complex for the complex step)"
        )
    return array


class Function:
    """A traced, parsed or converted function: call it like the original.

    Built from the `GraphBuilder` of a trace (the fast path: its records are already in a
    topological order, so the graph is pruned and numbered in one pass, O(nodes)) or from
    any networkx DiGraph with the node attributes above. The node records (`records`) are
    the working form; the networkx DiGraph (`graph`) is built from them in bulk on first
    use and shares their dicts. `guards` are the branch decisions of a concrete trace (one
    bool per `bool()` taken on a traced value) and `guard_function` computes the values
    they were taken on: the graph holds where `bool()` of each gives the same decision.
    Evaluating it, differentiating it or calling its compiled program checks them first
    (`TraceError` on another branch; `autodiff.jit` retraces instead; a replay inside a
    trace re-takes them); O(guard graph) per call, nothing without branches.

    >>> import expr
    >>> f = expr.parse("x1*x2 + sin(x1)")
    >>> round(float(f(2.0, 3.0)), 12), f.input_names, f.size()
    (6.909297426826, ('x1', 'x2'), 3)
    """

    def __init__(
        self,
        graph: Any,
        inputs: Sequence[int],
        outputs: Sequence[int],
        single_output: bool = True,
        name: str = "f",
    ) -> None:
        guards: list[tuple[int, bool]] = []
        values = None
        if isinstance(graph, GraphBuilder):
            records, guards, values = graph.nodes, graph.guards, graph.values
        else:
            records, inputs, outputs = _digraph_records(graph, inputs, outputs)
        keep = _live_order(records, inputs, outputs)
        if keep == list(range(len(records))):  # numbered already: no renumbering
            self._records: list[dict[str, Any]] = list(records)
            self.inputs: tuple[int, ...] = tuple(inputs)
            self.outputs: tuple[int, ...] = tuple(outputs)
            self._trace_values = None if values is None else list(values)
        else:
            relabel = {old: new for new, old in enumerate(keep)}
            self._records = [
                {**records[old], "args": tuple([relabel[a] for a in records[old]["args"]])}
                for old in keep
            ]
            self.inputs = tuple([relabel[n] for n in inputs])
            self.outputs = tuple([relabel[n] for n in outputs])
            self._trace_values = None if values is None else [values[old] for old in keep]
        #: the branch decisions of a concrete trace, and the Function (of the same inputs)
        #: computing the value each was taken on (None without control flow)
        self.guards: tuple[bool, ...] = tuple(decision for _, decision in guards)
        self.guard_function: Function | None = None
        if guards:
            source = GraphBuilder()
            source.nodes = records
            conditions = [node for node, _ in guards]
            self.guard_function = Function(source, inputs, conditions, False, f"{name}_guards")
        self.single_output = single_output
        self.name = name
        names = self.input_names
        if len(set(names)) != len(names):
            raise InputError(f"input names must be distinct, got {names}")

    # ------------------------------------------------------------------ structure
    @cached_property
    def graph(self) -> Any:
        """The networkx DiGraph (built once, in bulk, from the records; edges carry `pos`)."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(enumerate(self._records))
        positions: dict[tuple[int, int], tuple[int, ...]] = {}
        for node, data in enumerate(self._records):
            for position, arg in enumerate(data["args"]):
                positions[arg, node] = (*positions.get((arg, node), ()), position)
        graph.add_edges_from((u, v, {"pos": pos}) for (u, v), pos in positions.items())
        self._records = [graph.nodes[n] for n in range(len(self._records))]  # one set of dicts
        return graph

    @property
    def records(self) -> list[dict[str, Any]]:
        """The node attribute dicts, indexed by node (the same dicts as `graph.nodes[n]`)."""
        return self._records

    @property
    def n_nodes(self) -> int:
        """Number of nodes, inputs and constants included."""
        return len(self._records)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self._records[n]["name"] for n in self.inputs)

    @property
    def input_shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(self._records[n]["shape"] for n in self.inputs)

    @property
    def output_shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(self._records[n]["shape"] for n in self.outputs)

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @cached_property
    def order(self) -> tuple[int, ...]:
        """A topological order of all nodes: 0..N-1 (inputs first, then creation order)."""
        return tuple(range(len(self._records)))

    @cached_property
    def program(self) -> tuple[tuple[int, Any, tuple[int, ...], dict], ...]:
        """The op nodes in topological order as (node, kernel, args, attrs)."""
        return tuple(
            [
                (n, OPS[data["op"]].kernel, data["args"], data["attrs"])
                for n, data in enumerate(self._records)
                if data["op"] not in ("input", "const")
            ]
        )

    @cached_property
    def constants(self) -> tuple[tuple[int, Any], ...]:
        return tuple(
            (n, data["value"]) for n, data in enumerate(self._records) if data["op"] == "const"
        )

    def take_trace_values(self) -> list[Any] | None:
        """The node values computed while tracing (`trace(..., keep_values=True)`), once:
        the first call hands them over (and forgets them), later calls return None."""
        values, self._trace_values = self._trace_values, None
        return values

    def op(self, node: int) -> str:
        return self._records[node]["op"]

    def args(self, node: int) -> tuple[int, ...]:
        return self._records[node]["args"]

    def attrs(self, node: int) -> dict:
        return self._records[node]["attrs"]

    def shape(self, node: int) -> tuple[int, ...]:
        return self._records[node]["shape"]

    def size(self) -> int:
        """Number of op nodes (inputs and constants are not counted)."""
        return len(self.program)

    def depth(self) -> int:
        """Length of the longest chain of ops from an input to an output. O(nodes)."""
        depth = self.run([0] * self.n_nodes, lambda entry, below: 1 + max(below, default=0))
        return max((depth[n] for n in self.outputs), default=0)

    def op_counts(self) -> dict[str, int]:
        """How many nodes of each op the graph has."""
        counts: dict[str, int] = {}
        for node, *_ in self.program:
            counts[self.op(node)] = counts.get(self.op(node), 0) + 1
        return counts

    def __repr__(self) -> str:
        shapes = ", ".join(
            f"{n}{list(s) if s else ''}" for n, s in zip(self.input_names, self.input_shapes)
        )
        return f"<Function {self.name}({shapes}): {self.size()} ops, depth {self.depth()}>"

    # ------------------------------------------------------------------ evaluation
    def bind(self, args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
        """Positional and keyword arguments as one list of input values, in input order."""
        names = self.input_names
        if len(args) > len(names):
            raise InputError(
                f"{self.name} takes {len(names)} inputs ({', '.join(names)}), got {len(args)}"
            )
        values: dict[str, Any] = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise InputError(
                    f"{self.name} has no input named {key!r}; its inputs are {', '.join(names)}"
                )
            if key in values:
                raise InputError(f"{self.name}: input {key!r} given twice")
            values[key] = value
        missing = [n for n in names if n not in values]
        if missing:
            raise InputError(
                f"{self.name} is missing inputs {', '.join(missing)} (it takes {', '.join(names)})"
            )
        return [as_input(values[n], n) for n in names]

    def start_values(
        self, inputs: Sequence[Any], constant: Callable[[dict], Any] | None = None
    ) -> list[Any]:
        """A list indexed by node holding the input values (in input order) and the
        constants, None for op nodes: where `run` starts. `constant(record)` converts each
        constant node's record (default: its `value`). O(nodes)."""
        values: list[Any] = [None] * len(self._records)
        for node, value in zip(self.inputs, inputs):
            values[node] = value
        if constant is None:
            for node, value in self.constants:
                values[node] = value
        else:
            for node, _ in self.constants:
                values[node] = constant(self._records[node])
        return values

    def run(
        self,
        values: list[Any],
        step: Callable[[tuple, list[Any]], Any] | None = None,
        start: int = 0,
        stop: int | None = None,
        program: Sequence[tuple] | None = None,
    ) -> list[Any]:
        """The one walk of the graph: program entries start..stop-1 in program order
        (arguments before their users), each setting `values[node] = step(entry, xs)` with
        `xs` the values of the entry's arguments; returns `values`.

        An entry of `program` (default `self.program`) begins (node, kernel, args, attrs);
        callers may append fields of their own (the JVP sweep appends its rules). With
        `step=None` each op's numpy kernel runs, numpy's warnings off (inf and NaN are
        values here): the tight loop of `evaluate` and of the forward sweep, where a
        failing kernel raises `ShapeError` (or `InputError` for a complex operand) naming
        the node. Evaluation, both sweeps of `autodiff`, the reference, `to_sympy` and
        symdiff's programs are this walk with their own steps. O(entries) step calls, no
        recursion.

        >>> import expr
        >>> f = expr.parse("x*y + x")
        >>> float(f.run(f.start_values([2.0, 3.0]))[f.outputs[0]])
        8.0
        >>> spell = lambda entry, xs: f"{f.op(entry[0])}({', '.join(xs)})"
        >>> f.run(f.start_values(["x", "y"]), spell)[f.outputs[0]]
        'add(mul(x, y), x)'
        """
        program = self.program if program is None else program
        entries = program if start == 0 and stop is None else program[start:stop]
        if step is not None:
            for entry in entries:
                values[entry[0]] = step(entry, [values[a] for a in entry[2]])
            return values
        entry = None
        with np.errstate(all="ignore"):
            try:
                for entry in entries:
                    values[entry[0]] = entry[1](*[values[a] for a in entry[2]], **entry[3])
            except (ValueError, TypeError, IndexError) as error:
                raise self._kernel_error(entry, values, error) from None
        return values

    def _kernel_error(self, entry: tuple, values: list[Any], error: Exception) -> Exception:
        """Our error for a kernel that failed at `entry` (see `run`)."""
        node, args = entry[0], entry[2]
        if any(np.iscomplexobj(values[a]) for a in args):
            return InputError(
                f"{self.op(node)} at node {node} has no complex kernel ({error}); the complex "
                "step needs every op to take complex numbers: use another method"
            )
        shapes = [np.shape(values[a]) for a in args]
        built = dict(zip(self.input_names, self.input_shapes))
        return ShapeError(
            f"{self.op(node)} at node {node} failed on operand shapes {shapes}: {error} (the "
            f"function was built for input shapes {built})"
        )

    def record_step(self, entry: tuple, xs: list[Any]) -> Any:
        """The step of `run` that applies each op to tracers (recording it into their
        trace) or to any values `expr.apply` takes."""
        return apply(self._records[entry[0]]["op"], *xs, **entry[3])

    def evaluate(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Values of every node (a list indexed by node). O(nodes) kernel calls."""
        inputs = self.bind(args, kwargs)
        values = self.start_values(inputs)
        reassert_guards(self, inputs)  # its branches hold here (TraceError), or are re-taken
        if any(isinstance(v, Tracer) for v in inputs):
            return self.run(values, self.record_step)
        return self.run(values)

    def outputs_of(self, values: Sequence[Any]) -> Any:
        """The function's result from a list of node values (a tuple if several outputs)."""
        outs = tuple(_scalar(values[n]) for n in self.outputs)
        return outs[0] if self.single_output else outs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.outputs_of(self.evaluate(*args, **kwargs))

    # ------------------------------------------------------------------ views
    def to_sympy(self, symbols: dict[str, Any] | None = None) -> Any:
        """The function as SymPy: an expression for a scalar output, an object array of
        expressions (element by element) for a tensor output, a tuple for several outputs.
        Inputs become real symbols named like the inputs (`x_0_1` for element (0, 1) of x)."""
        from .sympy_out import to_sympy  # loads SymPy (heavy): on first use

        return to_sympy(self, symbols)

    def draw(self, ax: Any = None, values: Any = None, adjoints: Any = None, **kwargs: Any):
        """Draw the graph left to right with matplotlib; annotate values and adjoints."""
        return view.draw(self, ax=ax, values=values, adjoints=adjoints, **kwargs)

    def _repr_svg_(self) -> str | None:
        """The drawn graph as SVG, for Jupyter (None above `view.NOTEBOOK_MAX_OPS` ops)."""
        return view.notebook_svg(self)

    def _repr_latex_(self) -> str | None:
        """The formula via SymPy's LaTeX, for Jupyter (None above `view.NOTEBOOK_MAX_OPS`
        ops or when there is no SymPy form)."""
        return view.notebook_latex(self)

    def to_dot(self, values: Any = None, adjoints: Any = None) -> str:
        """The graph in Graphviz dot syntax."""
        return view.to_dot(self, values=values, adjoints=adjoints)

    def labels(self) -> dict[int, str]:
        """Griewank's names: inputs v_{1-n}..v_0, then v_1, v_2, ... for the ops."""
        return view.labels(self)

    def table(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        """The forward table of a worked example: one row (node, op, expression, value) per
        node, in evaluation order."""
        return view.forward_table(self, *args, **kwargs)


def _live_order(records: list[dict], inputs: Sequence[int], roots: Sequence[int]) -> list[int]:
    """The nodes the roots depend on, inputs first and then in record order (records are
    topologically ordered: arguments before users). One backward pass, O(nodes)."""
    live = bytearray(len(records))
    for node in roots:
        live[node] = 1
    for node in range(len(records) - 1, -1, -1):
        if live[node]:
            for arg in records[node]["args"]:
                live[arg] = 1
    first = set(inputs)
    return [*inputs, *[n for n in range(len(records)) if live[n] and n not in first]]


def _digraph_records(graph: Any, inputs: Sequence[int], outputs: Sequence[int]) -> tuple:
    """A DiGraph's nodes (the ancestors of the outputs) as records in networkx's
    lexicographical topological order, with inputs and outputs renumbered to match."""
    import networkx as nx

    keep = set(inputs)
    for out in outputs:
        keep |= nx.ancestors(graph, out) | {out}
    order = list(nx.lexicographical_topological_sort(graph.subgraph(keep)))
    position = {node: i for i, node in enumerate(order)}
    records = [
        {**graph.nodes[n], "args": tuple(position[a] for a in graph.nodes[n]["args"])}
        for n in order
    ]
    return records, [position[n] for n in inputs], [position[n] for n in outputs]


def _scalar(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value
