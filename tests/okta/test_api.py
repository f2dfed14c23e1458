"""The management API over plain HTTP: auth, error bodies, paging, filters, validation, the
provider's extra calls, proxy-style request lines, discovery of API-made servers, the state file."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.launch import SandboxProcess, start_sandbox
from tests.conftest import sandbox_args
from tests.okta.conftest import api, token


def app_body(label: str, app_type: str = "service", **oauth: Any) -> dict[str, Any]:
    grants = {"service": ["client_credentials"], "web": ["authorization_code"]}.get(
        app_type, ["authorization_code"]
    )
    settings = {"application_type": app_type, "grant_types": grants, **oauth}
    if "authorization_code" in settings["grant_types"] and "redirect_uris" not in settings:
        settings["redirect_uris"] = ["https://app.example.com/callback"]
    return {
        "name": "oidc_client",
        "label": label,
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
        "settings": {"oauthClient": settings},
    }


def cause(resp: httpx.Response) -> str:
    return " ".join(c["errorSummary"] for c in resp.json()["errorCauses"])


def test_api_token_is_required(org: SandboxProcess) -> None:
    base = org.urls["okta"]
    for headers in ({}, {"Authorization": "SSWS wrong-token"}, {"Authorization": "Bearer x"}):
        resp = httpx.get(f"{base}/api/v1/apps", headers=headers)
        assert resp.status_code == 401
        assert resp.json()["errorCode"] == "E0000011"
    assert httpx.get(f"{base}/.well-known/okta-organization").status_code == 200


def test_the_calls_the_provider_makes_when_it_configures(org: SandboxProcess) -> None:
    with api(org) as c:
        me = c.get("/api/v1/users/me")
        assert me.status_code == 200 and me.json()["id"].startswith("00u")
        assert me.json()["profile"]["login"]
    well_known = httpx.get(f"{org.urls['okta']}/.well-known/okta-organization").json()
    assert well_known["_links"]["organization"]["href"] == org.urls["okta"]


def test_missing_objects_are_okta_404s(org: SandboxProcess) -> None:
    with api(org) as c:
        resp = c.get("/api/v1/authorizationServers/ausNoSuchServer0000")
        assert resp.status_code == 404
        body = resp.json()
        assert body["errorCode"] == "E0000007"
        assert body["errorSummary"] == (
            "Not found: Resource not found: ausNoSuchServer0000 (AuthorizationServer)"
        )
        assert body["errorCauses"] == [] and body["errorId"]
        assert c.get("/api/v1/apps/0oaNoSuchApp").json()["errorCode"] == "E0000007"
        assert c.get("/api/v1/authorizationServers/ausX/scopes").json()["errorCode"] == "E0000007"
        unknown = c.get("/api/v1/groups")
        assert unknown.status_code == 404 and unknown.json()["errorCode"] == "E0000022"


def test_apps_page_with_link_headers_and_filter(org: SandboxProcess) -> None:
    with api(org) as c:
        ids = [c.post("/api/v1/apps", json=app_body(f"pager-{n}")).json()["id"] for n in range(3)]
        off = c.post("/api/v1/apps?activate=false", json=app_body("pager-off")).json()
        assert off["status"] == "INACTIVE"

        first = c.get("/api/v1/apps", params={"q": "pager-", "limit": 2})
        assert [a["id"] for a in first.json()] == ids[:2]
        next_link = first.links["next"]["url"]
        assert f"after={ids[1]}" in next_link and "limit=2" in next_link
        second = c.get(next_link)
        assert [a["id"] for a in second.json()] == [ids[2], off["id"]]
        assert "next" not in second.links and "self" in second.links

        inactive = c.get("/api/v1/apps", params={"q": "pager-", "filter": 'status eq "INACTIVE"'})
        assert [a["id"] for a in inactive.json()] == [off["id"]]
        both = c.get(
            "/api/v1/apps",
            params={"filter": 'status eq "ACTIVE" and name eq "oidc_client"', "q": "pager-"},
        )
        assert [a["id"] for a in both.json()] == ids
        bad = c.get("/api/v1/apps", params={"filter": 'label co "x"'})
        assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000031"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (app_body("b", "browser", grant_types=["client_credentials"]), "grant_types"),
        (app_body("s", "service", grant_types=["authorization_code"]), "grant_types"),
        (app_body("w", "web", redirect_uris=[]), "redirect_uris"),
        (app_body("r", "service", response_types=["code"]), "response_types"),
        ({**app_body("n"), "label": ""}, "label"),
    ],
    ids=["browser-client-credentials", "service-auth-code", "web-no-redirect", "code-for-m2m",
         "no-label"],
)  # fmt: skip
def test_apps_whose_grants_do_not_fit_their_type_are_refused(
    org: SandboxProcess, body: dict[str, Any], field: str
) -> None:
    with api(org) as c:
        before = len(c.get("/api/v1/apps", params={"limit": 200}).json())
        resp = c.post("/api/v1/apps", json=body)
        assert resp.status_code == 400
        assert resp.json()["errorCode"] == "E0000001"
        assert field in resp.json()["errorSummary"] and field in cause(resp)
        assert len(c.get("/api/v1/apps", params={"limit": 200}).json()) == before


def test_public_auth_only_for_browser_and_native(org: SandboxProcess) -> None:
    with api(org) as c:
        body = app_body("svc-public")
        body["credentials"]["oauthClient"]["token_endpoint_auth_method"] = "none"
        resp = c.post("/api/v1/apps", json=body)
        assert resp.status_code == 400 and "token_endpoint_auth_method" in cause(resp)
        spa = app_body("spa", "browser", grant_types=["authorization_code"])
        spa["credentials"]["oauthClient"]["token_endpoint_auth_method"] = "none"
        created = c.post("/api/v1/apps", json=spa).json()
        assert "client_secret" not in created["credentials"]["oauthClient"]
        assert created["credentials"]["oauthClient"]["pkce_required"] is True


def test_id_token_settings_and_access_policy(org: SandboxProcess) -> None:
    with api(org) as c:
        app = c.post("/api/v1/apps", json=app_body("policy-app")).json()
        path = f"/api/v1/internal/apps/{app['id']}/settings/oauth/idToken"
        assert c.get(path).json() == {}
        claim = {"name": "groups", "valueType": "GROUPS", "groupFilterType": "REGEX",
                 "value": ".*", "issuerMode": "ORG_URL"}  # fmt: skip
        assert c.post(path, json=claim).json() == claim
        assert c.get(path).json() == claim

        policies = c.get("/api/v1/policies", params={"type": "ACCESS_POLICY"}).json()
        assert [p["type"] for p in policies] == ["ACCESS_POLICY"]
        policy_id = policies[0]["id"]
        assert app["_links"]["accessPolicy"]["href"].endswith(f"/api/v1/policies/{policy_id}")
        assigned = c.put(f"/api/v1/apps/{app['id']}/policies/{policy_id}")
        assert assigned.status_code == 204
        missing = c.put(f"/api/v1/apps/{app['id']}/policies/rstNoSuchPolicy")
        assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"
        assert c.get(f"/api/v1/policies/{policy_id}").json()["name"] == "Default Policy"


def test_request_line_with_an_absolute_url_and_no_port(org: SandboxProcess) -> None:
    """What a client configured with an HTTP proxy sends (the provider's okta:httpProxy)."""
    host, port = org.urls["okta"].removeprefix("http://").split(":")
    request = (
        "GET http://127.0.0.1/api/v1/users/me HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Authorization: SSWS {org.urls['idp_api_token']}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK"
    assert b'"login"' in rest


def test_api_made_server_serves_discovery_and_keys_until_deactivated(org: SandboxProcess) -> None:
    with api(org) as c:
        server = c.post(
            "/api/v1/authorizationServers", json={"name": "disco", "audiences": ["api://d"]}
        ).json()
        c.post(f"/api/v1/authorizationServers/{server['id']}/scopes", json={"name": "orders"})
        issuer = server["issuer"]
        meta = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
        assert meta["issuer"] == issuer
        assert meta["token_endpoint"] == f"{issuer}/v1/token"
        assert "orders" in meta["scopes_supported"]
        keys = httpx.get(meta["jwks_uri"]).json()["keys"]
        assert len(keys) == 1 and keys[0]["kty"] == "RSA"
        c.post(f"/api/v1/authorizationServers/{server['id']}/lifecycle/deactivate")
        gone = httpx.get(f"{issuer}/.well-known/openid-configuration")
        assert gone.status_code == 404


def test_state_file_keeps_the_org_and_no_client_secret(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    args = [*sandbox_args(), "--state-file", str(state)]
    with start_sandbox(args) as first:
        with api(first) as c:
            assert c.get("/api/v1/authorizationServers").json() == []  # no `default` server
            server = c.post(
                "/api/v1/authorizationServers", json={"name": "kept", "audiences": ["api://k"]}
            ).json()
            sid = server["id"]
            c.post(f"/api/v1/authorizationServers/{sid}/scopes", json={"name": "portal_api"})
            policy = c.post(
                f"/api/v1/authorizationServers/{sid}/policies",
                json={"name": "p", "description": "d", "type": "OAUTH_AUTHORIZATION_POLICY",
                      "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}},
            ).json()  # fmt: skip
            c.post(
                f"/api/v1/authorizationServers/{sid}/policies/{policy['id']}/rules",
                json={"name": "r", "type": "RESOURCE_ACCESS",
                      "conditions": {"grantTypes": {"include": ["client_credentials"]},
                                     "scopes": {"include": ["*"]},
                                     "people": {"groups": {"include": ["EVERYONE"]}}}},
            ).raise_for_status()  # fmt: skip
            app = c.post("/api/v1/apps", json=app_body("kept-app")).json()
        client_id = app["credentials"]["oauthClient"]["client_id"]
        secret = app["credentials"]["oauthClient"]["client_secret"]
        before = token(first, sid, client_id, secret, "portal_api")
        assert before.status_code == 200
    assert secret not in state.read_text()
    with start_sandbox(args) as second:
        with api(second) as c:
            assert c.get(f"/api/v1/authorizationServers/{sid}").json()["name"] == "kept"
            assert c.get(f"/api/v1/apps/{app['id']}").json()["label"] == "kept-app"
        after = token(second, sid, client_id, secret, "portal_api")
        assert after.status_code == 200


def test_apps_list_twenty_per_page_by_default(org: SandboxProcess) -> None:
    with api(org) as c:
        for n in range(21):
            c.post("/api/v1/apps", json=app_body(f"many-{n:02d}")).raise_for_status()
        first = c.get("/api/v1/apps", params={"q": "many-"})
        assert len(first.json()) == 20
        rest = c.get(first.links["next"]["url"]).json()
        assert [a["label"] for a in rest] == ["many-20"]
