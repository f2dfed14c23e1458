"""The management API's errors, as the one Okta error class the issuer renders too."""

from __future__ import annotations

# One Okta error class for the issuer's routes and the management API's (both apps render it).
from sandbox.issuer.errors import OktaError


def not_found(what: str, ident: str) -> OktaError:
    """Okta's 404 for a missing object, e.g. ``Resource not found: aus1 (AuthorizationServer)``."""
    return OktaError(404, "E0000007", f"Not found: Resource not found: {ident} ({what})")


def invalid(field: str, message: str) -> OktaError:
    """Okta's 400 for a body that fails validation: the field and what is wrong with it."""
    return OktaError(400, "E0000001", f"Api validation failed: {field}", [f"{field}: {message}"])


def unauthorized() -> OktaError:
    return OktaError(401, "E0000011", "Invalid token provided")


def malformed(detail: str) -> OktaError:
    return OktaError(400, "E0000003", "The request body was not well-formed.", [detail])
