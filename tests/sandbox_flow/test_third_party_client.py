"""A third-party OAuth/OIDC client against the sandbox issuer: pyoidc (`oic`), which the
project does not use in its own code. It reads both metadata documents, registers a client
through Okta's registration API (SSWS token), runs the authorization-code flow (verifying the
ID token's signature, issuer, audience and nonce itself), reads userinfo, gets a
client-credentials token, and introspects and revokes tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from oic.extension.client import Client as OAuthClient
from oic.extension.message import ExtensionMessageFactory
from oic.oauth2.message import AccessTokenResponse, CCAccessTokenRequest, MessageTuple
from oic.oic import Client as OidcClient
from oic.oic.message import AuthorizationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from sandbox.issuer import IssuerSettings, create_issuer_app
from tests.sandbox_flow.servers import serve

TOKEN = "third-party-idp-token"
REDIRECT = "http://127.0.0.1:9/callback"
USER = "grace@example.com"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    settings = IssuerSettings.build(idp_api_token=TOKEN, test_user=USER)
    with serve(create_issuer_app(settings)) as base:
        yield f"{base}/oauth2/default"


def with_api_token(method: str, url: str, **kwargs: object) -> dict:
    """oic's request hook: Okta's registration API wants `Authorization: SSWS <token>`."""
    if urlsplit(url).path == "/oauth2/v1/clients":
        headers = dict(kwargs.get("headers") or {})  # type: ignore[call-overload]
        headers["Authorization"] = f"SSWS {TOKEN}"
        kwargs["headers"] = headers
    return kwargs


@pytest.fixture(scope="module")
def oidc(issuer: str) -> OidcClient:
    """An OIDC client that discovered the issuer and registered itself."""
    client = OidcClient(client_authn_method=CLIENT_AUTHN_METHOD)
    client.req_callback = with_api_token
    client.provider_config(issuer)
    client.register(
        client.provider_info["registration_endpoint"],
        client_name="pyoidc-web",
        application_type="web",
        redirect_uris=[REDIRECT],
        response_types=["code"],
        grant_types=["authorization_code", "client_credentials"],
        token_endpoint_auth_method="client_secret_basic",
    )
    return client


class ClientCredentialsFactory(ExtensionMessageFactory):
    """The library's message types, with the client-credentials request at the token
    endpoint (its way of choosing a grant)."""

    token_endpoint = MessageTuple(CCAccessTokenRequest, AccessTokenResponse)


@pytest.fixture(scope="module")
def oauth(issuer: str, oidc: OidcClient) -> OAuthClient:
    """A plain OAuth 2.0 client (RFC 8414 metadata) holding the registered credentials."""
    client = OAuthClient(
        client_authn_method=CLIENT_AUTHN_METHOD, message_factory=ClientCredentialsFactory
    )
    client.provider_config(issuer, serv_pattern="%s/.well-known/oauth-authorization-server")
    client.client_id = oidc.client_id
    client.client_secret = oidc.client_secret
    return client


def test_discovery_documents_satisfy_the_library(
    issuer: str, oidc: OidcClient, oauth: OAuthClient
) -> None:
    assert oidc.provider_info["issuer"] == issuer
    assert oauth.provider_info["issuer"] == issuer
    for endpoint in ("introspection_endpoint", "revocation_endpoint"):
        assert oauth.provider_info[endpoint].startswith(issuer)
    assert oidc.provider_info["userinfo_endpoint"] == f"{issuer}/v1/userinfo"
    assert oidc.keyjar.get_issuer_keys(issuer), "the library loaded the issuer's signing keys"


def test_registration_returns_credentials(oidc: OidcClient) -> None:
    reg = oidc.registration_response
    assert reg["client_id"].startswith("0oa") and oidc.client_secret
    assert reg["client_name"] == "pyoidc-web"
    assert reg["redirect_uris"] == [REDIRECT]


def test_authorization_code_flow_id_token_and_userinfo(oidc: OidcClient) -> None:
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    request = oidc.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": ["openid", "profile", "email"],
            "redirect_uri": REDIRECT,
            "state": state,
            "nonce": nonce,
            "client_id": oidc.client_id,
        }
    )
    answer = httpx.get(request.request(oidc.authorization_endpoint))
    assert answer.status_code == 302
    callback = answer.headers["location"]
    assert callback.startswith(REDIRECT)
    auth = oidc.parse_response(
        AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded"
    )
    assert auth["state"] == state
    # The library checks the ID token: signature (jwks_uri), iss, aud, nonce, at_hash.
    tokens = oidc.do_access_token_request(
        state=state,
        request_args={"code": auth["code"], "redirect_uri": REDIRECT},
        authn_method="client_secret_basic",
    )
    id_token = tokens["id_token"]
    assert id_token["nonce"] == nonce and id_token["aud"] == [oidc.client_id]
    info = oidc.do_user_info_request(state=state, behavior="use_authorization_header")
    assert info["sub"] == id_token["sub"]
    assert info["email"] == USER and info["email_verified"] is True


def test_client_credentials_introspect_and_revoke(oauth: OAuthClient) -> None:
    tokens = oauth.do_access_token_request(
        request_args={"grant_type": "client_credentials", "scope": "portal_api"},
        authn_method="client_secret_basic",
    )
    access = tokens["access_token"]
    active = oauth.do_token_introspection(
        request_args={"token": access}, authn_method="client_secret_basic"
    )
    assert active["active"] is True
    # The library parses the space-separated scope into a list.
    assert active["client_id"] == oauth.client_id and active["scope"] == ["portal_api"]
    assert (
        oauth.do_token_revocation(
            request_args={"token": access}, authn_method="client_secret_basic"
        )
        == 200
    )
    revoked = oauth.do_token_introspection(
        request_args={"token": access}, authn_method="client_secret_basic"
    )
    assert revoked["active"] is False


def test_introspection_needs_client_authentication(oauth: OAuthClient) -> None:
    answer = httpx.post(oauth.provider_info["introspection_endpoint"], data={"token": "x"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
