"""Answers no Kong node gives but something in front of one can: a 400 that is not JSON (a
proxy's or load balancer's error page) is shown as it came, never read as Kong's
primary-key clash (which would send the provider looking for an object of its own)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

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


Answer = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def node(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Answer], list[httpx.Request]]]:
    """`node(answer)`: the providers' requests go to `answer`, behind a Kong 3.4 root (`GET /`);
    returns the list every request is recorded in."""

    def serve(answer: Answer) -> list[httpx.Request]:
        seen: list[httpx.Request] = []

        def handle(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if request.url.path == "/":
                return httpx.Response(200, json={"version": "3.4.3.0", "configuration": {}})
            return answer(request)

        monkeypatch.setattr(kong_admin, "shared_transport", lambda *_: httpx.MockTransport(handle))
        return seen

    clear_info_cache()
    yield serve
    clear_info_cache()


def calls(seen: list[httpx.Request]) -> list[tuple[str, str]]:
    return [(r.method, r.url.path) for r in seen]


@pytest.fixture
def front(node: Callable[[Answer], list[httpx.Request]]) -> list[httpx.Request]:
    """A node with the portal on, behind a proxy that answers each POST with an HTML 400."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(
                400, text="<html><h1>400 Bad Request</h1></html>",
                headers={"content-type": "text/html"},
            )  # fmt: skip
        return httpx.Response(404, json={"message": "Not found"})

    return node(answer)


def test_a_400_page_from_in_front_of_kong_is_shown_not_taken_for_our_object(
    front: list[httpx.Request],
) -> None:
    provider = _configured(kd.DeveloperProvider)
    with pytest.raises(KongAdminError) as err:
        provider.create({"email": "ada@example.com", "status": 0, "id_seed": "seed"})
    assert err.value.status == 400
    assert "POST /developers returned 400" in str(err.value)
    # the version lookup and the one POST: no read of an object under the new id
    assert calls(front) == [("GET", "/"), ("POST", "/developers")]


def test_an_adopted_service_gone_between_kongs_409_and_the_look_up_shows_the_409(
    node: Callable[[Answer], list[httpx.Request]],
) -> None:
    """`adopt` looks the service up (none), PUTs it (Kong: 409, its name is taken), looks it up
    again: gone by then (deleted in between). Kong's 409 is what the user sees."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            message = "UNIQUE violation detected on '{name=\"orders\"}'"
            return httpx.Response(409, json={"code": 5, "name": "unique constraint violation",
                                             "message": message})  # fmt: skip
        return httpx.Response(404, json={"message": "Not found"})

    seen = node(answer)
    provider = _configured(kd.ServiceProvider)
    props = {"name": "orders", "url": "http://orders.internal", "adopt": True, "id_seed": "s"}
    with pytest.raises(KongAdminError) as err:
        provider.create(props)
    assert err.value.status == 409
    assert "UNIQUE violation detected" in str(err.value)
    assert [m for m, _ in calls(seen)] == ["GET", "PUT", "GET"]


def test_a_409_on_our_own_developer_takes_it_over_with_one_patch(
    node: Callable[[Answer], list[httpx.Request]],
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

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(409, json={"code": 5, "message": "email taken"})
        if request.method == "GET":
            return httpx.Response(200, json=earlier)
        body = json.loads(request.content)
        return httpx.Response(200, json={"developer": {**earlier, **body}})

    seen = node(answer)
    created = provider.create(props)
    assert created.id == own_id
    assert created.outs["meta"] == '{"full_name": "Ada"}'
    assert calls(seen) == [
        ("GET", "/"),
        ("POST", "/developers"),
        ("GET", "/developers/ada@example.com"),
        ("PATCH", f"/developers/{own_id}"),
    ]


def test_a_nested_endpoint_goes_on_the_wire_as_path_segments(
    node: Callable[[Answer], list[httpx.Request]],
) -> None:
    """`applications/{application_id}/application_instances` is three segments: slashes on the
    wire, not one segment with `%2F` in it (which a server may route differently)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201, json={"id": "i1", "application": {"id": "a1"}, "service": {"id": "s1"},
                       "status": 0, "suspended": False, "composite_id": "a1_s1"},
        )  # fmt: skip

    seen = node(answer)
    provider = _configured(kd.ApplicationInstanceProvider)
    provider.create({"application_id": "a1", "service_id": "s1", "status": 0, "id_seed": "s"})
    assert [r.url.raw_path for r in seen] == [b"/", b"/applications/a1/application_instances"]
