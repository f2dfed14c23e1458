"""The two error shapes Okta answers with: OAuth errors (``error``, ``error_description``) on
the authorization-server and registration endpoints, and management-API errors (``errorCode``,
``errorSummary``, ``errorCauses``) for a bad API token or an unknown resource."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An OAuth error as Okta renders it: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = f'Basic realm="Okta", error="{self.error}"'
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers=headers,
        )


class OktaError(Exception):
    """An Okta management-API error (``errorCode``, ``errorSummary``, ``errorCauses``)."""

    def __init__(
        self, status: int, code: str, summary: str, causes: list[str] | None = None
    ) -> None:
        super().__init__(summary)
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = causes or []

    def body(self) -> dict[str, Any]:
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": "oae" + secrets.token_hex(11),
            "errorCauses": [{"errorSummary": c} for c in self.causes],
        }

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def okta_error(status: int, code: str, summary: str, causes: list[str] | None = None) -> Response:
    """An Okta management-API error body (``errorCode``, ``errorSummary``, ``errorCauses``)."""
    return OktaError(status, code, summary, causes).response()


async def render_oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return exc.response()


async def render_okta_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OktaError)
    return exc.response()
