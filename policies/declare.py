"""Declaring a policy after its validator: ``POLICIES.resource(name, desc, level)(validate)``.

Each rules module holds one `PolicySet`; the declarations leave the validators as they are
(tests call them directly) and collect the policy objects the pack is built from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY
LOOPBACK_SCHEMA = PolicyConfigSchema(
    properties={"allowLoopback": {"type": "boolean", "description": "accept http on loopback"}}
)

Validator = Callable[..., None]


class PolicySet:
    """The policies of one rules module, in the order they are declared."""

    def __init__(self) -> None:
        self.policies: list[ResourceValidationPolicy | StackValidationPolicy] = []

    def resource(
        self,
        name: str,
        description: str,
        level: EnforcementLevel,
        *,
        remediate: Callable[..., Any] | None = None,
        config_schema: PolicyConfigSchema | None = None,
    ) -> Callable[[Validator], Validator]:
        """A policy checking each resource as it is registered."""

        def declare(validate: Validator) -> Validator:
            self.policies.append(
                ResourceValidationPolicy(
                    name=name,
                    description=description,
                    validate=validate,
                    remediate=remediate,
                    enforcement_level=level,
                    config_schema=config_schema,
                )
            )
            return validate

        return declare

    def stack(
        self,
        name: str,
        description: str,
        level: EnforcementLevel,
        *,
        config_schema: PolicyConfigSchema | None = None,
    ) -> Callable[[Validator], Validator]:
        """A policy checking the whole stack once every resource is known."""

        def declare(validate: Validator) -> Validator:
            self.policies.append(
                StackValidationPolicy(
                    name=name,
                    description=description,
                    validate=validate,
                    enforcement_level=level,
                    config_schema=config_schema,
                )
            )
            return validate

        return declare
