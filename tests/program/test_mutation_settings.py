"""Settings checks that no other fast test pinned exactly (found by mutation testing)."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, parse_settings
from tests.program import configs


def test_a_wildcard_host_route_overlaps_a_route_for_any_host() -> None:
    """Kong takes `*` as a host (a wildcard with nothing else: typedefs.lua
    `validate_wildcard_host`), which matches every host, as a route with no hosts does: the
    same path on both routes to two services."""
    cfg = configs.dcr()
    cfg["services"][1]["route"] = {"paths": ["/orders"], "hosts": ["*"], "methods": ["GET"]}
    with pytest.raises(SettingsError) as err:
        parse_settings(cfg)
    assert [p.render() for p in err.value.problems] == [
        'kong-okta-portal:services[1].route.paths = ["/orders"]: expected paths not already '
        "routed to service 'orders'"
    ]
    cfg["services"][1]["route"]["hosts"] = ["api.example.com"]
    assert parse_settings(cfg).services[1].route.hosts == ["api.example.com"]


def test_a_created_server_takes_exactly_one_audience() -> None:
    cfg = configs.okta()
    cfg["identity"]["authServer"] = {"name": "portal", "audiences": ["api://a", "api://b"]}
    with pytest.raises(SettingsError) as err:
        parse_settings(cfg)
    assert [p.render() for p in err.value.problems] == [
        'kong-okta-portal:identity.authServer.audiences = ["api://a", "api://b"]: expected '
        "exactly one audience (Okta takes one)"
    ]
    cfg["identity"]["authServer"]["audiences"] = ["api://a"]
    assert parse_settings(cfg).identity.auth_server.audiences == ["api://a"]


def _problems(cfg: dict) -> list[str]:
    with pytest.raises(SettingsError) as err:
        parse_settings(cfg)
    return [p.render() for p in err.value.problems]


def test_a_bad_redirect_uri_names_the_app_the_index_and_what_it_is() -> None:
    cfg = configs.dcr()
    cfg["developers"][0]["apps"][1]["redirectUris"] = [
        "https://ada.example.com/cb",
        "ftp://ada.example.com/cb",
        "http://ada.example.com/cb",
    ]
    assert _problems(cfg) == [
        "kong-okta-portal:developers[0].apps[1].redirectUris[1] = 'ftp://ada.example.com/cb': "
        "expected an absolute http(s) URL for the redirect URI",
        "kong-okta-portal:developers[0].apps[1].redirectUris[2] = 'http://ada.example.com/cb': "
        "expected an https URL for the redirect URI (plain http only on loopback)",
    ]


def test_a_plain_http_issuer_off_loopback_is_refused_as_the_identity_providers() -> None:
    cfg = configs.dcr()
    cfg["identity"]["issuer"] = "http://id.example.com/oauth2/default"
    assert _problems(cfg) == [
        "kong-okta-portal:identity.issuer = 'http://id.example.com/oauth2/default': expected an "
        "https URL for the identity provider (plain http only on loopback)"
    ]


def test_developers_whose_addresses_differ_beyond_case_are_two() -> None:
    """Unique emails are compared without case (`Ada@…` is `ada@…`), and only without case:
    `straße@…` and `STRASSE@…` are two people (upper-casing would fold them together)."""
    cfg = configs.dcr()
    cfg["developers"][0]["email"] = "straße@example.com"
    cfg["developers"][1]["email"] = "STRASSE@example.com"
    assert [d.email for d in parse_settings(cfg).developers] == [
        "straße@example.com",
        "STRASSE@example.com",
    ]
    cfg["developers"][1]["email"] = "Straße@Example.com"
    assert _problems(cfg) == [
        "kong-okta-portal:developers[1].email = 'Straße@Example.com': expected a unique email "
        "(also developers[0])"
    ]
