"""Deep SymPy work on a big stack: SymPy builds, queries and prints expressions recursively
(an assumption query on sin(exp(sin(...))) recurses through every level), so a chain of a
few hundred ops exceeds Python's default recursion limit of 1,000.

`run_deep(fn, *args)` runs `fn` in a worker thread with a `STACK_BYTES` stack and a
recursion limit of `RECURSION_LIMIT` (restored afterwards), and re-raises what `fn` raised.
A RecursionError even there becomes an `ExprError` naming the limit. Calls made from inside
a worker run directly (no thread per nested call). Cost: one thread start, about 0.1 ms.

>>> import sympy
>>> x, g = sympy.Symbol("x"), sympy.Function("g")
>>> def chain(depth):  # g(g(...g(x))): srepr recurses once per level
...     e = x
...     for _ in range(depth):
...         e = g(e)
...     return sympy.srepr(e).count("Function('g')")
>>> run_deep(chain, 3000)
3000
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ExprError

#: The worker thread's stack (reserved address space; only the pages used are committed).
STACK_BYTES = 512 * 1024 * 1024
#: Python frames allowed in the worker (SymPy uses a few per level of an expression).
RECURSION_LIMIT = 200_000
_WORKER_NAME = "expr-deep-sympy"
#: Deepest graph (longest chain of ops) turned into one SymPy expression: SymPy's
#: constructors query assumptions down the whole expression (`is_number` is not cached), so
#: building a chain of depth d costs O(d^2) (about 3 s at 450 here).
MAX_SYMPY_DEPTH = 600

T = TypeVar("T")


def run_deep(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs) on a thread with a big stack; its result, or its exception."""
    if threading.current_thread().name == _WORKER_NAME:
        return fn(*args, **kwargs)
    outcome: dict[str, Any] = {}

    def work() -> None:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, RECURSION_LIMIT))
        try:
            outcome["value"] = fn(*args, **kwargs)
        except RecursionError:
            outcome["error"] = ExprError(
                f"the expression is too deep for SymPy even with a recursion limit of "
                f"{RECURSION_LIMIT} frames; use a shallower expression or the 'graph' method"
            )
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            sys.setrecursionlimit(old)

    previous = threading.stack_size(STACK_BYTES)
    try:
        worker = threading.Thread(target=work, name=_WORKER_NAME, daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def deep(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator: every call of `fn` goes through `run_deep`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return run_deep(fn, *args, **kwargs)

    return wrapper


def check_depth(f: Any, what: str, limit: int = MAX_SYMPY_DEPTH) -> None:
    """Refuse at once a `Function` too deep to become one SymPy expression. O(nodes)."""
    depth = f.depth()
    if depth > limit:
        raise ExprError(
            f"{what}: {f.name} is {depth} ops deep, over the limit {limit} for one SymPy "
            "expression (building it costs O(depth^2) in SymPy); differentiate it with "
            "autodiff, or symdiff.derivative_program (assignments, linear in the graph)"
        )
