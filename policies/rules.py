"""The kong-okta-portal policies, gathered from the rules modules.

Importable without side effects (constructing a `PolicyPack` starts a server and blocks, so only
`policies/__main__.py` does that). Each policy is declared beside its validator, by side:
`kong_rules.py`, `okta_rules.py` and `portal_rules.py`, reading resources through `values.py`
and `stack_index.py`.
"""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy

from policies import kong_rules, okta_rules, portal_rules
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


def build_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """Every policy of the pack, with its default enforcement level (config files override)."""
    return [
        *kong_rules.POLICIES.policies,
        *okta_rules.POLICIES.policies,
        *portal_rules.POLICIES.policies,
    ]
