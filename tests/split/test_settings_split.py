"""The `split` setting: each side's keys, and a portal stack's settings against its gateway
stack's exports; every problem names the setting and the value."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.settings import (
    GatewayExports,
    SettingsError,
    check_against_gateway,
    parse_settings,
)
from tests.program import configs
from tests.split.mocks import GATEWAY_REF

EXPORTS: dict[str, Any] = {
    "provider": "dcr",
    "issuer": "http://127.0.0.1:8080/oauth2/default",
    "tokenEndpoint": "http://127.0.0.1:8080/oauth2/default/v1/token",
    "scopes": ["portal_api"],
    "claimName": "application_id",
    "workspace": "default",
    "flows": ["client_credentials", "authorization_code"],
    "services": {
        name: {
            "id": f"id-{name}",
            "plugins": ["openid-connect", "application-registration"],
            "endpoint": {"proxyUrl": f"http://127.0.0.1:8000/{name}", "method": "GET"},
        }
        for name in ("orders", "billing")
    },
}


def portal(**identity: Any) -> dict[str, Any]:
    base = configs.dcr()
    return {
        "identity": {**base["identity"], **identity},
        "kong": base["kong"],
        "developers": copy.deepcopy(base["developers"]),
        "split": {"role": "portal", "gatewayStack": GATEWAY_REF},
    }


def problems(raw: dict[str, Any]) -> str:
    with pytest.raises(SettingsError) as err:
        parse_settings(raw)
    return str(err.value)


def test_no_split_is_the_single_stack() -> None:
    settings = parse_settings(configs.dcr())
    assert settings.role == "single" and settings.gateway_stack is None


def test_gateway_stack_flows_default_and_check_its_own_apps() -> None:
    cfg = configs.dcr()
    cfg["split"] = {"role": "gateway"}
    text = problems(cfg)  # grace-spa uses the implicit flow, not enabled by default
    assert (
        "kong-okta-portal:developers[1].apps[0].flow = 'implicit': expected one of the flows of "
        "kong-okta-portal:split.flows ['client_credentials', 'authorization_code']"
    ) in text
    cfg["split"]["flows"] = ["client_credentials", "authorization_code", "implicit"]
    assert parse_settings(cfg).role == "gateway"


def test_split_setting_problems_name_the_key() -> None:
    cfg = configs.dcr()
    cfg["split"] = {"role": "gateway", "flows": ["client_credentials", "client_credentials"]}
    assert "kong-okta-portal:split.flows = " in problems(cfg)
    cfg["split"] = {"role": "portal", "gatewayStack": "gateway"}
    text = problems(cfg)
    assert "kong-okta-portal:split.gatewayStack = 'gateway'" in text
    cfg["split"] = {"role": "edge"}
    assert "kong-okta-portal:split = " in problems(cfg)


def test_portal_stack_takes_services_and_proxy_from_its_gateway() -> None:
    settings = parse_settings(portal())
    assert settings.role == "portal" and settings.gateway_stack == GATEWAY_REF
    assert settings.services == []
    raw = portal()
    raw["proxyUrl"] = "http://127.0.0.1:8000"
    text = problems(raw)
    assert (
        "kong-okta-portal:proxyUrl = 'http://127.0.0.1:8000': expected no value in a portal" in text
    )
    # the project's empty defaults (Pulumi.yaml) are no value
    assert parse_settings({**portal(), "services": [], "proxyUrl": ""}).role == "portal"


def test_portal_settings_against_the_gateway_exports() -> None:
    gateway = GatewayExports.from_output(EXPORTS)
    settings = parse_settings(portal())
    with pytest.raises(SettingsError) as err:
        check_against_gateway(settings, gateway)  # grace-spa: implicit, not enabled
    assert [p.path for p in err.value.problems] == ["kong-okta-portal:developers[1].apps[0].flow"]

    cfg = portal(issuer="http://127.0.0.1:9999/oauth2/default")
    cfg["kong"] = {**cfg["kong"], "workspace": "team-a"}
    cfg["developers"][0]["apps"][0]["services"] = ["inventory"]
    del cfg["developers"][1]
    with pytest.raises(SettingsError) as err:
        check_against_gateway(parse_settings(cfg), gateway)
    text = str(err.value)
    assert (
        "kong-okta-portal:identity.issuer = 'http://127.0.0.1:9999/oauth2/default': expected "
        "'http://127.0.0.1:8080/oauth2/default'"
    ) in text
    assert "kong-okta-portal:kong.workspace = 'team-a': expected 'default'" in text
    assert (
        "kong-okta-portal:developers[0].apps[0].services[0].service = 'inventory': expected one "
        f"of the services the gateway stack {GATEWAY_REF} exports ['billing', 'orders']"
    ) in text

    okta = portal()
    okta["identity"] = {"provider": "okta"}
    del okta["developers"][1]
    with pytest.raises(SettingsError) as err:
        check_against_gateway(parse_settings(okta), gateway)
    assert "kong-okta-portal:identity.provider = 'okta': expected 'dcr'" in str(err.value)
