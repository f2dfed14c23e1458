"""What every rule reads with: resource types, Kong/Okta constants, and value helpers.

Every rule reads resource properties through `plain()`, which turns preview-time unknowns into
`UNKNOWN`: a rule that cannot decide on an unknown value passes, only what is known to be wrong is
reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import ResourceValidationArgs, StackValidationArgs, proxy
from pulumi_policy.proxy import UnknownValueError
from pulumi_policy.secret import Secret

from providers import kong_kinds as kinds
from providers.kong_kinds import KONG_TYPE_PREFIX, type_token
from providers.settings import OIDC_STANDARD_SCOPES, is_loopback_url

# Resource types as the engine reports them.
KONG = KONG_TYPE_PREFIX
KONG_SERVICE = type_token(kinds.SERVICE)
KONG_ROUTE = type_token(kinds.ROUTE)
KONG_PLUGIN = type_token(kinds.PLUGIN)
KONG_DEVELOPER = type_token(kinds.DEVELOPER)
KONG_APPLICATION = type_token(kinds.APPLICATION)
KONG_APPLICATION_INSTANCE = type_token(kinds.APPLICATION_INSTANCE)
KONG_WORKSPACE_PORTAL = type_token(kinds.WORKSPACE_PORTAL)
CLIENT_REGISTRATION = "pulumi-python:dynamic/identity:ClientRegistration"
OKTA_SERVER = "okta:auth/server:Server"
OKTA_CLAIM = "okta:auth/serverClaim:ServerClaim"
OKTA_SCOPE = "okta:auth/serverScope:ServerScope"
OKTA_POLICY = "okta:auth/serverPolicy:ServerPolicy"
OKTA_POLICY_RULE = "okta:auth/serverPolicyRule:ServerPolicyRule"
OKTA_APP = "okta:app/oAuth:OAuth"
OKTA_AUTH_TYPES = frozenset({OKTA_SERVER, OKTA_CLAIM, OKTA_SCOPE, OKTA_POLICY, OKTA_POLICY_RULE})
IDENTITY_APP_TYPES = frozenset({OKTA_APP, CLIENT_REGISTRATION})

OIDC = "openid-connect"
APP_REG = "application-registration"
CLIENT_ID_EXPRESSION = "app.clientId"
# Scopes every OIDC server has; a client_credentials token needs one that is not among them.
RESERVED_SCOPES = OIDC_STANDARD_SCOPES
# Grant types Okta apps get when `grant_types` is left out (the minimum for the app type).
DEFAULT_GRANTS = {
    "service": ("client_credentials",),
    "web": ("authorization_code",),
    "native": ("authorization_code",),
    "browser": ("authorization_code",),
}
# What the engine sends for a value known only after the deployment, per type.
_UNKNOWN_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)


class _Unknown:
    """A value that is only known after the deployment (an output of another resource)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


def plain(value: Any) -> Any:
    """Plain dicts/lists from policy proxies; unknowns become UNKNOWN, secrets their value."""
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in list(iter(value)):
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items: list[Any] = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def known(value: Any) -> bool:
    """True when the value and everything inside it is known."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(known(v) for v in value.values())
    if isinstance(value, list):
        return all(known(v) for v in value)
    return True


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def prop(props: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """A property by its Python name; Okta resources reach policies camelCased (`grantTypes`)."""
    if name in props:
        return props[name]
    return props.get(_camel(name), default)


def as_list(value: Any) -> list[Any] | None:
    """A list value, None when absent; a scalar becomes a one-element list."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return [value]


def pack_config(args: ResourceValidationArgs | StackValidationArgs, key: str, default: Any) -> Any:
    config = args.get_config() or {}
    return config.get(key, default)


def url_problem(url: Any, *, allow_loopback: bool) -> str | None:
    """Why a URL is not acceptable as https, or None when it is (or is unknown)."""
    if not isinstance(url, str):
        return None
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https":
        return None
    if scheme == "http" and allow_loopback and is_loopback_url(url):
        return None
    if scheme == "http":
        return f"{url!r} is plain http"
    return f"{url!r} is not an https URL"


def find_key(value: Any, key: str, path: str = "config") -> list[str]:
    """Paths of every occurrence of `key` in a nested config."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}"
            if k == key:
                found.append(here)
            found.extend(find_key(v, key, here))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(find_key(v, key, f"{path}[{i}]"))
    return found


def plugin_props(args: ResourceValidationArgs, name: str | None = None) -> dict[str, Any] | None:
    """The plain props of a Kong plugin (of the given name), else None."""
    if args.resource_type != KONG_PLUGIN:
        return None
    props = plain(args.props)
    if name is not None and props.get("name") != name:
        return None
    return props


def plugin_config(props: Mapping[str, Any]) -> dict[str, Any] | None:
    config = props.get("config")
    return config if isinstance(config, dict) else None


def plugin_config_of(args: ResourceValidationArgs, name: str) -> dict[str, Any] | None:
    """The plain config of a Kong plugin of the given name, else None."""
    props = plugin_props(args, name)
    return plugin_config(props) if props else None


def consumer_claim_of(config: Mapping[str, Any]) -> tuple[str, Any]:
    """(key, value) of the consumer claim: `consumer_claims` (Kong 3.14+) or `consumer_claim`."""
    if config.get("consumer_claims") is not None:
        return "consumer_claims", config["consumer_claims"]
    return "consumer_claim", config.get("consumer_claim")
