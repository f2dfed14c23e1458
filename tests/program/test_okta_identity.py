"""The okta path under Pulumi mocks: exactly the guide's Okta objects, with the right arguments."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path

import pulumi
import pytest

from tests.program import configs
from tests.program.mocks import OKTA_ISSUER, RecordingMocks, install, run

REPO = Path(__file__).resolve().parents[2]
OKTA = "okta:"


def run_main(cfg: dict) -> RecordingMocks:
    mocks = install(cfg)
    run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    return mocks


@pytest.fixture
def okta_default() -> RecordingMocks:
    return run_main(configs.okta())


def test_default_server_is_looked_up_not_created(okta_default: RecordingMocks) -> None:
    assert okta_default.of_type("okta:auth/server:Server") == []
    assert ("okta:auth/getServer:getServer", {"name": "default"}) in okta_default.calls


def test_registers_exactly_the_okta_objects(okta_default: RecordingMocks) -> None:
    counts: dict[str, int] = {}
    for r in okta_default.resources:
        if r.typ.startswith(OKTA):
            counts[r.typ] = counts.get(r.typ, 0) + 1
    assert counts == {
        "okta:auth/serverScope:ServerScope": 1,
        "okta:auth/serverClaim:ServerClaim": 1,
        "okta:auth/serverPolicy:ServerPolicy": 1,
        "okta:auth/serverPolicyRule:ServerPolicyRule": 3,
        "okta:app/oAuth:OAuth": 4,
    }
    assert okta_default.of_type("pulumi-python:dynamic/identity:ClientRegistration") == []


def test_claim_carries_the_client_id_in_the_access_token(okta_default: RecordingMocks) -> None:
    (claim,) = okta_default.of_type("okta:auth/serverClaim:ServerClaim")
    assert claim.inputs["authServerId"] == "default"
    assert claim.inputs["name"] == "application_id"
    assert claim.inputs["claimType"] == "RESOURCE"
    assert claim.inputs["valueType"] == "EXPRESSION"
    assert claim.inputs["value"] == "app.clientId"
    (scope,) = okta_default.of_type("okta:auth/serverScope:ServerScope")
    assert scope.inputs["name"] == "portal_api"
    assert scope.inputs["authServerId"] == "default"


def test_policy_has_one_rule_per_flow_in_priority_order(okta_default: RecordingMocks) -> None:
    (policy,) = okta_default.of_type("okta:auth/serverPolicy:ServerPolicy")
    assert policy.inputs["clientWhitelists"] == ["ALL_CLIENTS"]
    rules = sorted(
        okta_default.of_type("okta:auth/serverPolicyRule:ServerPolicyRule"),
        key=lambda r: r.inputs["priority"],
    )
    assert [(r.inputs["priority"], r.inputs["grantTypeWhitelists"]) for r in rules] == [
        (1, ["client_credentials"]),
        (2, ["authorization_code"]),
        (3, ["implicit"]),
    ]
    assert rules[0].inputs["scopeWhitelists"] == ["portal_api"]
    assert all("portal_api" in r.inputs["scopeWhitelists"] for r in rules)
    assert all(r.inputs["policyId"] == f"{policy.name}-id" for r in rules)
    assert all(r.inputs["groupWhitelists"] == ["EVERYONE"] for r in rules)


def test_only_enabled_flows_get_rules() -> None:
    cfg = configs.okta()
    cfg["developers"] = cfg["developers"][:1]
    cfg["developers"][0]["apps"] = cfg["developers"][0]["apps"][:1]
    mocks = run_main(cfg)
    rules = mocks.of_type("okta:auth/serverPolicyRule:ServerPolicyRule")
    assert [r.inputs["grantTypeWhitelists"] for r in rules] == [["client_credentials"]]


@pytest.mark.parametrize(
    ("app", "typ", "grants", "responses", "auth", "pkce"),
    [
        ("ada-batch", "service", ["client_credentials"], ["token"], "client_secret_basic", None),
        ("ada-web", "web", ["authorization_code"], ["code"], "client_secret_basic", True),
        ("grace-spa", "browser", ["implicit"], ["token", "id_token"], "none", None),
        ("grace-cli", "native", ["authorization_code"], ["code"], "none", True),
    ],
)
def test_app_type_grants_and_pkce_per_flow(
    okta_default: RecordingMocks,
    app: str,
    typ: str,
    grants: list[str],
    responses: list[str],
    auth: str,
    pkce: bool | None,
) -> None:
    oauth = okta_default.named(f"identity-app-{app}")
    assert oauth.typ == "okta:app/oAuth:OAuth"
    assert oauth.inputs["label"] == app
    assert oauth.inputs["type"] == typ
    assert oauth.inputs["grantTypes"] == grants
    assert oauth.inputs["responseTypes"] == responses
    assert oauth.inputs["tokenEndpointAuthMethod"] == auth
    assert oauth.inputs.get("pkceRequired") == pkce
    if typ == "service":
        assert "redirectUris" not in oauth.inputs
    else:
        assert oauth.inputs["redirectUris"]


def test_custom_server_is_created_with_its_audience() -> None:
    cfg = configs.okta()
    cfg["identity"]["authServer"] = {
        "name": "portal",
        "description": "APIs behind Kong",
        "audiences": ["api://portal"],
    }
    mocks = run_main(cfg)
    (server,) = mocks.of_type("okta:auth/server:Server")
    assert server.inputs["name"] == "portal"
    assert server.inputs["audiences"] == ["api://portal"]
    assert server.inputs["description"] == "APIs behind Kong"
    assert mocks.calls == []
    (claim,) = mocks.of_type("okta:auth/serverClaim:ServerClaim")
    assert claim.inputs["authServerId"] == f"{server.name}-id"
    oidc = [
        p
        for p in mocks.of_type("pulumi-python:dynamic/kong:Plugin")
        if p.inputs["name"] == "openid-connect"
    ]
    assert {p.inputs["config"]["issuer"] for p in oidc} == {
        "https://dev-1.okta.example/oauth2/aus-identity-server"
    }


def test_kong_objects_are_wired_from_okta_outputs(okta_default: RecordingMocks) -> None:
    plugins = okta_default.of_type("pulumi-python:dynamic/kong:Plugin")
    oidc = {p.name: p.inputs for p in plugins if p.inputs["name"] == "openid-connect"}
    assert set(oidc) == {"api-orders-openid-connect", "api-billing-openid-connect"}
    for conf in oidc.values():
        assert conf["config"]["issuer"] == OKTA_ISSUER
        assert conf["config"]["consumer_claim"] == ["application_id"]
        assert conf["config"]["consumer_by"] == ["custom_id"]
        assert conf["config"]["verify_parameters"] is False
        assert "verify_credentials" not in conf["config"]
    assert oidc["api-billing-openid-connect"]["config"]["leeway"] == 5
    assert oidc["api-billing-openid-connect"]["config"]["scopes_required"] == ["portal_api"]
    apps = {
        a.inputs["name"]: a.inputs
        for a in okta_default.of_type("pulumi-python:dynamic/kong:Application")
    }
    assert {n: a["custom_id"] for n, a in apps.items()} == {
        n: f"0oa-identity-app-{n}" for n in ("ada-batch", "ada-web", "grace-spa", "grace-cli")
    }


def test_dcr_path_registers_one_client_per_app_and_no_okta_objects() -> None:
    mocks = run_main(configs.dcr())
    assert [r for r in mocks.resources if r.typ.startswith(OKTA)] == []
    regs = {
        r.inputs["client_name"]: r.inputs
        for r in mocks.of_type("pulumi-python:dynamic/identity:ClientRegistration")
    }
    assert set(regs) == {"ada-batch", "ada-web", "grace-spa", "grace-cli"}
    assert regs["ada-batch"]["grant_types"] == ["client_credentials"]
    assert regs["ada-batch"]["application_type"] == "service"
    assert regs["ada-web"]["redirect_uris"] == ["https://ada.example.com/callback"]
    assert regs["grace-spa"]["response_types"] == ["token", "id_token"]
    assert regs["grace-cli"]["token_endpoint_auth_method"] == "none"
    assert {r["issuer"] for r in regs.values()} == {"http://127.0.0.1:8080/oauth2/default"}


def test_portal_contracts_follow_the_settings(okta_default: RecordingMocks) -> None:
    devs = okta_default.of_type("pulumi-python:dynamic/kong:Developer")
    assert sorted(d.inputs["email"] for d in devs) == ["ada@example.com", "grace@example.com"]
    assert all(d.inputs["status"] == 0 for d in devs)
    instances = {
        i.name: i.inputs["status"]
        for i in okta_default.of_type("pulumi-python:dynamic/kong:ApplicationInstance")
    }
    assert instances == {
        "portal-ada-example-com-app-ada-batch-orders": 0,
        "portal-ada-example-com-app-ada-web-billing": 1,
        "portal-grace-example-com-app-grace-spa-orders": 0,
        "portal-grace-example-com-app-grace-spa-billing": 0,
    }
    by_name = {r.name: r for r in okta_default.resources}
    inst = by_name["portal-ada-example-com-app-ada-web-billing"].inputs
    assert inst["application_id"] == "kong-portal-ada-example-com-app-ada-web"
    assert inst["service_id"] == "kong-api-billing-service"


def test_dcr_identity_outputs_issuer_token_endpoint_and_secret_client_secrets() -> None:
    from components.identity import DcrIdentity, IdentityArgs
    from components.settings import parse_settings

    cfg = configs.dcr()
    cfg["identity"]["issuer"] = "http://127.0.0.1:8080/oauth2/default/"  # a trailing slash
    settings = parse_settings(cfg)
    mocks = install(cfg)
    seen: dict[str, object] = {}

    def program() -> object:
        apps = [app for _dev, app in settings.apps()]
        identity = DcrIdentity("identity", IdentityArgs(settings=settings.identity, apps=apps))
        batch = identity.clients["ada-batch"]

        async def secret() -> None:
            seen["secret"] = await batch.client_secret.is_secret()

        return pulumi.Output.all(
            identity.issuer, identity.token_endpoint, batch.client_id, batch.client_secret
        ).apply(lambda v: seen.update(values=v)), asyncio.ensure_future(secret())

    run(program)
    assert seen["secret"] is True
    issuer = "http://127.0.0.1:8080/oauth2/default"
    assert seen["values"] == [
        issuer, f"{issuer}/v1/token", "cid-identity-client-ada-batch",
        "secret-identity-client-ada-batch",
    ]  # fmt: skip
    regs = mocks.of_type("pulumi-python:dynamic/identity:ClientRegistration")
    assert {r.inputs["issuer"] for r in regs} == {issuer}
    batch = next(r for r in regs if r.inputs["client_name"] == "ada-batch")
    assert batch.inputs.get("response_types") in (None, [])  # client credentials: none
