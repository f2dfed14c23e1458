"""The sandbox issuer's Okta-style headless sign-in: `/api/v1/authn`, then `sessionToken`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.verify.conftest import SPA_REDIRECT, Portal
from verify.check import render, run_checks
from verify.user_flows import AuthorizeRequest


def authn_url(portal: Portal) -> str:
    issuer = urlsplit(portal.outputs["issuer"])
    return f"{issuer.scheme}://{issuer.netloc}/api/v1/authn"


def authn(portal: Portal, body: object) -> httpx.Response:
    return httpx.post(authn_url(portal), json=body)


def authorize(portal: Portal, client_id: str, **extra: str) -> dict[str, list[str]]:
    request = AuthorizeRequest()
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid portal_api",
        "redirect_uri": SPA_REDIRECT,
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": create_s256_code_challenge(request.code_verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    resp = httpx.get(f"{portal.outputs['issuer']}/v1/authorize", params=params)
    assert resp.status_code == 302, resp.text
    location = urlsplit(resp.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == SPA_REDIRECT
    return parse_qs(location.query)


def test_authn_gives_a_session_token_for_the_test_user(portal: Portal) -> None:
    assert portal.user.username == "developer@example.com"  # the default --test-user
    resp = authn(portal, {"username": portal.user.username, "password": portal.user.password})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "SUCCESS"
    assert body["sessionToken"]
    assert body["_embedded"]["user"]["profile"]["login"] == portal.user.username
    assert body["_embedded"]["user"]["id"].startswith("00u")


def test_authn_refuses_bad_credentials_as_okta_does(portal: Portal) -> None:
    wrong = authn(portal, {"username": portal.user.username, "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["errorCode"] == "E0000004"
    assert wrong.json()["errorSummary"] == "Authentication failed"
    stranger = authn(portal, {"username": "eve@example.com", "password": portal.user.password})
    assert stranger.status_code == 401
    malformed = httpx.post(authn_url(portal), content=b"{not json")
    assert malformed.status_code == 400
    assert malformed.json()["errorCode"] == "E0000003"


def test_prompt_none_needs_a_session_and_a_session_token_works_once(portal: Portal) -> None:
    spa = portal.add_app("grace-spa", "browser", {"orders": "approved"})
    no_session = authorize(portal, spa["client_id"], prompt="none")
    assert no_session["error"] == ["login_required"]
    assert no_session["state"] == ["st-1"]

    token = authn(
        portal, {"username": portal.user.username, "password": portal.user.password}
    ).json()["sessionToken"]
    signed_in = authorize(portal, spa["client_id"], prompt="none", sessionToken=token)
    assert "code" in signed_in and signed_in["state"] == ["st-1"]
    replayed = authorize(portal, spa["client_id"], prompt="none", sessionToken=token)
    assert replayed["error"] == ["login_required"]

    # interactive (no prompt=none): the sandbox still signs its test user in without a form
    assert "code" in authorize(portal, spa["client_id"])


def test_the_sandbox_serves_the_code_flow_only_and_verify_says_so(portal: Portal) -> None:
    portal.add_app("old-spa", "implicit", {"orders": "approved"})
    rows = run_checks(portal.outputs, user=portal.user)
    (row,) = [r for r in rows if r.app == "old-spa"]
    assert (row.flow, row.service, row.got) == (
        "implicit",
        "(authorize)",
        "error=unsupported_response_type",
    )
    assert "FAIL old-spa at authorize: the redirect to http://localhost:5173/callback" in render(
        rows
    )
