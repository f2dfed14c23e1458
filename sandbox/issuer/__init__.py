"""Okta-style issuer: authorization servers under ``/oauth2/{server}`` and RFC 7591 registration.

Build it with :func:`create_issuer_app` from :class:`IssuerSettings`; the app's
``state.issuer_state`` (:class:`IssuerState`) offers ``dump()``/``load()`` for a state file.
"""

from sandbox.issuer.app import create_issuer_app
from sandbox.issuer.settings import AuthorizationServer, IssuerSettings, SettingsError
from sandbox.issuer.state import IssuerState

__all__ = [
    "AuthorizationServer",
    "IssuerSettings",
    "IssuerState",
    "SettingsError",
    "create_issuer_app",
]
