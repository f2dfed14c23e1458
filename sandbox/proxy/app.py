"""Kong proxy: route matching, openid-connect (bearer, client_credentials) and
application-registration, forwarding.

Reads Kong's configuration from the Admin API backend on every request (no cache to go stale),
so objects created through the Admin API take effect at once, as with a DB-mode Kong node.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from sandbox.proxy.oidc import (
    DiscoveryError,
    InvalidToken,
    IssuerCache,
    TokenRequestError,
    as_values,
    audience_ok,
    claim_at,
    client_credentials_token,
    scopes_ok,
    verify_bearer,
)
from sandbox.proxy.router import match_route, upstream_path

# Kong's plugin priorities: higher runs first (openid-connect 1050, application-registration 995).
PLUGIN_PRIORITY = {"openid-connect": 1050, "application-registration": 995}
APPLICATION_CONSUMER = 3
PROXY_CONSUMER = 0
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
    "date",  # the proxy's server writes its own Date
}
_CONSUMER_HEADERS = {
    "x-consumer-id",
    "x-consumer-custom-id",
    "x-consumer-username",
    "x-credential-identifier",
    "x-anonymous-consumer",
}


class KongReader(Protocol):
    """What the proxy needs from the Admin API backend (rows as Kong renders them)."""

    def list(self, workspace: str, entity: str) -> list[dict[str, Any]]: ...


class Exit(Exception):  # noqa: N818 - mirrors kong.response.exit
    """Short-circuit the request with Kong's own response."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class _Context:
    def __init__(self) -> None:
        self.consumer: dict[str, Any] | None = None
        self.credential: str | None = None
        self.hide_authorization = False
        self.authenticated = False


def _id(ref: Any) -> str | None:
    return ref.get("id") if isinstance(ref, dict) else None


class KongProxy:
    """ASGI app; ``workspaces`` returns the names of all workspaces at request time."""

    def __init__(
        self,
        backend: KongReader,
        workspaces: Callable[[], list[str]],
        *,
        kong_version: str = "3.4.3.12",
        consumer_claim_field: str = "consumer_claim",
    ) -> None:
        self.backend = backend
        self.workspaces = workspaces
        self.kong_version = kong_version
        self.consumer_claim_field = consumer_claim_field
        self._client: httpx.AsyncClient | None = None
        self._issuers: IssuerCache | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
            self._issuers = IssuerCache(self._client)
        return self._client

    @property
    def issuers(self) -> IssuerCache:
        _ = self.client
        assert self._issuers is not None
        return self._issuers

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- Kong-generated responses -----------------------------------------------------------
    def _kong_response(self, exc: Exit, started: float) -> Response:
        headers = {
            "Server": f"kong/{self.kong_version}",
            "X-Kong-Response-Latency": str(int((time.perf_counter() - started) * 1000)),
            **exc.headers,
        }
        return JSONResponse({"message": exc.message}, status_code=exc.status, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        started = time.perf_counter()
        try:
            response = await self.handle(request, started)
        except Exit as exc:
            response = self._kong_response(exc, started)
        await response(scope, receive, send)

    # -- the request path -----------------------------------------------------------------
    def _routable(self) -> tuple[list[tuple[str, dict]], dict[str, dict]]:
        """Routes (with their workspace) Kong would route, and services by id."""
        routes: list[tuple[str, dict[str, Any]]] = []
        services: dict[str, dict[str, Any]] = {}
        for workspace in self.workspaces():
            in_ws = {s["id"]: s for s in self.backend.list(workspace, "services")}
            services.update(in_ws)
            for route in self.backend.list(workspace, "routes"):
                service = in_ws.get(_id(route.get("service")) or "")
                if service is not None and service.get("enabled") is False:
                    continue  # Kong leaves routes of disabled services out of the router
                routes.append((workspace, route))
        return routes, services

    def _plugins(self, workspace: str, route_id: str, service_id: str | None) -> list[dict]:
        """The plugin instance per name that applies, most specific scope first."""
        chosen: dict[str, tuple[int, dict[str, Any]]] = {}
        for plugin in self.backend.list(workspace, "plugins"):
            if plugin.get("enabled") is False or _id(plugin.get("consumer")):
                continue
            on_route = _id(plugin.get("route"))
            on_service = _id(plugin.get("service"))
            if on_route and on_route != route_id:
                continue
            if on_service and on_service != service_id:
                continue
            rank = (2 if on_route else 0) + (1 if on_service else 0)
            name = plugin.get("name", "")
            if name not in chosen or rank > chosen[name][0]:
                chosen[name] = (rank, plugin)
        plugins = [p for _, p in chosen.values() if p.get("name") in PLUGIN_PRIORITY]
        return sorted(plugins, key=lambda p: -PLUGIN_PRIORITY[p["name"]])

    async def handle(self, request: Request, started: float) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = request.url.path
        candidates, services = self._routable()
        found = match_route(
            candidates,
            method=request.method,
            host=headers.get("host", ""),
            path=path,
            scheme=request.url.scheme,
            headers=headers,
        )
        if found is None:
            raise Exit(404, "no Route matched with those values")
        route = found.route
        service_id = _id(route.get("service"))
        service = services.get(service_id or "")
        if service is None:
            raise Exit(503, "no Service found with those values")

        context = _Context()
        for plugin in self._plugins(found.workspace, route["id"], service_id):
            config = plugin.get("config") or {}
            if plugin["name"] == "openid-connect":
                await self._openid_connect(request, headers, config, found.workspace, context)
            elif plugin["name"] == "application-registration":
                self._application_registration(config, found.workspace, service_id, context)

        proxy_latency = int((time.perf_counter() - started) * 1000)
        target_path = upstream_path(
            service.get("path"), path, found.matched_path, route.get("strip_path", True)
        )
        return await self._forward(request, route, service, target_path, context, proxy_latency)

    # -- openid-connect (bearer, client_credentials) ------------------------------------------
    async def _openid_connect(
        self,
        request: Request,
        headers: dict[str, str],
        config: dict[str, Any],
        workspace: str,
        context: _Context,
    ) -> None:
        unauthorized = Exit(
            401, "Unauthorized", {"WWW-Authenticate": 'Bearer realm="kong", error="invalid_token"'}
        )
        auth_methods = config.get("auth_methods") or ["bearer"]
        token = self._bearer_token(request, headers, config) if "bearer" in auth_methods else None
        basic = self._client_credentials(headers) if "client_credentials" in auth_methods else None
        if not token and basic is None:
            if "bearer" not in auth_methods:
                raise unauthorized
            raise Exit(401, "Unauthorized", {"WWW-Authenticate": 'Bearer realm="kong"'})
        try:
            if not token and basic is not None:
                # Kong exchanges the client's credentials for tokens (handler.lua: "unable to
                # exchange credentials with tokens" -> unauthorized, 401)
                token = await client_credentials_token(*basic, config, self.issuers)
            claims = await verify_bearer(token, config, self.issuers)
        except DiscoveryError:
            raise Exit(500, "An unexpected error occurred") from None
        except (InvalidToken, TokenRequestError):
            raise unauthorized from None
        if not audience_ok(claims, config) or not scopes_ok(claims, config):
            raise Exit(403, "Forbidden")
        credential = as_values(claim_at(claims, config.get("credential_claim") or ["sub"]))
        context.credential = credential[0] if credential else None
        context.hide_authorization = bool(config.get("hide_credentials"))
        context.authenticated = True

        claim_path = config.get(self.consumer_claim_field) or config.get("consumer_claim")
        if not claim_path:
            return
        consumer = None
        for value in as_values(claim_at(claims, list(claim_path))):
            consumer = self._consumer_by(workspace, value, config.get("consumer_by"))
            if consumer is not None:
                break
        if consumer is None:
            if config.get("consumer_optional"):
                return
            raise Exit(403, "Forbidden")
        context.consumer = consumer

    @staticmethod
    def _client_credentials(headers: dict[str, str]) -> tuple[str, str] | None:
        """`Authorization: Basic` client id and secret (the client_credentials method)."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not value.strip():
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep and client_id else None

    @staticmethod
    def _bearer_token(request: Request, headers: dict[str, str], config: dict) -> str | None:
        where = config.get("bearer_token_param_type") or ["header", "query", "body"]
        if "header" in where:
            scheme, _, value = headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                return value.strip()
        if "query" in where and request.query_params.get("access_token"):
            return request.query_params["access_token"]
        return None

    def _consumer_by(
        self, workspace: str, value: str, consumer_by: list[str] | None
    ) -> dict | None:
        """Find a consumer of any type (hidden application consumers too) by each field in turn."""
        for field in consumer_by or ["username", "custom_id"]:
            found = self.backend.matching(workspace, "consumers", field, value)
            if found:
                return found[0]
        return None

    # -- application-registration ---------------------------------------------------------
    def _application_registration(
        self, config: dict[str, Any], workspace: str, service_id: str | None, context: _Context
    ) -> None:
        consumer = context.consumer
        if consumer is None:
            raise Exit(401, "Unauthorized")
        kind = consumer.get("type", PROXY_CONSUMER)
        if kind != APPLICATION_CONSUMER:
            if config.get("enable_proxy_with_consumer_credential") and kind == PROXY_CONSUMER:
                return
            raise Exit(401, "Unauthorized")
        applications = self.backend.matching(
            workspace, "applications", "consumer.id", consumer.get("id")
        )
        if applications:
            for instance in self.backend.matching(
                workspace, "application_instances", "application.id", applications[0]["id"]
            ):
                if (
                    _id(instance.get("service")) == service_id
                    and instance.get("status") == 0
                    and not instance.get("suspended")
                ):
                    return
        raise Exit(403, "You cannot consume this service")

    # -- forwarding -----------------------------------------------------------------------
    async def _forward(
        self,
        request: Request,
        route: dict[str, Any],
        service: dict[str, Any],
        path: str,
        context: _Context,
        proxy_latency: int,
    ) -> Response:
        protocol = service.get("protocol") or "http"
        host = service.get("host")
        port = service.get("port") or (443 if protocol == "https" else 80)
        url = f"{protocol}://{host}:{port}{path}"
        if request.url.query:
            url += "?" + request.url.query

        out: dict[str, str] = {}
        for name, value in request.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                out[name] = value
        if context.hide_authorization:
            out.pop("authorization", None)
        default_port = (protocol == "http" and port == 80) or (protocol == "https" and port == 443)
        if route.get("preserve_host") and request.headers.get("host"):
            out["host"] = request.headers["host"]
        else:
            out["host"] = str(host) if default_port else f"{host}:{port}"
        client_ip = request.client.host if request.client else "127.0.0.1"
        incoming_host = request.headers.get("host", "")
        out["x-forwarded-for"] = client_ip
        out["x-forwarded-proto"] = request.url.scheme
        out["x-forwarded-host"] = incoming_host.rsplit(":", 1)[0]
        out["x-forwarded-port"] = str(request.url.port or 80)
        out["x-forwarded-path"] = request.url.path
        out["x-real-ip"] = client_ip
        if context.authenticated:
            # Kong overwrites or clears these, so a client cannot spoof them.
            for name in list(out):
                if name.lower() in _CONSUMER_HEADERS:
                    del out[name]
        consumer = context.consumer
        if consumer is not None:
            out["x-consumer-id"] = consumer["id"]
            if consumer.get("custom_id"):
                out["x-consumer-custom-id"] = consumer["custom_id"]
            if consumer.get("username"):
                out["x-consumer-username"] = consumer["username"]
        if context.credential:
            out["x-credential-identifier"] = context.credential

        def ms(field: str) -> float:
            return (service.get(field) or 60000) / 1000

        timeout = httpx.Timeout(
            connect=ms("connect_timeout"), read=ms("read_timeout"), write=ms("write_timeout"),
            pool=ms("connect_timeout"),
        )  # fmt: skip
        body = await request.body()
        sent = time.perf_counter()
        try:
            async with self.client.stream(
                request.method, url, headers=out, content=body, timeout=timeout
            ) as upstream:
                raw = b"".join([chunk async for chunk in upstream.aiter_raw()])
        except httpx.TimeoutException:
            raise Exit(504, "The upstream server is timing out") from None
        except httpx.HTTPError:
            raise Exit(502, "An invalid response was received from the upstream server") from None
        upstream_latency = int((time.perf_counter() - sent) * 1000)
        response_headers = [
            (k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _HOP_BY_HOP
        ]
        response = Response(content=raw, status_code=upstream.status_code)
        for name, value in response_headers:
            if name.lower() == "content-type":
                response.headers["content-type"] = value
            else:
                response.headers.append(name, value)
        response.headers["X-Kong-Upstream-Latency"] = str(upstream_latency)
        response.headers["X-Kong-Proxy-Latency"] = str(proxy_latency)
        response.headers["Via"] = f"kong/{self.kong_version}"
        return response


def create_proxy_app(
    backend: KongReader,
    workspaces: Callable[[], list[str]],
    *,
    kong_version: str = "3.4.3.12",
    consumer_claim_field: str = "consumer_claim",
) -> KongProxy:
    """The proxy ASGI app over the Admin API ``backend``."""
    return KongProxy(
        backend,
        workspaces,
        kong_version=kong_version,
        consumer_claim_field=consumer_claim_field,
    )
