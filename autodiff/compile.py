"""Compilation: a Function's program as one generated straight-line Python function.

`compile_function(f, values)` writes the program of `f` as the code a person would write
by hand: one statement per op node, local variables instead of a list indexed by node,
each op's kernel called directly. The source is written by the graph's one walk
(`Function.run`, the interpreter of evaluation and both sweeps) with a step that emits
each node's statement instead of computing its value. Nothing is re-derived: every
statement calls the op's own kernel from the ops table (`expr.OPS[op].kernel`, reached
through the generated function's namespace, so ops added to the table compile without
changes here), or, for a few hot ops, the very numpy calls that kernel makes, so the
compiled program computes bit for bit what `Function.evaluate` computes. On top of that:

* constant folding: a node that depends on no input (the seed of a gradient, 1/n of a
  mean) is evaluated once, at compile time, by its kernel;
* `sum_to` to the shape it already has is dropped (the value is used as is);
* `sum`, `max`, `mean`, `logsumexp`, `sum_to`, `reshape` and `transpose` of arrays are
  written inline (no kernel wrapper); a reduction over one short axis becomes ufunc calls
  on its slices (numpy's own order of operations, without its per-row inner loop);
* buffers are reused: a numpy ufunc writes its result (`out=`) into the buffer of an
  argument it reads for the last time, or of any dead temporary, when shape, dtype and
  strides match; only buffers this program allocated with a ufunc (matmul included) are
  reused (never inputs, constants, outputs or anything another kernel could have taken a
  view of). So an adjoint accumulation `g = g + ct` runs in place.

`values` (every node's value at one call) fix the dtypes, layouts and array-ness that the
buffer decisions depend on; they are the same for every call with the same input shapes
and dtypes (NumPy's NEP 50 type rules do not look at values), so a compiled program is
valid for one such signature (`autodiff.jit` caches one per signature).

`scalar=True` compiles a graph whose nodes are all 0-d to plain Python float arithmetic
(`+ - * /`, `math.sin`, `math.exp`, ...) for Python float inputs. `+ - * /` and `math.sqrt`
are correctly rounded in both, so they agree bitwise with numpy; `math.sin`, `exp`, `log`,
`tanh`, `pow`, ... are libm's, while numpy may use its own SIMD versions (AVX-512 on this
machine), which can differ in the last bit: the scalar path is within a few ulp of the
numpy path, not bitwise (tests allow 1e-13 relative on random expressions). A
domain error (`math.log(-1)`, division by zero, overflow) raises `ArithmeticError` or
`ValueError`: the caller then runs the numpy program, which gives numpy's inf/NaN.

Generated source contains only generated identifiers (v12, c3, k0, a7) and Python
syntax; kernels, attributes and constants are passed in the namespace, never as text.
Cost: compiling is O(nodes); a call is one kernel call per non-constant op node.

>>> import expr
>>> f = expr.parse("x1*x2 + sin(x1)")
>>> program = compile_function(f, f.evaluate(2.0, 3.0))
>>> [round(float(v), 6) for v in program(np.float64(2.0), np.float64(3.0))]
[6.909297]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from expr import Function

#: Ops written as Python float arithmetic on the scalar path (operands are Python floats).
SCALAR_TEMPLATES: dict[str, str] = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
    "neg": "-{0}",
    "pow": "pow({0}, {1})",
    "sin": "sin({0})",
    "cos": "cos({0})",
    "tan": "tan({0})",
    "exp": "exp({0})",
    "log": "log({0})",
    "sqrt": "sqrt({0})",
    "tanh": "tanh({0})",
    "abs": "fabs({0})",
}
#: Ops the numpy path writes inline (see `_Writer.inline`); the rest call their kernels.
_INLINE_OPS = frozenset({"transpose", "reshape", "sum", "sum_to", "max", "mean"})
_MATH = {
    "pow": math.pow,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "fabs": math.fabs,
}


@dataclass(frozen=True)
class Compiled:
    """A compiled program: call it with the input values (positional, in input order); it
    returns the tuple of output values. `source` is the generated code."""

    run: Callable[..., tuple]
    source: str
    scalar: bool

    def __call__(self, *inputs: Any) -> tuple:
        return self.run(*inputs)


def folded_nodes(f: Function) -> list[bool]:
    """Which nodes depend on no input (constants and ops of constants only). O(nodes)."""
    folded = [data["op"] == "const" for data in f.records]
    for node, _, args, _ in f.program:
        folded[node] = all(folded[a] for a in args)
    return folded


def compile_function(f: Function, values: Sequence[Any], scalar: bool = False) -> Compiled:
    """The program of `f` as one generated Python function (see the module doc).

    values: every node's value at one call (`f.evaluate(*inputs)` or a concrete trace's).
    scalar: plain float arithmetic for Python float inputs (every node must be 0-d).
    """
    if scalar and any(data["shape"] != () for data in f.records):
        raise ValueError("the scalar path needs a graph of 0-d values only")
    writer = _Writer(f, values, scalar)
    source = writer.source()
    namespace = writer.namespace
    exec(compile(source, f"<compiled {len(f.program)}-op program>", "exec"), namespace)
    return Compiled(namespace["program"], source, scalar)


class _Writer:
    """Writes the source of one compiled program and collects its namespace."""

    def __init__(self, f: Function, values: Sequence[Any], scalar: bool) -> None:
        self.f = f
        self.values = values
        self.scalar = scalar
        self.namespace: dict[str, Any] = dict(_MATH) if scalar else {}
        self.kernels: dict[int, str] = {}  # id(kernel) -> its name in the namespace
        self.lines: list[str] = []
        self.folded = folded_nodes(f)
        self.last_use = self._last_uses()
        self.outputs = set(f.outputs)
        # buffers: node -> buffer id for arrays this program allocated with a ufunc
        self.buffer: dict[int, int] = {}
        self.unsafe: set[int] = set()  # buffers some non-ufunc kernel has seen
        self.free: list[tuple[int, int]] = []  # (buffer id, node that held it)

    def _last_uses(self) -> list[int]:
        """The last node reading each node (nodes are numbered in program order)."""
        last = [-1] * self.f.n_nodes
        for node, _, args, _ in self.f.program:
            for a in args:
                last[a] = node
        for node in self.f.outputs:
            last[node] = self.f.n_nodes  # outputs live to the end
        return last

    # ----------------------------------------------------------------- names
    def constant(self, node: int) -> str:
        name = f"c{node}"
        value = self.values[node]
        if self.scalar:
            value = float(value) if np.isrealobj(value) else complex(value)
        self.namespace[name] = value
        return name

    def kernel(self, kernel: Callable) -> str:
        name = self.kernels.get(id(kernel))
        if name is None:
            name = self.kernels[id(kernel)] = f"k{len(self.kernels)}"
            self.namespace[name] = kernel
        return name

    # ----------------------------------------------------------------- source
    def source(self) -> str:
        """The program's source: the graph's one walk (`Function.run`) with a step that
        writes each node's statement and gives the name holding its value, starting from
        the inputs' names (constants are named on first use)."""
        f = self.f
        params = [f"v{n}" for n in f.inputs]
        self.lines = [f"def program({', '.join(params)}):"]
        names = f.run(f.start_values(params, constant=lambda record: None), self.step)
        outputs = [names[n] or self.constant(n) for n in f.outputs]
        self.lines.append(f"    return ({', '.join(outputs)}{',' if len(outputs) == 1 else ''})")
        return "\n".join(self.lines) + "\n"

    def step(self, entry: tuple, names: list[str | None]) -> str | None:
        """The step of the walk at one op node: its statement appended to the source, and
        the name of its value (None for a node folded into a constant)."""
        node, kernel, args, attrs = entry[:4]
        if self.folded[node]:
            return None  # computed once, at compile time (its value is in `values`)
        operands = [name or self.constant(a) for name, a in zip(names, args)]
        if self.f.op(node) == "sum_to" and self.f.shape(args[0]) == attrs["newshape"]:
            self.buffer_alias(node, args[0])
            return operands[0]  # summing to the same shape: the value itself
        self.lines.append("    " + self.statement(node, kernel, args, attrs, operands))
        return f"v{node}"

    def statement(
        self, node: int, kernel: Callable, args: tuple, attrs: dict, operands: list[str]
    ) -> str:
        op = self.f.op(node)
        if op == "logsumexp" and not self.scalar and self._real_array(args[0], "f"):
            self.release(node, args)
            return self.logsumexp(node, operands[0], attrs)
        inline = None if self.scalar else self.inline(node, op, args, operands, attrs)
        if inline is not None:
            self.exposed(args)  # the inline forms are views or reductions of their argument
            self.release(node, args)
            return f"v{node} = {inline}"
        if self.scalar:
            template = SCALAR_TEMPLATES.get(op)
            if template is not None:
                return f"v{node} = {template.format(*operands)}"
            call = self.call(node, kernel, operands, attrs)
            return f"v{node} = float({call})"
        if isinstance(kernel, np.ufunc) and kernel.nout == 1 and not attrs:
            # a ufunc returns a fresh array, never a view of its arguments; an elementwise
            # one writes into a dead buffer when one fits, a matmul allocates its own
            out = None if kernel.signature else self.reusable(node, args)
            if kernel.signature and self._real_array(node) and node not in self.outputs:
                self.buffer[node] = node
            self.release(node, args)
            extra = f", out={out}" if out is not None else ""
            return f"v{node} = {self.kernel(kernel)}({', '.join(operands)}{extra})"
        self.exposed(args)  # another kernel may return a view of its argument
        self.release(node, args)
        return f"v{node} = {self.call(node, kernel, operands, attrs)}"

    def inline(self, node: int, op: str, args: tuple, operands: list[str], attrs: dict):
        """The hot structural ops and `sum` written as the very numpy calls their kernels
        end in, without the kernel's Python wrapper (`np.reshape(x, s)` is `x.reshape(s)`
        for an array x, `np.sum(x, axis=a, keepdims=k)` is `add.reduce(x, a, None, None,
        k)`): same numbers, one call less. Only for ndarray arguments; None otherwise."""
        if type(self.values[args[0]]) is not np.ndarray or op not in _INLINE_OPS:
            return None
        x = operands[0]
        if op == "transpose":
            axes = attrs.get("axes")
            return f"{x}.transpose()" if axes is None else f"{x}.transpose({self.attr(node, axes)})"
        if op == "reshape":
            return f"{x}.reshape({self.attr(node, attrs['newshape'])})"
        shape = self.f.shape(args[0])
        real = self.values[args[0]].dtype.kind == "f"  # (complex sums pair differently)
        axis, keep = attrs.get("axis"), bool(attrs.get("keepdims"))
        if op in ("sum", "max"):
            ufunc = np.add if op == "sum" else np.maximum
            return self.reduction(node, ufunc, x, shape if real else (), axis, keep)
        if op == "mean":  # np.mean: the sum, divided by the count (float64 only, below)
            if self.values[args[0]].dtype != np.float64:
                return None
            count = self.values[args[0]].size // max(1, np.size(self.values[node]))
            return f"{self.reduction(node, np.add, x, shape, axis, keep)} / {count}"
        newshape = tuple(attrs["newshape"])  # sum_to
        lead = len(shape) - len(newshape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(newshape) if n == 1 and shape[lead + i] != 1
        )
        reshape = self.attr(node, newshape)
        if not axes:
            return f"{x}.reshape({reshape})"
        reduce = self.kernel(np.add.reduce)
        if axes == tuple(range(lead)):  # only leading axes go: the reduction has the shape
            return f"{reduce}({x}, {self.attr(node, axes, 'x')}, None, None, False)"
        return f"{reduce}({x}, {self.attr(node, axes, 'x')}, None, None, True).reshape({reshape})"

    def logsumexp(self, node: int, x: str, attrs: dict) -> str:
        """`expr.ops._logsumexp` written out for a real array (its very numpy calls, the
        exponentials and the logarithm in place in the sum's own buffers), on one line:
        m = max (kept dims), 0 where not finite; log(sum(exp(x - m))) + m."""
        k = self.kernel
        m, y = f"v{node}x", f"v{node}"
        shape, axis, keep = self.f.shape(self.f.args(node)[0]), attrs["axis"], attrs["keepdims"]
        steps = [
            f"{m} = {self.reduction(node, np.maximum, x, shape, axis, True)}",
            f"{m} = {k(np.where)}({k(np.isfinite)}({m}), {m}, 0)",
            f"{y} = {k(np.subtract)}({x}, {m})",
            f"{y} = {k(np.exp)}({y}, out={y})",
            f"{y} = {self.reduction(node, np.add, y, shape, axis, True)}",
            f"{y} = {k(np.add)}({k(np.log)}({y}, out={y}), {m}, out={y})",
        ]
        if not keep:
            steps.append(f"{y} = {y}.reshape({self.attr(node, self.f.shape(node), 'x')})")
        return "; ".join(steps)

    def reduction(
        self, node: int, ufunc: np.ufunc, x: str, shape: tuple, axis: tuple | None, keep: bool
    ) -> str:
        """`ufunc.reduce(x, axis, keepdims=keep)` (add: sum, maximum: max) as source, x real
        of `shape` (give () for a complex x: its sums pair real and imaginary parts). Over
        one short axis (2..7 elements, at least 2 dims) it is written as the k - 1 ufunc
        calls on the slices along that axis: numpy reduces fewer than 8 elements one after
        the other (add from its identity 0.0, which the trailing + 0.0 stands for: it only
        turns a -0.0 sum into 0.0), so the numbers are the same, without numpy's inner loop
        per row (a (2048, 2) max: 50 us as a reduction, 3 us as one `maximum`)."""
        u = self.kernel(ufunc)
        short = axis is not None and len(axis) == 1 and len(shape) >= 2
        if not short or not 2 <= shape[axis[0]] <= 7:
            return f"{self.kernel(ufunc.reduce)}({x}, {self.attr(node, axis)}, None, None, {keep})"
        before = (slice(None),) * axis[0]
        slices = tuple((*before, slice(i, i + 1) if keep else i) for i in range(shape[axis[0]]))
        name = self.attr(node, slices)
        source = f"{x}[{name}[0]]"
        for i in range(1, len(slices)):
            source = f"{u}({source}, {x}[{name}[{i}]])"
        return f"{u}({source}, 0.0)" if ufunc is np.add else source

    def _real_array(self, node: int, kinds: str = "fc") -> bool:
        value = self.values[node]
        return type(value) is np.ndarray and value.ndim > 0 and value.dtype.kind in kinds

    def attr(self, node: int, value: Any, suffix: str = "") -> str:
        name = f"a{node}{suffix}"
        self.namespace[name] = value
        return name

    def call(self, node: int, kernel: Callable, operands: list[str], attrs: dict) -> str:
        text = ", ".join(operands)
        if attrs:
            text += f", **{self.attr(node, attrs)}"
        return f"{self.kernel(kernel)}({text})"

    # ----------------------------------------------------------------- buffers
    def buffer_alias(self, node: int, source: int) -> None:
        if source in self.buffer:
            self.buffer[node] = self.buffer[source]
            self.unsafe.add(self.buffer[source])  # two names for one buffer: keep it

    def exposed(self, args: tuple) -> None:
        """The buffers of `args` are never reused: a view of them may live on."""
        for a in args:
            if a in self.buffer:
                self.unsafe.add(self.buffer[a])

    def reusable(self, node: int, args: tuple) -> str | None:
        """The name of a dead buffer the ufunc at `node` can write into (and mark it
        as now holding `node`), or None to let numpy allocate a fresh one."""
        value = self.values[node]
        if type(value) is not np.ndarray or value.ndim == 0 or node in self.outputs:
            return None  # a scalar, or an output (returned, so never written again)
        layout = (value.shape, value.dtype, value.strides)
        candidates = [a for a in args if self.last_use[a] == node and a in self.buffer]
        candidates += [holder for _, holder in self.free]
        for holder in candidates:
            buffer = self.buffer.get(holder)
            if buffer is None or buffer in self.unsafe or self.last_use[holder] > node:
                continue
            held = self.values[holder]
            if (held.shape, held.dtype, held.strides) != layout:
                continue
            self.free = [(b, h) for b, h in self.free if b != buffer]
            del self.buffer[holder]
            self.buffer[node] = buffer
            return f"v{holder}"
        self.buffer[node] = node
        return None

    def release(self, node: int, args: tuple) -> None:
        """Arguments read for the last time by `node` free their buffers."""
        for a in set(args):
            if self.last_use[a] == node and a in self.buffer:
                buffer = self.buffer[a]
                if buffer not in self.unsafe and all(b != buffer for b, _ in self.free):
                    self.free.append((buffer, a))
