"""The Admin API as an ASGI app: RBAC, the workspace prefix, then the Starlette router of
`sandbox.admin.routes`. No rules live here."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence

from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match

from sandbox.admin import errors as E
from sandbox.admin.backend import Backend
from sandbox.admin.request import check_rbac
from sandbox.admin.routes import Node, build_router, render_json
from sandbox.admin.schema import new_id
from sandbox.settings import NodeSettings

# First path segments that are routes, not workspace names (Kong's own reserved list).
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


def split_workspace(path: str) -> tuple[str, str, str]:
    """(workspace name, URL prefix, the rest as a normalised path): `/ws1/services/` ->
    (`ws1`, `/ws1`, `/services`). Empty segments are dropped, as Kong's router does."""
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] not in TOP_LEVEL:
        name = segments.pop(0)
        return name, f"/{name}", "/" + "/".join(segments)
    return "default", "", "/" + "/".join(segments)


def routes_by_segment(routes: Sequence[BaseRoute]) -> Callable[[str], Sequence[BaseRoute]]:
    """The routes a path can match, by its first segment, in the router's order. Trying only
    those keeps first-match-wins (a route whose first segment is another literal never
    matches) where trying every route's regex cost ~24 matches per request. A route that
    starts with a parameter, or has no path, is tried for every path."""

    def literal_head(route: BaseRoute) -> str | None:
        path = getattr(route, "path", None)
        head = path.split("/", 2)[1] if isinstance(path, str) and path.startswith("/") else None
        return None if head is None or "{" in head else head

    keyed = [(literal_head(r), r) for r in routes]
    anywhere = [r for head, r in keyed if head is None]
    table = {
        head: [r for h, r in keyed if h is None or h == head]
        for head, _ in keyed
        if head is not None
    }
    return lambda path: table.get(path.split("/", 2)[1], anywhere)


def create_admin_app(
    backend: Backend, settings: NodeSettings, *, on_change: Callable[[], None] | None = None
) -> Callable[[dict, Callable, Callable], Awaitable[None]]:
    """The Admin API as an ASGI app. `on_change()` runs after each successful write."""
    node_id = new_id()
    router = build_router()
    candidates = routes_by_segment(router.routes)

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        version = settings.kong_version
        try:
            if settings.rbac_token is not None:
                token = Headers(scope=scope).get("kong-admin-token")
                check_rbac(settings, scope["method"], token)
            ws_name, prefix, rest = split_workspace(scope["path"])
            ws = backend.resolve_workspace(ws_name)
            child = {
                **scope,
                "path": rest,
                "root_path": "",
                "kong_path": rest,
                "kong_full_path": scope["path"],
                "kong_node": Node(backend, settings, ws, prefix, node_id, on_change),
            }
            for route in candidates(rest):
                match, params = route.matches(child)
                if match is Match.FULL:
                    await route.handle({**child, **params}, receive, send)
                    return
            raise E.not_found()
        except E.KongError as exc:
            response = render_json(exc.status, exc.body, version)
        except Exception:  # a bug here must not look like Kong's answer; log it, send Kong's 500
            traceback.print_exc(file=sys.stderr)
            response = render_json(500, {"message": "An unexpected error occurred"}, version)
        await response(scope, receive, send)

    return app
