"""The shape of the code, checked from its source with `ast` (nothing is imported).

Rules (DESIGN.md, "Dependencies flow one way"; issue 18):

- **No import circles.** The import graph of the library packages (expr, autodiff,
  symdiff, numdiff, compare) has an edge a -> b for every `import b` / `from b import ...`
  in module a (relative imports resolved; `from pkg import sub` names the submodule
  `pkg.sub`, `from pkg import name` the package; imports under `if TYPE_CHECKING:` do not
  run and are left out). Imports at module level and inside functions are collected
  apart, and both count: module-level imports must form no cycle at all, and a cycle
  through a function-level import is still a circle (it only moves the failure from
  import time to call time). The one way out is an inherent recursion — an engine whose
  rule runs one of its own transformations — marked on the import line with
  `# cycle: <why>`; at most `MAX_JUSTIFIED_CYCLES` such lines. A lazy import that keeps
  a heavy dependency (SymPy, networkx, matplotlib, mpmath, scipy) out of `import expr` /
  `import numdiff` is fine as long as it closes no cycle (tests/test_speed.py checks what
  those imports load).
- **Dependency direction.** `expr` imports no backend and not `compare`; a backend
  (autodiff, symdiff, numdiff) never imports another backend or `compare`.
- **Short functions.** No library function is over `MAX_LINES` lines (from its `def` line
  to its last line), except at most `MAX_LONG` whose `def` line carries a
  `# long: <reason>` comment.

>>> _module_name(ROOT / "expr" / "ops.py"), _module_name(ROOT / "expr" / "__init__.py")
('expr.ops', 'expr')
"""

from __future__ import annotations

import ast
import functools
import pathlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("expr", "autodiff", "symdiff", "numdiff", "compare")
BACKENDS = ("autodiff", "symdiff", "numdiff")
MAX_LINES = 60
MAX_LONG = 3
MAX_JUSTIFIED_CYCLES = 2


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str
    line: int
    lazy: bool  # inside a function
    justified: bool  # marked `# cycle: <why>`


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _library_files() -> dict[str, pathlib.Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _targets(module: str, is_package: bool, node: ast.AST, modules: dict) -> list[str]:
    """The library modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    base = node.module or ""
    if node.level:
        here = module.split(".") if is_package else module.split(".")[:-1]
        here = here[: len(here) - node.level + 1]
        base = ".".join([*here, base] if base else here)
    found = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.append(sub if sub in modules else base)
    return [name for name in found if name in modules]


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test)


@functools.cache
def _edges() -> tuple[Edge, ...]:
    modules = _library_files()
    edges = []
    for module, path in modules.items():
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        stack = [(tree, False)]
        while stack:  # iterative walk, recording whether we are inside a function
            node, lazy = stack.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                text = " ".join(lines[node.lineno - 1 : node.end_lineno])
                for target in _targets(module, path.name == "__init__.py", node, modules):
                    if target != module:
                        relative = str(path.relative_to(ROOT))
                        justified = "# cycle:" in text
                        edges.append(Edge(module, target, relative, node.lineno, lazy, justified))
                continue
            if _type_checking(node):
                continue
            inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return tuple(edges)


def _graph(edges: Sequence[Edge]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_edges_from((e.source, e.target) for e in edges)
    return graph


def _described(cycles: list[list[str]]) -> str:
    return "\n".join(" -> ".join([*cycle, cycle[0]]) for cycle in cycles[:10])


def test_module_level_imports_form_no_cycle():
    graph = _graph([e for e in _edges() if not e.lazy])
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import circles at module level:\n{_described(cycles)}"


def test_function_level_imports_close_no_cycle():
    edges = _edges()
    justified = {(e.source, e.target) for e in edges if e.justified}
    assert len(justified) <= MAX_JUSTIFIED_CYCLES, f"too many `# cycle:` imports: {justified}"
    kept = [e for e in edges if (e.source, e.target) not in justified]
    cycles = list(nx.simple_cycles(_graph(kept)))
    lazy = {(e.source, e.target): f"{e.path}:{e.line}" for e in kept if e.lazy}
    where = sorted({lazy[pair] for c in cycles for pair in zip(c, c[1:] + c[:1]) if pair in lazy})
    assert not cycles, (
        f"import circles through function-level imports:\n{_described(cycles)}\n"
        f"(the function-level imports among them: {', '.join(where)})"
    )


def test_justified_cycles_are_cycles():
    """A `# cycle:` mark is only for an import that does close a cycle."""
    edges = _edges()
    graph = _graph(edges)
    for e in edges:
        if e.justified:
            assert nx.has_path(graph, e.target, e.source), f"{e.path}:{e.line} closes no cycle"


def test_dependency_direction():
    wrong = []
    for e in _edges():
        source, target = e.source.split(".")[0], e.target.split(".")[0]
        if source == target:
            continue
        if source == "expr" or (source in BACKENDS and target != "expr"):
            wrong.append(f"{e.path}:{e.line} imports {e.target}")
    assert not wrong, "expr <- backends <- compare is broken:\n" + "\n".join(wrong)


@functools.cache
def _functions() -> tuple[tuple[str, str, int, int, str], ...]:
    """(file, qualified name, def line, length in lines, def line's text) of every
    function of the library."""
    found = []
    for path in _library_files().values():
        lines = path.read_text().splitlines()
        stack = [(ast.parse("\n".join(lines)), "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        length = child.end_lineno - child.lineno + 1
                        text = lines[child.lineno - 1]
                        found.append(
                            (str(path.relative_to(ROOT)), name, child.lineno, length, text)
                        )
                    stack.append((child, f"{name}."))
                else:
                    stack.append((child, prefix))
    return tuple(found)


def test_no_long_functions():
    long = [f for f in _functions() if f[3] > MAX_LINES]
    unjustified = [
        f"{path}:{line} {name} ({length} lines)"
        for path, name, line, length, text in long
        if not re.search(r"#\s*long:\s*\S", text)
    ]
    assert not unjustified, f"functions over {MAX_LINES} lines:\n" + "\n".join(unjustified)
    justified = len(long) - len(unjustified)
    assert justified <= MAX_LONG, f"{justified} `# long:` functions; at most {MAX_LONG}"


def test_the_checks_see_the_code():
    """The walks find what is there (a walk that found nothing would pass every test)."""
    edges = {(e.source, e.target) for e in _edges()}
    assert ("expr.tracer", "expr.ops") in edges and ("autodiff.api", "expr") in edges
    names = {name for _, name, *_ in _functions()}
    assert {"apply", "Tracer.__repr__", "Function.evaluate"} <= names
