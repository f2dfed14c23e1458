"""Kong answers the sandbox never gives, through a Kong faked with httpx.MockTransport.

The sandbox checks a portal POST's client-chosen id before its unique keys, as Kong's DAO does,
so a retried POST always meets its own object as a primary-key clash. A Kong (or a proxy in
front of it) that answers the retry with the unique clash (409) instead is handled too: the
object holding the natural key is this resource's own when the first attempt may have been
applied (a 502/504 or a lost connection) and it belongs to the same developer. These tests
drive that path, and the PATCH answer shapes, against a faked Admin API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

import providers.kong_providers as kp
from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminClient, KongAdminError, RetryPolicy, clear_info_cache

FAST = RetryPolicy(attempts=3, max_seconds=10, backoff_initial=0.001, backoff_max=0.002)
ADMIN = "http://127.0.0.1:9"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`fake["routes"][(method, path)]` answers; every request is kept in `fake["log"]`."""
    state: dict[str, Any] = {"routes": {}, "log": []}

    def handle(request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        body = json.loads(request.content) if request.content else None
        state["log"].append((*key, body))
        if key == ("GET", "/"):
            return httpx.Response(200, json={"version": "3.4.3.12", "configuration": {}})
        answers = state["routes"][key]
        answer = answers.pop(0) if isinstance(answers, list) else answers
        return answer(request) if callable(answer) else answer

    class FakeClient(KongAdminClient):
        def __init__(self, settings: Any, **_: Any) -> None:
            super().__init__(settings, retry=FAST, transport=httpx.MockTransport(handle))

    monkeypatch.setattr(kp, "KongAdminClient", FakeClient)
    clear_info_cache()
    yield state
    clear_info_cache()


def provider(cls: type[kd.KongProvider]) -> kd.KongProvider:
    p = cls()
    raw = {"kong-okta-portal:kong": json.dumps({"adminUrl": ADMIN})}
    p.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    return p


def reply(status: int, body: Any = None) -> httpx.Response:
    return httpx.Response(status, json=body)


UNIQUE = {"code": 5, "name": "unique constraint violation", "message": "already exists"}
APP_INPUTS = {"developer_id": "dev-1", "name": "ada-app", "custom_id": "0oa1"}


def app_row(app_id: str, developer: str) -> dict[str, Any]:
    return {"id": app_id, "developer": {"id": developer}, "name": "ada-app", "custom_id": "0oa1"}


def writes(fake: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _ in fake["log"] if m != "GET"]


@pytest.mark.parametrize("gateway", [502, 504])
def test_a_retry_meeting_its_own_application_as_a_unique_clash_takes_it_over(
    fake: dict[str, Any], gateway: int
) -> None:
    fake["routes"][("POST", "/developers/dev-1/applications")] = [
        reply(gateway, {"message": "gateway"}),  # may have been applied
        reply(409, UNIQUE),
    ]
    fake["routes"][("GET", "/applications")] = reply(200, {"data": [app_row("k1", "dev-1")]})
    created = provider(kd.ApplicationProvider).create(dict(APP_INPUTS))
    assert created.id == "k1"
    assert writes(fake) == [("POST", "/developers/dev-1/applications")] * 2  # nothing else


def test_a_unique_clash_with_another_developers_application_is_refused(
    fake: dict[str, Any],
) -> None:
    fake["routes"][("POST", "/developers/dev-1/applications")] = [
        reply(502, {"message": "bad gateway"}),
        reply(409, UNIQUE),
    ]
    fake["routes"][("GET", "/applications")] = reply(200, {"data": [app_row("k2", "dev-2")]})
    with pytest.raises(KongAdminError) as info:
        provider(kd.ApplicationProvider).create(dict(APP_INPUTS))
    assert str(info.value).startswith(
        "Kong Application with custom_id '0oa1' already exists in workspace 'default' (id k2)"
    )


def test_a_unique_clash_after_a_clean_answer_is_someone_elses(fake: dict[str, Any]) -> None:
    fake["routes"][("POST", "/developers/dev-1/applications")] = reply(409, UNIQUE)
    fake["routes"][("GET", "/applications")] = reply(200, {"data": [app_row("k3", "dev-1")]})
    with pytest.raises(KongAdminError) as info:
        provider(kd.ApplicationProvider).create(dict(APP_INPUTS))
    assert "(id k3) and was not created by this stack" in str(info.value)


def test_a_unique_clash_with_the_id_this_resource_chose_is_its_own(fake: dict[str, Any]) -> None:
    inputs = {**APP_INPUTS, kd.ID_SEED: "test::kong-okta-portal::Application::ada"}
    own = provider(kd.ApplicationProvider)._new_id(inputs)
    fake["routes"][("POST", "/developers/dev-1/applications")] = reply(409, UNIQUE)
    fake["routes"][("GET", "/applications")] = reply(200, {"data": []})
    fake["routes"][("GET", f"/applications/{own}")] = reply(200, app_row(own, "dev-1"))
    created = provider(kd.ApplicationProvider).create(inputs)
    assert created.id == own
    assert writes(fake) == [("POST", "/developers/dev-1/applications")]


def test_a_developer_patch_answer_with_or_without_its_wrapper(fake: dict[str, Any]) -> None:
    row = {"id": "d1", "email": "ada@example.com", "meta": '{"full_name": "Ada L."}'}
    for answer in ({"developer": row}, row):
        fake["routes"][("PATCH", "/developers/d1")] = reply(200, answer)
        old = {"email": "ada@example.com", "meta": '{"full_name": "Ada"}'}
        new = {"email": "ada@example.com", "meta": '{"full_name": "Ada L."}'}
        updated = provider(kd.DeveloperProvider).update("d1", old, new)
        assert (updated.outs["kong_id"], updated.outs["meta"]) == ("d1", new["meta"])


def test_an_update_clears_what_the_program_dropped_and_keeps_the_password(
    fake: dict[str, Any],
) -> None:
    row = {"id": "d1", "email": "ada@example.com"}
    fake["routes"][("PATCH", "/developers/d1")] = reply(200, {"developer": row})
    old = {"email": "ada@example.com", "custom_id": "c-1", "meta": "{}", "password": "pw"}
    provider(kd.DeveloperProvider).update("d1", old, {"email": "ada@example.com"})
    (patch,) = [body for m, _, body in fake["log"] if m == "PATCH"]
    assert patch == {"email": "ada@example.com", "custom_id": None, "meta": None}


def test_an_unreachable_node_names_the_write_it_could_not_send(fake: dict[str, Any]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake["routes"][("PATCH", "/developers/d1")] = refuse
    with pytest.raises(KongAdminError) as info:
        provider(kd.DeveloperProvider).update("d1", {}, {"email": "ada@example.com"})
    assert str(info.value).startswith(
        "Kong Admin API PATCH /developers/d1 failed after 3 attempts: ConnectError"
    )


def test_the_portal_auth_the_program_sets_wins_over_the_default(fake: dict[str, Any]) -> None:
    fake["routes"][("GET", "/workspaces/default")] = reply(200, {"id": "w", "config": {}})
    fake["routes"][("PATCH", "/workspaces/default")] = lambda request: reply(
        200, {"id": "w", "config": json.loads(request.content)["config"]}
    )
    portal = provider(kd.WorkspacePortalProvider)
    portal.create({"portal": True, "portal_auth": "basic-auth"})
    (patch,) = [body for m, _, body in fake["log"] if m == "PATCH"]
    assert patch == {"config": {"portal": True, "portal_auth": "basic-auth"}}


def test_a_workspace_read_that_fails_names_the_call(fake: dict[str, Any]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake["routes"][("GET", "/workspaces/default")] = refuse
    with pytest.raises(KongAdminError) as info:
        provider(kd.WorkspacePortalProvider).create({"portal": True})
    assert str(info.value).startswith(
        "Kong Admin API GET /workspaces/default failed after 3 attempts: ConnectError"
    )


def test_a_portal_switch_that_fails_names_the_write(fake: dict[str, Any]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake["routes"][("GET", "/workspaces/default")] = reply(200, {"id": "w", "config": {}})
    fake["routes"][("PATCH", "/workspaces/default")] = refuse
    with pytest.raises(KongAdminError) as info:
        provider(kd.WorkspacePortalProvider).create({"portal": True})
    assert str(info.value).startswith(
        "Kong Admin API PATCH /workspaces/default failed after 3 attempts: ConnectError"
    )
