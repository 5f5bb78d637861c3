"""Hypothesis profiles: "default" (local runs) and "ci" (derandomized, so CI is repeatable).

Select one with `HYPOTHESIS_PROFILE=ci python -m pytest`.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
