"""The Okta-style issuer as a Starlette app: one table of named routes over :class:`Issuer`."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.routing import Route

from sandbox.issuer import authorize, clients, discovery, token, tokeninfo
from sandbox.issuer.context import Issuer
from sandbox.issuer.directory import ServerDirectory
from sandbox.issuer.errors import OAuthError, OktaError, render_oauth_error, render_okta_error
from sandbox.issuer.settings import IssuerSettings
from sandbox.issuer.state import IssuerState

SERVER = "/oauth2/{server}"

ROUTES = [
    Route("/oauth2/v1/clients", clients.create_client, methods=["POST"], name="clients_create"),
    Route("/oauth2/v1/clients", clients.list_clients, methods=["GET"], name="clients_list"),
    Route("/oauth2/v1/clients/{client_id}", clients.get_client, methods=["GET"], name="client"),
    Route(
        "/oauth2/v1/clients/{client_id}",
        clients.replace_client,
        methods=["PUT"],
        name="client_replace",
    ),
    Route(
        "/oauth2/v1/clients/{client_id}",
        clients.delete_client,
        methods=["DELETE"],
        name="client_delete",
    ),
    Route(
        SERVER + "/.well-known/openid-configuration",
        discovery.openid_configuration,
        methods=["GET"],
        name="openid_configuration",
    ),
    Route(
        SERVER + "/.well-known/oauth-authorization-server",
        discovery.oauth_metadata,
        methods=["GET"],
        name="oauth_metadata",
    ),
    Route(SERVER + "/v1/keys", discovery.keys, methods=["GET"], name="keys"),
    Route(SERVER + "/v1/token", token.token, methods=["POST"], name="token"),
    Route(SERVER + "/v1/authorize", authorize.authorize, methods=["GET"], name="authorize"),
    Route(SERVER + "/v1/introspect", tokeninfo.introspect, methods=["POST"], name="introspect"),
    Route(SERVER + "/v1/revoke", tokeninfo.revoke, methods=["POST"], name="revoke"),
    Route(SERVER + "/v1/userinfo", tokeninfo.userinfo, methods=["GET", "POST"], name="userinfo"),
    Route(SERVER + "/v1/logout", tokeninfo.logout, methods=["GET"], name="logout"),
    Route(
        SERVER + "/v1/device/authorize",
        tokeninfo.device_authorize,
        methods=["POST"],
        name="device_authorize",
    ),
    Route(SERVER + "/v1/par", tokeninfo.pushed_authorization, methods=["POST"], name="par"),
    Route("/api/v1/authn", authorize.authn, methods=["POST"], name="authn"),
]


def create_issuer_app(
    settings: IssuerSettings,
    state: IssuerState | None = None,
    on_change: Callable[[], None] = lambda: None,
    directory: ServerDirectory | None = None,
) -> Starlette:
    """Build the issuer ASGI app.

    ``state`` may be shared with the state-file registry; ``on_change`` runs after every
    change to the registered clients (e.g. to save the state file). ``directory`` adds servers
    and clients configured elsewhere (the Okta management API) and their access policies.
    """
    issuer = Issuer(
        settings, state or IssuerState(list(settings.servers)), on_change, directory=directory
    )
    app = Starlette(
        routes=ROUTES,
        exception_handlers={
            OAuthError: render_oauth_error,
            OktaError: render_okta_error,
            clients.InvalidMetadata: clients.render_invalid_metadata,
        },
    )
    app.state.issuer = issuer
    app.state.issuer_state = issuer.state
    app.state.settings = settings
    return app
