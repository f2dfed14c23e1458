"""What the engine stores in state: the pickled provider holds no settings, and check/diff
work without any connection settings (so a no-change preview needs no network)."""

from __future__ import annotations

import base64
import json

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from providers import kong_dynamic as kd
from providers.kong_admin import KongConfigError

TOKEN = "tok-0123456789-never-in-state"
ADMIN_URL = "https://kong-admin.internal.example:8444"
ALL = [
    kd.ServiceProvider,
    kd.RouteProvider,
    kd.PluginProvider,
    kd.DeveloperProvider,
    kd.ApplicationProvider,
    kd.ApplicationInstanceProvider,
]


def configured(cls: type[kd.KongProvider]) -> kd.KongProvider:
    provider = cls()
    conf = {
        "kong-okta-portal:kong": json.dumps({"adminUrl": ADMIN_URL, "workspace": "team-a"}),
        "kong-okta-portal:kongAdminToken": TOKEN,
    }
    provider.configure(ConfigureRequest(Config(conf, "kong-okta-portal")))
    return provider


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.kind)
def test_pickled_provider_holds_neither_token_nor_url(cls: type[kd.KongProvider]) -> None:
    provider = configured(cls)
    assert provider._settings is not None and provider._settings.token == TOKEN
    blob = dill.dumps(provider, recurse=True)
    engine_blob = base64.b64decode(serialize_provider(provider))
    for data in (blob, engine_blob):
        assert TOKEN.encode() not in data
        assert b"kong-admin.internal" not in data
    # By reference: the provider process imports the class instead of unpickling code.
    assert b"providers.kong_providers" in blob
    clone = dill.loads(blob)
    assert type(clone) is cls and clone._settings is None


def test_misconfiguration_surfaces_on_first_use_only() -> None:
    provider = kd.ServiceProvider()
    provider.configure(ConfigureRequest(Config({}, "kong-okta-portal")))
    olds = {"name": "svc", "url": "http://up:80", "kong_id": "x"}
    # check and diff need no settings
    assert provider.check({}, {"name": "svc", "url": "http://up"}).failures == []
    assert provider.diff("x", olds, {"name": "svc", "url": "http://up"}).changes is False
    with pytest.raises(KongConfigError, match="adminUrl"):
        provider.read("x", olds)


def test_diff_on_meaning_and_replacements() -> None:
    route = kd.RouteProvider()
    olds = {"name": "r", "service_id": "s1", "paths": ["/a"], "methods": ["GET", "POST"]}
    same = {"name": "r", "service_id": "s1", "paths": ["/a"], "methods": ["POST", "GET"]}
    assert route.diff("id", olds, same).changes is False
    moved = route.diff("id", olds, {**same, "service_id": "s2"})
    assert moved.changes and moved.replaces == ["service_id"] and moved.delete_before_replace
    unknown = route.diff("id", olds, {**same, "service_id": Unknown()})
    assert unknown.changes and unknown.replaces == ["service_id"]
    dropped = route.diff("id", olds, {"name": "r", "service_id": "s1", "paths": ["/a"]})
    assert dropped.changes and dropped.replaces == []
    service = kd.ServiceProvider()
    assert (
        service.diff(
            "id", {"name": "s", "url": "http://up:80/"}, {"name": "s", "url": "http://up/"}
        ).changes
        is False
    )
    plugin = kd.PluginProvider()
    p_olds = {"name": "openid-connect", "service_id": "s", "config": {"issuer": "https://i"}}
    scope = plugin.diff("id", p_olds, {**p_olds, "service_id": "t"})
    assert scope.replaces == ["service_id"]
    cfg = plugin.diff("id", p_olds, {**p_olds, "config": {"issuer": "https://j"}})
    assert cfg.changes and cfg.replaces == []


def test_check_rejects_the_guides_mistakes() -> None:
    plugin = kd.PluginProvider()
    bad = {
        "name": "openid-connect",
        "service_id": "s",
        "config": {"issuer": "https://i", "consumer_claim": "sub", "verify_credentials": False},
    }
    reasons = " ".join(f.reason for f in plugin.check({}, bad).failures)
    assert "verify_credentials" in reasons and "must be a list" in reasons
    on_route = {"name": "application-registration", "route_id": "r", "config": {}}
    props = {f.property for f in plugin.check({}, on_route).failures}
    assert props == {"route_id", "service_id"}
    good = {"name": "openid-connect", "service_id": "s", "config": kd.openid_connect(issuer="x")}
    assert plugin.check({}, good).failures == []


def test_openid_connect_helper_corrects_the_guide() -> None:
    config = kd.openid_connect(issuer="https://idp/oauth2/default", consumer_claim="application_id")
    assert config["consumer_claim"] == ["application_id"]
    assert config["verify_parameters"] is False and "verify_credentials" not in config
    assert config["consumer_by"] == ["custom_id"] and config["auth_methods"] == ["bearer"]
    with pytest.raises(ValueError, match="verify_credentials"):
        kd.openid_connect(issuer="x", verify_credentials=False)
    reg = kd.application_registration(display_name="Orders", description="d")
    assert reg == {
        "display_name": "Orders",
        "description": "d",
        "auto_approve": False,
        "show_issuer": False,
    }
