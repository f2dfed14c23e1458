"""`verify_parameters`, the guide's pitfall, as Kong acts on it.

Kong checks it when it asks the issuer for tokens on a client's behalf (the `client_credentials`
auth method: the client sends its id and secret, Kong exchanges them): `token:request` in Kong's
`kong/openid-connect/token.lua` refuses a grant missing from the discovery document's
`grant_types_supported` ("invalid or unsupported grant type (client_credentials)") and scopes
missing from `scopes_supported`; the plugin's `handler.lua` then answers `unauthorized(err)`,
a 401. A bearer token the client fetched itself is verified without these checks.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client

from sandbox.launch import SandboxProcess, start_sandbox
from sandbox.proxy.oidc import TokenRequestError, check_token_request
from tests.sandbox_flow.conftest import SERVER_PORT_FLAGS


def ok(response: httpx.Response, *codes: int) -> dict:
    assert response.status_code in (codes or (200, 201)), (response.status_code, response.text)
    return response.json() if response.content else {}


@pytest.fixture(scope="module")
def without_grant() -> Iterator[SandboxProcess]:
    """An issuer whose discovery document lists only authorization_code."""
    with start_sandbox([*SERVER_PORT_FLAGS, "--grant-type", "authorization_code"]) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def with_grant() -> Iterator[SandboxProcess]:
    with start_sandbox(SERVER_PORT_FLAGS) as sandbox:
        yield sandbox


class Stack:
    """One protected service, a registered client and its approved portal application."""

    def __init__(self, sandbox: SandboxProcess, verify_parameters: bool) -> None:
        urls = sandbox.urls
        self.urls = urls
        admin = httpx.Client(base_url=urls["admin"], timeout=10)
        ok(admin.post("/_sandbox/reset"))
        ok(
            admin.patch(
                "/workspaces/default",
                json={"config": {"portal": True, "portal_auth": "openid-connect"}},
            )
        )
        service = ok(admin.post("/services", json={"name": "s", "url": urls["upstream"]}))
        ok(admin.post("/services/s/routes", json={"paths": ["/s"]}))
        config = {
            "issuer": urls["issuer"],
            "auth_methods": ["client_credentials", "bearer"],
            "scopes": ["portal_api"],
            "consumer_claim": ["application_id"],
            "consumer_by": ["custom_id"],
            "verify_parameters": verify_parameters,
        }
        ok(admin.post("/services/s/plugins", json={"name": "openid-connect", "config": config}))
        registration = {"name": "application-registration", "config": {"display_name": "S"}}
        ok(admin.post("/services/s/plugins", json=registration))
        self.client = ok(
            httpx.post(
                urls["registration"],
                json={"client_name": "c", "grant_types": ["client_credentials"],
                      "token_endpoint_auth_method": "client_secret_basic",
                      "application_type": "service"},
                headers={"Authorization": f"SSWS {urls['idp_api_token']}"},
            ),
            201,
        )  # fmt: skip
        dev = ok(
            admin.post(
                "/developers",
                json={
                    "email": "d@example.com",
                    "meta": json.dumps({"full_name": "D"}),
                    "status": 0,
                },
            )
        )
        app = ok(
            admin.post(
                f"/developers/{dev['id']}/applications",
                json={"name": "a", "custom_id": self.client["client_id"]},
            )
        )
        body = {"service": {"id": service["id"]}, "status": 0}
        ok(admin.post(f"/applications/{app['id']}/application_instances", json=body))
        admin.close()

    def call_with_credentials(self) -> httpx.Response:
        pair = f"{self.client['client_id']}:{self.client['client_secret']}".encode()
        auth = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return httpx.get(self.urls["proxy"] + "/s/x", headers=auth, timeout=10)

    def call_with_bearer(self) -> httpx.Response:
        with OAuth2Client(self.client["client_id"], self.client["client_secret"]) as oauth:
            token = oauth.fetch_token(
                f"{self.urls['issuer']}/v1/token",
                grant_type="client_credentials",
                scope="portal_api",
            )["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        return httpx.get(self.urls["proxy"] + "/s/x", headers=auth, timeout=10)


def test_discovery_without_the_grant_lists_what_it_was_told(without_grant: SandboxProcess) -> None:
    discovery = httpx.get(without_grant.urls["issuer"] + "/.well-known/openid-configuration")
    assert discovery.json()["grant_types_supported"] == ["authorization_code"]


def test_verify_parameters_on_refuses_a_grant_discovery_does_not_list(
    without_grant: SandboxProcess,
) -> None:
    stack = Stack(without_grant, verify_parameters=True)
    refused = stack.call_with_credentials()
    assert refused.status_code == 401
    assert refused.json() == {"message": "Unauthorized"}
    # no token was requested: the check happens before Kong calls the token endpoint
    log = httpx.get(without_grant.urls["admin"] + "/_sandbox/requests?target=issuer").json()
    assert [r["path"] for r in log["requests"] if r["path"].endswith("/v1/token")] == []
    # a bearer token the client fetched itself is not subject to the check
    assert stack.call_with_bearer().status_code == 200


def test_verify_parameters_off_lets_the_same_client_through(without_grant: SandboxProcess) -> None:
    stack = Stack(without_grant, verify_parameters=False)
    response = stack.call_with_credentials()
    assert response.status_code == 200, response.text
    assert response.json()["headers"]["x-consumer-custom-id"] == stack.client["client_id"]


def test_verify_parameters_on_passes_when_discovery_lists_grant_and_scopes(
    with_grant: SandboxProcess,
) -> None:
    stack = Stack(with_grant, verify_parameters=True)
    assert stack.call_with_credentials().status_code == 200


@pytest.mark.parametrize(
    ("discovery", "scopes", "refusal"),
    [
        ({"grant_types_supported": ["authorization_code"]}, ["openid"], "grant type"),
        ({"scopes_supported": ["openid"]}, ["openid", "portal_api"], "unsupported scopes"),
        (
            {"grant_types_supported": ["client_credentials"], "scopes_supported": []},
            ["x"],
            "scopes",
        ),
        ({}, ["anything"], None),  # a discovery document without the lists checks nothing
        ({"grant_types_supported": ["client_credentials"]}, ["portal_api"], None),
    ],
)
def test_what_verify_parameters_checks(
    discovery: dict, scopes: list[str], refusal: str | None
) -> None:
    if refusal is None:
        check_token_request(discovery, "client_credentials", scopes)
        return
    with pytest.raises(TokenRequestError, match=refusal):
        check_token_request(discovery, "client_credentials", scopes)
