"""verify's verdicts from stack outputs, with a fake proxy (httpx.MockTransport)."""

from __future__ import annotations

import base64
import json

import httpx

from verify.check import render, run_checks

SECRET = "s3cret-value-never-printed"


def _token(claims: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.sig-never-printed"


OUTPUTS = {
    "issuer": "http://idp.test/oauth2/default",
    "tokenEndpoint": "http://idp.test/oauth2/default/v1/token",
    "scopes": ["portal_api"],
    "claimName": "application_id",
    "services": {
        "orders": {"proxyUrl": "http://kong.test/orders", "method": "GET", "host": None},
        "billing": {"proxyUrl": "http://kong.test/billing", "method": "GET", "host": None},
    },
    "apps": {
        "ada": {
            "clientId": "cid-ada",
            "flow": "client_credentials",
            "access": {"orders": "approved", "billing": "pending"},
        },
        "spa": {"clientId": "cid-spa", "flow": "implicit", "access": {"orders": "approved"}},
    },
    "clientSecrets": {"ada": SECRET, "spa": None},
}


def fake_fetcher(claims: dict):
    def fetch(endpoint, client_id, secret, scopes, **_kw):  # type: ignore[no-untyped-def]
        assert (endpoint, client_id, secret, scopes) == (
            OUTPUTS["tokenEndpoint"],
            "cid-ada",
            SECRET,
            ["portal_api"],
        )
        return _token(claims)

    return fetch


def proxy(grants: dict[str, int]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if "authorization" not in request.headers:
            return httpx.Response(401, json={"message": "Unauthorized"})
        return httpx.Response(grants[request.url.path], json={})

    return httpx.MockTransport(handle)


def test_all_pass_when_kong_answers_as_contracted() -> None:
    rows = run_checks(
        OUTPUTS,
        transport=proxy({"/orders": 200, "/billing": 403}),
        token_fetcher=fake_fetcher({"application_id": "cid-ada"}),
    )
    assert [(r.app, r.service, r.ok) for r in rows] == [
        ("(no token)", "billing", True),
        ("(no token)", "orders", True),
        ("ada", "(claim application_id)", True),
        ("ada", "billing", True),
        ("ada", "orders", True),
        ("spa", "(all)", True),
    ]
    table = render(rows)
    assert "5/5 checks passed; not checked (no test user): spa" in table
    assert SECRET not in table and "never-printed" not in table


def test_pending_contract_that_gets_through_is_a_failure() -> None:
    rows = run_checks(
        OUTPUTS,
        transport=proxy({"/orders": 200, "/billing": 200}),
        token_fetcher=fake_fetcher({"application_id": "cid-ada"}),
    )
    failed = [(r.app, r.service, r.got) for r in rows if not r.ok]
    assert failed == [("ada", "billing", "200")]
    assert "1 FAILED" in render(rows)


def test_wrong_claim_is_a_failure() -> None:
    rows = run_checks(
        OUTPUTS,
        transport=proxy({"/orders": 200, "/billing": 403}),
        token_fetcher=fake_fetcher({"application_id": "someone-else"}),
    )
    (claim,) = [r for r in rows if r.service.startswith("(claim")]
    assert not claim.ok and claim.got == "differs"


def test_token_error_is_a_failure_without_the_secret() -> None:
    def refuse(*_a, **_kw):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"invalid_client for {SECRET}")

    rows = run_checks(OUTPUTS, transport=proxy({}), token_fetcher=refuse)
    (tok,) = [r for r in rows if r.service == "(token)"]
    assert not tok.ok
    assert SECRET not in render(rows)
