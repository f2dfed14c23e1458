"""The authorization server's metadata documents and its signing keys."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.issuer.context import base_url, issuer_of, issuer_url
from sandbox.issuer.settings import AuthorizationServer


def metadata(request: Request, server: AuthorizationServer, *, oidc: bool) -> dict[str, Any]:
    issuer = issuer_url(request, server)
    doc: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/v1/authorize",
        "token_endpoint": f"{issuer}/v1/token",
        "registration_endpoint": f"{base_url(request)}/oauth2/v1/clients",
        "jwks_uri": f"{issuer}/v1/keys",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "scopes_supported": server.scopes_supported,
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "claims_supported": [
            "ver",
            "jti",
            "iss",
            "aud",
            "iat",
            "exp",
            "cid",
            "uid",
            "scp",
            "sub",
            *server.claims,
        ],
        "code_challenge_methods_supported": ["S256"],
    }
    if oidc:
        doc["subject_types_supported"] = ["public"]
        doc["id_token_signing_alg_values_supported"] = ["RS256"]
    return doc


async def openid_configuration(request: Request) -> Response:
    server = issuer_of(request).server(request)
    return JSONResponse(metadata(request, server, oidc=True))


async def oauth_metadata(request: Request) -> Response:
    server = issuer_of(request).server(request)
    return JSONResponse(metadata(request, server, oidc=False))


async def keys(request: Request) -> Response:
    issuer = issuer_of(request)
    server = issuer.server(request)
    return JSONResponse(
        issuer.state.public_jwks(server.name), headers={"Cache-Control": "max-age=3600"}
    )
