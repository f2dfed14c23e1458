"""The backend's read API and its one lock, exercised directly and over concurrent HTTP."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from sandbox.admin.backend import Backend
from sandbox.settings import NodeSettings


def test_read_api_and_acl_groups_follow_instance_status() -> None:
    b = Backend(NodeSettings())
    ws = b.resolve_workspace("default")
    b.workspace_update("default", {"config": {"portal": True, "portal_auth": "openid-connect"}})
    ws = b.resolve_workspace("default")
    svc = b.insert(ws["id"], "services", {"name": "s1", "host": "h.test"})
    b.insert(
        ws["id"],
        "plugins",
        {
            "name": "application-registration",
            "service": {"id": svc["id"]},
            "config": {"display_name": "S", "auto_approve": True},
        },
    )
    dev = b.portal.developer_insert(
        ws, {"email": "a@b.test", "meta": json.dumps({"full_name": "A"}), "status": 0}
    )
    app = b.portal.application_insert(ws, {"name": "a", "custom_id": "okta-1"}, developer=dev["id"])
    inst = b.portal.instance_insert(ws, app["id"], {"service": {"id": svc["id"]}})
    consumer = app["consumer"]["id"]
    assert b.acl_groups("default", consumer) == [svc["id"]]
    hidden = b.get("default", "consumers", consumer)
    assert hidden is not None and hidden["custom_id"] == "okta-1" and hidden["type"] == 3
    assert [r["id"] for r in b.list("default", "services")] == [svc["id"]]
    b.list("default", "services")[0]["name"] = "mutated"  # copies: the store is unchanged
    assert b.get("default", "services", "s1") is not None
    b.portal.instance_update(ws, inst["id"], {"suspended": True}, application=app["id"])
    assert b.acl_groups("default", consumer) == []
    assert b.list("nope", "services") == [] and b.get("default", "routes", "x") is None


def test_concurrent_creates_of_one_name_make_exactly_one(admin: httpx.Client) -> None:
    url = str(admin.base_url)

    def create(_: int) -> int:
        return httpx.post(url + "/services", json={"name": "race", "host": "h.test"}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(create, range(48)))
    assert codes.count(201) == 1 and codes.count(409) == 47
    assert len(admin.get("/services").json()["data"]) == 1
