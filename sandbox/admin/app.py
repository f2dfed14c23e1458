"""The thin HTTP layer of the Admin API: parse the request, pick a handler from one table, call
the backend, render its result or its KongError. No rules live here."""

from __future__ import annotations

import hmac
import json
import re
import socket
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from sandbox.admin import errors as E
from sandbox.admin.backend import Backend
from sandbox.admin.entities import SCHEMAS
from sandbox.admin.plugins import enabled_plugins
from sandbox.admin.portal import render
from sandbox.admin.schema import new_id, schema_json
from sandbox.settings import NodeSettings

MAX_BODY = 10 * 1024 * 1024
TOP_LEVEL = {
    "services",
    "routes",
    "plugins",
    "consumers",
    "workspaces",
    "developers",
    "applications",
    "schemas",
    "status",
    "endpoints",
}
PARENT_FIELD = {"services": "service", "routes": "route", "consumers": "consumer"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Ctx:
    """What a handler gets: the backend, the workspace row, URL captures and the body."""

    backend: Backend
    settings: NodeSettings
    ws: dict
    prefix: str
    path: str
    args: list[str]
    query: dict[str, str]
    data: Any = None
    form: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ws_id(self) -> str:
        return self.ws["id"]


Result = tuple[int, Any]
Handler = Callable[[Ctx], Result]


# ----------------------------------------------------------------------------- body parsing


def nest_form(items: list[tuple[str, str]]) -> dict[str, Any]:
    """Form keys to a nested dict: `config.x=1`, `a[]=1&a[]=2`, repeated keys -> arrays."""
    out: dict[str, Any] = {}
    for key, value in items:
        is_array = False
        m = re.match(r"^(.*?)\[(\d*)\]$", key)
        if m:
            key, is_array = m.group(1), True
        parts = key.split(".")
        cur = out
        for part in parts[:-1]:
            nxt = cur.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                cur[part] = nxt
            cur = nxt
        last = parts[-1]
        existing = cur.get(last)
        if last not in cur:
            cur[last] = [value] if is_array else value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            cur[last] = [existing, value]
    return out


async def read_body(request: Request) -> tuple[Any, bool]:
    """(data, is_form). Raises KongError for malformed JSON (400), size (413), type (415)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise E.message(413, "Request body too large")
        chunks.append(chunk)
    raw = b"".join(chunks)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw.strip():
        return {}, ctype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return json.loads(raw), False
        except (ValueError, RecursionError):
            raise E.message(400, "Cannot parse JSON body") from None
    if ctype == "application/x-www-form-urlencoded":
        try:
            items = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            raise E.message(400, "Cannot parse form body") from None
        return nest_form(items), True
    if ctype == "multipart/form-data":
        from starlette.datastructures import UploadFile

        async def replay() -> dict:
            return {"type": "http.request", "body": raw, "more_body": False}

        try:
            form = await Request(request.scope, replay).form()
        except Exception:  # noqa: BLE001 - any multipart parse failure is the client's
            raise E.message(400, "Cannot parse multipart body") from None
        items = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                value = (await value.read()).decode("utf-8", "replace")
            items.append((key, value))
        return nest_form(items), True
    raise E.KongError(415, None)


# ------------------------------------------------------------------------------------- RBAC

ACTIONS = {
    "GET": "read",
    "HEAD": "read",
    "OPTIONS": "read",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}


def check_rbac(settings: NodeSettings, method: str, token: str | None) -> None:
    """EE `kong/rbac/init.lua`: 401 without valid credentials, 403 without permission."""
    assert settings.rbac_token is not None
    if token is None and settings.admin_gui_auth:
        raise E.message(401, "Invalid credentials. Token or User credentials required")
    given = (token or "").encode()
    if hmac.compare_digest(given, settings.rbac_token.encode()):
        return
    read_only = settings.rbac_read_only_token
    if read_only is not None and hmac.compare_digest(given, read_only.encode()):
        action = ACTIONS.get(method, "read")
        if action != "read":
            raise E.message(
                403, f"read-only, you do not have permissions to {action} this resource"
            )
        return
    raise E.message(401, "Invalid RBAC credentials")


# ---------------------------------------------------------------------------------- handlers


def _svc(ctx: Ctx, key: str) -> str:
    return ctx.backend.find_core(ctx.ws_id, "services", key)["id"]


def core_collection(entity: str, parent: str | None = None) -> dict[str, Handler]:
    """`/E` or `/P/{p}/E`: list (core pagination) and create (201)."""

    def parent_of(ctx: Ctx) -> tuple[str, str] | None:
        if parent is None:
            return None
        row = ctx.backend.find_core(ctx.ws_id, parent, ctx.args[0])
        return (PARENT_FIELD[parent], row["id"])

    def list_(ctx: Ctx) -> Result:
        par = parent_of(ctx)
        base = (
            f"{ctx.prefix}/{entity}" if par is None else f"{ctx.prefix}/{parent}/{par[1]}/{entity}"
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


def core_item(entity: str, parent: str | None = None) -> dict[str, Handler]:
    """`/E/{e}` or `/P/{p}/E/{e}`: get, upsert (200), merge-update, delete (204)."""

    def split(ctx: Ctx) -> tuple[tuple[str, str] | None, str]:
        if parent is None:
            return None, ctx.args[0]
        row = ctx.backend.find_core(ctx.ws_id, parent, ctx.args[0])
        return (PARENT_FIELD[parent], row["id"]), ctx.args[1]

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
    """`/routes/{r}/service`, `/plugins/{p}/route`, ...: the referenced entity (DELETE: 405)."""

    def ref(ctx: Ctx) -> str:
        row = ctx.backend.find_core(ctx.ws_id, entity, ctx.args[0])
        if not row.get(fk):
            raise E.not_found()
        return row[fk]["id"]

    return {
        "GET": lambda ctx: (200, ctx.backend.find_core(ctx.ws_id, target, ref(ctx))),
        "PATCH": lambda ctx: (
            200,
            ctx.backend.update(ctx.ws_id, target, ref(ctx), ctx.data, form=ctx.form),
        ),
    }


def node_info(ctx: Ctx) -> Result:
    s = ctx.settings
    available = {
        name: {"version": s.kong_version, "priority": spec.priority}
        for name, spec in sorted(enabled_plugins(s).items())
    }
    in_use = sorted({p["name"] for p in ctx.backend.list(ctx.ws_id, "plugins")})
    return 200, {
        "version": s.kong_version if s.at_least("3.0") else s.kong_version,
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


def plugin_schema(ctx: Ctx) -> Result:
    spec = enabled_plugins(ctx.settings).get(ctx.args[0])
    if spec is None:
        raise E.message(404, f"No plugin named '{ctx.args[0]}'")
    schema = spec.schema(ctx.settings)
    return 200, schema_json(schema)


def validate_plugin(ctx: Ctx) -> Result:
    ctx.backend.validate_only(ctx.ws_id, "plugins", ctx.data, form=ctx.form)
    return 200, {"message": "schema validation successful"}


def entity_schema(ctx: Ctx) -> Result:
    schema = SCHEMAS.get(ctx.args[0])
    if schema is None or schema.portal:
        raise E.message(404, f"No entity named '{ctx.args[0]}'")
    return 200, schema_json(schema)


def _default_only(ctx: Ctx) -> None:
    if ctx.prefix and ctx.ws["name"] != "default":
        raise E.not_found()


def ws_collection() -> dict[str, Handler]:
    def list_(ctx: Ctx) -> Result:
        _default_only(ctx)
        return 200, ctx.backend.workspace_page(ctx.query)

    def create(ctx: Ctx) -> Result:
        _default_only(ctx)
        return 201, ctx.backend.workspace_insert(ctx.data, form=ctx.form)

    return {"GET": list_, "POST": create}


def ws_item() -> dict[str, Handler]:
    def get(ctx: Ctx) -> Result:
        _default_only(ctx)
        ws = ctx.backend.workspace(ctx.args[0])
        if ws is None:
            raise E.not_found()
        return 200, ws

    def put(ctx: Ctx) -> Result:
        _default_only(ctx)
        return 200, ctx.backend.workspace_upsert(ctx.args[0], ctx.data, form=ctx.form)

    def patch(ctx: Ctx) -> Result:
        _default_only(ctx)
        return 200, ctx.backend.workspace_update(ctx.args[0], ctx.data, form=ctx.form)

    def delete(ctx: Ctx) -> Result:
        _default_only(ctx)
        ctx.backend.workspace_delete(ctx.args[0], cascade=ctx.query.get("cascade") == "true")
        return 204, None

    return {"GET": get, "PUT": put, "PATCH": patch, "DELETE": delete}


def portal(handlers: dict[str, Handler]) -> dict[str, Handler]:
    """Gate: `404 {"message":"Not Found"}` unless the portal is on for this workspace."""

    def gated(handler: Handler) -> Handler:
        def run(ctx: Ctx) -> Result:
            if not ctx.backend.portal_enabled(ctx.ws):
                raise E.not_found(capital=True)
            return handler(ctx)

        return run

    return {method: gated(h) for method, h in handlers.items()}


def instance_item(parent: Callable[[Ctx], dict[str, str]]) -> dict[str, Handler]:
    """An application instance under a parent: the instance id is the last URL key, `parent`
    gives the backend's parent keywords (service, or application [and developer])."""

    def get(ctx: Ctx) -> Result:
        return 200, ctx.backend.instance_get(ctx.ws, ctx.args[-1], **parent(ctx))

    def patch(ctx: Ctx) -> Result:
        return 200, ctx.backend.instance_update(
            ctx.ws, ctx.args[-1], ctx.data, form=ctx.form, **parent(ctx)
        )

    def delete(ctx: Ctx) -> Result:
        ctx.backend.instance_delete(ctx.ws, ctx.args[-1], **parent(ctx))
        return 204, None

    return portal({"GET": get, "PATCH": patch, "DELETE": delete})


def render_page(body: dict) -> dict:
    body["data"] = [render(r) for r in body["data"]]
    return body


ROUTES: list[tuple[tuple[str, ...], dict[str, Handler]]] = [
    ((), {"GET": node_info}),
    (
        ("status",),
        {
            "GET": lambda ctx: (
                200,
                {"database": {"reachable": True}, "server": {"connections_active": 1}},
            )
        },
    ),
    (("schemas", "plugins", "validate"), {"POST": validate_plugin}),
    (("schemas", "plugins", "*"), {"GET": plugin_schema}),
    (("schemas", "*"), {"GET": entity_schema}),
    (("workspaces",), ws_collection()),
    (("workspaces", "*"), ws_item()),
    (
        ("workspaces", "*", "meta"),
        {
            "GET": lambda ctx: (_default_only(ctx), (200, ctx.backend.workspace_meta(ctx.args[0])))[
                1
            ]
        },
    ),
    (("services",), core_collection("services")),
    (("services", "*"), core_item("services")),
    (("services", "*", "routes"), core_collection("routes", "services")),
    (("services", "*", "routes", "*"), core_item("routes", "services")),
    (("services", "*", "plugins"), core_collection("plugins", "services")),
    (("services", "*", "plugins", "*"), core_item("plugins", "services")),
    (
        ("services", "*", "applications"),
        portal({"GET": lambda ctx: (200, ctx.backend.service_applications(ctx.ws, ctx.args[0]))}),
    ),
    (
        ("services", "*", "application_instances"),
        portal(
            {
                "GET": lambda ctx: (
                    200,
                    ctx.backend.instance_page(ctx.ws, ctx.query, ctx.path, service=ctx.args[0]),
                )
            }
        ),
    ),
    (
        ("services", "*", "application_instances", "*"),
        instance_item(lambda ctx: {"service": ctx.args[0]}),
    ),
    (("routes",), core_collection("routes")),
    (("routes", "*"), core_item("routes")),
    (("routes", "*", "service"), foreign_item("routes", "service", "services")),
    (("routes", "*", "plugins"), core_collection("plugins", "routes")),
    (("routes", "*", "plugins", "*"), core_item("plugins", "routes")),
    (("consumers",), core_collection("consumers")),
    (("consumers", "*"), core_item("consumers")),
    (("consumers", "*", "plugins"), core_collection("plugins", "consumers")),
    (("consumers", "*", "plugins", "*"), core_item("plugins", "consumers")),
    (("plugins",), core_collection("plugins")),
    (("plugins", "*"), core_item("plugins")),
    (("plugins", "*", "service"), foreign_item("plugins", "service", "services")),
    (("plugins", "*", "route"), foreign_item("plugins", "route", "routes")),
    (
        ("developers",),
        portal(
            {
                "GET": lambda ctx: (200, ctx.backend.developer_page(ctx.ws, ctx.query, ctx.path)),
                "POST": lambda ctx: (
                    200,
                    ctx.backend.developer_insert(ctx.ws, ctx.data, form=ctx.form),
                ),
            }
        ),
    ),
    (
        ("developers", "*"),
        portal(
            {
                "GET": lambda ctx: (200, ctx.backend.developer_get(ctx.ws, ctx.args[0])),
                "PATCH": lambda ctx: (
                    200,
                    ctx.backend.developer_update(ctx.ws, ctx.args[0], ctx.data, form=ctx.form),
                ),
                "DELETE": lambda ctx: (
                    ctx.backend.developer_delete(ctx.ws, ctx.args[0]),
                    (204, None),
                )[1],
            }
        ),
    ),
    (
        ("developers", "*", "applications"),
        portal(
            {
                "GET": lambda ctx: (
                    200,
                    ctx.backend.application_page(ctx.ws, ctx.args[0], ctx.query, ctx.path),
                ),
                "POST": lambda ctx: (
                    201,
                    ctx.backend.application_insert(
                        ctx.ws, ctx.data, form=ctx.form, developer=ctx.args[0]
                    ),
                ),
            }
        ),
    ),
    (
        ("developers", "*", "applications", "*"),
        portal(
            {
                "GET": lambda ctx: (
                    200,
                    render(ctx.backend.application_find(ctx.ws, ctx.args[1], ctx.args[0])),
                ),
                "PATCH": lambda ctx: (
                    200,
                    ctx.backend.application_update(
                        ctx.ws, ctx.args[1], ctx.data, form=ctx.form, developer=ctx.args[0]
                    ),
                ),
                "DELETE": lambda ctx: (
                    ctx.backend.application_delete(ctx.ws, ctx.args[1], ctx.args[0]),
                    (204, None),
                )[1],
            }
        ),
    ),
    (
        ("developers", "*", "applications", "*", "application_instances"),
        portal(
            {
                "GET": lambda ctx: (
                    200,
                    ctx.backend.instance_page(
                        ctx.ws, ctx.query, ctx.path, application=ctx.args[1], developer=ctx.args[0]
                    ),
                ),
                "POST": lambda ctx: (
                    201,
                    ctx.backend.instance_insert(
                        ctx.ws, ctx.args[1], ctx.data, form=ctx.form, developer=ctx.args[0]
                    ),
                ),
            }
        ),
    ),
    (
        ("developers", "*", "applications", "*", "application_instances", "*"),
        instance_item(lambda ctx: {"application": ctx.args[1], "developer": ctx.args[0]}),
    ),
    (
        ("applications",),
        portal(
            {
                "GET": lambda ctx: (
                    200,
                    render_page(
                        ctx.backend.page(
                            ctx.ws_id, "applications", ctx.query, f"{ctx.prefix}/applications"
                        )
                    ),
                ),
                "POST": lambda ctx: (
                    201,
                    ctx.backend.application_insert(ctx.ws, ctx.data, form=ctx.form),
                ),
            }
        ),
    ),
    (
        ("applications", "*"),
        portal(
            {
                "GET": lambda ctx: (200, render(ctx.backend.application_find(ctx.ws, ctx.args[0]))),
                "PATCH": lambda ctx: (
                    200,
                    ctx.backend.application_update(ctx.ws, ctx.args[0], ctx.data, form=ctx.form),
                ),
                "DELETE": lambda ctx: (
                    ctx.backend.application_delete(ctx.ws, ctx.args[0]),
                    (204, None),
                )[1],
            }
        ),
    ),
    (
        ("applications", "*", "application_instances"),
        portal(
            {
                "GET": lambda ctx: (
                    200,
                    ctx.backend.instance_page(ctx.ws, ctx.query, ctx.path, application=ctx.args[0]),
                ),
                "POST": lambda ctx: (
                    201,
                    ctx.backend.instance_insert(ctx.ws, ctx.args[0], ctx.data, form=ctx.form),
                ),
            }
        ),
    ),
    (
        ("applications", "*", "application_instances", "*"),
        instance_item(lambda ctx: {"application": ctx.args[0]}),
    ),
]


def match(segments: list[str]) -> tuple[dict[str, Handler], list[str]] | None:
    for pattern, handlers in ROUTES:
        if len(pattern) != len(segments):
            continue
        args = []
        for want, got in zip(pattern, segments, strict=True):
            if want == "*":
                args.append(got)
            elif want != got:
                break
        else:
            return handlers, args
    return None


# --------------------------------------------------------------------------------- the app


def _json(status: int, body: Any, version: str) -> Response:
    headers = {"Server": f"kong/{version}-enterprise-edition", "Access-Control-Allow-Origin": "*"}
    if status == 204 or body is None:
        return Response(status_code=status, headers=headers)
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def create_admin_app(
    backend: Backend, settings: NodeSettings, *, on_change: Callable[[], None] | None = None
) -> Callable[[dict, Callable, Callable], Awaitable[None]]:
    """The Admin API as a Starlette app. `on_change()` runs after each successful write."""
    node_id = new_id()

    async def endpoint(request: Request) -> Response:
        version = settings.kong_version
        try:
            return await handle(request)
        except E.KongError as exc:
            return _json(exc.status, exc.body, version)
        except Exception:  # a bug here must not look like Kong's answer; log it, send Kong's 500
            traceback.print_exc(file=sys.stderr)
            return _json(500, {"message": "An unexpected error occurred"}, version)

    async def handle(request: Request) -> Response:
        version = settings.kong_version
        if settings.rbac_token is not None:
            check_rbac(settings, request.method, request.headers.get("kong-admin-token"))
        segments = [s for s in request.scope["path"].split("/") if s]
        prefix = ""
        ws_name = "default"
        if segments and segments[0] not in TOP_LEVEL:
            ws_name = segments.pop(0)
            prefix = f"/{ws_name}"
        ws = backend.resolve_workspace(ws_name)
        found = match(segments)
        if found is None:
            raise E.not_found()
        handlers, args = found
        if not settings.licensed and (
            prefix or segments[0:1] in (["workspaces"], ["developers"], ["applications"])
        ):
            raise E.message(403, "Enterprise license missing or expired")
        method = request.method
        if method == "OPTIONS":
            allow = ", ".join(sorted(set(handlers) | {"HEAD", "OPTIONS"}))
            return Response(
                status_code=204, headers={"Allow": allow, "Access-Control-Allow-Methods": allow}
            )
        handler = handlers.get("GET" if method == "HEAD" else method)
        if handler is None:
            raise E.message(405, "Method not allowed")
        data, form = ({}, False)
        if method in ("POST", "PUT", "PATCH"):
            data, form = await read_body(request)
        ctx = Ctx(
            backend,
            settings,
            ws,
            prefix,
            request.scope["path"],
            args,
            dict(request.query_params),
            data,
            form,
            {"node_id": node_id},
        )
        status, body = handler(ctx)
        if method in WRITE_METHODS and on_change is not None and segments[0:1] != ["schemas"]:
            on_change()
        if method == "HEAD":
            return Response(status_code=status)
        return _json(status, body, version)

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)

    return app
