"""One connection-settings model: the program, both providers and the policy pack agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from components.settings import SettingsError, parse_settings
from policies.values import url_problem as policy_url_problem
from providers.dcr import ClientRegistrationProvider, RegistrationError
from providers.kong_admin import KongAdminSettings, KongConfigError
from tests.program import configs


def _program(kong: dict[str, Any] | None = None, identity: dict[str, Any] | None = None) -> Any:
    raw = configs.dcr()
    raw["kong"].update(kong or {})
    raw["identity"].update(identity or {})
    return parse_settings(raw)


def _kong_provider(kong: dict[str, Any]) -> KongAdminSettings:
    conf = {"kong-okta-portal:kong": json.dumps(kong)}
    return KongAdminSettings.from_sources(conf.get, environ={})


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8001", "http://127.0.0.2:8001", "http://localhost:8001"]
)
def test_loopback_http_is_accepted_everywhere(url: str) -> None:
    assert _program(kong={"adminUrl": url}).kong.admin_url == url
    assert _kong_provider({"adminUrl": url}).admin_url == url
    assert policy_url_problem(url, allow_loopback=True) is None


@pytest.mark.parametrize("url", ["http://kong.example.com:8001", "http://10.0.0.2:8001"])
def test_plain_http_elsewhere_is_refused_everywhere(url: str) -> None:
    with pytest.raises(SettingsError, match="kong.adminUrl.*allowInsecureHttp"):
        _program(kong={"adminUrl": url})
    with pytest.raises(KongConfigError, match="kong.adminUrl.*allowInsecureHttp"):
        _kong_provider({"adminUrl": url})
    assert policy_url_problem(url, allow_loopback=True) is not None
    # the same opt-in works for both
    assert _program(kong={"adminUrl": url, "allowInsecureHttp": True}).kong.admin_url == url
    assert _kong_provider({"adminUrl": url, "allowInsecureHttp": True}).admin_url == url


def test_identity_connection_options_are_reachable(tmp_path: Any) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    options = {"caBundle": str(ca), "tlsVerify": True, "timeoutSeconds": 7}
    settings = _program(identity=options)
    assert (settings.identity.ca_bundle, settings.identity.timeout_seconds) == (str(ca), 7)
    provider = ClientRegistrationProvider()
    identity = {**configs.dcr()["identity"], **options}
    raw = {"kong-okta-portal:identity": json.dumps(identity)}
    provider.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    conn = provider._connection
    assert (conn.ca_bundle, conn.tls_verify, conn.timeout_seconds) == (str(ca), True, 7)


@pytest.mark.parametrize(
    ("identity", "words"),
    [
        ('{"provider": "dcr", "timeoutSeconds": -1}', "identity.timeoutSeconds"),
        ('{"registrationEndpoint": "http://idp.example.com/clients"}', "https"),
        ("{not json", "JSON object"),
    ],
)
def test_bad_identity_settings_surface_on_first_use(identity: str, words: str) -> None:
    provider = ClientRegistrationProvider()
    raw = {"kong-okta-portal:identity": identity, "kong-okta-portal:identityApiToken": "t"}
    provider.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    with pytest.raises(RegistrationError, match=words):
        provider.delete("c1", {"issuer": "https://idp.example.com/oauth2/default"})
