"""A portal stack's settings against its gateway stack's `portalGateway` export, without an
engine: the export read back field by field, every mismatch a user can make as the problem line
they read (key path, value, expectation), and the settings that agree passing untouched.

The engine tests in tests/split run the same checks through a StackReference; these call the
functions directly so that the fast suite (and mutation testing) sees them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.settings import (
    GatewayExports,
    SettingsError,
    StackSettings,
    check_against_gateway,
    parse_settings,
)
from tests.program import configs

GATEWAY_REF = "organization/kong-okta-portal/gateway"
ISSUER = "http://127.0.0.1:8080/oauth2/default"
REF = f"the gateway stack {GATEWAY_REF}"
PORTAL_SETS_IT = (
    "expected no value in a portal stack (split.role portal): the gateway stack sets it"
)


def exports(**changes: Any) -> dict[str, Any]:
    """A gateway stack's `portalGateway` output as the engine hands it back (plain JSON)."""
    value: dict[str, Any] = {
        "provider": "dcr",
        "issuer": ISSUER,
        "tokenEndpoint": f"{ISSUER}/v1/token",
        "scopes": ["portal_api", "orders.read"],
        "claimName": "application_id",
        "workspace": "default",
        "flows": ["client_credentials", "authorization_code"],
        "services": {
            "orders": {
                "id": "id-orders",
                "plugins": ["openid-connect", "application-registration"],
                "endpoint": {"proxyUrl": "http://127.0.0.1:8000/orders", "method": "GET"},
            },
            "billing": {
                "id": "id-billing",
                "plugins": ["openid-connect"],
                "endpoint": {"proxyUrl": "http://127.0.0.1:8000/billing", "method": None},
            },
        },
    }
    value.update(changes)
    return value


def gateway(**changes: Any) -> GatewayExports:
    return GatewayExports.from_output(exports(**changes))


def portal_raw(provider: str = "dcr", **identity: Any) -> dict[str, Any]:
    """A valid portal stack: the developers of tests/program/configs, no services of its own.
    grace-spa (implicit) is dropped: the default gateway flows do not enable it."""
    base = configs.dcr() if provider == "dcr" else configs.okta()
    developers = copy.deepcopy(base["developers"])
    del developers[1]["apps"][0]
    ident = {"provider": "okta"} if provider == "okta" else dict(base["identity"])
    return {
        "identity": {**ident, **identity},
        "kong": dict(base["kong"]),
        "developers": developers,
        "split": {"role": "portal", "gatewayStack": GATEWAY_REF},
    }


def portal(provider: str = "dcr", **identity: Any) -> StackSettings:
    return parse_settings(portal_raw(provider, **identity))


def lines(settings: StackSettings, exported: GatewayExports) -> list[str]:
    """The problem lines `check_against_gateway` raises (as the user reads them)."""
    with pytest.raises(SettingsError) as err:
        check_against_gateway(settings, exported)
    text = str(err.value)
    assert text.startswith(f"invalid stack settings ({len(err.value.problems)} problem")
    return [p.render() for p in err.value.problems]


# --- the export read back -------------------------------------------------------------------


def test_gateway_exports_read_back_every_field() -> None:
    raw = exports(scopes=("portal_api", "orders.read"), flows=("client_credentials",))
    assert GatewayExports.from_output(raw) == GatewayExports(
        provider="dcr",
        issuer=ISSUER,
        token_endpoint=f"{ISSUER}/v1/token",
        scopes=["portal_api", "orders.read"],
        claim_name="application_id",
        workspace="default",
        flows=["client_credentials"],
        service_ids={"orders": "id-orders", "billing": "id-billing"},
        endpoints={
            "orders": {"proxyUrl": "http://127.0.0.1:8000/orders", "method": "GET"},
            "billing": {"proxyUrl": "http://127.0.0.1:8000/billing", "method": None},
        },
        services={
            "orders": {
                "id": "id-orders",
                "plugins": ["openid-connect", "application-registration"],
            },
            "billing": {"id": "id-billing", "plugins": ["openid-connect"]},
        },
    )


def test_gateway_exports_of_a_service_with_no_plugins_listed() -> None:
    """An export written before plugins were listed (no key, or null) reads as no plugins."""
    raw = exports()
    del raw["services"]["orders"]["plugins"]
    raw["services"]["billing"]["plugins"] = None
    read = GatewayExports.from_output(raw)
    assert read.services == {
        "orders": {"id": "id-orders", "plugins": []},
        "billing": {"id": "id-billing", "plugins": []},
    }
    assert read.service_ids == {"orders": "id-orders", "billing": "id-billing"}


@pytest.mark.parametrize(
    "missing", ["provider", "issuer", "tokenEndpoint", "scopes", "claimName", "workspace", "flows"]
)
def test_gateway_exports_missing_a_key_is_a_key_error(missing: str) -> None:
    """The program turns a KeyError into "run `pulumi up` on the gateway stack first"."""
    raw = exports()
    del raw[missing]
    with pytest.raises(KeyError, match=missing):
        GatewayExports.from_output(raw)


# --- a portal stack that agrees with its gateway stack --------------------------------------


def test_portal_stack_that_agrees_with_its_gateway_passes() -> None:
    settings = portal()
    assert settings.kong.workspace is None  # Kong's default workspace, as the gateway's
    check_against_gateway(settings, gateway())


def test_issuers_compare_without_a_trailing_slash() -> None:
    check_against_gateway(portal(issuer=ISSUER + "/"), gateway())
    check_against_gateway(portal(), gateway(issuer=ISSUER + "/"))


def test_okta_portal_stack_takes_the_gateway_issuer() -> None:
    """okta: a portal stack names no issuer (it comes from the gateway's auth server)."""
    settings = portal("okta")
    assert settings.identity.issuer is None
    check_against_gateway(settings, gateway(provider="okta"))


def test_named_workspace_shared_with_the_gateway_passes() -> None:
    raw = portal_raw()
    raw["kong"]["workspace"] = "team-a"
    check_against_gateway(parse_settings(raw), gateway(workspace="team-a"))


def test_contracts_with_every_exported_service_pass() -> None:
    raw = portal_raw()
    raw["developers"][0]["apps"][0]["services"] = ["orders", "billing"]
    check_against_gateway(parse_settings(raw), gateway())


# --- each mismatch, as the line the user reads ----------------------------------------------


def test_other_identity_provider_than_the_gateway() -> None:
    assert lines(portal("okta"), gateway()) == [
        f"kong-okta-portal:identity.provider = 'okta': expected 'dcr' as {REF}"
    ]


def test_other_issuer_than_the_gateway() -> None:
    other = "http://127.0.0.1:9999/oauth2/default"
    assert lines(portal(issuer=other), gateway()) == [
        f"kong-okta-portal:identity.issuer = '{other}': expected '{ISSUER}', {REF}'s issuer"
    ]


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        ("http://127.0.0.1:8080/oauth2/ausX", "http://127.0.0.1:8080/oauth2/aus"),
        ("http://127.0.0.1:8080/oauth2/aus", "http://127.0.0.1:8080/oauth2/ausX"),
        ("http://127.0.0.1:8080/oauth2/aus//", "http://127.0.0.1:8080/oauth2/aus/x"),
    ],
)
def test_issuers_that_differ_only_at_the_end_differ(mine: str, theirs: str) -> None:
    """Only trailing slashes are ignored, not the last characters of an authorization server."""
    assert lines(portal(issuer=mine), gateway(issuer=theirs)) == [
        f"kong-okta-portal:identity.issuer = '{mine}': expected '{theirs}', {REF}'s issuer"
    ]


def test_default_workspace_against_a_gateway_in_another() -> None:
    assert lines(portal(), gateway(workspace="team-a")) == [
        f"kong-okta-portal:kong.workspace = 'default': expected 'team-a', the workspace of {REF}"
    ]


def test_named_workspace_against_a_gateway_in_the_default() -> None:
    raw = portal_raw()
    raw["kong"]["workspace"] = "team-a"
    assert lines(parse_settings(raw), gateway()) == [
        f"kong-okta-portal:kong.workspace = 'team-a': expected 'default', the workspace of {REF}"
    ]


def test_flow_the_gateway_does_not_enable() -> None:
    raw = portal_raw()
    raw["developers"][1]["apps"].append(
        {"name": "grace-spa", "flow": "implicit", "redirectUris": ["http://localhost:3000/cb"]}
    )
    assert lines(parse_settings(raw), gateway()) == [
        "kong-okta-portal:developers[1].apps[1].flow = 'implicit': expected one of the flows "
        f"{REF} enables ['client_credentials', 'authorization_code'] "
        "(its kong-okta-portal:split.flows)"
    ]


def test_contract_with_a_service_the_gateway_does_not_export() -> None:
    raw = portal_raw()
    raw["developers"][0]["apps"][1]["services"] = ["billing", "inventory"]
    assert lines(parse_settings(raw), gateway()) == [
        "kong-okta-portal:developers[0].apps[1].services[1].service = 'inventory': expected one "
        f"of the services {REF} exports ['billing', 'orders']"
    ]


def test_every_mismatch_at_once() -> None:
    raw = portal_raw(issuer="http://127.0.0.1:9999/oauth2/default")
    raw["kong"]["workspace"] = "team-b"
    raw["developers"][0]["apps"][0]["services"] = ["inventory"]
    found = lines(parse_settings(raw), gateway(workspace="team-a", flows=["client_credentials"]))
    assert [line.split(" = ")[0] for line in found] == [
        "kong-okta-portal:identity.issuer",
        "kong-okta-portal:kong.workspace",
        "kong-okta-portal:developers[0].apps[0].services[0].service",
        "kong-okta-portal:developers[0].apps[1].flow",
        "kong-okta-portal:developers[1].apps[0].flow",
    ]


# --- the identity keys that are the gateway stack's -----------------------------------------


def test_portal_stack_may_not_set_the_gateway_identity_keys() -> None:
    raw = portal_raw(
        "okta",
        authServer={"name": "portal"},
        claimName="app_id",
        claimValue="app.id",
        scopes=["orders.read"],
        adopt={"serverId": "aus1portal"},
    )
    with pytest.raises(SettingsError) as err:
        parse_settings(raw)
    found = [p.render() for p in err.value.problems]
    assert [line.split(" = ")[0] for line in found] == [
        "kong-okta-portal:identity.authServer",
        "kong-okta-portal:identity.claimName",
        "kong-okta-portal:identity.claimValue",
        "kong-okta-portal:identity.scopes",
        "kong-okta-portal:identity.adopt",
    ]
    assert all(line.endswith(f": {PORTAL_SETS_IT}") for line in found) and len(found) == 5
    assert found[1] == f"kong-okta-portal:identity.claimName = 'app_id': {PORTAL_SETS_IT}"
    assert found[2] == f"kong-okta-portal:identity.claimValue = 'app.id': {PORTAL_SETS_IT}"
    assert found[3] == f'kong-okta-portal:identity.scopes = ["orders.read"]: {PORTAL_SETS_IT}'
    # the blocks are shown as the stack config spells them, not as Python objects
    assert (
        found[0] == f'kong-okta-portal:identity.authServer = {{"name": "portal"}}: {PORTAL_SETS_IT}'
    )
    assert found[4] == (
        'kong-okta-portal:identity.adopt = {"serverId": "aus1portal", "scopeIds": {}, '
        f'"ruleIds": {{}}}}: {PORTAL_SETS_IT}'
    )


def test_portal_stack_with_only_the_connection_keys_passes() -> None:
    """Keys left unset are not problems, whatever their defaults are."""
    settings = portal("okta")
    assert settings.identity.claim_name == "application_id"  # the default, not set
    assert settings.role == "portal"


# --- the keys of each side of a split, as parse_settings reads them -------------------------

FROM_GATEWAY = "expected no value in a portal stack (split.role portal): it comes from the " + (
    "gateway stack (split.gatewayStack)"
)


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(SettingsError) as err:
        parse_settings(raw)
    return [p.render() for p in err.value.problems]


def test_portal_stack_with_services_or_a_proxy_url_of_its_own() -> None:
    raw = portal_raw()
    raw["services"] = [{"name": "orders", "url": "http://127.0.0.1:9000", "route": {}}]
    raw["proxyUrl"] = "http://127.0.0.1:8000"
    assert _problems(raw) == [
        'kong-okta-portal:services = [{"name": "orders", "url": "http://127.0.0.1:9000", '
        f'"route": {{}}}}]: {FROM_GATEWAY}',
        f"kong-okta-portal:proxyUrl = 'http://127.0.0.1:8000': {FROM_GATEWAY}",
    ]


def test_the_projects_empty_defaults_are_no_value() -> None:
    """Pulumi.yaml gives `split`, `services` and `proxyUrl` empty defaults ({} / [] / "")."""
    settings = parse_settings({**portal_raw(), "services": [], "proxyUrl": ""})
    assert settings.role == "portal" and settings.services == [] and settings.proxy_url == ""
    single = configs.dcr()
    single["split"] = {}
    assert parse_settings(single).role == "single"


@pytest.mark.parametrize(
    ("split", "line"),
    [
        (
            {"role": "gateway", "flows": ["client_credentials", "device_code"]},
            "kong-okta-portal:split.flows[1] = 'device_code': expected Input should be "
            "'client_credentials', 'authorization_code' or 'implicit'",
        ),
        (
            {"role": "portal", "gatewayStack": "gateway"},
            "kong-okta-portal:split.gatewayStack = 'gateway': expected String should match "
            "pattern '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'",
        ),
        (
            {"role": "gateway", "extra": 1},
            "kong-okta-portal:split.extra = 1: expected no such key (check the spelling; keys "
            "are camelCase)",
        ),
        (
            {"flows": ["implicit"]},
            'kong-okta-portal:split = {"flows": ["implicit"]}: expected Unable to extract tag '
            "using discriminator 'role'",
        ),
    ],
)
def test_split_problems_name_the_key_as_written_without_the_role(
    split: dict[str, Any], line: str
) -> None:
    """pydantic names the role it tried (`split.gateway.flows`); the key has no such level."""
    raw = configs.dcr()
    raw["split"] = split
    found = _problems(raw)
    assert line in found
    assert [p for p in found if ".gateway." in p or ".portal." in p] == []


def test_an_unknown_key_named_like_a_role_keeps_its_place() -> None:
    """Only `split.<role>` is folded away: `kong.portal` (there is no such key: the portal
    stack's Dev Portal is the gateway's) is named as written."""
    raw = configs.dcr()
    raw["kong"] = {**raw["kong"], "portal": True}
    assert _problems(raw) == [
        "kong-okta-portal:kong.portal = True: expected no such key (check the spelling; keys "
        "are camelCase)"
    ]


def test_gateway_stack_apps_use_only_the_flows_it_grants() -> None:
    raw = configs.dcr()  # grace-spa (developers[1].apps[0]) uses the implicit flow
    raw["split"] = {"role": "gateway"}
    assert _problems(raw) == [
        "kong-okta-portal:developers[1].apps[0].flow = 'implicit': expected one of the flows of "
        "kong-okta-portal:split.flows ['client_credentials', 'authorization_code']"
    ]
    raw["split"]["flows"] = ["implicit", "authorization_code", "client_credentials"]
    assert parse_settings(raw).role == "gateway"
