"""The kong-okta-portal policy pack. Only constructs the pack: the rules live in `rules.py`."""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import build_policies

PolicyPack(
    name="kong-okta-portal",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build_policies(),
)
