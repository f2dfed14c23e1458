"""Okta's client registration API (``/oauth2/v1/clients``, RFC 7591 with Okta's rules)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.issuer.context import issuer_of
from sandbox.issuer.errors import NO_STORE, OktaError
from sandbox.issuer.paging import page
from sandbox.issuer.registration import MetadataError, new_client, validate_metadata
from sandbox.issuer.state import RegisteredClient

DEFAULT_LIMIT = 20


async def json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise OktaError(
            400,
            "E0000003",
            "The request body was not well-formed.",
            ["body: expected a JSON object of client metadata"],
        ) from None


class InvalidMetadata(Exception):
    """Okta's answer to invalid client metadata, in the OAuth shape of RFC 7591."""

    def __init__(self, err: MetadataError) -> None:
        super().__init__(str(err))
        self.err = err

    def response(self) -> Response:
        return JSONResponse(self.err.body(), status_code=400, headers=NO_STORE)


def checked_metadata(body: Any) -> dict[str, Any]:
    try:
        return validate_metadata(body)
    except MetadataError as err:
        raise InvalidMetadata(err) from None


def find_client(request: Request) -> RegisteredClient:
    client_id = request.path_params["client_id"]
    client = issuer_of(request).state.get_client(client_id)
    if client is None:
        raise OktaError(
            404, "E0000007", f"Not found: Resource not found: {client_id} (AppInstance)"
        )
    return client


async def create_client(request: Request) -> Response:
    issuer = issuer_of(request)
    issuer.require_api_token(request)
    meta = checked_metadata(await json_body(request))
    client, secret = new_client(meta)
    issuer.state.add_client(client, secret)
    issuer.on_change()
    response = client.metadata()
    if secret is not None:
        response["client_secret"] = secret
    return JSONResponse(response, status_code=201)


async def list_clients(request: Request) -> Response:
    issuer = issuer_of(request)
    issuer.require_api_token(request)
    # Okta: `q` searches client_name (a startsWith match), pages of `limit` (default 20)
    q = (request.query_params.get("q") or "").lower()
    clients = [
        c.metadata() for c in issuer.state.list_clients() if c.client_name.lower().startswith(q)
    ]
    return page(request, clients, DEFAULT_LIMIT, key="client_id")


async def get_client(request: Request) -> Response:
    issuer_of(request).require_api_token(request)
    return JSONResponse(find_client(request).metadata())


async def delete_client(request: Request) -> Response:
    issuer = issuer_of(request)
    issuer.require_api_token(request)
    client = find_client(request)
    issuer.state.delete_client(client.client_id)
    issuer.on_change()
    return Response(status_code=204)


async def replace_client(request: Request) -> Response:
    issuer = issuer_of(request)
    issuer.require_api_token(request)
    client = find_client(request)
    body = await json_body(request)
    if isinstance(body, dict) and body.get("client_id", client.client_id) != client.client_id:
        raise InvalidMetadata(
            MetadataError(["client_id"], ["client_id: must match the client being updated."])
        )
    meta = checked_metadata(body)
    public_now = meta["token_endpoint_auth_method"] == "none"
    if public_now != client.is_public:
        raise InvalidMetadata(
            MetadataError(
                ["token_endpoint_auth_method"],
                [
                    "token_endpoint_auth_method: changing between a public and a confidential "
                    "client is not supported; register a new client."
                ],
            )
        )
    updated = RegisteredClient(
        client_id=client.client_id,
        client_id_issued_at=client.client_id_issued_at,
        secret_digest=client.secret_digest,
        client_secret_expires_at=client.client_secret_expires_at,
        **meta,
    )
    issuer.state.add_client(updated, None)
    issuer.on_change()
    return JSONResponse(updated.metadata())


async def render_invalid_metadata(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidMetadata)
    return exc.response()
