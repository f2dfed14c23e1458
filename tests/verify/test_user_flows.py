"""verify's authorization-code flows against the sandbox over real HTTP: headless sign-in of the
test user, authorize with PKCE, the code exchanged, the claim checked, calls through Kong."""

from __future__ import annotations

import httpx
import pytest

from tests.verify.conftest import SPA_REDIRECT, Portal
from verify.check import render, run_checks
from verify.user_flows import (
    AuthorizeRequest,
    BrowserApp,
    FlowError,
    SignInUser,
    authorize,
    exchange_code,
    session_token,
)

REVOKED = 3


def summary(rows: list) -> list[tuple[str, str, str, str, bool]]:
    return [(r.app, r.flow, r.service, r.got, r.ok) for r in rows if r.app != "(no token)"]


def issuer_requests(portal: Portal) -> list[tuple[str, str]]:
    log = portal.admin.get("/_sandbox/requests", params={"target": "issuer"}).json()
    return [(r["method"], r["path"].split("?")[0]) for r in log["requests"]]


def test_web_app_and_pkce_spa_pass(portal: Portal) -> None:
    portal.add_app("ada-batch", "service", {"orders": "approved"})
    web_client = portal.add_app("ada-portal", "web", {"orders": "approved", "billing": "approved"})
    spa_client = portal.add_app("grace-spa", "browser", {"orders": "approved"})
    assert "client_secret" in web_client and "client_secret" not in spa_client

    rows = run_checks(portal.outputs, user=portal.user)

    web, spa = "authorization_code/confidential", "authorization_code/public"
    assert summary(rows) == [
        ("ada-batch", "client_credentials", "(claim application_id)", "= client_id", True),
        ("ada-batch", "client_credentials", "billing", "403", True),
        ("ada-batch", "client_credentials", "orders", "200", True),
        ("ada-portal", web, "(authorize)", "code -> token", True),
        ("ada-portal", web, "(claim application_id)", "= client_id", True),
        ("ada-portal", web, "billing", "200", True),
        ("ada-portal", web, "orders", "200", True),
        ("grace-spa", spa, "(authorize)", "code -> token", True),
        ("grace-spa", spa, "(claim application_id)", "= client_id", True),
        ("grace-spa", spa, "billing", "403", True),
        ("grace-spa", spa, "orders", "200", True),
    ]
    table = render(rows)
    assert "13/13 checks passed" in table and "FAIL" not in table
    assert portal.user.password not in table and web_client["client_secret"] not in table
    # each user flow went through Okta's headless sign-in, then authorize and token
    calls = issuer_requests(portal)
    assert calls.count(("POST", "/api/v1/authn")) == 2
    assert calls.count(("GET", "/oauth2/default/v1/authorize")) == 2


def test_redirect_uri_mismatch_fails_at_authorize(portal: Portal) -> None:
    # the stack says one redirect URI; the issuer has another registered (edited by hand)
    portal.add_app(
        "ada-portal",
        "web",
        {"orders": "approved"},
        exported_redirect="http://localhost:3000/elsewhere",
    )
    rows = run_checks(portal.outputs, user=portal.user)
    (row,) = [r for r in rows if r.app == "ada-portal"]
    assert (row.service, row.got, row.ok) == ("(authorize)", "HTTP 400 invalid_request", False)
    assert "must be a Login redirect URI" in row.detail
    assert "http://localhost:3000/elsewhere" in row.detail
    assert "FAIL ada-portal at authorize:" in render(rows)


def test_public_client_without_a_verifier_is_refused(portal: Portal) -> None:
    spa = portal.add_app("grace-spa", "browser", {"orders": "approved"})
    app = BrowserApp("grace-spa", spa["client_id"], "authorization_code", SPA_REDIRECT, True)
    issuer = portal.outputs["issuer"]
    endpoint = f"{issuer}/v1/authorize"
    with httpx.Client(timeout=10) as client:
        # no code_challenge at all: the issuer refuses at the redirect
        with pytest.raises(FlowError) as no_challenge:
            authorize(
                client,
                endpoint,
                app,
                ["portal_api"],
                session_token(client, issuer, portal.user),
                AuthorizeRequest(),
                pkce=False,
            )
        assert no_challenge.value.step == "authorize"
        assert no_challenge.value.got == "error=invalid_request"
        assert "PKCE code challenge is required" in no_challenge.value.detail

        # a challenge, but the code exchanged without its verifier: the token endpoint refuses
        request = AuthorizeRequest()
        found = authorize(
            client,
            endpoint,
            app,
            ["portal_api"],
            session_token(client, issuer, portal.user),
            request,
        )
        with pytest.raises(FlowError) as no_verifier:
            exchange_code(client, portal.outputs["tokenEndpoint"], app, found["code"], None)
    assert no_verifier.value.step == "token"
    assert no_verifier.value.got == "HTTP 400 invalid_request"
    assert "PKCE code verifier is required" in no_verifier.value.detail


def test_revoked_contract_gives_403(portal: Portal) -> None:
    portal.add_app("ada-portal", "web", {"orders": "approved", "billing": "approved"})
    rows = run_checks(portal.outputs, user=portal.user)
    assert rows and all(r.ok for r in rows)

    portal.set_contract("ada-portal", "orders", REVOKED)
    rows = run_checks(portal.outputs, user=portal.user)
    failed = [(r.app, r.service, r.expected, r.got) for r in rows if not r.ok]
    assert failed == [("ada-portal", "orders", "200 (approved)", "403")]
    assert "FAIL ada-portal at orders: expected 200 (approved), got 403" in render(rows)


def test_wrong_password_fails_at_sign_in(portal: Portal) -> None:
    portal.add_app("ada-portal", "web", {"orders": "approved"})
    wrong = SignInUser(portal.user.username, "not-the-password")
    rows = run_checks(portal.outputs, user=wrong)
    (row,) = [r for r in rows if r.app == "ada-portal"]
    assert (row.service, row.got, row.ok) == ("(sign-in)", "HTTP 401 E0000004", False)
    assert "Authentication failed" in row.detail and portal.user.username in row.detail
    assert "not-the-password" not in render(rows)


def test_without_a_user_browser_apps_are_listed_not_checked(portal: Portal) -> None:
    portal.add_app("ada-batch", "service", {"orders": "approved"})
    portal.add_app("ada-portal", "web", {"orders": "approved"})
    portal.add_app("grace-spa", "browser", {"orders": "approved"})
    rows = run_checks(portal.outputs, user=None)
    skipped = [(r.app, r.skipped) for r in rows if r.skipped]
    assert skipped == [("ada-portal", True), ("grace-spa", True)]
    assert rows and all(r.ok for r in rows)  # not a failure unless --require-all-flows
    table = render(rows)
    assert "5/5 checks passed; not checked (no test user): ada-portal, grace-spa" in table
    assert "SKIP" in table
    assert ("POST", "/api/v1/authn") not in issuer_requests(portal)
