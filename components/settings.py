"""Typed stack settings, read from the `kong-okta-portal:` stack config namespace.

A bad value fails here, before any resource is registered, with the config key path, the value
and what is expected. Secrets (`kongAdminToken`, `identityApiToken`) are never part of these
models: the providers read them themselves through `configure()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from providers.settings import (
    OIDC_STANDARD_SCOPES,
    IdentityConnection,
    KongConnection,
    KongName,
    url_problem,
)

PROJECT = "kong-okta-portal"
OBJECT_KEYS = ("identity", "kong", "services", "developers", "split")
SCALAR_KEYS = ("proxyUrl",)
SECRET_KEYS = ("kongAdminToken", "identityApiToken")
# read by `python -m verify` only (its test user), never by the program
VERIFY_KEYS = ("verifyUser", "verifyPassword")
KNOWN_KEYS = frozenset(OBJECT_KEYS + SCALAR_KEYS + SECRET_KEYS + VERIFY_KEYS)

Flow = Literal["client_credentials", "authorization_code", "implicit"]
OktaAppType = Literal["service", "browser", "native", "web"]
BROWSER_FLOWS = frozenset({"authorization_code", "implicit"})
# which Okta app types can carry each flow (the first is the default)
APP_TYPES_BY_FLOW: dict[str, tuple[str, ...]] = {
    "client_credentials": ("service",),
    "authorization_code": ("web", "native", "browser"),
    "implicit": ("browser", "web", "native"),
}
RESERVED_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cid", "uid", "scp", "ver", "auth_time"}
)
# openid-connect fields the gateway component sets itself; `extra` must not override them
MANAGED_OIDC_FIELDS = frozenset(
    {
        "issuer",
        "consumer_claim",
        "consumer_claims",
        "consumer_by",
        "auth_methods",
        "scopes_required",
        "audience_required",
    }
)
OIDC_AUTH_METHODS = (
    "password",
    "client_credentials",
    "authorization_code",
    "bearer",
    "introspection",
    "userinfo",
    "kong_oauth2",
    "refresh_token",
    "session",
)
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)

ClaimName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
ScopeName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/-]{1,256}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Path = Annotated[str, Field(pattern=r"^/[^\s]*$")]


# Checks beyond a field's type. Plain functions (not methods) so that each can be read, tested
# and mutated on its own; pydantic calls them through the annotated types below.
def not_reserved_claim(v: str) -> str:
    if v in RESERVED_CLAIMS:
        raise ValueError(f"a custom claim name, not the reserved token claim {v!r}")
    return v


def custom_scopes(v: list[str]) -> list[str]:
    standard = [s for s in v if s in OIDC_STANDARD_SCOPES]
    if standard:
        raise ValueError(
            f"custom scopes only (client_credentials needs one); {standard} are OIDC scopes"
        )
    return each_once("scope")(v)


def http_methods(v: list[str] | None) -> list[str] | None:
    if v is not None:
        bad = [m for m in v if m not in HTTP_METHODS]
        if bad:
            raise ValueError(f"upper-case HTTP methods from {sorted(HTTP_METHODS)}; got {bad}")
    return v


def oidc_extra_not_managed(v: dict[str, Any]) -> dict[str, Any]:
    clash = sorted(MANAGED_OIDC_FIELDS & set(v))
    if clash:
        raise ValueError(
            f"other openid-connect fields only; {clash} are set by the program "
            "(issuer and claim come from the identity provider; use the dedicated keys)"
        )
    return v


def contract_shorthand(v: Any) -> Any:
    """ "orders" is shorthand for {service: orders, status: approved}."""
    if isinstance(v, list):
        return [{"service": x} if isinstance(x, str) else x for x in v]
    return v


def each_once(what: str) -> Callable[[list[str]], list[str]]:
    def check(v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"each {what} once")
        return v

    return check


class _Model(BaseModel):
    """Our own keys are camelCase in stack config; unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=False, frozen=True
    )


class _KongFieldsModel(BaseModel):
    """Blocks that carry Kong plugin fields use Kong's own (snake_case) names."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthServerSettings(_Model):
    name: str = Field(default="default", min_length=1, max_length=128)
    description: str | None = None
    audiences: list[str] | None = None

    @property
    def is_default(self) -> bool:
        return self.name == "default"


class OktaAdoptSettings(_Model):
    """okta: the Okta ids of an authorization server set up by hand, imported (never created)."""

    server_id: str | None = Field(default=None, min_length=1)  # a custom server (not default)
    claim_id: str | None = Field(default=None, min_length=1)
    scope_ids: dict[str, str] = Field(default_factory=dict)  # scope name -> Okta scope id
    policy_id: str | None = Field(default=None, min_length=1)
    rule_ids: dict[str, str] = Field(default_factory=dict)  # flow -> Okta policy rule id


class IdentitySettings(IdentityConnection):
    """Where tokens come from; the connection keys (registrationEndpoint, TLS, timeout) are
    the registration provider's own model."""

    provider: Literal["okta", "dcr"]
    auth_server: AuthServerSettings = AuthServerSettings()
    claim_name: Annotated[ClaimName, AfterValidator(not_reserved_claim)] = "application_id"
    claim_value: str = Field(default="app.clientId", min_length=1)
    scopes: Annotated[list[ScopeName], AfterValidator(custom_scopes)] = Field(
        default_factory=lambda: ["portal_api"], min_length=1
    )
    issuer: str | None = None
    # okta: an authorization server set up by hand (written by `python -m discover`)
    adopt: OktaAdoptSettings | None = None


# The Kong provider reads the same object in its configure(): one model for both.
KongSettings = KongConnection


class RouteSettings(_Model):
    name: KongName | None = None  # default `<service>-route`; discovery keeps a found name
    paths: list[Path] | None = None
    hosts: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9.*-]{1,253}$")]] | None = None
    methods: Annotated[list[str] | None, AfterValidator(http_methods)] = None
    protocols: list[Literal["http", "https"]] = Field(default_factory=lambda: ["http", "https"])
    strip_path: bool = True


class OpenIdConnectSettings(_KongFieldsModel):
    auth_methods: list[Literal[OIDC_AUTH_METHODS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["bearer"], min_length=1
    )
    scopes_required: list[str] | None = None
    audience_required: list[str] | None = None
    extra: Annotated[dict[str, Any], AfterValidator(oidc_extra_not_managed)] = Field(
        default_factory=dict
    )


class ApplicationRegistrationSettings(_KongFieldsModel):
    display_name: str | None = Field(default=None, min_length=1)
    description: str | None = None
    auto_approve: bool = False
    show_issuer: bool = False


class ServiceSettings(_Model):
    name: KongName
    url: str
    route: RouteSettings
    openid_connect: OpenIdConnectSettings = OpenIdConnectSettings()
    application_registration: ApplicationRegistrationSettings = ApplicationRegistrationSettings()
    # adopt the existing service, route and plugins (found by name / scope) instead of refusing
    adopt: bool = False

    @property
    def route_name(self) -> str:
        return self.route.name or f"{self.name}-route"

    @property
    def display_name(self) -> str:
        return self.application_registration.display_name or self.name


class ContractSettings(_Model):
    service: KongName
    # rejected and revoked exist so that discovered contracts can be adopted as they are
    status: Literal["approved", "pending", "rejected", "revoked"] = "approved"


class AppSettings(_Model):
    name: KongName
    flow: Flow
    okta_app_type: OktaAppType | None = None
    description: str | None = None
    redirect_uris: list[str] = Field(default_factory=list)
    services: Annotated[list[ContractSettings], BeforeValidator(contract_shorthand)] = Field(
        default_factory=list
    )
    # adopt the existing portal application (found by Reference Id) and its contracts
    adopt: bool = False
    # an identity client that already exists (the app's Reference Id): adopted, not registered
    client_id: str | None = Field(default=None, min_length=1)
    # okta: the Okta app id to import, when it is not the client id
    okta_app_id: str | None = Field(default=None, min_length=1)

    @property
    def app_type(self) -> str:
        return self.okta_app_type or APP_TYPES_BY_FLOW[self.flow][0]


class DeveloperSettings(_Model):
    email: Email
    full_name: str = Field(min_length=1, max_length=256)
    apps: list[AppSettings] = Field(default_factory=list)
    adopt: bool = False


# A stack reference as the file backend and Pulumi Cloud both spell it: organization/project/stack
# (the file backend's organization is always `organization`).
StackName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]


class GatewaySplit(_Model):
    """A gateway stack: identity's shared side and the Kong services; no developers."""

    role: Literal["gateway"]
    # the flows its portal stacks' apps may use (okta: one access-policy rule each)
    flows: Annotated[list[Flow], AfterValidator(each_once("flow"))] = Field(
        default_factory=lambda: ["client_credentials", "authorization_code"], min_length=1
    )


class PortalSplit(_Model):
    """A portal stack: developers and their apps, against the services of a gateway stack."""

    role: Literal["portal"]
    gateway_stack: StackName


# the identity keys that belong to the gateway stack (the shared side of the identity provider)
GATEWAY_IDENTITY_KEYS = ("auth_server", "claim_name", "claim_value", "scopes", "adopt")


class StackSettings(_Model):
    identity: IdentitySettings
    kong: KongSettings
    proxy_url: str
    services: list[ServiceSettings] = Field(min_length=1)
    developers: list[DeveloperSettings] = Field(default_factory=list)
    # one stack (None), or one side of a portal split across stacks
    split: Annotated[GatewaySplit | PortalSplit, Field(discriminator="role")] | None = None

    @property
    def role(self) -> str:
        """single, gateway or portal."""
        return self.split.role if self.split is not None else "single"

    @property
    def gateway_stack(self) -> str | None:
        return self.split.gateway_stack if isinstance(self.split, PortalSplit) else None

    def apps(self) -> list[tuple[DeveloperSettings, AppSettings]]:
        return [(d, a) for d in self.developers for a in d.apps]

    def service(self, name: str) -> ServiceSettings:
        return next(s for s in self.services if s.name == name)


@dataclass(frozen=True)
class Problem:
    path: str
    value: Any
    expected: str

    def render(self) -> str:
        shown = _show(self.value)
        return f"{self.path} = {shown}: expected {self.expected}"


class SettingsError(ValueError):
    """Every invalid setting, each with its config key path, value and expectation."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p.render()}" for p in problems)
        super().__init__(
            f"invalid stack settings ({len(problems)} problem{'s' if len(problems) > 1 else ''}):"
            f"\n{lines}\nFix the stack config (pulumi config set --path ...) and run again."
        )


class _Missing:
    def __repr__(self) -> str:
        return "<not set>"


MISSING = _Missing()


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _key_path(loc: tuple[int | str, ...]) -> str:
    head, *rest = loc
    out = f"{PROJECT}:{head}"
    for part in rest:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _identity_problems(idn: IdentitySettings) -> list[Problem]:
    base = f"{PROJECT}:identity"
    problems: list[Problem] = []
    if idn.provider == "dcr":
        if idn.issuer is None:
            problems.append(Problem(f"{base}.issuer", MISSING, "the issuer URL for dcr"))
        if idn.adopt is not None:
            problems.append(
                Problem(
                    f"{base}.adopt",
                    idn.adopt.model_dump(by_alias=True, exclude_none=True),
                    "no identity.adopt with provider dcr (adopted clients are apps[].clientId)",
                )
            )
        if idn.auth_server != AuthServerSettings():
            problems.append(
                Problem(
                    f"{base}.authServer",
                    idn.auth_server.model_dump(by_alias=True, exclude_none=True),
                    "no authServer with provider dcr (the issuer is given as identity.issuer)",
                )
            )
    else:
        # the dcr keys: with okta, the issuer comes from the auth server
        for name in ("issuer", *IdentityConnection.model_fields):
            if name in idn.model_fields_set:
                problems.append(
                    Problem(
                        f"{base}.{to_camel(name)}",
                        getattr(idn, name),
                        "no value with provider okta (the issuer comes from the auth server)",
                    )
                )
        problems += _auth_server_problems(idn.auth_server)
    if idn.issuer is not None:
        problems += _url_problems(f"{base}.issuer", [idn.issuer], what="identity provider")
    return problems


def _auth_server_problems(srv: AuthServerSettings) -> list[Problem]:
    if srv.is_default and (srv.audiences is not None or srv.description is not None):
        return [
            Problem(
                f"{PROJECT}:identity.authServer",
                srv.model_dump(by_alias=True, exclude_none=True),
                "description/audiences only for a created server (name other than 'default')",
            )
        ]
    if not srv.is_default and srv.audiences is not None and len(srv.audiences) != 1:
        return [
            Problem(
                f"{PROJECT}:identity.authServer.audiences",
                srv.audiences,
                "exactly one audience (Okta takes one)",
            )
        ]
    return []


def _url_problems(path: str, urls: list[str], *, what: str, indexed: bool = False) -> list[Problem]:
    problems = []
    for i, url in enumerate(urls):
        expected = url_problem(url, what=what)
        if expected:
            problems.append(Problem(f"{path}[{i}]" if indexed else path, url, expected))
    return problems


def _service_problems(services: list[ServiceSettings]) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, int] = {}
    routed: dict[tuple[str, str, str], str] = {}
    for i, svc in enumerate(services):
        base = f"{PROJECT}:services[{i}]"
        if svc.name in first:
            problems.append(
                Problem(
                    f"{base}.name", svc.name, f"a unique name (also services[{first[svc.name]}])"
                )
            )
        first.setdefault(svc.name, i)
        problems += _url_problems(f"{base}.url", [svc.url], what="upstream")
        problems += _route_problems(base, svc.name, svc.route, routed)
    return problems


def _route_problems(
    base: str, service: str, route: RouteSettings, routed: dict[tuple[str, str, str], str]
) -> list[Problem]:
    """A route must match something, and no path (per host and method) routes to two services."""
    problems: list[Problem] = []
    if not (route.paths or route.hosts or route.methods):
        problems.append(
            Problem(
                f"{base}.route",
                route.model_dump(by_alias=True, exclude_none=True),
                "at least one of paths, hosts, methods (Kong needs one for http routes)",
            )
        )
    for path in route.paths or []:
        for host in route.hosts or ["*"]:
            for method in route.methods or ["*"]:
                other = routed.setdefault((path, host, method), service)
                if other != service:
                    problems.append(
                        Problem(
                            f"{base}.route.paths",
                            route.paths,
                            f"paths not already routed to service {other!r}",
                        )
                    )
    return problems


def developer_key(email: str) -> str:
    """The developer's part of its objects' resource names: the email, lower-case, slugged."""
    return re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")


def _developer_problems(
    developers: list[DeveloperSettings], services: set[str] | None
) -> list[Problem]:
    """`services` None: not known yet (a portal stack's come from its gateway stack)."""
    problems: list[Problem] = []
    emails: dict[str, int] = {}
    keys: dict[str, int] = {}
    app_paths: dict[str, str] = {}
    for i, dev in enumerate(developers):
        base = f"{PROJECT}:developers[{i}]"
        email = dev.email.lower()
        if email in emails:
            problems.append(
                Problem(
                    f"{base}.email", dev.email, f"a unique email (also developers[{emails[email]}])"
                )
            )
        emails.setdefault(email, i)
        # two addresses that slug alike would give their objects the same resource names
        key = developer_key(dev.email)
        if key in keys and emails.get(email) != keys[key]:
            problems.append(
                Problem(
                    f"{base}.email",
                    dev.email,
                    f"an email whose resource names differ from developers[{keys[key]}]'s "
                    f"(both are {key!r}: letters and digits alone tell developers apart)",
                )
            )
        keys.setdefault(key, i)
        for j, app in enumerate(dev.apps):
            app_path = f"{base}.apps[{j}]"
            if app.name in app_paths:
                problems.append(
                    Problem(
                        f"{app_path}.name",
                        app.name,
                        f"an app name unique in the stack ({app_paths[app.name]})",
                    )
                )
            app_paths.setdefault(app.name, app_path)
            problems += _app_problems(app_path, app, services)
    return problems


def _app_problems(app_path: str, app: AppSettings, services: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    allowed = APP_TYPES_BY_FLOW[app.flow]
    if app.okta_app_type is not None and app.okta_app_type not in allowed:
        problems.append(
            Problem(
                f"{app_path}.oktaAppType",
                app.okta_app_type,
                f"one of {list(allowed)} for flow {app.flow}",
            )
        )
    if app.flow in BROWSER_FLOWS and not app.redirect_uris:
        problems.append(
            Problem(
                f"{app_path}.redirectUris",
                app.redirect_uris,
                f"at least one redirect URI for flow {app.flow}",
            )
        )
    if app.flow == "client_credentials" and app.redirect_uris:
        problems.append(
            Problem(
                f"{app_path}.redirectUris",
                app.redirect_uris,
                "no redirect URIs for flow client_credentials (no browser is involved)",
            )
        )
    problems += _url_problems(
        f"{app_path}.redirectUris", app.redirect_uris, what="redirect URI", indexed=True
    )
    if app.okta_app_id is not None and app.client_id is None:
        problems.append(
            Problem(
                f"{app_path}.oktaAppId",
                app.okta_app_id,
                "no value without clientId: it names the Okta app of an adopted client "
                "(set clientId to the app's client id as well)",
            )
        )
    contracted: set[str] = set()
    for k, contract in enumerate(app.services):
        path = f"{app_path}.services[{k}].service"
        if services is not None and contract.service not in services:
            problems.append(
                Problem(path, contract.service, f"one of the stack's services {sorted(services)}")
            )
        if contract.service in contracted:
            problems.append(Problem(path, contract.service, "each service once per app"))
        contracted.add(contract.service)
    return problems


def _cross_checks(settings: StackSettings) -> list[Problem]:
    """What one key alone cannot tell: provider-specific keys, URLs, uniqueness, references."""
    if settings.role == "portal":
        # its services are the gateway stack's: contracts are checked against its exports
        return [
            *_identity_problems(settings.identity),
            *_portal_identity_problems(settings.identity),
            *_developer_problems(settings.developers, None),
        ]
    problems = [
        *_identity_problems(settings.identity),
        *_url_problems(f"{PROJECT}:proxyUrl", [settings.proxy_url], what="Kong proxy"),
        *_service_problems(settings.services),
        *_developer_problems(settings.developers, {svc.name for svc in settings.services}),
    ]
    if isinstance(settings.split, GatewaySplit):
        # A gateway stack may keep developers of its own (a big stack on its way to being
        # split), held to the flows its access policy grants, as its portal stacks are.
        for i, dev in enumerate(settings.developers):
            for j, app in enumerate(dev.apps):
                if app.flow not in settings.split.flows:
                    problems.append(
                        Problem(
                            f"{PROJECT}:developers[{i}].apps[{j}].flow",
                            app.flow,
                            f"one of the flows of {PROJECT}:split.flows {settings.split.flows}",
                        )
                    )
    return problems


def _plain(value: Any) -> Any:
    """A settings block as the stack config spells it (camelCase keys), any other value as is."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True)
    return value


def _portal_identity_problems(idn: IdentitySettings) -> list[Problem]:
    """The identity provider's shared side is the gateway stack's, never a portal stack's."""
    return [
        Problem(
            f"{PROJECT}:identity.{to_camel(key)}",
            _plain(getattr(idn, key)),
            "no value in a portal stack (split.role portal): the gateway stack sets it",
        )
        for key in GATEWAY_IDENTITY_KEYS
        if key in idn.model_fields_set
    ]


# keys Pulumi.yaml gives an empty default, so that a portal stack may leave them out
OPTIONAL_IN_PROJECT = ("split", "services", "proxyUrl")
# the keys a portal stack takes from its gateway stack instead
PORTAL_OMITS = ("services", "proxyUrl")
# a portal stack's stand-ins for the two required keys it never reads
_PORTAL_PLACEHOLDER: dict[str, Any] = {"services": [], "proxyUrl": ""}


def parse_settings(raw: Mapping[str, Any]) -> StackSettings:
    """Validate the namespace's values (keys without the `kong-okta-portal:` prefix)."""
    problems: list[Problem] = []
    unknown = sorted(set(raw) - KNOWN_KEYS)
    for key in unknown:
        problems.append(
            Problem(f"{PROJECT}:{key}", raw[key], f"a known key: one of {sorted(KNOWN_KEYS)}")
        )
    # The project's defaults for keys a stack leaves unset (Pulumi.yaml): {} / [] / "".
    data = {
        k: v
        for k, v in raw.items()
        if k in OBJECT_KEYS + SCALAR_KEYS and not (k in OPTIONAL_IN_PROJECT and v in ({}, [], ""))
    }
    split = data.get("split")
    if isinstance(split, dict) and split.get("role") == "portal":
        for key in PORTAL_OMITS:
            if key in data:
                problems.append(
                    Problem(
                        f"{PROJECT}:{key}",
                        data[key],
                        "no value in a portal stack (split.role portal): it comes from the "
                        "gateway stack (split.gatewayStack)",
                    )
                )
        data.update(_PORTAL_PLACEHOLDER)
        validator = _PortalStackSettings
    else:
        validator = StackSettings
    try:
        settings = validator.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"] or ("?",)
            if loc[:1] == ("split",) and loc[1:2] in (("gateway",), ("portal",)):
                loc = (loc[0], *loc[2:])  # pydantic names the role it tried; the key has none
            value = MISSING if err["type"] == "missing" else err.get("input")
            expected = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                expected = "no such key (check the spelling; keys are camelCase)"
            elif err["type"] == "missing":
                expected = "a value (required)"
            problems.append(Problem(_key_path(tuple(loc)), value, expected))
        raise SettingsError(problems) from None
    problems.extend(_cross_checks(settings))
    if problems:
        raise SettingsError(problems)
    return settings


class _PortalStackSettings(StackSettings):
    """A portal stack's settings: no services or proxy URL of its own (the gateway's)."""

    services: list[ServiceSettings] = Field(default_factory=list, max_length=0)


@dataclass(frozen=True)
class GatewayExports:
    """What a gateway stack exports for its portal stacks (`portalGateway`), read back."""

    provider: str
    issuer: str
    token_endpoint: str
    scopes: list[str]
    claim_name: str
    workspace: str
    flows: list[str]
    service_ids: dict[str, str]
    endpoints: dict[str, dict[str, Any]]
    # per service: its Kong id and the plugins the gateway stack put on it
    services: dict[str, dict[str, Any]]

    @classmethod
    def from_output(cls, value: Mapping[str, Any]) -> GatewayExports:
        services = value["services"]
        return cls(
            provider=value["provider"],
            issuer=value["issuer"],
            token_endpoint=value["tokenEndpoint"],
            scopes=list(value["scopes"]),
            claim_name=value["claimName"],
            workspace=value["workspace"],
            flows=list(value["flows"]),
            service_ids={name: svc["id"] for name, svc in services.items()},
            endpoints={name: svc["endpoint"] for name, svc in services.items()},
            services={
                name: {"id": svc["id"], "plugins": list(svc.get("plugins") or [])}
                for name, svc in services.items()
            },
        )


def check_against_gateway(settings: StackSettings, gateway: GatewayExports) -> None:
    """A portal stack's settings against what its gateway stack exports: every contract names
    a service it exports, every app's flow is one it enables, and the identity provider, its
    issuer and the Kong workspace are the same. Raises SettingsError listing every problem."""
    ref = f"the gateway stack {settings.gateway_stack}"
    problems: list[Problem] = []
    idn = settings.identity
    if idn.provider != gateway.provider:
        problems.append(
            Problem(f"{PROJECT}:identity.provider", idn.provider, f"{gateway.provider!r} as {ref}")
        )
    elif idn.issuer is not None and idn.issuer.rstrip("/") != gateway.issuer.rstrip("/"):
        problems.append(
            Problem(f"{PROJECT}:identity.issuer", idn.issuer, f"{gateway.issuer!r}, {ref}'s issuer")
        )
    if (settings.kong.workspace or "default") != gateway.workspace:
        problems.append(
            Problem(
                f"{PROJECT}:kong.workspace",
                settings.kong.workspace or "default",
                f"{gateway.workspace!r}, the workspace of {ref}",
            )
        )
    exported = sorted(gateway.service_ids)
    for i, dev in enumerate(settings.developers):
        for j, app in enumerate(dev.apps):
            app_path = f"{PROJECT}:developers[{i}].apps[{j}]"
            if app.flow not in gateway.flows:
                problems.append(
                    Problem(
                        f"{app_path}.flow",
                        app.flow,
                        f"one of the flows {ref} enables {gateway.flows} "
                        "(its kong-okta-portal:split.flows)",
                    )
                )
            for k, contract in enumerate(app.services):
                if contract.service not in gateway.service_ids:
                    problems.append(
                        Problem(
                            f"{app_path}.services[{k}].service",
                            contract.service,
                            f"one of the services {ref} exports {exported}",
                        )
                    )
    if problems:
        raise SettingsError(problems)


def load_settings() -> StackSettings:
    """Read and validate the stack's `kong-okta-portal:` config (call from the program)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    cfg = pulumi.Config(PROJECT)
    present = {
        k.split(":", 1)[1]
        for k in {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
        if k.startswith(PROJECT + ":")
    }
    raw: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in sorted(present | set(OBJECT_KEYS + SCALAR_KEYS)):
        if key in SECRET_KEYS or key in VERIFY_KEYS:
            continue
        value = cfg.get(key)
        if value is None:
            continue
        if key in OBJECT_KEYS:
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem(f"{PROJECT}:{key}", value, f"a YAML/JSON structure ({exc})")
                )
                continue
        raw[key] = value
    if problems:
        raise SettingsError(problems)
    return parse_settings(raw)
