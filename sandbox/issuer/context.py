"""What every issuer handler works with: the settings, the state, and the request's
authorization server. Handlers get it with :func:`issuer_of`."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from sandbox.issuer.directory import ServerDirectory
from sandbox.issuer.errors import OktaError
from sandbox.issuer.settings import AuthorizationServer, IssuerSettings
from sandbox.issuer.signin import HeadlessSignIn
from sandbox.issuer.state import IssuerState, RegisteredClient, user_id_for


@dataclass
class Issuer:
    """The issuer's settings and state; ``on_change`` runs after each change to the clients."""

    settings: IssuerSettings
    state: IssuerState
    on_change: Callable[[], None] = field(default=lambda: None)
    # servers and clients configured elsewhere (the Okta management API) and their policies
    directory: ServerDirectory | None = None
    sign_in: HeadlessSignIn = field(init=False)

    def __post_init__(self) -> None:
        self.sign_in = HeadlessSignIn(self.settings)

    @property
    def user_login(self) -> str:
        return self.settings.test_user

    @property
    def user_id(self) -> str:
        return user_id_for(self.settings.test_user)

    def server(self, request: Request) -> AuthorizationServer:
        """The authorization server named in the path, or Okta's 404."""
        name = request.path_params["server"]
        server = self.settings.servers.get(name)
        if server is None and self.directory is not None:
            server = self.directory.server(name)
        if server is None:
            raise OktaError(
                404, "E0000007", f"Not found: Resource not found: {name} (AuthorizationServer)"
            )
        return server

    def find_client(self, client_id: str) -> RegisteredClient | None:
        """A client registered here, or one the directory knows."""
        client = self.state.get_client(client_id)
        if client is None and self.directory is not None:
            client = self.directory.client(client_id)
        return client

    def policy_denial(
        self, server: str, client_id: str, grant: str, scopes: list[str], *, user: bool
    ) -> str | None:
        """Why the directory's access policies refuse this token (None: allowed)."""
        if self.directory is None:
            return None
        return self.directory.policy_denial(server, client_id, grant, scopes, user=user)

    def require_api_token(self, request: Request) -> None:
        """Okta's ``Authorization: SSWS <token>`` check of the management endpoints."""
        scheme, _, token_value = request.headers.get("authorization", "").partition(" ")
        if not (
            scheme == "SSWS"
            and hmac.compare_digest(
                token_value.strip().encode(), self.settings.idp_api_token.encode()
            )
        ):
            raise OktaError(401, "E0000011", "Invalid token provided")


def issuer_of(request: Request) -> Issuer:
    return request.app.state.issuer


def base_url(request: Request) -> str:
    """The bound address, not the Host header: like Okta's, the issuer URL never varies."""
    server = request.scope.get("server")
    if server:
        return f"{request.url.scheme}://{server[0]}:{server[1]}"
    return f"{request.url.scheme}://{request.headers.get('host', 'localhost')}"


def issuer_url(request: Request, server: AuthorizationServer) -> str:
    return f"{base_url(request)}/oauth2/{server.name}"
