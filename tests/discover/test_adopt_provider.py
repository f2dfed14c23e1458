"""The provider's adoption rule, per Kong kind, against the sandbox: read first; no write when
the object is as the settings say; exactly one update of the same object when it is not;
never a create, delete or re-create."""

from __future__ import annotations

import json
from typing import Any

from providers import kong_dynamic as kd
from tests.provider.conftest import Kong

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def writes(kong: Kong) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in kong.new_requests() if r["method"] in WRITES]


def hand_made(kong: Kong) -> dict[str, Any]:
    """A service, route, plugin, developer, app and contract made by hand."""
    h = kong.http
    svc = h.post("/services", json={"name": "orders", "url": "http://127.0.0.1:9/orders"}).json()
    route = h.post(
        f"/services/{svc['id']}/routes", json={"name": "orders-api", "paths": ["/orders"]}
    ).json()
    plugin = h.post(
        f"/services/{svc['id']}/plugins",
        json={"name": "application-registration", "config": {"display_name": "Orders"}},
    ).json()
    dev = h.post(
        "/developers", json={"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})}
    ).json()
    app = h.post(
        f"/developers/{dev['id']}/applications", json={"name": "ada-app", "custom_id": "0oa-ada"}
    ).json()
    inst = h.post(
        f"/applications/{app['id']}/application_instances",
        json={"service": {"id": svc["id"]}, "status": 1},
    ).json()
    kong.new_requests()
    return {"svc": svc, "route": route, "plugin": plugin, "dev": dev, "app": app, "inst": inst}


def cases(made: dict[str, Any]) -> list[tuple[type[kd.KongProvider], dict[str, Any], str, Any]]:
    """(provider, inputs as the object is, field to change, changed value)."""
    svc, dev, app = made["svc"]["id"], made["dev"]["id"], made["app"]["id"]
    return [
        (kd.ServiceProvider, {"name": "orders", "url": "http://127.0.0.1:9/orders"},
         "url", "http://127.0.0.1:9/v2"),
        (kd.RouteProvider, {"name": "orders-api", "service_id": svc, "paths": ["/orders"]},
         "paths", ["/orders", "/o"]),
        (kd.PluginProvider, {"name": "application-registration", "service_id": svc,
                             "config": {"display_name": "Orders"}},
         "config", {"display_name": "Orders API"}),
        (kd.DeveloperProvider,
         {"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"}), "status": 0},
         "meta", json.dumps({"full_name": "Ada Lovelace"})),
        (kd.ApplicationProvider, {"developer_id": dev, "name": "ada-app", "custom_id": "0oa-ada"},
         "description", "nightly export"),
        (kd.ApplicationInstanceProvider, {"application_id": app, "service_id": svc, "status": 1},
         "status", 0),
    ]  # fmt: skip


def test_adopting_an_object_as_it_is_writes_nothing(kong: Kong) -> None:
    made = hand_made(kong)
    ids = [made[k]["id"] for k in ("svc", "route", "plugin", "dev", "app", "inst")]
    for (cls, inputs, _field, _value), existing in zip(cases(made), ids, strict=True):
        result = kong.provider(cls).create({**inputs, "adopt": True})
        assert result.id == existing, cls.kind
        assert writes(kong) == [], cls.kind


def test_adopting_a_differing_object_updates_it_in_place_once(kong: Kong) -> None:
    made = hand_made(kong)
    ids = [made[k]["id"] for k in ("svc", "route", "plugin", "dev", "app", "inst")]
    for (cls, inputs, field, value), existing in zip(cases(made), ids, strict=True):
        result = kong.provider(cls).create({**inputs, field: value, "adopt": True})
        assert result.id == existing, cls.kind
        (write,) = writes(kong)
        assert write[0] in ("PUT", "PATCH") and write[1].endswith(existing), (cls.kind, write)
    assert kong.rows("/applications")[0]["description"] == "nightly export"
    assert kong.http.get(f"/routes/{made['route']['id']}").json()["paths"] == ["/orders", "/o"]
