"""Uniqueness stays exact while the store's indexes change under it: a rename frees the old
value and takes the new one, a delete (and each cascade) frees its values, clashes are still
detected after a reset and after a reload of the state file, and two workspaces never clash.
Each test fails if the index is not kept at the step it names."""

from __future__ import annotations

import copy
import json
import pickle
import uuid
from pathlib import Path

import httpx
import pytest

from sandbox.admin.store import INDEXED, Table
from sandbox.launch import start_sandbox
from tests.conftest import sandbox_args
from tests.sandbox.conftest import make_developer, make_service

META = json.dumps({"full_name": "Ada"})
PORTAL_ON = {"config": {"portal": True, "portal_auth": "openid-connect"}}


def _developer(client: httpx.Client, email: str, prefix: str = "", **extra) -> httpx.Response:
    return client.post(f"{prefix}/developers", json={"email": email, "meta": META, **extra})


def _app(
    client: httpx.Client, dev: dict, name: str, custom_id: str, prefix: str = "", **extra
) -> httpx.Response:
    return client.post(
        f"{prefix}/developers/{dev['id']}/applications",
        json={"name": name, "custom_id": custom_id, **extra},
    )


def _registration(client: httpx.Client, service: str) -> httpx.Response:
    return client.post(
        f"/services/{service}/plugins",
        json={"name": "application-registration", "config": {"display_name": "Orders"}},
    )


def _instance(client: httpx.Client, app_id: str, service_id: str) -> httpx.Response:
    return client.post(
        f"/applications/{app_id}/application_instances", json={"service": {"id": service_id}}
    )


def _email_taken(r: httpx.Response, email: str) -> None:
    assert r.status_code == 409, r.text
    assert r.json() == {
        "code": 5,
        "fields": {"email": f"developer already exists with email: {email}"},
    }


def _app_taken(r: httpx.Response, label: str, shown: str) -> None:
    msg = f"application already exists with {label}: '{shown}'"
    assert r.status_code == 409, r.text
    assert r.json() == {
        "code": 5,
        "name": "unique constraint violation",
        "message": msg,
        "fields": {label: msg},
    }


def _unique_taken(r: httpx.Response, fields: dict) -> None:
    assert r.status_code == 409, r.text
    assert r.json()["name"] == "unique constraint violation"
    assert r.json()["fields"] == fields


# ------------------------------------------------------------------------------- renames


def test_developer_rename_frees_the_old_email_and_takes_the_new(portal: httpx.Client) -> None:
    dev = make_developer(portal, "old@example.com", custom_id="ref-old")
    r = portal.patch(
        f"/developers/{dev['id']}", json={"email": "new@example.com", "custom_id": "ref-new"}
    )
    assert r.status_code == 200, r.text
    # free: neither the developers' index nor the hidden consumer's username keeps the old one
    assert _developer(portal, "old@example.com", custom_id="ref-old").status_code == 200
    _email_taken(_developer(portal, "new@example.com"), "new@example.com")
    r = _developer(portal, "other@example.com", custom_id="ref-new")
    assert r.status_code == 409
    assert r.json()["fields"] == {"custom_id": "developer already exists with custom_id: ref-new"}
    # the hidden consumer now holds the new username for the core consumers' check too
    _unique_taken(portal.post("/consumers", json={"username": "new@example.com"}),
                  {"username": "new@example.com"})  # fmt: skip
    other = make_developer(portal, "third@example.com")
    r = portal.patch(f"/developers/{other['id']}", json={"email": "new@example.com"})
    assert r.status_code == 409
    assert r.json()["fields"] == {"email": "already exists with value 'new@example.com'"}


def test_application_rename_frees_the_old_name_and_custom_id(portal: httpx.Client) -> None:
    dev = make_developer(portal)
    app = _app(portal, dev, "one", "c1").json()
    r = portal.patch(f"/applications/{app['id']}", json={"name": "two", "custom_id": "c2"})
    assert r.status_code == 200, r.text
    assert _app(portal, dev, "one", "c3").status_code == 201
    assert _app(portal, dev, "three", "c1").status_code == 201
    _app_taken(_app(portal, dev, "two", "c4"), "name", "two")
    _app_taken(_app(portal, dev, "four", "c2"), "custom_id", "c2")
    _unique_taken(portal.post("/consumers", json={"custom_id": "c2"}), {"custom_id": "c2"})
    assert portal.post("/consumers", json={"custom_id": "c4"}).status_code == 201


def test_core_rename_frees_the_old_value(admin: httpx.Client) -> None:
    svc = make_service(admin, "s1")
    assert admin.patch(f"/services/{svc['id']}", json={"name": "s2"}).status_code == 200
    assert make_service(admin, "s1")["name"] == "s1"
    _unique_taken(
        admin.post("/services", json={"name": "s2", "url": "http://u.test"}), {"name": "s2"}
    )
    consumer = admin.post("/consumers", json={"username": "u1", "custom_id": "k1"}).json()
    r = admin.put(f"/consumers/{consumer['id']}", json={"username": "u2", "custom_id": "k2"})
    assert r.status_code == 200, r.text
    assert admin.post("/consumers", json={"username": "u1", "custom_id": "k1"}).status_code == 201
    _unique_taken(admin.post("/consumers", json={"username": "u2"}), {"username": "u2"})
    _unique_taken(admin.post("/consumers", json={"custom_id": "k2"}), {"custom_id": "k2"})


def test_plugin_moved_to_another_service_frees_its_old_scope(admin: httpx.Client) -> None:
    a, b = make_service(admin, "a"), make_service(admin, "b")
    plugin = admin.post("/services/a/plugins", json={"name": "cors"}).json()
    r = admin.patch(f"/plugins/{plugin['id']}", json={"service": {"id": b["id"]}})
    assert r.status_code == 200, r.text
    assert admin.post("/services/a/plugins", json={"name": "cors"}).status_code == 201
    scope = {"name": "cors", "route": None, "service": {"id": b["id"]}, "consumer": None}
    r = admin.post("/services/b/plugins", json={"name": "cors"})
    assert r.status_code == 409
    assert {k: v for k, v in r.json()["fields"].items() if k != "consumer_group"} == scope
    assert a["id"] != b["id"]


# ------------------------------------------------------------------------ deletes, cascades


def test_deleting_a_developer_frees_it_and_everything_it_cascades_to(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    assert _registration(portal, "s1").status_code == 201
    dev = make_developer(portal, "ada@example.com", custom_id="dev-1")
    app_id = str(uuid.uuid4())
    assert _app(portal, dev, "one", "c1", id=app_id).status_code == 201
    assert _instance(portal, app_id, svc["id"]).status_code == 201
    assert portal.delete(f"/developers/{dev['id']}").status_code == 204
    # the developer's email and custom_id, and its hidden consumer's
    again = _developer(portal, "ada@example.com", custom_id="dev-1")
    assert again.status_code == 200, again.text
    # the application's hidden consumer (its custom_id)
    assert portal.post("/consumers", json={"custom_id": "c1"}).status_code == 201
    # the instance: the same application id on the same service is a new composite again
    assert _app(portal, again.json(), "one", "c9", id=app_id).status_code == 201
    assert _instance(portal, app_id, svc["id"]).status_code == 201
    _unique_taken(_instance(portal, app_id, svc["id"]), {"composite_id": f"{app_id}_{svc['id']}"})


def test_deleting_an_application_or_instance_frees_its_values(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    assert _registration(portal, "s1").status_code == 201
    dev = make_developer(portal)
    app = _app(portal, dev, "one", "c1").json()
    inst = _instance(portal, app["id"], svc["id"]).json()
    path = f"/applications/{app['id']}/application_instances/{inst['id']}"
    assert portal.delete(path).status_code == 204
    assert _instance(portal, app["id"], svc["id"]).status_code == 201
    assert portal.delete(f"/applications/{app['id']}").status_code == 204
    # name and custom_id (the hidden consumer), and the cascaded instance's composite id
    assert _app(portal, dev, "one", "c1", id=app["id"]).status_code == 201
    assert _instance(portal, app["id"], svc["id"]).status_code == 201


def test_deleting_a_service_frees_its_cascaded_plugins_and_instances(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    assert _registration(portal, "s1").status_code == 201
    dev = make_developer(portal)
    app = _app(portal, dev, "one", "c1").json()
    assert _instance(portal, app["id"], svc["id"]).status_code == 201
    assert portal.delete("/services/s1").status_code == 204
    r = portal.put(f"/services/{svc['id']}", json={"name": "s1", "url": "http://u.test"})
    assert r.status_code == 200, r.text
    assert _registration(portal, "s1").status_code == 201  # the plugin's scope is free
    assert _instance(portal, app["id"], svc["id"]).status_code == 201
    # a route still names the service: the index of routes by service refuses the delete
    portal.post("/services/s1/routes", json={"name": "r1", "paths": ["/r1"]}).raise_for_status()
    r = portal.delete("/services/s1")
    assert r.status_code == 400, r.text
    assert portal.delete("/routes/r1").status_code == 204
    assert portal.delete("/services/s1").status_code == 204


def test_deleting_a_consumer_frees_its_plugins_scope(admin: httpx.Client) -> None:
    consumer = admin.post("/consumers", json={"username": "u1"}).json()
    body = {"name": "rate-limiting", "consumer": {"id": consumer["id"]}, "config": {"minute": 5}}
    assert admin.post("/plugins", json=body).status_code == 201
    assert admin.delete("/consumers/u1").status_code == 204
    r = admin.put(f"/consumers/{consumer['id']}", json={"username": "u1"})
    assert r.status_code == 200, r.text
    assert admin.post("/plugins", json=body).status_code == 201
    assert admin.post("/plugins", json=body).status_code == 409


def test_null_never_clashes(portal: httpx.Client) -> None:
    for _ in range(2):
        assert portal.post("/consumers", json={"username": f"u{_}"}).status_code == 201
        assert portal.post("/services", json={"url": "http://u.test"}).status_code == 201
        assert _developer(portal, f"d{_}@example.com").status_code == 200


# ------------------------------------------------------------------ reset, reload, workspaces


def test_clashes_are_detected_after_a_reset(portal: httpx.Client) -> None:
    make_developer(portal, "ada@example.com")
    make_service(portal, "s1")
    portal.post("/_sandbox/reset").raise_for_status()
    portal.patch("/workspaces/default", json=PORTAL_ON).raise_for_status()
    assert _developer(portal, "ada@example.com").status_code == 200
    _email_taken(_developer(portal, "ada@example.com"), "ada@example.com")
    make_service(portal, "s1")
    _unique_taken(
        portal.post("/services", json={"name": "s1", "url": "http://u.test"}), {"name": "s1"}
    )


def test_clashes_are_detected_after_a_state_file_reload(tmp_path: Path) -> None:
    state = ["--state-file", str(tmp_path / "state.json")]
    with start_sandbox(sandbox_args() + state) as first:
        with httpx.Client(base_url=first.urls["admin"], timeout=10) as client:
            client.patch("/workspaces/default", json=PORTAL_ON).raise_for_status()
            svc = make_service(client, "old-name")
            client.patch(f"/services/{svc['id']}", json={"name": "s1"}).raise_for_status()
            assert _registration(client, "s1").status_code == 201
            dev = make_developer(client, "ada@example.com")
            app = _app(client, dev, "one", "c1").json()
            assert _instance(client, app["id"], svc["id"]).status_code == 201
    with start_sandbox(sandbox_args() + state) as second:
        with httpx.Client(base_url=second.urls["admin"], timeout=10) as client:
            _email_taken(_developer(client, "ada@example.com"), "ada@example.com")
            _app_taken(_app(client, dev, "one", "c2"), "name", "one")
            _unique_taken(client.post("/consumers", json={"custom_id": "c1"}), {"custom_id": "c1"})
            _unique_taken(
                _instance(client, app["id"], svc["id"]),
                {"composite_id": f"{app['id']}_{svc['id']}"},
            )
            _unique_taken(
                client.post("/services", json={"name": "s1", "url": "http://u.test"}),
                {"name": "s1"},
            )
            assert make_service(client, "old-name")["name"] == "old-name"
            # the reloaded index also lets go: a deleted developer's email is free again
            assert client.delete(f"/developers/{dev['id']}").status_code == 204
            assert _developer(client, "ada@example.com").status_code == 200


def test_two_workspaces_never_clash(portal: httpx.Client) -> None:
    portal.post("/workspaces", json={"name": "w2", **PORTAL_ON}).raise_for_status()
    devs = {}
    for prefix in ("", "/w2"):
        r = portal.post(f"{prefix}/services", json={"name": "s1", "url": "http://u.test"})
        assert r.status_code == 201, (prefix, r.text)
        r = _developer(portal, "ada@example.com", prefix, custom_id="dev-1")
        assert r.status_code == 200, (prefix, r.text)
        devs[prefix] = r.json()
        assert _app(portal, devs[prefix], "one", "c1", prefix).status_code == 201
    # within w2 the clash is still found; deleting in default frees nothing in w2
    assert portal.delete(f"/developers/{devs['']['id']}").status_code == 204
    _email_taken(_developer(portal, "ada@example.com", "/w2"), "ada@example.com")
    _app_taken(_app(portal, devs["/w2"], "two", "c1", "/w2"), "custom_id", "c1")
    _unique_taken(
        portal.post("/w2/services", json={"name": "s1", "url": "http://u.test"}), {"name": "s1"}
    )
    assert _developer(portal, "ada@example.com").status_code == 200


# ------------------------------------------------------------------------- the Table itself


def test_a_table_copy_keeps_its_index_and_other_writes_are_refused() -> None:
    table = Table(INDEXED["services"], [("id-1", {"id": "id-1", "name": "s1"})])
    for clone in (copy.deepcopy(table), pickle.loads(pickle.dumps(table))):
        assert clone.holders("name", "s1") == ("id-1",)
        del clone["id-1"]
        assert clone.holders("name", "s1") == ()
    assert table.holders("name", "s1") == ("id-1",)
    with pytest.raises(TypeError, match="keep the index"):
        table.update({"id-2": {"id": "id-2", "name": "s1"}})
    assert table.pop("missing", None) is None
    table["id-1"] = {"id": "id-1", "name": "s2"}
    assert table.holders("name", "s1") == () and table.holders("name", "s2") == ("id-1",)
