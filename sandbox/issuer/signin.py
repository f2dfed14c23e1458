"""Headless sign-in of the test user, as Okta offers it: `/api/v1/authn`, then `sessionToken`.

Okta's documented way to get user tokens without a browser (for tests): primary authentication
(`POST /api/v1/authn` with username and password) returns a one-time `sessionToken`, which
`/v1/authorize?sessionToken=...&prompt=none` redeems for a code. The sandbox has one user, its
`--test-user`, whose password is `IssuerSettings.test_user_password`.

Without a session token and without `prompt=none`, `/v1/authorize` keeps signing the test user
in without a form (a stand-in for a person at the sign-in page).
"""

from __future__ import annotations

import datetime
import hmac
import secrets
import threading
import time
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.issuer.settings import IssuerSettings
from sandbox.issuer.state import user_id_for

# Okta: a session token is one-time and short-lived (5 minutes).
SESSION_TOKEN_TTL_SECONDS = 300
LOGIN_REQUIRED = (
    "login_required",
    "The client specified not to prompt, but the user is not logged in.",
)


def _authn_error(status: int, code: str, summary: str) -> Response:
    return JSONResponse(
        {
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": "oae" + secrets.token_hex(11),
            "errorCauses": [],
        },
        status_code=status,
    )


class HeadlessSignIn:
    """One-time session tokens for the test user; no HTTP state beyond them."""

    def __init__(self, settings: IssuerSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}

    def issue(self, username: str, password: str) -> str | None:
        """A session token when the credentials are the test user's, else None."""
        login_ok = username.lower() == self._settings.test_user.lower()
        password_ok = hmac.compare_digest(
            password.encode(), self._settings.test_user_password.encode()
        )
        if not (login_ok and password_ok):
            return None
        token = "20111" + secrets.token_urlsafe(36)
        now = time.time()
        with self._lock:
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + SESSION_TOKEN_TTL_SECONDS
        return token

    def redeem(self, token: str) -> bool:
        """True once per valid, unexpired session token."""
        with self._lock:
            expires = self._tokens.pop(token, None)
        return expires is not None and expires > time.time()

    def check_authorize(self, params: Mapping[str, str]) -> tuple[str, str] | None:
        """The OAuth error (code, description) for an authorize request, or None to sign in."""
        session_token = params.get("sessionToken")
        signed_in = bool(session_token) and self.redeem(str(session_token))
        if signed_in:
            return None
        if params.get("prompt") == "none":
            return LOGIN_REQUIRED
        return None  # interactive: the sandbox signs the test user in without a form

    async def authn(self, request: Request) -> Response:
        """`POST /api/v1/authn`: Okta's primary authentication (username and password)."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _authn_error(400, "E0000003", "The request body was not well-formed.")
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return _authn_error(401, "E0000004", "Authentication failed")
        token = self.issue(username, password)
        if token is None:
            return _authn_error(401, "E0000004", "Authentication failed")
        expires = datetime.datetime.fromtimestamp(
            time.time() + SESSION_TOKEN_TTL_SECONDS, tz=datetime.UTC
        )
        login = self._settings.test_user
        return JSONResponse(
            {
                "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "status": "SUCCESS",
                "sessionToken": token,
                "_embedded": {
                    "user": {
                        "id": user_id_for(login),
                        "profile": {"login": login, "locale": "en_US"},
                    }
                },
            },
            headers={"Cache-Control": "no-store"},
        )
