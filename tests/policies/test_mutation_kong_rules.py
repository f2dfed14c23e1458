"""The Kong-side rules, message by message: what a user reads (policy subject, setting, value,
fix), what passes, and the boundaries (unknowns at preview, other plugins, missing keys).

Each message is spelled out in full: a rule that names the wrong setting or drops the fix is as
broken for its reader as one that stays silent.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest

from policies import rules
from tests.policies.support import (
    ISSUER,
    UNKNOWN,
    StackBuilder,
    dcr_stack,
    messages,
    oidc_config,
    resource_args,
    violations,
)


def plugin(name: str, config: dict, plugin_name: str = "openid-connect", **props: object) -> object:
    return resource_args(
        rules.KONG_PLUGIN, {"name": plugin_name, "config": config, **props}, name=name
    )


def oidc(**config: object) -> object:
    return plugin("orders-oidc", oidc_config(**config), service_id="svc-1")


# 1. verify_parameters --------------------------------------------------------------------------

VERIFY_FIX = (
    "Set config.verify_parameters to false (openid_connect(verify_parameters=False)): Okta's "
    "discovery document omits grant types it supports, so verification rejects valid tokens "
    "with 'invalid or unsupported grant type'."
)


@pytest.mark.parametrize(
    ("value", "shown"), [(True, "True"), (None, "not set"), ("true", "'true'")]
)
def test_verify_parameters_message_names_the_value_and_the_fix(value: object, shown: str) -> None:
    assert messages(rules.validate_oidc_verify_parameters, oidc(verify_parameters=value)) == [
        f"openid-connect plugin 'orders-oidc': config.verify_parameters is {shown}. {VERIFY_FIX}"
    ]


def test_verify_parameters_left_out_is_not_set() -> None:
    config = oidc_config()
    del config["verify_parameters"]
    assert messages(rules.validate_oidc_verify_parameters, plugin("p", config)) == [
        f"openid-connect plugin 'p': config.verify_parameters is not set. {VERIFY_FIX}"
    ]


# 2. consumer_claim -----------------------------------------------------------------------------


def test_missing_consumer_claim_message() -> None:
    assert messages(rules.validate_oidc_consumer_claim, oidc(consumer_claim=None)) == [
        "openid-connect plugin 'orders-oidc': config.consumer_claim is not set, so no token maps "
        "to a portal application and every call is refused. Set config.consumer_claim to the "
        'Okta claim that carries the client id, e.g. ["application_id"].'
    ]


@pytest.mark.parametrize("key", ["consumer_claim", "consumer_claims"])
def test_string_consumer_claim_message_names_the_key_used(key: str) -> None:
    config = oidc_config(consumer_claim=None)
    config[key] = "application_id"
    assert messages(rules.validate_oidc_consumer_claim, plugin("orders-oidc", config)) == [
        f"openid-connect plugin 'orders-oidc': config.{key} is the string 'application_id'; "
        "the Admin API only accepts an array (a claim path). Use ['application_id']."
    ]


@pytest.mark.parametrize("claim", [[], {"name": "application_id"}, 7])
def test_empty_or_non_list_consumer_claim_message(claim: object) -> None:
    assert messages(rules.validate_oidc_consumer_claim, oidc(consumer_claim=claim)) == [
        "openid-connect plugin 'orders-oidc': config.consumer_claim must be a one-element list "
        'naming the Okta claim, e.g. ["application_id"].'
    ]


def test_deep_claim_path_suggests_its_last_element() -> None:
    found = messages(rules.validate_oidc_consumer_claim, oidc(consumer_claim=["a", "b", "c"]))
    assert found == [
        "openid-connect plugin 'orders-oidc': config.consumer_claim is ['a', 'b', 'c'], which "
        "Kong reads as the nested path a.b.c (a claim inside a claim), not as alternatives. Use "
        "one element: ['c']."
    ]


# 2b. verify_credentials --------------------------------------------------------------------------


def test_verify_credentials_message_lists_every_path() -> None:
    config = oidc_config(verify_credentials=True, extra={"verify_credentials": False})
    assert messages(rules.validate_no_verify_credentials, plugin("orders-oidc", config)) == [
        "plugin 'orders-oidc' (openid-connect): config.verify_credentials, "
        "config.extra.verify_credentials is not a Kong field (a typo in the guide's sample; the "
        "Admin API answers 'unknown field'). Remove it; the intended setting is "
        "config.verify_parameters = false."
    ]


def test_verify_credentials_is_caught_on_any_plugin_but_not_on_other_resources() -> None:
    found = messages(
        rules.validate_no_verify_credentials,
        plugin("rl", {"verify_credentials": 1}, plugin_name="rate-limiting"),
    )
    assert len(found) == 1 and found[0].startswith("plugin 'rl' (rate-limiting): config.")
    service = resource_args(rules.KONG_SERVICE, {"config": {"verify_credentials": True}})
    assert messages(rules.validate_no_verify_credentials, service) == []


# 3. issuer https, consumer_by ------------------------------------------------------------------

ISSUER_FIX = (
    "Use the https issuer of the authorization server (e.g. "
    "https://<org>.okta.com/oauth2/default); plain http is only accepted for a loopback sandbox."
)


def test_missing_issuer_message() -> None:
    assert messages(rules.validate_oidc_issuer_https, oidc(issuer=None)) == [
        "openid-connect plugin 'orders-oidc': config.issuer is required; set it to the "
        "authorization server's issuer URL."
    ]


@pytest.mark.parametrize(
    ("issuer", "problem"),
    [
        ("http://idp.example.com/oauth2/default", "is plain http"),
        ("ftp://idp.example.com/oauth2/default", "is not an https URL"),
    ],
)
def test_issuer_not_https_message(issuer: str, problem: str) -> None:
    assert messages(rules.validate_oidc_issuer_https, oidc(issuer=issuer)) == [
        f"openid-connect plugin 'orders-oidc': config.issuer {issuer!r} {problem}. {ISSUER_FIX}"
    ]


def test_loopback_http_issuer_passes_without_any_pack_config() -> None:
    # the sandbox's issuer is http on loopback; the rule allows it unless told otherwise
    args = plugin("p", oidc_config(issuer="http://127.0.0.1:4010/oauth2/default"))
    assert not args.get_config()
    assert messages(rules.validate_oidc_issuer_https, args) == []


def test_consumer_by_without_custom_id_message() -> None:
    assert messages(rules.validate_oidc_consumer_by, oidc(consumer_by=["username"])) == [
        "openid-connect plugin 'orders-oidc': config.consumer_by is ['username']; portal "
        'applications are found by their Reference Id (custom_id). Add "custom_id", e.g. '
        'consumer_by: ["custom_id"].'
    ]


def test_consumer_by_of_another_plugin_is_not_checked() -> None:
    args = plugin("other", {"consumer_by": ["username"]}, plugin_name="acl")
    assert messages(rules.validate_oidc_consumer_by, args) == []


# 3b. issuer matches the identity component ----------------------------------------------------


def _with_plugin_issuer(stack: StackBuilder, config: dict | None) -> StackBuilder:
    if "orders-oidc" in stack.by_name:
        stack.remove("orders-oidc")
    props: dict = {"name": "openid-connect"}
    if config is not None:
        props["config"] = config
    stack.add(rules.KONG_PLUGIN, "orders-oidc", props, service_id="orders")
    return stack


def test_okta_server_issuer_is_the_identity_issuer() -> None:
    stack = StackBuilder()
    stack.add(rules.OKTA_SERVER, "srv", {"name": "portal", "issuer": ISSUER})
    stack.add(rules.KONG_SERVICE, "orders", {"name": "orders"})
    _with_plugin_issuer(stack, oidc_config(issuer=ISSUER + "/"))
    assert violations(rules.validate_oidc_issuer_matches_identity, stack.args()) == []
    _with_plugin_issuer(stack, oidc_config(issuer="https://other.okta.com/oauth2/x"))
    assert violations(rules.validate_oidc_issuer_matches_identity, stack.args()) == [
        (
            "openid-connect plugin 'orders-oidc': config.issuer 'https://other.okta.com/oauth2/x'"
            f" is not the issuer of this stack's identity component ({ISSUER}). Wire the plugin's"
            " issuer from the identity component so tokens and claims come from the same"
            " authorization server.",
            stack.by_name["orders-oidc"].urn,
        )
    ]


def test_the_message_lists_every_identity_issuer_sorted_without_its_slash() -> None:
    stack = dcr_stack(preview=False, issuer="https://b.example.com/oauth2/default")
    stack.add(rules.CLIENT_REGISTRATION, "third", {"issuer": "https://a.example.com/oauth2/x/"})
    _with_plugin_issuer(stack, oidc_config(issuer="https://c.example.com/oauth2/default"))
    found = messages(rules.validate_oidc_issuer_matches_identity, stack.args())
    assert len(found) == 1
    assert (
        "(https://a.example.com/oauth2/x, https://b.example.com/oauth2/default). Wire" in found[0]
    )


def test_a_registration_issuer_unknown_at_preview_may_be_the_plugins() -> None:
    stack = _with_plugin_issuer(dcr_stack(), oidc_config(issuer="https://other/oauth2/x"))
    stack.add(rules.CLIENT_REGISTRATION, "later-client", {"issuer": UNKNOWN})
    assert messages(rules.validate_oidc_issuer_matches_identity, stack.args()) == []


@pytest.mark.parametrize("config", [None, {"consumer_claim": ["application_id"]}])
def test_a_plugin_without_config_or_issuer_is_left_to_the_issuer_rule(config: dict | None) -> None:
    stack = _with_plugin_issuer(dcr_stack(), config)
    assert messages(rules.validate_oidc_issuer_matches_identity, stack.args()) == []


# 4. application-registration scope --------------------------------------------------------------

NO_SERVICE = (
    "application-registration plugin 'orders-appreg': service_id is not set; Kong only accepts "
    "this plugin on a service (one per service). Set service_id to the service's kong_id."
)


def appreg(**props: object) -> object:
    return plugin("orders-appreg", {"display_name": "Orders"}, "application-registration", **props)


def test_app_registration_on_route_and_consumer_messages() -> None:
    found = messages(rules.validate_app_registration_scope, appreg(route_id="r", consumer_id="c"))
    assert found == [
        "application-registration plugin 'orders-appreg': scoped by route_id, consumer_id; Kong "
        "only accepts it on a service. Remove the route/consumer scope and set service_id.",
        NO_SERVICE,
    ]


def test_app_registration_on_a_consumer_is_flagged() -> None:
    found = messages(rules.validate_app_registration_scope, appreg(service_id="s", consumer_id="c"))
    assert found == [
        "application-registration plugin 'orders-appreg': scoped by consumer_id; Kong only "
        "accepts it on a service. Remove the route/consumer scope and set service_id."
    ]


def test_app_registration_with_service_id_null_is_flagged() -> None:
    assert messages(rules.validate_app_registration_scope, appreg(service_id=None)) == [NO_SERVICE]


def test_app_registration_scope_ignores_other_plugins() -> None:
    route_oidc = plugin("route-oidc", oidc_config(), route_id="rt-1")
    assert messages(rules.validate_app_registration_scope, route_oidc) == []


# 4b. application-registration needs openid-connect ------------------------------------------------


def test_app_registration_without_oidc_message_and_every_such_plugin() -> None:
    stack = dcr_stack(preview=False)
    stack.add(rules.KONG_SERVICE, "billing", {"name": "billing", "kong_id": "svc-2"})
    stack.add(
        rules.KONG_PLUGIN,
        "billing-appreg",
        {"name": "application-registration", "service_id": "svc-2", "config": {}},
    )
    # the orders plugin (fine) comes first; the billing one must still be reported
    assert violations(rules.validate_app_registration_has_oidc, stack.args()) == [
        (
            "application-registration plugin 'billing-appreg': its service has no openid-connect"
            " plugin, so no token maps to an application and every call gets 401. Add the"
            " openid-connect plugin on the same service.",
            stack.by_name["billing-appreg"].urn,
        )
    ]


# 9. auto_approve, upstream, admin URL -------------------------------------------------------------


def test_auto_approve_message() -> None:
    args = plugin("orders-appreg", {"auto_approve": True}, "application-registration")
    assert messages(rules.validate_auto_approve_off, args) == [
        "application-registration plugin 'orders-appreg': config.auto_approve is true, so any "
        "developer's application gets access without review. Set auto_approve to false and "
        "approve contracts through the stack config."
    ]


def test_auto_approve_of_another_plugin_is_not_checked() -> None:
    assert messages(rules.validate_auto_approve_off, oidc(auto_approve=True)) == []


def upstream(config: dict | None = None, **props: object) -> object:
    return resource_args(
        rules.KONG_SERVICE, {"name": "orders", **props}, name="orders", config=config
    )


@pytest.mark.parametrize("protocol", ["https", "grpcs", "tls", "wss"])
def test_encrypted_protocols_pass_off_loopback(protocol: str) -> None:
    args = upstream(protocol=protocol, host="orders.internal")
    assert messages(rules.validate_upstream_https, args) == []


@pytest.mark.parametrize(
    ("props", "problem"),
    [
        ({"url": "http://orders.internal:8080"}, "'http://orders.internal:8080' is plain http"),
        ({"url": "grpc://orders.internal"}, "'grpc://orders.internal' is not an https URL"),
        ({"protocol": "ws", "host": "orders.internal"}, "protocol 'ws'"),
        ({"protocol": "http", "host": "127.0.0.1"}, "protocol 'http'"),  # loopback not allowed
    ],
)
def test_unencrypted_upstream_message(props: dict, problem: str) -> None:
    assert messages(rules.validate_upstream_https, upstream(**props)) == [
        f"Kong service 'orders': the upstream {problem}; tokens and data would cross the network "
        "unencrypted. Use an https upstream URL."
    ]


def test_the_url_wins_over_protocol_and_host() -> None:
    args = upstream(url="https://orders.internal", protocol="http", host="orders.internal")
    assert messages(rules.validate_upstream_https, args) == []
    loopback = upstream({"allowLoopback": True}, url="http://localhost:9000", protocol="http")
    assert messages(rules.validate_upstream_https, loopback) == []


def test_upstream_rule_reads_only_services() -> None:
    route = resource_args(rules.KONG_ROUTE, {"url": "http://orders.internal"})
    assert messages(rules.validate_upstream_https, route) == []


ADMIN_FIX = (
    "the admin token would travel unencrypted. Use the https Admin API address "
    "(kong-okta-portal:kong.adminUrl, KONG_ADMIN_URL)."
)


def test_admin_url_message_and_loopback_needs_the_switch() -> None:
    with mock.patch.dict(os.environ, {}, clear=False):
        os.environ.pop("KONG_ADMIN_URL", None)
        found = messages(
            rules.validate_admin_url_https,
            StackBuilder().args({"adminUrl": "http://127.0.0.1:8001"}),
        )
    assert found == [f"Kong Admin API URL 'http://127.0.0.1:8001' is plain http; {ADMIN_FIX}"]
