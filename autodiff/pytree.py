"""Pytrees as JAX has them: nested tuples, lists, dicts and None whose leaves are arrays or
numbers. `flatten` gives the leaves in a fixed order (dict keys sorted) and a `TreeDef`;
`TreeDef.unflatten` rebuilds the same structure around new leaves. O(nodes of the tree).

>>> leaves, tree = flatten({"b": (1.0, None), "a": [2.0]})
>>> leaves
[2.0, 1.0]
>>> tree.unflatten([20.0, 10.0])
{'a': [20.0], 'b': (10.0, None)}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import AutodiffError

#: Deeper containers are refused (a pytree is a few levels of parameters, not a graph).
MAX_DEPTH = 100


class PytreeError(AutodiffError):
    """A pytree is malformed: unsortable dict keys, too deep, or leaves that do not fit."""


@dataclass(frozen=True)
class TreeDef:
    """The structure of a pytree: `kind` is "leaf", "none", "tuple", "list" or "dict";
    `keys` the sorted dict keys; `children` the sub-structures."""

    kind: str
    keys: tuple = ()
    children: tuple[TreeDef, ...] = ()
    num_leaves: int = 1

    def unflatten(self, leaves: Sequence[Any]) -> Any:
        """The structure with `leaves` in flatten's order (exactly num_leaves of them)."""
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise PytreeError(
                f"the structure {self} holds {self.num_leaves} leaves, got {len(leaves)}"
            )
        return self._build(iter(leaves))

    def _build(self, leaves: Any) -> Any:
        if self.kind == "leaf":
            return next(leaves)
        if self.kind == "none":
            return None
        built = [child._build(leaves) for child in self.children]
        if self.kind == "dict":
            return dict(zip(self.keys, built))
        return tuple(built) if self.kind == "tuple" else built

    def map(self, fn: Callable[[Any], Any], tree: Any) -> Any:
        """`fn` applied to every leaf of `tree` (which has this structure)."""
        leaves, other = flatten(tree)
        if other != self:
            raise PytreeError(f"expected the structure {self}, got {other}")
        return self.unflatten([fn(leaf) for leaf in leaves])

    def __str__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.keys, self.children)) + "}"
        inner = ", ".join(str(c) for c in self.children)
        return (
            f"({inner}{',' if len(self.children) == 1 else ''})"
            if self.kind == "tuple"
            else f"[{inner}]"
        )


LEAF = TreeDef("leaf")


def flatten(tree: Any, depth: int = 0) -> tuple[list[Any], TreeDef]:
    """(leaves, structure) of `tree`; anything that is not a tuple, list, dict or None is a
    leaf (arrays, numbers, tracers, Duals).

    >>> flatten((1.0, [2.0, 3.0]))[0]
    [1.0, 2.0, 3.0]
    """
    if depth > MAX_DEPTH:
        raise PytreeError(f"the argument nests containers more than {MAX_DEPTH} levels deep")
    if tree is None:
        return [], TreeDef("none", num_leaves=0)
    if isinstance(tree, dict):
        try:
            keys = tuple(sorted(tree))
        except TypeError:
            raise PytreeError(
                f"dict keys must be sortable (all str, or all numbers), got {list(tree)!r}"
            ) from None
        items = [tree[k] for k in keys]
        kind = "dict"
    elif isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        keys, items, kind = (), list(tree), "tuple" if isinstance(tree, tuple) else "list"
    else:
        return [tree], LEAF
    leaves: list[Any] = []
    children = []
    for item in items:
        sub_leaves, sub_tree = flatten(item, depth + 1)
        leaves.extend(sub_leaves)
        children.append(sub_tree)
    return leaves, TreeDef(kind, keys, tuple(children), len(leaves))


def flatten_up_to(tree: TreeDef, value: Any) -> list[Any]:
    """The leaves of `value` laid out as `tree`, where a None stands for a whole subtree
    (its leaves come back as None: "zero" in a custom rule's cotangents, as in JAX).

    >>> flatten_up_to(flatten((1.0, {"a": 2.0, "b": 3.0}))[1], (5.0, {"a": None, "b": 6.0}))
    [5.0, None, 6.0]
    """
    if tree.kind == "leaf" or value is None:
        return [value] if tree.kind == "leaf" else [None] * tree.num_leaves
    if tree.kind == "none":
        raise PytreeError(f"expected None, got {type(value).__name__}")
    if tree.kind == "dict":
        if not isinstance(value, dict) or set(value) != set(tree.keys):
            raise PytreeError(f"expected a dict with keys {list(tree.keys)}, got {value!r:.80}")
        items = [value[k] for k in tree.keys]
    else:
        kind = tuple if tree.kind == "tuple" else list
        if not isinstance(value, kind) or len(value) != len(tree.children):
            raise PytreeError(
                f"expected a {tree.kind} of {len(tree.children)}, got {type(value).__name__}"
                + (f" of {len(value)}" if isinstance(value, (tuple, list)) else "")
            )
        items = list(value)
    leaves: list[Any] = []
    for child, item in zip(tree.children, items):
        leaves.extend(flatten_up_to(child, item))
    return leaves


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """`fn` applied to every leaf, the structure kept.

    >>> tree_map(lambda v: 2 * v, {"w": [1.0, 2.0]})
    {'w': [2.0, 4.0]}
    """
    if not callable(fn):
        raise PytreeError(f"tree_map needs a function of one leaf, got {type(fn).__name__}")
    leaves, structure = flatten(tree)
    return structure.unflatten([fn(leaf) for leaf in leaves])
