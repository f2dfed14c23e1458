"""Rows the backend hands out are deep copies: a caller (the proxy, a handler) that changes
one, nested values included, leaves the store as it was."""

from __future__ import annotations

import json

from sandbox.admin.backend import Backend
from sandbox.admin.store import clone
from sandbox.settings import NodeSettings


def _backend() -> tuple[Backend, dict]:
    b = Backend(NodeSettings())
    b.workspace_update("default", {"config": {"portal": True, "portal_auth": "openid-connect"}})
    return b, b.resolve_workspace("default")


def test_core_rows_handed_out_are_deep_copies() -> None:
    b, ws = _backend()
    svc = b.insert(ws["id"], "services", {"name": "s1", "host": "h.test", "tags": ["t"]})
    route = b.insert(
        ws["id"], "routes", {"name": "r1", "paths": ["/a"], "service": {"id": svc["id"]}}
    )
    svc["tags"].append("from insert")
    route["service"]["id"] = "from insert"
    for row in (b.get("default", "routes", "r1"), b.list("default", "routes")[0]):
        assert row is not None
        row["paths"].append("/changed")
        row["service"]["id"] = "changed"
    page = b.page(ws["id"], "services", {}, "/services")["data"][0]
    page["tags"].append("from page")
    assert b.get("default", "services", "s1")["tags"] == ["t"]
    stored = b.get("default", "routes", "r1")
    assert stored["paths"] == ["/a"] and stored["service"] == {"id": svc["id"]}
    # the proxy reads the same rows: its lists are copies too
    assert b.list("default", "routes")[0]["service"] == {"id": svc["id"]}


def test_portal_rows_handed_out_are_deep_copies() -> None:
    b, ws = _backend()
    svc = b.insert(ws["id"], "services", {"name": "s1", "host": "h.test"})
    b.insert(
        ws["id"],
        "plugins",
        {"name": "application-registration", "service": {"id": svc["id"]},
         "config": {"display_name": "S", "auto_approve": True}},
    )  # fmt: skip
    meta = json.dumps({"full_name": "A"})
    dev = b.portal.developer_insert(ws, {"email": "a@b.test", "meta": meta, "status": 0})
    dev["consumer"]["id"] = "changed"
    app = b.portal.application_insert(ws, {"name": "a", "custom_id": "c1"}, developer=dev["id"])
    app["developer"]["id"] = "changed"
    b.portal.application_get(ws, app["id"])["consumer"]["id"] = "changed"
    inst = b.portal.instance_insert(ws, app["id"], {"service": {"id": svc["id"]}})
    inst["application"]["id"] = "changed"
    listed = b.portal.instance_page(ws, {}, "/x", application=app["id"])["data"][0]
    listed["application"]["developer"]["consumer"]["id"] = "changed"
    got = b.portal.developer_get(ws, "a@b.test")
    assert got["consumer"]["id"] == b.get("default", "developers", "a@b.test")["consumer"]["id"]
    assert got["consumer"]["id"] != "changed"
    again = b.portal.application_get(ws, app["id"])
    assert again["developer"] == {"id": got["id"]} and again["consumer"]["id"] != "changed"
    assert b.acl_groups("default", again["consumer"]["id"]) == [svc["id"]]


def test_clone_copies_json_and_falls_back_to_deepcopy() -> None:
    value = {"a": [1, {"b": None}], "t": (1, [2]), "s": {3}}
    copied = clone(value)
    assert copied == value
    copied["a"][1]["b"] = "x"
    copied["t"][1].append(9)
    copied["s"].add(4)
    assert value == {"a": [1, {"b": None}], "t": (1, [2]), "s": {3}}


def test_matching_rows_are_sorted_copies_and_none_matches_nothing() -> None:
    b, ws = _backend()
    ids = sorted(
        b.insert(ws["id"], "consumers", {"username": f"u{i}", "tags": ["t"]})["id"]
        for i in range(3)
    )
    assert [c["id"] for c in b.matching("default", "consumers", "username", "u1")] == [
        c["id"] for c in b.list("default", "consumers") if c["username"] == "u1"
    ]
    svc = b.insert(ws["id"], "services", {"name": "s1", "host": "h.test"})
    for i in (2, 0, 1):  # stored out of id order: matching answers in id order
        b.insert(ws["id"], "routes", {"id": ids[i], "paths": ["/r"], "service": {"id": svc["id"]}})
    found = b.matching("default", "routes", "service.id", svc["id"])
    assert [r["id"] for r in found] == ids
    found[0]["paths"].append("/changed")
    assert b.get("default", "routes", ids[0])["paths"] == ["/r"]
    # an unset custom_id is no value to match; an unknown workspace holds nothing
    assert b.matching("default", "consumers", "custom_id", None) == []
    assert b.matching("nope", "consumers", "username", "u1") == []
