"""Hypothesis profiles: "default" (local runs) and "ci" (derandomized, so CI is repeatable).

Select one with `HYPOTHESIS_PROFILE=ci python -m pytest`; with CI=true set, "ci" is the default.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# CI (which sets CI=true) runs the derandomized profile, so a run is repeatable.
default = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", default))
