"""Settings of the Okta-style issuer: authorization servers, claims, scopes, test user."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_SERVER = "default"
DEFAULT_AUDIENCE = "api://default"
DEFAULT_SCOPE = "portal_api"
DEFAULT_CLAIMS = {"application_id": "app.clientId"}
DEFAULT_TEST_USER = "developer@example.com"
# The test user's password for Okta-style headless sign-in (`/api/v1/authn`): a fixed,
# well-known development value, like the API token below.
DEFAULT_TEST_USER_PASSWORD = "sandbox-test-user-password"
# A fixed, well-known development token: the sandbox is never exposed beyond loopback.
DEFAULT_IDP_API_TOKEN = "sandbox-idp-api-token"

OIDC_SCOPES = ("openid", "profile", "email", "address", "phone", "offline_access")

_QUOTED = re.compile(r'^"([^"\\]*)"$')
_APP_EXPRESSIONS = ("app.clientId", "app.id")


class SettingsError(ValueError):
    """A bad issuer setting, with the value and what is expected."""


def check_expression(name: str, expression: str) -> str:
    """Validate an Okta expression of the supported set and return it unchanged."""
    if expression in _APP_EXPRESSIONS or _QUOTED.match(expression):
        return expression
    raise SettingsError(
        f"claim {name!r}: unsupported expression {expression!r}; expected one of "
        f'{", ".join(_APP_EXPRESSIONS)} or a double-quoted string such as "gold"'
    )


def evaluate_expression(expression: str, *, client_id: str) -> str:
    """Evaluate a supported Okta expression for a token issued to ``client_id``."""
    if expression in _APP_EXPRESSIONS:
        # An Okta OIDC app's id and its client_id are the same value.
        return client_id
    match = _QUOTED.match(expression)
    if match is None:
        raise SettingsError(f"unsupported expression {expression!r}")
    return match.group(1)


def parse_claim(spec: str) -> tuple[str, str]:
    """Parse a ``NAME=EXPR`` command-line claim."""
    name, sep, expression = spec.partition("=")
    name = name.strip()
    if not sep or not name:
        raise SettingsError(
            f"claim {spec!r}: expected NAME=EXPRESSION, e.g. application_id=app.clientId"
        )
    reserved = {"iss", "aud", "exp", "iat", "nbf", "jti", "cid", "uid", "scp", "sub", "ver"}
    if name in reserved:
        raise SettingsError(f"claim {name!r} is reserved by the token format; choose another name")
    return name, check_expression(name, expression.strip())


@dataclass
class AuthorizationServer:
    """One Okta custom authorization server under ``/oauth2/{name}``."""

    name: str
    audience: str = DEFAULT_AUDIENCE
    scopes: tuple[str, ...] = (DEFAULT_SCOPE,)
    claims: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CLAIMS))
    # what discovery lists (`grant_types_supported`); empty: Okta's list. The token endpoint
    # serves what it serves regardless (Kong's verify_parameters reads only the list).
    grant_types: tuple[str, ...] = ()

    @property
    def scopes_supported(self) -> list[str]:
        return [*OIDC_SCOPES, *(s for s in self.scopes if s not in OIDC_SCOPES)]


@dataclass
class IssuerSettings:
    """Everything the issuer app needs; built from the sandbox command line."""

    servers: dict[str, AuthorizationServer]
    idp_api_token: str = DEFAULT_IDP_API_TOKEN
    test_user: str = DEFAULT_TEST_USER
    token_ttl_seconds: int = 3600
    code_ttl_seconds: int = 60
    test_user_password: str = DEFAULT_TEST_USER_PASSWORD

    @classmethod
    def build(
        cls,
        *,
        extra_servers: tuple[str, ...] | list[str] = (),
        claims: tuple[str, ...] | list[str] = (),
        scopes: tuple[str, ...] | list[str] = (),
        idp_api_token: str = DEFAULT_IDP_API_TOKEN,
        test_user: str = DEFAULT_TEST_USER,
        token_ttl_seconds: int = 3600,
        grant_types: tuple[str, ...] | list[str] = (),
    ) -> IssuerSettings:
        """Build settings from command-line style values (``NAME=EXPR`` claims, scope names)."""
        parsed = dict(parse_claim(c) for c in claims) if claims else dict(DEFAULT_CLAIMS)
        scope_names = tuple(scopes) or (DEFAULT_SCOPE,)
        for scope in scope_names:
            if not re.fullmatch(r"[A-Za-z0-9_.:/-]+", scope):
                raise SettingsError(f"scope {scope!r}: use letters, digits and _ . : / - only")
        servers: dict[str, AuthorizationServer] = {}
        for name in (DEFAULT_SERVER, *extra_servers):
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise SettingsError(f"auth server {name!r}: use letters, digits, _ and - only")
            audience = DEFAULT_AUDIENCE if name == DEFAULT_SERVER else f"api://{name}"
            servers[name] = AuthorizationServer(
                name=name,
                audience=audience,
                scopes=scope_names,
                claims=dict(parsed),
                grant_types=tuple(grant_types),
            )
        if not idp_api_token:
            raise SettingsError("idp api token must not be empty")
        return cls(
            servers=servers,
            idp_api_token=idp_api_token,
            test_user=test_user,
            token_ttl_seconds=token_ttl_seconds,
        )
