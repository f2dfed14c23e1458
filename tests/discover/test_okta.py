"""Okta discovery against a minimal stand-in of Okta's Apps API, and the okta program adopting.

Okta's `GET /api/v1/apps` pages with `limit` and `Link: <…>; rel="next"` (cursor `after`) and
filters OIDC apps with `filter=name eq "oidc_client"`; an OIDC app's OAuth client id is
`credentials.oauthClient.client_id` (usually, not always, the app id).
"""

from __future__ import annotations

import copy
import runpy
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest

from components.settings import SettingsError, parse_settings
from discover.plan import build_config
from discover.sources import KongEstate, SourceError, okta_auth_server, okta_clients
from tests.program import configs
from tests.program.mocks import RecordingMocks, run

REPO = Path(__file__).resolve().parents[2]
ORG = "https://acme.okta.example"
TOKEN = "okta-api-token-value"


def oidc_app(app_id: str, client_id: str, label: str) -> dict[str, Any]:
    return {
        "id": app_id,
        "name": "oidc_client",
        "label": label,
        "credentials": {
            "oauthClient": {
                "client_id": client_id,
                "token_endpoint_auth_method": "client_secret_basic",
            }
        },
        "settings": {
            "oauthClient": {
                "grant_types": ["client_credentials"],
                "response_types": ["token"],
                "application_type": "service",
            }
        },
    }


APPS = [oidc_app(f"0oa{i:017d}", f"0oa{i:017d}", f"app-{i}") for i in range(3)] + [
    oidc_app("0oaCUSTOMIDAPP0000001", "custom-client-id", "custom")
]


SERVER_PATH = "/api/v1/authorizationServers/aus123"
# what an admin following Kong's guide set up by hand on a custom authorization server
SERVER: dict[str, list[dict[str, Any]]] = {
    "/claims": [
        {"id": "oclSUB", "name": "sub", "claimType": "RESOURCE", "value": "user.login"},
        {"id": "oclAPP", "name": "application_id", "claimType": "RESOURCE",
         "valueType": "EXPRESSION", "value": "app.clientId"},
    ],
    "/scopes": [{"id": "scpOPENID", "name": "openid"}, {"id": "scpPORTAL", "name": "portal_api"}],
    "/policies": [{"id": "00pKONG", "name": "Kong portal apps", "priority": 1}],
    "/policies/00pKONG/rules": [
        {"id": "0prCC", "name": "m2m", "priority": 1,
         "conditions": {"grantTypes": {"include": ["client_credentials"]}}},
        {"id": "0prAC", "name": "web", "priority": 2,
         "conditions": {"grantTypes": {"include": ["authorization_code"]}}},
    ],
}  # fmt: skip


def okta_stand_in(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("authorization") != f"SSWS {TOKEN}":
            return httpx.Response(
                401, json={"errorCode": "E0000011", "errorSummary": "Invalid token provided"}
            )
        if request.url.path.startswith(SERVER_PATH) and request.method == "GET":
            rows = SERVER.get(request.url.path.removeprefix(SERVER_PATH))
            return httpx.Response(200, json=rows) if rows is not None else httpx.Response(404)
        if request.url.path != "/api/v1/apps" or request.method != "GET":
            return httpx.Response(404, json={"errorCode": "E0000007"})
        assert request.url.params.get("filter") == 'name eq "oidc_client"'
        start = int(request.url.params.get("after") or 0)
        page = APPS[start : start + 2]
        headers = {}
        if start + 2 < len(APPS):
            nxt = f"{ORG}/api/v1/apps?after={start + 2}&limit=2&filter=name+eq+%22oidc_client%22"
            headers["link"] = f'<{nxt}>; rel="next"'
        return httpx.Response(200, json=page, headers=headers)

    return httpx.MockTransport(handler)


def test_okta_clients_follow_link_paging() -> None:
    seen: list[httpx.Request] = []
    clients = okta_clients(ORG, TOKEN, transport=okta_stand_in(seen))
    assert [c.client_id for c in clients] == [
        a["credentials"]["oauthClient"]["client_id"] for a in APPS
    ]
    assert len(seen) == 2
    custom = clients[-1]
    assert custom.okta_app_id == "0oaCUSTOMIDAPP0000001"
    assert custom.grant_types == ("client_credentials",)
    assert all(r.method == "GET" for r in seen)


def test_okta_refusal_names_the_token_setting_not_the_token() -> None:
    with pytest.raises(SourceError) as err:
        okta_clients(ORG, "wrong-token", transport=okta_stand_in([]))
    assert "refused the request (401)" in str(err.value)
    assert "OKTA_API_TOKEN" in str(err.value)
    assert "wrong-token" not in str(err.value)


def test_okta_settings_carry_client_and_app_ids() -> None:
    estate = KongEstate("https://kong.example:8444", "default")
    estate.services = [
        {"id": "s1", "name": "orders", "protocol": "https", "host": "orders.example", "port": 443}
    ]
    estate.routes = {
        "s1": [{"id": "r1", "name": "orders", "paths": ["/orders"], "protocols": ["https"]}]
    }
    estate.plugins = {
        "s1": {
            "openid-connect": {"config": {
                "issuer": f"{ORG}/oauth2/aus123", "consumer_claim": ["application_id"],
                "consumer_by": ["custom_id"], "auth_methods": ["bearer"],
                "verify_parameters": False,
            }},
            "application-registration": {"config": {"display_name": "Orders"}},
        }
    }  # fmt: skip
    estate.developers = [
        {"id": "d1", "email": "ada@example.com", "meta": '{"full_name": "Ada"}', "status": 0}
    ]
    estate.applications = [
        {"id": "a1", "name": "ada-app", "custom_id": "custom-client-id", "developer": {"id": "d1"}}
    ]
    estate.instances = [
        {"id": "i1", "application": {"id": "a1"}, "service": {"id": "s1"}, "status": 0}
    ]
    seen: list[httpx.Request] = []
    clients = okta_clients(ORG, TOKEN, transport=okta_stand_in(seen))
    server = okta_auth_server(ORG, TOKEN, "aus123", transport=okta_stand_in(seen))
    assert seen and all(r.method == "GET" for r in seen)
    result = build_config(
        estate, clients, provider="okta", proxy_url="https://api.example", okta_server=server
    )
    identity = result.config["kong-okta-portal:identity"]
    assert identity["provider"] == "okta" and identity["authServer"] == {"name": "aus123"}
    assert identity["adopt"] == {
        "serverId": "aus123",
        "claimId": "oclAPP",
        "scopeIds": {"portal_api": "scpPORTAL"},
        "policyId": "00pKONG",
        "ruleIds": {"client_credentials": "0prCC", "authorization_code": "0prAC"},
    }
    assert "claimValue" not in identity  # the guide's app.clientId
    (dev,) = result.config["kong-okta-portal:developers"]
    (app,) = dev["apps"]
    assert app["clientId"] == "custom-client-id"
    assert app["oktaAppId"] == "0oaCUSTOMIDAPP0000001"
    assert app["services"] == ["orders"] and app["adopt"] is True
    assert result.findings == []


class ImportRecordingMocks(RecordingMocks):
    def __init__(self) -> None:
        super().__init__()
        self.imports: dict[str, str | None] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.imports[args.name] = args.resource_id
        return super().new_resource(args)


def run_with(cfg: dict[str, Any]) -> ImportRecordingMocks:
    from tests.program.mocks import install

    install(cfg)
    mocks = ImportRecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="kong-okta-portal", stack="test", preview=False)
    run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    return mocks


def test_okta_program_imports_an_adopted_app_and_creates_the_others() -> None:
    cfg = configs.okta()
    app = cfg["developers"][0]["apps"][0]
    app.update(adopt=True, clientId="custom-client-id", oktaAppId="0oaCUSTOMIDAPP0000001")
    mocks = run_with(cfg)
    assert mocks.imports["identity-app-ada-batch"] == "0oaCUSTOMIDAPP0000001"
    assert not mocks.imports["identity-app-ada-web"]  # created, not imported
    portal_app = mocks.named("portal-ada-example-com-app-ada-batch")
    assert portal_app.inputs["adopt"] is True


def test_dcr_program_adopts_the_client_it_is_given() -> None:
    cfg = copy.deepcopy(configs.dcr())
    cfg["developers"][0]["apps"][0].update(adopt=True, clientId="0oaEXISTING")
    mocks = run_with(cfg)
    adopted = mocks.named("identity-client-ada-batch")
    assert adopted.inputs["adopt_client_id"] == "0oaEXISTING"
    assert adopted.inputs["name_suffix"] == ""
    assert not mocks.named("identity-client-ada-web").inputs.get("adopt_client_id")


def test_okta_program_imports_the_hand_made_server_objects() -> None:
    cfg = configs.okta()
    cfg["identity"]["adopt"] = {
        "claimId": "oclAPP",
        "scopeIds": {"portal_api": "scpPORTAL"},
        "policyId": "00pKONG",
        "ruleIds": {"client_credentials": "0prCC"},
    }
    mocks = run_with(cfg)
    # the default server's objects, by pulumi-okta's import ids
    assert mocks.imports["identity-claim"] == "default/oclAPP"
    assert mocks.imports["identity-scope-portal_api"] == "default/scpPORTAL"
    assert mocks.imports["identity-policy"] == "default/00pKONG"
    assert mocks.imports["identity-rule-client-credentials"] == "default/00pKONG/0prCC"
    # a flow with no rule yet gets one created in the adopted policy
    assert not mocks.imports["identity-rule-authorization-code"]


def test_identity_adopt_is_for_okta_only() -> None:
    cfg = configs.dcr()
    cfg["identity"]["adopt"] = {"claimId": "oclAPP"}
    with pytest.raises(SettingsError, match=r"kong-okta-portal:identity.adopt = .*provider dcr"):
        parse_settings(cfg)
