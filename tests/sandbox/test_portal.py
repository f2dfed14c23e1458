"""Dev Portal: gate, developers, applications (Reference Id = custom_id), instances."""

from __future__ import annotations

import json

import httpx

from tests.sandbox.conftest import make_developer, make_service


def _app_reg(client: httpx.Client, service: str = "s1", **config) -> dict:
    r = client.post(
        f"/services/{service}/plugins",
        json={"name": "application-registration", "config": {"display_name": "Orders", **config}},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _app(client: httpx.Client, dev: dict, name: str = "app", custom_id: str = "okta-1") -> dict:
    r = client.post(
        f"/developers/{dev['id']}/applications", json={"name": name, "custom_id": custom_id}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_portal_gate(admin: httpx.Client) -> None:
    for path in ("/developers", "/applications", "/developers/x/applications"):
        r = admin.get(path)
        assert r.status_code == 404 and r.json() == {"message": "Not Found"}, path
    r = admin.post("/developers", json={"email": "a@b.test"})
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}
    admin.patch("/workspaces/default", json={"config": {"portal": True}})
    assert admin.get("/developers").status_code == 200
    # another workspace keeps its own gate
    admin.post("/workspaces", json={"name": "w2"})
    assert admin.get("/w2/developers").status_code == 404


def test_developer_needs_portal_auth_and_meta(admin: httpx.Client) -> None:
    admin.patch("/workspaces/default", json={"config": {"portal": True}})
    r = admin.post("/developers", json={"email": "a@b.test", "meta": '{"full_name":"A"}'})
    assert r.status_code == 400
    assert r.json() == {"code": 2, "message": "portal_auth must be enabled create a developer"}
    admin.patch("/workspaces/default", json={"config": {"portal_auth": "openid-connect"}})
    r = admin.post("/developers", json={"email": "a@b.test"})
    assert r.status_code == 400
    assert r.json()["fields"] == {"meta": {"full_name": "required field missing"}}
    r = admin.post("/developers", json={"email": "nope", "meta": '{"full_name":"A"}'})
    assert r.status_code == 400 and r.json()["fields"] == {"email": "missing '@' symbol"}
    r = admin.post(
        "/developers", json={"email": "a@b.test", "meta": '{"full_name":"A"}', "roles": "admin"}
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {"roles": "the roles of developer should be an array."}


def test_developer_create_is_200_with_hidden_consumer(portal: httpx.Client) -> None:
    r = portal.post(
        "/developers", json={"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})}
    )
    assert r.status_code == 200
    dev = r.json()
    assert dev["status"] == 1 and "custom_id" not in dev  # null fields omitted
    assert dev["consumer"]["id"]
    r = portal.post("/developers", json={"email": "ada@example.com", "meta": dev["meta"]})
    assert r.status_code == 409
    assert r.json() == {
        "code": 5,
        "fields": {"email": "developer already exists with email: ada@example.com"},
    }
    assert portal.get("/developers/ada@example.com").json()["roles"] == []
    assert portal.get("/developers/nobody@example.com").status_code == 404


def test_developer_auto_approve_and_filters(portal: httpx.Client) -> None:
    make_developer(portal, "p@example.com")
    portal.patch("/workspaces/default", json={"config": {"portal_auto_approve": True}})
    make_developer(portal, "q@example.com", custom_id="cq")
    assert [d["email"] for d in portal.get("/developers?status=0").json()["data"]] == [
        "q@example.com"
    ]
    assert [d["email"] for d in portal.get("/developers?custom_id=cq").json()["data"]] == [
        "q@example.com"
    ]


def test_developer_patch_is_wrapped_and_flips_instances(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    _app_reg(portal, auto_approve=True)
    dev = make_developer(portal)
    app = _app(portal, dev)
    inst = portal.post(
        f"/applications/{app['id']}/application_instances", json={"service": {"id": svc["id"]}}
    ).json()
    assert inst["status"] == 0 and inst["suspended"] is True  # developer still pending
    r = portal.patch(f"/developers/{dev['id']}", json={"status": 0})
    assert r.status_code == 200 and r.json()["developer"]["status"] == 0
    listed = portal.get(f"/applications/{app['id']}/application_instances").json()["data"]
    assert listed[0]["suspended"] is False
    r = portal.patch(f"/developers/{dev['id']}", json={"status": 5})
    assert r.status_code == 400
    assert r.json()["fields"] == {"status": "cannot update developer to status UNVERIFIED"}
    make_developer(portal, "other@example.com")
    r = portal.patch("/developers/other@example.com", json={"email": dev["email"]})
    assert r.status_code == 409
    assert r.json() == {
        "code": 5,
        "fields": {"email": f"already exists with value '{dev['email']}'"},
    }


def test_developer_delete_cascades_and_404s_when_unknown(portal: httpx.Client) -> None:
    dev = make_developer(portal)
    app = _app(portal, dev)
    assert portal.delete(f"/developers/{dev['email']}").status_code == 204
    assert portal.get(f"/applications/{app['id']}").status_code == 404
    r = portal.delete(f"/developers/{dev['email']}")
    assert r.status_code == 404
    # the hidden consumers are gone: the custom_id is free again
    assert portal.post("/consumers", json={"custom_id": "okta-1"}).status_code == 201


def test_application_requires_custom_id_under_external_oauth2(portal: httpx.Client) -> None:
    dev = make_developer(portal)
    r = portal.post(f"/developers/{dev['id']}/applications", json={"name": "app"})
    assert r.status_code == 400
    assert r.json() == {
        "code": 2,
        "name": "schema violation",
        "message": "schema violation (custom_id: required field missing)",
        "fields": {"custom_id": "required field missing"},
    }
    app = _app(portal, dev)
    r = portal.patch(f"/applications/{app['id']}", json={"custom_id": None})
    assert r.status_code == 400 and r.json()["fields"] == {"custom_id": "required field missing"}
    r = portal.post(f"/developers/{dev['id']}/applications", json={"name": "x", "tags": ["a"]})
    assert r.status_code == 400


def test_application_conflicts(portal: httpx.Client) -> None:
    dev = make_developer(portal)
    other = make_developer(portal, "b@example.com", custom_id="dev-ref")
    app = _app(portal, dev, "app ", "okta-1")
    assert app["name"] == "app"  # trailing whitespace stripped
    r = portal.post(
        f"/developers/{dev['id']}/applications", json={"name": "app2", "custom_id": "okta-1"}
    )
    msg = "application already exists with custom_id: 'okta-1'"
    assert r.status_code == 409
    assert r.json() == {
        "code": 5,
        "name": "unique constraint violation",
        "message": msg,
        "fields": {"custom_id": msg},
    }
    r = portal.post(
        f"/developers/{dev['id']}/applications", json={"name": "app", "custom_id": "okta-2"}
    )
    assert r.status_code == 409
    assert r.json()["message"] == "application already exists with name: 'app'"
    # another developer may reuse the name; custom_id clashes with a developer's custom_id
    assert (
        portal.post(
            f"/developers/{other['id']}/applications", json={"name": "app", "custom_id": "okta-3"}
        ).status_code
        == 201
    )
    r = portal.post(
        f"/developers/{dev['id']}/applications", json={"name": "z", "custom_id": "dev-ref"}
    )
    assert r.status_code == 409
    portal.post("/consumers", json={"username": "proxy", "custom_id": "proxy-ref"})
    r = portal.post(
        "/applications",
        json={"name": "z", "custom_id": "proxy-ref", "developer": {"id": dev["id"]}},
    )
    assert r.status_code == 409


def test_application_routes(portal: httpx.Client) -> None:
    dev = make_developer(portal)
    other = make_developer(portal, "b@example.com")
    r = portal.post(
        "/applications", json={"name": "top", "custom_id": "c-top", "developer": {"id": dev["id"]}}
    )
    assert r.status_code == 201
    app = r.json()
    assert portal.get(f"/developers/{dev['id']}/applications/{app['id']}").status_code == 200
    assert portal.get(f"/developers/{other['id']}/applications/{app['id']}").status_code == 404
    r = portal.patch(
        f"/developers/{dev['id']}/applications/{app['id']}",
        json={"name": "renamed", "description": "ignored here"},
    )
    assert r.status_code == 200 and r.json()["name"] == "renamed"
    assert "description" not in r.json()
    body = portal.get("/applications").json()
    assert [a["name"] for a in body["data"]] == ["renamed"] and body["next"] is None
    r = portal.post(
        "/applications",
        json={
            "name": "x",
            "custom_id": "y",
            "developer": {"id": "8f1d7b6e-6666-4c1e-9e2a-1234567890ab"},
        },
    )
    assert r.status_code == 400 and r.json()["code"] == 4


def test_portal_pagination(portal: httpx.Client) -> None:
    for i in range(5):
        make_developer(portal, f"d{i}@example.com")
    body = portal.get("/developers", params={"size": 2, "sort_by": "email"}).json()
    assert body["total"] == 2 and [d["email"] for d in body["data"]] == [
        "d0@example.com",
        "d1@example.com",
    ]
    assert body["next"].startswith("/developers?size=2&sort_by=email&offset=")
    seen = [d["email"] for d in body["data"]]
    while body["next"]:
        body = portal.get(body["next"]).json()
        seen += [d["email"] for d in body["data"]]
    assert seen == [f"d{i}@example.com" for i in range(5)]
    r = portal.get("/developers", params={"offset": "nope"})
    assert r.status_code == 400 and r.json() == {"code": 7, "message": "invalid offset"}
    r = portal.get("/developers", params={"size": 0})
    assert r.status_code == 400 and r.json() == {"code": 9, "message": "invalid size"}


def test_application_instances(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    _app_reg(portal)
    dev = make_developer(portal, status=0)
    app = _app(portal, dev)
    base = f"/applications/{app['id']}/application_instances"
    r = portal.post(base, json={})
    assert r.status_code == 400 and r.json()["fields"] == {"service": "required field missing"}
    r = portal.post(base, json={"service": {"id": "nope"}})
    assert r.status_code == 400 and r.json()["fields"] == {
        "service": {"id": "expected a valid UUID"}
    }
    r = portal.post(base, json={"service": {"id": svc["id"]}, "status": 10})
    assert r.status_code == 400 and r.json()["fields"] == {
        "status": "value should be between 0 and 5"
    }
    r = portal.post(base, json={"service": {"id": svc["id"]}})
    assert r.status_code == 201
    inst = r.json()
    assert inst["status"] == 1 and inst["suspended"] is False  # no auto_approve: pending
    assert inst["composite_id"] == f"{app['id']}_{svc['id']}"
    r = portal.post(base, json={"service": {"id": svc["id"]}})
    assert r.status_code == 409 and r.json()["fields"] == {"composite_id": inst["composite_id"]}
    r = portal.patch(
        f"{base}/{inst['id']}", json={"status": 0, "service": {"id": "x"}, "composite_id": "hack"}
    )
    assert r.status_code == 200
    assert r.json()["status"] == 0 and r.json()["composite_id"] == inst["composite_id"]
    listed = portal.get(base).json()
    assert listed["total"] == 1
    row = listed["data"][0]
    assert row["application"]["developer"]["email"] == dev["email"]
    assert row["service"] == {"id": svc["id"], "display_name": "Orders"}
    by_service = portal.get("/services/s1/application_instances").json()["data"][0]
    assert by_service["service"]["name"] == "s1"
    assert portal.get("/services/s1/applications").json()["total"] == 1
    assert (
        portal.get(
            f"/developers/{dev['id']}/applications/{app['id']}/application_instances"
        ).json()["total"]
        == 1
    )
    assert (
        portal.get(f"/applications/{app['id']}/application_instances?status=3").json()["data"] == []
    )
    # wrong parent: 404 on GET/PATCH but 204 on DELETE
    other = _app(portal, dev, "other", "okta-2")
    wrong = f"/applications/{other['id']}/application_instances/{inst['id']}"
    assert portal.get(wrong).status_code == 404
    assert portal.patch(wrong, json={"status": 3}).status_code == 404
    assert portal.delete(wrong).status_code == 204
    assert portal.get(f"{base}/{inst['id']}").status_code == 200
    assert portal.delete(f"{base}/{inst['id']}").status_code == 204
    assert portal.delete(f"{base}/{inst['id']}").status_code == 204
    assert portal.get(base).json()["data"] == []


def test_instance_cascade_with_service_and_application(portal: httpx.Client) -> None:
    svc = make_service(portal, "s1")
    _app_reg(portal, auto_approve=True)
    dev = make_developer(portal)
    app = _app(portal, dev)
    portal.post(
        f"/applications/{app['id']}/application_instances", json={"service": {"id": svc["id"]}}
    )
    assert portal.delete("/services/s1").status_code == 204
    assert portal.get(f"/applications/{app['id']}/application_instances").json()["data"] == []
    assert portal.get("/plugins").json()["data"] == []
