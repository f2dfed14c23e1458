"""The authorization server's metadata documents and its signing keys."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.issuer.context import base_url, issuer_of, issuer_url
from sandbox.issuer.settings import AuthorizationServer

# Okta's advertised lists for a custom authorization server (its published metadata example).
# The sandbox implements the authorization-code and client-credentials grants, the `code`
# response type and the `query` response mode; the others are listed because Okta lists
# them, and answer the way Okta does for a client that is not allowed to use them.
RESPONSE_TYPES = [
    "code",
    "token",
    "id_token",
    "code id_token",
    "code token",
    "id_token token",
    "code id_token token",
]
RESPONSE_MODES = ["query", "fragment", "form_post", "okta_post_message"]
GRANT_TYPES = [
    "authorization_code",
    "implicit",
    "refresh_token",
    "password",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
]
AUTH_METHODS = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
]
OAUTH_CLAIMS = ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub"]
OIDC_CLAIMS = [
    "iss",
    "ver",
    "sub",
    "aud",
    "iat",
    "exp",
    "jti",
    "auth_time",
    "amr",
    "idp",
    "nonce",
    "name",
    "nickname",
    "preferred_username",
    "given_name",
    "middle_name",
    "family_name",
    "email",
    "email_verified",
    "profile",
    "zoneinfo",
    "locale",
    "address",
    "phone_number",
    "picture",
    "website",
    "gender",
    "birthdate",
    "updated_at",
    "at_hash",
    "c_hash",
]
REQUEST_OBJECT_ALGS = [
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "ES256",
    "ES384",
    "ES512",
]
ID_TOKEN_ENCRYPTION_ALGS = ["RSA-OAEP-256"]
ID_TOKEN_ENCRYPTION_ENCS = [
    "A128CBC-HS256",
    "A192CBC-HS384",
    "A256CBC-HS512",
    "A128GCM",
    "A192GCM",
    "A256GCM",
]


def metadata(request: Request, server: AuthorizationServer, *, oidc: bool) -> dict[str, Any]:
    """Okta's metadata document of a custom authorization server: the OAuth 2.0 one (RFC
    8414) or the OpenID Connect one. Custom claims are never advertised, as with Okta."""
    issuer = issuer_url(request, server)
    doc: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/v1/authorize",
        "token_endpoint": f"{issuer}/v1/token",
    }
    if oidc:
        doc["userinfo_endpoint"] = f"{issuer}/v1/userinfo"
    doc.update(
        {
            "registration_endpoint": f"{base_url(request)}/oauth2/v1/clients",
            "jwks_uri": f"{issuer}/v1/keys",
            "response_types_supported": list(RESPONSE_TYPES),
            "response_modes_supported": list(RESPONSE_MODES),
            "grant_types_supported": list(server.grant_types or GRANT_TYPES),
            "subject_types_supported": ["public"],
        }
    )
    if oidc:
        doc["id_token_signing_alg_values_supported"] = ["RS256"]
    doc.update(
        {
            "scopes_supported": server.scopes_supported,
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "claims_supported": list(OIDC_CLAIMS if oidc else OAUTH_CLAIMS),
            "code_challenge_methods_supported": ["S256"],
            "introspection_endpoint": f"{issuer}/v1/introspect",
            "introspection_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "revocation_endpoint": f"{issuer}/v1/revoke",
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "end_session_endpoint": f"{issuer}/v1/logout",
            "request_parameter_supported": True,
            "request_object_signing_alg_values_supported": list(REQUEST_OBJECT_ALGS),
            "device_authorization_endpoint": f"{issuer}/v1/device/authorize",
            "pushed_authorization_request_endpoint": f"{issuer}/v1/par",
        }
    )
    if oidc:
        doc["id_token_encryption_alg_values_supported"] = list(ID_TOKEN_ENCRYPTION_ALGS)
        doc["id_token_encryption_enc_values_supported"] = list(ID_TOKEN_ENCRYPTION_ENCS)
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
