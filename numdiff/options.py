"""The keyword options every numdiff differentiator takes, declared once.

`Options` lists them with their defaults (they are documented at `numdiff.jacobian`).
`keyword_options` turns a differentiator written as `fn(f, x, *, ..., options)` into the
public `fn(f, x, *, ..., method="central", accuracy=None, ...)`: that is the signature
`help()` and `inspect` show, the keywords are gathered into one `Options`, and an unknown
keyword is a TypeError as for any Python function. They are validated once, by
`numdiff.api.plan`.

>>> @keyword_options
... def show(f, x, *, options):
...     return options.method, options.full_output
>>> show(None, 0.0, method="auto")
('auto', False)
>>> list(inspect.signature(show).parameters)[:4]
['f', 'x', 'method', 'accuracy']
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Options:
    """The options of a finite-difference derivative (see `numdiff.jacobian`)."""

    method: str = "central"
    accuracy: int | None = None
    step: Any = None
    full_output: bool = False
    vectorized: bool = False
    max_evals: int | None = None
    atol: float = 0.0
    rtol: float = 0.0
    order: Any = None


NAMES = tuple(field.name for field in fields(Options))


def keyword_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn(f, x, *, <its own keywords>, options)` as `fn(f, x, *, <its own keywords>,
    <the Options fields>)` (see the module docstring). Cost: one dict pass per call."""
    own = [p for p in inspect.signature(fn).parameters.values() if p.name != "options"]
    keyword = inspect.Parameter.KEYWORD_ONLY
    added = [inspect.Parameter(f.name, keyword, default=f.default, annotation=f.type)
             for f in fields(Options)]  # fmt: skip
    accepted = set(NAMES) | {p.name for p in own if p.kind is keyword}

    @functools.wraps(fn)
    def public(f: Any, x: Any, **keywords: Any) -> Any:
        unknown = sorted(set(keywords) - accepted)
        if unknown:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument {unknown[0]!r}")
        options = Options(**{name: keywords.pop(name) for name in NAMES if name in keywords})
        return fn(f, x, **keywords, options=options)

    public.__signature__ = inspect.signature(fn).replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    return public
