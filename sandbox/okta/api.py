"""HTTP layer of the Okta management API: a table of named handlers over :class:`OktaStore`.

SSWS API-token auth on ``/api/v1``; lists page with ``limit``/``after`` and ``Link`` headers;
errors in Okta's shape. Objects are rendered with ``_links`` and issuer URLs on the address the
server is bound to (like Okta's org URL, it does not vary with the Host header).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.issuer.errors import OktaError
from sandbox.issuer.paging import org_url, page
from sandbox.issuer.state import user_id_for
from sandbox.okta.errors import malformed, not_found, unauthorized
from sandbox.okta.store import OktaStore

Handler = Callable[[Request], Awaitable[Response]]
# Okta's default page sizes: apps page by 20, the server's own objects come whole.
DEFAULT_LIMIT = {"app": 20}
CHILD_KINDS = {"scopes": "scope", "claims": "claim", "policies": "policy"}


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _lifecycle_links(href: str, status: str) -> dict[str, Any]:
    action = "deactivate" if status == "ACTIVE" else "activate"
    return {action: {"href": f"{href}/lifecycle/{action}", "hints": {"allow": ["POST"]}}}


class Renderer:
    """Okta JSON for a stored record: ``_links``, issuer URLs, an app's client credentials."""

    def __init__(self, store: OktaStore, base: str) -> None:
        self.store = store
        self.base = base

    def server(self, record: dict[str, Any]) -> dict[str, Any]:
        href = f"{self.base}/api/v1/authorizationServers/{record['id']}"
        body = _public(record)
        body["issuer"] = f"{self.base}/oauth2/{record['id']}"
        body["_links"] = {
            "self": {"href": href, "hints": {"allow": ["GET", "DELETE", "PUT"]}},
            "scopes": {"href": f"{href}/scopes"},
            "claims": {"href": f"{href}/claims"},
            "policies": {"href": f"{href}/policies"},
            "keys": {"href": f"{href}/credentials/keys"},
            "metadata": [
                {"href": f"{body['issuer']}/.well-known/openid-configuration"},
                {"href": f"{body['issuer']}/.well-known/oauth-authorization-server"},
            ],
            **_lifecycle_links(href, record["status"]),
        }
        return body

    def child(self, kind: str, parents: tuple[str, ...], record: dict[str, Any]) -> dict:
        segment = {"scope": "scopes", "claim": "claims", "policy": "policies"}
        if kind == "rule":
            href = (
                f"{self.base}/api/v1/authorizationServers/{parents[0]}/policies/{parents[1]}"
                f"/rules/{record['id']}"
            )
        else:
            href = (
                f"{self.base}/api/v1/authorizationServers/{parents[0]}/{segment[kind]}"
                f"/{record['id']}"
            )
        body = _public(record)
        links: dict[str, Any] = {"self": {"href": href}}
        if kind in ("policy", "rule"):
            links.update(_lifecycle_links(href, record["status"]))
        if kind == "policy":
            links["rules"] = {"href": f"{href}/rules"}
        if kind == "rule":
            body["policyId"] = parents[1]
        body["_links"] = links
        return body

    def app(self, record: dict[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
        href = f"{self.base}/api/v1/apps/{record['id']}"
        body = _public(record)
        client_id = record["_client_id"]
        oauth = dict(body["credentials"]["oauthClient"], client_id=client_id)
        if with_secret:
            secret = self.store.client_secret(client_id)
            if secret is not None:
                oauth["client_secret"] = secret
        body["credentials"] = dict(body["credentials"], oauthClient=oauth)
        policy = record.get("_accessPolicy") or self.store.access_policy["id"]
        body["_links"] = {
            "self": {"href": href},
            "appLinks": [
                {"name": "oidc_client_link", "href": f"{self.base}/home/oidc_client/{record['id']}"}
            ],
            "accessPolicy": {"href": f"{self.base}/api/v1/policies/{policy}"},
            "users": {"href": f"{href}/users"},
            "groups": {"href": f"{href}/groups"},
            **_lifecycle_links(href, record["status"]),
        }
        return body

    def access_policy(self) -> dict[str, Any]:
        policy = dict(self.store.access_policy)
        href = f"{self.base}/api/v1/policies/{policy['id']}"
        policy["_links"] = {"self": {"href": href}, "rules": {"href": f"{href}/rules"}}
        return policy


def create_okta_app(
    store: OktaStore,
    api_token: str,
    test_user: str,
    on_change: Callable[[], None] = lambda: None,
) -> Starlette:
    """The management API as an ASGI app; ``api_token`` is the SSWS token it accepts and
    ``on_change`` runs after every successful write (e.g. to save the state file)."""

    def authorized(request: Request) -> bool:
        # Okta's own Python SDK (3.4) sends "SSWS<token>" with no space; Okta accepts both.
        header = request.headers.get("authorization", "")
        if not header.startswith("SSWS"):
            return False
        return hmac.compare_digest(header[4:].strip().encode(), api_token.encode())

    async def body_of(request: Request) -> Any:
        raw = await request.body()
        if not raw:
            return {}
        try:
            return await request.json()
        except ValueError:
            raise malformed("body: expected JSON") from None

    def endpoint(handler: Handler, *, public: bool = False) -> Handler:
        async def run(request: Request) -> Response:
            try:
                if not public and not authorized(request):
                    raise unauthorized()
                response = await handler(request)
            except OktaError as err:
                return JSONResponse(err.body(), status_code=err.status)
            if request.method != "GET":
                on_change()
            return response

        run.__name__ = handler.__name__
        return run

    def view(request: Request) -> Renderer:
        return Renderer(store, org_url(request))

    def lifecycle(request: Request) -> bool:
        action = request.path_params["action"]
        if action not in ("activate", "deactivate"):
            raise not_found("Lifecycle", action)
        return action == "activate"

    # -- org ------------------------------------------------------------------------------------
    async def organization(request: Request) -> Response:
        base = org_url(request)
        return JSONResponse(
            {
                "id": store.org_id,
                "pipeline": "idx",
                "_links": {"organization": {"href": base}, "alternate": {"href": base}},
                "settings": {"analyticsCollectionEnabled": False},
            }
        )

    async def current_user(request: Request) -> Response:
        first, _, _ = test_user.partition("@")
        user_id = user_id_for(test_user)
        return JSONResponse(
            {
                "id": user_id,
                "status": "ACTIVE",
                "type": {"id": "oty" + user_id[3:]},
                "profile": {
                    "login": test_user,
                    "email": test_user,
                    "firstName": first,
                    "lastName": "Sandbox",
                },
                "_links": {"self": {"href": f"{org_url(request)}/api/v1/users/{user_id}"}},
            }
        )

    # -- authorization servers ------------------------------------------------------------------
    async def list_servers(request: Request) -> Response:
        items = [view(request).server(r) for r in store.records("server", ())]
        q = request.query_params.get("q")
        if q:
            items = [i for i in items if i["name"].lower().startswith(q.lower())]
        return page(request, items, DEFAULT_LIMIT.get("server"))

    async def create_server(request: Request) -> Response:
        record = store.create("server", (), await body_of(request))
        return JSONResponse(view(request).server(record), status_code=201)

    async def get_server(request: Request) -> Response:
        return JSONResponse(view(request).server(store.get("server", (), sid(request))))

    async def replace_server(request: Request) -> Response:
        record = store.replace("server", (), sid(request), await body_of(request))
        return JSONResponse(view(request).server(record))

    async def delete_server(request: Request) -> Response:
        store.delete("server", (), sid(request))
        return Response(status_code=204)

    async def server_lifecycle(request: Request) -> Response:
        store.set_status("server", (), sid(request), lifecycle(request))
        return Response(status_code=204)

    def sid(request: Request) -> str:
        return request.path_params["server_id"]

    # -- scopes, claims, policies (one table, three kinds) -------------------------------------
    def child_kind(request: Request) -> str:
        kind = CHILD_KINDS.get(request.path_params["kind"])
        if kind is None:
            raise not_found("Resource", request.path_params["kind"])
        return kind

    async def list_children(request: Request) -> Response:
        kind, parents = child_kind(request), (sid(request),)
        store.get("server", (), sid(request))
        items = [view(request).child(kind, parents, r) for r in store.records(kind, parents)]
        q = request.query_params.get("q")
        if q:
            items = [i for i in items if i["name"].lower().startswith(q.lower())]
        if kind == "policy":
            items.sort(key=lambda i: i["priority"])
        return page(request, items, DEFAULT_LIMIT.get(kind))

    async def create_child(request: Request) -> Response:
        kind, parents = child_kind(request), (sid(request),)
        record = store.create(kind, parents, await body_of(request))
        return JSONResponse(view(request).child(kind, parents, record), status_code=201)

    async def get_child(request: Request) -> Response:
        kind, parents = child_kind(request), (sid(request),)
        record = store.get(kind, parents, request.path_params["item_id"])
        return JSONResponse(view(request).child(kind, parents, record))

    async def replace_child(request: Request) -> Response:
        kind, parents = child_kind(request), (sid(request),)
        body = await body_of(request)
        record = store.replace(kind, parents, request.path_params["item_id"], body)
        return JSONResponse(view(request).child(kind, parents, record))

    async def delete_child(request: Request) -> Response:
        kind, parents = child_kind(request), (sid(request),)
        store.delete(kind, parents, request.path_params["item_id"])
        return Response(status_code=204)

    async def policy_lifecycle(request: Request) -> Response:
        parents = (sid(request),)
        store.set_status("policy", parents, request.path_params["policy_id"], lifecycle(request))
        return Response(status_code=204)

    # -- policy rules ------------------------------------------------------------------------------
    def rule_parents(request: Request) -> tuple[str, str]:
        return sid(request), request.path_params["policy_id"]

    async def list_rules(request: Request) -> Response:
        parents = rule_parents(request)
        store.get("policy", parents[:1], parents[1])
        items = [view(request).child("rule", parents, r) for r in store.records("rule", parents)]
        items.sort(key=lambda i: i["priority"])
        return page(request, items, None)

    async def create_rule(request: Request) -> Response:
        parents = rule_parents(request)
        record = store.create("rule", parents, await body_of(request))
        return JSONResponse(view(request).child("rule", parents, record), status_code=201)

    async def get_rule(request: Request) -> Response:
        parents = rule_parents(request)
        record = store.get("rule", parents, request.path_params["rule_id"])
        return JSONResponse(view(request).child("rule", parents, record))

    async def replace_rule(request: Request) -> Response:
        parents = rule_parents(request)
        body = await body_of(request)
        record = store.replace("rule", parents, request.path_params["rule_id"], body)
        return JSONResponse(view(request).child("rule", parents, record))

    async def delete_rule(request: Request) -> Response:
        store.delete("rule", rule_parents(request), request.path_params["rule_id"])
        return Response(status_code=204)

    async def rule_lifecycle(request: Request) -> Response:
        parents = rule_parents(request)
        store.set_status("rule", parents, request.path_params["rule_id"], lifecycle(request))
        return Response(status_code=204)

    # -- OAuth apps ------------------------------------------------------------------------------
    def app_id(request: Request) -> str:
        return request.path_params["app_id"]

    async def list_apps(request: Request) -> Response:
        params = request.query_params
        records = store.list_apps(params.get("q"), params.get("filter"))
        items = [view(request).app(r) for r in records]
        return page(request, items, DEFAULT_LIMIT["app"])

    async def create_app(request: Request) -> Response:
        activate = request.query_params.get("activate", "true").lower() != "false"
        record = store.create("app", (), await body_of(request), active=activate)
        return JSONResponse(view(request).app(record, with_secret=True))

    async def get_app(request: Request) -> Response:
        return JSONResponse(view(request).app(store.get("app", (), app_id(request))))

    async def replace_app(request: Request) -> Response:
        record = store.replace("app", (), app_id(request), await body_of(request))
        return JSONResponse(view(request).app(record, with_secret=True))

    async def delete_app(request: Request) -> Response:
        record = store.get("app", (), app_id(request))
        if record["status"] == "ACTIVE":
            raise OktaError(
                403,
                "E0000056",
                "Delete application forbidden.",
                ["Deactivate the application before deleting it."],
            )
        store.delete("app", (), app_id(request))
        return Response(status_code=204)

    async def app_lifecycle(request: Request) -> Response:
        store.set_status("app", (), app_id(request), lifecycle(request))
        return JSONResponse({})

    async def get_id_token(request: Request) -> Response:
        return JSONResponse(store.id_token_settings(app_id(request)))

    async def set_id_token(request: Request) -> Response:
        return JSONResponse(store.set_id_token_settings(app_id(request), await body_of(request)))

    async def assign_policy(request: Request) -> Response:
        store.assign_access_policy(app_id(request), request.path_params["policy_id"])
        return Response(status_code=204)

    # -- the org's access policies -------------------------------------------------------------
    async def list_policies(request: Request) -> Response:
        kind = request.query_params.get("type")
        if not kind:
            raise OktaError(
                400, "E0000001", "Api validation failed: type", ["type: The field is required."]
            )
        items = [view(request).access_policy()] if kind == "ACCESS_POLICY" else []
        return page(request, items, None)

    async def get_policy(request: Request) -> Response:
        if request.path_params["policy_id"] != store.access_policy["id"]:
            raise not_found("Policy", request.path_params["policy_id"])
        return JSONResponse(view(request).access_policy())

    servers = "/api/v1/authorizationServers"
    server = servers + "/{server_id}"
    child = server + "/{kind}"
    rules = server + "/policies/{policy_id}/rules"
    apps = "/api/v1/apps"
    table: list[tuple[str, Handler, str, bool]] = [
        ("/.well-known/okta-organization", organization, "GET", True),
        ("/api/v1/users/me", current_user, "GET", False),
        (servers, list_servers, "GET", False),
        (servers, create_server, "POST", False),
        (server, get_server, "GET", False),
        (server, replace_server, "PUT", False),
        (server, delete_server, "DELETE", False),
        (server + "/lifecycle/{action}", server_lifecycle, "POST", False),
        (server + "/policies/{policy_id}/lifecycle/{action}", policy_lifecycle, "POST", False),
        (rules, list_rules, "GET", False),
        (rules, create_rule, "POST", False),
        (rules + "/{rule_id}", get_rule, "GET", False),
        (rules + "/{rule_id}", replace_rule, "PUT", False),
        (rules + "/{rule_id}", delete_rule, "DELETE", False),
        (rules + "/{rule_id}/lifecycle/{action}", rule_lifecycle, "POST", False),
        (child, list_children, "GET", False),
        (child, create_child, "POST", False),
        (child + "/{item_id}", get_child, "GET", False),
        (child + "/{item_id}", replace_child, "PUT", False),
        (child + "/{item_id}", delete_child, "DELETE", False),
        (apps, list_apps, "GET", False),
        (apps, create_app, "POST", False),
        (apps + "/{app_id}", get_app, "GET", False),
        (apps + "/{app_id}", replace_app, "PUT", False),
        (apps + "/{app_id}", delete_app, "DELETE", False),
        (apps + "/{app_id}/lifecycle/{action}", app_lifecycle, "POST", False),
        (apps + "/{app_id}/policies/{policy_id}", assign_policy, "PUT", False),
        ("/api/v1/internal/apps/{app_id}/settings/oauth/idToken", get_id_token, "GET", False),
        ("/api/v1/internal/apps/{app_id}/settings/oauth/idToken", set_id_token, "POST", False),
        ("/api/v1/policies", list_policies, "GET", False),
        ("/api/v1/policies/{policy_id}", get_policy, "GET", False),
    ]
    routes = [
        Route(path, endpoint(handler, public=public), methods=[method], name=handler.__name__)
        for path, handler, method, public in table
    ]

    async def fallback(request: Request) -> Response:
        return JSONResponse(
            OktaError(
                404, "E0000022", f"The endpoint does not support the provided HTTP method"
                f" or path: {request.method} {request.url.path}",
            ).body(),
            status_code=404,
        )  # fmt: skip

    app = Starlette(routes=routes)
    app.add_route("/api/v1/{rest:path}", fallback, methods=["GET", "POST", "PUT", "DELETE"])
    app.state.okta_store = store
    return app
