"""Connection settings (`providers.settings`): the messages a user reads for a bad setting, whole,
and the loopback and URL rules they follow."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from providers.kong_admin import KongAdminSettings, KongConfigError
from providers.settings import (
    IdentityConnection,
    KongConnection,
    config_object,
    describe,
    is_loopback_host,
    is_loopback_url,
    url_problem,
)


def problems(model: Any, conf: dict[str, Any], key: str) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(conf)
    return describe(info.value, key)


def test_a_missing_setting_shows_not_set() -> None:
    assert problems(KongConnection, {}, "kong") == (
        "`kong-okta-portal:kong.adminUrl` = <not set>: expected Field required"
    )


def test_a_misspelt_key_says_keys_are_camel_case() -> None:
    conf = {"adminUrl": "https://kong.example.com", "adminURL": "y"}
    assert problems(KongConnection, conf, "kong") == (
        "`kong-okta-portal:kong.adminURL` = 'y': expected no such key (check the spelling; "
        "keys are camelCase)"
    )


def test_a_rule_of_ours_reads_without_pydantics_prefix() -> None:
    conf = {"adminUrl": "http://kong.example.com:8001"}
    assert problems(KongConnection, conf, "kong") == (
        "`kong-okta-portal:kong.adminUrl` = 'http://kong.example.com:8001': expected an https "
        "URL for the Kong Admin API (plain http only on loopback); the admin token would "
        "travel unencrypted: use https, or set kong.allowInsecureHttp: true to accept the risk"
    )
    assert problems(IdentityConnection, {"registrationEndpoint": "x"}, "identity") == (
        "`kong-okta-portal:identity.registrationEndpoint` = 'x': expected an absolute http(s) "
        "URL for the identity provider"
    )


def test_every_problem_is_listed_in_one_message() -> None:
    conf = {"adminUrl": "https://k.example.com", "workspace": "bad ws!", "timeoutSeconds": 0}
    assert problems(KongConnection, conf, "kong") == (
        "`kong-okta-portal:kong.workspace` = 'bad ws!': expected String should match pattern "
        "'^[A-Za-z0-9._~-]{1,128}$'; `kong-okta-portal:kong.timeoutSeconds` = 0: expected "
        "Input should be greater than 0"
    )


def test_the_provider_settings_raise_the_same_message() -> None:
    with pytest.raises(KongConfigError) as info:
        KongAdminSettings(admin_url="http://kong.example.com:8001")
    assert str(info.value).startswith(
        "`kong-okta-portal:kong.adminUrl` = 'http://kong.example.com:8001': expected an https"
    )
    allowed = KongAdminSettings(admin_url="http://kong.example.com:8001/", allow_insecure_http=True)
    assert allowed.admin_url == "http://kong.example.com:8001"


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST", "localhost.localdomain", "kong.localhost", "127.0.0.1",
     "127.8.9.10", "::1", "[::1]"],
)  # fmt: skip
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize(
    "host",
    [None, "", "kong.example.com", "localhost.example.com", "10.0.0.1", "::2", "128.0.0.1",
     "Xlocalhost", "localhostX"],
)  # fmt: skip
def test_other_hosts_are_not_loopback(host: str | None) -> None:
    assert is_loopback_host(host) is False


def test_loopback_urls() -> None:
    assert is_loopback_url("http://[::1]:8001/x")
    assert not is_loopback_url("http://kong.example.com:8001")


@pytest.mark.parametrize(
    ("url", "allow", "problem"),
    [
        ("https://kong.example.com", False, None),
        ("http://127.0.0.1:8001", False, None),
        ("http://kong.example.com", True, None),
        ("http://kong.example.com", False,
         "an https URL for the Kong API (plain http only on loopback)"),
        ("ftp://kong.example.com", True, "an absolute http(s) URL for the Kong API"),
        ("https:///path-only", False, "an absolute http(s) URL for the Kong API"),
        ("kong.example.com", False, "an absolute http(s) URL for the Kong API"),
    ],
)  # fmt: skip
def test_url_problems(url: str, allow: bool, problem: str | None) -> None:
    assert url_problem(url, what="Kong API", allow_http=allow) == problem


def test_config_objects_from_text_or_a_mapping() -> None:
    assert config_object(None, "kong") == {}
    assert config_object("", "kong") == {}
    assert config_object('{"adminUrl": "x"}', "kong") == {"adminUrl": "x"}
    assert config_object({"adminUrl": "x"}, "kong") == {"adminUrl": "x"}
    with pytest.raises(ValueError) as info:
        config_object("[1]", "kong")
    assert str(info.value) == "`kong-okta-portal:kong` must be a JSON object"
    with pytest.raises(ValueError) as info:
        config_object("{nope", "identity")
    assert str(info.value) == (
        "`kong-okta-portal:identity` must be a JSON object, got unparsable text "
        "(Expecting property name enclosed in double quotes)"
    )


def test_keys_are_the_camel_case_names() -> None:
    assert KongConnection.keys() == {
        "allowInsecureHttp", "adminUrl", "workspace", "tlsVerify", "caBundle", "timeoutSeconds"
    }  # fmt: skip
    assert IdentityConnection.keys() == {
        "registrationEndpoint", "tlsVerify", "caBundle", "timeoutSeconds"
    }  # fmt: skip


def test_provider_settings_hold_the_validated_values() -> None:
    s = KongAdminSettings(admin_url="https://k.example.com/", timeout_seconds="7")  # type: ignore[arg-type]
    assert s.admin_url == "https://k.example.com"
    assert s.timeout_seconds == 7.0 and isinstance(s.timeout_seconds, float)


def test_a_plain_http_registration_endpoint_is_refused_off_loopback() -> None:
    conf = {"registrationEndpoint": "http://id.example.com/oauth2/v1/clients"}
    assert problems(IdentityConnection, conf, "identity") == (
        "`kong-okta-portal:identity.registrationEndpoint` = "
        "'http://id.example.com/oauth2/v1/clients': expected an https URL for the identity "
        "provider (plain http only on loopback)"
    )
    local = {"registrationEndpoint": "http://127.0.0.1:8090/oauth2/v1/clients"}
    assert (
        IdentityConnection.model_validate(local).registration_endpoint
        == local["registrationEndpoint"]
    )
