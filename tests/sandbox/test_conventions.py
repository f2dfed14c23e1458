"""§1 cross-cutting conventions over real HTTP: bodies, workspaces, keys, pagination, tags."""

from __future__ import annotations

import re
import time

import httpx

from tests.sandbox.conftest import make_service

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_json_body_creates_with_uuid_and_epoch_seconds(admin: httpx.Client) -> None:
    before = int(time.time())
    r = admin.post("/services", json={"name": "s1", "host": "example.com"})
    assert r.status_code == 201
    body = r.json()
    assert UUID.match(body["id"])
    assert isinstance(body["created_at"], int) and before - 1 <= body["created_at"] <= before + 5
    assert body["updated_at"] == body["created_at"]
    assert body["port"] == 80 and body["protocol"] == "http" and body["retries"] == 5
    assert body["path"] is None and body["tags"] is None  # nulls rendered by generated endpoints


def test_client_supplied_id_is_kept(admin: httpx.Client) -> None:
    sid = "6f0d1f7a-1111-4c1e-9e2a-1234567890ab"
    r = admin.post("/services", json={"id": sid, "host": "example.com"})
    assert r.status_code == 201 and r.json()["id"] == sid


def test_form_body_is_coerced_by_schema(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    r = admin.post(
        "/services/s1/plugins",
        data={
            "name": "openid-connect",
            "config.issuer": "https://idp.test/oauth2/default",
            "config.consumer_claim": "sub",
            "config.verify_parameters": "false",
            "config.consumer_by[]": ["custom_id"],
            "config.leeway": "5",
        },
    )
    assert r.status_code == 201, r.text
    config = r.json()["config"]
    assert config["consumer_claim"] == ["sub"]  # single form value -> one-element array
    assert config["verify_parameters"] is False
    assert config["consumer_by"] == ["custom_id"]
    assert config["leeway"] == 5


def test_form_repeated_keys_become_arrays(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    r = admin.post(
        "/services/s1/routes",
        content="name=r1&paths=/a&paths=/b&methods[]=GET",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["paths"] == ["/a", "/b"] and r.json()["methods"] == ["GET"]


def test_multipart_body_is_accepted(admin: httpx.Client) -> None:
    r = admin.post(
        "/services", files={"name": (None, "mp"), "host": (None, "h.test"), "port": (None, "8080")}
    )
    assert r.status_code == 201, r.text
    assert r.json()["port"] == 8080


def test_json_is_not_coerced(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"host": "h.test", "port": "8080"})
    assert r.status_code == 400
    assert r.json()["fields"] == {"port": "expected an integer"}


def test_malformed_json(admin: httpx.Client) -> None:
    r = admin.post(
        "/services", content=b'{"name": "x",}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json() == {"message": "Cannot parse JSON body"}


def test_unsupported_content_type_is_a_bare_415(admin: httpx.Client) -> None:
    r = admin.post("/services", content=b"name=x", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.content == b""
    assert admin.get("/services").json()["data"] == []


def test_workspace_prefix_routes_to_that_workspace(admin: httpx.Client) -> None:
    assert admin.post("/workspaces", json={"name": "team-a"}).status_code == 201
    assert admin.post("/team-a/services", json={"name": "s", "host": "h.test"}).status_code == 201
    assert [s["name"] for s in admin.get("/team-a/services").json()["data"]] == ["s"]
    assert admin.get("/services").json()["data"] == []
    # uniqueness is per workspace
    assert admin.post("/services", json={"name": "s", "host": "h.test"}).status_code == 201
    assert admin.get("/default/services/s").status_code == 200


def test_unknown_workspace_is_404(admin: httpx.Client) -> None:
    r = admin.get("/nope/services")
    assert r.status_code == 404 and r.json() == {"message": "Workspace 'nope' not found"}


def test_workspaces_from_non_default_prefix_is_404(admin: httpx.Client) -> None:
    admin.post("/workspaces", json={"name": "team-a"})
    r = admin.get("/team-a/workspaces")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}


def test_name_or_id_in_url(admin: httpx.Client) -> None:
    svc = make_service(admin, "s1")
    assert admin.get(f"/services/{svc['id']}").json()["name"] == "s1"
    assert admin.get("/services/s1").json()["id"] == svc["id"]


def test_unknown_path_and_bad_method(admin: httpx.Client) -> None:
    r = admin.get("/nothing/here/at/all/x/y/z")
    assert r.status_code == 404
    r = admin.get("/services/a/b/c/d")
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    r = admin.delete("/services")
    assert r.status_code == 405 and r.json() == {"message": "Method not allowed"}
    r = admin.request("TRACE", "/services")
    assert r.status_code == 405


def test_head_and_options(admin: httpx.Client) -> None:
    assert admin.head("/services").status_code == 200
    r = admin.options("/services")
    assert r.status_code == 204 and "POST" in r.headers["allow"]


def test_put_is_a_full_upsert(admin: httpx.Client) -> None:
    r = admin.put("/services/s1", json={"host": "a.test", "retries": 9, "tags": ["x"]})
    assert r.status_code == 200 and r.json()["name"] == "s1" and r.json()["retries"] == 9
    sid = r.json()["id"]
    r = admin.put("/services/s1", json={"host": "b.test"})
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == sid and body["host"] == "b.test"
    assert body["retries"] == 5 and body["tags"] is None  # omitted fields revert to defaults
    uid = "0b8a6c2e-2222-4c1e-9e2a-1234567890ab"
    r = admin.put(f"/services/{uid}", json={"name": "by-id", "host": "c.test"})
    assert r.status_code == 200 and r.json()["id"] == uid


def test_put_url_key_wins_over_body_name(admin: httpx.Client) -> None:
    r = admin.put("/services/url-name", json={"name": "body-name", "host": "a.test"})
    assert r.status_code == 200 and r.json()["name"] == "url-name"


def test_patch_deep_merges_records_and_replaces_arrays(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    r = admin.post(
        "/services/s1/plugins",
        json={
            "name": "application-registration",
            "config": {"display_name": "Orders", "description": "d"},
        },
    )
    pid = r.json()["id"]
    r = admin.patch(f"/plugins/{pid}", data={"config.auto_approve": "true"})
    assert r.status_code == 200
    cfg = r.json()["config"]
    assert cfg["auto_approve"] is True and cfg["display_name"] == "Orders"
    assert cfg["description"] == "d"
    r = admin.patch(f"/plugins/{pid}", json={"config": {"description": None}})
    assert r.json()["config"]["description"] is None  # JSON null clears an optional field
    r = admin.patch("/services/s1", json={"tags": ["a", "b"]})
    r = admin.patch("/services/s1", json={"tags": ["c"]})
    assert r.json()["tags"] == ["c"]


def test_delete_is_204_even_when_missing(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    assert admin.delete("/services/s1").status_code == 204
    assert admin.delete("/services/s1").status_code == 204
    assert admin.delete("/routes/7c7d0b8e-3333-4c1e-9e2a-1234567890ab").status_code == 204
    assert admin.get("/services/s1").status_code == 404


def _names(body: dict) -> list[str]:
    return [row["name"] for row in body["data"]]


def test_core_pagination_opaque_offset_and_relative_next(admin: httpx.Client) -> None:
    for i in range(5):
        make_service(admin, f"s{i}")
    seen: list[str] = []
    r = admin.get("/services", params={"size": 2})
    body = r.json()
    assert len(body["data"]) == 2 and body["next"].startswith("/services?offset=")
    assert body["next"].endswith("&size=2") and "offset" in body
    seen += _names(body)
    while body["next"]:
        body = admin.get(body["next"]).json()
        seen += _names(body)
    assert sorted(seen) == [f"s{i}" for i in range(5)]
    assert "offset" not in body and body["next"] is None


def test_nested_pagination_next_has_no_size(admin: httpx.Client) -> None:
    svc = make_service(admin, "s1")
    for i in range(3):
        admin.post("/services/s1/routes", json={"paths": [f"/p{i}"], "tags": ["t"]})
    body = admin.get("/services/s1/routes", params={"size": 1, "tags": "zzz"}).json()
    assert len(body["data"]) == 1  # tags ignored on nested collections
    assert body["next"].startswith(f"/services/{svc['id']}/routes?offset=")
    assert "size=" not in body["next"] and "tags=" not in body["next"]


def test_empty_list_is_an_array(admin: httpx.Client) -> None:
    r = admin.get("/routes", params={"foo": "bar"})
    assert r.status_code == 200 and r.json() == {"data": [], "next": None}
    assert r.text.replace(" ", "").startswith('{"data":[]')


def test_bad_size_and_offset(admin: httpx.Client) -> None:
    r = admin.get("/services", params={"size": "abc"})
    assert r.status_code == 400
    assert r.json() == {"code": 9, "name": "invalid size", "message": "size must be a number"}
    for bad in ("0", "1001", "2.5"):
        r = admin.get("/services", params={"size": bad})
        assert r.status_code == 400
        assert r.json()["message"] == "size must be an integer between 1 and 1000"
    r = admin.get("/services", params={"offset": "x"})
    assert r.status_code == 400
    assert r.json() == {
        "code": 7,
        "name": "invalid offset",
        "message": "'x' is not a valid offset: bad base64 encoding",
    }


def test_tag_filters_and_or_and_limits(admin: httpx.Client) -> None:
    make_service(admin, "ab", tags=["a", "b"])
    make_service(admin, "a", tags=["a"])
    make_service(admin, "c", tags=["c"])
    assert sorted(_names(admin.get("/services?tags=a,b").json())) == ["ab"]
    assert sorted(_names(admin.get("/services?tags=b/c").json())) == ["ab", "c"]
    r = admin.get("/services?tags=a,b/c")
    assert r.status_code == 400
    assert r.json() == {
        "code": 11,
        "name": "invalid options",
        "message": "invalid option (tags: invalid filter syntax)",
        "options": {"tags": "invalid filter syntax"},
    }
    r = admin.get("/services?tags=a,b,c,d,e,f")
    assert r.status_code == 400 and r.json()["code"] == 11
    body = admin.get("/services?tags=a&size=1").json()
    assert "tags=a" in body["next"]


def test_invalid_tag_is_rejected(admin: httpx.Client) -> None:
    r = admin.post("/services", json={"host": "h.test", "tags": ["a,b"]})
    assert r.status_code == 400
    assert r.json()["fields"]["tags"][0].startswith("invalid tag 'a,b': expected printable ascii")


def test_node_info(admin: httpx.Client) -> None:
    body = admin.get("/").json()
    assert body["version"] == "3.4.3.12" and body["edition"] == "enterprise"
    available = body["plugins"]["available_on_server"]
    assert {"openid-connect", "application-registration", "acl", "rate-limiting", "cors"} <= set(
        available
    )
    assert body["configuration"]["portal_app_auth"] == "external-oauth2"
    assert body["configuration"]["rbac"] == "off"
    admin.post("/workspaces", json={"name": "w2"})
    assert admin.get("/w2/").json()["version"] == "3.4.3.12"


def test_plugin_schema_endpoint_reports_defaults(admin: httpx.Client) -> None:
    r = admin.get("/schemas/plugins/openid-connect")
    assert r.status_code == 200
    config = next(f["config"] for f in r.json()["fields"] if "config" in f)
    fields = {name: spec for item in config["fields"] for name, spec in item.items()}
    assert fields["issuer"]["required"] is True
    assert fields["verify_parameters"]["default"] is False
    assert fields["consumer_by"]["default"] == ["username", "custom_id"]
    assert fields["consumer_claim"]["type"] == "array"
    r = admin.get("/schemas/plugins/nope")
    assert r.status_code == 404
