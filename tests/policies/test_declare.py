"""`PolicySet`, the decorators every policy of the pack is declared with.

The pack's own policies are declared when the rules modules are imported, which mutation
testing never sees (the modules are imported once, before a mutant is chosen); these tests
declare policies on a fresh set, in the test, and read back what the engine would be served.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from policies.declare import ADVISORY, LOOPBACK_SCHEMA, MANDATORY, PolicySet


def _private(policy: object, field: str) -> Any:
    # pulumi-policy (pinned) keeps the functions it was given in name-mangled attributes
    return getattr(policy, f"_{type(policy).__name__}__{field}")


def _check(args: Any, report: Any) -> None:
    report("never called here")


def _fix(args: Any) -> None:
    return None


def test_levels_are_pulumi_policy_levels() -> None:
    assert MANDATORY is EnforcementLevel.MANDATORY
    assert ADVISORY is EnforcementLevel.ADVISORY
    assert set(LOOPBACK_SCHEMA.properties) == {"allowLoopback"}
    assert LOOPBACK_SCHEMA.properties["allowLoopback"]["type"] == "boolean"


def test_a_new_set_has_no_policies() -> None:
    assert PolicySet().policies == []
    assert PolicySet().policies is not PolicySet().policies


def test_resource_declares_a_resource_policy_and_leaves_the_validator_as_is() -> None:
    policies = PolicySet()
    schema = PolicyConfigSchema(properties={"x": {"type": "string"}})
    returned = policies.resource(
        "a-name", "what it checks", MANDATORY, remediate=_fix, config_schema=schema
    )(_check)
    assert returned is _check
    (policy,) = policies.policies
    assert type(policy) is ResourceValidationPolicy
    assert policy.name == "a-name"
    assert policy.description == "what it checks"
    assert policy.enforcement_level is EnforcementLevel.MANDATORY
    assert policy.config_schema is schema
    assert _private(policy, "validate") is _check
    assert _private(policy, "remediate") is _fix
    assert policy.has_remediation()


def test_resource_without_options_has_no_remediation_and_no_schema() -> None:
    policies = PolicySet()
    policies.resource("plain", "no options", ADVISORY)(_check)
    (policy,) = policies.policies
    assert policy.enforcement_level is EnforcementLevel.ADVISORY
    assert policy.config_schema is None
    assert _private(policy, "remediate") is None
    assert not policy.has_remediation()


def test_stack_declares_a_stack_policy() -> None:
    policies = PolicySet()
    schema = PolicyConfigSchema(properties={"y": {"type": "boolean"}})
    returned = policies.stack("whole-stack", "checks them all", ADVISORY, config_schema=schema)(
        _check
    )
    assert returned is _check
    (policy,) = policies.policies
    assert type(policy) is StackValidationPolicy
    assert policy.name == "whole-stack"
    assert policy.description == "checks them all"
    assert policy.enforcement_level is EnforcementLevel.ADVISORY
    assert policy.config_schema is schema
    assert _private(policy, "validate") is _check
    other = PolicySet()
    other.stack("no-schema", "d", MANDATORY)(_check)
    assert other.policies[0].config_schema is None
    assert other.policies[0].enforcement_level is EnforcementLevel.MANDATORY


def test_policies_keep_the_order_they_are_declared_in() -> None:
    policies = PolicySet()
    policies.resource("first", "1", MANDATORY)(_check)
    policies.stack("second", "2", MANDATORY)(_check)
    policies.resource("third", "3", ADVISORY)(_check)
    assert [p.name for p in policies.policies] == ["first", "second", "third"]
