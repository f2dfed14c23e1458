"""Okta-shaped access and ID tokens, signed RS256 with joserfc."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from sandbox.issuer.settings import AuthorizationServer, evaluate_expression
from sandbox.issuer.state import okta_id


def sign(claims: dict[str, Any], key: RSAKey) -> str:
    return jwt.encode({"kid": key.kid, "alg": "RS256"}, claims, key)


def access_token_claims(
    *,
    server: AuthorizationServer,
    issuer: str,
    client_id: str,
    scopes: list[str],
    ttl: int,
    user_login: str | None = None,
    user_id: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """Claims as Okta puts them into an access token, plus the server's custom claims."""
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "ver": 1,
        "jti": "AT." + okta_id("", 43),
        "iss": issuer,
        "aud": server.audience,
        "iat": issued,
        "exp": issued + ttl,
        "cid": client_id,
        "scp": list(scopes),
        "sub": user_login if user_login else client_id,
    }
    if user_id:
        claims["uid"] = user_id
        claims["auth_time"] = issued
    for name, expression in server.claims.items():
        claims[name] = evaluate_expression(expression, client_id=client_id)
    return claims


def id_token_claims(
    *,
    issuer: str,
    client_id: str,
    user_login: str,
    user_id: str,
    scopes: list[str],
    nonce: str | None,
    access_token: str,
    ttl: int,
) -> dict[str, Any]:
    issued = int(time.time())
    digest = hashlib.sha256(access_token.encode()).digest()
    claims: dict[str, Any] = {
        "sub": user_id,
        "ver": 1,
        "iss": issuer,
        "aud": client_id,
        "iat": issued,
        "exp": issued + ttl,
        "jti": "ID." + okta_id("", 43),
        "amr": ["pwd"],
        "auth_time": issued,
        "at_hash": base64.urlsafe_b64encode(digest[:16]).decode().rstrip("="),
    }
    if nonce:
        claims["nonce"] = nonce
    if "email" in scopes:
        claims["email"] = user_login
        claims["email_verified"] = True
    if "profile" in scopes:
        claims["preferred_username"] = user_login
        claims["name"] = user_login.split("@")[0]
    return claims
