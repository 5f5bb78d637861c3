"""Hypothesis profiles, and the deep chain that iterative walks are tested on.

Hypothesis profiles: "default" (local runs) and "ci" (derandomized, so CI is repeatable).

Select one with `HYPOTHESIS_PROFILE=ci python -m pytest`; with CI=true set, "ci" is the default.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

import expr

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# CI (which sets CI=true) runs the derandomized profile, so a run is repeatable.
default = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", default))


#: Depth of the deep chain: recursion over it would overflow Python's stack.
CHAIN_DEPTH = 20_000


@pytest.fixture(scope="session")
def sin_chain() -> expr.Function:
    """sin(sin(...sin(x)...)), CHAIN_DEPTH deep, traced at 0.5."""

    def chain(x):
        for _ in range(CHAIN_DEPTH):
            x = expr.sin(x)
        return x

    return expr.trace(chain, 0.5)
