"""The kong-okta-portal policies: every rule with its name, description and enforcement level.

Importable without side effects (constructing a `PolicyPack` starts a server and blocks, so only
`policies/__main__.py` does that). The rules live by side: `kong_rules.py`, `okta_rules.py` and
`portal_rules.py`, reading resources through `values.py` and `stack_index.py`.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.kong_rules import (
    remediate_oidc_verify_parameters,
    validate_admin_url_https,
    validate_app_registration_has_oidc,
    validate_app_registration_scope,
    validate_auto_approve_off,
    validate_no_verify_credentials,
    validate_oidc_consumer_by,
    validate_oidc_consumer_claim,
    validate_oidc_issuer_https,
    validate_oidc_issuer_matches_identity,
    validate_oidc_verify_parameters,
    validate_upstream_https,
)
from policies.okta_rules import (
    validate_no_implicit_grant,
    validate_okta_claim,
    validate_okta_claim_matches_consumer_claim,
    validate_okta_flows_have_rules,
    validate_okta_pkce,
    validate_okta_service_app,
)
from policies.portal_rules import (
    validate_app_custom_id_is_client_id,
    validate_contract_service_plugins,
    validate_custom_id_unique,
)
from policies.values import (
    CLIENT_REGISTRATION,
    KONG,
    KONG_APPLICATION,
    KONG_APPLICATION_INSTANCE,
    KONG_DEVELOPER,
    KONG_PLUGIN,
    KONG_ROUTE,
    KONG_SERVICE,
    OKTA_APP,
    OKTA_CLAIM,
    OKTA_POLICY,
    OKTA_POLICY_RULE,
    OKTA_SCOPE,
    OKTA_SERVER,
)

__all__ = [
    "CLIENT_REGISTRATION",
    "KONG",
    "KONG_APPLICATION",
    "KONG_APPLICATION_INSTANCE",
    "KONG_DEVELOPER",
    "KONG_PLUGIN",
    "KONG_ROUTE",
    "KONG_SERVICE",
    "OKTA_APP",
    "OKTA_CLAIM",
    "OKTA_POLICY",
    "OKTA_POLICY_RULE",
    "OKTA_SCOPE",
    "OKTA_SERVER",
    "StackValidationArgs",
    "StackValidationPolicy",
    "build_policies",
    "remediate_oidc_verify_parameters",
    "validate_admin_url_https",
    "validate_app_custom_id_is_client_id",
    "validate_app_registration_has_oidc",
    "validate_app_registration_scope",
    "validate_auto_approve_off",
    "validate_contract_service_plugins",
    "validate_custom_id_unique",
    "validate_no_implicit_grant",
    "validate_no_verify_credentials",
    "validate_oidc_consumer_by",
    "validate_oidc_consumer_claim",
    "validate_oidc_issuer_https",
    "validate_oidc_issuer_matches_identity",
    "validate_oidc_verify_parameters",
    "validate_okta_claim",
    "validate_okta_claim_matches_consumer_claim",
    "validate_okta_flows_have_rules",
    "validate_okta_pkce",
    "validate_okta_service_app",
    "validate_upstream_https",
]

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
