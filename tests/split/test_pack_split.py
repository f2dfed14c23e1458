"""The policy pack on each side of a split, over the real program's registrations under mocks
(okta and dcr): nothing mandatory fails on a correct gateway or portal stack, and the rules that
need the other stack's objects (contracted services' plugins, the flows Okta's rules grant) are
checked against what the gateway stack exports, not skipped."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyResource, ResourceValidationPolicy

from policies import rules
from tests.policies.support import options, resource_args, urn
from tests.policies.test_program_under_mocks import deployed_props, level, policy_config
from tests.program import configs
from tests.split.mocks import Ran, okta_gateway, okta_portal, run_program

PORTAL = "kong-okta-portal:portal:Portal"


def violations(ran: Ran, edit: Any = None) -> list[tuple[str, str, str]]:
    """(policy, resource, message) over every registration, components included (a portal
    stack's Portal component carries its gateway's exports); `edit(resources)` may alter them."""
    resources = [
        PolicyResource(
            r.typ,
            deployed_props(r.typ, r.name, r.inputs),
            urn(r.typ, r.name),
            r.name,
            options(),
            None,
            None,
            [],
            {},
        )
        for r in ran.mocks.resources
    ]
    if edit is not None:
        edit(resources)
    by_urn = {res.urn: res.name for res in resources}
    found: list[tuple[str, str, str]] = []
    for policy in rules.build_policies():
        config = policy_config(policy.name)
        if isinstance(policy, ResourceValidationPolicy):
            for res in resources:
                args = resource_args(res.resource_type, res.props, name=res.name, config=config)
                policy.validate(
                    args, lambda m, u=None, n=res.name, p=policy.name: found.append((p, n, m))
                )
        else:
            args = rules.StackValidationArgs(resources, config)
            policy.validate(
                args, lambda m, u=None, p=policy.name: found.append((p, by_urn.get(u or "", ""), m))
            )
    return found


def mandatory(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [v for v in found if level(v[0]) == "mandatory"]


def dcr_gateway() -> dict[str, Any]:
    cfg = configs.dcr()
    del cfg["developers"]
    cfg["split"] = {
        "role": "gateway",
        "flows": ["client_credentials", "authorization_code", "implicit"],
    }
    return cfg


def dcr_portal() -> dict[str, Any]:
    cfg = okta_portal()
    cfg["identity"] = {k: v for k, v in configs.dcr()["identity"].items()}
    return cfg


ALL_FLOWS = ["client_credentials", "authorization_code", "implicit"]


@pytest.mark.parametrize("provider", ["okta", "dcr"])
def test_gateway_and_portal_stacks_pass_the_pack(provider: str) -> None:
    gateway = run_program(okta_gateway(ALL_FLOWS) if provider == "okta" else dcr_gateway())
    assert mandatory(violations(gateway)) == []
    portal = run_program(okta_portal() if provider == "okta" else dcr_portal(), gateway.outputs)
    assert mandatory(violations(portal)) == []


def _gateway_prop(resources: list[PolicyResource]) -> dict[str, Any]:
    (portal,) = [r for r in resources if r.resource_type == PORTAL]
    return portal.props["gateway"]


def test_portal_contract_on_a_gateway_service_without_app_registration_is_caught() -> None:
    gateway = run_program(dcr_gateway())
    outputs = copy.deepcopy(gateway.outputs)
    outputs["portalGateway"]["services"]["billing"]["plugins"] = ["openid-connect"]
    portal = run_program(dcr_portal(), outputs)
    caught = mandatory(violations(portal))
    assert {v[0] for v in caught} == {"portal-contract-service-has-plugins"}
    assert sorted(v[1] for v in caught) == [
        "portal-ada-example-com-app-ada-web-billing",
        "portal-grace-example-com-app-grace-spa-billing",
    ]
    assert all("no application-registration plugin" in v[2] for v in caught)


def test_portal_contract_on_a_service_no_gateway_exports_is_caught() -> None:
    portal = run_program(dcr_portal(), run_program(dcr_gateway()).outputs)

    def forget_billing(resources: list[PolicyResource]) -> None:
        del _gateway_prop(resources)["services"]["billing"]

    caught = mandatory(violations(portal, forget_billing))
    assert {v[0] for v in caught} == {"portal-contract-service-has-plugins"}
    assert len(caught) == 2


def test_okta_portal_app_whose_flow_the_gateway_does_not_grant_is_caught() -> None:
    """The program refuses it first (settings); the pack catches it in a stack made otherwise."""
    portal = run_program(okta_portal(), run_program(okta_gateway(ALL_FLOWS)).outputs)

    def narrow(resources: list[PolicyResource]) -> None:
        _gateway_prop(resources)["flows"] = ["client_credentials"]

    caught = mandatory(violations(portal, narrow))
    assert {v[0] for v in caught} == {"okta-flow-has-policy-rule"}
    assert sorted(v[1] for v in caught) == [
        "identity-app-ada-web",
        "identity-app-grace-cli",
        "identity-app-grace-spa",
    ]
    assert all("the gateway stack it references grants only" in v[2] for v in caught)
