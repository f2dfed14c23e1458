"""Stack-wide rules over a whole stack, at preview (ids unknown) and after a deployment."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from policies import rules
from tests.policies.support import (
    UNKNOWN,
    StackBuilder,
    dcr_stack,
    messages,
    oidc_config,
    okta_stack,
    violations,
)

STACK_RULES = [p for p in rules.build_policies() if isinstance(p, rules.StackValidationPolicy)]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "deployed"])
@pytest.mark.parametrize("policy", STACK_RULES, ids=lambda p: p.name)
def test_good_stacks_pass_every_stack_rule(
    policy: rules.StackValidationPolicy, preview: bool
) -> None:
    for stack in (dcr_stack(preview=preview), okta_stack()):
        config = {"adminUrl": "https://kong-admin.internal:8444"}
        assert violations(policy.validate, stack.args(config)) == [], policy.name


# 3. issuer matches the identity component -----------------------------------------------------


def test_plugin_issuer_other_than_identity_is_flagged() -> None:
    stack = dcr_stack()
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "config": oidc_config(issuer="https://other.okta.com/oauth2/x")},
        service_id="orders",
    )
    found = violations(rules.validate_oidc_issuer_matches_identity, stack.args())
    assert len(found) == 1
    assert "https://other.okta.com/oauth2/x" in found[0][0]
    assert found[0][1] == stack.by_name["orders-oidc"].urn


def _plugin_issuer(stack: StackBuilder, issuer: str) -> StackBuilder:
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "config": oidc_config(issuer=issuer)},
        service_id="orders",
    )
    return stack


def test_trailing_slash_is_the_same_issuer() -> None:
    # only one side has the slash: Okta's issuer has none, a hand-written one often does
    plugin_slash = _plugin_issuer(dcr_stack(), "https://example.okta.com/oauth2/default/")
    assert messages(rules.validate_oidc_issuer_matches_identity, plugin_slash.args()) == []
    identity_slash = _plugin_issuer(
        dcr_stack(issuer="https://example.okta.com/oauth2/default/"),
        "https://example.okta.com/oauth2/default",
    )
    assert messages(rules.validate_oidc_issuer_matches_identity, identity_slash.args()) == []


def test_only_a_trailing_slash_is_ignored() -> None:
    # Okta server ids differ by their last characters: `aus1X` is another server than `aus1`
    identity = "https://example.okta.com/oauth2/aus1X"
    plugin = "https://example.okta.com/oauth2/aus1"
    stack = _plugin_issuer(dcr_stack(issuer=identity), plugin)
    found = messages(rules.validate_oidc_issuer_matches_identity, stack.args())
    assert found == [
        f"openid-connect plugin 'orders-oidc': config.issuer {plugin!r} is not the issuer of"
        f" this stack's identity component ({identity}). Wire the plugin's issuer from the"
        " identity component so tokens and claims come from the same authorization server."
    ]


def test_a_registration_without_an_issuer_hides_no_mismatch() -> None:
    stack = _plugin_issuer(dcr_stack(), "https://other.okta.com/oauth2/x")
    stack.add(rules.CLIENT_REGISTRATION, "no-issuer-client", {"client_name": "x"})
    found = messages(rules.validate_oidc_issuer_matches_identity, stack.args())
    assert len(found) == 1 and "'https://other.okta.com/oauth2/x'" in found[0]


def test_okta_server_with_unknown_issuer_passes() -> None:
    stack = okta_stack()
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "config": oidc_config(issuer="https://elsewhere/oauth2/x")},
        service_id="orders",
    )
    assert messages(rules.validate_oidc_issuer_matches_identity, stack.args()) == []


# 4. application-registration needs openid-connect on the same service -------------------------


def test_app_registration_without_oidc_is_flagged() -> None:
    stack = dcr_stack()
    stack.remove("orders-oidc")
    found = violations(rules.validate_app_registration_has_oidc, stack.args())
    assert len(found) == 1 and found[0][1] == stack.by_name["orders-appreg"].urn


def test_oidc_on_a_route_of_the_service_counts() -> None:
    stack = dcr_stack()
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "route-oidc",
        {"name": "openid-connect", "route_id": UNKNOWN, "config": oidc_config()},
        route_id="orders-route",
    )
    assert messages(rules.validate_app_registration_has_oidc, stack.args()) == []


def test_oidc_on_another_service_is_flagged_after_deploy() -> None:
    stack = dcr_stack(preview=False)
    stack.add(rules.KONG_SERVICE, "billing", {"name": "billing", "kong_id": "svc-2"})
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "billing-oidc",
        {"name": "openid-connect", "service_id": "svc-2", "config": oidc_config()},
        service_id="billing",
    )
    assert len(messages(rules.validate_app_registration_has_oidc, stack.args())) == 1


# 5. the Okta claim matches every plugin's consumer claim --------------------------------------


def test_consumer_claim_without_okta_claim_is_flagged() -> None:
    stack = okta_stack()
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "config": oidc_config(consumer_claim=["app_id"])},
        service_id="orders",
    )
    found = violations(rules.validate_okta_claim_matches_consumer_claim, stack.args())
    assert len(found) == 1 and "'app_id'" in found[0][0] and "application_id" in found[0][0]
    assert found[0][1] == stack.by_name["orders-oidc"].urn


def test_consumer_claim_naming_a_wrong_okta_claim_is_flagged_on_the_claim() -> None:
    stack = okta_stack()
    stack.remove("application-id")
    stack.add(
        rules.OKTA_CLAIM,
        "application-id",
        {"name": "application_id", "claimType": "IDENTITY", "value": "app.clientId"},
    )
    found = violations(rules.validate_okta_claim_matches_consumer_claim, stack.args())
    assert len(found) == 1 and found[0][1] == stack.by_name["application-id"].urn


def test_claim_rule_skips_stacks_without_okta() -> None:
    assert messages(rules.validate_okta_claim_matches_consumer_claim, dcr_stack().args()) == []


# 7. every flow has a policy rule with a custom scope -------------------------------------------


def test_flow_without_rule_is_flagged() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    found = violations(rules.validate_okta_flows_have_rules, stack.args())
    assert len(found) == 1
    assert "client_credentials" in found[0][0] and found[0][1] == stack.by_name["svc-app"].urn


def test_rule_with_only_standard_scopes_does_not_count() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.add(
        rules.OKTA_POLICY_RULE,
        "cc-rule",
        {"grantTypeWhitelists": ["client_credentials"], "scopeWhitelists": ["openid"]},
    )
    assert len(messages(rules.validate_okta_flows_have_rules, stack.args())) == 1


def test_wildcard_scope_counts_when_a_custom_scope_exists() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.add(
        rules.OKTA_POLICY_RULE,
        "cc-rule",
        {"grantTypeWhitelists": ["client_credentials"], "scopeWhitelists": ["*"]},
    )
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


def test_an_inactive_rule_grants_nothing_and_hides_no_active_one() -> None:
    stack = okta_stack()
    inactive = stack.add(
        rules.OKTA_POLICY_RULE,
        "old-cc-rule",
        {"status": "INACTIVE", "grantTypeWhitelists": ["client_credentials"],
         "scopeWhitelists": ["portal.api"]},
    )  # fmt: skip
    stack.resources.remove(inactive)
    stack.resources.insert(0, inactive)  # read before the active rules
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []
    stack.remove("cc-rule")
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        "Okta app 'svc-app' uses ['client_credentials'] but no active access-policy rule of this"
        " stack grants that flow with a custom scope, so Okta answers 'no_matching_policy'. Add a"
        " ServerPolicyRule with grant_type_whitelists ['client_credentials'] and"
        " scope_whitelists naming a custom ServerScope."
    ]


def test_unknown_rule_grants_pass() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.add(rules.OKTA_POLICY_RULE, "cc-rule", {"grantTypeWhitelists": UNKNOWN})
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


# 8. portal applications ------------------------------------------------------------------------


def test_hard_coded_custom_id_without_identity_app_is_flagged() -> None:
    stack = StackBuilder()
    stack.add(rules.KONG_APPLICATION, "ada-app", {"name": "ada-app", "custom_id": "0oa-typed"})
    found = violations(rules.validate_app_custom_id_is_client_id, stack.args())
    assert len(found) == 1 and "'0oa-typed'" in found[0][0]
    assert found[0][1] == stack.by_name["ada-app"].urn


def test_custom_id_not_matching_known_client_ids_is_flagged() -> None:
    stack = dcr_stack(preview=False)
    stack.remove("bob-app")
    stack.add(rules.KONG_APPLICATION, "bob-app", {"name": "bob-app", "custom_id": "cid-zed"})
    assert len(messages(rules.validate_app_custom_id_is_client_id, stack.args())) == 1


def test_custom_id_equal_to_a_client_id_passes_without_dependency() -> None:
    stack = dcr_stack(preview=False)
    stack.remove("bob-app")
    stack.add(rules.KONG_APPLICATION, "bob-app", {"name": "bob-app", "custom_id": "cid-bob"})
    assert messages(rules.validate_app_custom_id_is_client_id, stack.args()) == []


def test_literal_custom_id_passes_while_client_ids_are_unknown() -> None:
    stack = dcr_stack(preview=True)
    stack.remove("bob-app")
    stack.add(rules.KONG_APPLICATION, "bob-app", {"name": "bob-app", "custom_id": "0oa-typed"})
    assert messages(rules.validate_app_custom_id_is_client_id, stack.args()) == []


def test_contract_on_service_without_plugins_is_flagged() -> None:
    stack = dcr_stack()
    stack.remove("orders-appreg")
    found = violations(rules.validate_contract_service_plugins, stack.args())
    assert len(found) == 1
    assert "application-registration" in found[0][0] and "'orders'" in found[0][0]
    assert found[0][1] == stack.by_name["ada-app-orders"].urn


def test_contract_on_service_without_any_plugin_names_both() -> None:
    stack = dcr_stack(preview=False)
    stack.add(rules.KONG_SERVICE, "billing", {"name": "billing", "kong_id": "svc-2"})
    stack.add(
        rules.KONG_APPLICATION_INSTANCE,
        "ada-billing",
        {"application_id": "app-1", "service_id": "svc-2"},
    )
    found = messages(rules.validate_contract_service_plugins, stack.args())
    assert len(found) == 1 and "application-registration / openid-connect" in found[0]


def test_shared_literal_custom_id_is_flagged_on_both_apps() -> None:
    stack = dcr_stack(preview=False)
    stack.remove("bob-app")
    stack.add(rules.KONG_APPLICATION, "bob-app", {"name": "bob-app", "custom_id": "cid-ada"})
    found = violations(rules.validate_custom_id_unique, stack.args())
    assert sorted(u for _, u in found) == sorted(
        [stack.by_name["ada-app"].urn, stack.by_name["bob-app"].urn]
    )
    assert any("'bob-app'" in m and "also used by 'ada-app'" in m for m, _ in found)


def test_two_apps_wired_to_one_identity_app_are_flagged_at_preview() -> None:
    stack = dcr_stack(preview=True)
    stack.remove("bob-app")
    stack.add(
        rules.KONG_APPLICATION,
        "bob-app",
        {"name": "bob-app", "custom_id": UNKNOWN},
        custom_id="ada-app-client",
    )
    found = messages(rules.validate_custom_id_unique, stack.args())
    assert len(found) == 2 and "the client_id of 'ada-app-client'" in found[0]


def test_custom_id_clashing_with_a_developer_is_flagged() -> None:
    stack = dcr_stack(preview=False)
    stack.add(rules.KONG_DEVELOPER, "zed", {"email": "z@example.com", "custom_id": "cid-bob"})
    found = violations(rules.validate_custom_id_unique, stack.args())
    assert {u for _, u in found} == {stack.by_name["bob-app"].urn, stack.by_name["zed"].urn}
    assert any(m.startswith("developer 'zed'") for m, _ in found)


# 9. admin URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ({"adminUrl": "https://kong-admin.internal:8444"}, {}),
        ({"adminUrl": "http://127.0.0.1:8001", "allowLoopback": True}, {}),
        ({}, {"KONG_ADMIN_URL": "https://kong-admin.internal:8444"}),
        ({}, {}),
    ],
)
def test_admin_url_https_passes(config: dict, env: dict) -> None:
    with mock.patch.dict(os.environ, env, clear=False):
        if not env:
            os.environ.pop("KONG_ADMIN_URL", None)
        assert messages(rules.validate_admin_url_https, StackBuilder().args(config)) == []


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ({"adminUrl": "http://kong-admin.internal:8001"}, {}),
        ({"adminUrl": "http://127.0.0.1:8001", "allowLoopback": False}, {}),
        ({}, {"KONG_ADMIN_URL": "http://kong-admin.internal:8001"}),
    ],
)
def test_admin_url_plain_http_is_flagged(config: dict, env: dict) -> None:
    with mock.patch.dict(os.environ, env, clear=False):
        found = messages(rules.validate_admin_url_https, StackBuilder().args(config))
    assert len(found) == 1 and "adminUrl" in found[0]
