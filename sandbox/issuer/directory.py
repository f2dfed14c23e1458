"""The issuer's one lookup interface for servers and clients configured elsewhere.

The issuer serves the servers of its own settings and the clients registered through
``/oauth2/v1/clients``; a directory (e.g. the Okta management API's store) adds more, and may
refuse a token by its policies.
"""

from __future__ import annotations

from typing import Protocol

from sandbox.issuer.settings import AuthorizationServer
from sandbox.issuer.state import RegisteredClient


class ServerDirectory(Protocol):
    def server(self, name: str) -> AuthorizationServer | None:
        """An active server under ``/oauth2/{name}``, or None."""

    def client(self, client_id: str) -> RegisteredClient | None:
        """An active OAuth client, or None."""

    def policy_denial(
        self, server: str, client_id: str, grant: str, scopes: list[str], *, user: bool
    ) -> str | None:
        """Why no access policy rule allows this token (None: allowed, or not its server)."""
