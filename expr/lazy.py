"""Deferred imports, so `import expr` (and a black-box `numdiff` call) does not pay for
SymPy: a table that names SymPy counterparts at import time holds `Deferred` references,
resolved on first use.

`LazyModule("sympy").sin` is the real `sympy.sin` once SymPy is imported, and before that
a `Deferred` that imports SymPy when it is called or looked into (its attributes, its
repr). Use it for references stored at import time; code that runs `isinstance` checks
against SymPy classes imports SymPy itself (or looks in `sys.modules`: a SymPy object
cannot exist before SymPy is imported).

>>> math = LazyModule("math")
>>> round(math.sqrt(2.0), 6)
1.414214
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


class Deferred:
    """`module.attr`, imported when first called or inspected."""

    __slots__ = ("_attr", "_module", "_target")

    def __init__(self, module: str, attr: str) -> None:
        self._module = module
        self._attr = attr
        self._target: Any = None

    def loaded(self) -> bool:
        """Whether its module is imported already (resolving then costs no import)."""
        return self._module in sys.modules

    def resolve(self) -> Any:
        """The real object (importing its module the first time)."""
        if self._target is None:
            self._target = getattr(importlib.import_module(self._module), self._attr)
        return self._target

    @property
    def __name__(self) -> str:  # read by np.frompyfunc; must not trigger the import
        return self._attr

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)

    def __repr__(self) -> str:
        return repr(self.resolve())


class LazyModule:
    """A module imported on first real use of one of its attributes (see module doc)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = sys.modules.get(self._name)
        if module is not None:
            return getattr(module, attr)
        return Deferred(self._name, attr)


def imported(name: str) -> Any:
    """The module `name` if something already imported it, else None (then no object of
    its types can exist, so an `isinstance` check against them is False).

    >>> imported("sys") is sys
    True
    """
    return sys.modules.get(name)
