"""The browser flows without a browser: a test user signs in headlessly, then code + PKCE.

Okta's documented way to get user tokens in tests: primary authentication
(`POST {org}/api/v1/authn`, username and password) gives a one-time `sessionToken`;
`/v1/authorize` with `sessionToken` and `prompt=none` then redirects straight back to the app's
redirect URI with a code (or, for implicit apps, a token in the fragment). The sandbox issuer
serves the same two endpoints for its `--test-user`.

Every failure is a :class:`FlowError` naming the step and what came back. Never put a password,
session token, code, client secret or token into one.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

BROWSER_FLOWS = ("authorization_code", "implicit")
# Okta's custom authorization servers answer at {issuer}/v1/authorize.
AUTHORIZE_PATH = "/v1/authorize"


@dataclass(frozen=True)
class SignInUser:
    """The test user verify signs in as; the password never appears in a repr."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class BrowserApp:
    """What a browser-flow app needs from the stack outputs."""

    name: str
    client_id: str
    flow: str
    redirect_uri: str
    public: bool
    client_secret: str | None = field(default=None, repr=False)


class FlowError(Exception):
    """A step of the user flow failed: `step`, a short `got` and a `detail` for the user."""

    def __init__(self, step: str, got: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.got = got
        self.detail = detail


def payload(jwt: str) -> dict[str, Any]:
    """A JWT's claims, unverified (the proxy checks signatures; verify reads claims only)."""
    try:
        part = jwt.split(".")[1]
        part += "=" * (-len(part) % 4)
        claims = json.loads(base64.urlsafe_b64decode(part))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _error_text(resp: httpx.Response) -> tuple[str, str]:
    """(short, long) descriptions of an error response: OAuth, Okta API or anything else."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        desc = str(body.get("error_description") or "").strip()
        return str(body["error"]), f"{body['error']}: {desc}" if desc else str(body["error"])
    if isinstance(body, dict) and body.get("errorCode"):
        return str(body["errorCode"]), f"{body['errorCode']} {body.get('errorSummary', '')}".strip()
    kind = resp.headers.get("content-type", "no content type").split(";")[0]
    return f"HTTP {resp.status_code}", f"a {kind} body"


def authorization_endpoint(client: httpx.Client, issuer: str) -> str:
    """From the issuer's OIDC discovery document; Okta's path when discovery is unavailable."""
    issuer = issuer.rstrip("/")
    try:
        resp = client.get(f"{issuer}/.well-known/openid-configuration")
        if resp.status_code == 200:
            found = resp.json().get("authorization_endpoint")
            if isinstance(found, str) and found:
                return found
    except (httpx.HTTPError, ValueError):
        pass
    return issuer + AUTHORIZE_PATH


def _post_json(client: httpx.Client, step: str, url: str, what: str, **kwargs: Any) -> Any:
    """POST for a 200 JSON answer ({} when the body is not JSON); a FlowError of `step` naming
    the URL, `what` was asked and the answer otherwise."""
    try:
        resp = client.post(url, headers={"Accept": "application/json"}, **kwargs)
    except httpx.HTTPError as exc:
        raise FlowError(
            step, type(exc).__name__, f"POST {url} failed: {type(exc).__name__}"
        ) from None
    if resp.status_code != 200:
        short, long = _error_text(resp)
        raise FlowError(
            step,
            f"HTTP {resp.status_code} {short}",
            f"POST {url} {what} answered HTTP {resp.status_code}: {long}",
        )
    try:
        return resp.json()
    except ValueError:
        return {}


def session_token(client: httpx.Client, issuer: str, user: SignInUser) -> str:
    """Okta primary authentication at the issuer's org: a one-time session token."""
    parts = urlsplit(issuer)
    url = f"{parts.scheme}://{parts.netloc}/api/v1/authn"
    body = {
        "username": user.username,
        "password": user.password,
        "options": {"multiOptionalFactorEnroll": False, "warnBeforePasswordExpired": False},
    }
    answer = _post_json(client, "sign-in", url, f"as {user.username!r}", json=body)
    status = answer.get("status") if isinstance(answer, dict) else None
    token = answer.get("sessionToken") if isinstance(answer, dict) else None
    if status != "SUCCESS" or not token:
        raise FlowError(
            "sign-in",
            f"status {status}",
            f"sign-in of {user.username!r} ended in status {status!r}, not SUCCESS: the test "
            "user needs a password alone (no MFA prompt, no expired password)",
        )
    return str(token)


@dataclass(frozen=True)
class AuthorizeRequest:
    """One authorize round trip's secrets-to-be-checked: state, nonce and the PKCE verifier."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    code_verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)


def authorize(
    client: httpx.Client,
    endpoint: str,
    app: BrowserApp,
    scopes: list[str],
    session: str | None,
    request: AuthorizeRequest,
    *,
    pkce: bool = True,
) -> dict[str, str]:
    """`/authorize` with prompt=none; the parameters of the redirect to the app's redirect URI.

    Code flow: response_type=code, response_mode=query, PKCE S256. Implicit: response_type
    token in the fragment. Raises FlowError on anything but a redirect to the registered URI
    carrying our state and a code (or an access token)."""
    implicit = app.flow == "implicit"
    params = {
        "client_id": app.client_id,
        "response_type": "token" if implicit else "code",
        "response_mode": "fragment" if implicit else "query",
        "scope": " ".join(["openid", *scopes]),
        "redirect_uri": app.redirect_uri,
        "state": request.state,
        "nonce": request.nonce,
        "prompt": "none",
    }
    if pkce and not implicit:
        params["code_challenge"] = create_s256_code_challenge(request.code_verifier)
        params["code_challenge_method"] = "S256"
    if session is not None:
        params["sessionToken"] = session
    try:
        resp = client.get(endpoint, params=params, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise FlowError(
            "authorize", type(exc).__name__, f"GET {endpoint} failed: {type(exc).__name__}"
        ) from None
    if resp.status_code not in (301, 302, 303, 307) or "location" not in resp.headers:
        short, long = _error_text(resp)
        raise FlowError(
            "authorize",
            f"HTTP {resp.status_code} {short}",
            f"GET {endpoint} answered HTTP {resp.status_code} instead of a redirect to "
            f"{app.redirect_uri}: {long}",
        )
    location = urlsplit(resp.headers["location"])
    registered = urlsplit(app.redirect_uri)
    landed = f"{location.scheme}://{location.netloc}{location.path}"
    if (location.scheme, location.netloc, location.path) != (
        registered.scheme,
        registered.netloc,
        registered.path,
    ):
        raise FlowError(
            "authorize",
            "redirect elsewhere",
            f"redirected to {landed}, not to the registered redirect URI {app.redirect_uri}",
        )
    found = {k: v[0] for k, v in parse_qs(location.query).items()}
    found.update({k: v[0] for k, v in parse_qs(location.fragment).items()})
    if "error" in found:
        desc = found.get("error_description", "")
        raise FlowError(
            "authorize",
            f"error={found['error']}",
            f"the redirect to {landed} carried error={found['error']}"
            + (f": {desc}" if desc else ""),
        )
    if found.get("state") != request.state:
        raise FlowError(
            "authorize",
            "state differs",
            f"the redirect to {landed} carried state {found.get('state')!r}, not the one sent",
        )
    wanted = "access_token" if implicit else "code"
    if not found.get(wanted):
        raise FlowError("authorize", f"no {wanted}", f"the redirect to {landed} has no {wanted}")
    return found


def exchange_code(
    client: httpx.Client,
    token_endpoint: str,
    app: BrowserApp,
    code: str,
    code_verifier: str | None,
    nonce: str | None = None,
) -> str:
    """The code for an access token: client secret (basic) for web apps, none for public ones."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri}
    if code_verifier is not None:
        data["code_verifier"] = code_verifier
    auth: httpx.Auth | None = None
    if app.public:
        data["client_id"] = app.client_id
    elif not app.client_secret:
        raise FlowError(
            "token",
            "no client secret in outputs",
            "a confidential (web) app needs its client secret: the stack outputs have none",
        )
    else:
        # RFC 6749 2.3.1: form-encode both before HTTP Basic
        auth = httpx.BasicAuth(quote(app.client_id, safe=""), quote(app.client_secret, safe=""))
    body = _post_json(client, "token", token_endpoint, "(authorization_code)", data=data, auth=auth)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not token:
        raise FlowError("token", "no access_token", "the token response has no access_token")
    id_token = body.get("id_token")
    if nonce is not None and id_token and payload(str(id_token)).get("nonce") != nonce:
        raise FlowError(
            "token", "nonce differs", "the ID token's nonce is not the one sent to /authorize"
        )
    return str(token)


def user_token(
    client: httpx.Client,
    *,
    issuer: str,
    endpoint: str,
    token_endpoint: str,
    app: BrowserApp,
    scopes: list[str],
    user: SignInUser,
) -> str:
    """Sign the user in, authorize the app, and return its access token (or raise FlowError)."""
    session = session_token(client, issuer, user)
    request = AuthorizeRequest()
    found = authorize(client, endpoint, app, scopes, session, request)
    if app.flow == "implicit":
        return found["access_token"]
    return exchange_code(
        client, token_endpoint, app, found["code"], request.code_verifier, request.nonce
    )
