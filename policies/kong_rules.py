"""Rules on the Kong side: the openid-connect and application-registration plugins, and the
environment (upstreams, Admin API URL).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.secret import Secret

from policies.declare import ADVISORY, LOOPBACK_SCHEMA, MANDATORY, PolicySet
from policies.stack_index import stack_of
from policies.values import (
    APP_REG,
    CLIENT_REGISTRATION,
    KONG_SERVICE,
    OIDC,
    OKTA_SERVER,
    UNKNOWN,
    as_list,
    consumer_claim_of,
    find_key,
    is_loopback_url,
    known,
    pack_config,
    plain,
    plugin_config_of,
    plugin_props,
    url_problem,
)
from providers.kong_kinds import GUIDE_TYPO_FIELD

POLICIES = PolicySet()

# --------------------------------------------------------------------------- 1. verify_parameters


def _raw(mapping: Any) -> Mapping[str, Any]:
    """The dict under a policy proxy (values keep unknown sentinels and secret markers)."""
    if isinstance(mapping, dict):
        return mapping
    try:
        return mapping["__target"]
    except KeyError:
        return mapping


def remediate_oidc_verify_parameters(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """Props with config.verify_parameters=false, keeping every other value (and secret) as is."""
    config = plugin_config_of(args, OIDC)
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


def validate_oidc_verify_parameters(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = plugin_config_of(args, OIDC)
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


POLICIES.resource(
    "oidc-verify-parameters-off",
    "openid-connect must set verify_parameters=false: Okta's discovery omits "
    "grant types it supports, so verification rejects valid requests.",
    MANDATORY,
    remediate=remediate_oidc_verify_parameters,
)(validate_oidc_verify_parameters)


# --------------------------------------------------------------------------- 2. claim path, typo


def validate_oidc_consumer_claim(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = plugin_config_of(args, OIDC)
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


POLICIES.resource(
    "oidc-consumer-claim-path",
    "openid-connect consumer_claim is a claim path (an array): one element "
    "naming the Okta claim that carries the client id; two elements mean a nested claim.",
    MANDATORY,
)(validate_oidc_consumer_claim)


def validate_no_verify_credentials(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = plugin_props(args)
    if props is None:
        return
    paths = find_key(props.get("config"), GUIDE_TYPO_FIELD)
    if paths:
        report(
            f"plugin {args.name!r} ({props.get('name')}): {', '.join(paths)} is not a Kong field "
            "(a typo in the guide's sample; the Admin API answers 'unknown field'). Remove it; the "
            "intended setting is config.verify_parameters = false.",
            None,
        )


POLICIES.resource(
    "plugin-config-no-verify-credentials",
    "verify_credentials is not a Kong field (the guide's typo for "
    "verify_parameters); the Admin API rejects it.",
    MANDATORY,
)(validate_no_verify_credentials)


# --------------------------------------------------------------------------- 3. issuer, consumer_by


def validate_oidc_issuer_https(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = plugin_config_of(args, OIDC)
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
    problem = url_problem(issuer, allow_loopback=bool(pack_config(args, "allowLoopback", True)))
    if problem:
        report(
            f"openid-connect plugin {args.name!r}: config.issuer {problem}. Use the https issuer "
            "of the authorization server (e.g. https://<org>.okta.com/oauth2/default); plain http "
            "is only accepted for a loopback sandbox.",
            None,
        )


POLICIES.resource(
    "oidc-issuer-https",
    "The openid-connect issuer must be an https URL (http only on loopback "
    "for the sandbox): Kong fetches discovery and signing keys from it.",
    MANDATORY,
    config_schema=LOOPBACK_SCHEMA,
)(validate_oidc_issuer_https)


def validate_oidc_consumer_by(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = plugin_config_of(args, OIDC)
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


POLICIES.resource(
    "oidc-consumer-by-custom-id",
    "openid-connect consumer_by must include custom_id: a portal "
    "application is found by its Reference Id (custom_id).",
    MANDATORY,
)(validate_oidc_consumer_by)


def _norm_issuer(url: str) -> str:
    return url.rstrip("/")


def validate_oidc_issuer_matches_identity(
    args: StackValidationArgs, report: ReportViolation
) -> None:
    stack = stack_of(args)
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


POLICIES.stack(
    "oidc-issuer-matches-identity",
    "The openid-connect issuer must be the issuer of the stack's identity "
    "component, or tokens carry claims from another server.",
    MANDATORY,
)(validate_oidc_issuer_matches_identity)


# --------------------------------------------------------------------------- 4. app registration


def validate_app_registration_scope(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = plugin_props(args, APP_REG)
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


POLICIES.resource(
    "app-registration-service-only",
    "application-registration works only on a service (not a route, consumer or globally).",
    MANDATORY,
)(validate_app_registration_scope)


def validate_app_registration_has_oidc(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = stack_of(args)
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


POLICIES.stack(
    "app-registration-with-oidc",
    "A service with application-registration also needs openid-connect, "
    "which maps the token to the application.",
    MANDATORY,
)(validate_app_registration_has_oidc)


# --------------------------------------------------------------------------- 9. environment


def validate_auto_approve_off(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = plugin_config_of(args, APP_REG)
    if config is not None and config.get("auto_approve") is True:
        report(
            f"application-registration plugin {args.name!r}: config.auto_approve is true, so any "
            "developer's application gets access without review. Set auto_approve to false and "
            "approve contracts through the stack config.",
            None,
        )


POLICIES.resource(
    "app-registration-auto-approve-off",
    "application-registration auto_approve grants every new application access without review.",
    ADVISORY,
)(validate_auto_approve_off)


def validate_upstream_https(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KONG_SERVICE:
        return
    props = plain(args.props)
    allow_loopback = bool(pack_config(args, "allowLoopback", False))
    url = props.get("url")
    protocol = props.get("protocol")
    problem = None
    if isinstance(url, str):
        problem = url_problem(url, allow_loopback=allow_loopback)
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


POLICIES.resource(
    "kong-upstream-https",
    "Kong service upstreams must be https outside the sandbox.",
    ADVISORY,
    config_schema=LOOPBACK_SCHEMA,
)(validate_upstream_https)


def _admin_url(args: StackValidationArgs) -> Any:
    """The Kong admin URL: the pack config's `adminUrl`, else KONG_ADMIN_URL from the environment.

    pulumi-policy 1.21 drops the stack config the engine sends (ConfigureStack keeps only tags),
    so the stack's `kong-okta-portal:kong.adminUrl` is out of reach; CI passes the same value as
    KONG_ADMIN_URL or writes it into the pack config.
    """
    return pack_config(args, "adminUrl", None) or os.environ.get("KONG_ADMIN_URL") or None


def validate_admin_url_https(args: StackValidationArgs, report: ReportViolation) -> None:
    url = _admin_url(args)
    problem = url_problem(url, allow_loopback=bool(pack_config(args, "allowLoopback", False)))
    if problem:
        report(
            f"Kong Admin API URL {problem}; the admin token would travel unencrypted. Use the "
            "https Admin API address (kong-okta-portal:kong.adminUrl, KONG_ADMIN_URL).",
            None,
        )


POLICIES.stack(
    "kong-admin-url-https",
    "The Kong Admin API URL must be https outside the sandbox: the admin "
    "token travels with every request.",
    ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowLoopback": {"type": "boolean"},
            "adminUrl": {"type": "string", "description": "override the stack's URL"},
        }
    ),
)(validate_admin_url_https)
