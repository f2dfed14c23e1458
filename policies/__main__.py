"""The kong-okta-portal policy pack. Only constructs the pack: the rules live in `rules.py`."""

import sys
from pathlib import Path

# The engine runs the pack from this folder; its modules import each other as `policies.*`,
# the same way the tests import them from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.rules import build_policies  # noqa: E402

PolicyPack(
    name="kong-okta-portal",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build_policies(),
)
