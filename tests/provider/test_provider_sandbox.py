"""Every provider against the sandbox Kong over HTTP, called the way the engine calls them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminError
from tests.provider.conftest import Kong, start_kong

ISSUER = "http://127.0.0.1:9/oauth2/default"


class Obj:
    """One created object: its provider, id, inputs and outputs."""

    def __init__(self, provider: kd.KongProvider, inputs: dict[str, Any]) -> None:
        self.provider = provider
        self.inputs = inputs
        result = provider.create(dict(inputs))
        self.id = result.id
        self.outs = result.outs


def build_all(kong: Kong, tag: str = "") -> dict[str, Obj]:
    objs: dict[str, Obj] = {}
    objs["service"] = Obj(
        kong.provider(kd.ServiceProvider),
        {"name": f"orders{tag}", "url": "http://127.0.0.1:9/orders", "tags": ["b", "a"]},
    )
    sid = objs["service"].id
    objs["route"] = Obj(
        kong.provider(kd.RouteProvider),
        {"name": f"orders-route{tag}", "service_id": sid, "paths": ["/orders"]},
    )
    objs["oidc"] = Obj(
        kong.provider(kd.PluginProvider),
        {"name": "openid-connect", "service_id": sid, "config": kd.openid_connect(issuer=ISSUER)},
    )
    objs["registration"] = Obj(
        kong.provider(kd.PluginProvider),
        {
            "name": "application-registration",
            "service_id": sid,
            "config": kd.application_registration(display_name="Orders", auto_approve=True),
        },
    )
    objs["developer"] = Obj(
        kong.provider(kd.DeveloperProvider),
        {"email": f"ada{tag}@example.com", "meta": json.dumps({"full_name": "Ada"})},
    )
    objs["application"] = Obj(
        kong.provider(kd.ApplicationProvider),
        {"developer_id": objs["developer"].id, "name": "ada-app", "custom_id": f"0oa{tag}1"},
    )
    objs["instance"] = Obj(
        kong.provider(kd.ApplicationInstanceProvider),
        {"application_id": objs["application"].id, "service_id": sid, "status": 0},
    )
    return objs


def counts(kong: Kong) -> dict[str, int]:
    return {
        "services": len(kong.rows("/services")),
        "routes": len(kong.rows("/routes")),
        "plugins": len(kong.rows("/plugins")),
        "developers": len(kong.rows("/developers")),
        "applications": len(kong.rows("/applications")),
    }


ONE_EACH = {"services": 1, "routes": 1, "plugins": 2, "developers": 1, "applications": 1}


def test_crud_of_every_kind(kong: Kong) -> None:
    objs = build_all(kong)
    created = kong.new_requests()
    writes = [r for r in created if r["method"] != "GET"]
    assert len(writes) == 7 and [r["path"] for r in created if r["method"] == "GET"] == ["/"]
    assert counts(kong) == ONE_EACH
    assert objs["instance"].outs["status"] == 0 and objs["instance"].outs["composite_id"]
    assert objs["application"].outs["consumer_id"]

    for obj in objs.values():  # nothing drifted: read gives back the stored outputs
        read = obj.provider.read(obj.id, obj.outs)
        assert (read.id, read.outs) == (obj.id, obj.outs)

    changes = {
        "service": {"retries": 7},
        "route": {"paths": ["/orders", "/v2/orders"]},
        "oidc": {"config": kd.openid_connect(issuer=ISSUER, scopes_required=["orders"])},
        "registration": {
            "config": kd.application_registration(display_name="Orders API", auto_approve=True)
        },
        "developer": {"meta": json.dumps({"full_name": "Ada Lovelace"})},
        "application": {"description": "Ada's app"},
        "instance": {"status": 1},
    }
    for key, change in changes.items():
        obj = objs[key]
        news = {**obj.inputs, **change}
        diff = obj.provider.diff(obj.id, obj.outs, news)
        assert diff.changes and not diff.replaces, key
        updated = obj.provider.update(obj.id, obj.outs, news)
        read = obj.provider.read(obj.id, updated.outs)
        assert read.outs == updated.outs, key
        for field, value in change.items():
            assert read.outs[field] == value, key
        obj.outs = updated.outs
    live = kong.http.get(f"/services/{objs['service'].id}").json()
    assert live["retries"] == 7
    oidc = kong.http.get(f"/plugins/{objs['oidc'].id}").json()["config"]
    assert oidc["scopes_required"] == ["orders"] and oidc["consumer_claim"] == ["application_id"]

    for key in ("instance", "application", "developer", "registration", "oidc", "route", "service"):
        obj = objs[key]
        obj.provider.delete(obj.id, obj.outs)
        assert obj.provider.read(obj.id, obj.outs).id is None
        obj.provider.delete(obj.id, obj.outs)  # already gone is success
    assert counts(kong) == dict.fromkeys(ONE_EACH, 0)


def test_replacement_keys(kong: Kong) -> None:
    objs = build_all(kong)
    kong.new_requests()
    route = objs["route"]
    diff = route.provider.diff(route.id, route.outs, {**route.inputs, "service_id": "other"})
    assert diff.replaces == ["service_id"] and diff.delete_before_replace
    inst = objs["instance"]
    diff = inst.provider.diff(inst.id, inst.outs, {**inst.inputs, "application_id": "x"})
    assert diff.replaces == ["application_id"]
    app = objs["application"]
    diff = app.provider.diff(app.id, app.outs, {**app.inputs, "developer_id": "x"})
    assert diff.replaces == ["developer_id"]
    plugin = objs["oidc"]
    diff = plugin.provider.diff(plugin.id, plugin.outs, {**plugin.inputs, "name": "acl"})
    assert diff.replaces == ["name"]
    assert kong.new_requests() == []  # diff never touches the network


def test_commit_then_drop_on_every_create_makes_no_duplicates(kong: Kong) -> None:
    # Each create's first write is committed by Kong, then the connection is dropped.
    for prefix in ("/services", "/routes", "/plugins", "/developers", "/applications"):
        kong.fault(drop=True, methods=["PUT", "POST"], path_prefix=prefix, count=1)
    objs = build_all(kong)
    log = kong.new_requests()
    assert sum(1 for r in log if r["fault"] == "drop") >= 5
    assert counts(kong) == ONE_EACH
    instances = kong.rows(f"/applications/{objs['application'].id}/application_instances")
    assert [i["id"] for i in instances] == [objs["instance"].id]
    # the ids the provider returned are the objects that exist
    assert kong.http.get(f"/services/{objs['service'].id}").status_code == 200
    assert kong.http.get(f"/developers/{objs['developer'].id}").status_code == 200


def test_transient_503_and_429_faults_are_retried(kong: Kong) -> None:
    kong.fault(status=503, rate=0.2, seed=7)
    kong.fault(status=429, rate=0.2, seed=11, retry_after=0)
    objs = build_all(kong)
    for obj in objs.values():
        assert obj.provider.read(obj.id, obj.outs).outs == obj.outs
    svc = objs["service"]
    svc.provider.update(svc.id, svc.outs, {**svc.inputs, "retries": 2})
    for key in ("instance", "application", "developer", "registration", "oidc", "route", "service"):
        objs[key].provider.delete(objs[key].id, objs[key].outs)
    log = kong.new_requests()
    faults = [r for r in log if r["fault"] and r["fault"].startswith("status:")]
    assert {f["fault"] for f in faults} == {"status:503", "status:429"}
    kong.http.delete("/_sandbox/faults")
    assert counts(kong) == dict.fromkeys(ONE_EACH, 0)


def test_existing_object_needs_adopt(kong: Kong) -> None:
    kong.http.put("/services/orders", json={"url": "http://127.0.0.1:9/legacy"}).raise_for_status()
    kong.http.post(
        "/developers", json={"email": "ada@example.com", "meta": json.dumps({"full_name": "A"})}
    ).raise_for_status()
    svc = kong.provider(kd.ServiceProvider)
    inputs = {"name": "orders", "url": "http://127.0.0.1:9/orders"}
    with pytest.raises(KongAdminError) as info:
        svc.create(dict(inputs))
    assert "'orders'" in str(info.value) and "adopt=True" in str(info.value)
    dev = kong.provider(kd.DeveloperProvider)
    dev_inputs = {"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})}
    with pytest.raises(KongAdminError, match="ada@example.com.*adopt=True"):
        dev.create(dict(dev_inputs))
    assert counts(kong)["services"] == 1 and counts(kong)["developers"] == 1

    existing = kong.http.get("/services/orders").json()
    adopted = svc.create({**inputs, "adopt": True})
    assert adopted.id == existing["id"]
    assert kong.http.get("/services/orders").json()["path"] == "/orders"
    assert svc.read(adopted.id, adopted.outs).outs == adopted.outs
    dev_adopted = dev.create({**dev_inputs, "adopt": True})
    assert json.loads(kong.http.get(f"/developers/{dev_adopted.id}").json()["meta"]) == {
        "full_name": "Ada"
    }
    assert counts(kong)["services"] == 1 and counts(kong)["developers"] == 1

    kong.http.post(
        f"/developers/{dev_adopted.id}/applications", json={"name": "old", "custom_id": "0oa-x"}
    ).raise_for_status()
    app = kong.provider(kd.ApplicationProvider)
    app_inputs = {"developer_id": dev_adopted.id, "name": "new", "custom_id": "0oa-x"}
    with pytest.raises(KongAdminError, match="custom_id '0oa-x'.*adopt=True"):
        app.create(dict(app_inputs))
    app_adopted = app.create({**app_inputs, "adopt": True})
    assert [a["name"] for a in kong.rows("/applications")] == ["new"]
    assert app.read(app_adopted.id, app_adopted.outs).outs == app_adopted.outs


def test_out_of_band_patch_is_the_only_difference_read_reports(kong: Kong) -> None:
    objs = build_all(kong)
    svc, oidc = objs["service"], objs["oidc"]
    kong.http.patch(f"/services/{svc.id}", json={"tags": ["x"]}).raise_for_status()
    kong.http.patch(f"/services/{svc.id}", json={"read_timeout": 1234}).raise_for_status()
    kong.http.patch(
        f"/plugins/{oidc.id}",
        json={"config": {"consumer_by": ["username"], "display_errors": True}},
    ).raise_for_status()
    kong.new_requests()
    read = svc.provider.read(svc.id, svc.outs)
    changed = {k for k in read.outs if read.outs[k] != svc.outs.get(k)}
    # updated_at has one-second resolution: it may or may not have moved
    assert changed - {"updated_at"} == {"tags"} and read.outs["tags"] == ["x"]
    read_oidc = oidc.provider.read(oidc.id, oidc.outs)
    changed = {k for k in read_oidc.outs if read_oidc.outs[k] != oidc.outs.get(k)}
    assert changed - {"updated_at"} == {"config"}
    assert read_oidc.outs["config"]["consumer_by"] == ["username"]
    assert "display_errors" not in read_oidc.outs["config"]  # not set by the user
    assert [r["method"] for r in kong.new_requests()] == ["GET", "GET"]  # one GET per read
    diff = svc.provider.diff(svc.id, read.outs, svc.inputs)
    assert diff.changes  # the next up restores what the program says


def test_no_change_diff_is_empty_although_kong_filled_defaults(kong: Kong) -> None:
    objs = build_all(kong)
    live = kong.http.get(f"/plugins/{objs['oidc'].id}").json()["config"]
    assert len(live) > len(objs["oidc"].inputs["config"])  # Kong filled its defaults
    kong.new_requests()
    for obj in objs.values():
        refreshed = obj.provider.read(obj.id, obj.outs).outs
        checked = obj.provider.check(refreshed, dict(obj.inputs))
        assert checked.failures == []
        diff = obj.provider.diff(obj.id, refreshed, checked.inputs)
        assert diff.changes is False and not diff.replaces
    assert {r["method"] for r in kong.new_requests()} == {"GET"}  # only the reads


def test_consumer_claims_on_3_14() -> None:
    with start_kong("--kong-version", "3.14.0.0") as proc:
        kong = Kong(proc.urls["admin"])
        kong.reset()
        sid = kong.provider(kd.ServiceProvider).create({"name": "s", "url": "http://h:1"}).id
        plugin = kong.provider(kd.PluginProvider)
        inputs = {
            "name": "openid-connect",
            "service_id": sid,
            "config": kd.openid_connect(issuer=ISSUER),
        }
        created = plugin.create(dict(inputs))
        live = kong.http.get(f"/plugins/{created.id}").json()["config"]
        assert live["consumer_claims"] == ["application_id"] and "consumer_claim" not in live
        read = plugin.read(created.id, created.outs)
        assert read.outs == created.outs
        assert plugin.diff(created.id, read.outs, inputs).changes is False
        gets = [r["path"] for r in kong.new_requests() if r["method"] == "GET"]
        assert gets.count("/") == 1  # the version is looked up once per process


def test_portal_objects_refused_on_3_5_with_what_to_do() -> None:
    with start_kong("--kong-version", "3.5.0.0") as proc:
        kong = Kong(proc.urls["admin"])
        kong.reset()
        dev = kong.provider(kd.DeveloperProvider)
        with pytest.raises(KongAdminError, match=r"removed in Kong Gateway Enterprise 3\.5"):
            dev.create({"email": "a@example.com", "meta": '{"full_name": "A"}'})
        assert [r["method"] for r in kong.new_requests()] == ["GET"]  # refused before any write
        sid = kong.provider(kd.ServiceProvider).create({"name": "s", "url": "http://h:1"}).id
        reg = kong.provider(kd.PluginProvider)
        config = kd.application_registration(display_name="S")
        with pytest.raises(KongAdminError, match="Konnect"):
            reg.create({"name": "application-registration", "service_id": sid, "config": config})


def test_application_needs_external_oauth2() -> None:
    with start_kong("--portal-app-auth", "kong-oauth2") as proc:
        kong = Kong(proc.urls["admin"])
        kong.reset()
        app = kong.provider(kd.ApplicationProvider)
        with pytest.raises(KongAdminError, match="portal_app_auth = external-oauth2"):
            app.create({"developer_id": "d", "name": "n", "custom_id": "c"})


def test_developer_in_workspace_with_portal_off(kong: Kong) -> None:
    kong.http.post("/workspaces", json={"name": "team-b"}).raise_for_status()
    dev = kong.provider(kd.DeveloperProvider, workspace="team-b")
    with pytest.raises(
        KongAdminError, match=r"Dev Portal is off in workspace 'team-b'.*config\.portal=true"
    ) as info:
        dev.create({"email": "a@example.com", "meta": '{"full_name": "A"}'})
    # Kong's own answer is kept beside the advice
    err = info.value
    assert (err.status, err.method, err.path) == (404, "POST", "/team-b/developers")
    assert err.kong_message


def test_wrong_rbac_token_names_the_setting() -> None:
    with start_kong("--rbac-token", "right-token") as proc:
        kong = Kong(proc.urls["admin"], token="wrong-token-value")
        kong.reset()
        svc = kong.provider(kd.ServiceProvider)
        with pytest.raises(KongAdminError) as info:
            svc.create({"name": "s", "url": "http://h:1"})
        assert info.value.status == 401
        assert "kongAdminToken" in str(info.value) and "wrong-token-value" not in str(info.value)
        good = Kong(proc.urls["admin"], token="right-token")
        assert good.provider(kd.ServiceProvider).create({"name": "s", "url": "http://h:1"}).id
