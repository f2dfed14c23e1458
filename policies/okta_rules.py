"""Rules on the Okta side: the client-id claim, identity apps' grants, access-policy rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)

from policies.declare import ADVISORY, MANDATORY, PolicySet
from policies.stack_index import Stack, stack_of
from policies.values import (
    CLIENT_ID_EXPRESSION,
    DEFAULT_GRANTS,
    IDENTITY_APP_TYPES,
    OIDC,
    OKTA_APP,
    OKTA_CLAIM,
    OKTA_POLICY_RULE,
    OKTA_SCOPE,
    RESERVED_SCOPES,
    UNKNOWN,
    as_list,
    consumer_claim_of,
    known,
    pack_config,
    plain,
    prop,
)

POLICIES = PolicySet()

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
    names = pack_config(args, "claimNames", ["application_id"])
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


POLICIES.resource(
    "okta-claim-client-id",
    "The Okta claim that maps tokens to applications must be an access-token "
    "claim (RESOURCE), an EXPRESSION, with value app.clientId.",
    MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={"claimNames": {"type": "array", "items": {"type": "string"}}}
    ),
)(validate_okta_claim)


def validate_okta_claim_matches_consumer_claim(
    args: StackValidationArgs, report: ReportViolation
) -> None:
    stack = stack_of(args)
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


POLICIES.stack(
    "okta-claim-matches-consumer-claim",
    "Every openid-connect consumer_claim must name an Okta claim of the "
    "stack that carries app.clientId in the access token.",
    MANDATORY,
)(validate_okta_claim_matches_consumer_claim)


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


POLICIES.resource(
    "identity-app-no-implicit-grant",
    "Identity apps must not use the implicit grant: tokens in the browser "
    "URL leak; use authorization code with PKCE.",
    ADVISORY,
)(validate_no_implicit_grant)


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


POLICIES.resource(
    "okta-app-pkce",
    "Browser and native Okta apps cannot keep a secret and must use PKCE.",
    ADVISORY,
)(validate_okta_pkce)


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


POLICIES.resource(
    "okta-service-app-client-credentials-only",
    "Okta service apps have no user and must use only client_credentials.",
    ADVISORY,
)(validate_okta_service_app)


# --------------------------------------------------------------------------- 7. auth server rules


def validate_okta_flows_have_rules(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = stack_of(args)
    if not stack.manages_okta_auth_server():
        _gateway_flows_cover_apps(stack, report)
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


POLICIES.stack(
    "okta-flow-has-policy-rule",
    "Every flow an Okta app uses needs an access-policy rule granting it "
    "with a custom scope, or Okta answers no_matching_policy.",
    MANDATORY,
)(validate_okta_flows_have_rules)


def _gateway_flows_cover_apps(stack: Stack, report: ReportViolation) -> None:
    """A portal stack: its Okta apps' flows are granted by the rules of the gateway stack it
    references, which exports the flows it has a rule for; no reference, nothing to check."""
    exports = stack.gateway_exports()
    if not exports:
        return
    granted: set[str] = set()
    for exported in exports:
        flows = exported.get("flows")
        if not isinstance(flows, list):
            return  # a gateway export we can't read may grant the flow
        granted.update(f for f in flows if isinstance(f, str))
    for app in stack.of(OKTA_APP):
        grants = _grant_types(app.props)
        app_type = prop(app.props, "type")
        if grants is None and isinstance(app_type, str):
            grants = list(DEFAULT_GRANTS.get(app_type, ()))
        if not known(grants):
            continue
        missing = [g for g in as_list(grants) or [] if g != "refresh_token" and g not in granted]
        if missing:
            report(
                f"Okta app {app.name!r} uses {missing!r} but the gateway stack it references "
                f"grants only {sorted(granted)!r} (its access-policy rules), so Okta answers "
                "'no_matching_policy'. Add the flow to the gateway stack's "
                "kong-okta-portal:split.flows and update it first.",
                app.urn,
            )
