"""Invalid stack settings fail before any resource is registered, naming key, value, expectation."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.settings import SettingsError, parse_settings
from tests.program import configs
from tests.program.mocks import install, run

REPO = Path(__file__).resolve().parents[2]
Edit = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Edit:
    def edit(cfg: dict[str, Any]) -> None:
        node = cfg
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def _del(path: list[Any]) -> Edit:
    def edit(cfg: dict[str, Any]) -> None:
        node = cfg
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return edit


def _dup_service(cfg: dict[str, Any]) -> None:
    cfg["services"].append(dict(cfg["services"][0], route={"paths": ["/other"]}))


def _dup_email(cfg: dict[str, Any]) -> None:
    cfg["developers"][1]["email"] = "ADA@example.com"


def _dup_app(cfg: dict[str, Any]) -> None:
    cfg["developers"][1]["apps"][0]["name"] = "ada-batch"


S0 = ["services", 0]
A00 = ["developers", 0, "apps", 0]
A01 = ["developers", 0, "apps", 1]

CASES: list[tuple[str, Edit, str, str]] = [
    # id, edit, key path in the message, a word of the expectation
    ("unknown-top-key", _set(["kongUrl"], "x"), "kong-okta-portal:kongUrl", "known key"),
    ("unknown-service-key", _set([*S0, "upstream"], "x"), "services[0].upstream", "no such key"),
    (
        "unknown-kong-key",
        _set(["kong", "admin"], "x"),
        "kong-okta-portal:kong.admin",
        "no such key",
    ),
    ("bad-provider", _set(["identity", "provider"], "auth0"), "identity.provider", "okta"),
    ("missing-identity", _del(["identity"]), "kong-okta-portal:identity", "required"),
    ("missing-proxy-url", _del(["proxyUrl"]), "kong-okta-portal:proxyUrl", "required"),
    ("dcr-without-issuer", _del(["identity", "issuer"]), "identity.issuer", "issuer"),
    (
        "http-issuer-not-loopback",
        _set(["identity", "issuer"], "http://idp.example.com/oauth2/default"),
        "identity.issuer",
        "https",
    ),
    ("http-upstream", _set([*S0, "url"], "http://orders.example.com"), "services[0].url", "https"),
    ("not-a-url-upstream", _set([*S0, "url"], "orders"), "services[0].url", "absolute"),
    (
        "http-admin-url",
        _set(["kong", "adminUrl"], "http://kong.example.com:8001"),
        "kong.adminUrl",
        "allowInsecureHttp",
    ),
    ("negative-timeout", _set(["kong", "timeoutSeconds"], -1), "kong.timeoutSeconds", "greater"),
    (
        "claim-not-json-name",
        _set(["identity", "claimName"], "app id"),
        "identity.claimName",
        "pattern",
    ),
    ("reserved-claim", _set(["identity", "claimName"], "sub"), "identity.claimName", "reserved"),
    (
        "oidc-scope-only",
        _set(["identity", "scopes"], ["openid"]),
        "identity.scopes",
        "custom scopes",
    ),
    ("no-scopes", _set(["identity", "scopes"], []), "identity.scopes", "at least 1"),
    ("duplicate-service", _dup_service, "services[2].name", "unique"),
    ("duplicate-email", _dup_email, "developers[1].email", "unique"),
    ("duplicate-app", _dup_app, "developers[1].apps[0].name", "unique"),
    ("bad-service-name", _set([*S0, "name"], "orders api"), "services[0].name", "pattern"),
    ("route-without-match", _set([*S0, "route"], {}), "services[0].route", "paths, hosts, methods"),
    ("route-path-no-slash", _set([*S0, "route", "paths"], ["orders"]), "route.paths[0]", "pattern"),
    ("bad-method", _set([*S0, "route", "methods"], ["get"]), "route.methods", "upper-case"),
    ("bad-protocol", _set([*S0, "route", "protocols"], ["grpc"]), "protocols[0]", "http"),
    (
        "bad-auth-method",
        _set([*S0, "openidConnect"], {"auth_methods": ["magic"]}),
        "openidConnect.auth_methods[0]",
        "bearer",
    ),
    (
        "extra-overrides-issuer",
        _set([*S0, "openidConnect"], {"extra": {"issuer": "https://evil"}}),
        "openidConnect.extra",
        "issuer",
    ),
    ("bad-flow", _set([*A00, "flow"], "password"), "apps[0].flow", "client_credentials"),
    (
        "unknown-service-contract",
        _set([*A00, "services"], ["shipping"]),
        "apps[0].services[0].service",
        "orders",
    ),
    (
        "duplicate-contract",
        _set([*A00, "services"], ["orders", "orders"]),
        "services[1].service",
        "once",
    ),
    (
        "bad-contract-status",
        _set([*A00, "services"], [{"service": "orders", "status": "maybe"}]),
        "services[0].status",
        "approved",
    ),
    (
        "browser-flow-without-redirect",
        _set([*A01, "redirectUris"], []),
        "apps[1].redirectUris",
        "redirect URI",
    ),
    (
        "cc-with-redirect",
        _set([*A00, "redirectUris"], ["https://a.example/cb"]),
        "apps[0].redirectUris",
        "no redirect",
    ),
    (
        "wrong-app-type-for-flow",
        _set([*A00, "oktaAppType"], "browser"),
        "apps[0].oktaAppType",
        "service",
    ),
    (
        "http-redirect-uri",
        _set([*A01, "redirectUris"], ["http://ada.example.com/cb"]),
        "redirectUris[0]",
        "https",
    ),
    (
        "bad-email",
        _set(["developers", 0, "email"], "ada-at-example"),
        "developers[0].email",
        "pattern",
    ),
    (
        "missing-full-name",
        _del(["developers", 0, "fullName"]),
        "developers[0].fullName",
        "required",
    ),
    (
        "okta-key-with-dcr",
        _set(["identity", "authServer"], {"name": "portal", "audiences": ["api://p"]}),
        "identity.authServer",
        "dcr",
    ),
    (
        "services-not-a-list",
        _set(["services"], {"name": "orders"}),
        "kong-okta-portal:services",
        "list",
    ),
]


@pytest.mark.parametrize(("case", "edit", "key", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invalid_setting_names_its_key(case: str, edit: Edit, key: str, expected: str) -> None:
    cfg = configs.dcr()
    edit(cfg)
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    message = str(info.value)
    line = next((ln for ln in message.splitlines() if key in ln), None)
    assert line is not None, message
    assert expected.lower() in line.lower(), message


def test_error_shows_the_value_and_what_is_expected() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["url"] = "http://orders.example.com"
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    (problem,) = info.value.problems
    assert problem.path == "kong-okta-portal:services[0].url"
    assert problem.value == "http://orders.example.com"
    assert "'http://orders.example.com'" in str(info.value)
    assert "https" in problem.expected


def test_several_problems_are_reported_together() -> None:
    cfg = configs.dcr()
    cfg["developers"][0]["apps"][0]["services"] = ["shipping"]
    cfg["services"][1]["url"] = "http://billing.example.com"
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    paths = {p.path for p in info.value.problems}
    assert paths == {
        "kong-okta-portal:services[1].url",
        "kong-okta-portal:developers[0].apps[0].services[0].service",
    }


@pytest.mark.parametrize("case", ["unknown-service-contract", "http-upstream", "bad-flow"])
def test_program_registers_nothing_on_invalid_settings(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = configs.dcr()
    edit = next(c[1] for c in CASES if c[0] == case)
    edit(cfg)
    mocks = install(cfg)
    # one error message, then exit 32: "shown to the user already", no traceback
    with pytest.raises(SystemExit) as stopped:
        run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    assert stopped.value.code == 32
    assert "invalid stack settings" in caplog.text
    assert mocks.resources == []


def test_unknown_key_in_stack_config_namespace_fails_the_program(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cfg = configs.dcr()
    cfg["developer"] = []  # typo of `developers`
    mocks = install(cfg)
    with pytest.raises(SystemExit):
        run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    assert "kong-okta-portal:developer " in caplog.text
    assert mocks.resources == []


def test_valid_configs_parse() -> None:
    assert len(parse_settings(configs.dcr()).apps()) == 4
    assert parse_settings(configs.okta()).identity.auth_server.is_default
