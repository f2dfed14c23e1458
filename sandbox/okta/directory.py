"""The issuer's view of the Okta org: servers, apps and access policies set through the API."""

from __future__ import annotations

from sandbox.issuer.settings import AuthorizationServer
from sandbox.issuer.state import RegisteredClient
from sandbox.okta.store import OktaStore

POLICY_FAILED = "Policy evaluation failed for this request, please check the policy configurations."


class OktaDirectory:
    """Implements ``sandbox.issuer.directory.ServerDirectory`` over an :class:`OktaStore`."""

    def __init__(self, store: OktaStore) -> None:
        self.store = store

    def server(self, name: str) -> AuthorizationServer | None:
        found = self.store.active_server(name)
        if found is None:
            return None
        return AuthorizationServer(
            name=found["id"],
            audience=found["audience"],
            scopes=tuple(found["scopes"]),
            claims=dict(found["claims"]),
        )

    def client(self, client_id: str) -> RegisteredClient | None:
        app = self.store.grant_client(client_id)
        if app is None or not app.active:
            return None
        return RegisteredClient(
            client_id=app.client_id,
            client_name=app.app_id,
            client_id_issued_at=0,
            grant_types=app.grant_types,
            response_types=[],
            redirect_uris=app.redirect_uris,
            token_endpoint_auth_method=app.token_endpoint_auth_method,
            application_type="",
            secret_digest=app.secret_digest,
        )

    def policy_denial(
        self, server: str, client_id: str, grant: str, scopes: list[str], *, user: bool
    ) -> str | None:
        if self.store.active_server(server) is None:
            return None  # a server of the sandbox's own settings: no access policies there
        rule = self.store.matching_rule(server, client_id, grant, scopes, user=user)
        return None if rule is not None else POLICY_FAILED
