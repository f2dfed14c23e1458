"""HTTP layer of the Okta-style issuer: a table of routes over :class:`IssuerState`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.issuer.registration import MetadataError, new_client, validate_metadata
from sandbox.issuer.settings import OIDC_SCOPES, AuthorizationServer, IssuerSettings
from sandbox.issuer.state import AuthorizationCode, IssuerState, RegisteredClient, user_id_for
from sandbox.issuer.tokens import access_token_claims, id_token_claims, sign

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An OAuth error as Okta renders it: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = f'Basic realm="Okta", error="{self.error}"'
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers=headers,
        )


def okta_error(status: int, code: str, summary: str, causes: list[str] | None = None) -> Response:
    """An Okta management-API error body (``errorCode``, ``errorSummary``, ``errorCauses``)."""
    return JSONResponse(
        {
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": "oae" + secrets.token_hex(11),
            "errorCauses": [{"errorSummary": c} for c in causes or []],
        },
        status_code=status,
    )


def _base_url(request: Request) -> str:
    """The bound address, not the Host header: like Okta's, the issuer URL never varies."""
    server = request.scope.get("server")
    if server:
        return f"{request.url.scheme}://{server[0]}:{server[1]}"
    return f"{request.url.scheme}://{request.headers.get('host', 'localhost')}"


def create_issuer_app(
    settings: IssuerSettings,
    state: IssuerState | None = None,
    on_change: Callable[[], None] = lambda: None,
) -> Starlette:
    """Build the issuer ASGI app.

    ``state`` may be shared with the state-file registry; ``on_change`` runs after every
    change to the registered clients (e.g. to save the state file).
    """
    store = state or IssuerState(list(settings.servers))
    user_login = settings.test_user
    user_id = user_id_for(user_login)

    def server_of(request: Request) -> AuthorizationServer | Response:
        name = request.path_params["server"]
        server = settings.servers.get(name)
        if server is None:
            return okta_error(
                404, "E0000007", f"Not found: Resource not found: {name} (AuthorizationServer)"
            )
        return server

    def issuer_url(request: Request, server: AuthorizationServer) -> str:
        return f"{_base_url(request)}/oauth2/{server.name}"

    def metadata(request: Request, server: AuthorizationServer, *, oidc: bool) -> dict[str, Any]:
        issuer = issuer_url(request, server)
        doc: dict[str, Any] = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/v1/authorize",
            "token_endpoint": f"{issuer}/v1/token",
            "registration_endpoint": f"{_base_url(request)}/oauth2/v1/clients",
            "jwks_uri": f"{issuer}/v1/keys",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(server.grant_types),
            "scopes_supported": server.scopes_supported,
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "claims_supported": [
                "ver",
                "jti",
                "iss",
                "aud",
                "iat",
                "exp",
                "cid",
                "uid",
                "scp",
                "sub",
                *server.claims,
            ],
            "code_challenge_methods_supported": ["S256"],
        }
        if oidc:
            doc["subject_types_supported"] = ["public"]
            doc["id_token_signing_alg_values_supported"] = ["RS256"]
        return doc

    async def openid_configuration(request: Request) -> Response:
        server = server_of(request)
        if isinstance(server, Response):
            return server
        return JSONResponse(metadata(request, server, oidc=True))

    async def oauth_metadata(request: Request) -> Response:
        server = server_of(request)
        if isinstance(server, Response):
            return server
        return JSONResponse(metadata(request, server, oidc=False))

    async def keys(request: Request) -> Response:
        server = server_of(request)
        if isinstance(server, Response):
            return server
        return JSONResponse(
            store.public_jwks(server.name), headers={"Cache-Control": "max-age=3600"}
        )

    # -- token endpoint -------------------------------------------------------------------
    def authenticate_client(request: Request, form: dict[str, str]) -> RegisteredClient:
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError(
                    401, "invalid_client", "The client authentication header is malformed."
                ) from None
            basic_id, _, basic_secret = decoded.partition(":")
            client_id, secret = unquote(basic_id), unquote(basic_secret)
        if not client_id:
            raise OAuthError(401, "invalid_client", "No client credentials found.")
        client = store.get_client(client_id)
        if client is None:
            raise OAuthError(401, "invalid_client", "Invalid value for 'client_id' parameter.")
        if client.is_public:
            if secret:
                raise OAuthError(
                    401,
                    "invalid_client",
                    "Client authentication failed. A public client must not send a secret.",
                )
            return client
        if not secret:
            raise OAuthError(
                401,
                "invalid_client",
                "Client authentication failed. Either the client or the client credentials are "
                "invalid.",
            )
        if not client.check_secret(secret):
            raise OAuthError(
                401,
                "invalid_client",
                "The client secret supplied for a confidential client is invalid.",
            )
        return client

    def requested_scopes(server: AuthorizationServer, raw: str | None) -> list[str]:
        scopes = [s for s in (raw or "").split(" ") if s]
        if not scopes:
            raise OAuthError(
                400,
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes, "
                "'scope' must be provided.",
            )
        if any(s not in server.scopes_supported for s in scopes):
            raise OAuthError(
                400,
                "invalid_scope",
                "One or more scopes are not configured for the authorization server resource.",
            )
        return scopes

    def token_response(
        request: Request,
        server: AuthorizationServer,
        client: RegisteredClient,
        scopes: list[str],
        *,
        user: bool,
        nonce: str | None = None,
    ) -> Response:
        issuer = issuer_url(request, server)
        key = store.signing_key(server.name)
        claims = access_token_claims(
            server=server,
            issuer=issuer,
            client_id=client.client_id,
            scopes=scopes,
            ttl=settings.token_ttl_seconds,
            user_login=user_login if user else None,
            user_id=user_id if user else None,
        )
        access_token = sign(claims, key)
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": settings.token_ttl_seconds,
            "access_token": access_token,
            "scope": " ".join(scopes),
        }
        if user and "openid" in scopes:
            id_claims = id_token_claims(
                issuer=issuer,
                client_id=client.client_id,
                user_login=user_login,
                user_id=user_id,
                scopes=scopes,
                nonce=nonce,
                access_token=access_token,
                ttl=settings.token_ttl_seconds,
            )
            body["id_token"] = sign(id_claims, key)
        return JSONResponse(body, headers=_NO_STORE)

    def client_credentials(
        request: Request, server: AuthorizationServer, client: RegisteredClient, form: dict
    ) -> Response:
        raw = form.get("scope") or ""
        if any(s in OIDC_SCOPES for s in raw.split(" ")):
            raise OAuthError(
                400, "invalid_scope", "Client Credentials requests cannot contain OpenID scopes."
            )
        scopes = requested_scopes(server, raw)
        return token_response(request, server, client, scopes, user=False)

    def authorization_code(
        request: Request, server: AuthorizationServer, client: RegisteredClient, form: dict
    ) -> Response:
        value = form.get("code")
        if not value:
            raise OAuthError(400, "invalid_request", "The 'code' parameter is required.")
        code = store.redeem_code(value)
        if code is None or code.client_id != client.client_id or code.server != server.name:
            raise OAuthError(
                400, "invalid_grant", "The authorization code is invalid or has expired."
            )
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(
                400,
                "invalid_grant",
                "The 'redirect_uri' does not match the redirection URI used in the "
                "authorization request.",
            )
        verifier = form.get("code_verifier")
        if code.code_challenge is not None:
            if not verifier:
                raise OAuthError(
                    400,
                    "invalid_request",
                    "PKCE code verifier is required when the parameter code_challenge was "
                    "provided in the authorize request.",
                )
            digest = hashlib.sha256(verifier.encode()).digest()
            computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if not hmac.compare_digest(computed, code.code_challenge):
                raise OAuthError(400, "invalid_grant", "PKCE verification failed.")
        elif verifier:
            raise OAuthError(
                400,
                "invalid_request",
                "The 'code_verifier' parameter was sent, but no code_challenge was in the "
                "authorize request.",
            )
        return token_response(request, server, client, code.scopes, user=True, nonce=code.nonce)

    grant_handlers = {
        "client_credentials": client_credentials,
        "authorization_code": authorization_code,
    }

    async def token(request: Request) -> Response:
        server = server_of(request)
        if isinstance(server, Response):
            return server
        try:
            if not request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                raise OAuthError(
                    400,
                    "invalid_request",
                    "The request must use Content-Type 'application/x-www-form-urlencoded'.",
                )
            form = {k: str(v) for k, v in (await request.form()).items()}
            grant = form.get("grant_type")
            if not grant:
                raise OAuthError(
                    400,
                    "invalid_request",
                    "The token request must specify a 'grant_type'. Valid values: "
                    f"{list(grant_handlers)}",
                )
            handler = grant_handlers.get(grant)
            if handler is None:
                raise OAuthError(
                    400,
                    "unsupported_grant_type",
                    f"The authorization grant type is not supported by the authorization "
                    f"server. Configured grant types: {list(grant_handlers)}.",
                )
            client = authenticate_client(request, form)
            if grant not in client.grant_types:
                raise OAuthError(
                    400,
                    "unauthorized_client",
                    "The client is not authorized to use the provided grant type. Configured "
                    f"grant types: {client.grant_types}.",
                )
            return handler(request, server, client, form)
        except OAuthError as err:
            return err.response()

    # -- authorize endpoint ---------------------------------------------------------------
    async def authorize(request: Request) -> Response:
        server = server_of(request)
        if isinstance(server, Response):
            return server
        params = request.query_params
        client = store.get_client(params.get("client_id", ""))
        if client is None:
            return OAuthError(
                400, "invalid_client", "Invalid value for 'client_id' parameter."
            ).response()
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return OAuthError(
                400,
                "invalid_request",
                "The 'redirect_uri' parameter must be a Login redirect URI in the client app "
                "settings.",
            ).response()
        state_value = params.get("state")

        def back(query: dict[str, str]) -> Response:
            if state_value is not None:
                query["state"] = state_value
            separator = "&" if "?" in redirect_uri else "?"
            return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", 302)

        def fail(error: str, description: str) -> Response:
            return back({"error": error, "error_description": description})

        if params.get("response_type") != "code":
            return fail(
                "unsupported_response_type",
                "The response type is not supported by the authorization server. Configured "
                "response types: [code].",
            )
        if "authorization_code" not in client.grant_types:
            return fail(
                "unauthorized_client",
                "The client is not authorized to use the provided grant type. Configured grant "
                f"types: {client.grant_types}.",
            )
        try:
            scopes = requested_scopes(server, params.get("scope"))
        except OAuthError as err:
            return fail(err.error, err.description)
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is None and client.is_public:
            return fail(
                "invalid_request",
                "PKCE code challenge is required when the token endpoint authentication method "
                "is 'NONE'.",
            )
        if challenge is not None and method != "S256":
            return fail(
                "invalid_request",
                "The PKCE code challenge method is invalid. Valid values: [S256].",
            )
        # The configured test user is signed in without a form.
        code = store.issue_code(
            AuthorizationCode(
                server=server.name,
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                scopes=scopes,
                code_challenge=challenge,
                code_challenge_method=method,
                nonce=params.get("nonce"),
                expires_at=time.time() + settings.code_ttl_seconds,
            )
        )
        return back({"code": code})

    # -- client registration (Okta /oauth2/v1/clients) ------------------------------------
    def authorized(request: Request) -> bool:
        scheme, _, token_value = request.headers.get("authorization", "").partition(" ")
        return scheme == "SSWS" and hmac.compare_digest(
            token_value.strip().encode(), settings.idp_api_token.encode()
        )

    def unauthorized() -> Response:
        return okta_error(401, "E0000011", "Invalid token provided")

    def client_not_found(client_id: str) -> Response:
        return okta_error(
            404, "E0000007", f"Not found: Resource not found: {client_id} (AppInstance)"
        )

    async def json_body(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return okta_error(
                400,
                "E0000003",
                "The request body was not well-formed.",
                ["body: expected a JSON object of client metadata"],
            )

    def validation_error(err: MetadataError) -> Response:
        return okta_error(400, "E0000001", str(err), err.causes)

    async def create_client(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        body = await json_body(request)
        if isinstance(body, Response):
            return body
        try:
            meta = validate_metadata(body)
        except MetadataError as err:
            return validation_error(err)
        client, secret = new_client(meta)
        store.add_client(client, secret)
        on_change()
        response = client.metadata()
        if secret is not None:
            response["client_secret"] = secret
        return JSONResponse(response, status_code=201)

    async def list_clients(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        return JSONResponse([c.metadata() for c in store.list_clients()])

    async def client_item(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        client_id = request.path_params["client_id"]
        client = store.get_client(client_id)
        if client is None:
            return client_not_found(client_id)
        if request.method == "GET":
            return JSONResponse(client.metadata())
        if request.method == "DELETE":
            store.delete_client(client_id)
            on_change()
            return Response(status_code=204)
        body = await json_body(request)
        if isinstance(body, Response):
            return body
        if isinstance(body, dict) and body.get("client_id", client_id) != client_id:
            return okta_error(
                400,
                "E0000001",
                "Api validation failed: client_id",
                ["client_id: must match the client being updated."],
            )
        try:
            meta = validate_metadata(body)
        except MetadataError as err:
            return validation_error(err)
        public_now = meta["token_endpoint_auth_method"] == "none"
        if public_now != client.is_public:
            return okta_error(
                400,
                "E0000001",
                "Api validation failed: token_endpoint_auth_method",
                [
                    "token_endpoint_auth_method: changing between a public and a confidential "
                    "client is not supported; register a new client."
                ],
            )
        updated = RegisteredClient(
            client_id=client.client_id,
            client_id_issued_at=client.client_id_issued_at,
            secret_digest=client.secret_digest,
            client_secret_expires_at=client.client_secret_expires_at,
            **meta,
        )
        store.add_client(updated, None)
        on_change()
        return JSONResponse(updated.metadata())

    routes = [
        Route("/oauth2/v1/clients", create_client, methods=["POST"], name="clients_create"),
        Route("/oauth2/v1/clients", list_clients, methods=["GET"], name="clients_list"),
        Route(
            "/oauth2/v1/clients/{client_id}",
            client_item,
            methods=["GET", "PUT", "DELETE"],
        ),
        Route(
            "/oauth2/{server}/.well-known/openid-configuration",
            openid_configuration,
            methods=["GET"],
        ),
        Route(
            "/oauth2/{server}/.well-known/oauth-authorization-server",
            oauth_metadata,
            methods=["GET"],
        ),
        Route("/oauth2/{server}/v1/keys", keys, methods=["GET"]),
        Route("/oauth2/{server}/v1/token", token, methods=["POST"]),
        Route("/oauth2/{server}/v1/authorize", authorize, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.issuer_state = store
    app.state.settings = settings
    return app
