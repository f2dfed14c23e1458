"""The authorize endpoint: the configured test user is signed in without a form, and the
code goes back to the client's redirect URI (errors too, once the redirect URI is known)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.issuer.context import issuer_of
from sandbox.issuer.errors import OAuthError
from sandbox.issuer.state import AuthorizationCode, RegisteredClient
from sandbox.issuer.token import requested_scopes


class RedirectError(Exception):
    """An authorize error sent back to the client's redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def redirect_back(redirect_uri: str, query: dict[str, str], state: str | None) -> Response:
    if state is not None:
        query["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", 302)


def check_response_type(client: RegisteredClient, params: dict[str, str]) -> None:
    """The response type and the client's grant, checked first."""
    if params.get("response_type") != "code":
        raise RedirectError(
            "unsupported_response_type",
            "The response type is not supported by the authorization server. Configured "
            "response types: [code].",
        )
    if "authorization_code" not in client.grant_types:
        raise RedirectError(
            "unauthorized_client",
            "The client is not authorized to use the provided grant type. Configured grant "
            f"types: {client.grant_types}.",
        )


def check_challenge(client: RegisteredClient, params: dict[str, str]) -> None:
    """PKCE: required of a public client, and S256 only."""
    challenge = params.get("code_challenge")
    if challenge is None and client.is_public:
        raise RedirectError(
            "invalid_request",
            "PKCE code challenge is required when the token endpoint authentication method "
            "is 'NONE'.",
        )
    if challenge is not None and params.get("code_challenge_method") != "S256":
        raise RedirectError(
            "invalid_request",
            "The PKCE code challenge method is invalid. Valid values: [S256].",
        )


async def authorize(request: Request) -> Response:
    issuer = issuer_of(request)
    server = issuer.server(request)
    params = dict(request.query_params)
    client = issuer.find_client(params.get("client_id", ""))
    if client is None:
        raise OAuthError(400, "invalid_client", "Invalid value for 'client_id' parameter.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise OAuthError(
            400,
            "invalid_request",
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
        )
    state = params.get("state")
    try:
        check_response_type(client, params)
        try:
            scopes = requested_scopes(server, params.get("scope"))
        except OAuthError as err:
            raise RedirectError(err.error, err.description) from None
        check_challenge(client, params)
        refused = issuer.sign_in.check_authorize(params)
        if refused is not None:
            raise RedirectError(*refused)
    except RedirectError as err:
        return redirect_back(
            redirect_uri, {"error": err.error, "error_description": err.description}, state
        )
    code = issuer.state.issue_code(
        AuthorizationCode(
            server=server.name,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            nonce=params.get("nonce"),
            expires_at=time.time() + issuer.settings.code_ttl_seconds,
        )
    )
    return redirect_back(redirect_uri, {"code": code}, state)


async def authn(request: Request) -> Response:
    """`POST /api/v1/authn`: Okta's primary authentication of the test user."""
    return await issuer_of(request).sign_in.authn(request)
