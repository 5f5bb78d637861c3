"""The environment a run was made in: versions, CPU, date (for the report)."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import sys


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict[str, str]:
    """Python, platform, CPU, core count, date and the versions of the libraries used.

    >>> "python" in environment()
    True
    """
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cores": str(os.cpu_count()),
    }
    for package in ("diffcompare", "numpy", "sympy", "mpmath", "networkx", "matplotlib", "torch"):
        info[package] = _version(package)
    return info
