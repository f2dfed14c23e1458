"""The RFC 7591 provider (`providers.dcr`) in-process against the sandbox issuer over HTTP.

What a user of the stack sees: the client registered at the identity provider (read back
through its API), the requests the provider sent (the issuer's request log), and the exact
messages of the failures they act on. Adoption of an existing client (an app's Reference Id)
is covered in full: no write when the client is as set, one PUT when it is not, and the
refusals.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.output import Unknown

from providers.dcr import (
    ClientRegistrationProvider,
    RegistrationError,
    registered_name,
    registration_endpoint_for,
)
from sandbox.faults import FaultController, FaultInjector
from sandbox.issuer.app import create_issuer_app
from sandbox.issuer.paging import every_item
from sandbox.issuer.settings import IssuerSettings
from tests.provider.conftest import Recorder
from tests.sandbox_flow.servers import serve

TOKEN = "mutation-idp-token"
FAULTS = FaultController()
SUFFIX = " (kong-okta-portal/mutation)"
_ISSUER: list[str] = []


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    app = FaultInjector(
        create_issuer_app(IssuerSettings.build(idp_api_token=TOKEN)), FAULTS, target="issuer"
    )
    with serve(app) as base:
        _ISSUER[:] = [f"{base}/oauth2/default"]
        yield _ISSUER[0]


@pytest.fixture(autouse=True)
def _no_faults() -> Iterator[None]:
    FAULTS.clear_rules()
    yield
    FAULTS.clear_rules()


def endpoint(issuer: str) -> str:
    return registration_endpoint_for(issuer)


def provider(identity: Any = None, token: str | None = TOKEN) -> ClientRegistrationProvider:
    p = ClientRegistrationProvider()
    raw: dict[str, Any] = {}
    if identity is not None:
        raw["kong-okta-portal:identity"] = identity
    if token is not None:
        raw["kong-okta-portal:identityApiToken"] = token
    p.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    return p


def service(issuer: str, **over: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "client_name": "ada-batch",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "application_type": "service",
        "name_suffix": "",
        **over,
    }


def web(issuer: str, **over: Any) -> dict[str, Any]:
    base = {
        "client_name": "ada-web",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "redirect_uris": ["https://app.example.com/cb", "https://app.example.com/cb2"],
        "application_type": "web",
    }
    return service(issuer, **{**base, **over})


def api(issuer: str) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"SSWS {TOKEN}"})


def register(issuer: str, body: dict[str, Any]) -> dict[str, Any]:
    with api(issuer) as http:
        resp = http.post(endpoint(issuer), json=body)
    resp.raise_for_status()
    return resp.json()


def live(issuer: str, client_id: str) -> dict[str, Any]:
    with api(issuer) as http:
        return http.get(f"{endpoint(issuer)}/{client_id}").json()


def mark() -> int:
    """Where the next action's requests start in the issuer's log (earlier ones settled)."""
    _settle(FAULTS.requests("issuer")["total"])
    return FAULTS.requests("issuer")["total"]


SYNC = "/_sync"
REFUSED_TOKEN = (
    '{"errorCode": "E0000011", "errorSummary": "Invalid token provided", "errorCauses": []}'
)
NO_SWITCH = json.dumps(
    {
        "error": "invalid_client_metadata",
        "error_description": "grant_types: 'client_credentials' is not allowed for a public "
        "client (token_endpoint_auth_method 'none').",
    }
)


def sent(since: int) -> list[tuple[str, str, int]]:
    """The issuer's requests since `since` (method, path under the clients endpoint, status).

    The log records a request just after its answer left, so the caller may already hold the
    answer to the last one: a marker request is sent and awaited in the log first (a bounded
    readiness wait on a condition, not a fixed sleep)."""
    rows = [r for r in _settle(since) if not r["path"].endswith(SYNC)]
    return [(r["method"], r["path"].rsplit("/clients", 1)[-1], r["status"]) for r in rows]


def _settle(since: int) -> list[dict[str, Any]]:
    host = _ISSUER[0].split("/oauth2/")[0]
    httpx.get(f"{host}/oauth2/v1/clients{SYNC}")
    deadline = time.monotonic() + 10
    while True:
        rows = FAULTS.requests("issuer")["requests"][since:]
        if any(r["path"].endswith(SYNC) for r in rows) or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    return rows


def as_registered(props: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in props.items() if k not in ("issuer", "name_suffix")}
    body["client_name"] = registered_name(props)
    for key in ("redirect_uris", "response_types"):  # left to the issuer's default
        if not body[key]:
            body.pop(key)
    return body


# -- adoption -------------------------------------------------------------------------------


def test_adopting_a_service_client_with_set_response_types_writes_nothing(issuer: str) -> None:
    """A client_credentials client's response types are never used: the program's value
    stands, whatever the server keeps."""
    props = service(issuer, client_name="ada-tokens", response_types=["token"])
    existing = register(issuer, as_registered(props))
    since = mark()
    provider().create({**props, "adopt_client_id": existing["client_id"]})
    assert [m for m, _, _ in sent(since)] == ["GET"]


def test_adopting_a_service_client_as_it_is_reads_it_and_writes_nothing(issuer: str) -> None:
    existing = register(issuer, as_registered(service(issuer)))  # Okta answers ["token"]
    assert existing["response_types"] == ["token"]
    since = mark()
    result = provider().create(service(issuer, adopt_client_id=existing["client_id"]))
    assert sent(since) == [("GET", f"/{existing['client_id']}", 200)]
    assert result.id == existing["client_id"]
    assert result.outs == {
        **{k: v for k, v in service(issuer).items()},
        "client_id": existing["client_id"],
        "client_secret": None,  # shown once, to whoever registered it
    }


def test_adopting_a_web_client_as_it_is_writes_nothing(issuer: str) -> None:
    existing = register(issuer, as_registered(web(issuer)))
    since = mark()
    provider().create(web(issuer, adopt_client_id=existing["client_id"]))
    assert [m for m, _, _ in sent(since)] == ["GET"]


def test_adopting_a_client_registered_under_the_stack_name_compares_that_name(
    issuer: str,
) -> None:
    props = service(issuer, client_name="ada-suffixed", name_suffix=SUFFIX)
    existing = register(issuer, as_registered(props))
    assert existing["client_name"] == "ada-suffixed" + SUFFIX
    since = mark()
    provider().create({**props, "adopt_client_id": existing["client_id"]})
    assert [m for m, _, _ in sent(since)] == ["GET"]


@pytest.mark.parametrize(
    "change",
    [
        {"client_name": "ada-old"},
        {"redirect_uris": ["https://app.example.com/cb"]},
        {"response_types": ["code", "token"], "grant_types": ["authorization_code", "implicit"]},
    ],
)
def test_adopting_a_differing_client_puts_the_settings_once(
    issuer: str, change: dict[str, Any]
) -> None:
    existing = register(issuer, {**as_registered(web(issuer)), **change})
    cid = existing["client_id"]
    since = mark()
    result = provider().create(web(issuer, adopt_client_id=cid))
    assert sent(since) == [("GET", f"/{cid}", 200), ("PUT", f"/{cid}", 200)]
    now = live(issuer, cid)
    assert now["client_name"] == "ada-web"
    assert sorted(now["redirect_uris"]) == sorted(web(issuer)["redirect_uris"])
    assert sorted(now["grant_types"]) == ["authorization_code", "refresh_token"]
    assert now["response_types"] == ["code"]
    assert result.id == cid and result.outs["client_secret"] is None


def test_adopting_a_missing_client_says_which_setting_to_fix(issuer: str) -> None:
    with pytest.raises(RegistrationError) as info:
        provider().create(service(issuer, adopt_client_id="0oaNOSUCH"))
    assert info.value.status == 404
    description = (
        f"no client 0oaNOSUCH at {endpoint(issuer)}: fix clientId or drop it to register a "
        "new client"
    )
    assert str(info.value) == (
        "client registration adoption of '0oaNOSUCH' (clientId of app 'ada-batch') failed: "
        f"HTTP 404 {json.dumps({'error': 'not found', 'error_description': description})}"
    )


def test_adopting_with_a_refused_token_fails_on_the_read(issuer: str) -> None:
    existing = register(issuer, as_registered(service(issuer)))
    cid = existing["client_id"]
    since = mark()
    with pytest.raises(RegistrationError) as info:
        provider(token="not-the-token").create(service(issuer, adopt_client_id=cid))
    assert info.value.status == 401
    assert str(info.value) == f"client registration read of {cid} failed: HTTP 401 {REFUSED_TOKEN}"
    assert [m for m, _, _ in sent(since)] == ["GET"]


def test_adopting_a_client_the_issuer_will_not_change_fails_on_the_update(issuer: str) -> None:
    existing = register(issuer, as_registered(service(issuer)))  # confidential
    cid = existing["client_id"]
    public = service(issuer, token_endpoint_auth_method="none", adopt_client_id=cid)
    with pytest.raises(RegistrationError) as info:
        provider().create(public)
    assert info.value.status == 400
    assert str(info.value) == f"client registration update of {cid} failed: HTTP 400 {NO_SWITCH}"
    assert live(issuer, cid)["token_endpoint_auth_method"] == "client_secret_basic"


# -- create, read, update, delete -----------------------------------------------------------


def test_create_registers_the_stack_qualified_name_without_the_issuer(issuer: str) -> None:
    props = service(issuer, client_name="reg-1", name_suffix=SUFFIX, application_type=None)
    since = mark()
    created = provider().create(props)
    assert sent(since)[-1] == ("POST", "", 201)
    now = live(issuer, created.id)
    assert now["client_name"] == "reg-1" + SUFFIX
    assert now["redirect_uris"] == []
    assert created.outs["client_name"] == "reg-1"  # the app's name; the suffix is ours
    assert created.outs["name_suffix"] == SUFFIX
    assert created.outs["client_secret"] and created.outs["client_id"] == created.id
    assert set(created.outs) == {
        "issuer", "client_name", "grant_types", "response_types", "redirect_uris",
        "token_endpoint_auth_method", "application_type", "name_suffix", "client_id",
        "client_secret",
    }  # fmt: skip


def test_create_refused_by_the_issuer_names_the_app(issuer: str) -> None:
    bad = service(issuer, client_name="bad-app", redirect_uris=["not a uri"])
    with pytest.raises(RegistrationError) as info:
        provider().create(bad)
    assert info.value.status == 400
    assert str(info.value).startswith("client registration of 'bad-app' failed: HTTP 400 {")


def test_create_retries_an_unavailable_issuer(issuer: str) -> None:
    FAULTS.add_rule(
        {"target": "issuer", "status": 503, "methods": ["POST"], "count": 2,
         "path_prefix": "/oauth2/v1/clients"}
    )  # fmt: skip
    since = mark()
    created = provider().create(service(issuer, client_name="retried"))
    assert [s for m, _, s in sent(since) if m == "POST"] == [503, 503, 201]
    assert live(issuer, created.id)["client_name"] == "retried"


def test_an_explicit_registration_endpoint_is_used_with_or_without_a_slash(issuer: str) -> None:
    identity = json.dumps({"registrationEndpoint": endpoint(issuer) + "/", "provider": "okta"})
    created = provider(identity).create(service(issuer, client_name="explicit"))
    assert live(issuer, created.id)["client_name"] == "explicit"


def test_read_strips_the_stack_suffix_and_keeps_what_the_issuer_does_not_return(
    issuer: str,
) -> None:
    p = provider()
    props = service(issuer, client_name="reader", name_suffix=SUFFIX, redirect_uris=None)
    created = p.create(props)
    state = {**props, "client_id": created.id, "client_secret": created.outs["client_secret"]}
    read = p.read(created.id, state)
    assert read.id == created.id
    assert read.outs["client_name"] == "reader"
    assert read.outs["redirect_uris"] is None  # [] at the issuer, unset in the program
    assert read.outs["client_secret"] == created.outs["client_secret"]
    assert read.inputs == {
        **{k: read.outs[k] for k in (
            "issuer", "client_name", "grant_types", "response_types", "redirect_uris",
            "token_endpoint_auth_method", "application_type")},
        "name_suffix": SUFFIX,
    }  # fmt: skip


def test_read_without_a_suffix_keeps_the_name_and_has_no_suffix_input(issuer: str) -> None:
    p = provider()
    props = service(issuer, client_name="plain (x)")
    created = p.create(props)
    read = p.read(created.id, {**props, "client_id": created.id})
    assert read.outs["client_name"] == "plain (x)"
    assert "name_suffix" not in read.inputs
    assert read.outs["client_secret"] is None  # neither the issuer nor state has it


def test_read_of_a_deleted_client_is_gone_and_a_refused_read_fails(issuer: str) -> None:
    p = provider()
    created = p.create(service(issuer, client_name="to-delete"))
    with pytest.raises(RegistrationError) as info:
        provider(token="nope").read(created.id, service(issuer))
    assert str(info.value) == (
        f"client registration read of {created.id} failed: HTTP 401 {REFUSED_TOKEN}"
    )
    p.delete(created.id, service(issuer))
    gone = p.read(created.id, service(issuer))
    assert gone.id is None and gone.outs == {}


def test_update_puts_the_new_metadata_and_keeps_the_secret(issuer: str) -> None:
    p = provider()
    old = web(issuer, name_suffix=SUFFIX)
    created = p.create(old)
    new = web(issuer, name_suffix=SUFFIX, redirect_uris=["https://app.example.com/new"])
    since = mark()
    updated = p.update(created.id, created.outs, new)
    assert sent(since) == [("PUT", f"/{created.id}", 200)]
    now = live(issuer, created.id)
    assert now["redirect_uris"] == ["https://app.example.com/new"]
    assert now["client_name"] == "ada-web" + SUFFIX
    assert updated.outs["client_secret"] == created.outs["client_secret"]
    assert updated.outs["redirect_uris"] == ["https://app.example.com/new"]


def test_a_refused_update_names_the_client(issuer: str) -> None:
    p = provider()
    created = p.create(service(issuer, client_name="upd"))
    with pytest.raises(RegistrationError) as info:
        p.update(created.id, created.outs, service(issuer, token_endpoint_auth_method="none"))
    assert info.value.status == 400
    assert str(info.value) == (
        f"client registration update of {created.id} failed: HTTP 400 {NO_SWITCH}"
    )


def test_delete_removes_the_client_and_a_refused_delete_fails(issuer: str) -> None:
    p = provider()
    created = p.create(service(issuer, client_name="del"))
    with pytest.raises(RegistrationError) as info:
        provider(token="nope").delete(created.id, service(issuer))
    assert info.value.status == 401
    assert str(info.value) == (
        f"client registration delete of {created.id} failed: HTTP 401 {REFUSED_TOKEN}"
    )
    p.delete(created.id, service(issuer))
    with api(issuer) as http:
        assert http.get(f"{endpoint(issuer)}/{created.id}").status_code == 404
    p.delete(created.id, service(issuer))  # already gone: nothing to do


# -- check and diff (no network) ------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, "", []])
def test_check_names_every_missing_required_input(empty: Any) -> None:
    news = {"issuer": empty, "client_name": empty, "grant_types": empty, "redirect_uris": []}
    result = ClientRegistrationProvider().check({}, news)
    assert [(f.property, f.reason) for f in result.failures] == [
        ("issuer", "issuer is required"),
        ("client_name", "client_name is required"),
        ("grant_types", "grant_types is required"),
    ]
    assert result.inputs == news


def test_check_accepts_complete_inputs() -> None:
    news = service("https://id.example.com/oauth2/default")
    assert ClientRegistrationProvider().check({}, news).failures == []


def test_diff_replaces_only_for_what_the_issuer_cannot_change() -> None:
    p = ClientRegistrationProvider()
    old = web("https://id.example.com/oauth2/default")
    for key, value in (
        ("issuer", "https://other.example.com/oauth2/default"),
        ("application_type", "browser"),
        ("token_endpoint_auth_method", "client_secret_post"),
    ):
        result = p.diff("id", old, {**old, key: value})
        assert (result.changes, result.replaces) == (True, [key])
        assert result.delete_before_replace is False
    for key, value in (
        ("client_name", "renamed"),
        ("redirect_uris", ["https://app.example.com/cb"]),
        ("grant_types", ["authorization_code"]),
        ("response_types", ["code", "token"]),
    ):
        result = p.diff("id", old, {**old, key: value})
        assert (result.changes, result.replaces) == (True, []), key


def test_diff_ignores_the_order_of_lists_and_sees_unknowns() -> None:
    p = ClientRegistrationProvider()
    old = web("https://id.example.com/oauth2/default")
    reordered = {**old, "redirect_uris": list(reversed(old["redirect_uris"]))}
    reordered["grant_types"] = list(reversed(old["grant_types"]))
    assert p.diff("id", old, reordered).changes is False
    unknown = p.diff("id", old, {**old, "redirect_uris": Unknown()})
    assert (unknown.changes, unknown.replaces) == (True, [])
    unknown_issuer = p.diff("id", old, {**old, "issuer": Unknown()})
    assert unknown_issuer.replaces == ["issuer"]


# -- settings -------------------------------------------------------------------------------


def test_missing_token_is_refused_before_any_request(
    issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IDENTITY_API_TOKEN", raising=False)
    since = mark()
    with pytest.raises(RegistrationError) as info:
        provider(token=None).create(service(issuer))
    assert str(info.value) == (
        'client registration setup failed: HTTP 0 {"error": "missing token", '
        '"error_description": "set `pulumi config set --secret '
        'kong-okta-portal:identityApiToken ...` or IDENTITY_API_TOKEN"}'
    )
    assert sent(since) == []


def test_the_environment_token_is_used_when_config_has_none(
    issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDENTITY_API_TOKEN", TOKEN)
    created = provider(token=None).create(service(issuer, client_name="env-token"))
    assert live(issuer, created.id)["client_name"] == "env-token"


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ('{"registrationEndpoint": "ftp://x"}',
         "`kong-okta-portal:identity.registrationEndpoint` = 'ftp://x': expected an absolute "
         "http(s) URL for the identity provider"),
        ('{"timeoutSeconds": 0}',
         "`kong-okta-portal:identity.timeoutSeconds` = 0: expected Input should be greater "
         "than 0"),
        ("{not json",
         "`kong-okta-portal:identity` must be a JSON object, got unparsable text "
         "(Expecting property name enclosed in double quotes)"),
    ],
)  # fmt: skip
def test_bad_identity_settings_are_refused_with_the_key_and_value(
    issuer: str, identity: str, message: str
) -> None:
    since = mark()
    with pytest.raises(RegistrationError) as info:
        provider(identity).create(service(issuer))
    assert str(info.value) == (
        "client registration setup failed: HTTP 0 "
        + json.dumps({"error": "invalid settings", "error_description": message})
    )
    assert sent(since) == []


def test_a_corrected_setting_clears_the_earlier_error(issuer: str) -> None:
    p = provider('{"registrationEndpoint": "ftp://x"}')
    p.configure(
        ConfigureRequest(Config({"kong-okta-portal:identityApiToken": TOKEN}, "kong-okta-portal"))
    )
    created = p.create(service(issuer, client_name="fixed"))
    assert live(issuer, created.id)["client_name"] == "fixed"


# -- the error itself -------------------------------------------------------------------------


def test_registration_error_keeps_the_error_fields_and_nothing_else() -> None:
    body = {
        "error": "invalid_client_metadata",
        "error_description": "bad uri",
        "errorCode": "E0000001",
        "errorSummary": "Api validation failed",
        "errorCauses": [{"errorSummary": "x"}],
        "client_secret": "s3cr3t",
        "errorId": "oae123",
    }
    exc = RegistrationError("update of 0oa1", 400, body)
    assert exc.status == 400
    assert str(exc) == (
        "client registration update of 0oa1 failed: HTTP 400 "
        '{"error": "invalid_client_metadata", "error_description": "bad uri", '
        '"errorCode": "E0000001", "errorSummary": "Api validation failed", '
        '"errorCauses": [{"errorSummary": "x"}]}'
    )
    assert str(RegistrationError("delete of x", 500, "<html>")) == (
        "client registration delete of x failed: HTTP 500"
    )
    assert str(RegistrationError("read of x", 502, None)) == (
        "client registration read of x failed: HTTP 502"
    )


# -- what reaches the wire, and servers other than the sandbox ---------------------------------


ISSUER_URL = "https://id.example.com/oauth2/default"
CLIENTS = "https://id.example.com/oauth2/v1/clients"


def json_answer(status: int, body: Any) -> Any:
    return lambda request: httpx.Response(status, json=body)


def test_requests_carry_the_token_json_and_the_connection_settings(
    wire: dict[str, Any], tmp_path: Any
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    for identity, tls in (
        (None, (True, None)),
        ('{"tlsVerify": false}', (False, None)),
        (json.dumps({"caBundle": str(bundle), "tlsVerify": False}), (True, str(bundle))),
    ):
        wire["server"] = Recorder(json_answer(204, None))
        wire["transport"].clear()
        provider(identity).delete("0oa1", service(ISSUER_URL))
        (request,) = wire["server"].requests
        assert (request.method, str(request.url)) == ("DELETE", f"{CLIENTS}/0oa1")
        assert request.headers["Authorization"] == f"SSWS {TOKEN}"
        assert request.headers["Accept"] == "application/json"
        assert wire["transport"] == [tls]
    wire["server"] = Recorder(json_answer(204, None))
    provider('{"timeoutSeconds": 7.5}').delete("0oa1", service(ISSUER_URL))
    timeout = wire["server"].requests[0].extensions["timeout"]
    assert timeout == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}


@pytest.mark.parametrize("status", [200, 202, 204, 404])
def test_delete_accepts_every_answer_that_means_gone(wire: dict[str, Any], status: int) -> None:
    wire["server"] = Recorder(json_answer(status, {}))
    provider().delete("0oa1", service(ISSUER_URL))
    assert len(wire["server"].requests) == 1


def test_listing_asks_for_the_name_and_removes_only_exact_matches(wire: dict[str, Any]) -> None:
    name = "zed" + SUFFIX
    listed = [
        {"client_id": "0oaA", "client_name": name},
        {"client_id": "0oaB", "client_name": name + " copy"},
        "not a client",
        {"client_id": "0oaC", "client_name": "zed"},
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=listed)
        if request.method == "POST":
            return httpx.Response(201, json={"client_id": "0oaNEW", "client_secret": "s"})
        return httpx.Response(204)

    wire["server"] = Recorder(answer)
    provider().create(service(ISSUER_URL, client_name="zed", name_suffix=SUFFIX))
    calls = [(r.method, r.url.path, dict(r.url.params)) for r in wire["server"].requests]
    assert calls == [
        ("GET", "/oauth2/v1/clients", {"limit": "200", "q": name}),
        ("DELETE", "/oauth2/v1/clients/0oaA", {}),
        ("POST", "/oauth2/v1/clients", {}),
    ]


def test_a_listing_the_server_refuses_removes_nothing(wire: dict[str, Any]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(403, json=[{"client_id": "0oaA", "client_name": "zed" + SUFFIX}])
        return httpx.Response(201, json={"client_id": "0oaNEW"})

    wire["server"] = Recorder(answer)
    created = provider().create(service(ISSUER_URL, client_name="zed", name_suffix=SUFFIX))
    assert [r.method for r in wire["server"].requests] == ["GET", "POST"]
    assert created.id == "0oaNEW" and created.outs["client_secret"] is None


def test_read_takes_a_secret_the_server_shows_and_keeps_what_it_omits(
    wire: dict[str, Any],
) -> None:
    answer = {"client_id": "0oa1", "client_name": "ada-batch", "client_secret": "rotated",
              "issuer": "https://elsewhere.example.com"}  # fmt: skip
    wire["server"] = Recorder(json_answer(200, answer))
    state = {**service(ISSUER_URL), "client_id": "0oa1", "client_secret": "old"}
    read = provider().read("0oa1", state)
    assert read.outs["client_secret"] == "rotated"
    # fields the answer omits keep the stack's values
    assert read.outs["application_type"] == "service"
    assert read.outs["grant_types"] == ["client_credentials"]
    assert read.outs["issuer"] == ISSUER_URL


def test_a_server_answering_with_no_object_is_a_failure(wire: dict[str, Any]) -> None:
    wire["server"] = Recorder(json_answer(200, ["not", "an", "object"]))
    with pytest.raises(RegistrationError) as info:
        provider().read("0oa1", service(ISSUER_URL))
    assert str(info.value) == "client registration read of 0oa1 failed: HTTP 200"
    with pytest.raises(RegistrationError) as info:
        provider().update("0oa1", service(ISSUER_URL), service(ISSUER_URL))
    assert str(info.value) == "client registration update of 0oa1 failed: HTTP 200"
    with pytest.raises(RegistrationError) as info:
        provider().create(service(ISSUER_URL))
    assert str(info.value) == "client registration of 'ada-batch' failed: HTTP 200"
    wire["server"] = Recorder(lambda request: httpx.Response(200, text="<html>"))
    with pytest.raises(RegistrationError) as info:
        provider().create(service(ISSUER_URL, adopt_client_id="0oa1"))
    assert str(info.value) == "client registration read of 0oa1 failed: HTTP 200"


# -- refresh: redirect URIs changed by hand ----------------------------------------------------


@pytest.mark.parametrize(
    ("in_state", "at_issuer", "read_back"),
    [
        (None, [], None),  # never set: no drift
        ([], [], []),
        (["https://app.example.com/cb"], [], []),  # removed by hand: drift
        (None, ["https://app.example.com/x"], ["https://app.example.com/x"]),  # added by hand
        (["https://app.example.com/cb"], ["https://app.example.com/x"],
         ["https://app.example.com/x"]),
    ],
)  # fmt: skip
def test_read_reports_redirect_uris_changed_by_hand(
    wire: dict[str, Any], in_state: Any, at_issuer: list[str], read_back: Any
) -> None:
    answer = {"client_id": "0oa1", "client_name": "ada-web", "redirect_uris": at_issuer}
    wire["server"] = Recorder(json_answer(200, answer))
    read = provider().read("0oa1", {**web(ISSUER_URL), "redirect_uris": in_state})
    assert read.outs["redirect_uris"] == read_back
    assert read.inputs["redirect_uris"] == read_back


# -- a lost registration response next to someone else's client -------------------------------


def _lose_next_post() -> None:
    FAULTS.add_rule(
        {"target": "issuer", "drop": True, "methods": ["POST"],
         "path_prefix": "/oauth2/v1/clients", "count": 1}
    )  # fmt: skip


def _named_now(issuer: str, name: str) -> list[dict[str, Any]]:
    listed = every_item(endpoint(issuer), {"Authorization": f"SSWS {TOKEN}"}, {"q": name})
    return [c for c in listed if c["client_name"] == name]


def test_a_lost_response_beside_a_same_named_client_never_deletes_that_client(
    issuer: str,
) -> None:
    """Two clients fit the lost registration (same name, grants, time): which one is ours
    cannot be told, so neither is deleted; the registration is made again."""
    theirs = register(issuer, as_registered(service(issuer, client_name="twin")))
    _lose_next_post()
    created = provider().create(service(issuer, client_name="twin"))
    ids = {c["client_id"] for c in _named_now(issuer, "twin")}
    assert theirs["client_id"] in ids and created.id in ids
    assert len(ids) == 3  # theirs, the orphan we could not tell apart, ours


def test_a_lost_response_beside_a_client_with_other_grants_removes_only_the_orphan(
    issuer: str,
) -> None:
    theirs = register(issuer, as_registered(web(issuer, client_name="cousin")))
    _lose_next_post()
    created = provider().create(service(issuer, client_name="cousin"))
    ids = {c["client_id"] for c in _named_now(issuer, "cousin")}
    assert ids == {theirs["client_id"], created.id}


def test_a_replacing_put_names_the_client_it_replaces(wire: dict[str, Any]) -> None:
    """RFC 7592 (and Okta) want the client's id in the body of the PUT that replaces it."""
    differing = {"client_id": "0oa1", "client_name": "old-name", "grant_types": ["implicit"]}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=differing)
        return httpx.Response(200, json=json.loads(request.content))

    wire["server"] = Recorder(answer)
    props = service(ISSUER_URL, adopt_client_id="0oa1")
    provider().create(props)
    provider().update("0oa1", service(ISSUER_URL), service(ISSUER_URL, client_name="new"))
    bodies = [json.loads(r.content) for r in wire["server"].requests if r.method == "PUT"]
    metadata = {
        "client_name": "ada-batch",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "application_type": "service",
    }
    assert bodies == [
        {"client_id": "0oa1", **metadata},
        {"client_id": "0oa1", **metadata, "client_name": "new"},
    ]


def test_an_update_records_a_secret_the_server_rotated(wire: dict[str, Any]) -> None:
    wire["server"] = Recorder(json_answer(200, {"client_id": "0oa1", "client_secret": "new"}))
    state = {**service(ISSUER_URL), "client_secret": "old"}
    updated = provider().update("0oa1", state, service(ISSUER_URL, client_name="renamed"))
    assert updated.outs["client_secret"] == "new"
    wire["server"] = Recorder(json_answer(200, {"client_id": "0oa1"}))
    kept = provider().update("0oa1", state, service(ISSUER_URL, client_name="renamed"))
    assert kept.outs["client_secret"] == "old"
