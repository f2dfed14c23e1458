"""The Admin API client on its own, over httpx.MockTransport: retries, errors, paging, settings."""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from providers.kong_admin import (
    KongAdminClient,
    KongAdminError,
    KongAdminSettings,
    KongConfigError,
    RetryPolicy,
)

TOKEN = "s3cr3t-admin-token"
FAST = RetryPolicy(attempts=5, max_seconds=10, backoff_initial=0.001, backoff_max=0.01)


def client_for(handler, **settings) -> KongAdminClient:  # type: ignore[no-untyped-def]
    base = {"admin_url": "http://127.0.0.1:8001", "token": TOKEN, **settings}
    return KongAdminClient(
        KongAdminSettings(**base), retry=FAST, transport=httpx.MockTransport(handler)
    )


def test_retries_transient_statuses_then_succeeds_and_honours_retry_after(monkeypatch) -> None:
    answers = iter([(429, {"Retry-After": "0"}), (503, {}), (502, {}), (504, {}), (200, {})])
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Kong-Admin-Token"))
        status, headers = next(answers)
        return httpx.Response(status, headers=headers, json={"id": "x"})

    waits: list[float] = []
    monkeypatch.setattr("time.sleep", lambda s: waits.append(s))
    with client_for(handler) as client:
        response = client.request("GET", client.path("services", "x"))
    assert response.status_code == 200
    assert client.attempts == 5
    assert seen == [TOKEN] * 5
    assert waits[0] == 0  # Retry-After: 0 honoured rather than the exponential backoff


def test_gives_up_after_bounded_attempts_with_typed_error(monkeypatch) -> None:
    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, json={"message": "Service unavailable"})

    with client_for(handler) as client, pytest.raises(KongAdminError) as info:
        client.request("GET", "/services")
    assert len(calls) == FAST.attempts
    assert info.value.status == 503
    assert info.value.kong_message == "Service unavailable"


def test_connection_errors_are_retried(monkeypatch) -> None:
    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        return httpx.Response(200, json={})

    with client_for(handler) as client:
        response = client.request("POST", "/developers", json_body={"email": "a@b.c"})
        assert response.status_code == 200
        assert len(calls) == client.attempts == 3
        assert client.ambiguous_retry  # the write may have landed: callers look it up


def test_kong_error_fields_are_carried_and_token_never_shown() -> None:
    body = {
        "code": 2,
        "name": "schema violation",
        "message": "schema violation (name: required field missing)",
        "fields": {"name": "required field missing"},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body)

    with client_for(handler) as client, pytest.raises(KongAdminError) as info:
        client.request("POST", client.path("services"), json_body={"token": TOKEN})
    err = info.value
    assert (err.status, err.code, err.name) == (400, 2, "schema violation")
    assert err.fields == {"name": "required field missing"}
    assert "required field missing" in str(err)
    assert TOKEN not in str(err) and TOKEN not in repr(err.__dict__)


def test_401_names_the_token_setting_without_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "Invalid RBAC credentials"})

    with client_for(handler) as client, pytest.raises(KongAdminError) as info:
        client.request("GET", "/services")
    assert "kongAdminToken" in str(info.value)
    assert TOKEN not in str(info.value)


def test_pagination_follows_next_to_the_end_and_workspace_prefix() -> None:
    pages = {
        None: {"data": [{"id": 1}, {"id": 2}], "offset": "o1", "next": "/ws/plugins?offset=o1"},
        "o1": {"data": [{"id": 3}], "offset": "o2", "next": "/ws/plugins?offset=o2"},
        "o2": {"data": [{"id": 4}], "next": None},
    }
    paths = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=pages[request.url.params.get("offset")])

    with client_for(handler, workspace="ws") as client:
        rows = list(client.paginate(client.path("plugins")))
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
    assert set(paths) == {"/ws/plugins"}


def test_plain_http_to_remote_host_is_refused_unless_allowed() -> None:
    with pytest.raises(KongConfigError, match="allowInsecureHttp"):
        KongAdminSettings(admin_url="http://kong.example.com:8001")
    KongAdminSettings(admin_url="http://kong.example.com:8001", allow_insecure_http=True)
    KongAdminSettings(admin_url="http://localhost:8001")
    KongAdminSettings(admin_url="https://kong.example.com:8444")


def test_settings_from_config_and_env_fallbacks() -> None:
    conf = {
        "kong-okta-portal:kong": json.dumps({"adminUrl": "https://k:8444", "workspace": "team"}),
        "kong-okta-portal:kongAdminToken": TOKEN,
    }
    settings = KongAdminSettings.from_sources(conf.get, environ={})
    assert (settings.admin_url, settings.workspace, settings.token) == (
        "https://k:8444",
        "team",
        TOKEN,
    )
    assert TOKEN not in repr(settings)
    env = {"KONG_ADMIN_URL": "http://127.0.0.1:9", "KONG_ADMIN_TOKEN": "t", "KONG_WORKSPACE": "w"}
    settings = KongAdminSettings.from_sources(lambda key: None, environ=env)
    assert (settings.admin_url, settings.workspace, settings.token) == (
        "http://127.0.0.1:9",
        "w",
        "t",
    )
    with pytest.raises(KongConfigError, match="adminUrl"):
        KongAdminSettings.from_sources(lambda key: None, environ={})
    with pytest.raises(KongConfigError, match="unknown keys"):
        KongAdminSettings.from_sources(
            {"kong-okta-portal:kong": '{"adminURL": "x"}'}.get, environ={}
        )


def test_one_tls_context_per_setting_per_process(monkeypatch) -> None:
    from providers import connections as tls

    built: list[tuple[bool, str | None]] = []
    real_build = tls._build
    monkeypatch.setattr(tls, "_build", lambda *key: built.append(key) or real_build(*key))
    tls.clear()
    settings = KongAdminSettings(admin_url="https://kong.example:8444", token=TOKEN)
    clients = [KongAdminClient(settings) for _ in range(5)]
    insecure = KongAdminSettings(admin_url="https://kong.example:8444", tls_verify=False)
    clients += [KongAdminClient(insecure) for _ in range(3)]
    for client in clients:
        client.close()
    # the CA bundle is loaded once, not once per client (~15 ms of CPU each)
    assert built == [(True, None), (False, None)]
    assert tls.ssl_context(True) is tls.ssl_context(True)
    assert tls.ssl_context(False).verify_mode.name == "CERT_NONE"


def test_error_message_names_call_status_kong_message_and_sorted_fields() -> None:
    body = {"code": 2, "name": "schema violation", "message": "2 schema violations",
            "fields": {"path": "bad", "host": "missing"}}  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body)

    with client_for(handler) as client, pytest.raises(KongAdminError) as info:
        client.request("POST", "/services", json_body={})
    err = info.value
    assert str(err) == (
        "Kong Admin API POST /services returned 400: 2 schema violations "
        '(fields: {"host": "missing", "path": "bad"})'
    )
    assert (err.method, err.path, err.code, err.name) == ("POST", "/services", 2, body["name"])


def test_error_from_a_non_json_answer_shows_its_text_and_a_nested_message_is_unwrapped() -> None:
    answers = iter(
        [
            httpx.Response(400, text="<html>bad gateway config</html>"),
            httpx.Response(400, json={"message": {"message": "workspace is not empty"}}),
        ]
    )
    with client_for(lambda request: next(answers)) as client:
        with pytest.raises(KongAdminError) as html:
            client.request("GET", "/x")
        with pytest.raises(KongAdminError) as nested:
            client.request("DELETE", "/workspaces/w")
    assert str(html.value) == "Kong Admin API GET /x returned 400: <html>bad gateway config</html>"
    assert html.value.kong_message is None
    assert (
        str(nested.value)
        == "Kong Admin API DELETE /workspaces/w returned 400: workspace is not empty"
    )
    assert nested.value.kong_message == "workspace is not empty"


@pytest.mark.parametrize(
    ("status", "message", "hinted"),
    [
        (403, "alice, you do not have permissions to create this resource", True),
        (403, "Enterprise license missing or expired", False),
        (404, "no permission here", False),
    ],
)
def test_permission_hint_only_for_a_403_about_permissions(
    status: int, message: str, hinted: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": message})

    with client_for(handler) as client, pytest.raises(KongAdminError) as info:
        client.request("GET", "/services")
    hint = ". The RBAC user behind `kongAdminToken` lacks this permission: grant its role"
    assert (hint in str(info.value)) is hinted
    assert str(info.value).startswith(f"Kong Admin API GET /services returned {status}: {message}")


def test_paginate_asks_for_big_pages_follows_offsets_and_stops_on_a_repeated_one() -> None:
    pages = {
        None: {"data": [{"id": 1}], "next": "/x?offset=a", "offset": "a"},
        "a": {"data": [{"id": 2}], "next": "/x?offset=b", "offset": "b"},
        "b": {"data": [{"id": 3}], "next": "/x?offset=a", "offset": "a"},  # a server loop
    }
    asked: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(dict(request.url.params))
        return httpx.Response(200, json=pages[request.url.params.get("offset")])

    with client_for(handler) as client:
        rows = list(itertools.islice(client.paginate("/developers"), 10))  # a loop stops at 10
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert asked == [
        {"size": "1000"},
        {"size": "1000", "offset": "a"},
        {"size": "1000", "offset": "b"},
    ]


def test_client_refuses_to_be_pickled() -> None:
    import pickle

    with client_for(lambda r: httpx.Response(200)) as client, pytest.raises(TypeError) as info:
        pickle.dumps(client)
    assert str(info.value) == "KongAdminClient holds the admin token and must not be pickled"


def test_backoff_doubles_up_to_its_cap_and_honours_an_http_date_retry_after(monkeypatch) -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    now = datetime(2030, 1, 1, tzinfo=UTC)
    monkeypatch.setattr("time.time", lambda: now.timestamp())
    monkeypatch.setattr("time.monotonic", lambda: 0.0)
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", lambda s: waits.append(s))
    later = format_datetime(now + timedelta(seconds=20), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=20), usegmt=True)
    answers = iter(
        [(503, {})] * 4
        + [(429, {"Retry-After": later}), (429, {"Retry-After": earlier}), (200, {})]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers = next(answers)
        return httpx.Response(status, headers=headers, json={})

    policy = RetryPolicy(attempts=8, max_seconds=1000, backoff_initial=1, backoff_max=5)
    settings = KongAdminSettings(admin_url="http://127.0.0.1:8001", token=TOKEN)
    with KongAdminClient(settings, retry=policy, transport=httpx.MockTransport(handler)) as c:
        assert c.request("GET", "/services").status_code == 200
    assert waits == [1, 2, 4, 5, 20.0, 0.0]


def test_paths_quote_each_segment_and_the_workspace() -> None:
    with client_for(lambda r: httpx.Response(200), workspace="team-b") as client:
        assert client.path("developers", "a/b c@x") == "/team-b/developers/a%2Fb%20c%40x"
    with client_for(lambda r: httpx.Response(200)) as client:
        assert client.path("services", "s") == "/services/s"


def test_get_json_raises_on_404_unless_missing_is_allowed() -> None:
    with client_for(lambda r: httpx.Response(404, json={"message": "Not found"})) as client:
        assert client.get_json("/services/x", allow_missing=True) is None
        with pytest.raises(KongAdminError) as info:
            client.get_json("/services/x")
    assert info.value.status == 404


def test_error_detail_only_from_a_string_message_or_a_non_json_body_cut_at_300() -> None:
    answers = iter(
        [
            httpx.Response(404, json={"data": []}),
            httpx.Response(400, json={"message": ["not", "a", "string"]}),
            httpx.Response(500, text="x" * 400),
        ]
    )
    errors = []
    with client_for(lambda request: next(answers)) as client:
        for _ in range(3):
            with pytest.raises(KongAdminError) as info:
                client.request("GET", "/x", ok=(200,))
            errors.append(info.value)
    assert str(errors[0]) == "Kong Admin API GET /x returned 404"
    assert (str(errors[1]), errors[1].kong_message) == ("Kong Admin API GET /x returned 400", None)
    assert str(errors[2]).startswith("Kong Admin API GET /x returned 500: " + "x" * 300)
    assert "x" * 301 not in str(errors[2])
