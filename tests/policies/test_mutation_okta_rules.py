"""The Okta-side rules, message by message, with their boundaries: the claim that carries the
client id, identity apps' grants, and the flows the access-policy rules grant (in this stack, or
in the gateway stack a portal stack references).
"""

from __future__ import annotations

import pytest

from policies import rules
from policies.stack_index import PORTAL_COMPONENT
from tests.policies.support import (
    UNKNOWN,
    StackBuilder,
    messages,
    oidc_config,
    okta_stack,
    resource_args,
    violations,
)
from tests.policies.test_rules_identity import app


def claim(config: dict | None = None, **props: object) -> object:
    base = {
        "name": "application_id",
        "claimType": "RESOURCE",
        "valueType": "EXPRESSION",
        "value": "app.clientId",
    }
    return resource_args(rules.OKTA_CLAIM, {**base, **props}, name="application-id", config=config)


# 5. the claim ------------------------------------------------------------------------------------


def test_every_wrong_claim_field_is_in_one_message() -> None:
    args = claim(claimType="IDENTITY", valueType="GROUPS", value="app.id")
    assert messages(rules.validate_okta_claim, args) == [
        "Okta claim 'application_id' maps tokens to portal applications but claim_type is "
        "'IDENTITY'; use \"RESOURCE\" (the access token Kong reads); value_type is 'GROUPS'; use "
        "\"EXPRESSION\"; value is 'app.id'; use 'app.clientId'."
    ]


def test_a_claim_named_in_the_pack_config_is_checked_whatever_its_value() -> None:
    args = claim(config={"claimNames": ["client"]}, name="client", value="user.login")
    assert messages(rules.validate_okta_claim, args) == [
        "Okta claim 'client' maps tokens to portal applications but value is 'user.login'; use "
        "'app.clientId'."
    ]
    # with the default name list, a claim of another name that does not carry the id is not ours
    assert messages(rules.validate_okta_claim, claim(name="client", value="user.login")) == []


def test_a_claim_of_another_name_carrying_the_client_id_is_checked() -> None:
    args = claim(name="cid", claimType="IDENTITY", value=" app.clientId ")
    assert messages(rules.validate_okta_claim, args) == [
        "Okta claim 'cid' maps tokens to portal applications but claim_type is 'IDENTITY'; use "
        '"RESOURCE" (the access token Kong reads).'
    ]


def test_the_claim_rule_reads_only_claims() -> None:
    other = resource_args(rules.OKTA_SCOPE, {"name": "application_id", "claimType": "IDENTITY"})
    assert messages(rules.validate_okta_claim, other) == []


# 5b. the Okta claim matches the plugins' consumer claim -------------------------------------------


def _plugins(stack: StackBuilder, *configs: object) -> StackBuilder:
    stack.remove("orders-oidc")
    for i, config in enumerate(configs):
        props: dict = {"name": "openid-connect", "service_id": UNKNOWN}
        if config is not None:
            props["config"] = config
        stack.add(rules.KONG_PLUGIN, f"oidc-{i}", props, service_id="orders")
    return stack


def test_consumer_claim_naming_no_okta_claim_message() -> None:
    stack = _plugins(okta_stack(), oidc_config(consumer_claim=["app_id"]))
    assert violations(rules.validate_okta_claim_matches_consumer_claim, stack.args()) == [
        (
            "openid-connect plugin 'oidc-0': config.consumer_claim is ['app_id'] but no Okta claim"
            " of this stack is named 'app_id' (claims: ['application_id']). Create the claim"
            " 'app_id' (RESOURCE, EXPRESSION, 'app.clientId') or point consumer_claim at the claim"
            " that carries the client id.",
            stack.by_name["oidc-0"].urn,
        )
    ]


def test_a_stack_with_an_auth_server_and_no_claim_says_none() -> None:
    stack = okta_stack()
    stack.remove("application-id")
    config = oidc_config(consumer_claim=None, consumer_claims=["application_id"])
    found = messages(
        rules.validate_okta_claim_matches_consumer_claim, _plugins(stack, config).args()
    )
    assert found == [
        "openid-connect plugin 'oidc-0': config.consumer_claims is ['application_id'] but no Okta"
        " claim of this stack is named 'application_id' (claims: none). Create the claim"
        " 'application_id' (RESOURCE, EXPRESSION, 'app.clientId') or point consumer_claim at the"
        " claim that carries the client id."
    ]


def test_every_plugin_is_checked_after_one_that_cannot_be_read() -> None:
    bad = oidc_config(consumer_claim=["app_id"])
    for first in (None, oidc_config(consumer_claim=None), oidc_config(consumer_claim=[]),
                  oidc_config(consumer_claim=[1]), oidc_config(consumer_claim=["a", "b"]),
                  oidc_config(), bad):  # fmt: skip
        stack = _plugins(okta_stack(), first, bad)
        found = violations(rules.validate_okta_claim_matches_consumer_claim, stack.args())
        expected = [stack.by_name["oidc-1"].urn]
        if first is bad:
            expected.insert(0, stack.by_name["oidc-0"].urn)
        assert [u for _, u in found] == expected, first


def test_a_wrong_claim_is_reported_once_per_plugin_naming_it() -> None:
    stack = okta_stack()
    stack.remove("application-id")
    stack.add(
        rules.OKTA_CLAIM,
        "application-id",
        {"name": "application_id", "claimType": "IDENTITY", "value": "app.id"},
    )
    _plugins(stack, oidc_config(), oidc_config())
    found = violations(rules.validate_okta_claim_matches_consumer_claim, stack.args())
    urn = stack.by_name["application-id"].urn
    assert found == [
        (
            f"Okta claim 'application_id' is openid-connect plugin 'oidc-{i}''s consumer claim but"
            " claim_type is 'IDENTITY'; use \"RESOURCE\" (the access token Kong reads); value is"
            " 'app.id'; use 'app.clientId'.",
            urn,
        )
        for i in (0, 1)
    ]


def test_claims_whose_names_are_unknown_may_be_the_one() -> None:
    stack = okta_stack()
    stack.add(rules.OKTA_CLAIM, "later", {"name": UNKNOWN, "value": "app.clientId"})
    stack = _plugins(stack, oidc_config(consumer_claim=["app_id"]))
    assert messages(rules.validate_okta_claim_matches_consumer_claim, stack.args()) == []


# 6. identity apps -----------------------------------------------------------------------------

IMPLICIT = (
    ': grant_types includes "implicit", which returns tokens in the browser URL. Use '
    '"authorization_code" with PKCE (browser/native apps) or "client_credentials" (services).'
)


def test_implicit_grant_messages_name_the_kind_of_app() -> None:
    okta = app("browser", name="spa", grantTypes=["authorization_code", "implicit"])
    assert messages(rules.validate_no_implicit_grant, okta) == [f"Okta app 'spa'{IMPLICIT}"]
    dcr = resource_args(rules.CLIENT_REGISTRATION, {"grant_types": ["implicit"]}, name="spa")
    assert messages(rules.validate_no_implicit_grant, dcr) == [
        f"client registration 'spa'{IMPLICIT}"
    ]


def test_implicit_grant_rule_reads_only_identity_apps() -> None:
    other = resource_args(rules.KONG_SERVICE, {"grant_types": ["implicit"]})
    assert messages(rules.validate_no_implicit_grant, other) == []


@pytest.mark.parametrize("type_", ["browser", "native"])
def test_pkce_message(type_: str) -> None:
    args = app(type_, name="spa", pkceRequired=False)
    assert messages(rules.validate_okta_pkce, args) == [
        f"Okta {type_} app 'spa': pkce_required is false. A {type_} app cannot keep a client "
        'secret; set pkce_required=True (and token_endpoint_auth_method "none").'
    ]


def test_service_app_message() -> None:
    args = app("service", name="batch", grantTypes=["client_credentials", "password", UNKNOWN])
    assert messages(rules.validate_okta_service_app, args) == [
        "Okta service app 'batch': grant_types ['client_credentials', 'password', <unknown>] "
        "include ['password']. A service app has no user; use "
        'grant_types=["client_credentials"] only.'
    ]


# 7. flows granted by this stack's access-policy rules ------------------------------------------


def _rule(stack: StackBuilder, name: str, grants: object, scopes: object) -> None:
    stack.add(
        rules.OKTA_POLICY_RULE, name, {"grantTypeWhitelists": grants, "scopeWhitelists": scopes}
    )


def _missing(app_name: str, flows: list[str]) -> str:
    return (
        f"Okta app {app_name!r} uses {flows!r} but no active access-policy rule of this stack "
        "grants that flow with a custom scope, so Okta answers 'no_matching_policy'. Add a "
        f"ServerPolicyRule with grant_type_whitelists {flows!r} and scope_whitelists naming a "
        "custom ServerScope."
    )


def test_a_rule_with_unknown_scopes_may_grant_any_flow() -> None:
    stack = okta_stack()
    stack.remove("code-rule")
    stack.remove("cc-rule")
    _rule(stack, "cc-rule", ["client_credentials"], UNKNOWN)
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


def test_a_rule_with_unknown_grants_may_grant_any_flow() -> None:
    stack = okta_stack()
    stack.remove("code-rule")
    _rule(stack, "later-rule", UNKNOWN, ["portal.api"])
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


def test_wildcard_scope_counts_only_with_a_custom_scope() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.remove("code-rule")
    stack.remove("portal-scope")
    _rule(stack, "any-rule", ["client_credentials", "authorization_code"], ["*"])
    found = violations(rules.validate_okta_flows_have_rules, stack.args())
    assert found == [
        (_missing("svc-app", ["client_credentials"]), stack.by_name["svc-app"].urn),
        (_missing("spa-app", ["authorization_code"]), stack.by_name["spa-app"].urn),
    ]


@pytest.mark.parametrize(
    ("custom_scope", "scopes"),
    [(False, ["openid", "profile", "*"]), (True, ["openid", "profile"])],
    ids=["no-custom-scope", "custom-scope-not-named"],
)
def test_a_rule_with_only_standard_scopes_grants_nothing(custom_scope: bool, scopes: list) -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    if not custom_scope:
        stack.remove("portal-scope")
    _rule(stack, "std-rule", ["client_credentials"], scopes)
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        _missing("svc-app", ["client_credentials"])
    ]


def test_a_wildcard_rule_grants_its_flows_when_a_custom_scope_exists() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.remove("code-rule")
    _rule(stack, "any-rule", ["client_credentials", "authorization_code"], ["*"])
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


def test_a_custom_scope_need_not_be_declared_in_this_stack() -> None:
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.remove("portal-scope")
    _rule(stack, "cc-rule", ["client_credentials"], ["orders.read"])
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


def test_apps_without_grant_types_use_their_types_default() -> None:
    stack = okta_stack()
    stack.remove("code-rule")
    stack.remove("cc-rule")
    stack.add(rules.OKTA_APP, "web-app", {"label": "web", "type": "web"})
    stack.add(rules.OKTA_APP, "saml-app", {"label": "saml", "type": "saml"})  # no default
    found = messages(rules.validate_okta_flows_have_rules, stack.args())
    assert found == [
        _missing("svc-app", ["client_credentials"]),
        _missing("spa-app", ["authorization_code"]),
        _missing("web-app", ["authorization_code"]),
    ]


def test_an_apps_own_grant_types_win_over_the_default() -> None:
    stack = okta_stack()
    stack.add(
        rules.OKTA_APP,
        "spa2",
        {"type": "browser", "grantTypes": ["authorization_code", "implicit"]},
    )
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        _missing("spa2", ["implicit"])
    ]


def test_refresh_token_needs_no_rule_and_unknown_grants_skip_only_their_app() -> None:
    stack = okta_stack()
    stack.remove("code-rule")
    later = stack.add(rules.OKTA_APP, "later", {"grantTypes": UNKNOWN})
    stack.resources.remove(later)
    stack.resources.insert(0, later)  # read first: its unknown grants must not end the check
    stack.add(
        rules.OKTA_APP,
        "svc2",
        {"type": "service", "grantTypes": ["client_credentials", "refresh_token"]},
    )
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        _missing("spa-app", ["authorization_code"])
    ]


# 7b. a portal stack: flows granted by the gateway stack it references ---------------------------


def portal_stack(gateway: object, *apps: tuple[str, dict]) -> StackBuilder:
    """A portal stack: Okta apps and a Portal component carrying its gateway's exports."""
    stack = StackBuilder()
    stack.add(PORTAL_COMPONENT, "portal", {} if gateway is None else {"gateway": gateway})
    for name, props in apps:
        stack.add(rules.OKTA_APP, name, props)
    return stack


def _not_granted(app_name: str, flows: list[str], granted: list[str]) -> str:
    return (
        f"Okta app {app_name!r} uses {flows!r} but the gateway stack it references grants only "
        f"{granted!r} (its access-policy rules), so Okta answers 'no_matching_policy'. Add the "
        "flow to the gateway stack's kong-okta-portal:split.flows and update it first."
    )


APPS = (
    ("svc", {"type": "service"}),
    ("cli", {"type": "native", "grantTypes": ["authorization_code", "refresh_token"]}),
    ("spa", {"type": "browser", "grantTypes": ["authorization_code", "implicit"]}),
    ("later", {"type": "web", "grantTypes": UNKNOWN}),
    ("saml", {"type": "saml"}),
    ("web", {"type": "web", "grantTypes": ["authorization_code", "password"]}),
)


def test_portal_apps_whose_flows_the_gateway_does_not_grant_are_flagged() -> None:
    gateway = {"flows": ["client_credentials", "authorization_code", 3], "services": {}}
    stack = portal_stack(gateway, *APPS)
    found = violations(rules.validate_okta_flows_have_rules, stack.args())
    granted = ["authorization_code", "client_credentials"]
    assert found == [
        (_not_granted("spa", ["implicit"], granted), stack.by_name["spa"].urn),
        (_not_granted("web", ["password"], granted), stack.by_name["web"].urn),
    ]


def test_portal_app_default_grant_is_checked_against_the_gateway() -> None:
    stack = portal_stack({"flows": ["authorization_code"]}, *APPS[:1])
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        _not_granted("svc", ["client_credentials"], ["authorization_code"])
    ]


@pytest.mark.parametrize(
    "gateway", [None, {"services": {}}, {"flows": UNKNOWN}, "not-an-export"], ids=str
)
def test_a_gateway_export_that_cannot_be_read_hides_nothing_it_may_grant(gateway: object) -> None:
    stack = portal_stack(gateway, *APPS)
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []


def test_every_gateway_export_must_be_readable() -> None:
    stack = portal_stack({"flows": ["client_credentials"]}, ("spa", APPS[2][1]))
    stack.add(PORTAL_COMPONENT, "portal-2", {"gateway": {"flows": UNKNOWN}})
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []
    stack.remove("portal-2")
    stack.add(PORTAL_COMPONENT, "portal-2", {"gateway": {"flows": ["implicit"]}})
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        _not_granted("spa", ["authorization_code"], ["client_credentials", "implicit"])
    ]


def test_a_custom_scope_with_a_standard_name_counts() -> None:
    # "groups" is a standard OIDC scope name, yet custom authorization servers often declare it
    stack = okta_stack()
    stack.remove("cc-rule")
    stack.remove("portal-scope")
    stack.add(rules.OKTA_SCOPE, "groups-scope", {"authServerId": UNKNOWN, "name": "groups"})
    _rule(stack, "cc-rule", ["client_credentials"], ["groups"])
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == []
    stack.remove("groups-scope")
    assert messages(rules.validate_okta_flows_have_rules, stack.args()) == [
        _missing("svc-app", ["client_credentials"])
    ]
