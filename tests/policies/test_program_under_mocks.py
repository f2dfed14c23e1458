"""The real program (`__main__.py`) under Pulumi mocks, its resources fed to every policy.

Okta resources can't be previewed offline (no okta plugin), so this is where the pack meets the
real okta identity component: the recorded registrations become the `PolicyResource`s a deployed
stack would show (mock outputs for ids), checked with the `local` pack config.
"""

from __future__ import annotations

import json
import runpy
from typing import Any

import pytest
from pulumi_policy import PolicyResource, ResourceValidationPolicy

from policies import rules
from tests.policies.support import options, resource_args, urn
from tests.program import configs
from tests.program.mocks import install, run
from tests.support.pulumi import REPO_ROOT

LOCAL = json.loads((REPO_ROOT / "policies" / "config" / "local.json").read_text())


def level(name: str) -> str:
    entry = LOCAL[name]
    return entry if isinstance(entry, str) else entry["enforcementLevel"]


def policy_config(name: str) -> dict[str, Any]:
    entry = LOCAL[name]
    return (
        {}
        if isinstance(entry, str)
        else {k: v for k, v in entry.items() if k != "enforcementLevel"}
    )


def deployed_props(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs plus the outputs tests/program/mocks.py gives each type."""
    props = dict(inputs)
    if typ == rules.OKTA_APP:
        props["clientId"] = f"0oa-{name}"
    elif typ == rules.OKTA_SERVER:
        props["issuer"] = f"https://dev-1.okta.example/oauth2/aus-{name}"
    elif typ == rules.CLIENT_REGISTRATION:
        props["client_id"] = f"cid-{name}"
    elif typ.startswith(rules.KONG):
        props["kong_id"] = f"kong-{name}"
    return props


def all_violations(cfg: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(policy, resource name or '', message) for every violation over the program's resources."""
    mocks = install(cfg)
    run(lambda: runpy.run_path(str(REPO_ROOT / "__main__.py")))
    registered = [r for r in mocks.resources if not r.typ.startswith("kong-okta-portal:")]
    assert registered, "the program registered no resources"
    found: list[tuple[str, str, str]] = []
    stack_resources = [
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
        for r in registered
    ]
    by_urn = {res.urn: res.name for res in stack_resources}
    for policy in rules.build_policies():
        config = policy_config(policy.name)
        if isinstance(policy, ResourceValidationPolicy):
            for res in stack_resources:
                args = resource_args(res.resource_type, res.props, name=res.name, config=config)
                policy.validate(
                    args, lambda m, u=None, n=res.name, p=policy.name: found.append((p, n, m))
                )
        else:
            args = rules.StackValidationArgs(stack_resources, config)
            policy.validate(
                args, lambda m, u=None, p=policy.name: found.append((p, by_urn.get(u or "", ""), m))
            )
    return found


@pytest.mark.parametrize("identity", ["okta", "dcr"])
def test_real_program_has_no_mandatory_violation_locally(identity: str) -> None:
    found = all_violations(getattr(configs, identity)())
    mandatory = [v for v in found if level(v[0]) == "mandatory"]
    assert mandatory == []
    # the test config's grace-spa uses the implicit flow: advisory locally, reported all the same
    implicit = [v for v in found if v[0] == "identity-app-no-implicit-grant"]
    assert [v[1] for v in implicit] == [
        "identity-app-grace-spa" if identity == "okta" else "identity-client-grace-spa"
    ]


def test_real_program_with_a_claim_that_does_not_carry_the_client_id_is_caught() -> None:
    cfg = configs.okta()
    cfg["identity"]["claimValue"] = "app.id"  # the settings accept any expression
    found = all_violations(cfg)
    caught = {(v[0], v[1]) for v in found if level(v[0]) == "mandatory"}
    assert caught == {
        ("okta-claim-client-id", "identity-claim"),
        ("okta-claim-matches-consumer-claim", "identity-claim"),
    }
