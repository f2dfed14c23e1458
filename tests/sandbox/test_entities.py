"""Services, routes, consumers, workspaces: keys, nesting, uniqueness, cascades."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import make_developer, make_service


def test_service_url_shorthand(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"name": "s", "url": "https://api.test/v1"})
    body = r.json()
    assert (body["protocol"], body["host"], body["port"], body["path"]) == (
        "https",
        "api.test",
        443,
        "/v1",
    )
    r = admin.post("/services", data={"name": "t", "url": "http://api.test:8080"})
    assert (r.json()["port"], r.json()["path"]) == (8080, None)


def test_service_name_rules(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"name": "bad name", "host": "h.test"})
    assert r.status_code == 400
    assert r.json()["fields"]["name"] == (
        "invalid value 'bad name': the only accepted ascii characters are alphanumerics or "
        "., -, _, and ~"
    )
    r = admin.post("/services", json={"name": "zürich-ü", "host": "h.test"})
    assert r.status_code == 201 and r.json()["name"] == "zürich-ü"
    assert admin.get("/services/zürich-ü").status_code == 200


def test_nested_routes(admin: httpx.Client) -> None:
    s1, s2 = make_service(admin, "s1"), make_service(admin, "s2")
    r = admin.post("/services/s1/routes", json={"name": "r1", "paths": ["/a"]})
    assert r.status_code == 201 and r.json()["service"] == {"id": s1["id"]}
    assert admin.get("/services/s1/routes/r1").status_code == 200
    assert admin.get("/services/s2/routes/r1").status_code == 404
    assert [x["name"] for x in admin.get(f"/services/{s2['id']}/routes").json()["data"]] == []
    r = admin.put("/services/s2/routes/r2", json={"paths": ["/b"]})
    assert r.status_code == 200 and r.json()["service"] == {"id": s2["id"]}
    assert admin.get("/routes/r1/service").json()["id"] == s1["id"]
    assert admin.delete("/routes/r1/service").status_code == 405
    assert admin.get("/services/nope/routes").status_code == 404


def test_route_rules(admin: httpx.Client) -> None:
    r = admin.post("/routes", json={"paths": ["nope"]})
    assert r.status_code == 400 and r.json()["fields"]["paths"] == [
        "should start with: / (fixed path) or ~/ (regex path)"
    ]
    r = admin.post("/routes", json={"hosts": ["a.test"], "protocols": ["ftp"]})
    assert r.status_code == 400 and "protocols" in r.json()["fields"]
    r = admin.post("/routes", json={"methods": ["GET"]})
    assert r.status_code == 201 and r.json()["protocols"] == ["http", "https"]


def test_plugins_cascade_with_service_route_consumer(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    route = admin.post("/services/s1/routes", json={"name": "r1", "paths": ["/"]}).json()
    admin.post("/consumers", json={"username": "bob"})
    admin.post("/services/s1/plugins", json={"name": "cors"})
    admin.post("/routes/r1/plugins", json={"name": "cors"})
    admin.post("/consumers/bob/plugins", json={"name": "rate-limiting", "config": {"minute": 5}})
    assert len(admin.get("/plugins").json()["data"]) == 3
    assert len(admin.get("/services/s1/plugins").json()["data"]) == 1
    admin.delete(f"/routes/{route['id']}")
    admin.delete("/consumers/bob")
    assert len(admin.get("/plugins").json()["data"]) == 1
    admin.delete("/services/s1")
    assert admin.get("/plugins").json()["data"] == []


def test_plugin_endpoint_key_instance_name(admin: httpx.Client) -> None:
    r = admin.post("/plugins", json={"name": "cors", "instance_name": "global-cors"})
    assert r.status_code == 201
    assert admin.get("/plugins/global-cors").json()["id"] == r.json()["id"]
    body = r.json()
    assert body["consumer_group"] is None and body["ordering"] is None
    assert body["protocols"] == ["grpc", "grpcs", "http", "https"] and body["enabled"] is True


def test_consumers_rules(admin: httpx.Client) -> None:
    r = admin.post("/consumers", json={})
    assert r.status_code == 400 and r.json()["fields"] == {
        "@entity": ["at least one of these fields must be non-empty: 'custom_id', 'username'"]
    }
    r = admin.post("/consumers", json={"username": "Bob", "type": 1})
    assert r.status_code == 400 and r.json() == {"message": "Invalid parameter: 'type'"}
    r = admin.post("/consumers", json={"username": "Bob", "custom_id": "c1"})
    assert r.status_code == 201
    assert r.json()["type"] == 0 and r.json()["username_lower"] == "bob"
    r = admin.post("/consumers", json={"username": "other", "custom_id": "c1"})
    assert r.status_code == 409 and r.json()["fields"] == {"custom_id": "c1"}
    assert admin.get("/consumers?custom_id=c1").json()["data"][0]["username"] == "Bob"
    assert admin.get("/consumers?custom_id=zz").json() == {"data": [], "next": None}


def test_hidden_consumers_count_for_uniqueness(portal: httpx.Client) -> None:
    dev = make_developer(portal, "dev@example.com", custom_id="dev-ref")
    portal.post(f"/developers/{dev['id']}/applications", json={"name": "app", "custom_id": "okta1"})
    assert portal.get("/consumers").json()["data"] == []  # only proxy consumers are listed
    r = portal.get("/consumers?custom_id=okta1")
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}
    r = portal.get(f"/consumers/{dev['consumer']['id']}")
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}
    for body in ({"custom_id": "okta1"}, {"custom_id": "dev-ref"}, {"username": "dev@example.com"}):
        r = portal.post("/consumers", json=body)
        assert r.status_code == 409, body


def test_workspace_config_and_rules(admin: httpx.Client) -> None:
    r = admin.post(
        "/workspaces",
        json={
            "name": "team",
            "config": {
                "portal": True,
                "portal_auth": "basic-auth",
                "portal_session_conf": {"secret": "s", "cookie_name": "x"},
            },
        },
    )
    assert r.status_code == 201, r.text
    cfg = r.json()["config"]
    assert isinstance(cfg["portal_session_conf"], str) and cfg["portal_auto_approve"] is None
    r = admin.post("/workspaces", json={"name": "t2", "config": {"portal_auth": "key-auth"}})
    assert r.status_code == 400 and r.json() == {
        "message": "'portal_session_conf' is required when 'portal_auth' is set to key-auth"
    }
    r = admin.patch("/workspaces/team", json={"name": "renamed"})
    assert r.status_code == 400 and r.json() == {"message": "Cannot rename a workspace"}
    r = admin.post("/workspaces", json={"name": "services"})
    assert r.status_code == 400 and "name" in r.json()["fields"]
    r = admin.post("/workspaces", json={"name": "team"})
    assert r.status_code == 409
    r = admin.delete("/workspaces/default")
    assert r.status_code == 400 and r.json() == {"message": "Cannot delete default workspace"}
    admin.post("/team/services", json={"name": "s", "host": "h.test"})
    assert admin.get("/workspaces/team/meta").json()["counts"]["services"] == 1
    r = admin.delete("/workspaces/team")
    assert r.status_code == 400
    assert r.json() == {
        "message": {"message": "Workspace is not empty", "entities": {"services": 1}}
    }
    assert admin.delete("/workspaces/team?cascade=true").status_code == 204
    assert admin.get("/team/services").status_code == 404


def test_workspace_config_cannot_be_nulled(admin: httpx.Client) -> None:
    r = admin.patch("/workspaces/default", json={"config": None})
    assert r.status_code == 400 and r.json()["fields"] == {"config": "required field missing"}
    assert admin.get("/workspaces/default").json()["config"]["portal"] is False
