"""RFC 7591 client metadata validation with Okta's rules (no HTTP in here)."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from sandbox.issuer.state import RegisteredClient, okta_id

# The values Okta's spec lists for each (its `GrantType`, `ResponseType`, `ApplicationType`
# and `EndpointAuthMethod` enums). The token endpoint implements a subset; see `token.GRANTS`.
GRANT_TYPES = (
    "authorization_code",
    "client_credentials",
    "implicit",
    "interaction_code",
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:openid:params:grant-type:ciba",
)
RESPONSE_TYPES = ("code", "id_token", "none", "token")
AUTH_METHODS = (
    "client_secret_basic",
    "client_secret_jwt",
    "client_secret_post",
    "none",
    "private_key_jwt",
)
APPLICATION_TYPES = ("web", "native", "browser", "service")
# Optional metadata kept and returned as given; `client_uri` and `logo_uri` are always
# returned (null when not set), as in Okta's responses.
URI_LISTS = ("post_logout_redirect_uris",)
URIS = (
    "client_uri",
    "logo_uri",
    "policy_uri",
    "tos_uri",
    "jwks_uri",
    "initiate_login_uri",
    "frontchannel_logout_uri",
)
ALWAYS = ("client_uri", "logo_uri")
PASSED = (
    "jwks",
    "frontchannel_logout_session_required",
    "request_object_signing_alg",
    "id_token_encrypted_response_alg",
)


class MetadataError(ValueError):
    """Invalid client metadata. Okta answers `400 {"error": "invalid_client_metadata",
    "error_description": ...}`; ``causes`` name each field and its problem."""

    def __init__(self, fields: list[str], causes: list[str]) -> None:
        super().__init__("; ".join(causes))
        self.fields = fields
        self.causes = causes

    def body(self) -> dict[str, str]:
        return {"error": "invalid_client_metadata", "error_description": str(self)}


def _string_list(body: dict[str, Any], key: str, default: list[str]) -> list[str] | str:
    value = body.get(key, default)
    if value is None:
        return list(default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"{key}: expected an array of strings"
    return list(value)


def optional_metadata(body: dict[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    """The optional metadata Okta keeps: absolute URIs, URI lists and the passed-through
    values; `client_uri` and `logo_uri` as null when not given."""
    extra: dict[str, Any] = {k: None for k in ALWAYS}
    for key in URIS:
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not urlsplit(value).scheme:
            problems[key] = f"{key}: '{value}' is not an absolute URI."
        extra[key] = value
    for key in URI_LISTS:
        if body.get(key) is None:
            continue
        uris = _string_list(body, key, [])
        if isinstance(uris, str):
            problems[key] = uris
            continue
        bad = [u for u in uris if not urlsplit(u).scheme]
        if bad:
            problems[key] = f"{key}: '{bad[0]}' is not an absolute URI."
        extra[key] = uris
    for key in PASSED:
        if body.get(key) is not None:
            extra[key] = body[key]
    return extra


def _enum_list(
    body: dict[str, Any],
    key: str,
    default: list[str],
    allowed: tuple[str, ...],
    problems: dict[str, str],
) -> list[str]:
    """A list of enum strings (the default when absent); problems go to `problems`."""
    values = _string_list(body, key, default)
    if isinstance(values, str):
        problems[key] = values
        return []
    for value in values:
        if value not in allowed:
            problems[key] = f"{key}: '{value}' is not one of {list(allowed)}."
    return values


def _redirect_uris(body: dict[str, Any], problems: dict[str, str]) -> list[str]:
    """Absolute redirect URIs without a fragment (RFC 6749 section 3.1.2)."""
    redirects = _string_list(body, "redirect_uris", [])
    if isinstance(redirects, str):
        problems["redirect_uris"] = redirects
        return []
    for uri in redirects:
        parts = urlsplit(uri)
        if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
            problems["redirect_uris"] = f"redirect_uris: '{uri}' is not an absolute URI."
        elif parts.fragment:
            problems["redirect_uris"] = f"redirect_uris: '{uri}' must not contain a fragment."
    return redirects


# Okta's consistency rules between grant types, response types, app type and client
# authentication: (applies, field, message). A later rule's message wins for its field.
CROSS_RULES: list[tuple[Any, str, str]] = [
    (
        lambda g, r, m: bool({"authorization_code", "implicit"} & g) and not m["redirect_uris"],
        "redirect_uris",
        "redirect_uris: 'redirect_uris' must be non-empty when 'grant_types' contains "
        "'authorization_code' or 'implicit'.",
    ),
    (
        lambda g, r, m: "authorization_code" in g and "code" not in r,
        "response_types",
        "response_types: 'code' is required when 'grant_types' contains 'authorization_code'.",
    ),
    (
        lambda g, r, m: "code" in r and "authorization_code" not in g,
        "grant_types",
        "grant_types: 'authorization_code' is required when 'response_types' contains 'code'.",
    ),
    (
        lambda g, r, m: "id_token" in r and "implicit" not in g,
        "grant_types",
        "grant_types: 'implicit' is required when 'response_types' contains 'id_token'.",
    ),
    (
        lambda g, r, m: "token" in r and not {"implicit", "client_credentials"} & g,
        "grant_types",
        "grant_types: 'implicit' or 'client_credentials' is required when 'response_types' "
        "contains 'token'.",
    ),
    (
        lambda g, r, m: "refresh_token" in g and not {"authorization_code", "password"} & g,
        "grant_types",
        "grant_types: 'refresh_token' requires 'authorization_code' or 'password'.",
    ),
    (
        lambda g, r, m: "client_credentials" in g and m["token_endpoint_auth_method"] == "none",
        "grant_types",
        "grant_types: 'client_credentials' is not allowed for a public client "
        "(token_endpoint_auth_method 'none').",
    ),
    (
        lambda g, r, m: m["application_type"] == "service" and bool(g - {"client_credentials"}),
        "grant_types",
        "grant_types: a 'service' application may only use 'client_credentials'.",
    ),
    (
        lambda g, r, m: (
            m["application_type"] == "browser" and m["token_endpoint_auth_method"] != "none"
        ),
        "token_endpoint_auth_method",
        "token_endpoint_auth_method: a 'browser' application must use 'none'.",
    ),
]


def _cross_checks(meta: dict[str, Any], body: dict[str, Any], problems: dict[str, str]) -> None:
    grants, responses = set(meta["grant_types"]), set(meta["response_types"])
    for applies, key, message in CROSS_RULES:
        if applies(grants, responses, meta):
            problems[key] = message
    if meta["token_endpoint_auth_method"] == "private_key_jwt" and not (
        body.get("jwks") or body.get("jwks_uri")
    ):
        problems["jwks"] = (
            "jwks: 'jwks' or 'jwks_uri' is required when 'token_endpoint_auth_method' is "
            "'private_key_jwt'."
        )


def validate_metadata(body: Any) -> dict[str, Any]:
    """Validate and normalise a registration request; raise :class:`MetadataError`."""
    if not isinstance(body, dict):
        raise MetadataError(["body"], ["body: expected a JSON object of client metadata"])
    problems: dict[str, str] = {}
    name = body.get("client_name")
    if not isinstance(name, str) or not name.strip():
        problems["client_name"] = "client_name: The field cannot be left blank."
    app_type = body.get("application_type", "web")
    if app_type not in APPLICATION_TYPES:
        problems["application_type"] = (
            f"application_type: '{app_type}' is not one of {list(APPLICATION_TYPES)}."
        )
    auth_method = body.get(
        "token_endpoint_auth_method", "none" if app_type == "browser" else "client_secret_basic"
    )
    if auth_method not in AUTH_METHODS:
        problems["token_endpoint_auth_method"] = (
            f"token_endpoint_auth_method: '{auth_method}' is not one of {list(AUTH_METHODS)}."
        )
    default_grants = ["client_credentials"] if app_type == "service" else ["authorization_code"]
    grants = _enum_list(body, "grant_types", default_grants, GRANT_TYPES, problems)
    # Okta's default is `code`; a client with neither the code nor the implicit grant (a
    # service) gets `token`, the response type Okta's own service example registers.
    default_responses = ["code"] if "authorization_code" in grants else ["token"]
    responses = _enum_list(body, "response_types", default_responses, RESPONSE_TYPES, problems)
    meta = {
        "client_name": name.strip() if isinstance(name, str) else "",
        "application_type": app_type,
        "token_endpoint_auth_method": auth_method,
        "grant_types": grants,
        "response_types": responses,
        "redirect_uris": _redirect_uris(body, problems),
    }
    _cross_checks(meta, body, problems)
    extra = optional_metadata(body, problems)
    if problems:
        fields = sorted(problems)
        raise MetadataError(fields, [problems[f] for f in fields])
    return {**meta, "extra": extra}


def new_client(metadata: dict[str, Any]) -> tuple[RegisteredClient, str | None]:
    """A client with a fresh Okta-style id and, for confidential clients, a secret."""
    client = RegisteredClient(
        client_id=okta_id("0oa"),
        client_id_issued_at=int(time.time()),
        **metadata,
    )
    has_secret = client.token_endpoint_auth_method.startswith("client_secret")
    secret = secrets.token_urlsafe(30) if has_secret else None
    return client, secret
