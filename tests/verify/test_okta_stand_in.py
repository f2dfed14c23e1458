"""verify's user flows against a small Okta stand-in (httpx.MockTransport), for what the sandbox
cannot show: the implicit flow (the sandbox answers `code` only), an issuer that redirects
elsewhere or drops the state, a sign-in that wants MFA, an ID token with another nonce.

The stand-in follows Okta's documented shapes: `/api/v1/authn` -> `{status, sessionToken}`,
`/v1/authorize` -> 302 to the redirect URI (query for code, fragment for tokens).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from verify.check import render, run_checks
from verify.user_flows import SignInUser

ISSUER = "https://org.okta.test/oauth2/default"
REDIRECT = "https://app.test/callback"
PASSWORD = "pw-never-printed"
SECRET = "secret-never-printed"


def jwt(claims: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.sig"


def outputs(flow: str, method: str = "none") -> dict:
    return {
        "issuer": ISSUER,
        "tokenEndpoint": f"{ISSUER}/v1/token",
        "scopes": ["portal_api"],
        "claimName": "application_id",
        "services": {"orders": {"proxyUrl": "https://kong.test/orders", "method": "GET"}},
        "apps": {
            "app": {
                "clientId": "cid-app",
                "flow": flow,
                "access": {"orders": "approved"},
                "redirectUris": [REDIRECT],
                "tokenEndpointAuthMethod": method,
            }
        },
        "clientSecrets": {"app": SECRET if method != "none" else None},
    }


class StandIn:
    """Okta as documented, with one knob per misbehaviour."""

    def __init__(self, **quirks: object) -> None:
        self.quirks = quirks
        self.seen: list[tuple[str, dict]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host == "kong.test":
            if request.headers.get("authorization") != "Bearer " + self.quirks.get(
                "expected_token", "AT"
            ):
                return httpx.Response(401)
            return httpx.Response(200, json={})
        if url.path == "/oauth2/default/.well-known/openid-configuration":
            return httpx.Response(200, json={"authorization_endpoint": f"{ISSUER}/v1/authorize"})
        if url.path == "/api/v1/authn":
            body = json.loads(request.content)
            self.seen.append(("authn", body))
            status = self.quirks.get("authn_status", "SUCCESS")
            answer = {"status": status}
            if status == "SUCCESS":
                answer["sessionToken"] = "st-1"
            return httpx.Response(200, json=answer)
        if url.path == "/oauth2/default/v1/authorize":
            params = dict(url.params)
            self.seen.append(("authorize", params))
            reply = {"state": self.quirks.get("state", params["state"])}
            if params["response_type"] == "code":
                reply["code"] = "c-1"
                target = f"{self.quirks.get('redirect', params['redirect_uri'])}?{urlencode(reply)}"
            else:
                reply |= {
                    "access_token": jwt({"application_id": "cid-app"}),
                    "token_type": "Bearer",
                }
                target = f"{self.quirks.get('redirect', params['redirect_uri'])}#{urlencode(reply)}"
            return httpx.Response(302, headers={"Location": target})
        if url.path == "/oauth2/default/v1/token":
            form = parse_qs(request.content.decode())
            self.seen.append(
                ("token", {**form, "authorization": request.headers.get("authorization")})
            )
            nonce = self.quirks.get("nonce") or self.nonce()
            return httpx.Response(
                200,
                json={
                    "access_token": self.quirks.get(
                        "access_token", jwt({"application_id": "cid-app"})
                    ),
                    "id_token": jwt({"nonce": nonce}),
                },
            )
        return httpx.Response(404)

    def nonce(self) -> str:
        return next(p["nonce"] for kind, p in self.seen if kind == "authorize")

    def first(self, kind: str) -> dict:
        return next(p for k, p in self.seen if k == kind)


def check(flow: str, method: str = "none", **quirks: object) -> tuple[list, StandIn]:
    stand_in = StandIn(**quirks)
    token = jwt({"application_id": "cid-app"})
    stand_in.quirks.setdefault("expected_token", token)
    rows = run_checks(
        outputs(flow, method),
        transport=httpx.MockTransport(stand_in),
        user=SignInUser("dev@example.com", PASSWORD),
    )
    return [r for r in rows if r.app == "app"], stand_in


def test_web_app_code_flow_sends_what_okta_documents() -> None:
    rows, okta = check("authorization_code", "client_secret_basic")
    assert [(r.service, r.ok) for r in rows] == [
        ("(authorize)", True),
        ("(claim application_id)", True),
        ("orders", True),
    ]
    authn = okta.first("authn")
    assert authn["username"] == "dev@example.com" and authn["password"] == PASSWORD
    params = okta.first("authorize")
    assert params["sessionToken"] == "st-1" and params["prompt"] == "none"
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    assert params["state"] and params["nonce"] and params["scope"] == "openid portal_api"
    token = okta.first("token")
    assert token["code_verifier"] and token["redirect_uri"] == [REDIRECT]
    sent = base64.b64decode(token["authorization"].split()[1]).decode()
    assert sent == f"cid-app:{SECRET}"
    assert "client_id" not in token


def test_spa_sends_its_client_id_and_no_secret() -> None:
    rows, okta = check("authorization_code", "none")
    assert rows and all(r.ok for r in rows)
    token = okta.first("token")
    assert token["client_id"] == ["cid-app"] and token["authorization"] is None


def test_implicit_app_takes_the_token_from_the_fragment() -> None:
    rows, okta = check("implicit")
    assert [(r.service, r.got, r.ok) for r in rows] == [
        ("(authorize)", "token", True),
        ("(claim application_id)", "= client_id", True),
        ("orders", "200", True),
    ]
    params = okta.first("authorize")
    assert params["response_type"] == "token" and "code_challenge" not in params
    assert not [k for k, _ in okta.seen if k == "token"]


@pytest.mark.parametrize(
    ("quirks", "step", "got", "detail_has"),
    [
        ({"redirect": "https://evil.test/cb"}, "(authorize)", "redirect elsewhere",
         "redirected to https://evil.test/cb, not to the registered redirect URI"),
        ({"state": "forged"}, "(authorize)", "state differs", "carried state 'forged'"),
        ({"authn_status": "MFA_REQUIRED"}, "(sign-in)", "status MFA_REQUIRED",
         "no MFA prompt"),
        ({"nonce": "other"}, "(token)", "nonce differs", "nonce is not the one sent"),
        ({"access_token": jwt({"application_id": "someone-else"})}, "(claim application_id)",
         "differs", "'someone-else', not the app's client_id 'cid-app'"),
    ],
)  # fmt: skip
def test_failures_name_the_app_the_step_and_what_came_back(
    quirks: dict, step: str, got: str, detail_has: str
) -> None:
    rows, _okta = check("authorization_code", "client_secret_basic", **quirks)
    failed = [r for r in rows if not r.ok]
    assert [(r.app, r.service, r.got) for r in failed][:1] == [("app", step, got)]
    assert detail_has in failed[0].detail
    table = render(rows)
    assert f"FAIL app at {step.strip('()')}:" in table
    for secret in (PASSWORD, SECRET, "st-1", "c-1"):
        assert secret not in table
