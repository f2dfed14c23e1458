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


# The whole line a user reads for each problem the program itself words (pydantic's own wording
# is checked above by key and a word only: it is pydantic's to change).
WHOLE_LINES = {
    "unknown-top-key": "kong-okta-portal:kongUrl = 'x': expected a known key: one of "
    "['developers', 'identity', 'identityApiToken', 'kong', 'kongAdminToken', 'proxyUrl', "
    "'services', 'split', 'verifyPassword', 'verifyUser']",
    "unknown-service-key": "kong-okta-portal:services[0].upstream = 'x': expected no such key "
    "(check the spelling; keys are camelCase)",
    "missing-identity": "kong-okta-portal:identity = <not set>: expected a value (required)",
    "dcr-without-issuer": "kong-okta-portal:identity.issuer = <not set>: expected the issuer URL "
    "for dcr",
    "reserved-claim": "kong-okta-portal:identity.claimName = 'sub': expected a custom claim name, "
    "not the reserved token claim 'sub'",
    "oidc-scope-only": 'kong-okta-portal:identity.scopes = ["openid"]: expected custom scopes '
    "only (client_credentials needs one); ['openid'] are OIDC scopes",
    "duplicate-service": "kong-okta-portal:services[2].name = 'orders': expected a unique name "
    "(also services[0])",
    "duplicate-email": "kong-okta-portal:developers[1].email = 'ADA@example.com': expected a "
    "unique email (also developers[0])",
    "duplicate-app": "kong-okta-portal:developers[1].apps[0].name = 'ada-batch': expected an app "
    "name unique in the stack (kong-okta-portal:developers[0].apps[0])",
    "route-without-match": 'kong-okta-portal:services[0].route = {"protocols": ["http", "https"],'
    ' "stripPath": true}: expected at least one of paths, hosts, methods (Kong needs one for http'
    " routes)",
    "bad-method": 'kong-okta-portal:services[0].route.methods = ["get"]: expected upper-case HTTP'
    " methods from ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', "
    "'TRACE']; got ['get']",
    "extra-overrides-issuer": "kong-okta-portal:services[0].openidConnect.extra = "
    '{"issuer": "https://evil"}: expected other openid-connect fields only; [\'issuer\'] are set'
    " by the program (issuer and claim come from the identity provider; use the dedicated keys)",
    "unknown-service-contract": "kong-okta-portal:developers[0].apps[0].services[0].service = "
    "'shipping': expected one of the stack's services ['billing', 'orders']",
    "duplicate-contract": "kong-okta-portal:developers[0].apps[0].services[1].service = 'orders':"
    " expected each service once per app",
    "browser-flow-without-redirect": "kong-okta-portal:developers[0].apps[1].redirectUris = []: "
    "expected at least one redirect URI for flow authorization_code",
    "cc-with-redirect": "kong-okta-portal:developers[0].apps[0].redirectUris = "
    '["https://a.example/cb"]: expected no redirect URIs for flow client_credentials (no browser'
    " is involved)",
    "wrong-app-type-for-flow": "kong-okta-portal:developers[0].apps[0].oktaAppType = 'browser': "
    "expected one of ['service'] for flow client_credentials",
    "okta-key-with-dcr": 'kong-okta-portal:identity.authServer = {"name": "portal", "audiences":'
    ' ["api://p"]}: expected no authServer with provider dcr (the issuer is given as '
    "identity.issuer)",
}


def _okta(edit: Edit) -> Edit:
    def okta_edit(cfg: dict[str, Any]) -> None:
        cfg["identity"] = {"provider": "okta", "scopes": ["portal_api"]}
        edit(cfg)

    return okta_edit


MORE_CASES: list[tuple[str, Edit, str]] = [
    (
        "dcr-keys-with-okta",
        _okta(_set(["identity", "registrationEndpoint"], "https://idp.example/r")),
        "kong-okta-portal:identity.registrationEndpoint = 'https://idp.example/r': expected no "
        "value with provider okta (the issuer comes from the auth server)",
    ),
    (
        "issuer-with-okta",
        _okta(_set(["identity", "issuer"], "https://idp.example/oauth2/x")),
        "kong-okta-portal:identity.issuer = 'https://idp.example/oauth2/x': expected no value "
        "with provider okta (the issuer comes from the auth server)",
    ),
    (
        "default-server-with-description",
        _okta(_set(["identity", "authServer"], {"description": "d"})),
        'kong-okta-portal:identity.authServer = {"name": "default", "description": "d"}: '
        "expected description/audiences only for a created server (name other than 'default')",
    ),
    (
        "default-server-with-audience",
        _okta(_set(["identity", "authServer"], {"audiences": ["api://x"]})),
        'kong-okta-portal:identity.authServer = {"name": "default", "audiences": ["api://x"]}: '
        "expected description/audiences only for a created server (name other than 'default')",
    ),
    (
        "two-audiences",
        _okta(_set(["identity", "authServer"], {"name": "portal", "audiences": ["a", "b"]})),
        'kong-okta-portal:identity.authServer.audiences = ["a", "b"]: expected exactly one '
        "audience (Okta takes one)",
    ),
    (
        "adopt-with-dcr",
        _set(["identity", "adopt"], {"claimId": "oclAPP"}),
        'kong-okta-portal:identity.adopt = {"claimId": "oclAPP", "scopeIds": {}, "ruleIds": {}}: '
        "expected no identity.adopt with provider dcr (adopted clients are apps[].clientId)",
    ),
    (
        "proxy-url-plain-http",
        _set(["proxyUrl"], "http://kong.example.com:8000"),
        "kong-okta-portal:proxyUrl = 'http://kong.example.com:8000': expected an https URL for "
        "the Kong proxy (plain http only on loopback)",
    ),
    (
        "scope-twice",
        _set(["identity", "scopes"], ["a", "a"]),
        'kong-okta-portal:identity.scopes = ["a", "a"]: expected each scope once',
    ),
    (
        "path-routed-twice",
        _set(["services", 1, "route"], {"paths": ["/orders"], "methods": ["GET"]}),
        'kong-okta-portal:services[1].route.paths = ["/orders"]: expected paths not already '
        "routed to service 'orders'",
    ),
    (
        "path-routed-twice-same-host",
        lambda cfg: [
            _set([*S0, "route"], {"paths": ["/a"], "hosts": ["x.example"]})(cfg),
            _set(["services", 1, "route"], {"paths": ["/a"], "hosts": ["x.example"]})(cfg),
        ],
        'kong-okta-portal:services[1].route.paths = ["/a"]: expected paths not already routed to'
        " service 'orders'",
    ),
    (
        # `ada.x@` and `ada-x@` both become `ada-x-example-com`: the same resource names twice
        "emails-that-slug-alike",
        lambda cfg: [
            _set(["developers", 0, "email"], "ada.x@example.com")(cfg),
            _set(["developers", 1, "email"], "Ada-X@example.com")(cfg),
        ],
        "kong-okta-portal:developers[1].email = 'Ada-X@example.com': expected an email whose "
        "resource names differ from developers[0]'s (both are 'ada-x-example-com': letters "
        "and digits alone tell developers apart)",
    ),
    (
        # an Okta app id names the app of an adopted client; alone it would be silently ignored
        "okta-app-id-without-client-id",
        _okta(_set([*A00, "oktaAppId"], "0oaORPHAN")),
        "kong-okta-portal:developers[0].apps[0].oktaAppId = '0oaORPHAN': expected no value "
        "without clientId: it names the Okta app of an adopted client (set clientId to the "
        "app's client id as well)",
    ),
]


@pytest.mark.parametrize(
    ("edit", "line"),
    [(next(c[1] for c in CASES if c[0] == k), v) for k, v in WHOLE_LINES.items()]
    + [(edit, line) for _, edit, line in MORE_CASES],
    ids=[*WHOLE_LINES, *(c[0] for c in MORE_CASES)],
)
def test_the_whole_line_of_each_problem(edit: Edit, line: str) -> None:
    cfg = configs.dcr()
    edit(cfg)
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    assert f"  - {line}" in str(info.value).splitlines(), str(info.value)


def test_a_route_may_match_on_hosts_or_methods_alone() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["route"] = {"hosts": ["orders.example.com"]}
    cfg["services"][1]["route"] = {"methods": ["POST"]}
    services = parse_settings(cfg).services
    assert services[0].route.hosts == ["orders.example.com"]
    assert services[1].route.methods == ["POST"]


@pytest.mark.parametrize(
    "route",
    [
        {"paths": ["/orders"], "hosts": ["billing.example"]},  # another host
        {"paths": ["/orders"], "methods": ["POST"]},  # another method
        {"paths": ["/orders/v2"], "methods": ["GET"]},  # another path
    ],
)
def test_a_path_may_route_to_two_services_on_other_hosts_or_methods(
    route: dict[str, Any],
) -> None:
    cfg = configs.dcr()
    cfg["services"][1]["route"] = route
    assert parse_settings(cfg).services[1].route.paths == route["paths"]


# --------------------------------------------------------------------------- load_settings


def test_load_settings_reads_the_namespace_and_leaves_secrets_alone() -> None:
    from components.settings import load_settings

    cfg = configs.dcr()
    del cfg["developers"]  # optional keys may be absent
    cfg.update(kongAdminToken="tok", identityApiToken="api", verifyUser="u", verifyPassword="p")
    install(cfg)
    import pulumi

    pulumi.runtime.set_config("other-project:identity", "not ours")
    expected = configs.dcr()
    del expected["developers"]
    assert load_settings() == parse_settings(expected)


def test_load_settings_names_a_key_that_is_not_yaml_or_json() -> None:
    from components.settings import load_settings

    cfg = configs.dcr()
    cfg["services"] = "[not json"
    cfg["developers"] = "{also: not json"
    install(cfg)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value) == (
        "invalid stack settings (2 problems):\n"
        "  - kong-okta-portal:developers = '{also: not json': expected a YAML/JSON structure"
        " (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))\n"
        "  - kong-okta-portal:services = '[not json': expected a YAML/JSON structure"
        " (Expecting value: line 1 column 2 (char 1))\n"
        "Fix the stack config (pulumi config set --path ...) and run again."
    )
