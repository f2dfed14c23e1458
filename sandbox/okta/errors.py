"""Okta management-API errors as data: status, ``errorCode``, ``errorSummary``, ``errorCauses``."""

from __future__ import annotations

from sandbox.issuer.errors import OktaError

# One Okta error shape for the issuer's routes and the management API's (both apps render it).
OktaApiError = OktaError


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
