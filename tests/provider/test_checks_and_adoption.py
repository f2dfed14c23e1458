"""What a user sees before anything is created (check) and when an object already exists."""

from __future__ import annotations

import json

import pytest

from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminError
from tests.provider.conftest import Kong
from tests.provider.test_provider_sandbox import ISSUER


def failures(provider: kd.KongProvider, news: dict) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check({}, news).failures]


def test_developer_check_names_the_bad_email_and_meta() -> None:
    dev = kd.DeveloperProvider()
    assert failures(dev, {"email": "ada@example.com", "meta": json.dumps({"full_name": "A"})}) == []
    assert failures(dev, {"email": "ada.example.com", "meta": "{not json"}) == [
        ("email", "Developer: invalid email address 'ada.example.com'"),
        ("meta", 'Developer: `meta` must be a JSON string such as \'{"full_name": "Ada"}\''),
    ]
    assert failures(dev, {}) == [("email", "Developer: `email` is required")]


@pytest.mark.parametrize("status", [6, -1, True, "0", 1.5])
def test_instance_check_refuses_a_status_outside_0_to_5(status: object) -> None:
    inst = kd.ApplicationInstanceProvider()
    news = {"application_id": "a", "service_id": "s", "status": status}
    assert failures(inst, news) == [
        ("status", f"ApplicationInstance: `status` must be 0 (approved) … 5, got {status!r}")
    ]


@pytest.mark.parametrize("status", [0, 1, 5, None])
def test_instance_check_accepts_0_to_5(status: object) -> None:
    news = {"application_id": "a", "service_id": "s", "status": status}
    assert failures(kd.ApplicationInstanceProvider(), news) == []


def test_existing_plugin_on_the_service_needs_adopt_and_is_told_apart_by_scope(
    kong: Kong,
) -> None:
    svc = kong.provider(kd.ServiceProvider)
    other = svc.create({"name": "other", "url": "http://127.0.0.1:9/o"}).id
    mine = svc.create({"name": "orders", "url": "http://127.0.0.1:9/orders"}).id
    config = {"issuer": ISSUER, "consumer_claim": ["application_id"]}
    # another plugin, then the same plugin on another service, come first in Kong's list
    registration = {"name": "application-registration", "config": {"display_name": "O"}}
    kong.http.post(f"/services/{other}/plugins", json=registration).raise_for_status()
    for sid in (other, mine):
        body = {"name": "openid-connect", "config": config}
        kong.http.post(f"/services/{sid}/plugins", json=body).raise_for_status()
    existing = next(p for p in kong.rows("/plugins") if p["service"]["id"] == mine)

    plugin = kong.provider(kd.PluginProvider)
    inputs = {
        "name": "openid-connect",
        "service_id": mine,
        "config": kd.openid_connect(issuer=ISSUER),
    }
    with pytest.raises(KongAdminError) as info:
        plugin.create(dict(inputs))
    assert str(info.value).startswith(
        f"Kong Plugin 'openid-connect' on service {mine} already exists in workspace 'default' "
        f"(id {existing['id']}) and was not created by this stack. To manage the existing "
        "object, set adopt=True on this Plugin resource"
    )
    adopted = plugin.create({**inputs, "adopt": True})
    assert adopted.id == existing["id"]
    live = kong.http.get(f"/plugins/{existing['id']}").json()
    assert live["config"]["verify_parameters"] is False  # the program's config was written
    assert len(kong.rows("/plugins")) == 3


def test_plugin_check_names_the_scope_and_the_guide_mistakes() -> None:
    plugin = kd.PluginProvider()
    reg = {"name": "application-registration", "config": {"display_name": "S"}}
    assert failures(plugin, {**reg, "consumer_id": "c"}) == [
        ("route_id", "application-registration is service-scoped: set service_id only"),
        ("service_id", "application-registration needs service_id"),
    ]
    assert failures(plugin, {**reg, "service_id": "s"}) == []
    oidc = {"name": "openid-connect", "service_id": "s"}
    no_such_field = {"issuer": ISSUER, "verify_credentials": False}
    assert failures(plugin, {**oidc, "config": no_such_field}) == [
        (
            "config",
            "openid-connect has no `verify_credentials` field (the guide's JSON sample is wrong "
            "and Kong rejects it); use verify_parameters=False",
        ),
    ]
    assert failures(plugin, {**oidc, "config": {"issuer": ISSUER, "consumer_claim": "app"}}) == [
        ("config", "openid-connect `consumer_claim` must be a list (a claim path), got 'app'; "
         "e.g. ['application_id']"),
    ]  # fmt: skip
    # other plugins may have fields of those names
    other = {"name": "request-transformer", "service_id": "s"}
    assert (
        failures(plugin, {**other, "config": {"verify_credentials": 1, "consumer_claim": "x"}})
        == []
    )


def test_instance_check_lets_an_unknown_status_through_to_the_update() -> None:
    from pulumi.output import Unknown

    news = {"application_id": "a", "service_id": "s", "status": Unknown()}
    assert failures(kd.ApplicationInstanceProvider(), news) == []
