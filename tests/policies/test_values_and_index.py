"""The helpers every rule reads resources with: `policies.values` (plain values, unknowns,
property names, URLs, plugin configs) and `policies.stack_index` (a stack's resources and the
references between them, at preview and after a deployment)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE
from pulumi_policy.secret import Secret

from policies import okta_rules, portal_rules, values
from policies.kong_rules import _admin_url
from policies.stack_index import Res, Stack, stack_of
from policies.values import UNKNOWN
from tests.policies.support import StackBuilder, resource_args

# --------------------------------------------------------------------------- values


def test_unknown_is_one_value_and_reads_as_unknown() -> None:
    assert type(UNKNOWN)() is UNKNOWN
    assert repr(UNKNOWN) == "<unknown>"  # what a violation message shows for such a value


def test_plain_turns_sentinels_into_unknown_and_unwraps_secrets() -> None:
    proxied = resource_args(
        values.KONG_PLUGIN,
        {"a": UNKNOWN_STRING_VALUE, "b": [1, UNKNOWN_BOOLEAN_VALUE, {"c": "x"}],
         "s": Secret({"t": "tok"}), "n": None, "bytes": b"ab"},
    ).props  # fmt: skip
    assert values.plain(proxied) == {
        "a": UNKNOWN, "b": [1, UNKNOWN, {"c": "x"}], "s": {"t": "tok"}, "n": None, "bytes": b"ab",
    }  # fmt: skip
    assert values.plain("text") == "text"
    assert values.plain(("x", UNKNOWN_STRING_VALUE)) == ["x", UNKNOWN]


def test_known_looks_inside_dicts_and_lists() -> None:
    assert values.known({"a": [1, {"b": "c"}]})
    assert not values.known(UNKNOWN)
    assert not values.known({"a": {"b": UNKNOWN}})
    assert not values.known([1, [UNKNOWN]])
    assert values.known(None) and values.known([]) and values.known({})


def test_prop_reads_the_python_name_else_the_camel_case_one() -> None:
    assert values.prop({"grant_types": ["a"]}, "grant_types") == ["a"]
    assert values.prop({"grantTypes": ["b"]}, "grant_types") == ["b"]
    assert values.prop({"tokenEndpointAuthMethod": "none"}, "token_endpoint_auth_method") == "none"
    assert values.prop({"aBC": 1}, "a_bC") == 1  # only each part's first letter is raised
    assert values.prop({}, "grant_types", "default") == "default"
    assert values.prop({}, "grant_types") is None
    assert values.prop({"grant_types": None, "grantTypes": ["c"]}, "grant_types") is None


def test_as_list() -> None:
    assert values.as_list(None) is None
    assert values.as_list("a") == ["a"]
    assert values.as_list(["a", "b"]) == ["a", "b"]


def test_pack_config_reads_a_key_or_the_default() -> None:
    with_config = resource_args(values.KONG_SERVICE, {}, config={"allowLoopback": True})
    assert values.pack_config(with_config, "allowLoopback", False) is True
    assert values.pack_config(with_config, "adminUrl", "d") == "d"
    assert values.pack_config(resource_args(values.KONG_SERVICE, {}), "allowLoopback", 7) == 7


@pytest.mark.parametrize(
    ("url", "allow", "problem"),
    [
        ("https://kong.example.com", False, None),
        ("HTTPS://kong.example.com", False, None),
        ("http://127.0.0.1:8001", True, None),
        ("HTTP://localhost:8001", True, None),
        ("http://127.0.0.1:8001", False, "'http://127.0.0.1:8001' is plain http"),
        ("http://kong.example.com", True, "'http://kong.example.com' is plain http"),
        ("ftp://kong.example.com", True, "'ftp://kong.example.com' is not an https URL"),
        ("kong.example.com", False, "'kong.example.com' is not an https URL"),
        (UNKNOWN, False, None),
        (None, False, None),
    ],
)
def test_url_problem(url: Any, allow: bool, problem: str | None) -> None:
    assert values.url_problem(url, allow_loopback=allow) == problem


def test_find_key_gives_every_path() -> None:
    config = {"a": {"verify": 1, "b": [{"verify": 2}, {"c": 3}]}, "verify": 4}
    assert values.find_key(config, "verify") == [
        "config.a.verify", "config.a.b[0].verify", "config.verify",
    ]  # fmt: skip
    assert values.find_key(config, "verify", "p") == ["p.a.verify", "p.a.b[0].verify", "p.verify"]
    assert values.find_key([{"k": 1}], "k") == ["config[0].k"]
    assert values.find_key("k", "k") == []


def test_plugin_props_and_config_by_plugin_name() -> None:
    oidc = resource_args(
        values.KONG_PLUGIN, {"name": "openid-connect", "config": {"issuer": UNKNOWN_STRING_VALUE}}
    )
    expected = {"name": "openid-connect", "config": {"issuer": UNKNOWN}}
    assert values.plugin_props(oidc) == expected
    assert values.plugin_props(oidc, "openid-connect") == expected
    assert values.plugin_props(oidc, "application-registration") is None
    assert (
        values.plugin_props(resource_args(values.KONG_SERVICE, {"name": "openid-connect"})) is None
    )
    assert values.plugin_config_of(oidc, "openid-connect") == {"issuer": UNKNOWN}
    assert values.plugin_config_of(oidc, "application-registration") is None
    no_config = resource_args(values.KONG_PLUGIN, {"name": "openid-connect"})
    assert values.plugin_config_of(no_config, "openid-connect") is None
    assert values.plugin_config({"config": "not a dict"}) is None
    assert values.plugin_config({"config": {"a": 1}}) == {"a": 1}


def test_consumer_claim_of_prefers_the_314_name() -> None:
    assert values.consumer_claim_of({"consumer_claims": ["a"], "consumer_claim": ["b"]}) == (
        "consumer_claims", ["a"],
    )  # fmt: skip
    assert values.consumer_claim_of({"consumer_claims": None, "consumer_claim": ["b"]}) == (
        "consumer_claim", ["b"],
    )  # fmt: skip
    assert values.consumer_claim_of({}) == ("consumer_claim", None)


# --------------------------------------------------------------------------- rule helpers


def test_claim_problems_name_each_wrong_field() -> None:
    good = {"claimType": "RESOURCE", "valueType": "EXPRESSION", "value": " app.clientId "}
    assert okta_rules._claim_problems(good) == []
    assert okta_rules._claim_problems({"claim_type": UNKNOWN, "value": UNKNOWN}) == []
    assert okta_rules._claim_problems(
        {"claim_type": "IDENTITY", "value_type": "GROUPS", "value": "user.login"}
    ) == [
        "claim_type is 'IDENTITY'; use \"RESOURCE\" (the access token Kong reads)",
        "value_type is 'GROUPS'; use \"EXPRESSION\"",
        "value is 'user.login'; use 'app.clientId'",
    ]
    assert okta_rules._claim_problems({"claimType": "RESOURCE", "valueType": None}) == []


def test_grant_types_and_client_id_read_either_spelling() -> None:
    assert okta_rules._grant_types({"grantTypes": ["implicit"]}) == ["implicit"]
    assert okta_rules._grant_types({"grant_types": ["client_credentials"]}) == [
        "client_credentials"
    ]
    res = Res("t", "u", "n", {"clientId": "0oa1"})
    assert portal_rules._client_id(res) == "0oa1"
    assert portal_rules._client_id(Res("t", "u", "n", {"client_id": "cid"})) == "cid"


def test_admin_url_from_the_pack_config_else_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONG_ADMIN_URL", "https://from-env:8444")
    assert _admin_url(StackValidationArgs([], {"adminUrl": "https://cfg:8444"})) == (
        "https://cfg:8444"
    )
    assert _admin_url(StackValidationArgs([], {})) == "https://from-env:8444"
    monkeypatch.setenv("KONG_ADMIN_URL", "")
    assert _admin_url(StackValidationArgs([], {"adminUrl": ""})) is None
    monkeypatch.delenv("KONG_ADMIN_URL")
    assert _admin_url(StackValidationArgs([], None)) is None


# --------------------------------------------------------------------------- stack index

SERVICE, ROUTE, PLUGIN = values.KONG_SERVICE, values.KONG_ROUTE, values.KONG_PLUGIN


def _preview() -> StackBuilder:
    """ids unknown: references are known only from property dependencies."""
    s = StackBuilder()
    s.add(SERVICE, "orders", {"name": "orders", "kong_id": UNKNOWN_STRING_VALUE})
    s.add(ROUTE, "orders-route", {"service_id": UNKNOWN_STRING_VALUE}, service_id="orders")
    s.add(PLUGIN, "on-service", {"name": "openid-connect", "service_id": UNKNOWN_STRING_VALUE},
          service_id="orders")  # fmt: skip
    s.add(PLUGIN, "on-route", {"name": "openid-connect", "route_id": UNKNOWN_STRING_VALUE},
          route_id="orders-route")  # fmt: skip
    s.add(PLUGIN, "global", {"name": "application-registration"})
    return s


def _deployed() -> StackBuilder:
    """ids known, no property dependencies (as a stack read back after `up`)."""
    s = StackBuilder()
    s.add(SERVICE, "orders", {"name": "orders", "kong_id": "svc-1"})
    s.add(ROUTE, "orders-route", {"service_id": "svc-1", "kong_id": "rt-1"})
    s.add(PLUGIN, "on-service", {"name": "openid-connect", "service_id": "svc-1"})
    s.add(PLUGIN, "on-route", {"name": "openid-connect", "route_id": "rt-1"})
    s.add(PLUGIN, "elsewhere", {"name": "openid-connect", "service_id": "svc-9"})
    s.add(PLUGIN, "on-lost-route", {"name": "openid-connect", "route_id": "rt-9"})
    return s


def test_the_index_keeps_each_resource_with_plain_props_and_dependencies() -> None:
    built = _preview()
    stack = stack_of(built.args())
    urn = built.by_name["orders"].urn
    route = stack.resources[1]
    assert route == Res(
        ROUTE, built.by_name["orders-route"].urn, "orders-route",
        {"service_id": UNKNOWN}, {"service_id": [urn]},
    )  # fmt: skip
    assert stack.by_urn[urn] is stack.resources[0]
    assert [r.name for r in stack.of(PLUGIN)] == ["on-service", "on-route", "global"]
    assert [r.name for r in stack.of(SERVICE, ROUTE)] == ["orders", "orders-route"]
    assert [r.name for r in stack.plugins("openid-connect")] == ["on-service", "on-route"]
    assert not stack.manages_okta_auth_server()


def test_a_resource_without_property_dependencies() -> None:
    class Bare:
        resource_type, urn, name, props = SERVICE, "urn:x", "x", {"name": "x"}

    (res,) = Stack([Bare()]).resources
    assert res == Res(SERVICE, "urn:x", "x", {"name": "x"}, {})


def test_the_service_of_a_plugin_at_preview() -> None:
    built = _preview()
    stack = stack_of(built.args())
    orders = built.by_name["orders"].urn
    by_name = {r.name: r for r in stack.resources}
    assert stack.service_of_plugin(by_name["on-service"]) == orders
    assert stack.service_of_plugin(by_name["on-route"]) == orders
    assert stack.service_of_plugin(by_name["global"]) is None
    assert stack.ref(by_name["on-service"], "route_id", ROUTE) is None  # unknown, no dependency


def test_the_service_of_a_plugin_after_a_deployment() -> None:
    built = _deployed()
    stack = stack_of(built.args())
    orders = built.by_name["orders"].urn
    by_name = {r.name: r for r in stack.resources}
    assert stack.service_of_plugin(by_name["on-service"]) == orders
    assert stack.service_of_plugin(by_name["on-route"]) == orders
    # an id no resource of the stack has: still a key, the same for every plugin naming it
    assert stack.service_of_plugin(by_name["elsewhere"]) == "id:svc-9"
    assert stack.service_of_plugin(by_name["on-lost-route"]) is None


def test_a_dependency_of_another_type_is_not_the_reference() -> None:
    s = StackBuilder()
    s.add(ROUTE, "r", {"kong_id": "rt-1"})
    s.add(SERVICE, "orders", {"kong_id": "svc-1"})
    s.add(PLUGIN, "p", {"name": "x", "service_id": "svc-1"}, service_id="r")
    stack = stack_of(s.args())
    assert stack.service_of_plugin(stack.resources[2]) == s.by_name["orders"].urn


def test_an_okta_stack_manages_its_auth_server() -> None:
    s = StackBuilder()
    s.add(values.OKTA_CLAIM, "claim", {"name": "application_id"})
    assert stack_of(s.args()).manages_okta_auth_server()


def test_a_dependency_names_the_service_even_when_the_id_was_sent_without_a_value() -> None:
    # an input from an output that resolved to nothing is sent as null (dropped from the props),
    # while the engine still records the dependency on the resource it came from
    s = StackBuilder()
    s.add(SERVICE, "orders", {"name": "orders"})
    s.add(ROUTE, "orders-route", {}, service_id="orders")
    s.add(PLUGIN, "on-service", {"name": "openid-connect"}, service_id="orders")
    s.add(PLUGIN, "on-route", {"name": "openid-connect"}, route_id="orders-route")
    stack = stack_of(s.args())
    orders = s.by_name["orders"].urn
    assert stack.service_of_plugin(stack.resources[2]) == orders
    assert stack.service_of_plugin(stack.resources[3]) == orders
