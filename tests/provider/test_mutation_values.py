"""Comparable forms of Kong values (`providers.kong_values`): what `diff` and `read` count as
a change of meaning, value by value."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from providers.kong_values import has_unknown, integral, normalise, project, ref_id, service_url


@pytest.mark.parametrize(
    ("value", "unknown"),
    [(Unknown(), True), ({"a": {"b": Unknown()}}, True), ([1, [Unknown()]], True),
     ((1, Unknown()), True), ({"a": [1, 2]}, False), ("x", False), (None, False)],
)  # fmt: skip
def test_unknown_anywhere_inside_a_value(value: Any, unknown: bool) -> None:
    assert has_unknown(value) is unknown


def test_integral_gives_back_integers_at_any_depth() -> None:
    value = {"port": 8080.0, "ratio": 0.5, "list": [1.0, 2.5, {"n": 3.0}], "flag": True}
    out = integral(value)
    assert out == {"port": 8080, "ratio": 0.5, "list": [1, 2.5, {"n": 3}], "flag": True}
    assert type(out["port"]) is int and type(out["list"][2]["n"]) is int
    assert integral((1.0,)) == (1.0,)  # tuples are not the engine's


@pytest.mark.parametrize(
    ("a", "b"),
    [("http://Orders.Internal/v1", "http://orders.internal:80/v1"),
     ("https://orders.internal", "HTTPS://orders.internal:443"),
     ("grpcs://orders.internal", "grpcs://orders.internal:443")],
)  # fmt: skip
def test_urls_compare_by_meaning(a: str, b: str) -> None:
    assert normalise("url", a) == normalise("url", b)


def test_urls_differing_in_meaning_differ() -> None:
    base = normalise("url", "http://orders.internal/v1")
    assert base == ("http", "orders.internal", 80, "/v1")
    assert normalise("url", "http://orders.internal:8080/v1") != base
    assert normalise("url", "http://orders.internal/v2") != base
    assert normalise("url", "http://orders.internal")[3] is None
    assert normalise("url", "ftp://orders.internal")[2] is None  # no default port known
    assert normalise("url", 5) == 5


def test_meta_text_compares_as_json_and_sets_ignore_order() -> None:
    assert normalise("meta", '{"b": 1, "a": 2}') == {"a": 2, "b": 1}
    assert normalise("meta", "{not json") == "{not json"
    assert normalise("tags", ["b", "a"]) == normalise("tags", ["a", "b"]) == ["a", "b"]
    assert normalise("methods", ("POST", "GET")) == ["GET", "POST"]
    assert normalise("paths", ["/b", "/a"]) == ["/b", "/a"]  # a list, where order counts
    assert normalise("hosts", [{"b": 2.0}, {"a": 1}]) == [{"a": 1}, {"b": 2}]
    assert normalise("config", {"scopes": [3.0], "tags": ["z", "y"]}) == {
        "scopes": [3], "tags": ["y", "z"]
    }  # fmt: skip
    assert normalise("port", 80.0) == 80 and normalise("ratio", 0.5) == 0.5
    assert normalise("x", None) is None and normalise("url", None) is None


def test_project_keeps_only_the_keys_the_user_set() -> None:
    user = {"a": 1, "nested": {"b": 2}}
    live = {"a": 1, "extra": 9, "nested": {"b": 3, "c": 4}}
    assert project(user, live) == {"a": 1, "nested": {"b": 3}}
    assert project(user, {"a": 1}) == {"a": 1, "nested": None}
    assert project([1], [2, 3]) == [2, 3]


def test_ref_id_and_service_url() -> None:
    assert ref_id({"id": "abc"}) == "abc" and ref_id("abc") == "abc" and ref_id(None) is None
    assert service_url({"protocol": "http", "host": "h", "port": 80, "path": "/v1"}) == (
        "http://h/v1"
    )
    assert service_url({"protocol": "https", "host": "h", "port": 8443, "path": None}) == (
        "https://h:8443"
    )
    assert service_url({"protocol": "grpc", "host": "h", "port": None}) == "grpc://h"


def test_only_meta_text_is_read_as_json() -> None:
    assert normalise("name", '{"a": 1}') == '{"a": 1}'
    assert normalise("custom_id", "123") == "123"


def test_sets_of_objects_compare_whatever_order_their_keys_were_written_in() -> None:
    a_first = [{"a": 1, "b": 2}, {"a": 3}]
    b_first = [{"b": 2, "a": 1}, {"a": 3}]
    assert normalise("hosts", b_first) == normalise("hosts", a_first) == a_first


def test_openid_connect_config_as_the_guide_means_it() -> None:
    from providers.kong_kinds import GUIDE_TYPO_MESSAGE
    from providers.kong_plugins import openid_connect

    assert openid_connect(issuer="https://i", consumer_claim="application_id") == {
        "issuer": "https://i",
        "consumer_claim": ["application_id"],
        "consumer_by": ["custom_id"],
        "auth_methods": ["bearer"],
        "verify_parameters": False,
    }
    full = openid_connect(
        issuer="https://i", audience_required=("api",), scopes_required=["s"],
        consumer_optional=False, display_errors=True,
    )  # fmt: skip
    assert full["audience_required"] == ["api"] and full["scopes_required"] == ["s"]
    assert full["consumer_optional"] is False and full["display_errors"] is True
    with pytest.raises(ValueError) as info:
        openid_connect(issuer="https://i", verify_credentials=False)
    assert str(info.value) == GUIDE_TYPO_MESSAGE


def test_application_registration_config_defaults_and_description() -> None:
    from providers.kong_plugins import application_registration

    assert application_registration(display_name="Orders") == {
        "display_name": "Orders", "auto_approve": False, "show_issuer": False
    }  # fmt: skip
    assert application_registration(
        display_name="Orders", description="the orders API", auto_approve=True, show_issuer=True
    ) == {
        "display_name": "Orders", "auto_approve": True, "show_issuer": True,
        "description": "the orders API",
    }  # fmt: skip
