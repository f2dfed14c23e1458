"""The okta path split across stacks, under Pulumi mocks (the pulumi-okta plugin cannot run
here): the gateway stack owns the authorization server, scopes, claim, access policy and its
rules, and exports what its portal stacks need; a portal stack makes only the Okta apps and
the Kong developers, applications and contracts, against the gateway's services."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from tests.program import configs
from tests.split.mocks import GATEWAY_REF, okta_gateway, okta_portal, run_program

ALL_FLOWS = ["client_credentials", "authorization_code", "implicit"]

SERVER = "okta:auth/server:Server"
SCOPE = "okta:auth/serverScope:ServerScope"
CLAIM = "okta:auth/serverClaim:ServerClaim"
POLICY = "okta:auth/serverPolicy:ServerPolicy"
RULE = "okta:auth/serverPolicyRule:ServerPolicyRule"
OKTA_APP = "okta:app/oAuth:OAuth"
KONG = "pulumi-python:dynamic/kong:"
OKTA_SHARED = (SERVER, SCOPE, CLAIM, POLICY, RULE)


def gateway_outputs(flows: list[str] | None = None) -> dict[str, Any]:
    """The gateway stack's outputs, as the program exports them under mocks."""
    return run_program(okta_gateway(flows)).outputs


def test_gateway_stack_owns_the_shared_side_and_exports_it() -> None:
    cfg = okta_gateway()
    cfg["identity"]["authServer"] = {"name": "portal"}
    ran = run_program(cfg)
    mocks, monitor = ran.mocks, ran
    kinds = [r.typ for r in mocks.resources]
    assert kinds.count(SERVER) == 1 and kinds.count(CLAIM) == 1 and kinds.count(POLICY) == 1
    # one rule per flow the portal stacks may use, though no app exists here yet
    rules = {r.inputs["name"]: r.inputs for r in mocks.of_type(RULE)}
    assert sorted(rules) == [
        "kong-okta-portal authorization_code",
        "kong-okta-portal client_credentials",
    ]
    # none of them names a client: an app made later in any portal stack is covered
    (policy,) = mocks.of_type(POLICY)
    assert policy.inputs["clientWhitelists"] == ["ALL_CLIENTS"]
    assert all("clientWhitelists" not in r for r in rules.values())
    assert OKTA_APP not in kinds
    assert not [k for k in kinds if k in (KONG + "Developer", KONG + "Application")]
    assert kinds.count(KONG + "WorkspacePortal") == 1 and kinds.count(KONG + "Service") == 2

    exported = monitor.outputs["portalGateway"]
    assert exported["provider"] == "okta"
    assert exported["issuer"] == "https://dev-1.okta.example/oauth2/aus-identity-server"
    assert exported["tokenEndpoint"] == exported["issuer"] + "/v1/token"
    assert exported["flows"] == ["client_credentials", "authorization_code"]
    assert exported["claimName"] == "application_id" and exported["scopes"] == ["portal_api"]
    assert exported["services"]["orders"]["id"] == "kong-api-orders-service"
    assert exported["services"]["orders"]["plugins"] == [
        "openid-connect",
        "application-registration",
    ]
    assert monitor.outputs["apps"] == {}


def test_gateway_flows_choose_the_policy_rules() -> None:
    mocks = run_program(okta_gateway(["client_credentials"])).mocks
    assert [r.inputs["grantTypeWhitelists"] for r in mocks.of_type(RULE)] == [
        ["client_credentials"]
    ]


def test_portal_stack_makes_only_okta_apps_and_portal_objects() -> None:
    outputs = gateway_outputs(ALL_FLOWS)
    ran = run_program(okta_portal(), outputs)
    mocks, monitor = ran.mocks, ran
    kinds = [r.typ for r in mocks.resources]
    assert not [k for k in kinds if k in OKTA_SHARED]
    assert not [k for k in kinds if k in (KONG + "Service", KONG + "Plugin", KONG + "Route")]
    assert KONG + "WorkspacePortal" not in kinds
    apps = {r.inputs["label"]: r for r in mocks.of_type(OKTA_APP)}
    assert sorted(apps) == ["ada-batch", "ada-web", "grace-cli", "grace-spa"]
    # the portal application's Reference Id is the Okta app's client_id
    portal_apps = {r.inputs["name"]: r.inputs for r in mocks.of_type(KONG + "Application")}
    assert portal_apps["ada-batch"]["custom_id"] == "0oa-identity-app-ada-batch"
    # contracts point at the gateway stack's services
    services = {r.inputs["service_id"] for r in mocks.of_type(KONG + "ApplicationInstance")}
    assert services == {"kong-api-orders-service", "kong-api-billing-service"}
    # verify reads the gateway's issuer, token endpoint, scopes, claim and endpoints here
    gateway = outputs["portalGateway"]
    assert monitor.outputs["issuer"] == gateway["issuer"]
    assert monitor.outputs["tokenEndpoint"] == gateway["tokenEndpoint"]
    assert monitor.outputs["scopes"] == ["portal_api"]
    # (a None through a stack reference reads back as absent)
    assert monitor.outputs["services"] == {
        name: {k: v for k, v in svc["endpoint"].items() if v is not None}
        for name, svc in gateway["services"].items()
    }
    assert monitor.outputs["apps"]["ada-web"]["access"] == {"orders": "none", "billing": "pending"}
    assert monitor.outputs["gatewayStack"] == GATEWAY_REF


def test_portal_app_on_a_flow_the_gateway_does_not_grant_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Okta would answer no_matching_policy: refused before any resource is registered."""
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "error", lambda msg, *a, **k: logged.append(str(msg)))
    outputs = gateway_outputs()  # client_credentials and authorization_code
    with pytest.raises(SystemExit) as stopped:
        run_program(okta_portal(), outputs, monkeypatch)
    assert stopped.value.code == 32
    (message,) = logged
    assert (
        "kong-okta-portal:developers[1].apps[0].flow = 'implicit': expected one of the flows "
        f"the gateway stack {GATEWAY_REF} enables"
    ) in message


def test_portal_stack_keeps_the_shared_identity_keys_out() -> None:
    from components.settings import SettingsError, parse_settings

    cfg = okta_portal()
    cfg["identity"]["scopes"] = ["portal_api"]
    cfg["services"] = okta_gateway()["services"]
    with pytest.raises(SettingsError) as err:
        parse_settings(cfg)
    text = str(err.value)
    assert (
        'kong-okta-portal:identity.scopes = ["portal_api"]: expected no value in a portal' in text
    )
    assert "kong-okta-portal:services = " in text and "gateway stack" in text


def test_portal_stack_resources_answer_to_the_urns_state_move_gives_them() -> None:
    """`pulumi state move` without --include-parents parents a moved resource to the stack;
    a portal stack's Okta apps and portal objects carry that URN as an alias (the engine
    test tests/split/test_engine_move.py shows the dcr path keeping every object)."""
    root = "urn:pulumi:test::kong-okta-portal::"
    portal = run_program(okta_portal(), gateway_outputs(ALL_FLOWS)).monitor.aliases
    assert root + "okta:app/oAuth:OAuth::identity-app-ada-batch" in portal["identity-app-ada-batch"]
    developer = "portal-ada-example-com-developer"
    assert root + f"pulumi-python:dynamic/kong:Developer::{developer}" in portal[developer]
    contract = "portal-ada-example-com-app-ada-batch-orders"
    assert root + f"pulumi-python:dynamic/kong:ApplicationInstance::{contract}" in portal[contract]
    # one stack: no such alias (its layout is left exactly as it was)
    single = run_program(configs.okta()).monitor.aliases
    assert single["identity-app-ada-batch"] == []
    assert not [a for a in single[developer] if a.startswith(root + "pulumi-python:")]
