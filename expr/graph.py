"""`Function`: the one IR every backend accepts — a networkx DiGraph with named inputs.

Nodes are numbered 0..N-1 in a topological order (inputs first). Each node carries
`op` ("input", "const" or a name in `expr.ops.OPS`), `args` (the argument nodes in order),
`attrs` (static attributes such as axis), and `shape`; inputs carry `name`, constants
`value` (and `exact`, a SymPy number, when known). Edges u -> v carry `pos`, the argument
positions of u in v (a tuple, since x * x uses x twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

from .errors import InputError, ShapeError
from .ops import OPS
from .tracer import Tracer, apply


def as_input(value: Any, name: str) -> Any:
    """An input as a numpy array: float64 by default; float32 and complex are kept.

    >>> as_input(2, "x").dtype
    dtype('float64')
    """
    if isinstance(value, Tracer):
        return value
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

    >>> import expr
    >>> f = expr.parse("x1*x2 + sin(x1)")
    >>> round(float(f(2.0, 3.0)), 12), f.input_names, f.size()
    (6.909297426826, ('x1', 'x2'), 3)
    """

    def __init__(
        self,
        graph: nx.DiGraph,
        inputs: Sequence[int],
        outputs: Sequence[int],
        single_output: bool = True,
        name: str = "f",
    ) -> None:
        input_set = set(inputs)
        keep = set(inputs)
        for out in outputs:
            keep |= nx.ancestors(graph, out) | {out}
        sub = graph.subgraph(keep)
        order = [n for n in nx.lexicographical_topological_sort(sub) if n not in input_set]
        relabel = {old: new for new, old in enumerate([*inputs, *order])}
        self.graph: nx.DiGraph = nx.relabel_nodes(graph.subgraph(keep), relabel, copy=True)
        for node in self.graph.nodes:
            data = self.graph.nodes[node]
            data["args"] = tuple(relabel[a] for a in data["args"])
        self.inputs: tuple[int, ...] = tuple(relabel[n] for n in inputs)
        self.outputs: tuple[int, ...] = tuple(relabel[n] for n in outputs)
        self.single_output = single_output
        self.name = name
        names = self.input_names
        if len(set(names)) != len(names):
            raise InputError(f"input names must be distinct, got {names}")

    # ------------------------------------------------------------------ structure
    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self.graph.nodes[n]["name"] for n in self.inputs)

    @property
    def input_shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(self.graph.nodes[n]["shape"] for n in self.inputs)

    @property
    def output_shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(self.graph.nodes[n]["shape"] for n in self.outputs)

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @cached_property
    def order(self) -> tuple[int, ...]:
        """A topological order of all nodes, creation order first (cached; networkx, iterative)."""
        return tuple(nx.lexicographical_topological_sort(self.graph))

    @cached_property
    def program(self) -> tuple[tuple[int, Any, tuple[int, ...], dict], ...]:
        """The op nodes in topological order as (node, kernel, args, attrs)."""
        nodes = self.graph.nodes
        return tuple(
            (n, OPS[nodes[n]["op"]].kernel, nodes[n]["args"], nodes[n]["attrs"])
            for n in self.order
            if nodes[n]["op"] not in ("input", "const")
        )

    @cached_property
    def constants(self) -> tuple[tuple[int, Any], ...]:
        nodes = self.graph.nodes
        return tuple((n, nodes[n]["value"]) for n in self.order if nodes[n]["op"] == "const")

    def op(self, node: int) -> str:
        return self.graph.nodes[node]["op"]

    def args(self, node: int) -> tuple[int, ...]:
        return self.graph.nodes[node]["args"]

    def attrs(self, node: int) -> dict:
        return self.graph.nodes[node]["attrs"]

    def shape(self, node: int) -> tuple[int, ...]:
        return self.graph.nodes[node]["shape"]

    def size(self) -> int:
        """Number of op nodes (inputs and constants are not counted)."""
        return len(self.program)

    def depth(self) -> int:
        """Length of the longest chain of ops from an input to an output. O(nodes)."""
        depth = [0] * self.graph.number_of_nodes()
        for node, _, args, _ in self.program:
            depth[node] = 1 + max((depth[a] for a in args), default=0)
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

    def evaluate(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Values of every node (a list indexed by node). O(nodes) kernel calls."""
        inputs = self.bind(args, kwargs)
        values: list[Any] = [None] * self.graph.number_of_nodes()
        for node, value in zip(self.inputs, inputs):
            values[node] = value
        for node, value in self.constants:
            values[node] = value
        if any(isinstance(v, Tracer) for v in inputs):
            nodes = self.graph.nodes
            for node, _, node_args, attrs in self.program:
                values[node] = apply(nodes[node]["op"], *[values[a] for a in node_args], **attrs)
            return values
        with np.errstate(all="ignore"):
            for node, kernel, node_args, attrs in self.program:
                try:
                    values[node] = kernel(*[values[a] for a in node_args], **attrs)
                except (ValueError, TypeError, IndexError) as error:
                    if any(np.iscomplexobj(values[a]) for a in node_args):
                        raise InputError(
                            f"{self.op(node)} at node {node} has no complex kernel ({error}); "
                            "the complex step needs every op to take complex numbers: use "
                            "another method"
                        ) from None
                    shapes = [np.shape(values[a]) for a in node_args]
                    raise ShapeError(
                        f"{self.op(node)} at node {node} failed on operand shapes {shapes}: "
                        f"{error} (the function was built for input shapes "
                        f"{dict(zip(self.input_names, self.input_shapes))})"
                    ) from None
        return values

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
        from .sympy_bridge import to_sympy

        return to_sympy(self, symbols)

    def draw(self, ax: Any = None, values: Any = None, adjoints: Any = None, **kwargs: Any):
        """Draw the graph left to right with matplotlib; annotate values and adjoints."""
        from .view import draw

        return draw(self, ax=ax, values=values, adjoints=adjoints, **kwargs)

    def _repr_svg_(self) -> str | None:
        """The drawn graph as SVG, for Jupyter (None above `view.NOTEBOOK_MAX_OPS` ops)."""
        from .view import notebook_svg

        return notebook_svg(self)

    def _repr_latex_(self) -> str | None:
        """The formula via SymPy's LaTeX, for Jupyter (None above `view.NOTEBOOK_MAX_OPS`
        ops or when there is no SymPy form)."""
        from .view import notebook_latex

        return notebook_latex(self)

    def to_dot(self, values: Any = None, adjoints: Any = None) -> str:
        """The graph in Graphviz dot syntax."""
        from .view import to_dot

        return to_dot(self, values=values, adjoints=adjoints)

    def labels(self) -> dict[int, str]:
        """Griewank's names: inputs v_{1-n}..v_0, then v_1, v_2, ... for the ops."""
        from .view import labels

        return labels(self)

    def table(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        """The forward table of a worked example: one row (node, op, expression, value) per
        node, in evaluation order."""
        from .view import forward_table

        return forward_table(self, *args, **kwargs)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value
