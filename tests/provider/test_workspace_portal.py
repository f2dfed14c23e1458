"""The workspace's Dev Portal as a resource: on with one write, no write when already on."""

from __future__ import annotations

import pytest

from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminError
from tests.provider.conftest import Kong, start_kong


def writes(kong: Kong) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in kong.new_requests() if r["method"] != "GET"]


def test_turns_the_portal_on_then_developers_can_be_created(kong: Kong) -> None:
    kong.http.post("/workspaces", json={"name": "team-c"}).raise_for_status()
    kong.new_requests()
    portal = kong.provider(kd.WorkspacePortalProvider, workspace="team-c")
    created = portal.create({"portal": True})
    assert writes(kong) == [("PATCH", "/workspaces/team-c")]
    config = kong.http.get("/workspaces/team-c").json()["config"]
    assert config["portal"] is True and config["portal_auth"] == "openid-connect"
    assert created.outs["portal"] is True and created.outs["kong_id"] == created.id
    dev = kong.provider(kd.DeveloperProvider, workspace="team-c")
    dev.create({"email": "c@example.com", "meta": '{"full_name": "C"}'})

    # a second create (another stack, or a retry) and a read find it as wanted: no write
    kong.new_requests()
    again = kong.provider(kd.WorkspacePortalProvider, workspace="team-c")
    assert again.create({"portal": True}).id == created.id
    assert again.read(created.id, created.outs).outs["portal"] is True
    assert writes(kong) == []

    # destroy leaves the portal (and the workspace's developers) as they are
    again.delete(created.id, created.outs)
    assert writes(kong) == []
    assert kong.http.get("/workspaces/team-c").json()["config"]["portal"] is True


def test_keeps_the_workspaces_portal_auth(kong: Kong) -> None:
    basic = {"portal_auth": "basic-auth", "portal_session_conf": {"secret": "s"}}
    kong.http.patch("/workspaces/default", json={"config": basic}).raise_for_status()
    kong.new_requests()
    portal = kong.provider(kd.WorkspacePortalProvider)
    created = portal.create({"portal": True})
    assert writes(kong) == []
    assert kong.http.get("/workspaces/default").json()["config"]["portal_auth"] == "basic-auth"
    # drift shows on read
    kong.http.patch("/workspaces/default", json={"config": {"portal": False}}).raise_for_status()
    assert portal.read(created.id, created.outs).outs["portal"] is False


def test_refused_on_3_5() -> None:
    with start_kong("--kong-version", "3.5.0.0") as proc:
        kong = Kong(proc.urls["admin"])
        kong.reset()
        portal = kong.provider(kd.WorkspacePortalProvider)
        with pytest.raises(KongAdminError, match=r"removed in Kong Gateway Enterprise 3\.5"):
            portal.create({"portal": True})
        assert writes(kong) == []
