"""Okta's official Python management SDK against the sandbox: the third-party check that the
emulator speaks Okta. Each kind is created, read, updated, listed and deleted through the SDK;
tokens from `/oauth2/{id}/v1/token` then follow what it configured."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from okta.client import Client
from okta.models import (
    AuthorizationServer,
    AuthorizationServerPolicy,
    AuthorizationServerPolicyRuleRequest,
    OAuth2Claim,
    OAuth2Scope,
    OpenIdConnectApplication,
)
from okta.pagination import PaginationHelper

from sandbox.launch import SandboxProcess
from tests.okta.conftest import sdk_config, token


def run(org: SandboxProcess, fn: Callable[[Client], Awaitable[Any]], **kw: Any) -> Any:
    async def main() -> Any:
        async with Client(sdk_config(org, **kw)) as client:
            return await fn(client)

    return asyncio.run(main())


def ok(result: tuple) -> Any:
    """The SDK returns (data, response, error); a test wants the data or the error shown."""
    data, _, err = result
    assert err is None, err
    return data


def claims_of(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


SERVICE_APP = {
    "name": "oidc_client",
    "label": "ada-batch",
    "signOnMode": "OPENID_CONNECT",
    "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
    "settings": {
        "oauthClient": {
            "application_type": "service",
            "grant_types": ["client_credentials"],
            "response_types": ["token"],
        }
    },
}


def rule_body(name: str, scopes: list[str], priority: int = 1) -> dict[str, Any]:
    return {
        "name": name,
        "type": "RESOURCE_ACCESS",
        "priority": priority,
        "conditions": {
            "people": {"groups": {"include": ["EVERYONE"]}},
            "grantTypes": {"include": ["client_credentials"]},
            "scopes": {"include": scopes},
        },
        "actions": {"token": {"accessTokenLifetimeMinutes": 60}},
    }


@pytest.mark.parametrize("via_proxy", [False, True], ids=["direct", "as-http-proxy"])
def test_authorization_server_lifecycle(org: SandboxProcess, via_proxy: bool) -> None:
    async def flow(c: Client) -> None:
        name = f"portal-{via_proxy}"
        server = ok(
            await c.create_authorization_server(
                AuthorizationServer(name=name, description="d", audiences=["api://portal"])
            )
        )
        assert server.id.startswith("aus")
        assert server.issuer == f"{org.urls['okta']}/oauth2/{server.id}"
        assert server.status == "ACTIVE"
        got = ok(await c.get_authorization_server(server.id))
        assert (got.name, got.audiences) == (name, ["api://portal"])
        updated = ok(
            await c.replace_authorization_server(
                server.id,
                AuthorizationServer(name=name, description="new", audiences=["api://portal2"]),
            )
        )
        assert updated.description == "new" and updated.audiences == ["api://portal2"]
        listed = ok(await c.list_authorization_servers())
        assert server.id in [s.id for s in listed]
        _, resp, err = await c.deactivate_authorization_server(server.id)
        assert err is None and resp.status_code == 204
        assert ok(await c.get_authorization_server(server.id)).status == "INACTIVE"
        _, resp, err = await c.delete_authorization_server(server.id)
        assert err is None and resp.status_code == 204
        _, _, err = await c.get_authorization_server(server.id)
        assert err is not None and "E0000007" in str(err)

    run(org, flow, via_proxy=via_proxy)


def test_scope_and_claim_crud(org: SandboxProcess) -> None:
    async def flow(c: Client) -> None:
        server = ok(
            await c.create_authorization_server(
                AuthorizationServer(name="scopes", description="d", audiences=["api://s"])
            )
        )
        scope = ok(
            await c.create_o_auth2_scope(
                server.id,
                OAuth2Scope(name="portal_api", consent="IMPLICIT", metadata_publish="ALL_CLIENTS"),
            )
        )
        assert ok(await c.get_o_auth2_scope(server.id, scope.id)).name == "portal_api"
        changed = ok(
            await c.replace_o_auth2_scope(
                server.id, scope.id, OAuth2Scope(name="portal_api", description="APIs")
            )
        )
        assert changed.description == "APIs"
        names = [s.name for s in ok(await c.list_o_auth2_scopes(server.id))]
        assert "portal_api" in names and "openid" in names  # system scopes come with the server

        claim = ok(
            await c.create_o_auth2_claim(
                server.id,
                OAuth2Claim.from_dict(
                    {
                        "name": "application_id",
                        "claimType": "RESOURCE",
                        "valueType": "EXPRESSION",
                        "value": "app.clientId",
                        "alwaysIncludeInToken": True,
                    }
                ),
            )
        )
        assert ok(await c.get_o_auth2_claim(server.id, claim.id)).value == "app.clientId"
        tier = OAuth2Claim.from_dict(
            {"name": "tier", "claimType": "RESOURCE", "valueType": "EXPRESSION", "value": '"gold"'}
        )
        tier_claim = ok(await c.create_o_auth2_claim(server.id, tier))
        tier.value = '"silver"'
        assert ok(await c.replace_o_auth2_claim(server.id, tier_claim.id, tier)).value == '"silver"'
        listed = ok(await c.list_o_auth2_claims(server.id))
        assert sorted(cl.name for cl in listed) == ["application_id", "tier"]

        bad = OAuth2Claim.from_dict(
            {"name": "email", "claimType": "RESOURCE", "valueType": "EXPRESSION",
             "value": "user.email"}
        )  # fmt: skip
        _, _, err = await c.create_o_auth2_claim(server.id, bad)
        assert err is not None and "E0000001" in str(err) and "user.email" in str(err)

        for kind_delete, ident in (
            (c.delete_o_auth2_claim, tier_claim.id),
            (c.delete_o_auth2_scope, scope.id),
        ):
            _, resp, err = await kind_delete(server.id, ident)
            assert err is None and resp.status_code == 204
        _, _, err = await c.get_o_auth2_scope(server.id, scope.id)
        assert err is not None and "E0000007" in str(err)

    run(org, flow)


def test_policy_and_rule_crud(org: SandboxProcess) -> None:
    async def flow(c: Client) -> None:
        server = ok(
            await c.create_authorization_server(
                AuthorizationServer(name="policies", description="d", audiences=["api://p"])
            )
        )
        ok(await c.create_o_auth2_scope(server.id, OAuth2Scope(name="portal_api")))
        body = {
            "type": "OAUTH_AUTHORIZATION_POLICY",
            "name": "kong-okta-portal",
            "description": "Developer applications",
            "priority": 1,
            "conditions": {"clients": {"include": ["ALL_CLIENTS"]}},
        }
        policy = ok(
            await c.create_authorization_server_policy(
                server.id, AuthorizationServerPolicy.from_dict(body)
            )
        )
        assert policy.id.startswith("00p")
        body["description"] = "changed"
        changed = ok(
            await c.replace_authorization_server_policy(
                server.id, policy.id, AuthorizationServerPolicy.from_dict(body)
            )
        )
        assert changed.description == "changed"
        assert [p.id for p in ok(await c.list_authorization_server_policies(server.id))] == [
            policy.id
        ]

        rule = ok(
            await c.create_authorization_server_policy_rule(
                server.id,
                policy.id,
                AuthorizationServerPolicyRuleRequest.from_dict(rule_body("m2m", ["portal_api"])),
            )
        )
        got = ok(await c.get_authorization_server_policy_rule(server.id, policy.id, rule.id))
        assert got.conditions.grant_types.include == ["client_credentials"]
        ok(
            await c.replace_authorization_server_policy_rule(
                server.id,
                policy.id,
                rule.id,
                AuthorizationServerPolicyRuleRequest.from_dict(rule_body("m2m", ["*"])),
            )
        )
        rules = ok(await c.list_authorization_server_policy_rules(server.id, policy.id))
        assert [r.conditions.scopes.include for r in rules] == [["*"]]
        _, _, err = await c.deactivate_authorization_server_policy_rule(
            server.id, policy.id, rule.id
        )
        assert err is None
        got = ok(await c.get_authorization_server_policy_rule(server.id, policy.id, rule.id))
        assert got.status == "INACTIVE"

        unknown = AuthorizationServerPolicyRuleRequest.from_dict(rule_body("x", ["no_such"]))
        _, _, err = await c.create_authorization_server_policy_rule(server.id, policy.id, unknown)
        assert err is not None and "no_such" in str(err)

        _, resp, err = await c.delete_authorization_server_policy_rule(
            server.id, policy.id, rule.id
        )
        assert err is None and resp.status_code == 204
        _, resp, err = await c.delete_authorization_server_policy(server.id, policy.id)
        assert err is None and resp.status_code == 204
        assert ok(await c.list_authorization_server_policies(server.id)) == []

    run(org, flow)


def test_oauth_app_crud_and_paged_listing(org: SandboxProcess) -> None:
    async def flow(c: Client) -> None:
        created = []
        for n in range(3):
            body = dict(SERVICE_APP, label=f"paging-{n}")
            created.append(ok(await c.create_application(OpenIdConnectApplication.from_dict(body))))
        app = created[0]
        oauth = app.credentials.oauth_client
        assert oauth.client_id and oauth.client_secret
        got = ok(await c.get_application(app.id))
        assert got.label == "paging-0"
        assert got.settings.oauth_client.grant_types == ["client_credentials"]
        assert got.credentials.oauth_client.client_secret is None  # only on create and update
        body = dict(SERVICE_APP, label="paging-0-renamed")
        replaced = ok(await c.replace_application(app.id, OpenIdConnectApplication.from_dict(body)))
        assert replaced.label == "paging-0-renamed"
        assert replaced.credentials.oauth_client.client_secret == oauth.client_secret

        first, resp, err = await c.list_applications(q="paging", limit=2)
        assert err is None and len(first) == 2
        cursor = PaginationHelper.extract_next_cursor(resp.headers)
        assert cursor == first[-1].id
        rest = ok(await c.list_applications(q="paging", limit=2, after=cursor))
        assert PaginationHelper.has_next_page(resp.headers) and len(rest) == 1
        assert {a.id for a in first} | {a.id for a in rest} == {a.id for a in created}

        # (data-less calls return (response, error))
        err = (await c.delete_application(app.id))[-1]
        assert err is not None and "E0000056" in str(err)  # deactivate first, as on Okta
        assert (await c.deactivate_application(app.id))[-1] is None
        assert (await c.delete_application(app.id))[-1] is None
        _, _, err = await c.get_application(app.id)
        assert err is not None and "E0000007" in str(err)

    run(org, flow)


def test_tokens_follow_what_the_sdk_configured(org: SandboxProcess) -> None:
    async def setup(c: Client) -> dict[str, Any]:
        server = ok(
            await c.create_authorization_server(
                AuthorizationServer(name="tokens", description="d", audiences=["api://tokens"])
            )
        )
        ok(await c.create_o_auth2_scope(server.id, OAuth2Scope(name="portal_api")))
        ok(await c.create_o_auth2_scope(server.id, OAuth2Scope(name="reports")))
        for name, value in (("application_id", "app.clientId"), ("app", "app.id"),
                            ("tier", '"gold"')):  # fmt: skip
            claim = {"name": name, "claimType": "RESOURCE", "valueType": "EXPRESSION",
                     "value": value}  # fmt: skip
            ok(await c.create_o_auth2_claim(server.id, OAuth2Claim.from_dict(claim)))
        policy = ok(
            await c.create_authorization_server_policy(
                server.id,
                AuthorizationServerPolicy.from_dict(
                    {
                        "type": "OAUTH_AUTHORIZATION_POLICY",
                        "name": "p",
                        "description": "d",
                        "priority": 1,
                        "conditions": {"clients": {"include": ["ALL_CLIENTS"]}},
                    }
                ),
            )
        )
        rule = ok(
            await c.create_authorization_server_policy_rule(
                server.id,
                policy.id,
                AuthorizationServerPolicyRuleRequest.from_dict(rule_body("m2m", ["portal_api"])),
            )
        )
        app = ok(await c.create_application(OpenIdConnectApplication.from_dict(SERVICE_APP)))
        return {
            "server": server.id,
            "policy": policy.id,
            "rule": rule.id,
            "app": app.id,
            "client_id": app.credentials.oauth_client.client_id,
            "secret": app.credentials.oauth_client.client_secret,
        }

    ids = run(org, setup)
    resp = token(org, ids["server"], ids["client_id"], ids["secret"], "portal_api")
    assert resp.status_code == 200, resp.text
    claims = claims_of(resp.json()["access_token"])
    assert claims["iss"] == f"{org.urls['okta']}/oauth2/{ids['server']}"
    assert claims["aud"] == "api://tokens"
    assert claims["scp"] == ["portal_api"]
    assert claims["application_id"] == ids["client_id"]
    assert claims["app"] == ids["app"]
    assert claims["tier"] == "gold"

    # an inactive claim is left out of the token
    async def deactivate_tier(c: Client) -> None:
        claims = ok(await c.list_o_auth2_claims(ids["server"]))
        (tier,) = [cl for cl in claims if cl.name == "tier"]
        tier.status = "INACTIVE"
        assert ok(await c.replace_o_auth2_claim(ids["server"], tier.id, tier)).status == "INACTIVE"

    run(org, deactivate_tier)
    resp = token(org, ids["server"], ids["client_id"], ids["secret"], "portal_api")
    assert "tier" not in claims_of(resp.json()["access_token"])
    assert claims_of(resp.json()["access_token"])["application_id"] == ids["client_id"]

    # a scope the server has but no rule allows: refused by policy
    refused = token(org, ids["server"], ids["client_id"], ids["secret"], "reports")
    assert refused.status_code == 400
    assert refused.json()["error"] == "access_denied"
    # a wrong secret: the app's credentials are checked
    wrong = token(org, ids["server"], ids["client_id"], "not-the-secret-at-all", "portal_api")
    assert wrong.status_code == 401

    async def deactivate_rule(c: Client) -> None:
        _, _, err = await c.deactivate_authorization_server_policy_rule(
            ids["server"], ids["policy"], ids["rule"]
        )
        assert err is None

    run(org, deactivate_rule)
    resp = token(org, ids["server"], ids["client_id"], ids["secret"], "portal_api")
    assert resp.status_code == 400 and resp.json()["error"] == "access_denied"

    async def deactivate_app(c: Client) -> None:
        ok(await c.activate_authorization_server_policy_rule(
            ids["server"], ids["policy"], ids["rule"]))  # fmt: skip
        assert (await c.deactivate_application(ids["app"]))[-1] is None

    run(org, deactivate_app)
    resp = token(org, ids["server"], ids["client_id"], ids["secret"], "portal_api")
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
