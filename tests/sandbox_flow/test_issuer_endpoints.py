"""The issuer endpoints Okta's metadata names beyond token/authorize/keys: refresh tokens,
introspection, revocation, userinfo, logout, device authorization and PAR; and the
registration defaults of Okta's spec."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.issuer import IssuerSettings, create_issuer_app
from tests.sandbox_flow.servers import serve

TOKEN = "endpoints-idp-token"
REDIRECT = "https://app.example/cb"
LOGOUT = "https://app.example/bye"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    settings = IssuerSettings.build(idp_api_token=TOKEN, test_user="lin@example.com")
    with serve(create_issuer_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def issuer(base: str) -> str:
    return f"{base}/oauth2/default"


def register(base: str, **metadata: object) -> dict:
    r = httpx.post(
        f"{base}/oauth2/v1/clients",
        json={"client_name": "web", **metadata},
        headers={"Authorization": f"SSWS {TOKEN}"},
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def web(base: str) -> dict:
    return register(
        base,
        redirect_uris=[REDIRECT],
        post_logout_redirect_uris=[LOGOUT],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )


def user_tokens(issuer: str, client: dict, scope: str) -> dict:
    answer = httpx.get(
        f"{issuer}/v1/authorize",
        params={
            "client_id": client["client_id"],
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": scope,
            "state": "s",
        },
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    r = httpx.post(
        f"{issuer}/v1/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert r.status_code == 200, r.text
    return r.json()


def post(issuer: str, path: str, client: dict, **data: str) -> httpx.Response:
    return httpx.post(
        f"{issuer}/v1/{path}", data=data, auth=(client["client_id"], client["client_secret"])
    )


def test_registration_keeps_oktas_optional_metadata(web: dict) -> None:
    assert web["post_logout_redirect_uris"] == [LOGOUT]
    assert web["client_uri"] is None and web["logo_uri"] is None


def test_service_client_defaults_to_the_token_response_type(base: str) -> None:
    svc = register(base, application_type="service", grant_types=["client_credentials"])
    assert svc["response_types"] == ["token"] and svc["redirect_uris"] == []


def test_refresh_token_only_with_offline_access(issuer: str, web: dict) -> None:
    assert "refresh_token" not in user_tokens(issuer, web, "openid")
    tokens = user_tokens(issuer, web, "openid offline_access")
    refreshed = post(
        issuer, "token", web, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"] != tokens["access_token"]
    wider = post(
        issuer,
        "token",
        web,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        scope="openid email",
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


def test_introspect_and_revoke_access_and_refresh_tokens(issuer: str, web: dict) -> None:
    tokens = user_tokens(issuer, web, "openid offline_access")
    access = post(issuer, "introspect", web, token=tokens["access_token"]).json()
    assert access["active"] is True and access["client_id"] == web["client_id"]
    assert access["username"] == "lin@example.com"
    refresh = post(issuer, "introspect", web, token=tokens["refresh_token"]).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert post(issuer, "revoke", web, token=token).status_code == 200
        assert post(issuer, "introspect", web, token=token).json() == {"active": False}
    again = post(
        issuer, "token", web, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert again.json()["error"] == "invalid_grant"
    assert post(issuer, "introspect", web, token="garbage").json() == {"active": False}


def test_userinfo_needs_a_live_openid_access_token(issuer: str, web: dict) -> None:
    tokens = user_tokens(issuer, web, "openid email")
    ok = httpx.get(
        f"{issuer}/v1/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert ok.status_code == 200 and ok.json()["email"] == "lin@example.com"
    missing = httpx.get(f"{issuer}/v1/userinfo")
    assert missing.status_code == 401
    assert 'error="invalid_token"' in missing.headers["www-authenticate"]


def test_logout_redirects_only_to_a_registered_uri(issuer: str, web: dict) -> None:
    id_token = user_tokens(issuer, web, "openid")["id_token"]
    ok = httpx.get(
        f"{issuer}/v1/logout",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": LOGOUT, "state": "z"},
    )
    assert ok.status_code == 302 and ok.headers["location"] == f"{LOGOUT}?state=z"
    other = httpx.get(
        f"{issuer}/v1/logout",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert other.status_code == 400 and other.json()["error"] == "invalid_request"


def test_device_and_par_answer_as_okta_does_for_a_client_without_them(
    issuer: str, web: dict
) -> None:
    device = post(issuer, "device/authorize", web, scope="openid")
    assert device.status_code == 400 and device.json()["error"] == "unauthorized_client"
    par = post(issuer, "par", web, response_type="code", redirect_uri=REDIRECT)
    assert par.status_code == 400 and par.json()["error"] == "invalid_request"
    anonymous = httpx.post(f"{issuer}/v1/par", data={"client_id": "nope"})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
