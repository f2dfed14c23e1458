"""Answers no Kong node gives but something in front of one can: a 400 that is not JSON (a
proxy's or load balancer's error page) is shown as it came, never read as Kong's
primary-key clash (which would send the provider looking for an object of its own)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from providers import kong_admin
from providers import kong_dynamic as kd
from providers.kong_admin import KongAdminError, clear_info_cache

ADMIN = "http://kong.example.com:8001"


def _configured(cls: type[kd.KongProvider]) -> kd.KongProvider:
    """A provider configured as the engine does, for a node at ADMIN over plain http."""
    provider = cls()
    raw = {"kong-okta-portal:kong": json.dumps({"adminUrl": ADMIN, "allowInsecureHttp": True})}
    provider.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    return provider


@pytest.fixture
def front(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """A node on 3.4 with the portal on, behind a proxy that answers each POST with an HTML 400."""
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.url.path == "/":
            return httpx.Response(200, json={"version": "3.4.3.0", "configuration": {}})
        if request.method == "POST":
            return httpx.Response(
                400, text="<html><h1>400 Bad Request</h1></html>",
                headers={"content-type": "text/html"},
            )  # fmt: skip
        return httpx.Response(404, json={"message": "Not found"})

    monkeypatch.setattr(kong_admin, "shared_transport", lambda *_: httpx.MockTransport(answer))
    clear_info_cache()
    yield seen
    clear_info_cache()


def test_a_400_page_from_in_front_of_kong_is_shown_not_taken_for_our_object(
    front: list[tuple[str, str]],
) -> None:
    provider = _configured(kd.DeveloperProvider)
    with pytest.raises(KongAdminError) as err:
        provider.create({"email": "ada@example.com", "status": 0, "id_seed": "seed"})
    assert err.value.status == 400
    assert "POST /developers returned 400" in str(err.value)
    # the version lookup and the one POST: no read of an object under the new id
    assert front == [("GET", "/"), ("POST", "/developers")]


def test_an_adopted_service_gone_between_kongs_409_and_the_look_up_shows_the_409(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`adopt` looks the service up (none), PUTs it (Kong: 409, its name is taken), looks it up
    again: gone by then (deleted in between). Kong's 409 is what the user sees."""
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.method == "PUT":
            message = "UNIQUE violation detected on '{name=\"orders\"}'"
            return httpx.Response(409, json={"code": 5, "name": "unique constraint violation",
                                             "message": message})  # fmt: skip
        return httpx.Response(404, json={"message": "Not found"})

    monkeypatch.setattr(kong_admin, "shared_transport", lambda *_: httpx.MockTransport(answer))
    provider = _configured(kd.ServiceProvider)
    props = {"name": "orders", "url": "http://orders.internal", "adopt": True, "id_seed": "s"}
    with pytest.raises(KongAdminError) as err:
        provider.create(props)
    assert err.value.status == 409
    assert "UNIQUE violation detected" in str(err.value)
    assert [m for m, _ in seen] == ["GET", "PUT", "GET"]


def test_a_409_on_our_own_developer_takes_it_over_with_one_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A node that reports a repeated POST's email clash (409) before its primary-key clash:
    the developer found by email has this resource's own id (an earlier attempt whose answer
    was lost), so it is taken over and brought to the settings with one PATCH."""
    provider = _configured(kd.DeveloperProvider)
    props = {"email": "ada@example.com", "meta": '{"full_name": "Ada"}', "status": 0,
             "id_seed": "seed"}  # fmt: skip
    own_id = provider._new_id(props)
    earlier = {"id": own_id, "email": "ada@example.com", "meta": '{"full_name": "A"}',
               "status": 0, "consumer": {"id": "c1"}}  # fmt: skip
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.url.path == "/":
            return httpx.Response(200, json={"version": "3.4.3.0", "configuration": {}})
        if request.method == "POST":
            return httpx.Response(409, json={"code": 5, "message": "email taken"})
        if request.method == "GET":
            return httpx.Response(200, json=earlier)
        body = json.loads(request.content)
        return httpx.Response(200, json={"developer": {**earlier, **body}})

    monkeypatch.setattr(kong_admin, "shared_transport", lambda *_: httpx.MockTransport(answer))
    clear_info_cache()
    created = provider.create(props)
    assert created.id == own_id
    assert created.outs["meta"] == '{"full_name": "Ada"}'
    assert seen == [
        ("GET", "/"),
        ("POST", "/developers"),
        ("GET", "/developers/ada@example.com"),
        ("PATCH", f"/developers/{own_id}"),
    ]


def test_a_nested_endpoint_goes_on_the_wire_as_path_segments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`applications/{application_id}/application_instances` is three segments: slashes on the
    wire, not one segment with `%2F` in it (which a server may route differently)."""
    raw_paths: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        raw_paths.append(request.url.raw_path)
        if request.url.path == "/":
            return httpx.Response(200, json={"version": "3.4.3.0", "configuration": {}})
        return httpx.Response(
            201, json={"id": "i1", "application": {"id": "a1"}, "service": {"id": "s1"},
                       "status": 0, "suspended": False, "composite_id": "a1_s1"},
        )  # fmt: skip

    monkeypatch.setattr(kong_admin, "shared_transport", lambda *_: httpx.MockTransport(answer))
    clear_info_cache()
    provider = _configured(kd.ApplicationInstanceProvider)
    provider.create({"application_id": "a1", "service_id": "s1", "status": 0, "id_seed": "s"})
    assert raw_paths == [b"/", b"/applications/a1/application_instances"]
