"""The token endpoint: client authentication, the grants, and the token response."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.issuer.context import Issuer, issuer_of, issuer_url
from sandbox.issuer.errors import NO_STORE, OAuthError
from sandbox.issuer.settings import OIDC_SCOPES, AuthorizationServer
from sandbox.issuer.state import RefreshGrant, RegisteredClient
from sandbox.issuer.tokens import access_token_claims, id_token_claims, sign


def authenticate_client(issuer: Issuer, request: Request, form: dict[str, str]) -> RegisteredClient:
    """The client of a token request: HTTP Basic or form credentials, or a public client."""
    client_id = form.get("client_id")
    secret = form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(
                401, "invalid_client", "The client authentication header is malformed."
            ) from None
        basic_id, _, basic_secret = decoded.partition(":")
        client_id, secret = unquote(basic_id), unquote(basic_secret)
    if not client_id:
        raise OAuthError(401, "invalid_client", "No client credentials found.")
    client = issuer.find_client(client_id)
    if client is None:
        raise OAuthError(401, "invalid_client", "Invalid value for 'client_id' parameter.")
    if client.is_public:
        if secret:
            raise OAuthError(
                401,
                "invalid_client",
                "Client authentication failed. A public client must not send a secret.",
            )
        return client
    if not secret:
        raise OAuthError(
            401,
            "invalid_client",
            "Client authentication failed. Either the client or the client credentials are "
            "invalid.",
        )
    if not client.check_secret(secret):
        raise OAuthError(
            401,
            "invalid_client",
            "The client secret supplied for a confidential client is invalid.",
        )
    return client


def requested_scopes(server: AuthorizationServer, raw: str | None) -> list[str]:
    scopes = [s for s in (raw or "").split(" ") if s]
    if not scopes:
        raise OAuthError(
            400,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, "
            "'scope' must be provided.",
        )
    if any(s not in server.scopes_supported for s in scopes):
        raise OAuthError(
            400,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        )
    return scopes


def token_response(
    request: Request,
    server: AuthorizationServer,
    client: RegisteredClient,
    scopes: list[str],
    *,
    user: bool,
    nonce: str | None = None,
    refresh_token: str | None = None,
) -> Response:
    """Okta's token response; with the user's `offline_access` consent and a client allowed
    the refresh_token grant, a refresh token too (the same one again on a refresh)."""
    issuer = issuer_of(request)
    grant = "authorization_code" if user else "client_credentials"
    denial = issuer.policy_denial(server.name, client.client_id, grant, scopes, user=user)
    if denial:
        raise OAuthError(400, "access_denied", denial)
    url = issuer_url(request, server)
    key = issuer.state.signing_key(server.name)
    ttl = issuer.settings.token_ttl_seconds
    claims = access_token_claims(
        server=server,
        issuer=url,
        client_id=client.client_id,
        scopes=scopes,
        ttl=ttl,
        user_login=issuer.user_login if user else None,
        user_id=issuer.user_id if user else None,
    )
    access_token = sign(claims, key)
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": ttl,
        "access_token": access_token,
        "scope": " ".join(scopes),
    }
    if user and "openid" in scopes:
        id_claims = id_token_claims(
            issuer=url,
            client_id=client.client_id,
            user_login=issuer.user_login,
            user_id=issuer.user_id,
            scopes=scopes,
            nonce=nonce,
            access_token=access_token,
            ttl=ttl,
        )
        body["id_token"] = sign(id_claims, key)
    if user and "offline_access" in scopes and "refresh_token" in client.grant_types:
        body["refresh_token"] = refresh_token or issuer.state.issue_refresh(
            RefreshGrant(server=server.name, client_id=client.client_id, scopes=list(scopes))
        )
    return JSONResponse(body, headers=NO_STORE)


def client_credentials(
    request: Request, server: AuthorizationServer, client: RegisteredClient, form: dict
) -> Response:
    raw = form.get("scope") or ""
    if any(s in OIDC_SCOPES for s in raw.split(" ")):
        raise OAuthError(
            400, "invalid_scope", "Client Credentials requests cannot contain OpenID scopes."
        )
    scopes = requested_scopes(server, raw)
    return token_response(request, server, client, scopes, user=False)


def check_pkce(challenge: str | None, verifier: str | None) -> None:
    """RFC 7636 S256: the verifier must hash to the challenge of the authorize request."""
    if challenge is not None:
        if not verifier:
            raise OAuthError(
                400,
                "invalid_request",
                "PKCE code verifier is required when the parameter code_challenge was "
                "provided in the authorize request.",
            )
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if not hmac.compare_digest(computed, challenge):
            raise OAuthError(400, "invalid_grant", "PKCE verification failed.")
    elif verifier:
        raise OAuthError(
            400,
            "invalid_request",
            "The 'code_verifier' parameter was sent, but no code_challenge was in the "
            "authorize request.",
        )


def authorization_code(
    request: Request, server: AuthorizationServer, client: RegisteredClient, form: dict
) -> Response:
    value = form.get("code")
    if not value:
        raise OAuthError(400, "invalid_request", "The 'code' parameter is required.")
    code = issuer_of(request).state.redeem_code(value)
    if code is None or code.client_id != client.client_id or code.server != server.name:
        raise OAuthError(400, "invalid_grant", "The authorization code is invalid or has expired.")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError(
            400,
            "invalid_grant",
            "The 'redirect_uri' does not match the redirection URI used in the "
            "authorization request.",
        )
    check_pkce(code.code_challenge, form.get("code_verifier"))
    return token_response(request, server, client, code.scopes, user=True, nonce=code.nonce)


def refresh(
    request: Request, server: AuthorizationServer, client: RegisteredClient, form: dict
) -> Response:
    value = form.get("refresh_token")
    if not value:
        raise OAuthError(400, "invalid_request", "The 'refresh_token' parameter is required.")
    grant = issuer_of(request).state.refresh_grant(value)
    if grant is None or grant.client_id != client.client_id or grant.server != server.name:
        raise OAuthError(400, "invalid_grant", "The refresh token is invalid or expired.")
    scopes = grant.scopes
    if form.get("scope"):
        scopes = requested_scopes(server, form["scope"])
        if not set(scopes) <= set(grant.scopes):
            raise OAuthError(
                400,
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            )
    return token_response(request, server, client, scopes, user=True, refresh_token=value)


Grant = Callable[[Request, AuthorizationServer, RegisteredClient, dict], Response]
GRANTS: dict[str, Grant] = {
    "client_credentials": client_credentials,
    "authorization_code": authorization_code,
    "refresh_token": refresh,
}


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body Okta requires of its OAuth endpoints."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise OAuthError(
            400,
            "invalid_request",
            "The request must use Content-Type 'application/x-www-form-urlencoded'.",
        )
    return {k: str(v) for k, v in (await request.form()).items()}


async def token(request: Request) -> Response:
    issuer = issuer_of(request)
    server = issuer.server(request)
    form = await read_form(request)
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError(
            400,
            "invalid_request",
            f"The token request must specify a 'grant_type'. Valid values: {list(GRANTS)}",
        )
    handler = GRANTS.get(grant)
    if handler is None:
        raise OAuthError(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization "
            f"server. Configured grant types: {list(GRANTS)}.",
        )
    client = authenticate_client(issuer, request, form)
    if grant not in client.grant_types:
        raise OAuthError(
            400,
            "unauthorized_client",
            "The client is not authorized to use the provided grant type. Configured "
            f"grant types: {client.grant_types}.",
        )
    return handler(request, server, client, form)
