"""Connection settings for the Kong Admin API and the identity provider, modelled once.

The program validates them as part of the stack settings (`components.settings`), the Kong and
registration providers read them in `configure()`, and the policy pack applies the same
loopback rule. Secrets (`kongAdminToken`, `identityApiToken`) are never part of these models:
the providers read them themselves, so they stay out of every message and of state.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)
from pydantic.alias_generators import to_camel

CONFIG_NAMESPACE = "kong-okta-portal"
# Scopes every OIDC server has; a client_credentials token needs one that is not among them.
OIDC_STANDARD_SCOPES = frozenset(
    {"openid", "profile", "email", "address", "phone", "offline_access", "groups", "device_sso"}
)

KongName = Annotated[str, Field(pattern=r"^[A-Za-z0-9._~-]{1,128}$")]


def is_loopback_host(host: str | None) -> bool:
    """localhost (and *.localhost) or any loopback address (127.0.0.0/8, ::1)."""
    host = (host or "").strip("[]").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname)


def url_problem(url: str, *, what: str, allow_http: bool = False) -> str | None:
    """What is expected of a URL, or None when it is fine: absolute http(s), and plain http
    only to loopback (unless `allow_http`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"an absolute http(s) URL for the {what}"
    if parts.scheme == "http" and not allow_http and not is_loopback_host(parts.hostname):
        return f"an https URL for the {what} (plain http only on loopback)"
    return None


def kong_admin_url(v: str, info: ValidationInfo) -> str:
    """An https Admin API URL (http only on loopback or with allowInsecureHttp), no trailing /."""
    allow = bool(info.data.get("allow_insecure_http"))
    problem = url_problem(v, what="Kong Admin API", allow_http=allow)
    if problem:
        raise ValueError(
            f"{problem}; the admin token would travel unencrypted: use https, or set "
            "kong.allowInsecureHttp: true to accept the risk"
        )
    return v.rstrip("/")


def registration_endpoint_url(v: str | None) -> str | None:
    problem = v and url_problem(v, what="identity provider")
    if problem:
        raise ValueError(problem)
    return v


class ConnectionModel(BaseModel):
    """Stack config objects: camelCase keys, unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=False, frozen=True
    )

    @classmethod
    def keys(cls) -> set[str]:
        return {f.alias or name for name, f in cls.model_fields.items()}


class KongConnection(ConnectionModel):
    """`kong-okta-portal:kong`: where and how to reach the Kong Admin API."""

    # Declared before adminUrl, whose check reads it.
    allow_insecure_http: bool = False
    admin_url: Annotated[str, AfterValidator(kong_admin_url)]
    workspace: KongName | None = None
    tls_verify: bool = True
    ca_bundle: str | None = Field(default=None, min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)


class IdentityConnection(ConnectionModel):
    """The connection part of `kong-okta-portal:identity` (RFC 7591 registration)."""

    registration_endpoint: Annotated[str | None, AfterValidator(registration_endpoint_url)] = None
    tls_verify: bool = True
    ca_bundle: str | None = Field(default=None, min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)


def describe(exc: ValidationError, key: str) -> str:
    """One line per problem: the config key path, the value and what is expected."""
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in (key, *err["loc"]))
        expected = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            expected = "no such key (check the spelling; keys are camelCase)"
        shown = "<not set>" if err["type"] == "missing" else repr(err.get("input"))
        lines.append(f"`{CONFIG_NAMESPACE}:{path}` = {shown}: expected {expected}")
    return "; ".join(lines)


def config_object(raw: Any, key: str) -> dict[str, Any]:
    """A stack config object as the provider's `configure()` sees it (JSON text or a dict)."""
    if raw in (None, ""):
        return {}
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ValueError(
                f"`{CONFIG_NAMESPACE}:{key}` must be a JSON object, got unparsable text ({exc.msg})"
            ) from None
    if not isinstance(value, dict):
        raise ValueError(f"`{CONFIG_NAMESPACE}:{key}` must be a JSON object")
    return value
