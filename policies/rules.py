"""Guard rails for Kong portal application auth with Okta/OIDC, as pulumi-policy policies.

Importable without side effects (constructing a `PolicyPack` starts a server and blocks, so only
`policies/__main__.py` does that). Every rule reads resource properties through `plain()`, which
turns preview-time unknowns into `UNKNOWN`: a rule that cannot decide on an unknown value passes,
only what is known to be wrong is reported.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError
from pulumi_policy.secret import Secret

# Resource types as the engine reports them.
KONG = "pulumi-python:dynamic/kong:"
KONG_SERVICE = KONG + "Service"
KONG_ROUTE = KONG + "Route"
KONG_PLUGIN = KONG + "Plugin"
KONG_DEVELOPER = KONG + "Developer"
KONG_APPLICATION = KONG + "Application"
KONG_APPLICATION_INSTANCE = KONG + "ApplicationInstance"
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
RESERVED_SCOPES = frozenset(
    {"openid", "profile", "email", "address", "phone", "offline_access", "device_sso", "groups"}
)
# Grant types Okta apps get when `grant_types` is left out (the minimum for the app type).
DEFAULT_GRANTS = {
    "service": ("client_credentials",),
    "web": ("authorization_code",),
    "native": ("authorization_code",),
    "browser": ("authorization_code",),
}
_UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
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


# --------------------------------------------------------------------------- value helpers


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


def _config(args: ResourceValidationArgs | StackValidationArgs, key: str, default: Any) -> Any:
    config = args.get_config() or {}
    return config.get(key, default)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_problem(url: Any, *, allow_loopback: bool) -> str | None:
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


def _find_key(value: Any, key: str, path: str = "config") -> list[str]:
    """Paths of every occurrence of `key` in a nested config."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}"
            if k == key:
                found.append(here)
            found.extend(_find_key(v, key, here))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(_find_key(v, key, f"{path}[{i}]"))
    return found


def _plugin(args: ResourceValidationArgs, name: str | None = None) -> dict[str, Any] | None:
    """The plain props of a Kong plugin (of the given name), else None."""
    if args.resource_type != KONG_PLUGIN:
        return None
    props = plain(args.props)
    if name is not None and props.get("name") != name:
        return None
    return props


def _plugin_config(props: Mapping[str, Any]) -> dict[str, Any] | None:
    config = props.get("config")
    return config if isinstance(config, dict) else None


def consumer_claim_of(config: Mapping[str, Any]) -> tuple[str, Any]:
    """(key, value) of the consumer claim: `consumer_claims` (Kong 3.14+) or `consumer_claim`."""
    if config.get("consumer_claims") is not None:
        return "consumer_claims", config["consumer_claims"]
    return "consumer_claim", config.get("consumer_claim")


# --------------------------------------------------------------------------- stack index


@dataclass
class Res:
    """One resource of the stack, with plain props and its per-property dependencies (URNs)."""

    type: str
    urn: str
    name: str
    props: dict[str, Any]
    deps: dict[str, list[str]] = field(default_factory=dict)


class Stack:
    """The resources a stack policy sees, indexed by type, with references resolved."""

    def __init__(self, resources: Iterable[Any]) -> None:
        self.resources: list[Res] = []
        for r in resources:
            deps = {
                key: [d.urn for d in (value or [])]
                for key, value in (getattr(r, "property_dependencies", None) or {}).items()
            }
            self.resources.append(Res(r.resource_type, r.urn, r.name, plain(r.props), deps))
        self.by_urn = {r.urn: r for r in self.resources}

    def of(self, *types: str) -> list[Res]:
        return [r for r in self.resources if r.type in types]

    def plugins(self, name: str) -> list[Res]:
        return [r for r in self.of(KONG_PLUGIN) if r.props.get("name") == name]

    def ref(self, res: Res, key: str, target_type: str) -> str | None:
        """A stable key for the resource `res.props[key]` points at, None when it can't be known.

        At preview the referenced `kong_id` is unknown, but the property dependency names the
        resource; after a deployment the id itself matches the target's `kong_id`.
        """
        for urn in res.deps.get(key, []):
            dep = self.by_urn.get(urn)
            if dep is not None and dep.type == target_type:
                return urn
        value = res.props.get(key)
        if not isinstance(value, str):
            return None
        for target in self.of(target_type):
            if target.props.get("kong_id") == value:
                return target.urn
        return f"id:{value}"

    def service_of_plugin(self, plugin: Res) -> str | None:
        """The service a plugin applies to (directly, or through its route); None if unknown."""
        if plugin.props.get("service_id") is not None or plugin.deps.get("service_id"):
            return self.ref(plugin, "service_id", KONG_SERVICE)
        if plugin.props.get("route_id") is not None or plugin.deps.get("route_id"):
            route_key = self.ref(plugin, "route_id", KONG_ROUTE)
            route = self.by_urn.get(route_key or "")
            return self.ref(route, "service_id", KONG_SERVICE) if route else None
        return None

    def manages_okta_auth_server(self) -> bool:
        return bool(self.of(*OKTA_AUTH_TYPES))


def _stack(args: StackValidationArgs) -> Stack:
    return Stack(args.resources)


# --------------------------------------------------------------------------- 1. verify_parameters


def validate_oidc_verify_parameters(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args, OIDC)
    config = _plugin_config(props) if props else None
    if config is None:
        return
    value = config.get("verify_parameters")
    if value is UNKNOWN or value is False:
        return
    shown = "not set" if value is None else repr(value)
    report(
        f"openid-connect plugin {args.name!r}: config.verify_parameters is {shown}. Set "
        "config.verify_parameters to false (openid_connect(verify_parameters=False)): Okta's "
        "discovery document omits grant types it supports, so verification rejects valid tokens "
        "with 'invalid or unsupported grant type'.",
        None,
    )


def remediate_oidc_verify_parameters(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """Props with config.verify_parameters=false, keeping every other value (and secret) as is."""
    props = _plugin(args, OIDC)
    config = _plugin_config(props) if props else None
    if config is None or config.get("verify_parameters") is False:
        return None
    if config.get("verify_parameters") is UNKNOWN:
        return None
    raw = _raw(args.props)
    new_props = {key: raw[key] for key in raw}
    raw_config = new_props["config"]
    was_secret = isinstance(raw_config, Secret)
    inner = _raw(raw_config.value if was_secret else raw_config)
    new_config = {key: inner[key] for key in inner}
    new_config["verify_parameters"] = False
    new_props["config"] = Secret(new_config) if was_secret else new_config
    return new_props


def _raw(mapping: Any) -> Mapping[str, Any]:
    """The dict under a policy proxy (values keep unknown sentinels and secret markers)."""
    if isinstance(mapping, dict):
        return mapping
    try:
        return mapping["__target"]
    except KeyError:
        return mapping


# --------------------------------------------------------------------------- 2. claim path, typo


def validate_oidc_consumer_claim(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args, OIDC)
    config = _plugin_config(props) if props else None
    if config is None:
        return
    key, claim = consumer_claim_of(config)
    if claim is UNKNOWN:
        return
    if claim is None:
        report(
            f"openid-connect plugin {args.name!r}: config.consumer_claim is not set, so no token "
            "maps to a portal application and every call is refused. Set config.consumer_claim to "
            'the Okta claim that carries the client id, e.g. ["application_id"].',
            None,
        )
        return
    if isinstance(claim, str):
        report(
            f"openid-connect plugin {args.name!r}: config.{key} is the string {claim!r}; the Admin "
            f"API only accepts an array (a claim path). Use [{claim!r}].",
            None,
        )
        return
    if not isinstance(claim, list) or not claim:
        report(
            f"openid-connect plugin {args.name!r}: config.{key} must be a one-element list naming "
            'the Okta claim, e.g. ["application_id"].',
            None,
        )
        return
    if len(claim) > 1:
        report(
            f"openid-connect plugin {args.name!r}: config.{key} is {claim!r}, which Kong reads as "
            f"the nested path {'.'.join(map(str, claim))} (a claim inside a claim), not as "
            f"alternatives. Use one element: [{claim[-1]!r}].",
            None,
        )


def validate_no_verify_credentials(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args)
    if props is None:
        return
    paths = _find_key(props.get("config"), "verify_credentials")
    if paths:
        report(
            f"plugin {args.name!r} ({props.get('name')}): {', '.join(paths)} is not a Kong field "
            "(a typo in the guide's sample; the Admin API answers 'unknown field'). Remove it; the "
            "intended setting is config.verify_parameters = false.",
            None,
        )


# --------------------------------------------------------------------------- 3. issuer, consumer_by


def validate_oidc_issuer_https(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args, OIDC)
    config = _plugin_config(props) if props else None
    if config is None:
        return
    issuer = config.get("issuer")
    if issuer is None:
        report(
            f"openid-connect plugin {args.name!r}: config.issuer is required; set it to the "
            "authorization server's issuer URL.",
            None,
        )
        return
    problem = _url_problem(issuer, allow_loopback=bool(_config(args, "allowLoopback", True)))
    if problem:
        report(
            f"openid-connect plugin {args.name!r}: config.issuer {problem}. Use the https issuer "
            "of the authorization server (e.g. https://<org>.okta.com/oauth2/default); plain http "
            "is only accepted for a loopback sandbox.",
            None,
        )


def validate_oidc_consumer_by(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args, OIDC)
    config = _plugin_config(props) if props else None
    if config is None:
        return
    consumer_by = config.get("consumer_by")
    if consumer_by is None or not known(consumer_by):
        return  # Kong's default ["username", "custom_id"] includes custom_id
    if "custom_id" not in as_list(consumer_by):  # type: ignore[operator]
        report(
            f"openid-connect plugin {args.name!r}: config.consumer_by is {consumer_by!r}; portal "
            'applications are found by their Reference Id (custom_id). Add "custom_id", e.g. '
            'consumer_by: ["custom_id"].',
            None,
        )


def _norm_issuer(url: str) -> str:
    return url.rstrip("/")


def validate_oidc_issuer_matches_identity(
    args: StackValidationArgs, report: ReportViolation
) -> None:
    stack = _stack(args)
    issuers: set[str] = set()
    for res in stack.of(CLIENT_REGISTRATION, OKTA_SERVER):
        issuer = res.props.get("issuer")
        if issuer is UNKNOWN or (res.type == OKTA_SERVER and issuer is None):
            return  # an identity issuer we can't see yet may be the one the plugin names
        if isinstance(issuer, str):
            issuers.add(_norm_issuer(issuer))
    if not issuers:
        return
    for plugin in stack.plugins(OIDC):
        config = plugin.props.get("config")
        issuer = config.get("issuer") if isinstance(config, dict) else None
        if isinstance(issuer, str) and _norm_issuer(issuer) not in issuers:
            report(
                f"openid-connect plugin {plugin.name!r}: config.issuer {issuer!r} is not the "
                f"issuer of this stack's identity component ({', '.join(sorted(issuers))}). "
                "Wire the plugin's issuer from the identity component so tokens and claims come "
                "from the same authorization server.",
                plugin.urn,
            )


# --------------------------------------------------------------------------- 4. app registration


def validate_app_registration_scope(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args, APP_REG)
    if props is None:
        return
    wrong = [k for k in ("route_id", "consumer_id") if props.get(k) not in (None, UNKNOWN)]
    if wrong:
        report(
            f"application-registration plugin {args.name!r}: scoped by {', '.join(wrong)}; Kong "
            "only accepts it on a service. Remove the route/consumer scope and set service_id.",
            None,
        )
    if "service_id" not in props or props.get("service_id") is None:
        report(
            f"application-registration plugin {args.name!r}: service_id is not set; Kong only "
            "accepts this plugin on a service (one per service). Set service_id to the service's "
            "kong_id.",
            None,
        )


def validate_app_registration_has_oidc(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = _stack(args)
    oidc_services = [stack.service_of_plugin(p) for p in stack.plugins(OIDC)]
    if any(s is None for s in oidc_services):
        return  # an OIDC plugin whose target can't be resolved may be on that service
    for plugin in stack.plugins(APP_REG):
        service = stack.ref(plugin, "service_id", KONG_SERVICE)
        if service is None or service in oidc_services:
            continue
        report(
            f"application-registration plugin {plugin.name!r}: its service has no openid-connect "
            "plugin, so no token maps to an application and every call gets 401. Add the "
            "openid-connect plugin on the same service.",
            plugin.urn,
        )


# --------------------------------------------------------------------------- 5. Okta claim


def _claim_problems(props: Mapping[str, Any]) -> list[str]:
    problems = []
    claim_type = prop(props, "claim_type")
    value_type = prop(props, "value_type")
    value = prop(props, "value")
    if claim_type not in (UNKNOWN, "RESOURCE"):
        problems.append(
            f'claim_type is {claim_type!r}; use "RESOURCE" (the access token Kong reads)'
        )
    if value_type not in (None, UNKNOWN, "EXPRESSION"):
        problems.append(f'value_type is {value_type!r}; use "EXPRESSION"')
    if isinstance(value, str) and value.strip() != CLIENT_ID_EXPRESSION:
        problems.append(f"value is {value!r}; use {CLIENT_ID_EXPRESSION!r}")
    return problems


def validate_okta_claim(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != OKTA_CLAIM:
        return
    props = plain(args.props)
    names = _config(args, "claimNames", ["application_id"])
    name = prop(props, "name")
    value = prop(props, "value")
    carries_client_id = isinstance(value, str) and "app.clientId" in value
    if name not in names and not carries_client_id:
        return
    problems = _claim_problems(props)
    if problems:
        report(
            f"Okta claim {name!r} maps tokens to portal applications but {'; '.join(problems)}.",
            None,
        )


def validate_okta_claim_matches_consumer_claim(
    args: StackValidationArgs, report: ReportViolation
) -> None:
    stack = _stack(args)
    if not stack.manages_okta_auth_server():
        return
    claims = stack.of(OKTA_CLAIM)
    claim_names = [prop(c.props, "name") for c in claims]
    if any(not isinstance(n, str) for n in claim_names):
        return
    by_name = {prop(c.props, "name"): c for c in claims}
    for plugin in stack.plugins(OIDC):
        config = plugin.props.get("config")
        if not isinstance(config, dict):
            continue
        key, path = consumer_claim_of(config)
        if not isinstance(path, list) or len(path) != 1 or not isinstance(path[0], str):
            continue  # absent or malformed: reported by oidc-consumer-claim-path
        claim = by_name.get(path[0])
        if claim is None:
            report(
                f"openid-connect plugin {plugin.name!r}: config.{key} is {path!r} but no Okta "
                f"claim of this stack is named {path[0]!r} (claims: {sorted(by_name) or 'none'}). "
                f"Create the claim {path[0]!r} (RESOURCE, EXPRESSION, {CLIENT_ID_EXPRESSION!r}) "
                "or point consumer_claim at the claim that carries the client id.",
                plugin.urn,
            )
            continue
        problems = _claim_problems(claim.props)
        if problems:
            report(
                f"Okta claim {path[0]!r} is openid-connect plugin {plugin.name!r}'s consumer claim "
                f"but {'; '.join(problems)}.",
                claim.urn,
            )


# --------------------------------------------------------------------------- 6. identity apps


def _grant_types(props: Mapping[str, Any]) -> Any:
    return prop(props, "grant_types")


def validate_no_implicit_grant(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in IDENTITY_APP_TYPES:
        return
    props = plain(args.props)
    grants = _grant_types(props)
    if isinstance(grants, list) and "implicit" in grants:
        kind = "Okta app" if args.resource_type == OKTA_APP else "client registration"
        report(
            f'{kind} {args.name!r}: grant_types includes "implicit", which returns tokens in the '
            'browser URL. Use "authorization_code" with PKCE (browser/native apps) or '
            '"client_credentials" (services).',
            None,
        )


def validate_okta_pkce(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != OKTA_APP:
        return
    props = plain(args.props)
    app_type = prop(props, "type")
    if app_type not in ("browser", "native"):
        return
    grants = _grant_types(props)
    if grants is None:
        grants = list(DEFAULT_GRANTS[app_type])
    if not isinstance(grants, list) or "authorization_code" not in grants:
        return
    if prop(props, "pkce_required") is False:
        report(
            f"Okta {app_type} app {args.name!r}: pkce_required is false. A {app_type} app cannot "
            "keep a client secret; set pkce_required=True (and token_endpoint_auth_method "
            '"none").',
            None,
        )


def validate_okta_service_app(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != OKTA_APP:
        return
    props = plain(args.props)
    if prop(props, "type") != "service":
        return
    grants = _grant_types(props)
    if not isinstance(grants, list):
        return
    extra = [g for g in grants if g is not UNKNOWN and g != "client_credentials"]
    if extra:
        report(
            f"Okta service app {args.name!r}: grant_types {grants!r} include {extra!r}. A service "
            'app has no user; use grant_types=["client_credentials"] only.',
            None,
        )


# --------------------------------------------------------------------------- 7. auth server rules


def validate_okta_flows_have_rules(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = _stack(args)
    if not stack.manages_okta_auth_server():
        return
    custom_scopes: set[str] = set()
    for scope in stack.of(OKTA_SCOPE):
        name = prop(scope.props, "name")
        if not isinstance(name, str):
            return
        custom_scopes.add(name)
    granted: set[str] = set()
    for rule in stack.of(OKTA_POLICY_RULE):
        if prop(rule.props, "status") == "INACTIVE":
            continue
        grants = prop(rule.props, "grant_type_whitelists")
        scopes = prop(rule.props, "scope_whitelists")
        if not known(grants) or not known(scopes):
            return  # a rule we can't read may grant the flow
        scopes = as_list(scopes) or []
        has_custom = any(
            s in custom_scopes or (s not in RESERVED_SCOPES and s != "*") for s in scopes
        ) or ("*" in scopes and bool(custom_scopes))
        if has_custom:
            granted.update(as_list(grants) or [])
    for app in stack.of(OKTA_APP):
        app_type = prop(app.props, "type")
        grants = _grant_types(app.props)
        if grants is None and isinstance(app_type, str):
            grants = list(DEFAULT_GRANTS.get(app_type, ()))
        if not known(grants):
            continue
        missing = [g for g in as_list(grants) or [] if g != "refresh_token" and g not in granted]
        if missing:
            report(
                f"Okta app {app.name!r} uses {missing!r} but no active access-policy rule of this "
                "stack grants that flow with a custom scope, so Okta answers "
                "'no_matching_policy'. Add a ServerPolicyRule with grant_type_whitelists "
                f"{missing!r} and scope_whitelists naming a custom ServerScope.",
                app.urn,
            )


# --------------------------------------------------------------------------- 8. portal apps


def _client_id(res: Res) -> Any:
    return prop(res.props, "client_id")


def validate_app_custom_id_is_client_id(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = _stack(args)
    identity = stack.of(*IDENTITY_APP_TYPES)
    identity_urns = {r.urn for r in identity}
    client_ids = [_client_id(r) for r in identity]
    for app in stack.of(KONG_APPLICATION):
        if any(urn in identity_urns for urn in app.deps.get("custom_id", [])):
            continue
        custom_id = app.props.get("custom_id")
        if custom_id is UNKNOWN:
            continue
        if custom_id in client_ids:
            continue
        if identity and not all(isinstance(c, str) for c in client_ids):
            continue  # an identity app whose client_id is not known yet may match
        report(
            f"portal application {app.name!r}: custom_id {custom_id!r} is not the client_id of an "
            "identity app (Okta app or client registration) in this stack, so its tokens never "
            "match it. Set custom_id from the identity app's client_id output.",
            app.urn,
        )


def validate_contract_service_plugins(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = _stack(args)
    on_service: dict[str, set[str]] = {}
    for plugin in stack.plugins(OIDC) + stack.plugins(APP_REG):
        service = stack.service_of_plugin(plugin)
        if service is None:
            return  # a plugin whose target can't be resolved may be on any service
        if plugin.props.get("enabled") is False:
            continue
        on_service.setdefault(service, set()).add(plugin.props["name"])
    for instance in stack.of(KONG_APPLICATION_INSTANCE):
        service = stack.ref(instance, "service_id", KONG_SERVICE)
        if service is None:
            continue
        missing = sorted({OIDC, APP_REG} - on_service.get(service, set()))
        if missing:
            target = stack.by_urn.get(service)
            label = repr(target.name) if target else repr(service.removeprefix("id:"))
            report(
                f"application instance {instance.name!r}: service {label} is contracted but has "
                f"no {' / '.join(missing)} plugin. Add both openid-connect and "
                "application-registration on the service before approving contracts.",
                instance.urn,
            )


def validate_custom_id_unique(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = _stack(args)
    identity_urns = {r.urn for r in stack.of(*IDENTITY_APP_TYPES)}
    groups: dict[Any, list[Res]] = {}
    # Developers count too: their custom_ids live on hidden consumers, unique per workspace.
    for res in stack.of(KONG_DEVELOPER, KONG_APPLICATION):
        custom_id = res.props.get("custom_id")
        if isinstance(custom_id, str):
            key: Any = ("value", custom_id)
        else:
            deps = [u for u in res.deps.get("custom_id", []) if u in identity_urns]
            if custom_id is not UNKNOWN or len(deps) != 1 or res.type != KONG_APPLICATION:
                continue
            key = ("client_id of", deps[0])
        groups.setdefault(key, []).append(res)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        what = (
            repr(key[1]) if key[0] == "value" else f"the client_id of {stack.by_urn[key[1]].name!r}"
        )
        for res in members:
            kind = "portal application" if res.type == KONG_APPLICATION else "developer"
            others = ", ".join(repr(o.name) for o in members if o is not res)
            report(
                f"{kind} {res.name!r} uses custom_id {what}, also used by {others}; Kong refuses "
                "the second one with 409 (custom_id is unique per workspace). Give each "
                "application its own identity app.",
                res.urn,
            )


# --------------------------------------------------------------------------- 9. environment


def validate_auto_approve_off(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _plugin(args, APP_REG)
    config = _plugin_config(props) if props else None
    if config is not None and config.get("auto_approve") is True:
        report(
            f"application-registration plugin {args.name!r}: config.auto_approve is true, so any "
            "developer's application gets access without review. Set auto_approve to false and "
            "approve contracts through the stack config.",
            None,
        )


def validate_upstream_https(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KONG_SERVICE:
        return
    props = plain(args.props)
    allow_loopback = bool(_config(args, "allowLoopback", False))
    url = props.get("url")
    protocol = props.get("protocol")
    problem = None
    if isinstance(url, str):
        problem = _url_problem(url, allow_loopback=allow_loopback)
    elif isinstance(protocol, str) and protocol not in ("https", "grpcs", "tls", "wss"):
        host = props.get("host")
        loopback = isinstance(host, str) and is_loopback_url(f"http://{host}")
        if not (allow_loopback and loopback):
            problem = f"protocol {protocol!r}"
    if problem:
        report(
            f"Kong service {args.name!r}: the upstream {problem}; tokens and data would cross the "
            "network unencrypted. Use an https upstream URL.",
            None,
        )


def _admin_url(args: StackValidationArgs) -> Any:
    """The Kong admin URL: the pack config's `adminUrl`, else KONG_ADMIN_URL from the environment.

    pulumi-policy 1.21 drops the stack config the engine sends (ConfigureStack keeps only tags),
    so the stack's `kong-okta-portal:kong.adminUrl` is out of reach; CI passes the same value as
    KONG_ADMIN_URL or writes it into the pack config.
    """
    return _config(args, "adminUrl", None) or os.environ.get("KONG_ADMIN_URL") or None


def validate_admin_url_https(args: StackValidationArgs, report: ReportViolation) -> None:
    url = _admin_url(args)
    problem = _url_problem(url, allow_loopback=bool(_config(args, "allowLoopback", False)))
    if problem:
        report(
            f"Kong Admin API URL {problem}; the admin token would travel unencrypted. Use the "
            "https Admin API address (kong-okta-portal:kong.adminUrl, KONG_ADMIN_URL).",
            None,
        )


# --------------------------------------------------------------------------- the policies

_LOOPBACK_SCHEMA = PolicyConfigSchema(
    properties={"allowLoopback": {"type": "boolean", "description": "accept http on loopback"}}
)
MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


def build_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """Every policy of the pack, with its default enforcement level (config files override)."""
    return [
        ResourceValidationPolicy(
            name="oidc-verify-parameters-off",
            description="openid-connect must set verify_parameters=false: Okta's discovery omits "
            "grant types it supports, so verification rejects valid requests.",
            validate=validate_oidc_verify_parameters,
            remediate=remediate_oidc_verify_parameters,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="oidc-consumer-claim-path",
            description="openid-connect consumer_claim is a claim path (an array): one element "
            "naming the Okta claim that carries the client id; two elements mean a nested claim.",
            validate=validate_oidc_consumer_claim,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="plugin-config-no-verify-credentials",
            description="verify_credentials is not a Kong field (the guide's typo for "
            "verify_parameters); the Admin API rejects it.",
            validate=validate_no_verify_credentials,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="oidc-issuer-https",
            description="The openid-connect issuer must be an https URL (http only on loopback "
            "for the sandbox): Kong fetches discovery and signing keys from it.",
            validate=validate_oidc_issuer_https,
            enforcement_level=MANDATORY,
            config_schema=_LOOPBACK_SCHEMA,
        ),
        ResourceValidationPolicy(
            name="oidc-consumer-by-custom-id",
            description="openid-connect consumer_by must include custom_id: a portal "
            "application is found by its Reference Id (custom_id).",
            validate=validate_oidc_consumer_by,
            enforcement_level=MANDATORY,
        ),
        StackValidationPolicy(
            name="oidc-issuer-matches-identity",
            description="The openid-connect issuer must be the issuer of the stack's identity "
            "component, or tokens carry claims from another server.",
            validate=validate_oidc_issuer_matches_identity,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="app-registration-service-only",
            description="application-registration works only on a service (not a route, "
            "consumer or globally).",
            validate=validate_app_registration_scope,
            enforcement_level=MANDATORY,
        ),
        StackValidationPolicy(
            name="app-registration-with-oidc",
            description="A service with application-registration also needs openid-connect, "
            "which maps the token to the application.",
            validate=validate_app_registration_has_oidc,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="okta-claim-client-id",
            description="The Okta claim that maps tokens to applications must be an access-token "
            "claim (RESOURCE), an EXPRESSION, with value app.clientId.",
            validate=validate_okta_claim,
            enforcement_level=MANDATORY,
            config_schema=PolicyConfigSchema(
                properties={"claimNames": {"type": "array", "items": {"type": "string"}}}
            ),
        ),
        StackValidationPolicy(
            name="okta-claim-matches-consumer-claim",
            description="Every openid-connect consumer_claim must name an Okta claim of the "
            "stack that carries app.clientId in the access token.",
            validate=validate_okta_claim_matches_consumer_claim,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="identity-app-no-implicit-grant",
            description="Identity apps must not use the implicit grant: tokens in the browser "
            "URL leak; use authorization code with PKCE.",
            validate=validate_no_implicit_grant,
            enforcement_level=ADVISORY,
        ),
        ResourceValidationPolicy(
            name="okta-app-pkce",
            description="Browser and native Okta apps cannot keep a secret and must use PKCE.",
            validate=validate_okta_pkce,
            enforcement_level=ADVISORY,
        ),
        ResourceValidationPolicy(
            name="okta-service-app-client-credentials-only",
            description="Okta service apps have no user and must use only client_credentials.",
            validate=validate_okta_service_app,
            enforcement_level=ADVISORY,
        ),
        StackValidationPolicy(
            name="okta-flow-has-policy-rule",
            description="Every flow an Okta app uses needs an access-policy rule granting it "
            "with a custom scope, or Okta answers no_matching_policy.",
            validate=validate_okta_flows_have_rules,
            enforcement_level=MANDATORY,
        ),
        StackValidationPolicy(
            name="portal-app-custom-id-is-client-id",
            description="A portal application's custom_id (Reference Id) must be the client_id "
            "of an identity app in the stack, or no token ever matches it.",
            validate=validate_app_custom_id_is_client_id,
            enforcement_level=MANDATORY,
        ),
        StackValidationPolicy(
            name="portal-contract-service-has-plugins",
            description="A service with application contracts needs both openid-connect and "
            "application-registration.",
            validate=validate_contract_service_plugins,
            enforcement_level=MANDATORY,
        ),
        StackValidationPolicy(
            name="portal-custom-id-unique",
            description="custom_id is unique per Kong workspace (developers and applications "
            "alike): a duplicate fails with 409.",
            validate=validate_custom_id_unique,
            enforcement_level=MANDATORY,
        ),
        ResourceValidationPolicy(
            name="app-registration-auto-approve-off",
            description="application-registration auto_approve grants every new application "
            "access without review.",
            validate=validate_auto_approve_off,
            enforcement_level=ADVISORY,
        ),
        ResourceValidationPolicy(
            name="kong-upstream-https",
            description="Kong service upstreams must be https outside the sandbox.",
            validate=validate_upstream_https,
            enforcement_level=ADVISORY,
            config_schema=_LOOPBACK_SCHEMA,
        ),
        StackValidationPolicy(
            name="kong-admin-url-https",
            description="The Kong Admin API URL must be https outside the sandbox: the admin "
            "token travels with every request.",
            validate=validate_admin_url_https,
            enforcement_level=ADVISORY,
            config_schema=PolicyConfigSchema(
                properties={
                    "allowLoopback": {"type": "boolean"},
                    "adminUrl": {"type": "string", "description": "override the stack's URL"},
                }
            ),
        ),
    ]
