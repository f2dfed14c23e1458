"""What a client or resource server asks about a token: introspection (RFC 7662), revocation
(RFC 7009) and userinfo; and the endpoints the metadata names that this sandbox answers the
way Okta answers a client that may not use them (logout, device authorization, PAR)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from sandbox.issuer.context import Issuer, issuer_of, issuer_url
from sandbox.issuer.errors import NO_STORE, OAuthError
from sandbox.issuer.settings import AuthorizationServer
from sandbox.issuer.token import authenticate_client, read_form

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def verified_claims(
    request: Request, issuer: Issuer, server: AuthorizationServer, token: str, *, expired_ok=False
) -> dict[str, Any] | None:
    """The claims of a token this server signed and did not revoke, else None."""
    try:
        claims = dict(jwt.decode(token, issuer.state.signing_key(server.name)).claims)
    except (JoseError, ValueError, TypeError):
        return None
    if claims.get("iss") != issuer_url(request, server):
        return None
    if not expired_ok and not (isinstance(claims.get("exp"), int) and claims["exp"] > time.time()):
        return None
    if issuer.state.is_revoked(str(claims.get("jti"))):
        return None
    return claims


async def introspect(request: Request) -> Response:
    issuer = issuer_of(request)
    server = issuer.server(request)
    form = await read_form(request)
    authenticate_client(issuer, request, form)
    token = form.get("token")
    if not token:
        raise OAuthError(400, "invalid_request", "The 'token' parameter is required.")
    grant = issuer.state.refresh_grant(token)
    if grant is not None and grant.server == server.name:
        body = {
            "active": True,
            "token_type": "refresh_token",
            "scope": " ".join(grant.scopes),
            "client_id": grant.client_id,
            "username": issuer.user_login,
            "sub": issuer.user_login,
            "uid": issuer.user_id,
        }
        return JSONResponse(body, headers=NO_STORE)
    claims = verified_claims(request, issuer, server, token)
    if claims is None or not str(claims.get("jti", "")).startswith(("AT.", "ID.")):
        return JSONResponse({"active": False}, headers=NO_STORE)
    body: dict[str, Any] = {"active": True}
    if str(claims["jti"]).startswith("AT."):
        body.update(
            token_type="Bearer",
            scope=" ".join(claims.get("scp") or []),
            client_id=claims.get("cid"),
            username=claims.get("sub"),
        )
    else:
        body.update(client_id=claims.get("aud"), username=claims.get("sub"))
    for name in ("exp", "iat", "sub", "aud", "iss", "jti", "uid"):
        if name in claims:
            body[name] = claims[name]
    body.update({k: v for k, v in claims.items() if k in server.claims})
    return JSONResponse(body, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    issuer = issuer_of(request)
    server = issuer.server(request)
    form = await read_form(request)
    client = authenticate_client(issuer, request, form)
    token = form.get("token")
    if not token:
        raise OAuthError(400, "invalid_request", "The 'token' parameter is required.")
    grant = issuer.state.refresh_grant(token)
    if grant is not None and grant.client_id == client.client_id:
        issuer.state.revoke_refresh(token)
    claims = verified_claims(request, issuer, server, token)
    if claims is not None:
        issuer.state.revoke(str(claims["jti"]), float(claims["exp"]))
    # RFC 7009: an unknown or already invalid token is not an error.
    return Response(status_code=200, headers=NO_STORE)


def bearer_error(status: int, error: str, description: str) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"WWW-Authenticate": f'Bearer error="{error}", error_description="{description}"'},
    )


async def userinfo(request: Request) -> Response:
    issuer = issuer_of(request)
    server = issuer.server(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return bearer_error(401, "invalid_token", "The access token is missing.")
    claims = verified_claims(request, issuer, server, token.strip())
    if claims is None or not str(claims.get("jti", "")).startswith("AT."):
        return bearer_error(401, "invalid_token", "The access token is invalid.")
    scopes = claims.get("scp") or []
    if "openid" not in scopes or "uid" not in claims:
        return bearer_error(
            403,
            "insufficient_scope",
            "The access token must provide access to at least one "
            "of these scopes - profile, email, address or phone",
        )
    body: dict[str, Any] = {"sub": claims["uid"]}
    if "profile" in scopes:
        body.update(
            name=issuer.user_login.split("@")[0],
            preferred_username=issuer.user_login,
            locale="en_US",
            zoneinfo="America/Los_Angeles",
            updated_at=claims["iat"],
        )
    if "email" in scopes:
        body.update(email=issuer.user_login, email_verified=True)
    return JSONResponse(body, headers=NO_STORE)


async def logout(request: Request) -> Response:
    """RP-initiated logout: the sandbox keeps no session, so only the redirect is checked."""
    issuer = issuer_of(request)
    server = issuer.server(request)
    params = request.query_params
    hint = params.get("id_token_hint")
    claims = verified_claims(request, issuer, server, hint, expired_ok=True) if hint else None
    if hint and claims is None:
        raise OAuthError(400, "invalid_request", "The 'id_token_hint' parameter is invalid.")
    target = params.get("post_logout_redirect_uri")
    if target is None:
        return Response(status_code=200, media_type="text/plain", content="Signed out.")
    client = issuer.find_client(str(claims.get("aud"))) if claims else None
    allowed = (client.extra.get("post_logout_redirect_uris") or []) if client else []
    if target not in allowed:
        raise OAuthError(
            400,
            "invalid_request",
            "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the "
            "client app settings.",
        )
    query = {"state": params["state"]} if params.get("state") is not None else {}
    separator = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{separator}{urlencode(query)}" if query else target, status_code=302
    )


async def device_authorize(request: Request) -> Response:
    issuer = issuer_of(request)
    issuer.server(request)
    form = await read_form(request)
    client = authenticate_client(issuer, request, form)
    if DEVICE_GRANT not in client.grant_types:
        raise OAuthError(
            400,
            "unauthorized_client",
            "The client is not authorized to use the provided grant type. Configured grant "
            f"types: {client.grant_types}.",
        )
    raise OAuthError(
        400, "unsupported_grant_type", "The device authorization grant is not enabled."
    )


async def pushed_authorization(request: Request) -> Response:
    issuer = issuer_of(request)
    issuer.server(request)
    form = await read_form(request)
    authenticate_client(issuer, request, form)
    raise OAuthError(
        400,
        "invalid_request",
        "Pushed authorization requests are not enabled for this authorization server.",
    )
