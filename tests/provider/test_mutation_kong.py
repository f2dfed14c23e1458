"""Kong providers in-process against the sandbox Kong: the refusals a user reads, whole, and the
requests each path sends (the sandbox's request log).

Each test drives a provider the way the engine does (`create`, `update`, ...) and checks what
a user would notice: the exact message of a refusal (the object it names, the workspace, what
to do), the objects left in Kong, and the writes sent.
"""

from __future__ import annotations

import json

import pytest

from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminError
from tests.provider.conftest import Kong

UPSTREAM = "http://127.0.0.1:9/orders"
ISSUER = "http://127.0.0.1:9/oauth2/default"
NOT_OURS = (
    "and was not created by this stack. To manage the existing object, set adopt=True on this "
    "{kind} resource and run `pulumi up` again (pulumi import does not work for dynamic "
    "resources); otherwise rename or remove the existing object"
)


def writes(kong: Kong) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in kong.new_requests() if r["method"] != "GET"]


def refusal(kind: str, what: str, existing_id: str | None = None, ws: str = "default") -> str:
    ident = f" (id {existing_id})" if existing_id else ""
    return f"Kong {kind} {what} already exists in workspace '{ws}'{ident} " + NOT_OURS.format(
        kind=kind
    )


def service(kong: Kong, name: str = "orders") -> str:
    return kong.provider(kd.ServiceProvider).create({"name": name, "url": UPSTREAM}).id


def registration(kong: Kong, sid: str) -> None:
    config = kd.application_registration(display_name="Orders", auto_approve=True)
    body = {"name": "application-registration", "config": config}
    kong.http.post(f"/services/{sid}/plugins", json=body).raise_for_status()


def developer_and_app(kong: Kong) -> tuple[str, str]:
    dev = kong.http.post(
        "/developers", json={"email": "ada@example.com", "meta": '{"full_name": "Ada"}'}
    )
    dev.raise_for_status()
    dev_id = dev.json()["id"]
    app = kong.http.post(
        f"/developers/{dev_id}/applications", json={"name": "ada-app", "custom_id": "0oa1"}
    )
    app.raise_for_status()
    return dev_id, app.json()["id"]


# -- check (no network) ---------------------------------------------------------------------


def test_a_service_needs_an_upstream_url_or_host() -> None:
    p = kd.ServiceProvider()
    failures = [(f.property, f.reason) for f in p.check({}, {"name": "s"}).failures]
    assert failures == [("url", "Service: set `url` (or `host`) of the upstream API")]
    assert p.check({}, {"name": "s", "host": "orders.internal"}).failures == []
    assert p.check({}, {"name": "s", "url": UPSTREAM}).failures == []


# -- application instances -------------------------------------------------------------------


def test_an_instance_on_a_service_without_registration_says_what_to_add(kong: Kong) -> None:
    sid = service(kong)
    _, app_id = developer_and_app(kong)
    inst = kong.provider(kd.ApplicationInstanceProvider)
    with pytest.raises(KongAdminError) as info:
        inst.create({"application_id": app_id, "service_id": sid, "status": 0})
    err = info.value
    assert (err.status, err.code) == (405, 12)
    assert str(err) == (
        f"Kong Admin API POST /applications/{app_id}/application_instances returned 405: "
        "'Application Registration' plugin must be enabled.. Add a Plugin "
        f"name='application-registration' on service {sid} before its application instances "
        "(pass it in depends_on)"
    )
    assert kong.rows(f"/applications/{app_id}/application_instances") == []


def test_an_instance_in_a_workspace_with_the_portal_off_says_how_to_turn_it_on(kong: Kong) -> None:
    sid = service(kong)
    registration(kong, sid)
    _, app_id = developer_and_app(kong)
    kong.http.patch("/workspaces/default", json={"config": {"portal": False}}).raise_for_status()
    inst = kong.provider(kd.ApplicationInstanceProvider)
    with pytest.raises(KongAdminError) as info:
        inst.create({"application_id": app_id, "service_id": sid, "status": 0})
    assert info.value.status == 404
    assert str(info.value).endswith(
        ". Kong hides portal endpoints while the Dev Portal is off in workspace 'default': set "
        "`portal = on` in kong.conf and enable it for the workspace with PATCH "
        "/workspaces/default config.portal=true (also set config.portal_auth)"
    )


def test_an_instance_made_by_hand_is_refused_then_adopted(kong: Kong) -> None:
    other, sid = service(kong, "other"), service(kong)
    registration(kong, other)
    registration(kong, sid)
    _, app_id = developer_and_app(kong)
    base = f"/applications/{app_id}/application_instances"
    # one on another service first (the look-up must pass over it), then the clashing one
    kong.http.post(base, json={"service": {"id": other}, "status": 1}).raise_for_status()
    mine = kong.http.post(base, json={"service": {"id": sid}, "status": 1})
    mine.raise_for_status()
    existing = mine.json()["id"]
    inst = kong.provider(kd.ApplicationInstanceProvider)
    inputs = {"application_id": app_id, "service_id": sid, "status": 0}
    with pytest.raises(KongAdminError) as info:
        inst.create(dict(inputs))
    assert str(info.value) == refusal(
        "ApplicationInstance", f"for application {app_id} and service {sid}", existing
    )
    assert info.value.status == 409
    kong.new_requests()
    adopted = inst.create({**inputs, "adopt": True})
    assert adopted.id == existing
    assert writes(kong) == [("PATCH", f"{base}/{existing}")]
    assert kong.http.get(f"{base}/{existing}").json()["status"] == 0
    assert len(kong.rows(base)) == 2


# -- developers and applications -------------------------------------------------------------


def test_a_developer_whose_email_a_consumer_holds_is_refused_by_name(kong: Kong) -> None:
    kong.http.post("/consumers", json={"username": "ada@example.com"}).raise_for_status()
    dev = kong.provider(kd.DeveloperProvider)
    with pytest.raises(KongAdminError) as info:
        dev.create({"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})})
    assert str(info.value) == refusal("Developer", "'ada@example.com'")
    assert kong.rows("/developers") == []


def test_an_application_whose_name_the_developer_already_uses_is_kongs_refusal(kong: Kong) -> None:
    dev_id, _ = developer_and_app(kong)
    app = kong.provider(kd.ApplicationProvider)
    with pytest.raises(KongAdminError) as info:
        app.create({"developer_id": dev_id, "name": "ada-app", "custom_id": "0oa2"})
    assert info.value.status == 409
    assert str(info.value).startswith(
        f"Kong Admin API POST /developers/{dev_id}/applications returned 409: "
        "application already exists with name: 'ada-app'"
    )
    assert [a["custom_id"] for a in kong.rows("/applications")] == ["0oa1"]


# -- plugins -----------------------------------------------------------------------------------


def test_a_global_plugin_made_by_hand_is_refused_as_global(kong: Kong) -> None:
    # a plugin of another name sorts first in Kong's list (ids are the primary key order)
    first = "00000000-0000-4000-8000-000000000001"
    kong.http.put(f"/plugins/{first}", json={"name": "cors"}).raise_for_status()
    body = {"name": "openid-connect", "config": {"issuer": ISSUER}}
    existing = kong.http.post("/plugins", json=body)
    existing.raise_for_status()
    plugin = kong.provider(kd.PluginProvider)
    inputs = {"name": "openid-connect", "config": kd.openid_connect(issuer=ISSUER)}
    with pytest.raises(KongAdminError) as info:
        plugin.create(dict(inputs))
    assert str(info.value) == refusal(
        "Plugin", "'openid-connect' on global scope", existing.json()["id"]
    )


def test_a_plugin_on_a_route_of_a_service_names_both_scopes(kong: Kong) -> None:
    sid = service(kong)
    rid = (
        kong.provider(kd.RouteProvider).create({"name": "r", "service_id": sid, "paths": ["/o"]}).id
    )
    body = {"name": "cors", "service": {"id": sid}, "route": {"id": rid}}
    existing = kong.http.post("/plugins", json=body)
    existing.raise_for_status()
    plugin = kong.provider(kd.PluginProvider)
    with pytest.raises(KongAdminError) as info:
        plugin.create({"name": "cors", "service_id": sid, "route_id": rid, "config": {}})
    assert str(info.value) == refusal(
        "Plugin", f"'cors' on service {sid}, route {rid}", existing.json()["id"]
    )


# -- the workspace portal ----------------------------------------------------------------------


def test_updating_the_portal_settings_patches_only_what_differs(kong: Kong) -> None:
    portal = kong.provider(kd.WorkspacePortalProvider)
    created = portal.create({"portal": True, "portal_auto_approve": True})
    kong.new_requests()
    same = portal.update(created.id, created.outs, {"portal": True, "portal_auto_approve": True})
    assert writes(kong) == []
    assert same.outs["portal_auto_approve"] is True
    updated = portal.update(
        created.id, created.outs, {"portal": True, "portal_auto_approve": False}
    )
    log = [r for r in kong.new_requests() if r["method"] != "GET"]
    assert [(r["method"], r["path"]) for r in log] == [("PATCH", "/workspaces/default")]
    config = kong.http.get("/workspaces/default").json()["config"]
    assert config["portal_auto_approve"] is False and config["portal"] is True
    assert updated.outs["portal_auto_approve"] is False


# -- adoption reads first -----------------------------------------------------------------------


def test_adopting_a_developer_as_set_writes_nothing_and_a_differing_one_once(kong: Kong) -> None:
    meta = json.dumps({"full_name": "Ada"})
    existing = kong.http.post("/developers", json={"email": "ada@example.com", "meta": meta})
    existing.raise_for_status()
    dev = kong.provider(kd.DeveloperProvider)
    kong.new_requests()
    same = dev.create({"email": "ada@example.com", "meta": meta, "adopt": True})
    assert same.id == existing.json()["id"] and writes(kong) == []
    other = json.dumps({"full_name": "Ada L."})
    changed = dev.create({"email": "ada@example.com", "meta": other, "adopt": True})
    assert changed.id == same.id
    assert writes(kong) == [("PATCH", f"/developers/{same.id}")]
    assert kong.http.get(f"/developers/{same.id}").json()["meta"] == other


def test_adopting_another_developers_application_is_refused_before_any_write(
    kong: Kong,
) -> None:
    owner, app_id = developer_and_app(kong)
    bob_meta = {"email": "bob@example.com", "meta": '{"full_name": "Bob"}'}
    other = kong.http.post("/developers", json=bob_meta)
    other.raise_for_status()
    bob = other.json()["id"]
    app = kong.provider(kd.ApplicationProvider)
    kong.new_requests()
    with pytest.raises(KongAdminError) as info:
        app.create({"developer_id": bob, "name": "x", "custom_id": "0oa1", "adopt": True})
    assert str(info.value) == (
        f"Kong Application {app_id} with custom_id '0oa1' belongs to developer {owner}, not "
        f"{bob}: adopt cannot move it; delete it or use its developer"
    )
    assert writes(kong) == []


def test_adoption_finds_this_stacks_own_application_by_its_derived_id(kong: Kong) -> None:
    """A killed run registered the app under an earlier client id: the next run (adopting)
    finds it by the id derived from the resource's identity and updates it in place."""
    dev_id, _ = developer_and_app(kong)
    app = kong.provider(kd.ApplicationProvider)
    seed = {kd.ID_SEED: "stack::project::Application::ada-app-2"}
    first = app.create({"developer_id": dev_id, "name": "ada-2", "custom_id": "0oaOLD", **seed})
    kong.new_requests()
    again = app.create(
        {"developer_id": dev_id, "name": "ada-2", "custom_id": "0oaNEW", "adopt": True, **seed}
    )
    assert again.id == first.id
    assert writes(kong) == [("PATCH", f"/applications/{first.id}")]
    assert kong.http.get(f"/applications/{first.id}").json()["custom_id"] == "0oaNEW"


def test_adopting_a_service_that_does_not_exist_creates_it(kong: Kong) -> None:
    svc = kong.provider(kd.ServiceProvider)
    created = svc.create({"name": "fresh", "url": UPSTREAM, "adopt": True})
    assert [m for m, _ in writes(kong)] == ["PUT"]
    assert kong.http.get("/services/fresh").json()["id"] == created.id
    assert created.outs["adopt"] is True


def test_suspending_an_instance_patches_only_its_state(kong: Kong) -> None:
    sid = service(kong)
    registration(kong, sid)
    _, app_id = developer_and_app(kong)
    inst = kong.provider(kd.ApplicationInstanceProvider)
    inputs = {"application_id": app_id, "service_id": sid, "status": 0}
    created = inst.create(dict(inputs))
    kong.new_requests()
    inst.update(created.id, created.outs, {**inputs, "suspended": True})
    base = f"/applications/{app_id}/application_instances/{created.id}"
    assert writes(kong) == [("PATCH", base)]
    live = kong.http.get(base).json()
    assert (live["suspended"], live["status"]) == (True, 0)


def test_a_consumer_claim_known_only_after_the_deployment_passes_check() -> None:
    from pulumi.output import Unknown

    plugin = kd.PluginProvider()
    config = {"issuer": ISSUER, "consumer_claim": Unknown()}
    news = {"name": "openid-connect", "config": config}
    assert plugin.check({}, news).failures == []
    bad = plugin.check({}, {"name": "openid-connect", "config": {"consumer_claim": "sub"}})
    assert [(f.property, f.reason) for f in bad.failures] == [
        ("config", "openid-connect `consumer_claim` must be a list (a claim path), got 'sub'; "
         "e.g. ['application_id']")
    ]  # fmt: skip


def test_a_refusal_names_the_providers_workspace(kong: Kong) -> None:
    kong.http.post("/workspaces", json={"name": "team-b"}).raise_for_status()
    existing = kong.http.put("/team-b/services/orders", json={"url": UPSTREAM})
    existing.raise_for_status()
    svc = kong.provider(kd.ServiceProvider, workspace="team-b")
    with pytest.raises(KongAdminError) as info:
        svc.create({"name": "orders", "url": UPSTREAM})
    assert str(info.value) == refusal("Service", "'orders'", existing.json()["id"], ws="team-b")
    assert info.value.status == 409


@pytest.mark.parametrize(
    ("status", "code", "advice"),
    [(405, 12, True), (405, None, False), (400, 12, False), (404, 12, False)],
)
def test_only_kongs_registration_refusal_gets_the_registration_advice(
    status: int, code: int | None, advice: bool
) -> None:
    from providers.kong_admin import KongAdminClient, KongAdminSettings

    exc = KongAdminError("Kong Admin API POST /x returned n", status=status, code=code)
    inst = kd.ApplicationInstanceProvider()
    with KongAdminClient(KongAdminSettings(admin_url="http://127.0.0.1:9")) as client:
        err = inst._create_error(client, exc, {"application_id": "a", "service_id": "s1"})
    assert ("Add a Plugin name='application-registration' on service s1" in str(err)) is advice
    assert ("Dev Portal is off" in str(err)) is (status == 404)
    assert err.status == status


def test_adopting_portal_objects_that_do_not_exist_creates_them(kong: Kong) -> None:
    dev = kong.provider(kd.DeveloperProvider)
    meta = json.dumps({"full_name": "Cy"})
    made = dev.create({"email": "cy@example.com", "meta": meta, "adopt": True})
    app = kong.provider(kd.ApplicationProvider)
    inputs = {"developer_id": made.id, "name": "cy-app", "custom_id": "0oaCY", "adopt": True}
    made_app = app.create(inputs)
    assert writes(kong) == [
        ("POST", "/developers"),
        ("POST", f"/developers/{made.id}/applications"),
    ]
    assert kong.http.get(f"/applications/{made_app.id}").json()["custom_id"] == "0oaCY"


def test_applications_on_a_node_without_external_oauth2_read_whole() -> None:
    from tests.provider.conftest import start_kong

    with start_kong("--portal-app-auth", "kong-oauth2") as proc:
        kong = Kong(proc.urls["admin"])
        kong.reset()
        app = kong.provider(kd.ApplicationProvider)
        with pytest.raises(KongAdminError) as info:
            app.create({"developer_id": "d", "name": "n", "custom_id": "c"})
        assert str(info.value) == (
            "Kong's portal_app_auth is 'kong-oauth2', but applications whose Reference Id "
            "(custom_id) is the Okta client_id need 'external-oauth2': set "
            "`portal_app_auth = external-oauth2` in kong.conf (or KONG_PORTAL_APP_AUTH) on "
            "every node and restart Kong"
        )
        assert writes(kong) == []
