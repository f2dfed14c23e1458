"""The Okta-style issuer over real HTTP: registration, client credentials, auth code + PKCE."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from sandbox.issuer import IssuerSettings, create_issuer_app
from tests.sandbox_flow.servers import serve

TOKEN = "test-idp-token"
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def issuer_base() -> Iterator[str]:
    settings = IssuerSettings.build(
        idp_api_token=TOKEN, extra_servers=["partners"], test_user="ada@example.com"
    )
    with serve(create_issuer_app(settings)) as url:
        yield url


@pytest.fixture
def admin(issuer_base: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=issuer_base, headers={"Authorization": f"SSWS {TOKEN}"}, timeout=10
    ) as client:
        yield client


def register(admin: httpx.Client, **metadata: object) -> dict:
    body = {
        "client_name": "billing-service",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "application_type": "service",
        **metadata,
    }
    response = admin.post("/oauth2/v1/clients", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def keys_from_discovery(issuer: str) -> KeySet:
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == issuer
    return KeySet.import_key_set(httpx.get(discovery["jwks_uri"]).json())


def test_registration_requires_the_api_token(issuer_base: str) -> None:
    response = httpx.post(f"{issuer_base}/oauth2/v1/clients", json={"client_name": "x"})
    assert response.status_code == 401
    assert response.json()["errorCode"] == "E0000011"
    wrong = httpx.post(
        f"{issuer_base}/oauth2/v1/clients",
        json={"client_name": "x"},
        headers={"Authorization": "SSWS nope"},
    )
    assert wrong.status_code == 401


def test_registration_validates_like_okta(admin: httpx.Client) -> None:
    response = admin.post(
        "/oauth2/v1/clients",
        json={"client_name": "web", "grant_types": ["authorization_code"]},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_client_metadata"
    assert "redirect_uris" in body["error_description"]

    mismatch = admin.post(
        "/oauth2/v1/clients",
        json={
            "client_name": "web",
            "grant_types": ["client_credentials"],
            "response_types": ["code"],
            "application_type": "web",
        },
    )
    assert mismatch.status_code == 400
    assert "grant_types" in mismatch.json()["error_description"]


def test_client_lifecycle(admin: httpx.Client) -> None:
    created = register(admin)
    assert created["client_id"].startswith("0oa")
    assert created["client_secret"]
    assert isinstance(created["client_id_issued_at"], int)
    assert created["grant_types"] == ["client_credentials"]

    fetched = admin.get(f"/oauth2/v1/clients/{created['client_id']}")
    assert fetched.status_code == 200
    assert fetched.json()["client_name"] == "billing-service"
    assert "client_secret" not in fetched.json()

    update = {k: v for k, v in created.items() if k != "client_secret"}
    update["client_name"] = "billing-v2"
    put = admin.put(f"/oauth2/v1/clients/{created['client_id']}", json=update)
    assert put.status_code == 200
    assert put.json()["client_name"] == "billing-v2"

    assert admin.delete(f"/oauth2/v1/clients/{created['client_id']}").status_code == 204
    gone = admin.get(f"/oauth2/v1/clients/{created['client_id']}")
    assert gone.status_code == 404
    assert gone.json()["errorCode"] == "E0000007"


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_token_carries_application_id(
    admin: httpx.Client, issuer_base: str, auth_method: str
) -> None:
    client = register(admin, token_endpoint_auth_method=auth_method)
    issuer = f"{issuer_base}/oauth2/default"
    with OAuth2Client(
        client["client_id"], client["client_secret"], token_endpoint_auth_method=auth_method
    ) as oauth:
        token = oauth.fetch_token(
            f"{issuer}/v1/token", grant_type="client_credentials", scope="portal_api"
        )
    assert token["token_type"] == "Bearer"
    claims = jwt.decode(token["access_token"], keys_from_discovery(issuer)).claims
    assert claims["application_id"] == client["client_id"]
    assert claims["cid"] == client["client_id"]
    assert claims["sub"] == client["client_id"]
    assert claims["iss"] == issuer
    assert claims["aud"] == "api://default"
    assert claims["scp"] == ["portal_api"]
    assert claims["ver"] == 1 and claims["jti"].startswith("AT.")
    assert claims["exp"] > claims["iat"]
    assert "uid" not in claims


def test_token_errors_are_okta_shaped(admin: httpx.Client, issuer_base: str) -> None:
    client = register(admin)
    url = f"{issuer_base}/oauth2/default/v1/token"
    auth = (client["client_id"], client["client_secret"])
    no_scope = httpx.post(url, data={"grant_type": "client_credentials"}, auth=auth)
    assert no_scope.status_code == 400
    assert no_scope.json()["error"] == "invalid_scope"
    assert "error_description" in no_scope.json()
    oidc = httpx.post(url, data={"grant_type": "client_credentials", "scope": "openid"}, auth=auth)
    assert oidc.json()["error"] == "invalid_scope"
    unknown = httpx.post(url, data={"grant_type": "client_credentials", "scope": "nope"}, auth=auth)
    assert unknown.json()["error"] == "invalid_scope"
    bad_secret = httpx.post(
        url,
        data={"grant_type": "client_credentials", "scope": "portal_api"},
        auth=(client["client_id"], "wrong"),
    )
    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    assert client["client_secret"] not in bad_secret.text
    wrong_grant = httpx.post(url, data={"grant_type": "authorization_code", "code": "x"}, auth=auth)
    assert wrong_grant.json()["error"] == "unauthorized_client"
    unsupported = httpx.post(url, data={"grant_type": "password"}, auth=auth)
    assert unsupported.json()["error"] == "unsupported_grant_type"


def test_servers_have_their_own_keys_and_unknown_servers_404(issuer_base: str) -> None:
    default_keys = httpx.get(f"{issuer_base}/oauth2/default/v1/keys").json()["keys"]
    partner_keys = httpx.get(f"{issuer_base}/oauth2/partners/v1/keys").json()["keys"]
    assert {k["kid"] for k in default_keys}.isdisjoint({k["kid"] for k in partner_keys})
    assert all("d" not in k for k in default_keys)  # never the private part
    meta = httpx.get(f"{issuer_base}/oauth2/partners/.well-known/oauth-authorization-server")
    assert meta.json()["issuer"] == f"{issuer_base}/oauth2/partners"
    missing = httpx.get(f"{issuer_base}/oauth2/nope/v1/keys")
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "E0000007"


def authorize(oauth: OAuth2Client, issuer: str, verifier: str) -> str:
    uri, state = oauth.create_authorization_url(f"{issuer}/v1/authorize", code_verifier=verifier)
    response = httpx.get(uri, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    assert "code" in query, location
    return location


def test_authorization_code_with_pkce(admin: httpx.Client, issuer_base: str) -> None:
    client = register(
        admin,
        client_name="spa",
        application_type="browser",
        token_endpoint_auth_method="none",
        grant_types=["authorization_code"],
        response_types=["code"],
        redirect_uris=[REDIRECT],
    )
    assert "client_secret" not in client
    issuer = f"{issuer_base}/oauth2/default"
    verifier = secrets.token_urlsafe(48)
    with OAuth2Client(
        client["client_id"],
        token_endpoint_auth_method="none",
        redirect_uri=REDIRECT,
        scope="openid portal_api",
        code_challenge_method="S256",
    ) as oauth:
        location = authorize(oauth, issuer, verifier)
        token = oauth.fetch_token(
            f"{issuer}/v1/token", authorization_response=location, code_verifier=verifier
        )
        claims = jwt.decode(token["access_token"], keys_from_discovery(issuer)).claims
        assert claims["application_id"] == client["client_id"]
        assert claims["sub"] == "ada@example.com"
        assert claims["uid"].startswith("00u")
        assert "id_token" in token

        # A code is single-use.
        code = parse_qs(urlsplit(location).query)["code"][0]
        again = httpx.post(
            f"{issuer}/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
                "client_id": client["client_id"],
            },
        )
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"

        # A verifier that does not match the challenge is refused.
        location = authorize(oauth, issuer, verifier)
        code = parse_qs(urlsplit(location).query)["code"][0]
        wrong = httpx.post(
            f"{issuer}/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": secrets.token_urlsafe(48),
                "client_id": client["client_id"],
            },
        )
        assert wrong.json()["error"] == "invalid_grant"
    assert create_s256_code_challenge(verifier)  # authlib computes the same S256 form


def test_public_client_must_use_pkce(admin: httpx.Client, issuer_base: str) -> None:
    client = register(
        admin,
        client_name="spa2",
        application_type="browser",
        token_endpoint_auth_method="none",
        grant_types=["authorization_code"],
        response_types=["code"],
        redirect_uris=[REDIRECT],
    )
    response = httpx.get(
        f"{issuer_base}/oauth2/default/v1/authorize",
        params={
            "client_id": client["client_id"],
            "response_type": "code",
            "scope": "portal_api",
            "redirect_uri": REDIRECT,
            "state": "s1",
        },
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["s1"]


def test_configured_claims_and_scopes(admin: httpx.Client) -> None:
    settings = IssuerSettings.build(
        claims=["application_id=app.clientId", 'tier="gold"', "app=app.id"],
        scopes=["billing.read"],
        idp_api_token=TOKEN,
    )
    with serve(create_issuer_app(settings)) as base:
        headers = {"Authorization": f"SSWS {TOKEN}"}
        client = httpx.post(
            f"{base}/oauth2/v1/clients",
            headers=headers,
            json={"client_name": "c", "grant_types": ["client_credentials"],
                  "application_type": "service"},
        ).json()  # fmt: skip
        url = f"{base}/oauth2/default/v1/token"
        auth = (client["client_id"], client["client_secret"])
        refused = httpx.post(url, data={"grant_type": "client_credentials", "scope": "portal_api"},
                             auth=auth)  # fmt: skip
        assert refused.json()["error"] == "invalid_scope"
        token = httpx.post(
            url, data={"grant_type": "client_credentials", "scope": "billing.read"}, auth=auth
        ).json()["access_token"]
        claims = jwt.decode(token, keys_from_discovery(f"{base}/oauth2/default")).claims
    assert claims["tier"] == "gold"
    assert claims["application_id"] == claims["app"] == client["client_id"]


@pytest.mark.parametrize("claim", ["application_id=user.login", "no-equals", "sub=app.clientId"])
def test_bad_claim_flags_are_refused_with_the_value(claim: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--admin-port", "0", "--proxy-port", "0",
         "--issuer-port", "0", "--upstream-port", "0", "--claim", claim],
        capture_output=True, text=True, timeout=30, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert result.returncode != 0
    assert result.stdout == ""  # no ready line
    assert claim.split("=")[0] in result.stderr


def test_issuer_url_does_not_follow_the_host_header(issuer_base: str) -> None:
    discovery = httpx.get(
        f"{issuer_base}/oauth2/default/.well-known/openid-configuration",
        headers={"Host": "evil.example"},
    ).json()
    assert discovery["issuer"] == f"{issuer_base}/oauth2/default"
