"""The RFC 7591 provider against the sandbox issuer over real HTTP (uvicorn on a free port)."""

from __future__ import annotations

from collections.abc import Iterator

import dill
import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from providers.dcr import ClientRegistrationProvider, RegistrationError
from sandbox.faults import FaultController, FaultInjector
from sandbox.issuer.app import create_issuer_app
from sandbox.issuer.paging import every_item
from sandbox.issuer.settings import IssuerSettings
from tests.sandbox_flow.servers import serve

TOKEN = "test-idp-token"


FAULTS = FaultController()


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    app = FaultInjector(
        create_issuer_app(IssuerSettings.build(idp_api_token=TOKEN)), FAULTS, target="issuer"
    )
    with serve(app) as base:
        yield f"{base}/oauth2/default"


def provider(identity: str = "{}", token: str | None = TOKEN) -> ClientRegistrationProvider:
    p = ClientRegistrationProvider()
    raw = {"kong-okta-portal:identity": identity}
    if token is not None:
        raw["kong-okta-portal:identityApiToken"] = token
    p.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
    return p


def props(issuer: str, **over: object) -> dict:
    base = {
        "issuer": issuer,
        "client_name": "ada-batch",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "application_type": "service",
    }
    base.update(over)
    return base


def token_for(issuer: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        f"{issuer}/v1/token",
        data={"grant_type": "client_credentials", "scope": "portal_api"},
        auth=(client_id, secret),
    )


def test_created_client_gets_a_token(issuer: str) -> None:
    p = provider()
    created = p.create(props(issuer))
    assert created.outs["client_id"] == created.id
    assert created.outs["client_secret"]
    resp = token_for(issuer, created.id, created.outs["client_secret"])
    assert resp.status_code == 200, resp.text
    p.delete(created.id, created.outs)


def test_no_change_diff_and_input_change_diff(issuer: str) -> None:
    p = provider()
    created = p.create(props(issuer))
    same = p.diff(created.id, created.outs, props(issuer))
    assert same.changes is False
    changed = p.diff(created.id, created.outs, props(issuer, client_name="ada-batch-2"))
    assert changed.changes is True and changed.replaces == []
    replaced = p.diff(
        created.id, created.outs, props(issuer, token_endpoint_auth_method="client_secret_post")
    )
    assert replaced.replaces == ["token_endpoint_auth_method"]
    p.delete(created.id, created.outs)


def test_update_renames_in_place_and_keeps_the_secret(issuer: str) -> None:
    p = provider()
    created = p.create(props(issuer))
    updated = p.update(created.id, created.outs, props(issuer, client_name="ada-renamed"))
    assert updated.outs["client_name"] == "ada-renamed"
    assert updated.outs["client_secret"] == created.outs["client_secret"]
    read = p.read(created.id, updated.outs)
    assert read.outs["client_name"] == "ada-renamed"
    assert token_for(issuer, created.id, created.outs["client_secret"]).status_code == 200
    p.delete(created.id, updated.outs)


def test_refresh_reports_out_of_band_change_and_deletion(issuer: str) -> None:
    p = provider()
    created = p.create(props(issuer))
    body = {k: v for k, v in props(issuer, client_name="changed-by-hand").items() if k != "issuer"}
    body.pop("redirect_uris")
    endpoint = issuer.rsplit("/oauth2/", 1)[0] + "/oauth2/v1/clients"
    put = httpx.put(
        f"{endpoint}/{created.id}", json=body, headers={"Authorization": f"SSWS {TOKEN}"}
    )
    assert put.status_code == 200, put.text
    read = p.read(created.id, created.outs)
    assert read.inputs["client_name"] == "changed-by-hand"
    assert p.diff(created.id, read.outs, props(issuer)).changes is True
    p.delete(created.id, created.outs)
    gone = p.read(created.id, created.outs)
    assert gone.id is None
    p.delete(created.id, created.outs)  # already gone is success


def test_wrong_token_fails_without_echoing_it(issuer: str) -> None:
    p = provider(token="wrong-token-value")
    with pytest.raises(RegistrationError) as info:
        p.create(props(issuer))
    assert info.value.status == 401
    assert "wrong-token-value" not in str(info.value)


def test_missing_token_says_how_to_set_it(issuer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDENTITY_API_TOKEN", raising=False)
    with pytest.raises(RegistrationError, match="identityApiToken"):
        provider(token=None).create(props(issuer))


def test_env_fallback_and_explicit_endpoint(issuer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_API_TOKEN", TOKEN)
    endpoint = issuer.rsplit("/oauth2/", 1)[0] + "/oauth2/v1/clients"
    p = provider(identity=f'{{"registrationEndpoint": "{endpoint}"}}', token=None)
    created = p.create(props(issuer))
    assert created.id
    p.delete(created.id, created.outs)


def test_pickled_provider_holds_no_settings() -> None:
    blob = dill.dumps(ClientRegistrationProvider(), recurse=True)
    assert TOKEN.encode() not in blob
    assert b"127.0.0.1" not in blob


def test_lost_registration_response_leaves_exactly_one_client(issuer: str) -> None:
    endpoint = issuer.rsplit("/oauth2/", 1)[0] + "/oauth2/v1/clients"
    auth = {"Authorization": f"SSWS {TOKEN}"}
    before = {c["client_id"] for c in every_item(endpoint, auth)}
    FAULTS.add_rule(
        {
            "target": "issuer",
            "drop": True,
            "methods": ["POST"],
            "path_prefix": "/oauth2/v1/clients",
            "count": 1,
        }
    )
    try:
        p = provider()
        created = p.create(props(issuer, client_name="lossy"))
    finally:
        FAULTS.clear_rules()
    posts = [r for r in FAULTS.requests("issuer")["requests"] if r["method"] == "POST"]
    # one registration dropped after it was stored, one answered
    assert sorted(bool(r["fault"]) for r in posts[-2:]) == [False, True]
    after = [c for c in every_item(endpoint, auth) if c["client_id"] not in before]
    assert [c["client_id"] for c in after] == [created.id]
    assert token_for(issuer, created.id, created.outs["client_secret"]).status_code == 200
    p.delete(created.id, created.outs)


def test_registrations_share_one_tls_context(issuer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from providers import connections as tls

    built: list[tuple[bool, str | None]] = []
    real_build = tls._build
    monkeypatch.setattr(tls, "_build", lambda *key: built.append(key) or real_build(*key))
    tls.clear()
    p = provider()
    created = [p.create(props(issuer, client_name=f"shared-tls-{i}")) for i in range(3)]
    for c in created:
        assert p.read(c.id, c.outs).id == c.id
        p.delete(c.id, c.outs)
    # 9 requests, one CA bundle load (a client per request used to load it every time)
    assert built == [(True, None)]


SUFFIX = " (kong-okta-portal/test)"


def _named(issuer: str, name: str) -> list[dict]:
    endpoint = issuer.split("/oauth2/")[0] + "/oauth2/v1/clients"
    listed = every_item(endpoint, {"Authorization": f"SSWS {TOKEN}"}, {"q": name})
    return [c for c in listed if c["client_name"] == name]


def test_a_killed_runs_unrecorded_client_is_replaced_not_duplicated(issuer: str) -> None:
    """The client a killed `up` registered (its response never recorded) is removed by the
    next run's create of the same resource, so one client remains; another stack's client
    with the same app name is left alone."""
    other_stack = provider().create(props(issuer, client_name="zoe", name_suffix=" (other/prod)"))
    killed_run = provider().create(props(issuer, client_name="zoe", name_suffix=SUFFIX))
    # the next run: a new provider process, nothing in state for this resource
    recovered = provider().create(props(issuer, client_name="zoe", name_suffix=SUFFIX))
    assert [c["client_id"] for c in _named(issuer, "zoe" + SUFFIX)] == [recovered.id]
    assert recovered.id != killed_run.id
    assert [c["client_id"] for c in _named(issuer, "zoe (other/prod)")] == [other_stack.id]
    assert recovered.outs["client_name"] == "zoe"
    read = provider().read(recovered.id, recovered.outs)
    assert read.outs["client_name"] == "zoe"  # the suffix is ours, not drift
    assert (
        not provider()
        .diff(recovered.id, read.outs, props(issuer, client_name="zoe", name_suffix=SUFFIX))
        .changes
    )
    for created in (other_stack, recovered):
        provider().delete(created.id, created.outs)


def test_recovery_reads_every_page_of_a_shared_prefix(issuer: str) -> None:
    """Okta's `?q=` matches a prefix and answers 200 clients a page: the client a killed run
    left behind is found even behind 200 others whose names start the same way."""
    endpoint = issuer.split("/oauth2/")[0] + "/oauth2/v1/clients"
    name = "pat" + SUFFIX
    for i in range(201):  # "pat (kong-okta-portal/test)-0" ... sort before the orphan
        r = httpx.post(
            endpoint,
            json={"client_name": f"{name}-{i}", "grant_types": ["client_credentials"]},
            headers={"Authorization": f"SSWS {TOKEN}"},
        )
        assert r.status_code == 201, r.text
    killed_run = provider().create(props(issuer, client_name="pat", name_suffix=SUFFIX))
    recovered = provider().create(props(issuer, client_name="pat", name_suffix=SUFFIX))
    assert recovered.id != killed_run.id
    assert [c["client_id"] for c in _named(issuer, name)] == [recovered.id]


def test_a_big_run_reads_the_list_once_and_still_finds_every_leftover(
    issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SEARCHES_BEFORE_LIST creates in one provider process, one read of the issuer's
    list answers the look-ups for a killed run's leftovers: far fewer GETs, and a leftover
    whose resource comes after the switch is still replaced, not duplicated."""
    from providers.dcr import SEARCHES_BEFORE_LIST

    total = SEARCHES_BEFORE_LIST + 30
    names = [f"big-{i:03d}" for i in range(total)]
    # a killed run registered the first two and the last two, and recorded none of them
    killed = {n: provider().create(props(issuer, client_name=n, name_suffix=SUFFIX)).id
              for n in (names[0], names[1], names[-2], names[-1])}  # fmt: skip
    p = provider()  # the next run: one process
    gets: list[str] = []
    send = p._send

    def counting(method: str, url: str, *args: object, **kwargs: object) -> httpx.Response:
        if method == "GET":
            gets.append(url)
        return send(method, url, *args, **kwargs)

    monkeypatch.setattr(p, "_send", counting)
    created = {n: p.create(props(issuer, client_name=n, name_suffix=SUFFIX)).id for n in names}
    assert len(gets) < SEARCHES_BEFORE_LIST + 5  # was one search per create: `total`
    for name in names:
        assert [c["client_id"] for c in _named(issuer, name + SUFFIX)] == [created[name]]
    assert not set(killed.values()) & set(created.values())
