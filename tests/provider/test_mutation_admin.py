"""The Admin API client (`providers.kong_admin`) over httpx.MockTransport: whole messages users
read, the settings' sources and refusals, what `GET /` is read as, and the paging and retry
rules, each with the requests they send."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.kong_admin import (
    KongAdminClient,
    KongAdminError,
    KongAdminSettings,
    KongConfigError,
    KongInfo,
    RetryPolicy,
    _retry_after_seconds,
    clear_info_cache,
)

TOKEN = "s3cr3t-admin-token"
ONCE = RetryPolicy(attempts=1, max_seconds=10)
FAST = RetryPolicy(attempts=4, max_seconds=10, backoff_initial=0.001, backoff_max=0.002)


def client_for(handler: Any, retry: RetryPolicy = FAST, **settings: Any) -> KongAdminClient:
    base = {"admin_url": "http://127.0.0.1:8001", "token": TOKEN, **settings}
    return KongAdminClient(
        KongAdminSettings(**base), retry=retry, transport=httpx.MockTransport(handler)
    )


def answer(status: int, body: Any = None, **kw: Any) -> Any:
    return lambda request: httpx.Response(status, json=body, **kw)


# -- messages ---------------------------------------------------------------------------------


def test_a_refused_token_reads_whole_and_never_shows_the_token() -> None:
    with client_for(
        answer(401, {"message": "Invalid credentials. Token or User credentials required"})
    ) as c:
        with pytest.raises(KongAdminError) as info:
            c.request("GET", "/services")
    assert TOKEN not in str(info.value)
    assert str(info.value) == (
        "Kong Admin API GET /services returned 401: Invalid credentials. Token or User "
        "credentials required. The admin token was rejected: set the secret stack config "
        "`kong-okta-portal:kongAdminToken` (pulumi config set --secret kongAdminToken …) or "
        "KONG_ADMIN_TOKEN to a valid RBAC token for this workspace"
    )


def test_a_missing_permission_reads_whole() -> None:
    body = {"message": "you do not have permissions to create this resource"}
    with client_for(answer(403, body)) as c, pytest.raises(KongAdminError) as info:
        c.request("POST", "/services", json_body={})
    assert str(info.value) == (
        "Kong Admin API POST /services returned 403: you do not have permissions to create "
        "this resource. The RBAC user behind `kongAdminToken` lacks this permission: grant "
        "its role the endpoint, or use a token with more rights"
    )
    # a 403 about something else gets no advice about roles
    with client_for(answer(403, {"message": "forbidden"})) as c:
        with pytest.raises(KongAdminError) as info:
            c.request("GET", "/x")
    assert str(info.value) == "Kong Admin API GET /x returned 403: forbidden"


def test_a_json_answer_without_a_message_is_just_the_call_and_status() -> None:
    with client_for(answer(400, {"code": 2, "name": "schema violation"})) as c:
        with pytest.raises(KongAdminError) as info:
            c.request("PUT", "/services/x", json_body={})
    err = info.value
    assert str(err) == "Kong Admin API PUT /services/x returned 400"
    assert (err.code, err.name, err.kong_message, err.fields) == (2, "schema violation", None, None)


def test_errors_not_tied_to_a_call_carry_no_call() -> None:
    err = KongAdminError("Kong 3.5 has no classic Dev Portal")
    assert (err.status, err.method, err.path, err.code, err.name) == (None, "", "", None, None)
    assert (err.kong_message, err.fields) == (None, None)


def test_an_unreachable_node_names_the_call_and_the_setting() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with client_for(refuse, retry=ONCE, admin_url="http://127.0.0.1:9") as c:
        for call in (
            lambda: c.get_json("/services/x"),
            lambda: list(c.paginate("/plugins")),
            lambda: c.info(),
        ):
            with pytest.raises(KongAdminError) as info:
                call()
            assert str(info.value).startswith("Kong Admin API GET /")
            assert str(info.value).endswith(
                "failed after 1 attempts: ConnectError: connection refused. Check "
                "`kong-okta-portal:kong.adminUrl` (http://127.0.0.1:9) and that Kong is reachable"
            )
            assert (info.value.method, info.value.status) == ("GET", None)
            assert info.value.path.startswith("/")


def test_giving_up_on_a_busy_node_says_how_often_it_tried() -> None:
    with client_for(answer(503, {"message": "Service unavailable"})) as c:
        with pytest.raises(KongAdminError) as info:
            c.request("GET", "/services")
    assert str(info.value) == (
        "Kong Admin API GET /services returned 503: Service unavailable. gave up after 4 attempts"
    )
    assert c.attempts == 4


# -- settings ---------------------------------------------------------------------------------


def test_settings_refusals_read_whole(tmp_path: Path) -> None:
    with pytest.raises(KongConfigError) as info:
        KongAdminSettings.from_sources(lambda key: None, environ={})
    assert str(info.value) == (
        'No Kong Admin API URL: set `kong-okta-portal:kong` to a JSON object with "adminUrl" '
        "(pulumi config set --path kong.adminUrl https://…), or the KONG_ADMIN_URL "
        "environment variable"
    )
    conf = {"kong-okta-portal:kong": '{"adminURL": "x", "token": "t"}'}
    with pytest.raises(KongConfigError) as info:
        KongAdminSettings.from_sources(conf.get, environ={})
    assert str(info.value) == (
        "`kong-okta-portal:kong` has unknown keys ['adminURL', 'token']; expected "
        "['adminUrl', 'allowInsecureHttp', 'caBundle', 'timeoutSeconds', 'tlsVerify', "
        "'workspace']"
    )
    with pytest.raises(KongConfigError) as info:
        KongAdminSettings.from_sources({"kong-okta-portal:kong": "{x"}.get, environ={})
    assert str(info.value).startswith("`kong-okta-portal:kong` must be a JSON object, got")
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(KongConfigError) as info:
        KongAdminSettings(admin_url="https://k.example.com", ca_bundle=missing)
    assert str(info.value) == (
        f"`kong-okta-portal:kong.caBundle` names no readable file: {missing!r}"
    )


def test_settings_come_from_our_namespace_then_the_projects_then_the_environment(
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    full = {
        "adminUrl": "https://k.example.com/",
        "workspace": "team",
        "tlsVerify": False,
        "caBundle": str(bundle),
        "timeoutSeconds": 12,
        "allowInsecureHttp": True,
    }
    ours = {"kong-okta-portal:kong": json.dumps(full), "kong": '{"adminUrl": "https://other"}'}
    s = KongAdminSettings.from_sources(ours.get, environ={"KONG_ADMIN_TOKEN": "env-token"})
    assert (s.admin_url, s.workspace, s.tls_verify, s.ca_bundle) == (
        "https://k.example.com", "team", False, str(bundle)
    )  # fmt: skip
    assert (s.timeout_seconds, s.allow_insecure_http, s.token) == (12.0, True, "env-token")
    # another project's program: its own namespace (the engine gives bare keys) counts too
    theirs = {"kong": '{"adminUrl": "https://k2.example.com"}', "kongAdminToken": "cfg-token"}
    s = KongAdminSettings.from_sources(theirs.get, environ={"KONG_ADMIN_TOKEN": "env-token"})
    assert (s.admin_url, s.workspace, s.token) == ("https://k2.example.com", None, "cfg-token")
    # empty values count as unset: the environment fills them
    blank = {"kong-okta-portal:kong": '{"adminUrl": "", "workspace": ""}'}
    env = {"KONG_ADMIN_URL": "https://k3.example.com", "KONG_WORKSPACE": "w3"}
    s = KongAdminSettings.from_sources(blank.get, environ=env)
    assert (s.admin_url, s.workspace, s.token) == ("https://k3.example.com", "w3", None)
    s = KongAdminSettings.from_sources(blank.get, environ={**env, "KONG_WORKSPACE": ""})
    assert s.workspace is None


def test_settings_read_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KONG_ADMIN_URL", "https://env.example.com")
    monkeypatch.setenv("KONG_ADMIN_TOKEN", "from-env")
    s = KongAdminSettings.from_sources(lambda key: None)
    assert (s.admin_url, s.token) == ("https://env.example.com", "from-env")


# -- the node (GET /) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "parts"),
    [("3.4.3.12", (3, 4)), ("3.14.0.0-enterprise", (3, 14)), ("2.8.4-enterprise-edition", (2, 8)),
     ("3", (3, 0)), ("", (0, 0)), (None, (0, 0)), ("x.y", (0, 0)), ("3.4-beta", (3, 4))],
)  # fmt: skip
def test_the_version_is_read_as_major_and_minor(version: Any, parts: tuple[int, int]) -> None:
    info = KongInfo.from_root({"version": version})
    assert (info.major, info.minor) == parts
    assert info.version == (version or "0.0")


def test_the_nodes_edition_and_portal_settings_are_read() -> None:
    body = {
        "version": "3.4.3.12",
        "edition": "enterprise",
        "configuration": {"portal": True, "portal_app_auth": "external-oauth2"},
    }
    info = KongInfo.from_root(body)
    assert (info.edition, info.portal, info.portal_app_auth) == (
        "enterprise", True, "external-oauth2"
    )  # fmt: skip
    bare = KongInfo.from_root({"version": "3.4.0.0", "configuration": None})
    assert (bare.edition, bare.portal, bare.portal_app_auth) == (None, None, None)


def test_at_least_compares_major_then_minor() -> None:
    info = KongInfo.from_root({"version": "3.4.1"})
    assert info.at_least(3, 4) and info.at_least(3, 3) and info.at_least(2, 9)
    assert not info.at_least(3, 5) and not info.at_least(4, 0)


def test_get_root_once_per_admin_url() -> None:
    clear_info_cache()
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, json={"version": "3.4.3.12"})

    try:
        for url in ("http://127.0.0.1:8001", "http://127.0.0.1:8001", "http://127.0.0.1:8002"):
            with client_for(handler, admin_url=url) as c:
                assert c.info().version == "3.4.3.12"
        assert calls == ["http://127.0.0.1:8001/", "http://127.0.0.1:8002/"]
    finally:
        clear_info_cache()


# -- paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        {"data": [{"id": 1}], "next": "/plugins?offset=o1"},  # a next without an offset
        {"data": [{"id": 1}], "offset": "o1"},  # an offset without a next
        {"data": [{"id": 1}], "next": None, "offset": None},
    ],
)
def test_paging_stops_unless_both_next_and_offset_are_given(first: dict[str, Any]) -> None:
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        return httpx.Response(200, json=first)

    with client_for(handler) as c:
        assert [r["id"] for r in c.paginate("/plugins", {"tags": "t"})] == [1]
    assert seen == [{"tags": "t", "size": "1000"}]


def test_paging_passes_the_callers_size_and_each_offset_once() -> None:
    pages = {
        None: {"data": [{"id": 1}], "next": "n", "offset": "o1"},
        "o1": {"data": None, "next": "n", "offset": "o1"},  # a node repeating itself
    }
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        return httpx.Response(200, json=pages[request.url.params.get("offset")])

    with client_for(handler) as c:
        assert [r["id"] for r in c.paginate("/developers", {"size": 10})] == [1]
    assert seen == [{"size": "10"}, {"size": "10", "offset": "o1"}]


# -- retries ----------------------------------------------------------------------------------


def _at(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0.5", 0.5), ("-4", 0.0), (None, None), ("", None), ("soon", None)],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    assert _retry_after_seconds(httpx.Response(429, headers=headers)) == seconds


def test_retry_after_as_a_date() -> None:
    later = _retry_after_seconds(httpx.Response(429, headers={"Retry-After": _at(30)}))
    assert later is not None and 25 <= later <= 30
    past = _retry_after_seconds(httpx.Response(429, headers={"Retry-After": _at(-30)}))
    assert past == 0.0


def test_a_client_is_configured_from_its_settings(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with client_for(handler, workspace="team", timeout_seconds=4) as c:
        c.request("GET", c.path("services"))
    (request,) = seen
    assert str(request.url) == "http://127.0.0.1:8001/team/services"
    assert request.headers["Kong-Admin-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == "kong-okta-portal-provider"
    assert request.extensions["timeout"] == {"connect": 4, "read": 4, "write": 4, "pool": 4}
    seen.clear()
    with client_for(handler, token=None, timeout_seconds=60) as c:
        c.request("GET", c.path("services"))
    assert "Kong-Admin-Token" not in seen[0].headers
    assert seen[0].extensions["timeout"]["connect"] == 10.0  # a connect never waits longer
    assert seen[0].extensions["timeout"]["read"] == 60.0


def test_a_redirect_is_not_followed() -> None:
    """The admin token must not travel to wherever a redirect points."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(301, headers={"Location": "https://elsewhere.example/x"})

    with client_for(handler) as c, pytest.raises(KongAdminError) as info:
        c.request("GET", "/services")
    assert info.value.status == 301
    assert seen == ["http://127.0.0.1:8001/services"]


def test_clients_use_the_process_pool_for_their_tls_setting() -> None:
    import certifi

    from providers import connections

    bundle = certifi.where()
    connections.clear()
    try:
        for settings, key in (
            (KongAdminSettings(admin_url="https://k.example.com"), (True, None)),
            (KongAdminSettings(admin_url="https://k.example.com", tls_verify=False), (False, None)),
            (
                KongAdminSettings(admin_url="https://k.example.com", ca_bundle=bundle),
                (True, bundle),
            ),
        ):
            with KongAdminClient(settings) as c:
                pool = c._transport._pool  # type: ignore[attr-defined]
            assert pool is connections.shared_transport(*key)._pool  # type: ignore[attr-defined]
        assert set(connections._TRANSPORTS) == {(True, None), (False, None), (True, bundle)}
    finally:
        connections.clear()


def test_each_retry_is_logged_with_the_call_and_the_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = [httpx.Response(503, json={}), httpx.Response(200, json={})]
    with caplog.at_level("INFO", logger="providers.kong_admin"):
        with client_for(lambda request: answers.pop(0)) as c:
            c.request("GET", "/services")
    assert [r.getMessage() for r in caplog.records] == [
        "retrying GET /services after _TransientStatus (attempt 1)"
    ]


def test_retries_stop_at_the_time_budget_before_the_attempt_budget() -> None:
    budget = RetryPolicy(attempts=100, max_seconds=0.05, backoff_initial=0.02, backoff_max=0.02)
    with client_for(answer(503, {"message": "busy"}), retry=budget) as c:
        with pytest.raises(KongAdminError) as info:
            c.request("GET", "/services")
    assert 1 <= c.attempts < budget.attempts
    assert str(info.value).endswith(f"gave up after {c.attempts} attempts")


def test_a_failure_that_is_not_the_networks_is_not_retried() -> None:
    calls: list[str] = []

    def broken(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise RuntimeError("a bug, not a flaky network")

    with client_for(broken) as c, pytest.raises(RuntimeError):
        c.request("GET", "/services")
    assert calls == ["/services"]


def test_a_wait_that_would_overrun_the_time_budget_is_not_started() -> None:
    budget = RetryPolicy(attempts=3, max_seconds=0.2, backoff_initial=0.5, backoff_max=0.5)
    with client_for(answer(503, {"message": "busy"}), retry=budget) as c:
        with pytest.raises(KongAdminError):
            c.request("GET", "/services")
    assert c.attempts == 1
