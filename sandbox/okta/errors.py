"""Okta management-API errors as data: status, ``errorCode``, ``errorSummary``, ``errorCauses``."""

from __future__ import annotations

import secrets
from typing import Any


class OktaApiError(Exception):
    """An error the management API answers with, in Okta's shape."""

    def __init__(
        self, status: int, code: str, summary: str, causes: list[str] | None = None
    ) -> None:
        super().__init__(summary)
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = list(causes or [])

    def body(self) -> dict[str, Any]:
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": "oae" + secrets.token_hex(11),
            "errorCauses": [{"errorSummary": c} for c in self.causes],
        }


def not_found(what: str, ident: str) -> OktaApiError:
    """Okta's 404 for a missing object, e.g. ``Resource not found: aus1 (AuthorizationServer)``."""
    return OktaApiError(404, "E0000007", f"Not found: Resource not found: {ident} ({what})")


def invalid(field: str, message: str) -> OktaApiError:
    """Okta's 400 for a body that fails validation: the field and what is wrong with it."""
    return OktaApiError(400, "E0000001", f"Api validation failed: {field}", [f"{field}: {message}"])


def unauthorized() -> OktaApiError:
    return OktaApiError(401, "E0000011", "Invalid token provided")


def malformed(detail: str) -> OktaApiError:
    return OktaApiError(400, "E0000003", "The request body was not well-formed.", [detail])
