"""RFC 7591 client metadata validation with Okta's rules (no HTTP in here)."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from sandbox.issuer.state import RegisteredClient, okta_id

GRANT_TYPES = ("authorization_code", "implicit", "client_credentials", "refresh_token", "password")
RESPONSE_TYPES = ("code", "token", "id_token")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
APPLICATION_TYPES = ("web", "native", "browser", "service")


class MetadataError(ValueError):
    """Invalid client metadata: ``causes`` are Okta ``errorCauses`` summaries."""

    def __init__(self, fields: list[str], causes: list[str]) -> None:
        super().__init__("Api validation failed: " + ", ".join(fields))
        self.fields = fields
        self.causes = causes


def _string_list(body: dict[str, Any], key: str, default: list[str]) -> list[str] | str:
    value = body.get(key, default)
    if value is None:
        return list(default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"{key}: expected an array of strings"
    return list(value)


def validate_metadata(body: Any) -> dict[str, Any]:
    """Validate and normalise a registration request; raise :class:`MetadataError`."""
    problems: dict[str, str] = {}
    if not isinstance(body, dict):
        raise MetadataError(["body"], ["body: expected a JSON object of client metadata"])

    name = body.get("client_name")
    if not isinstance(name, str) or not name.strip():
        problems["client_name"] = "client_name: The field cannot be left blank."

    application_type = body.get("application_type", "web")
    if application_type not in APPLICATION_TYPES:
        problems["application_type"] = (
            f"application_type: '{application_type}' is not one of {list(APPLICATION_TYPES)}."
        )

    default_auth = "none" if application_type == "browser" else "client_secret_basic"
    auth_method = body.get("token_endpoint_auth_method", default_auth)
    if auth_method not in AUTH_METHODS:
        problems["token_endpoint_auth_method"] = (
            f"token_endpoint_auth_method: '{auth_method}' is not supported by this sandbox; "
            f"use one of {list(AUTH_METHODS)}."
        )

    default_grants = (
        ["client_credentials"] if application_type == "service" else ["authorization_code"]
    )
    grants = _string_list(body, "grant_types", default_grants)
    if isinstance(grants, str):
        problems["grant_types"] = grants
        grants = []
    for grant in grants:
        if grant not in GRANT_TYPES:
            problems["grant_types"] = f"grant_types: '{grant}' is not one of {list(GRANT_TYPES)}."

    default_responses = ["code"] if "authorization_code" in grants else []
    if "implicit" in grants and not default_responses:
        default_responses = ["token"]
    responses = _string_list(body, "response_types", default_responses)
    if isinstance(responses, str):
        problems["response_types"] = responses
        responses = []
    for response in responses:
        if response not in RESPONSE_TYPES:
            problems["response_types"] = (
                f"response_types: '{response}' is not one of {list(RESPONSE_TYPES)}."
            )

    redirects = _string_list(body, "redirect_uris", [])
    if isinstance(redirects, str):
        problems["redirect_uris"] = redirects
        redirects = []
    for uri in redirects:
        parts = urlsplit(uri)
        if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
            problems["redirect_uris"] = f"redirect_uris: '{uri}' is not an absolute URI."
        elif parts.fragment:
            problems["redirect_uris"] = f"redirect_uris: '{uri}' must not contain a fragment."

    # Okta's consistency rules between grant types, response types and app type.
    if {"authorization_code", "implicit"} & set(grants) and not redirects:
        problems["redirect_uris"] = (
            "redirect_uris: 'redirect_uris' must be non-empty when 'grant_types' contains "
            "'authorization_code' or 'implicit'."
        )
    if "authorization_code" in grants and "code" not in responses:
        problems["response_types"] = (
            "response_types: 'code' is required when 'grant_types' contains 'authorization_code'."
        )
    if "code" in responses and "authorization_code" not in grants:
        problems["grant_types"] = (
            "grant_types: 'authorization_code' is required when 'response_types' contains 'code'."
        )
    if {"token", "id_token"} & set(responses) and "implicit" not in grants:
        problems["grant_types"] = (
            "grant_types: 'implicit' is required when 'response_types' contains 'token' or "
            "'id_token'."
        )
    if "refresh_token" in grants and not {"authorization_code", "password"} & set(grants):
        problems["grant_types"] = (
            "grant_types: 'refresh_token' requires 'authorization_code' or 'password'."
        )
    if "client_credentials" in grants and auth_method == "none":
        problems["grant_types"] = (
            "grant_types: 'client_credentials' is not allowed for a public client "
            "(token_endpoint_auth_method 'none')."
        )
    if application_type == "service" and set(grants) - {"client_credentials"}:
        problems["grant_types"] = (
            "grant_types: a 'service' application may only use 'client_credentials'."
        )
    if application_type == "browser" and auth_method != "none":
        problems["token_endpoint_auth_method"] = (
            "token_endpoint_auth_method: a 'browser' application must use 'none'."
        )

    if problems:
        fields = sorted(problems)
        raise MetadataError(fields, [problems[f] for f in fields])

    known = {
        "client_name",
        "application_type",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "redirect_uris",
        "client_id",
        "client_secret",
        "client_id_issued_at",
        "client_secret_expires_at",
    }
    extra = {
        k: v
        for k, v in body.items()
        if k not in known and k in ("client_uri", "logo_uri", "policy_uri", "tos_uri", "jwks_uri")
    }
    return {
        "client_name": name.strip(),
        "application_type": application_type,
        "token_endpoint_auth_method": auth_method,
        "grant_types": grants,
        "response_types": responses,
        "redirect_uris": redirects,
        "extra": extra,
    }


def new_client(metadata: dict[str, Any]) -> tuple[RegisteredClient, str | None]:
    """A client with a fresh Okta-style id and, for confidential clients, a secret."""
    client = RegisteredClient(
        client_id=okta_id("0oa"),
        client_id_issued_at=int(time.time()),
        **metadata,
    )
    secret = None if client.is_public else secrets.token_urlsafe(30)
    return client, secret
