"""Kong plugin and service rules, called the way the analyzer calls them."""

from __future__ import annotations

import pytest
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.secret import Secret

from policies import rules
from tests.policies.support import UNKNOWN, messages, oidc_config, resource_args


def oidc(name: str = "orders-oidc", **config: object) -> object:
    return resource_args(
        rules.KONG_PLUGIN,
        {"name": "openid-connect", "service_id": "svc-1", "config": oidc_config(**config)},
        name=name,
    )


# 1. verify_parameters ------------------------------------------------------------------


def test_verify_parameters_false_passes() -> None:
    assert messages(rules.validate_oidc_verify_parameters, oidc()) == []


@pytest.mark.parametrize("value", [True, None])
def test_verify_parameters_not_false_is_flagged(value: object) -> None:
    found = messages(rules.validate_oidc_verify_parameters, oidc(verify_parameters=value))
    assert len(found) == 1
    assert "orders-oidc" in found[0] and "verify_parameters to false" in found[0]


def test_verify_parameters_unknown_passes() -> None:
    assert messages(rules.validate_oidc_verify_parameters, oidc(verify_parameters=UNKNOWN)) == []


def test_verify_parameters_ignores_other_plugins() -> None:
    args = resource_args(
        rules.KONG_PLUGIN, {"name": "rate-limiting", "config": {"verify_parameters": True}}
    )
    assert messages(rules.validate_oidc_verify_parameters, args) == []


def test_remediation_sets_verify_parameters_and_keeps_the_rest() -> None:
    args = oidc(verify_parameters=True, issuer=UNKNOWN)
    remediated = rules.remediate_oidc_verify_parameters(args)
    assert remediated is not None
    fixed = serialize_properties(remediated)  # what the analyzer sends back to the engine
    assert fixed["config"]["verify_parameters"] is False
    assert fixed["config"]["consumer_claim"] == ["application_id"]
    assert fixed["config"]["issuer"] == UNKNOWN  # the unknown flows through untouched
    assert fixed["service_id"] == "svc-1"
    again = resource_args(rules.KONG_PLUGIN, fixed)
    assert messages(rules.validate_oidc_verify_parameters, again) == []


def test_remediation_keeps_secret_markers() -> None:
    from pulumi_policy.secret import secrets_preserving_proxy

    raw = {
        "name": "openid-connect",
        "__provider": Secret("blob"),
        "config": oidc_config(verify_parameters=True, client_secret=[Secret("s3cr3t")]),
    }
    args = resource_args(rules.KONG_PLUGIN, {})
    args.props = secrets_preserving_proxy(raw)  # the shape Remediate passes
    fixed = rules.remediate_oidc_verify_parameters(args)
    assert fixed is not None
    assert isinstance(fixed["__provider"], Secret)
    assert isinstance(fixed["config"]["client_secret"][0], Secret)
    assert fixed["config"]["verify_parameters"] is False


def test_remediation_leaves_a_correct_plugin_alone() -> None:
    assert rules.remediate_oidc_verify_parameters(oidc()) is None


# 2. consumer_claim path, verify_credentials ----------------------------------------------


@pytest.mark.parametrize("key", ["consumer_claim", "consumer_claims"])
def test_single_claim_path_passes(key: str) -> None:
    config = oidc_config()
    config.pop("consumer_claim")
    config[key] = ["application_id"]
    args = resource_args(rules.KONG_PLUGIN, {"name": "openid-connect", "config": config})
    assert messages(rules.validate_oidc_consumer_claim, args) == []


def test_nested_claim_path_is_flagged() -> None:
    found = messages(
        rules.validate_oidc_consumer_claim, oidc(consumer_claim=["sub", "application_id"])
    )
    assert len(found) == 1
    assert "nested path sub.application_id" in found[0] and "['application_id']" in found[0]


def test_string_claim_is_flagged() -> None:
    found = messages(rules.validate_oidc_consumer_claim, oidc(consumer_claim="application_id"))
    assert len(found) == 1 and "array" in found[0]


def test_missing_claim_is_flagged() -> None:
    found = messages(rules.validate_oidc_consumer_claim, oidc(consumer_claim=None))
    assert len(found) == 1 and "not set" in found[0]


def test_unknown_claim_passes() -> None:
    assert messages(rules.validate_oidc_consumer_claim, oidc(consumer_claim=UNKNOWN)) == []


def test_verify_credentials_anywhere_is_flagged() -> None:
    args = resource_args(
        rules.KONG_PLUGIN,
        {"name": "openid-connect", "config": oidc_config(extra={"verify_credentials": False})},
        name="orders-oidc",
    )
    found = messages(rules.validate_no_verify_credentials, args)
    assert len(found) == 1 and "config.extra.verify_credentials" in found[0]


def test_verify_credentials_absent_passes() -> None:
    assert messages(rules.validate_no_verify_credentials, oidc()) == []


# 3. issuer https, consumer_by --------------------------------------------------------------


def test_https_issuer_passes() -> None:
    assert messages(rules.validate_oidc_issuer_https, oidc()) == []


def test_loopback_http_issuer_passes_when_allowed() -> None:
    args = resource_args(
        rules.KONG_PLUGIN,
        {
            "name": "openid-connect",
            "config": oidc_config(issuer="http://127.0.0.1:4010/oauth2/default"),
        },
        config={"allowLoopback": True},
    )
    assert messages(rules.validate_oidc_issuer_https, args) == []


@pytest.mark.parametrize(
    ("issuer", "config"),
    [
        ("http://idp.example.com/oauth2/default", {}),
        ("http://127.0.0.1:4010/oauth2/default", {"allowLoopback": False}),
        (None, {}),
    ],
)
def test_plain_http_or_missing_issuer_is_flagged(issuer: object, config: dict) -> None:
    args = resource_args(
        rules.KONG_PLUGIN,
        {"name": "openid-connect", "config": oidc_config(issuer=issuer)},
        name="orders-oidc",
        config=config,
    )
    found = messages(rules.validate_oidc_issuer_https, args)
    assert len(found) == 1 and "orders-oidc" in found[0]


def test_unknown_issuer_passes() -> None:
    assert messages(rules.validate_oidc_issuer_https, oidc(issuer=UNKNOWN)) == []


@pytest.mark.parametrize("consumer_by", [["custom_id"], ["username", "custom_id"], None, UNKNOWN])
def test_consumer_by_with_custom_id_or_default_passes(consumer_by: object) -> None:
    assert messages(rules.validate_oidc_consumer_by, oidc(consumer_by=consumer_by)) == []


def test_consumer_by_without_custom_id_is_flagged() -> None:
    found = messages(rules.validate_oidc_consumer_by, oidc(consumer_by=["username"]))
    assert len(found) == 1 and "custom_id" in found[0]


# 4. application-registration scope ----------------------------------------------------------


def appreg(name: str = "orders-appreg", **props: object) -> object:
    base = {"name": "application-registration", "config": {"display_name": "Orders"}}
    return resource_args(rules.KONG_PLUGIN, {**base, **props}, name=name)


@pytest.mark.parametrize("service_id", ["svc-1", UNKNOWN])
def test_app_registration_on_service_passes(service_id: str) -> None:
    assert messages(rules.validate_app_registration_scope, appreg(service_id=service_id)) == []


def test_app_registration_on_route_is_flagged() -> None:
    found = messages(rules.validate_app_registration_scope, appreg(route_id="rt-1"))
    assert len(found) == 2  # scoped by route, and no service
    assert any("route_id" in m for m in found) and any("service_id is not set" in m for m in found)


def test_app_registration_global_is_flagged() -> None:
    found = messages(rules.validate_app_registration_scope, appreg())
    assert len(found) == 1 and "service_id is not set" in found[0]


# 9. environment: auto_approve, upstream ----------------------------------------------------


def test_auto_approve_false_passes() -> None:
    args = appreg(service_id="s", config={"display_name": "Orders", "auto_approve": False})
    assert messages(rules.validate_auto_approve_off, args) == []


def test_auto_approve_true_is_flagged() -> None:
    args = appreg(service_id="s", config={"display_name": "Orders", "auto_approve": True})
    found = messages(rules.validate_auto_approve_off, args)
    assert len(found) == 1 and "auto_approve" in found[0]


def service(url: object = None, config: dict | None = None, **props: object) -> object:
    return resource_args(
        rules.KONG_SERVICE, {"name": "orders", "url": url, **props}, name="orders", config=config
    )


@pytest.mark.parametrize(
    ("svc_args", "config"),
    [
        ({"url": "https://orders.internal"}, {}),
        ({"url": "http://127.0.0.1:9000"}, {"allowLoopback": True}),
        ({"url": UNKNOWN}, {}),
        ({"protocol": "https", "host": "orders.internal"}, {}),
        ({"protocol": "tls", "host": "orders.internal"}, {}),
        ({"protocol": "http", "host": "127.0.0.1"}, {"allowLoopback": True}),
    ],
)
def test_https_upstream_passes(svc_args: dict, config: dict) -> None:
    assert messages(rules.validate_upstream_https, service(config=config, **svc_args)) == []


@pytest.mark.parametrize(
    ("svc_args", "config"),
    [
        ({"url": "http://orders.internal"}, {}),
        ({"url": "http://127.0.0.1:9000"}, {"allowLoopback": False}),
        ({"protocol": "http", "host": "orders.internal"}, {"allowLoopback": True}),
    ],
)
def test_http_upstream_is_flagged(svc_args: dict, config: dict) -> None:
    found = messages(rules.validate_upstream_https, service(config=config, **svc_args))
    assert len(found) == 1 and "'orders'" in found[0] and "https" in found[0]


def test_http_upstream_message_in_full() -> None:
    found = messages(rules.validate_upstream_https, service(protocol="http", host="127.0.0.1"))
    assert found == [
        "Kong service 'orders': the upstream protocol 'http'; tokens and data would cross the "
        "network unencrypted. Use an https upstream URL."
    ]


def test_remediation_keeps_a_config_that_is_secret_as_a_whole() -> None:
    from pulumi_policy.secret import secrets_preserving_proxy

    raw = {"name": "openid-connect", "config": Secret(oidc_config(verify_parameters=True))}
    args = resource_args(rules.KONG_PLUGIN, {})
    args.props = secrets_preserving_proxy(raw)
    fixed = rules.remediate_oidc_verify_parameters(args)
    assert fixed is not None and isinstance(fixed["config"], Secret)
    assert fixed["config"].value["verify_parameters"] is False
    assert fixed["config"].value["consumer_claim"] == ["application_id"]


def test_remediation_leaves_other_plugins_and_unknown_values_alone() -> None:
    other = resource_args(
        rules.KONG_PLUGIN, {"name": "rate-limiting", "config": {"verify_parameters": True}}
    )
    assert rules.remediate_oidc_verify_parameters(other) is None
    assert rules.remediate_oidc_verify_parameters(oidc(verify_parameters=UNKNOWN)) is None
