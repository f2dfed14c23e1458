"""Every row of §2 "Error bodies (exact shapes)" that a default node can produce, over HTTP.
(RBAC rows live in test_rbac.py; the licence row in test_versions.py.)"""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import make_developer, make_service

BAD_ID = "9d9e5b2e-4444-4c1e-9e2a-1234567890ab"


def test_schema_violation_one_field(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"name": "x"})
    assert r.status_code == 400
    assert r.json() == {
        "code": 2,
        "name": "schema violation",
        "message": "schema violation (host: required field missing)",
        "fields": {"host": "required field missing"},
    }


def test_schema_violation_several_fields_sorted_and_entity_first(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"port": "x", "host": None, "path": "no-slash"})
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == (
        "3 schema violations (host: required field missing; path: should start with: /; "
        "port: expected an integer)"
    )
    assert set(body["fields"]) == {"host", "path", "port"}
    r = admin.post("/routes", json={})
    assert r.json()["message"] == (
        "schema violation (must set one of 'methods', 'hosts', 'headers', 'paths' when "
        "'protocols' is 'http')"
    )
    assert r.json()["fields"] == {
        "@entity": [
            "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"
        ]
    }


def test_nested_field_errors(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    r = admin.post(
        "/services/s1/plugins",
        json={"name": "application-registration", "config": {"auto_approve": "yes"}},
    )
    body = r.json()
    assert r.status_code == 400
    assert body["message"] == (
        "2 schema violations (config.auto_approve: expected a boolean; "
        "config.display_name: required field missing)"
    )
    assert body["fields"] == {
        "config": {"auto_approve": "expected a boolean", "display_name": "required field missing"}
    }


def test_unknown_field_entity_and_plugin_config(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"host": "h.test", "foo": 1})
    assert r.status_code == 400 and r.json()["fields"] == {"foo": "unknown field"}
    make_service(admin, "s1")
    r = admin.post("/services/s1/plugins", json={"name": "cors", "config": {"bar": True}})
    assert r.status_code == 400 and r.json()["fields"] == {"config": {"bar": "unknown field"}}


def test_plugin_not_enabled(admin: httpx.Client) -> None:
    r = admin.post("/plugins", json={"name": "foo"})
    assert r.status_code == 400
    msg = "plugin 'foo' not enabled; add it to the 'plugins' configuration property"
    assert r.json() == {
        "code": 2,
        "name": "schema violation",
        "message": f"schema violation (name: {msg})",
        "fields": {"name": msg},
    }


def test_app_registration_wrong_scope(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    route = admin.post("/services/s1/routes", json={"name": "r1", "paths": ["/"]}).json()
    r = admin.post(
        f"/routes/{route['id']}/plugins",
        json={"name": "application-registration", "config": {"display_name": "x"}},
    )
    assert r.status_code == 400
    assert r.json() == {
        "code": 2,
        "name": "schema violation",
        "fields": {"route": "value must be null", "service": "value must not be null"},
        "message": "2 schema violations (route: value must be null; service: value must not be "
        "null)",
    }
    r = admin.post(
        "/plugins", json={"name": "application-registration", "config": {"display_name": "x"}}
    )
    assert r.status_code == 400 and r.json()["fields"] == {"service": "value must not be null"}
    admin.post("/consumers", json={"username": "bob"})
    r = admin.post(
        "/consumers/bob/plugins",
        json={"name": "openid-connect", "config": {"issuer": "https://i.test"}},
    )
    assert r.status_code == 400 and r.json()["fields"] == {"consumer": "value must be null"}


def test_unique_violation_core(admin: httpx.Client) -> None:
    make_service(admin, "foo")
    r = admin.post("/services", json={"name": "foo", "host": "h.test"})
    assert r.status_code == 409
    assert r.json() == {
        "code": 5,
        "name": "unique constraint violation",
        "message": "UNIQUE violation detected on '{name=\"foo\"}'",
        "fields": {"name": "foo"},
    }


def test_unique_violation_plugin_cache_key(admin: httpx.Client) -> None:
    svc = make_service(admin, "s1")
    body = {"name": "cors"}
    assert admin.post("/services/s1/plugins", json=body).status_code == 201
    r = admin.post("/services/s1/plugins", json=body)
    assert r.status_code == 409
    sid = svc["id"]
    assert r.json()["message"] == (
        'UNIQUE violation detected on \'{consumer=null,consumer_group=null,name="cors",'
        f'route=null,service={{id="{sid}"}}}}\''
    )
    assert r.json()["fields"] == {
        "consumer": None,
        "consumer_group": None,
        "name": "cors",
        "route": None,
        "service": {"id": sid},
    }
    # another scope is fine
    assert admin.post("/plugins", json=body).status_code == 201


def test_primary_key_clash(admin: httpx.Client) -> None:
    make_service(admin, "s1", id=BAD_ID)
    r = admin.post("/services", json={"id": BAD_ID, "host": "h.test"})
    assert r.status_code == 400
    assert r.json()["code"] == 3 and r.json()["name"] == "primary key violation"


def test_foreign_key_missing(admin: httpx.Client) -> None:
    r = admin.post("/routes", json={"paths": ["/"], "service": {"id": BAD_ID}})
    assert r.status_code == 400
    assert r.json() == {
        "code": 4,
        "name": "foreign key violation",
        "message": f"the foreign key '{{id=\"{BAD_ID}\"}}' does not reference an existing "
        "'services' entity.",
        "fields": {"service": {"id": BAD_ID}},
    }


def test_delete_referenced_service(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    admin.post("/services/s1/routes", json={"paths": ["/"]})
    r = admin.delete("/services/s1")
    assert r.status_code == 400
    assert r.json() == {
        "code": 4,
        "name": "foreign key violation",
        "message": "an existing 'routes' entity references this 'services' entity",
        "fields": {"@referenced_by": "routes"},
    }
    assert admin.get("/services/s1").status_code == 200


def test_not_found_both_spellings(admin: httpx.Client) -> None:
    r = admin.get("/services/nope")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    r = admin.get("/developers")  # portal off: the EE gate says "Not Found"
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}


def test_invalid_primary_key(portal: httpx.Client) -> None:
    r = portal.get("/applications/not-a-uuid")
    assert r.status_code == 400
    assert r.json()["code"] == 1 and r.json()["fields"] == {"id": "expected a valid UUID"}


def test_operation_unsupported(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    dev = make_developer(portal)
    app = portal.post(
        f"/developers/{dev['id']}/applications", json={"name": "a", "custom_id": "c1"}
    ).json()
    r = portal.post(
        f"/applications/{app['id']}/application_instances", json={"service": {"id": svc["id"]}}
    )
    assert r.status_code == 405
    assert r.json() == {"code": 12, "message": "'Application Registration' plugin must be enabled."}


def test_bad_method(admin: httpx.Client) -> None:
    r = admin.post("/services/s1")
    assert r.status_code == 405 and r.json() == {"message": "Method not allowed"}
