"""The Admin API's routes: one Starlette `Router` of named routes, each a `Resource` (a handler
per method). Like Kong's `kong/api/endpoints.lua`, the CRUD routes of the core entities are
generated from the entity schemas: a collection and an item per entity, the nested
collection and item under each entity it references, and the referenced entity itself
(`/routes/{key}/service`). The Dev Portal's hand-written routes follow, as Kong's are too.

Handlers get a `Ctx` and return `(status, body)`; they raise `KongError` for Kong's errors.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from sandbox.admin import errors as E
from sandbox.admin.backend import Backend
from sandbox.admin.entities import CONSUMERS, PLUGIN_BASE, ROUTES, SCHEMAS, SERVICES
from sandbox.admin.plugins import enabled_plugins
from sandbox.admin.portal import Portal, render
from sandbox.admin.request import read_body
from sandbox.admin.schema import Schema, schema_json
from sandbox.settings import NodeSettings

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Enterprise-only route families: refused without a license (so is any workspace prefix).
LICENSED = ("workspaces", "developers", "applications")


@dataclass
class Ctx:
    """What a handler gets: the backend, the workspace row, path parameters and the body."""

    backend: Backend
    settings: NodeSettings
    ws: dict
    prefix: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    data: Any = None
    form: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ws_id(self) -> str:
        return self.ws["id"]

    @property
    def portal(self) -> Portal:
        return self.backend.portal


@dataclass
class Node:
    """Per-request facts the dispatcher puts in the ASGI scope for the resources."""

    backend: Backend
    settings: NodeSettings
    ws: dict
    prefix: str
    node_id: str
    on_change: Callable[[], None] | None


Result = tuple[int, Any]
Handler = Callable[[Ctx], Result]


def render_json(status: int, body: Any, version: str) -> Response:
    headers = {"Server": f"kong/{version}-enterprise-edition", "Access-Control-Allow-Origin": "*"}
    if status == 204 or body is None:
        return Response(status_code=status, headers=headers)
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


class Resource:
    """One URL pattern's handlers by method, as an ASGI app: the license gate, OPTIONS, HEAD,
    Kong's 405, body parsing, the handler, and `on_change` after a successful write."""

    def __init__(self, handlers: dict[str, Handler], *, portal: bool = False) -> None:
        self.handlers = handlers
        self.portal = portal

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        node: Node = scope["kong_node"]
        request = Request(scope, receive)
        try:
            response = await self.respond(request, node)
        except E.KongError as exc:
            response = render_json(exc.status, exc.body, node.settings.kong_version)
        await response(scope, receive, send)

    async def respond(self, request: Request, node: Node) -> Response:
        path = request.scope["kong_path"]
        first = path.strip("/").split("/")[0]
        if not node.settings.licensed and (node.prefix or first in LICENSED):
            raise E.message(403, "Enterprise license missing or expired")
        method = request.method
        if method == "OPTIONS":
            allow = ", ".join(sorted(set(self.handlers) | {"HEAD", "OPTIONS"}))
            return Response(
                status_code=204, headers={"Allow": allow, "Access-Control-Allow-Methods": allow}
            )
        handler = self.handlers.get("GET" if method == "HEAD" else method)
        if handler is None:
            raise E.message(405, "Method not allowed")
        data, form = ({}, False)
        if method in ("POST", "PUT", "PATCH"):
            data, form = await read_body(request)
        ctx = Ctx(
            node.backend,
            node.settings,
            node.ws,
            node.prefix,
            request.scope["kong_full_path"],
            dict(request.path_params),
            dict(request.query_params),
            data,
            form,
            {"node_id": node.node_id},
        )
        if self.portal and not ctx.portal.portal_enabled(ctx.ws):
            raise E.not_found(capital=True)
        status, body = handler(ctx)
        if method in WRITE_METHODS and node.on_change is not None and first != "schemas":
            node.on_change()
        if method == "HEAD":
            return Response(status_code=status)
        return render_json(status, body, node.settings.kong_version)


# ------------------------------------------------------------------ core entities (generated)


def foreign_keys(schema: Schema, among: tuple[str, ...]) -> list[tuple[str, str]]:
    """(field, referenced entity) of each foreign key of `schema` into the `among` entities."""
    return [
        (name, f.reference)
        for name, f in schema.fields
        if f.type == "foreign" and f.reference in among
    ]


def core_collection(entity: str, parent: tuple[str, str] | None = None) -> dict[str, Handler]:
    """`/E` or `/P/{parent}/E`: list (core pagination) and create (201). `parent` is
    (foreign-key field, parent entity)."""

    def parent_of(ctx: Ctx) -> tuple[str, str] | None:
        if parent is None:
            return None
        row = ctx.backend.find_core(ctx.ws_id, parent[1], ctx.params["parent"])
        return (parent[0], row["id"])

    def list_(ctx: Ctx) -> Result:
        par = parent_of(ctx)
        base = (
            f"{ctx.prefix}/{entity}"
            if par is None or parent is None
            else f"{ctx.prefix}/{parent[1]}/{par[1]}/{entity}"
        )
        where = None
        if entity == "consumers":
            if ctx.query.get("custom_id") is not None:
                return 200, consumer_by_custom_id(ctx)
            where = lambda r: r.get("type") == 0  # noqa: E731 - only proxy consumers are listed
        return 200, ctx.backend.page(ctx.ws_id, entity, ctx.query, base, parent=par, where=where)

    def create(ctx: Ctx) -> Result:
        row = ctx.backend.insert(ctx.ws_id, entity, ctx.data, form=ctx.form, parent=parent_of(ctx))
        return 201, row

    return {"GET": list_, "POST": create}


def consumer_by_custom_id(ctx: Ctx) -> dict:
    rows = [
        r
        for r in ctx.backend.list(ctx.ws_id, "consumers")
        if r.get("custom_id") == ctx.query["custom_id"]
    ]
    if rows and rows[0].get("type") != 0:
        raise E.not_found(capital=True)
    return {"data": rows, "next": None}


def core_item(entity: str, parent: tuple[str, str] | None = None) -> dict[str, Handler]:
    """`/E/{key}` or `/P/{parent}/E/{key}`: get, upsert (200), merge-update, delete (204)."""

    def split(ctx: Ctx) -> tuple[tuple[str, str] | None, str]:
        if parent is None:
            return None, ctx.params["key"]
        row = ctx.backend.find_core(ctx.ws_id, parent[1], ctx.params["parent"])
        return (parent[0], row["id"]), ctx.params["key"]

    def get(ctx: Ctx) -> Result:
        par, key = split(ctx)
        return 200, ctx.backend.find_core(ctx.ws_id, entity, key, par)

    def put(ctx: Ctx) -> Result:
        par, key = split(ctx)
        return 200, ctx.backend.upsert(ctx.ws_id, entity, key, ctx.data, form=ctx.form, parent=par)

    def patch(ctx: Ctx) -> Result:
        par, key = split(ctx)
        return 200, ctx.backend.update(ctx.ws_id, entity, key, ctx.data, form=ctx.form, parent=par)

    def delete(ctx: Ctx) -> Result:
        par, key = split(ctx)
        ctx.backend.delete(ctx.ws_id, entity, key, par)
        return 204, None

    return {"GET": get, "PUT": put, "PATCH": patch, "DELETE": delete}


def foreign_item(entity: str, fk: str, target: str) -> dict[str, Handler]:
    """`/routes/{key}/service`, `/plugins/{key}/route`, ...: the referenced entity (no DELETE)."""

    def ref(ctx: Ctx) -> str:
        row = ctx.backend.find_core(ctx.ws_id, entity, ctx.params["key"])
        if not row.get(fk):
            raise E.not_found()
        return row[fk]["id"]

    def get(ctx: Ctx) -> Result:
        return 200, ctx.backend.find_core(ctx.ws_id, target, ref(ctx))

    def patch(ctx: Ctx) -> Result:
        return 200, ctx.backend.update(ctx.ws_id, target, ref(ctx), ctx.data, form=ctx.form)

    return {"GET": get, "PATCH": patch}


def core_routes(schemas: dict[str, Schema]) -> list[Route]:
    """Kong's generated CRUD endpoints for the given entities, from their foreign keys."""
    names = tuple(schemas)
    routes: list[Route] = []
    for entity in names:
        routes.append(Route(f"/{entity}", Resource(core_collection(entity)), name=entity))
        routes.append(
            Route(f"/{entity}/{{key}}", Resource(core_item(entity)), name=f"{entity}_item")
        )
    for entity, schema in schemas.items():
        for fk, target in foreign_keys(schema, names):
            nested = f"/{target}/{{parent}}/{entity}"
            routes.append(
                Route(
                    nested,
                    Resource(core_collection(entity, (fk, target))),
                    name=f"{target}_{entity}",
                )
            )
            routes.append(
                Route(
                    nested + "/{key}",
                    Resource(core_item(entity, (fk, target))),
                    name=f"{target}_{entity}_item",
                )
            )
            routes.append(
                Route(
                    f"/{entity}/{{key}}/{fk}",
                    Resource(foreign_item(entity, fk, target)),
                    name=f"{entity}_{fk}",
                )
            )
    return routes


# ------------------------------------------------------------------------------- the node


def node_info(ctx: Ctx) -> Result:
    s = ctx.settings
    available = {
        name: {"version": s.kong_version, "priority": spec.priority}
        for name, spec in sorted(enabled_plugins(s).items())
    }
    in_use = sorted({p["name"] for p in ctx.backend.list(ctx.ws_id, "plugins")})
    return 200, {
        "version": s.kong_version,
        "edition": s.edition,
        "tagline": "Welcome to kong",
        "hostname": socket.gethostname(),
        "node_id": ctx.extra.get("node_id"),
        "lua_version": "LuaJIT 2.1.0-20231117",
        "plugins": {"available_on_server": available, "enabled_in_cluster": in_use},
        "configuration": {
            "portal": s.portal_available,
            "portal_app_auth": s.portal_app_auth,
            "rbac": s.rbac,
            "enforce_rbac": s.rbac,
            "rbac_auth_header": "Kong-Admin-Token",
            "database": "postgres",
            "plugins": ["bundled"],
            "loaded_plugins": {name: True for name in available},
            "admin_listen": ["127.0.0.1:8001"],
        },
    }


def node_status(ctx: Ctx) -> Result:
    return 200, {"database": {"reachable": True}, "server": {"connections_active": 1}}


def plugin_schema(ctx: Ctx) -> Result:
    name = ctx.params["name"]
    spec = enabled_plugins(ctx.settings).get(name)
    if spec is None:
        raise E.message(404, f"No plugin named '{name}'")
    return 200, schema_json(spec.schema(ctx.settings))


def validate_plugin(ctx: Ctx) -> Result:
    ctx.backend.validate_only(ctx.ws_id, "plugins", ctx.data, form=ctx.form)
    return 200, {"message": "schema validation successful"}


def entity_schema(ctx: Ctx) -> Result:
    schema = SCHEMAS.get(ctx.params["name"])
    if schema is None or schema.portal:
        raise E.message(404, f"No entity named '{ctx.params['name']}'")
    return 200, schema_json(schema)


# ----------------------------------------------------------------------------- workspaces


def _default_only(ctx: Ctx) -> None:
    """Workspaces are managed from the default workspace only."""
    if ctx.prefix and ctx.ws["name"] != "default":
        raise E.not_found()


def workspaces_list(ctx: Ctx) -> Result:
    _default_only(ctx)
    return 200, ctx.backend.workspace_page(ctx.query)


def workspaces_create(ctx: Ctx) -> Result:
    _default_only(ctx)
    return 201, ctx.backend.workspace_insert(ctx.data, form=ctx.form)


def workspace_get(ctx: Ctx) -> Result:
    _default_only(ctx)
    ws = ctx.backend.workspace(ctx.params["workspace"])
    if ws is None:
        raise E.not_found()
    return 200, ws


def workspace_put(ctx: Ctx) -> Result:
    _default_only(ctx)
    return 200, ctx.backend.workspace_upsert(ctx.params["workspace"], ctx.data, form=ctx.form)


def workspace_patch(ctx: Ctx) -> Result:
    _default_only(ctx)
    return 200, ctx.backend.workspace_update(ctx.params["workspace"], ctx.data, form=ctx.form)


def workspace_delete(ctx: Ctx) -> Result:
    _default_only(ctx)
    cascade = ctx.query.get("cascade") == "true"
    ctx.backend.workspace_delete(ctx.params["workspace"], cascade=cascade)
    return 204, None


def workspace_meta(ctx: Ctx) -> Result:
    _default_only(ctx)
    return 200, ctx.backend.workspace_meta(ctx.params["workspace"])


# ----------------------------------------------------------------------------- Dev Portal


def developers_list(ctx: Ctx) -> Result:
    return 200, ctx.portal.developer_page(ctx.ws, ctx.query, ctx.path)


def developers_create(ctx: Ctx) -> Result:
    return 200, ctx.portal.developer_insert(ctx.ws, ctx.data, form=ctx.form)


def developer_get(ctx: Ctx) -> Result:
    return 200, ctx.portal.developer_get(ctx.ws, ctx.params["developer"])


def developer_patch(ctx: Ctx) -> Result:
    return 200, ctx.portal.developer_update(
        ctx.ws, ctx.params["developer"], ctx.data, form=ctx.form
    )


def developer_delete(ctx: Ctx) -> Result:
    ctx.portal.developer_delete(ctx.ws, ctx.params["developer"])
    return 204, None


def _developer(ctx: Ctx) -> str | None:
    """The developer of a `/developers/{developer}/applications/...` route, else None."""
    return ctx.params.get("developer")


def applications_list(ctx: Ctx) -> Result:
    developer = _developer(ctx)
    if developer is not None:
        return 200, ctx.portal.application_page(ctx.ws, developer, ctx.query, ctx.path)
    body = ctx.backend.page(ctx.ws_id, "applications", ctx.query, f"{ctx.prefix}/applications")
    body["data"] = [render(r) for r in body["data"]]
    return 200, body


def applications_create(ctx: Ctx) -> Result:
    return 201, ctx.portal.application_insert(
        ctx.ws, ctx.data, form=ctx.form, developer=_developer(ctx)
    )


def application_get(ctx: Ctx) -> Result:
    return 200, ctx.portal.application_get(ctx.ws, ctx.params["application"], _developer(ctx))


def application_patch(ctx: Ctx) -> Result:
    return 200, ctx.portal.application_update(
        ctx.ws, ctx.params["application"], ctx.data, form=ctx.form, developer=_developer(ctx)
    )


def application_delete(ctx: Ctx) -> Result:
    ctx.portal.application_delete(ctx.ws, ctx.params["application"], _developer(ctx))
    return 204, None


def _instance_parent(ctx: Ctx) -> dict[str, str | None]:
    """The portal's parent keywords of an instance route: its service, or its application
    (and developer)."""
    if "service" in ctx.params:
        return {"service": ctx.params["service"]}
    return {"application": ctx.params["application"], "developer": _developer(ctx)}


def instances_list(ctx: Ctx) -> Result:
    return 200, ctx.portal.instance_page(ctx.ws, ctx.query, ctx.path, **_instance_parent(ctx))


def instances_create(ctx: Ctx) -> Result:
    return 201, ctx.portal.instance_insert(
        ctx.ws, ctx.params["application"], ctx.data, form=ctx.form, developer=_developer(ctx)
    )


def instance_get(ctx: Ctx) -> Result:
    return 200, ctx.portal.instance_get(ctx.ws, ctx.params["instance"], **_instance_parent(ctx))


def instance_patch(ctx: Ctx) -> Result:
    return 200, ctx.portal.instance_update(
        ctx.ws, ctx.params["instance"], ctx.data, form=ctx.form, **_instance_parent(ctx)
    )


def instance_delete(ctx: Ctx) -> Result:
    ctx.portal.instance_delete(ctx.ws, ctx.params["instance"], **_instance_parent(ctx))
    return 204, None


def service_applications(ctx: Ctx) -> Result:
    return 200, ctx.portal.service_applications(ctx.ws, ctx.params["service"])


def portal_route(path: str, name: str, handlers: dict[str, Handler]) -> Route:
    """A Dev Portal route: `404 {"message":"Not Found"}` unless the workspace's portal is on."""
    return Route(path, Resource(handlers, portal=True), name=name)


APPLICATION = {"GET": application_get, "PATCH": application_patch, "DELETE": application_delete}
APPLICATIONS = {"GET": applications_list, "POST": applications_create}
INSTANCE = {"GET": instance_get, "PATCH": instance_patch, "DELETE": instance_delete}
INSTANCES = {"GET": instances_list, "POST": instances_create}
DEV_APP = "/developers/{developer}/applications"

PORTAL_ROUTES = [
    portal_route("/developers", "developers", {"GET": developers_list, "POST": developers_create}),
    portal_route(
        "/developers/{developer}",
        "developer",
        {"GET": developer_get, "PATCH": developer_patch, "DELETE": developer_delete},
    ),
    portal_route(DEV_APP, "developer_applications", APPLICATIONS),
    portal_route(DEV_APP + "/{application}", "developer_application", APPLICATION),
    portal_route(
        DEV_APP + "/{application}/application_instances",
        "developer_application_instances",
        INSTANCES,
    ),
    portal_route(
        DEV_APP + "/{application}/application_instances/{instance}",
        "developer_application_instance",
        INSTANCE,
    ),
    portal_route("/applications", "applications", APPLICATIONS),
    portal_route("/applications/{application}", "application", APPLICATION),
    portal_route(
        "/applications/{application}/application_instances", "application_instances", INSTANCES
    ),
    portal_route(
        "/applications/{application}/application_instances/{instance}",
        "application_instance",
        INSTANCE,
    ),
    portal_route(
        "/services/{service}/applications", "service_applications", {"GET": service_applications}
    ),
    portal_route(
        "/services/{service}/application_instances",
        "service_application_instances",
        {"GET": instances_list},
    ),
    portal_route(
        "/services/{service}/application_instances/{instance}",
        "service_application_instance",
        INSTANCE,
    ),
]

NODE_ROUTES = [
    Route("/", Resource({"GET": node_info}), name="node"),
    Route("/status", Resource({"GET": node_status}), name="status"),
    Route(
        "/schemas/plugins/validate",
        Resource({"POST": validate_plugin}),
        name="plugin_schema_validate",
    ),
    Route("/schemas/plugins/{name}", Resource({"GET": plugin_schema}), name="plugin_schema"),
    Route("/schemas/{name}", Resource({"GET": entity_schema}), name="entity_schema"),
    Route(
        "/workspaces",
        Resource({"GET": workspaces_list, "POST": workspaces_create}),
        name="workspaces",
    ),
    Route(
        "/workspaces/{workspace}",
        Resource(
            {
                "GET": workspace_get,
                "PUT": workspace_put,
                "PATCH": workspace_patch,
                "DELETE": workspace_delete,
            }
        ),
        name="workspace",
    ),
    Route("/workspaces/{workspace}/meta", Resource({"GET": workspace_meta}), name="workspace_meta"),
]

CORE_SCHEMAS = {
    "services": SERVICES,
    "routes": ROUTES,
    "consumers": CONSUMERS,
    "plugins": Schema("plugins", PLUGIN_BASE),
}


def build_router() -> Router:
    """Every Admin API route; the dispatcher answers Kong's 404 when none matches."""
    return Router(
        routes=[*NODE_ROUTES, *core_routes(CORE_SCHEMAS), *PORTAL_ROUTES], redirect_slashes=False
    )
