"""More Kong provider paths in-process against the sandbox Kong (found by mutation testing):
an application instance created suspended, the call a refused write names, and the adoption
flag an update records."""

from __future__ import annotations

import pytest

from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminError
from tests.provider.conftest import Kong
from tests.provider.test_mutation_kong import (
    UPSTREAM,
    developer_and_app,
    registration,
    service,
    writes,
)


def _instance_inputs(kong: Kong) -> dict:
    sid = service(kong)
    registration(kong, sid)
    _, app_id = developer_and_app(kong)
    kong.new_requests()
    return {"application_id": app_id, "service_id": sid, "status": 0}


def test_an_instance_created_suspended_is_suspended_in_kong(kong: Kong) -> None:
    """Kong ignores `suspended` on create: the provider sets it with a PATCH right after."""
    inputs = {**_instance_inputs(kong), "suspended": True}
    created = kong.provider(kd.ApplicationInstanceProvider).create(dict(inputs))
    base = f"/applications/{inputs['application_id']}/application_instances"
    assert writes(kong) == [("POST", base), ("PATCH", f"{base}/{created.id}")]
    live = kong.http.get(f"{base}/{created.id}").json()
    assert (live["suspended"], live["status"]) == (True, 0)
    assert created.outs["suspended"] is True


def test_an_instance_created_unsuspended_takes_one_write(kong: Kong) -> None:
    inputs = {**_instance_inputs(kong), "suspended": False}
    created = kong.provider(kd.ApplicationInstanceProvider).create(dict(inputs))
    base = f"/applications/{inputs['application_id']}/application_instances"
    assert writes(kong) == [("POST", base)]
    assert kong.http.get(f"{base}/{created.id}").json()["suspended"] is False


def test_a_refused_delete_and_update_name_the_call(kong: Kong) -> None:
    """Kong refuses to delete a service a route still uses, and a retries count below 0; each
    message names the call (method and path) before Kong's words."""
    provider = kong.provider(kd.ServiceProvider)
    created = provider.create({"name": "orders", "url": UPSTREAM})
    path = f"/services/{created.id}"
    route = {"name": "orders-route", "paths": ["/orders"], "service": {"id": created.id}}
    kong.http.post("/routes", json=route).raise_for_status()
    with pytest.raises(KongAdminError) as info:
        provider.delete(created.id, created.outs)
    assert str(info.value).startswith(f"Kong Admin API DELETE {path} returned 400")
    assert "an existing 'routes' entity references this 'services' entity" in str(info.value)
    with pytest.raises(KongAdminError) as info:
        provider.update(
            created.id, created.outs, {"name": "orders", "url": UPSTREAM, "retries": -1}
        )
    assert str(info.value).startswith(f"Kong Admin API PUT {path} returned 400")


def test_an_update_records_whether_the_object_is_adopted(kong: Kong) -> None:
    provider = kong.provider(kd.ServiceProvider)
    created = provider.create({"name": "orders", "url": UPSTREAM})
    news = {"name": "orders", "url": UPSTREAM + "/v2"}
    assert provider.update(created.id, created.outs, {**news, "adopt": True}).outs["adopt"] is True
    assert not provider.update(created.id, created.outs, news).outs.get("adopt")


def test_a_retried_delete_and_update_are_logged_with_their_method(
    kong: Kong, caplog: pytest.LogCaptureFixture
) -> None:
    """The retry log names the call as sent: a DELETE or a PUT whose connection was dropped
    (Kong's answer lost) is retried, and logged as such."""
    provider = kong.provider(kd.ServiceProvider)
    created = provider.create({"name": "orders", "url": UPSTREAM})
    path = f"/services/{created.id}"
    with caplog.at_level("INFO", logger="providers.kong_admin"):
        kong.fault(drop=True, methods=["PUT"], path_prefix=path, count=1)
        provider.update(created.id, created.outs, {"name": "orders", "url": UPSTREAM + "/v2"})
        kong.fault(drop=True, methods=["DELETE"], path_prefix=path, count=1)
        provider.delete(created.id, created.outs)
    assert [r.getMessage() for r in caplog.records] == [
        f"retrying PUT {path} after RemoteProtocolError (attempt 1)",
        f"retrying DELETE {path} after RemoteProtocolError (attempt 1)",
    ]
    assert kong.http.get(path).status_code == 404


def test_a_create_kong_answers_is_one_post_and_no_read(kong: Kong) -> None:
    """A create Kong accepts costs one request: the answer is the object, nothing is read back
    (a read follows only Kong's primary-key answer, when the id is already taken)."""
    created = kong.provider(kd.DeveloperProvider).create(
        {"email": "grace@example.com", "meta": '{"full_name": "Grace"}', "status": 0}
    )
    calls = [(r["method"], r["path"]) for r in kong.new_requests() if r["path"] != "/"]
    assert calls == [("POST", "/developers")]
    assert created.outs["email"] == "grace@example.com"


def test_a_refresh_of_an_object_deleted_by_hand_reports_it_gone(kong: Kong) -> None:
    """Gone: no id, and outputs the SDK's provider host can write into (it adds the provider
    to them, `outs[PROVIDER_KEY] = ...` in pulumi/dynamic/__main__.py: None would fail)."""
    provider = kong.provider(kd.ServiceProvider)
    created = provider.create({"name": "orders", "url": UPSTREAM})
    kong.http.delete(f"/services/{created.id}").raise_for_status()
    read = provider.read(created.id, created.outs)
    assert (read.id, read.outs) == (None, {})


def test_a_create_kong_refuses_as_invalid_is_kongs_refusal(kong: Kong) -> None:
    """A 400 that is not Kong's primary-key answer is a refusal: Kong's own words, nothing
    created, nothing read back as if it were the new object."""
    provider = kong.provider(kd.DeveloperProvider)
    with pytest.raises(KongAdminError) as info:
        provider.create({"email": "grace@example.com", "status": 9})
    assert str(info.value).startswith(
        "Kong Admin API POST /developers returned 400: schema violation (status: value should "
        "be between 0 and 5)"
    )
    assert kong.rows("/developers") == []


def test_a_retried_create_is_logged_with_its_method(
    kong: Kong, caplog: pytest.LogCaptureFixture
) -> None:
    kong.fault(drop=True, methods=["POST"], path_prefix="/developers", count=1)
    with caplog.at_level("INFO", logger="providers.kong_admin"):
        kong.provider(kd.DeveloperProvider).create(
            {"email": "grace@example.com", "meta": '{"full_name": "Grace"}', "status": 0}
        )
    assert [r.getMessage() for r in caplog.records] == [
        "retrying POST /developers after RemoteProtocolError (attempt 1)"
    ]
    assert [d["email"] for d in kong.rows("/developers")] == ["grace@example.com"]


def test_a_retried_put_create_is_logged_with_its_method(
    kong: Kong, caplog: pytest.LogCaptureFixture
) -> None:
    kong.fault(drop=True, methods=["PUT"], path_prefix="/services/", count=1)
    with caplog.at_level("INFO", logger="providers.kong_admin"):
        created = kong.provider(kd.ServiceProvider).create({"name": "orders", "url": UPSTREAM})
    assert [r.getMessage() for r in caplog.records] == [
        f"retrying PUT /services/{created.id} after RemoteProtocolError (attempt 1)"
    ]


def test_adopt_takes_over_a_service_made_by_hand_after_the_look_up(
    kong: Kong, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`adopt` looks the name up first; a service someone makes by hand between that look-up
    and the provider's PUT (Kong answers 409 for the name) is still taken over, in place."""
    provider = kong.provider(kd.ServiceProvider)
    made = kong.http.post("/services", json={"name": "orders", "url": "http://127.0.0.1:9/x"})
    made.raise_for_status()
    # the look-up ran before the service existed (the race this path is for)
    monkeypatch.setattr(provider, "_find_adoptable", lambda client, inputs: None)
    kong.new_requests()
    in_place = f"/services/{made.json()['id']}"
    kong.fault(drop=True, methods=["PUT"], path_prefix=in_place, count=1)
    with caplog.at_level("INFO", logger="providers.kong_admin"):
        created = provider.create({"name": "orders", "url": UPSTREAM, "adopt": True})
    assert created.id == made.json()["id"]
    # 409 for the name, then in place (its answer lost once, so sent again)
    assert [m for m, _p in writes(kong)] == ["PUT", "PUT", "PUT"]
    assert [r.getMessage() for r in caplog.records] == [
        f"retrying PUT {in_place} after RemoteProtocolError (attempt 1)"
    ]
    assert kong.http.get("/services/orders").json()["path"] == "/orders"


def test_an_openid_connect_plugin_without_a_claim_on_3_14() -> None:
    """Only a `consumer_claim` the config holds is renamed for Kong 3.14; a config without one
    (the plugin's own default claim) is sent as it is."""
    from tests.provider.conftest import start_kong

    with start_kong("--kong-version", "3.14.0.0") as proc:
        k314 = Kong(proc.urls["admin"])
        k314.reset()
        sid = k314.provider(kd.ServiceProvider).create({"name": "s", "url": "http://h:1"}).id
        config = {"issuer": "http://127.0.0.1:9/oauth2/default", "auth_methods": ["bearer"]}
        plugin = k314.provider(kd.PluginProvider)
        created = plugin.create({"name": "openid-connect", "service_id": sid, "config": config})
        live = k314.http.get(f"/plugins/{created.id}").json()["config"]
        assert (live["issuer"], live["auth_methods"]) == (config["issuer"], ["bearer"])


def test_a_created_object_records_its_id_and_not_kongs_timestamps(kong: Kong) -> None:
    created = kong.provider(kd.ServiceProvider).create({"name": "orders", "url": UPSTREAM})
    live = kong.http.get(f"/services/{created.id}").json()
    assert live["created_at"] is not None
    assert created.outs["kong_id"] == live["id"] == created.id
    assert not {"created_at", "updated_at"} & set(created.outs)


def test_a_create_whose_answer_was_lost_reads_its_object_back_and_logs_each_retry(
    kong: Kong, caplog: pytest.LogCaptureFixture
) -> None:
    """Kong commits the POST but the answer is a 502: the retry meets Kong's primary-key
    answer (the id is the provider's own), so the object is read back by that id; that read's
    answer is lost once too. Every retry is logged with the call as sent."""
    kong.fault(status=502, commit=True, methods=["POST"], path_prefix="/developers", count=1)
    kong.fault(drop=True, methods=["GET"], path_prefix="/developers/", count=1)
    with caplog.at_level("INFO", logger="providers.kong_admin"):
        created = kong.provider(kd.DeveloperProvider).create(
            {"email": "grace@example.com", "meta": '{"full_name": "Grace"}', "status": 0}
        )
    assert [r.getMessage() for r in caplog.records] == [
        "retrying POST /developers after _TransientStatus (attempt 1)",
        f"retrying GET /developers/{created.id} after RemoteProtocolError (attempt 1)",
    ]
    assert [d["id"] for d in kong.rows("/developers")] == [created.id]


def test_a_developer_made_by_hand_after_the_look_up_is_adopted_in_place(
    kong: Kong, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for services: Kong's 409 for the email of a developer someone made after `adopt`
    looked it up; the developer is taken over with one PATCH (it is not this stack's own)."""
    provider = kong.provider(kd.DeveloperProvider)
    made = kong.http.post(
        "/developers", json={"email": "grace@example.com", "meta": '{"full_name": "G"}'}
    )
    made.raise_for_status()
    monkeypatch.setattr(provider, "_find_adoptable", lambda client, inputs: None)
    kong.new_requests()
    created = provider.create(
        {"email": "grace@example.com", "meta": '{"full_name": "Grace"}', "adopt": True}
    )
    dev_id = made.json()["id"]
    assert created.id == dev_id
    assert writes(kong) == [("POST", "/developers"), ("PATCH", f"/developers/{dev_id}")]
    assert kong.http.get(f"/developers/{dev_id}").json()["meta"] == '{"full_name": "Grace"}'


def test_portal_objects_on_3_5_are_refused_naming_the_version_and_the_kind() -> None:
    from tests.provider.conftest import start_kong

    with start_kong("--kong-version", "3.5.0.0") as proc:
        k35 = Kong(proc.urls["admin"])
        k35.reset()
        with pytest.raises(KongAdminError) as info:
            k35.provider(kd.ApplicationProvider).create(
                {"developer_id": "d", "name": "a", "custom_id": "0oa1"}
            )
    assert str(info.value).startswith("Kong 3.5.0.0 has no classic Dev Portal: it was removed")
    assert str(info.value).endswith("and drop the Application resources")


def test_an_application_made_by_hand_after_the_look_up_is_checked_then_adopted(
    kong: Kong, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race for an application: it is adopted in place only once its developer is
    checked to be this resource's, and refused, whole, when it is another developer's."""
    dev_id, app_id = developer_and_app(kong)  # ada-app, custom_id 0oa1
    provider = kong.provider(kd.ApplicationProvider)
    monkeypatch.setattr(provider, "_find_adoptable", lambda client, inputs: None)
    other = kong.http.post(
        "/developers", json={"email": "bob@example.com", "meta": '{"full_name": "Bob"}'}
    )
    other.raise_for_status()
    other_id = other.json()["id"]
    inputs = {"name": "ada-app", "custom_id": "0oa1", "description": "Ada's", "adopt": True}
    with pytest.raises(KongAdminError) as info:
        provider.create({**inputs, "developer_id": other_id})
    assert str(info.value) == (
        f"Kong Application {app_id} with custom_id '0oa1' belongs to developer {dev_id}, not "
        f"{other_id}: adopt cannot move it; delete it or use its developer"
    )
    kong.new_requests()
    created = provider.create({**inputs, "developer_id": dev_id})
    assert created.id == app_id
    assert writes(kong) == [
        ("POST", f"/developers/{dev_id}/applications"),
        ("PATCH", f"/applications/{app_id}"),
    ]


def test_a_provider_never_configured_reads_kong_from_the_environment(
    kong: Kong, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine may call a provider without `configure` (a provider loaded from state): it
    then finds Kong through the KONG_ADMIN_URL environment variable (`from_sources`)."""
    monkeypatch.setenv("KONG_ADMIN_URL", kong.admin)
    monkeypatch.delenv("KONG_WORKSPACE", raising=False)
    created = kd.ServiceProvider().create({"name": "orders", "url": UPSTREAM})
    assert kong.http.get("/services/orders").json()["id"] == created.id


def test_a_bad_kong_setting_fails_every_call_with_its_message(
    kong: Kong, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A setting `configure` refused is the error of every later call, not a quiet fallback
    to the environment (which here names a reachable Kong)."""
    from pulumi.dynamic import Config, ConfigureRequest

    from providers.kong_admin import KongConfigError

    monkeypatch.setenv("KONG_ADMIN_URL", kong.admin)
    provider = kd.ServiceProvider()
    raw = {"kong-okta-portal:kong": '{"adminUrl": "ftp://kong.example.com"}'}
    provider.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    kong.new_requests()
    with pytest.raises(KongConfigError) as info:
        provider.create({"name": "orders", "url": UPSTREAM})
    assert "ftp://kong.example.com" in str(info.value)
    assert kong.new_requests() == []
